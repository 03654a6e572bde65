//! Read-only overviews: the dashboard, the audit log, row counts.

use super::{Error, Result};
use crate::auth::Scope;
use crate::db::audit::{self, AuditEntry, AuditFilter};
use crate::db::customers::{self, CategoryTotals};
use crate::db::{Db, diagnoses, users};
use crate::domain::vocab::PlanStatus;

pub struct DashboardData {
    /// Per latest category (`none`: not diagnosed yet).
    pub by_category: Vec<CategoryTotals>,
    pub by_stage: Vec<(String, i64)>,
    pub plans_by_status: Vec<(PlanStatus, i64)>,
    /// The latest changes to customers, diagnoses and plans (who did what, no before/after).
    pub recent_activity: Vec<AuditEntry>,
}

/// The figures of the customers `scope` covers; an account limited to its own customers sees
/// only its own actions in the recent activity (others' entries would name others' customers).
pub async fn dashboard(db: &Db, scope: Scope) -> Result<DashboardData> {
    let owner = scope.owner();
    db.read(move |c| {
        Ok::<_, Error>(DashboardData {
            by_category: customers::totals_by_category(c, owner)?,
            by_stage: customers::counts_by_stage(c, owner)?,
            plans_by_status: diagnoses::plan_counts_by_status(c, owner)?,
            recent_activity: audit::recent(c, &["customer.", "diagnosis.", "plan."], owner, 10)?,
        })
    })
    .await
}

pub async fn audit_log(
    db: &Db,
    filter: AuditFilter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<AuditEntry>, i64)> {
    db.read(move |c| Ok(audit::list(c, &filter, limit, offset)?))
        .await
}

pub struct RowCounts {
    pub customers: i64,
    pub users: i64,
    pub audit_logs: i64,
}

pub async fn row_counts(db: &Db) -> Result<RowCounts> {
    db.read(|c| {
        Ok::<_, Error>(RowCounts {
            customers: customers::count_live(c)?,
            users: users::count(c)?,
            audit_logs: audit::count(c)?,
        })
    })
    .await
}
