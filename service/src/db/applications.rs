//! Applications per bank (进件 / 放款) and their status history. Amounts are stored in integer 元;
//! the API's `_wan` figures are converted here, at the row boundary.

use chrono::NaiveDate;
use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

use super::sql;
use crate::domain::ids::{ApplicationId, CustomerId, ProductId, UserId};
use crate::domain::money::{opt_wan_to_yuan, opt_yuan_to_wan, wan_to_yuan, yuan_to_wan};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::ApplicationStatus;

const TABLE: &str = "applications";
const EVENTS: &str = "application_events";

/// One application of one customer to one lender, as the API shows it.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Application {
    pub id: ApplicationId,
    pub customer_id: CustomerId,
    /// The customer's name (for lists).
    pub customer_name: String,
    /// The customer's owner (负责人).
    #[oai(nullable)]
    pub owner_id: Option<UserId>,
    /// The catalogue product, when the lender is in the catalogue.
    #[oai(nullable)]
    pub product_id: Option<ProductId>,
    /// The product's name in the catalogue (null for free-text institutions or a deleted product).
    #[oai(nullable)]
    pub product_name: Option<String>,
    /// 放款机构: the product's institution, or the free text entered.
    pub institution: String,
    /// 申请金额 (万元).
    pub amount_applied_wan: f64,
    pub status: ApplicationStatus,
    /// 进件日期.
    #[oai(nullable)]
    pub submitted_on: Option<NaiveDate>,
    /// 批复金额 (万元).
    #[oai(nullable)]
    pub approved_wan: Option<f64>,
    /// 批复年化利率 (%).
    #[oai(nullable)]
    pub rate_pct: Option<f64>,
    /// 批复期限 (months).
    #[oai(nullable)]
    pub term_months: Option<i64>,
    /// 放款金额 (万元).
    #[oai(nullable)]
    pub disbursed_wan: Option<f64>,
    #[oai(nullable)]
    pub disbursed_on: Option<NaiveDate>,
    /// The reason of the latest rejection or withdrawal.
    #[oai(nullable)]
    pub reason: Option<String>,
    #[oai(nullable)]
    pub note: Option<String>,
    #[oai(nullable)]
    pub created_by: Option<UserId>,
    #[oai(nullable)]
    pub created_by_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One status an application passed through.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct ApplicationEvent {
    pub id: i64,
    pub status: ApplicationStatus,
    #[oai(nullable)]
    pub reason: Option<String>,
    pub at: Timestamp,
    #[oai(nullable)]
    pub actor_id: Option<UserId>,
    /// Who moved it (null when the account is gone).
    #[oai(nullable)]
    pub actor_name: Option<String>,
}

/// An application's stored values (what an insert or an update writes).
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    pub product_id: Option<ProductId>,
    pub institution: String,
    pub amount_applied_wan: f64,
    pub status: ApplicationStatus,
    pub submitted_on: Option<NaiveDate>,
    pub approved_wan: Option<f64>,
    pub rate_pct: Option<f64>,
    pub term_months: Option<i64>,
    pub disbursed_wan: Option<f64>,
    pub disbursed_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

impl Values {
    pub fn of(a: &Application) -> Self {
        Self {
            product_id: a.product_id,
            institution: a.institution.clone(),
            amount_applied_wan: a.amount_applied_wan,
            status: a.status,
            submitted_on: a.submitted_on,
            approved_wan: a.approved_wan,
            rate_pct: a.rate_pct,
            term_months: a.term_months,
            disbursed_wan: a.disbursed_wan,
            disbursed_on: a.disbursed_on,
            reason: a.reason.clone(),
            note: a.note.clone(),
        }
    }
}

fn date(
    table: &'static str,
    id: i64,
    r: &Row<'_>,
    column: &str,
) -> rusqlite::Result<Option<NaiveDate>> {
    r.get::<_, Option<String>>(column)?
        .map(|s| {
            s.parse()
                .map_err(|_| sql::bad_row(table, id, format!("{column}: not a date: {s:?}")))
        })
        .transpose()
}

fn status(table: &'static str, id: i64, code: &str) -> rusqlite::Result<ApplicationStatus> {
    ApplicationStatus::from_code(code)
        .ok_or_else(|| sql::bad_row(table, id, format!("status: unknown code {code:?}")))
}

fn row(r: &Row<'_>) -> rusqlite::Result<Application> {
    let id: ApplicationId = r.get("id")?;
    sql::in_row(TABLE, id, {
        let code: String = r.get("status")?;
        status(TABLE, id.get(), &code).and_then(|status| {
            Ok(Application {
                id,
                customer_id: r.get("customer_id")?,
                customer_name: r.get("customer_name")?,
                owner_id: r.get("owner_id")?,
                product_id: r.get("product_id")?,
                product_name: None,
                institution: r.get("institution")?,
                amount_applied_wan: yuan_to_wan(r.get("amount_applied_yuan")?),
                status,
                submitted_on: date(TABLE, id.get(), r, "submitted_on")?,
                approved_wan: opt_yuan_to_wan(r.get("approved_yuan")?),
                rate_pct: r.get("rate_pct")?,
                term_months: r.get("term_months")?,
                disbursed_wan: opt_yuan_to_wan(r.get("disbursed_yuan")?),
                disbursed_on: date(TABLE, id.get(), r, "disbursed_on")?,
                reason: r.get("reason")?,
                note: r.get("note")?,
                created_by: r.get("created_by")?,
                created_by_name: r.get("creator_name")?,
                created_at: r.get("created_at")?,
                updated_at: r.get("updated_at")?,
            })
        })
    })
}

const COLUMNS: [&str; 17] = [
    "id",
    "customer_id",
    "product_id",
    "institution",
    "amount_applied_yuan",
    "status",
    "submitted_on",
    "approved_yuan",
    "rate_pct",
    "term_months",
    "disbursed_yuan",
    "disbursed_on",
    "reason",
    "note",
    "created_by",
    "created_at",
    "updated_at",
];

fn col(table: &str, c: &str) -> (Alias, Alias) {
    (Alias::new(table), Alias::new(c))
}

fn select() -> SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column(col(TABLE, c));
    }
    q.expr_as(
        Expr::col(col("customers", "name")),
        Alias::new("customer_name"),
    )
    .expr_as(
        Expr::col(col("customers", "owner_id")),
        Alias::new("owner_id"),
    )
    .expr_as(
        Expr::col(col("users", "display_name")),
        Alias::new("creator_name"),
    )
    .from(TABLE)
    .inner_join(
        "customers",
        Expr::col(col("customers", "id")).equals(col(TABLE, "customer_id")),
    )
    .left_join(
        "users",
        Expr::col(col("users", "id")).equals(col(TABLE, "created_by")),
    );
    q
}

fn date_value(d: Option<NaiveDate>) -> sea_query::Value {
    d.map(|d| d.to_string()).into()
}

fn values(v: &Values) -> Vec<(&'static str, sea_query::Value)> {
    vec![
        ("product_id", v.product_id.into()),
        ("institution", v.institution.clone().into()),
        (
            "amount_applied_yuan",
            wan_to_yuan(v.amount_applied_wan).into(),
        ),
        ("status", v.status.code().into()),
        ("submitted_on", date_value(v.submitted_on)),
        ("approved_yuan", opt_wan_to_yuan(v.approved_wan).into()),
        ("rate_pct", v.rate_pct.into()),
        ("term_months", v.term_months.into()),
        ("disbursed_yuan", opt_wan_to_yuan(v.disbursed_wan).into()),
        ("disbursed_on", date_value(v.disbursed_on)),
        ("reason", v.reason.clone().into()),
        ("note", v.note.clone().into()),
    ]
}

pub fn insert(
    conn: &Connection,
    customer_id: CustomerId,
    v: &Values,
    created_by: Option<UserId>,
) -> rusqlite::Result<ApplicationId> {
    let now = Timestamp::now();
    let (mut cols, mut vals): (Vec<&str>, Vec<sea_query::Value>) = values(v).into_iter().unzip();
    cols.extend(["customer_id", "created_by", "created_at", "updated_at"]);
    vals.extend([
        customer_id.into(),
        created_by.into(),
        now.into(),
        now.into(),
    ]);
    let q = Query::insert()
        .into_table(TABLE)
        .columns(cols)
        .values_panic(vals.into_iter().map(sea_query::SimpleExpr::from))
        .to_owned();
    sql::insert(conn, &q).map(ApplicationId)
}

pub fn update(conn: &Connection, id: ApplicationId, v: &Values) -> rusqlite::Result<usize> {
    let mut q = Query::update();
    q.table(TABLE);
    for (c, val) in values(v) {
        q.value(c, val);
    }
    q.value("updated_at", Timestamp::now())
        .and_where(Expr::col("id").eq(id));
    sql::execute(conn, &q)
}

pub fn get(conn: &Connection, id: ApplicationId) -> rusqlite::Result<Option<Application>> {
    let mut q = select();
    q.and_where(Expr::col(col(TABLE, "id")).eq(id));
    sql::query_opt(conn, &q, row)
}

/// A customer's applications, newest first.
pub fn for_customer(conn: &Connection, id: CustomerId) -> rusqlite::Result<Vec<Application>> {
    let mut q = select();
    q.and_where(Expr::col(col(TABLE, "customer_id")).eq(id))
        .order_by(col(TABLE, "created_at"), Order::Desc)
        .order_by(col(TABLE, "id"), Order::Desc);
    sql::query_all(conn, &q, row)
}

/// What the list, the export and the statistics filter on (all optional).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<ApplicationStatus>,
    pub product_id: Option<ProductId>,
    pub owner_id: Option<UserId>,
    /// Part of the customer's name.
    pub q: Option<String>,
    pub submitted_from: Option<NaiveDate>,
    pub submitted_to: Option<NaiveDate>,
}

/// Every application matching the filter whose customer is not in the recycle bin, newest first.
/// (Whether the user may see each one is decided above, by the one visibility check.)
pub fn matching(conn: &Connection, f: &Filter) -> rusqlite::Result<Vec<Application>> {
    let mut q = select();
    q.and_where(Expr::col(col("customers", "deleted_at")).is_null());
    if let Some(s) = f.status {
        q.and_where(Expr::col(col(TABLE, "status")).eq(s.code()));
    }
    if let Some(p) = f.product_id {
        q.and_where(Expr::col(col(TABLE, "product_id")).eq(p));
    }
    if let Some(o) = f.owner_id {
        q.and_where(Expr::col(col("customers", "owner_id")).eq(o));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q.and_where(
            Expr::col(col("customers", "name"))
                .like(sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(d) = f.submitted_from {
        q.and_where(Expr::col(col(TABLE, "submitted_on")).gte(d.to_string()));
    }
    if let Some(d) = f.submitted_to {
        q.and_where(Expr::col(col(TABLE, "submitted_on")).lte(d.to_string()));
    }
    q.order_by(col(TABLE, "created_at"), Order::Desc)
        .order_by(col(TABLE, "id"), Order::Desc);
    sql::query_all(conn, &q, row)
}

pub fn add_event(
    conn: &Connection,
    id: ApplicationId,
    status: ApplicationStatus,
    reason: Option<&str>,
    actor: Option<UserId>,
) -> rusqlite::Result<i64> {
    let q = Query::insert()
        .into_table(EVENTS)
        .columns(["application_id", "status", "reason", "at", "actor_id"])
        .values_panic([
            id.into(),
            status.code().into(),
            reason.map(str::to_string).into(),
            Timestamp::now().into(),
            actor.into(),
        ])
        .to_owned();
    sql::insert(conn, &q)
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<ApplicationEvent> {
    let id: i64 = r.get("id")?;
    sql::in_row(EVENTS, id, {
        let code: String = r.get("status")?;
        status(EVENTS, id, &code).and_then(|status| {
            Ok(ApplicationEvent {
                id,
                status,
                reason: r.get("reason")?,
                at: r.get("at")?,
                actor_id: r.get("actor_id")?,
                actor_name: r.get("actor_name")?,
            })
        })
    })
}

/// An application's history, oldest first.
pub fn events(conn: &Connection, id: ApplicationId) -> rusqlite::Result<Vec<ApplicationEvent>> {
    let q = Query::select()
        .columns([
            col(EVENTS, "id"),
            col(EVENTS, "status"),
            col(EVENTS, "reason"),
            col(EVENTS, "at"),
            col(EVENTS, "actor_id"),
        ])
        .expr_as(
            Expr::col(col("users", "display_name")),
            Alias::new("actor_name"),
        )
        .from(EVENTS)
        .left_join(
            "users",
            Expr::col(col("users", "id")).equals(col(EVENTS, "actor_id")),
        )
        .and_where(Expr::col(col(EVENTS, "application_id")).eq(id))
        .order_by(col(EVENTS, "id"), Order::Asc)
        .to_owned();
    sql::query_all(conn, &q, event_row)
}

/// The status changes of a customer's applications, newest first (for the timeline).
pub fn events_for_customer(
    conn: &Connection,
    customer_id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<(ApplicationId, String, ApplicationEvent)>> {
    let q = Query::select()
        .columns([
            col(EVENTS, "id"),
            col(EVENTS, "status"),
            col(EVENTS, "reason"),
            col(EVENTS, "at"),
            col(EVENTS, "actor_id"),
            col(EVENTS, "application_id"),
        ])
        .expr_as(
            Expr::col(col(TABLE, "institution")),
            Alias::new("institution"),
        )
        .expr_as(
            Expr::col(col("users", "display_name")),
            Alias::new("actor_name"),
        )
        .from(EVENTS)
        .inner_join(
            TABLE,
            Expr::col(col(TABLE, "id")).equals(col(EVENTS, "application_id")),
        )
        .left_join(
            "users",
            Expr::col(col("users", "id")).equals(col(EVENTS, "actor_id")),
        )
        .and_where(Expr::col(col(TABLE, "customer_id")).eq(customer_id))
        .order_by(col(EVENTS, "id"), Order::Desc)
        .limit(limit)
        .to_owned();
    sql::query_all(conn, &q, |r| {
        Ok((
            r.get("application_id")?,
            r.get("institution")?,
            event_row(r)?,
        ))
    })
}
