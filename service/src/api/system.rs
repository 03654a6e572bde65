//! Health, metrics and system status.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::app::overview;
use crate::auth::AdminAuth;
use crate::error::status::GUARDED;
use crate::error::{Fails, describe};
use crate::state::AppState;
use crate::sysmon::{database_bytes, disk_usage};

pub struct SystemApi;

#[derive(Object)]
pub struct RowCounts {
    pub customers: i64,
    pub users: i64,
    pub audit_logs: i64,
}

#[derive(Object)]
pub struct SystemMetrics {
    pub version: String,
    pub uptime_seconds: u64,
    pub cpu_usage_pct: f64,
    pub memory_total_bytes: u64,
    pub memory_used_bytes: u64,
    pub process_rss_bytes: u64,
    pub disk_total_bytes: u64,
    pub disk_available_bytes: u64,
    pub disk_used_pct: f64,
    pub database_bytes: u64,
    pub rows: RowCounts,
}

async fn row_counts(state: &AppState) -> Result<RowCounts, crate::app::Error> {
    let r = overview::row_counts(&state.db).await?;
    Ok(RowCounts {
        customers: r.customers,
        users: r.users,
        audit_logs: r.audit_logs,
    })
}

#[OpenApi(prefix_path = "/api/system", tag = "ApiTags::System")]
impl SystemApi {
    /// CPU, memory, disk, database size, row counts, uptime (admin)
    #[oai(path = "/metrics", method = "get", operation_id = "systemMetrics")]
    async fn metrics(
        &self,
        state: Data<&AppState>,
        _auth: AdminAuth,
    ) -> Result<Json<SystemMetrics>, Fails<GUARDED>> {
        let settings = &state.settings;
        let snap = state.sysmon.snapshot();
        let disk = disk_usage(settings.state_dir()).unwrap_or_default();
        Ok(Json(SystemMetrics {
            version: env!("CARGO_PKG_VERSION").into(),
            uptime_seconds: state.started.elapsed().as_secs(),
            cpu_usage_pct: snap.cpu_pct,
            memory_total_bytes: snap.memory_total_bytes,
            memory_used_bytes: snap.memory_used_bytes,
            process_rss_bytes: snap.process_rss_bytes,
            disk_total_bytes: disk.total_bytes,
            disk_available_bytes: disk.available_bytes,
            disk_used_pct: disk.used_pct(),
            database_bytes: database_bytes(&settings.db_path()),
            rows: row_counts(&state).await?,
        }))
    }
}

/// `GET /health`: 200 when the database answers, 503 otherwise. For probes; no auth.
/// 503 too when free space has run out or a request met a damaged, full or failing database in
/// the last minutes (see [`crate::db::Db::health`]); `reason` names which.
#[handler]
pub async fn health(state: Data<&AppState>) -> Response {
    let version = env!("CARGO_PKG_VERSION");
    match state.db.health().await {
        Ok(()) => {
            let body = serde_json::json!({ "status": "ok", "version": version });
            (StatusCode::OK, poem::web::Json(body)).into_response()
        }
        Err(e) => {
            let e: crate::app::Error = e.into();
            let (_, b) = describe(&e);
            let body = serde_json::json!({
                "status": "unavailable",
                "reason": b.code,
                "message": b.message,
                "version": version,
            });
            (StatusCode::SERVICE_UNAVAILABLE, poem::web::Json(body)).into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format.
#[handler]
pub async fn prometheus(state: Data<&AppState>) -> Response {
    let rows = row_counts(&state).await.ok();
    let db_bytes = database_bytes(&state.settings.db_path()) as f64;
    let rss = state.sysmon.snapshot().process_rss_bytes as f64;
    let mut gauges = vec![
        (
            "loan_broker_database_bytes",
            "Size of the SQLite database and its WAL.",
            db_bytes,
        ),
        (
            "loan_broker_process_resident_memory_bytes",
            "Resident memory of the service.",
            rss,
        ),
        (
            "loan_broker_uptime_seconds",
            "Seconds since the service started.",
            state.started.elapsed().as_secs_f64(),
        ),
    ];
    if let Some(r) = rows {
        gauges.push((
            "loan_broker_customers",
            "Customers not in the recycle bin.",
            r.customers as f64,
        ));
        gauges.push(("loan_broker_users", "Accounts.", r.users as f64));
    }
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&gauges))
}
