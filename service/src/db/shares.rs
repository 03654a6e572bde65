//! Share links (分享链接) of a diagnosis report and the log of their opens.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

use super::sql;
use crate::domain::ids::{DiagnosisId, ShareId, UserId};
use crate::domain::timestamp::Timestamp;

const TABLE: &str = "shares";
/// Opens kept per link; older ones are dropped (the count keeps counting).
pub const OPENS_KEPT: i64 = 100;

/// A link as its owner sees it (never the token: only its digest is stored).
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Share {
    pub id: ShareId,
    pub diagnosis_id: DiagnosisId,
    #[oai(nullable)]
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    #[oai(nullable)]
    pub revoked_at: Option<Timestamp>,
    /// The contact line printed on the shared report.
    pub contact_line: String,
    pub open_count: i64,
    #[oai(nullable)]
    pub last_opened_at: Option<Timestamp>,
}

pub struct NewShare<'a> {
    pub diagnosis_id: DiagnosisId,
    pub token_sha256: &'a str,
    pub created_by: Option<UserId>,
    pub expires_at: Timestamp,
    pub contact_line: &'a str,
}

const COLUMNS: [&str; 9] = [
    "id",
    "diagnosis_id",
    "created_by",
    "created_at",
    "expires_at",
    "revoked_at",
    "contact_line",
    "open_count",
    "last_opened_at",
];

fn row(r: &Row<'_>) -> rusqlite::Result<Share> {
    let id: ShareId = r.get("id")?;
    sql::in_row(
        TABLE,
        id,
        (|| {
            Ok(Share {
                id,
                diagnosis_id: r.get("diagnosis_id")?,
                created_by: r.get("created_by")?,
                created_at: r.get("created_at")?,
                expires_at: r.get("expires_at")?,
                revoked_at: r.get("revoked_at")?,
                contact_line: r.get("contact_line")?,
                open_count: r.get("open_count")?,
                last_opened_at: r.get("last_opened_at")?,
            })
        })(),
    )
}

pub fn insert(conn: &Connection, s: &NewShare<'_>) -> rusqlite::Result<ShareId> {
    let q = Query::insert()
        .into_table(TABLE)
        .columns([
            "diagnosis_id",
            "token_sha256",
            "created_by",
            "created_at",
            "expires_at",
            "contact_line",
        ])
        .values_panic([
            s.diagnosis_id.into(),
            s.token_sha256.into(),
            s.created_by.into(),
            Timestamp::now().into(),
            s.expires_at.into(),
            s.contact_line.into(),
        ])
        .to_owned();
    sql::insert(conn, &q).map(ShareId)
}

pub fn get(conn: &Connection, id: ShareId) -> rusqlite::Result<Option<Share>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, row)
}

/// The link a token digest names, whatever its state (the caller decides what is still valid).
pub fn by_token(conn: &Connection, token_sha256: &str) -> rusqlite::Result<Option<Share>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("token_sha256").eq(token_sha256))
        .to_owned();
    sql::query_opt(conn, &q, row)
}

pub fn for_diagnosis(conn: &Connection, diagnosis_id: DiagnosisId) -> rusqlite::Result<Vec<Share>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("diagnosis_id").eq(diagnosis_id))
        .order_by("id", Order::Desc)
        .to_owned();
    sql::query_all(conn, &q, row)
}

pub fn revoke(conn: &Connection, id: ShareId, at: Timestamp) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("revoked_at", at)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    sql::execute(conn, &q)
}

/// Counts an open and logs it; keeps the newest [`OPENS_KEPT`] entries of the link.
pub fn record_open(
    conn: &Connection,
    id: ShareId,
    at: Timestamp,
    client_ip: Option<&str>,
    user_agent: Option<&str>,
) -> rusqlite::Result<()> {
    let q = Query::update()
        .table(TABLE)
        .value("open_count", Expr::col("open_count").add(1))
        .value("last_opened_at", at)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)?;
    let q = Query::insert()
        .into_table("share_opens")
        .columns(["share_id", "opened_at", "client_ip", "user_agent"])
        .values_panic([
            id.into(),
            at.into(),
            client_ip.map(str::to_owned).into(),
            user_agent.map(str::to_owned).into(),
        ])
        .to_owned();
    let newest = sql::insert(conn, &q)?;
    let q = Query::delete()
        .from_table("share_opens")
        .and_where(Expr::col("share_id").eq(id))
        .and_where(Expr::col("id").lte(newest - OPENS_KEPT))
        .to_owned();
    sql::execute(conn, &q)?;
    Ok(())
}

/// One logged open, for the link's owner.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct ShareOpen {
    pub opened_at: Timestamp,
    #[oai(nullable)]
    pub client_ip: Option<String>,
    #[oai(nullable)]
    pub user_agent: Option<String>,
}

pub fn opens(conn: &Connection, id: ShareId) -> rusqlite::Result<Vec<ShareOpen>> {
    let q = Query::select()
        .columns(["opened_at", "client_ip", "user_agent"])
        .from("share_opens")
        .and_where(Expr::col("share_id").eq(id))
        .order_by("id", Order::Desc)
        .to_owned();
    sql::query_all(conn, &q, |r| {
        Ok(ShareOpen {
            opened_at: r.get("opened_at")?,
            client_ip: r.get("client_ip")?,
            user_agent: r.get("user_agent")?,
        })
    })
}
