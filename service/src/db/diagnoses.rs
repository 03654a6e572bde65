//! Stored diagnoses (input snapshot + rules version + result) and improvement plans.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::{Deserialize, Serialize};

use super::catalog::Provider;
use super::sql;
use crate::domain::engine::{
    Category, CombinationItem, Diagnosis, FactChange, Facts, PlanDraft, PlanKind, ProductDelta,
    ProviderCategory,
};
use crate::domain::ids::{CustomerId, DiagnosisId, PlanId, ProviderId, RulesVersion, UserId};
use crate::domain::money::wan_to_yuan;
use crate::domain::timestamp::Timestamp;

#[derive(Object, Serialize, Debug, Clone)]
pub struct DiagnosisRecord {
    pub id: DiagnosisId,
    pub customer_id: CustomerId,
    /// The rule-set version the diagnosis used.
    pub rules_version: RulesVersion,
    pub created_at: Timestamp,
    #[oai(flatten)]
    #[serde(flatten)]
    pub result: Diagnosis,
}

fn codec_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

fn json<T: Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(codec_err)
}

/// A diagnosis ready to store: serialised once, possibly on another thread.
pub struct Encoded {
    customer_id: CustomerId,
    facts: String,
    result: String,
    category: Category,
    total: f64,
    recommended_yuan: i64,
}

pub fn encode(customer_id: CustomerId, facts: &Facts, d: &Diagnosis) -> rusqlite::Result<Encoded> {
    Ok(Encoded {
        customer_id,
        facts: json(facts)?,
        result: json(d)?,
        category: d.category,
        total: d.total,
        recommended_yuan: wan_to_yuan(d.recommended_wan),
    })
}

/// Stores a diagnosis and makes it the customer's latest.
pub fn insert(
    conn: &Connection,
    customer_id: CustomerId,
    rules_version: RulesVersion,
    facts: &Facts,
    d: &Diagnosis,
    user: Option<UserId>,
) -> rusqlite::Result<DiagnosisId> {
    insert_encoded(conn, &encode(customer_id, facts, d)?, rules_version, user)
}

pub fn insert_encoded(
    conn: &Connection,
    e: &Encoded,
    rules_version: RulesVersion,
    user: Option<UserId>,
) -> rusqlite::Result<DiagnosisId> {
    let q = Query::insert()
        .into_table("diagnoses")
        .columns([
            "customer_id",
            "rules_version",
            "facts",
            "result",
            "category",
            "total",
            "recommended_yuan",
            "created_by",
            "created_at",
        ])
        .values_panic([
            e.customer_id.into(),
            rules_version.into(),
            e.facts.clone().into(),
            e.result.clone().into(),
            e.category.code().into(),
            e.total.into(),
            e.recommended_yuan.into(),
            user.into(),
            Timestamp::now().into(),
        ])
        .to_owned();
    let id = DiagnosisId(sql::insert(conn, &q)?);
    super::customers::set_latest_diagnosis(
        conn,
        e.customer_id,
        &super::customers::LatestDiagnosis {
            id,
            category: e.category,
            total: e.total,
            recommended_yuan: e.recommended_yuan,
        },
    )?;
    Ok(id)
}

fn record(r: &Row<'_>) -> rusqlite::Result<(DiagnosisRecord, String)> {
    let id: DiagnosisId = r.get("id")?;
    sql::in_row("diagnoses", id, decode_record(id, r))
}

fn decode_record(id: DiagnosisId, r: &Row<'_>) -> rusqlite::Result<(DiagnosisRecord, String)> {
    let result: String = r.get("result")?;
    let facts: String = r.get("facts")?;
    let mut result: Diagnosis = sql::json_column("diagnoses", id, "result", &result)?;
    // A v1 diagnosis recommended the single best product: that is its best single figure too.
    if result.combination.is_empty() && result.single_best_wan == 0.0 {
        result.single_best_wan = result.recommended_wan;
    }
    Ok((
        DiagnosisRecord {
            id,
            customer_id: r.get("customer_id")?,
            rules_version: r.get("rules_version")?,
            created_at: r.get("created_at")?,
            result,
        },
        facts,
    ))
}

const COLUMNS: [&str; 6] = [
    "id",
    "customer_id",
    "rules_version",
    "result",
    "created_at",
    "facts",
];

/// A diagnosis with its input snapshot.
pub fn get(
    conn: &Connection,
    id: DiagnosisId,
) -> rusqlite::Result<Option<(DiagnosisRecord, Facts)>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from("diagnoses")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, record)?
        .map(|(d, facts)| {
            let facts = sql::json_column("diagnoses", d.id, "facts", &facts)?;
            Ok((d, facts))
        })
        .transpose()
}

pub fn for_customer(
    conn: &Connection,
    customer_id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<DiagnosisRecord>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from("diagnoses")
        .and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(sql::query_all(conn, &q, record)?
        .into_iter()
        .map(|(d, _)| d)
        .collect())
}

pub use crate::domain::vocab::PlanStatus;

#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PlanTask {
    pub text: String,
    pub done: bool,
}

/// Providers recommended with a plan.
const PROVIDERS_PER_PLAN: usize = 3;

/// What is stored for a plan: the engine's draft plus the broker's progress.
#[derive(Serialize, Deserialize)]
struct StoredPlan {
    draft: PlanDraft,
    tasks: Vec<PlanTask>,
    /// Written by v1 (providers fixed at creation); plans now look providers up live.
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    provider_ids: Vec<ProviderId>,
}

#[derive(Object, Serialize, Debug, Clone)]
pub struct Plan {
    pub id: PlanId,
    pub customer_id: CustomerId,
    pub diagnosis_id: DiagnosisId,
    pub status: PlanStatus,
    pub kind: PlanKind,
    pub title: String,
    /// What the plan unlocks and adds, in one line.
    pub headline: String,
    /// A revenue-driven target worded as a scenario, not a to-do.
    pub scenario: bool,
    /// current → target
    pub gap: String,
    pub changes: Vec<FactChange>,
    pub tasks: Vec<PlanTask>,
    #[oai(nullable)]
    pub provider_category: Option<ProviderCategory>,
    /// Active providers of the plan's category now (looked up when the plan is read).
    pub providers: Vec<Provider>,
    pub cost_min_wan: f64,
    pub cost_max_wan: f64,
    pub months_to_effect: u32,
    /// Combined amount after − before, from re-running the engine on the target facts as of
    /// today + `months_to_effect`.
    pub estimated_increase_wan: f64,
    /// The part of the increase that waiting alone brings.
    pub gain_from_waiting_wan: f64,
    pub recommended_before_wan: f64,
    pub recommended_after_wan: f64,
    pub category_before: Category,
    pub category_after: Category,
    pub total_before: f64,
    pub total_after: f64,
    pub fixes_vetoes: Vec<String>,
    pub product_changes: Vec<ProductDelta>,
    /// Products ineligible before and eligible after.
    pub unlocks: Vec<ProductDelta>,
    pub combination_after: Vec<CombinationItem>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub fn insert_plan(
    conn: &Connection,
    customer_id: CustomerId,
    diagnosis_id: DiagnosisId,
    draft: PlanDraft,
    user: Option<UserId>,
) -> rusqlite::Result<PlanId> {
    let now = Timestamp::now();
    let kind = draft.kind.code();
    let increase = wan_to_yuan(draft.estimated_increase_wan);
    let tasks = draft
        .tasks
        .iter()
        .map(|t| PlanTask {
            text: t.clone(),
            done: false,
        })
        .collect();
    let body = json(&StoredPlan {
        draft,
        tasks,
        provider_ids: vec![],
    })?;
    let q = Query::insert()
        .into_table("plans")
        .columns([
            "customer_id",
            "diagnosis_id",
            "kind",
            "status",
            "body",
            "increase_yuan",
            "created_by",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            customer_id.into(),
            diagnosis_id.into(),
            kind.into(),
            PlanStatus::Pending.code().into(),
            body.into(),
            increase.into(),
            user.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    sql::insert(conn, &q).map(PlanId)
}

const PLAN_COLUMNS: [&str; 7] = [
    "id",
    "customer_id",
    "diagnosis_id",
    "status",
    "body",
    "created_at",
    "updated_at",
];

fn plan_row(conn: &Connection) -> impl FnMut(&Row<'_>) -> rusqlite::Result<Plan> + '_ {
    move |r| {
        let id: PlanId = r.get("id")?;
        sql::in_row("plans", id, decode_plan(conn, id, r))
    }
}

fn decode_plan(conn: &Connection, id: PlanId, r: &Row<'_>) -> rusqlite::Result<Plan> {
    let body: String = r.get("body")?;
    let stored: StoredPlan = sql::json_column("plans", id, "body", &body)?;
    let status: String = r.get("status")?;
    let status = PlanStatus::from_code(&status)
        .ok_or_else(|| sql::bad_row("plans", id, format!("status: unknown value {status:?}")))?;
    let d = stored.draft;
    // Looked up live: a provider deactivated or added since the plan was made shows as it is now.
    let providers = match d.provider_category {
        Some(c) => super::catalog::providers(conn, Some(c), true)?
            .into_iter()
            .take(PROVIDERS_PER_PLAN)
            .collect(),
        None => vec![],
    };
    Ok(Plan {
        id,
        customer_id: r.get("customer_id")?,
        diagnosis_id: r.get("diagnosis_id")?,
        status,
        kind: d.kind,
        title: d.title,
        headline: d.headline,
        scenario: d.scenario,
        gap: d.gap,
        changes: d.changes,
        tasks: stored.tasks,
        provider_category: d.provider_category,
        providers,
        cost_min_wan: d.cost_min_wan,
        cost_max_wan: d.cost_max_wan,
        months_to_effect: d.months_to_effect,
        estimated_increase_wan: d.estimated_increase_wan,
        gain_from_waiting_wan: d.gain_from_waiting_wan,
        recommended_before_wan: d.recommended_before_wan,
        recommended_after_wan: d.recommended_after_wan,
        category_before: d.category_before,
        category_after: d.category_after,
        total_before: d.total_before,
        total_after: d.total_after,
        fixes_vetoes: d.fixes_vetoes,
        product_changes: d.product_changes,
        unlocks: d.unlocks,
        combination_after: d.combination_after,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn plan(conn: &Connection, id: PlanId) -> rusqlite::Result<Option<Plan>> {
    let q = Query::select()
        .columns(PLAN_COLUMNS)
        .from("plans")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, plan_row(conn))
}

/// Plans across customers (the board), newest first, optionally of one status or customer.
pub fn plans(
    conn: &Connection,
    status: Option<PlanStatus>,
    customer_id: Option<CustomerId>,
    owner: Option<UserId>,
    limit: u64,
) -> rusqlite::Result<Vec<Plan>> {
    let mut q = Query::select();
    q.columns(PLAN_COLUMNS)
        .from("plans")
        .and_where_option(owner.map(|o| super::customers::of_owner("customer_id", o)))
        .order_by("id", Order::Desc)
        .limit(limit);
    if let Some(s) = status {
        q.and_where(Expr::col("status").eq(s.code()));
    }
    if let Some(c) = customer_id {
        q.and_where(Expr::col("customer_id").eq(c));
    }
    sql::query_all(conn, &q, plan_row(conn))
}

pub fn plans_for_customer(
    conn: &Connection,
    customer_id: CustomerId,
) -> rusqlite::Result<Vec<Plan>> {
    let q = Query::select()
        .columns(PLAN_COLUMNS)
        .from("plans")
        .and_where(Expr::col("customer_id").eq(customer_id))
        // Newest diagnosis first; within one, the engine's order (value for cost and time).
        .order_by("diagnosis_id", Order::Desc)
        .order_by("id", Order::Asc)
        .to_owned();
    sql::query_all(conn, &q, plan_row(conn))
}

/// Removes a diagnosis' plans nobody has started (pending, no task ticked) and returns the
/// (kind, gap) of those that stay, so generating again neither duplicates nor loses work.
pub fn delete_pending_plans(
    conn: &Connection,
    diagnosis_id: DiagnosisId,
) -> rusqlite::Result<Vec<(PlanKind, String)>> {
    let q = Query::select()
        .columns(PLAN_COLUMNS)
        .from("plans")
        .and_where(Expr::col("diagnosis_id").eq(diagnosis_id))
        .to_owned();
    let mut kept = vec![];
    for plan in sql::query_all(conn, &q, plan_row(conn))? {
        let untouched = plan.status == PlanStatus::Pending && plan.tasks.iter().all(|t| !t.done);
        if untouched {
            let del = Query::delete()
                .from_table("plans")
                .and_where(Expr::col("id").eq(plan.id))
                .to_owned();
            sql::execute(conn, &del)?;
        } else {
            kept.push((plan.kind, plan.gap));
        }
    }
    Ok(kept)
}

/// Sets the status and task ticks; `done[i]` applies to task `i`.
pub fn update_plan(
    conn: &Connection,
    id: PlanId,
    status: Option<PlanStatus>,
    done: &[(usize, bool)],
) -> rusqlite::Result<()> {
    let q = Query::select()
        .column("body")
        .from("plans")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let Some(body) = sql::query_opt(conn, &q, |r| r.get::<_, String>("body"))? else {
        return Ok(());
    };
    let mut stored: StoredPlan = sql::json_column("plans", id, "body", &body)?;
    for (i, d) in done {
        if let Some(task) = stored.tasks.get_mut(*i) {
            task.done = *d;
        }
    }
    let mut u = Query::update();
    u.table("plans")
        .value("body", json(&stored)?)
        .value("updated_at", Timestamp::now())
        .and_where(Expr::col("id").eq(id));
    if let Some(s) = status {
        u.value("status", s.code());
    }
    sql::execute(conn, &u)?;
    Ok(())
}

/// How many plans have each status (statuses without plans are left out).
pub fn plan_counts_by_status(
    conn: &Connection,
    owner: Option<UserId>,
) -> rusqlite::Result<Vec<(PlanStatus, i64)>> {
    let q = Query::select()
        .column("status")
        .expr_as(Expr::col("id").count(), "plans")
        .from("plans")
        .and_where_option(owner.map(|o| super::customers::of_owner("customer_id", o)))
        .group_by_col("status")
        .to_owned();
    sql::query_all(conn, &q, |r| {
        let status: String = r.get("status")?;
        let status = PlanStatus::from_code(&status).ok_or_else(|| {
            sql::bad_row(
                "plans",
                "(count)",
                format!("status: unknown value {status:?}"),
            )
        })?;
        Ok((status, r.get("plans")?))
    })
}
