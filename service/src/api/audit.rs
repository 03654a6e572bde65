//! The audit log viewer (admins only).

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::common::paging;
use crate::auth::BearerAuth;
use crate::db::audit::{self, AuditEntry, AuditFilter};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct AuditApi;

#[derive(Object)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub page: u64,
    pub page_size: u64,
}

fn check_date(field: &str, value: &Option<String>) -> ApiResult<()> {
    match value {
        Some(v) if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() => {
            Err(ApiError::validation(field, "日期格式应为 YYYY-MM-DD"))
        }
        _ => Ok(()),
    }
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
        auth: BearerAuth,
        user_id: Query<Option<i64>>,
        #[oai(validator(max_length = 64))] action: Query<Option<String>>,
        #[oai(validator(max_length = 64))] resource_type: Query<Option<String>>,
        #[oai(validator(max_length = 64))] resource_id: Query<Option<String>>,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
        page: Query<Option<u64>>,
        page_size: Query<Option<u64>>,
    ) -> ApiResult<Json<AuditPage>> {
        auth.admin()?;
        check_date("from", &from.0)?;
        check_date("to", &to.0)?;
        let (page, page_size, offset) = paging(page.0, page_size.0)?;
        let filter = AuditFilter {
            user_id: user_id.0,
            action: action.0,
            resource_type: resource_type.0,
            resource_id: resource_id.0,
            from: from.0,
            to: to.0,
        };
        let (items, total) = state
            .db
            .read(move |c| Ok(audit::list(c, &filter, page_size, offset)?))
            .await?;
        Ok(Json(AuditPage {
            items,
            total,
            page,
            page_size,
        }))
    }
}
