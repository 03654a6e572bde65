//! The audit trail: who changed what, when, from where, with the state before and after.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

use super::sql;

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
    pub at: String,
    #[oai(nullable)]
    pub user_id: Option<i64>,
    #[oai(nullable)]
    pub username: Option<String>,
    /// e.g. `customer.create`, `user.update`, `auth.login_failed`
    pub action: String,
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

/// Who acted and from where; passed from the API layer into every write.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub ip: Option<String>,
}

pub struct Change<'a> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// An event about an account that carries no before/after (sign-in, sign-out, unlock …).
    pub fn on_user(action: &'a str, id: i64) -> Self {
        Self {
            action,
            resource_type: "user",
            resource_id: Some(id.to_string()),
            before: None,
            after: None,
        }
    }
}

pub fn record(conn: &Connection, actor: &Actor, change: Change<'_>) -> rusqlite::Result<i64> {
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
            sql::now().into(),
            actor.user_id.into(),
            actor.username.clone().into(),
            change.action.into(),
            change.resource_type.into(),
            change.resource_id.into(),
            actor.ip.clone().into(),
            json(change.before).into(),
            json(change.after).into(),
        ])
        .to_owned();
    sql::insert(conn, &q)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let id: i64 = r.get(0)?;
    sql::in_row(TABLE, id, decode(id, r))
}

fn decode(id: i64, r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let json = |column: &str, s: Option<String>| {
        s.map(|s| sql::json_column(TABLE, id, column, &s))
            .transpose()
    };
    Ok(AuditEntry {
        id,
        at: r.get(1)?,
        user_id: r.get(2)?,
        username: r.get(3)?,
        action: r.get(4)?,
        resource_type: r.get(5)?,
        resource_id: r.get(6)?,
        ip: r.get(7)?,
        before: json("before_json", r.get(8)?)?,
        after: json("after_json", r.get(9)?)?,
    })
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub user_id: Option<i64>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
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
    if let Some(from) = &f.from {
        cond = cond.add(Expr::col("at").gte(from.as_str()));
    }
    if let Some(to) = &f.to {
        // `to` is a date: include the whole day.
        cond = cond.add(Expr::col("at").lt(format!("{to}\u{10FFFF}")));
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

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    sql::count(
        conn,
        &Query::select()
            .expr(Expr::col("id").count())
            .from(TABLE)
            .to_owned(),
    )
}
