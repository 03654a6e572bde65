//! The audit log viewer (admins only).

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::common::paging;
use crate::app::Error;
use crate::app::overview;
use crate::auth::AdminAuth;
use crate::db::audit::{AuditEntry, AuditFilter};
use crate::domain::ids::UserId;
use crate::error::Fails;
use crate::error::status::{GUARDED, PARAMS};
use crate::state::AppState;

pub struct AuditApi;

#[derive(Object)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub page: u64,
    pub page_size: u64,
}

fn date(field: &str, value: Option<String>) -> Result<Option<chrono::NaiveDate>, Error> {
    value
        .map(|v| {
            chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|_| Error::validation(field, "日期格式应为 YYYY-MM-DD"))
        })
        .transpose()
}

#[OpenApi(prefix_path = "/api/audit-logs", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Audit entries, newest first
    ///
    /// `action` matches by prefix (e.g. `customer.`); `from` / `to` are dates (inclusive).
    #[oai(path = "/", method = "get", operation_id = "listAuditLogs")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: AdminAuth,
        user_id: Query<Option<UserId>>,
        #[oai(validator(max_length = 64))] action: Query<Option<String>>,
        #[oai(validator(max_length = 64))] resource_type: Query<Option<String>>,
        #[oai(validator(max_length = 64))] resource_id: Query<Option<String>>,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
        page: Query<Option<u64>>,
        page_size: Query<Option<u64>>,
    ) -> Result<Json<AuditPage>, Fails<{ GUARDED | PARAMS }>> {
        let filter = AuditFilter {
            user_id: user_id.0,
            action: action.0,
            resource_type: resource_type.0,
            resource_id: resource_id.0,
            from: date("from", from.0)?,
            to: date("to", to.0)?,
        };
        let (page, page_size, offset) = paging(page.0, page_size.0)?;
        let (items, total) = overview::audit_log(&state.db, filter, page_size, offset).await?;
        Ok(Json(AuditPage {
            items,
            total,
            page,
            page_size,
        }))
    }
}
