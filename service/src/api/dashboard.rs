//! The dashboard: pipeline and portfolio at a glance.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::app::overview;
use crate::auth::StaffAuth;
use crate::db::audit::AuditEntry;
use crate::domain::customer::Stage;
use crate::domain::money::yuan_to_wan;
use crate::domain::vocab::{Category, PlanStatus};
use crate::error::Fails;
use crate::error::status::GUARDED;
use crate::state::AppState;

pub struct DashboardApi;

#[derive(Object)]
pub struct Bucket {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Object)]
pub struct CategoryAmounts {
    /// A, B, C or `none` (not diagnosed yet)
    pub category: String,
    pub customers: i64,
    pub requested_wan: f64,
    pub estimated_wan: f64,
}

#[derive(Object)]
pub struct Dashboard {
    pub customers_total: i64,
    pub by_category: Vec<Bucket>,
    pub by_stage: Vec<Bucket>,
    pub plans_by_status: Vec<Bucket>,
    pub amounts_by_category: Vec<CategoryAmounts>,
    pub requested_wan: f64,
    pub estimated_wan: f64,
    /// The latest changes to customers, diagnoses and plans.
    pub recent_activity: Vec<AuditEntry>,
}

#[OpenApi(tag = "ApiTags::Dashboard")]
impl DashboardApi {
    /// Customers by category and stage, plans by status, requested vs estimated amounts, recent activity
    #[oai(path = "/api/dashboard", method = "get", operation_id = "dashboard")]
    async fn dashboard(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> Result<Json<Dashboard>, Fails<GUARDED>> {
        let d = overview::dashboard(&state.db, auth.0.scope()).await?;
        let amounts: Vec<CategoryAmounts> = d
            .by_category
            .into_iter()
            .map(|t| CategoryAmounts {
                category: t.category.unwrap_or_else(|| "none".into()),
                customers: t.customers,
                requested_wan: yuan_to_wan(t.demand_yuan),
                estimated_wan: yuan_to_wan(t.recommended_yuan),
            })
            .collect();
        let by_stage = Stage::ALL
            .iter()
            .map(|s| Bucket {
                key: s.code().into(),
                label: s.label().into(),
                count: d
                    .by_stage
                    .iter()
                    .find(|(k, _)| k == s.code())
                    .map_or(0, |(_, n)| *n),
            })
            .collect();
        let plans_by_status = PlanStatus::ALL
            .iter()
            .map(|s| Bucket {
                key: s.code().into(),
                label: s.label().into(),
                count: d
                    .plans_by_status
                    .iter()
                    .find(|(k, _)| k == s)
                    .map_or(0, |(_, n)| *n),
            })
            .collect();
        let by_category = Category::ALL
            .iter()
            .map(|c| (c.code(), c.label().to_string()))
            .chain([("none", "未诊断".to_string())])
            .map(|(key, label)| Bucket {
                key: key.into(),
                label,
                count: amounts
                    .iter()
                    .find(|a| a.category == key)
                    .map_or(0, |a| a.customers),
            })
            .collect();
        Ok(Json(Dashboard {
            customers_total: amounts.iter().map(|a| a.customers).sum(),
            requested_wan: amounts.iter().map(|a| a.requested_wan).sum(),
            estimated_wan: amounts.iter().map(|a| a.estimated_wan).sum(),
            by_category,
            by_stage,
            plans_by_status,
            amounts_by_category: amounts,
            recent_activity: d.recent_activity,
        }))
    }
}
