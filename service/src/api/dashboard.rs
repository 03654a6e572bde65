//! The dashboard: pipeline and portfolio at a glance.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use sea_query::{Expr, ExprTrait, Func, Query};

use super::ApiTags;
use crate::auth::BearerAuth;
use crate::db::audit::{self, AuditEntry, AuditFilter};
use crate::db::{diagnoses, sql};
use crate::domain::customer::Stage;
use crate::domain::money::yuan_to_wan;
use crate::error::ApiResult;
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
        auth: BearerAuth,
    ) -> ApiResult<Json<Dashboard>> {
        auth.staff()?;
        let d = state
            .db
            .read(|c| {
                let q = Query::select()
                    .expr(Func::coalesce([
                        Expr::col("latest_category"),
                        Expr::val("none"),
                    ]))
                    .expr(Expr::col("id").count())
                    .expr(Func::coalesce([
                        Expr::col("loan_demand_yuan").sum(),
                        Expr::val(0),
                    ]))
                    .expr(Func::coalesce([
                        Expr::col("latest_recommended_yuan").sum(),
                        Expr::val(0),
                    ]))
                    .from("customers")
                    .and_where(Expr::col("deleted_at").is_null())
                    .group_by_col("latest_category")
                    .to_owned();
                let amounts: Vec<CategoryAmounts> = sql::query_all(c, &q, |r| {
                    Ok(CategoryAmounts {
                        category: r.get(0)?,
                        customers: r.get(1)?,
                        requested_wan: yuan_to_wan(r.get(2)?),
                        estimated_wan: yuan_to_wan(r.get(3)?),
                    })
                })?;
                let q = Query::select()
                    .column("stage")
                    .expr(Expr::col("id").count())
                    .from("customers")
                    .and_where(Expr::col("deleted_at").is_null())
                    .group_by_col("stage")
                    .to_owned();
                let stages: Vec<(String, i64)> =
                    sql::query_all(c, &q, |r| Ok((r.get(0)?, r.get(1)?)))?;
                let by_stage = Stage::ALL
                    .iter()
                    .map(|s| Bucket {
                        key: s.code().into(),
                        label: s.label().into(),
                        count: stages
                            .iter()
                            .find(|(k, _)| k == s.code())
                            .map_or(0, |(_, n)| *n),
                    })
                    .collect();
                let plan_label = |k: &str| match k {
                    "pending" => "待开始",
                    "in_progress" => "进行中",
                    _ => "已完成",
                };
                let plans = diagnoses::plan_counts_by_status(c)?;
                let plans_by_status = ["pending", "in_progress", "completed"]
                    .iter()
                    .map(|k| Bucket {
                        key: k.to_string(),
                        label: plan_label(k).into(),
                        count: plans.iter().find(|(s, _)| s == k).map_or(0, |(_, n)| *n),
                    })
                    .collect();
                let by_category = ["A", "B", "C", "none"]
                    .iter()
                    .map(|k| Bucket {
                        key: k.to_string(),
                        label: if *k == "none" {
                            "未诊断".into()
                        } else {
                            format!("{k} 类")
                        },
                        count: amounts
                            .iter()
                            .find(|a| a.category == *k)
                            .map_or(0, |a| a.customers),
                    })
                    .collect();
                let mut recent = vec![];
                for prefix in ["customer.", "diagnosis.", "plan."] {
                    let filter = AuditFilter {
                        action: Some(prefix.into()),
                        ..Default::default()
                    };
                    recent.extend(audit::list(c, &filter, 10, 0)?.0);
                }
                recent.sort_by_key(|e| std::cmp::Reverse(e.id));
                recent.truncate(10);
                for e in &mut recent {
                    // The dashboard shows who did what; the full before/after stays in the audit log.
                    e.before = None;
                    e.after = None;
                }
                Ok(Dashboard {
                    customers_total: amounts.iter().map(|a| a.customers).sum(),
                    requested_wan: amounts.iter().map(|a| a.requested_wan).sum(),
                    estimated_wan: amounts.iter().map(|a| a.estimated_wan).sum(),
                    by_category,
                    by_stage,
                    plans_by_status,
                    amounts_by_category: amounts,
                    recent_activity: recent,
                })
            })
            .await?;
        Ok(Json(d))
    }
}
