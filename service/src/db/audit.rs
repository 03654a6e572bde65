//! The audit trail: who changed what, when, from where, with the state before and after. Entries
//! are written only by [`super::UnitOfWork::commit`], in the transaction of the change itself.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

use super::sql;
use crate::domain::ids::{
    ApplicationId, ConsentId, CustomerId, FollowUpId, PlanId, ProductId, ProviderId, RulesVersion,
    ShareId, UserId,
};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::AuditAction;

const TABLE: &str = "audit_logs";
const COLUMNS: [&str; 10] = [
    "id",
    "at",
    "user_id",
    "username",
    "action",
    "resource_type",
    "resource_id",
    "ip",
    "before_json",
    "after_json",
];

#[derive(Object, Serialize, Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    #[oai(nullable)]
    pub user_id: Option<UserId>,
    #[oai(nullable)]
    pub username: Option<String>,
    pub action: AuditAction,
    pub resource_type: String,
    #[oai(nullable)]
    pub resource_id: Option<String>,
    #[oai(nullable)]
    pub ip: Option<String>,
    #[oai(nullable)]
    pub before: Option<serde_json::Value>,
    #[oai(nullable)]
    pub after: Option<serde_json::Value>,
}

/// Who acted and from where; passed from the API layer (or the CLI) into every change.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub username: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// An operator at the command line of the server.
    pub fn cli() -> Self {
        Self {
            user_id: None,
            username: Some("cli".into()),
            ip: None,
        }
    }
}

/// What a change is about (stored as `resource_type` / `resource_id`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resource {
    User(UserId),
    /// A sign-in attempt for a name no account has.
    UnknownUser,
    Customer(CustomerId),
    /// Many customers at once (import, export, re-diagnosis).
    Customers,
    Plan(PlanId),
    Rules(RulesVersion),
    Product(ProductId),
    Provider(ProviderId),
    Branding,
    Share(ShareId),
    FollowUp(FollowUpId),
    /// The daily digest of due follow-ups (one setting for the instance).
    FollowUpDigest,
    /// Which documents each product needs (one record for the instance).
    DocumentChecklist,
    /// One application to a lender (进件).
    Application(ApplicationId),
    /// Many applications at once (export).
    Applications,
    /// A customer's consent to the processing of personal information (授权).
    Consent(ConsentId),
}

impl Resource {
    fn type_code(self) -> &'static str {
        match self {
            Self::User(_) | Self::UnknownUser => "user",
            Self::Customer(_) | Self::Customers => "customer",
            Self::Plan(_) => "plan",
            Self::Rules(_) => "rules",
            Self::Product(_) => "product",
            Self::Provider(_) => "provider",
            Self::Branding => "branding",
            Self::Share(_) => "share",
            Self::FollowUp(_) => "follow_up",
            Self::FollowUpDigest => "follow_up_digest",
            Self::DocumentChecklist => "document_checklist",
            Self::Application(_) | Self::Applications => "application",
            Self::Consent(_) => "consent",
        }
    }

    fn id(self) -> Option<String> {
        match self {
            Self::User(id) => Some(id.to_string()),
            Self::Customer(id) => Some(id.to_string()),
            Self::Plan(id) => Some(id.to_string()),
            Self::Rules(v) => Some(v.to_string()),
            Self::Product(id) => Some(id.to_string()),
            Self::Provider(id) => Some(id.to_string()),
            Self::Share(id) => Some(id.to_string()),
            Self::FollowUp(id) => Some(id.to_string()),
            Self::Application(id) => Some(id.to_string()),
            Self::Consent(id) => Some(id.to_string()),
            Self::UnknownUser
            | Self::Customers
            | Self::Branding
            | Self::DocumentChecklist
            | Self::FollowUpDigest
            | Self::Applications => None,
        }
    }

    /// The in-memory copies a change of this resource makes stale.
    pub(super) fn cached(self) -> Option<super::Cached> {
        match self {
            Self::User(_) => Some(super::Cached::Accounts),
            _ => None,
        }
    }
}

/// The resource of a change and its state before and after (as JSON, as the API shows it).
pub struct Change {
    pub resource: Resource,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Change {
    /// An event that carries no before/after (sign-in, sign-out, unlock …).
    pub fn on(resource: Resource) -> Self {
        Self {
            resource,
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

pub(super) fn record(
    conn: &Connection,
    actor: &Actor,
    action: AuditAction,
    change: Change,
) -> rusqlite::Result<i64> {
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
    let q = Query::insert()
        .into_table(TABLE)
        .columns([
            "at",
            "user_id",
            "username",
            "action",
            "resource_type",
            "resource_id",
            "ip",
            "before_json",
            "after_json",
        ])
        .values_panic([
            Timestamp::now().into(),
            actor.user_id.into(),
            actor.username.clone().into(),
            action.code().into(),
            change.resource.type_code().into(),
            change.resource.id().into(),
            actor.ip.clone().into(),
            json(change.before).into(),
            json(change.after).into(),
        ])
        .to_owned();
    sql::insert(conn, &q)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let id: i64 = r.get("id")?;
    sql::in_row(TABLE, id, decode(id, r))
}

fn decode(id: i64, r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let json = |column: &str| -> rusqlite::Result<Option<serde_json::Value>> {
        r.get::<_, Option<String>>(column)?
            .map(|s| sql::json_column(TABLE, id, column, &s))
            .transpose()
    };
    let action: String = r.get("action")?;
    let action = AuditAction::from_code(&action)
        .ok_or_else(|| sql::bad_row(TABLE, id, format!("action: unknown value {action:?}")))?;
    Ok(AuditEntry {
        id,
        at: r.get("at")?,
        user_id: r.get("user_id")?,
        username: r.get("username")?,
        action,
        resource_type: r.get("resource_type")?,
        resource_id: r.get("resource_id")?,
        ip: r.get("ip")?,
        before: json("before_json")?,
        after: json("after_json")?,
    })
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub user_id: Option<UserId>,
    /// A prefix of the action code, e.g. `customer.`.
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

fn filtered(f: &AuditFilter) -> SelectStatement {
    let mut cond = Cond::all();
    if let Some(u) = f.user_id {
        cond = cond.add(Expr::col("user_id").eq(u));
    }
    if let Some(a) = &f.action {
        cond = cond.add(Expr::col("action").like(format!("{}%", a.replace('%', ""))));
    }
    if let Some(t) = &f.resource_type {
        cond = cond.add(Expr::col("resource_type").eq(t.as_str()));
    }
    if let Some(id) = &f.resource_id {
        cond = cond.add(Expr::col("resource_id").eq(id.as_str()));
    }
    if let Some(from) = f.from {
        cond = cond.add(Expr::col("at").gte(from.format("%Y-%m-%d").to_string()));
    }
    if let Some(to) = f.to {
        // `to` is a date: include the whole day.
        cond = cond.add(Expr::col("at").lt(format!("{}\u{10FFFF}", to.format("%Y-%m-%d"))));
    }
    Query::select().from(TABLE).cond_where(cond).to_owned()
}

pub fn list(
    conn: &Connection,
    f: &AuditFilter,
    limit: u64,
    offset: u64,
) -> rusqlite::Result<(Vec<AuditEntry>, i64)> {
    let total = sql::count(conn, &filtered(f).expr(Expr::col("id").count()).to_owned())?;
    let q = filtered(f)
        .columns(COLUMNS)
        .order_by("id", Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    Ok((sql::query_all(conn, &q, from_row)?, total))
}

/// The latest entries whose action starts with any of `prefixes`, newest first, without their
/// before/after (for overviews: who did what).
pub fn recent(
    conn: &Connection,
    prefixes: &[&str],
    by: Option<UserId>,
    limit: u64,
) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut any = Cond::any();
    for p in prefixes {
        any = any.add(Expr::col("action").like(format!("{p}%")));
    }
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .cond_where(any)
        .and_where_option(by.map(|u| Expr::col("user_id").eq(u)))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    let mut entries = sql::query_all(conn, &q, from_row)?;
    for e in &mut entries {
        e.before = None;
        e.after = None;
    }
    Ok(entries)
}

/// Every entry meeting `cond`, oldest first, with its before/after.
pub fn matching(conn: &Connection, cond: Cond) -> rusqlite::Result<Vec<AuditEntry>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .cond_where(cond)
        .order_by("id", Order::Asc)
        .to_owned();
    sql::query_all(conn, &q, from_row)
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    sql::count(
        conn,
        &Query::select()
            .expr(Expr::col("id").count())
            .from(TABLE)
            .to_owned(),
    )
}
