//! Customer consents (授权): one row per signed form, withdrawn in place, never deleted here. The
//! purpose and data sets are stored canonical (see `012_consents.sql`).

use chrono::NaiveDate;
use rusqlite::{Connection, Row};
use sea_query::{Alias, Expr, ExprTrait, Order, Query};

use super::sql;
use crate::domain::consents::{Terms, decode, encode};
use crate::domain::ids::{ConsentId, CustomerId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::ConsentMethod;

const TABLE: &str = "consents";
const COLUMNS: [&str; 13] = [
    "id",
    "customer_id",
    "purposes",
    "data",
    "method",
    "obtained_on",
    "recorded_by",
    "document_id",
    "note",
    "created_at",
    "withdrawn_at",
    "withdrawn_by",
    "withdraw_reason",
];

#[derive(Debug, Clone)]
pub struct StoredConsent {
    pub id: ConsentId,
    pub customer_id: CustomerId,
    pub terms: Terms,
    pub recorded_by: Option<UserId>,
    pub created_at: Timestamp,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawn_by: Option<UserId>,
    pub withdraw_reason: Option<String>,
}

fn row(r: &Row<'_>) -> rusqlite::Result<StoredConsent> {
    let id: i64 = r.get("id")?;
    sql::in_row(TABLE, id, {
        let bad = |column: &str, text: &str| {
            sql::bad_row(TABLE, id, format!("{column}: not a set of codes: {text:?}"))
        };
        let purposes: String = r.get("purposes")?;
        let purposes = decode(&purposes).ok_or_else(|| bad("purposes", &purposes))?;
        let data: String = r.get("data")?;
        let data = decode(&data).ok_or_else(|| bad("data", &data))?;
        let method: String = r.get("method")?;
        let method = ConsentMethod::from_code(&method)
            .ok_or_else(|| sql::bad_row(TABLE, id, format!("method: unknown code {method:?}")))?;
        let obtained_on: String = r.get("obtained_on")?;
        let obtained_on: NaiveDate = obtained_on.parse().map_err(|_| {
            sql::bad_row(
                TABLE,
                id,
                format!("obtained_on: not a date: {obtained_on:?}"),
            )
        })?;
        Ok(StoredConsent {
            id: ConsentId(id),
            customer_id: r.get("customer_id")?,
            terms: Terms {
                purposes,
                data,
                method,
                obtained_on,
                document_id: r.get("document_id")?,
                note: r.get("note")?,
            },
            recorded_by: r.get("recorded_by")?,
            created_at: r.get("created_at")?,
            withdrawn_at: r.get("withdrawn_at")?,
            withdrawn_by: r.get("withdrawn_by")?,
            withdraw_reason: r.get("withdraw_reason")?,
        })
    })
}

fn select() -> sea_query::SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| Alias::new(*c)))
        .from(TABLE);
    q
}

pub fn insert(
    conn: &Connection,
    customer_id: CustomerId,
    t: &Terms,
    recorded_by: Option<UserId>,
) -> rusqlite::Result<ConsentId> {
    let q = Query::insert()
        .into_table(TABLE)
        .columns(COLUMNS[1..10].iter().map(|c| Alias::new(*c)))
        .values_panic([
            customer_id.into(),
            encode(&t.purposes).into(),
            encode(&t.data).into(),
            t.method.code().into(),
            t.obtained_on.to_string().into(),
            recorded_by.into(),
            t.document_id.into(),
            t.note.clone().into(),
            Timestamp::now().into(),
        ])
        .to_owned();
    Ok(ConsentId(sql::insert(conn, &q)?))
}

pub fn get(conn: &Connection, id: ConsentId) -> rusqlite::Result<Option<StoredConsent>> {
    let mut q = select();
    q.and_where(Expr::col("id").eq(id));
    sql::query_opt(conn, &q, row)
}

/// A customer's consents, newest first, withdrawn ones included.
pub fn for_customer(
    conn: &Connection,
    customer_id: CustomerId,
) -> rusqlite::Result<Vec<StoredConsent>> {
    let mut q = select();
    q.and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("created_at", Order::Desc)
        .order_by("id", Order::Desc);
    sql::query_all(conn, &q, row)
}

pub fn withdraw(
    conn: &Connection,
    id: ConsentId,
    by: Option<UserId>,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    let q = Query::update()
        .table(TABLE)
        .value(Alias::new("withdrawn_at"), Timestamp::now())
        .value(Alias::new("withdrawn_by"), by)
        .value(Alias::new("withdraw_reason"), reason.map(str::to_string))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("withdrawn_at").is_null())
        .to_owned();
    sql::execute(conn, &q).map(|_| ())
}

/// Every customer's latest valid consent that allows `assessment`: (obtained_on, method), for
/// the export's consent columns.
pub fn latest_assessment(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<CustomerId, (NaiveDate, ConsentMethod)>> {
    let mut q = select();
    q.and_where(Expr::col("withdrawn_at").is_null())
        .order_by("obtained_on", Order::Asc)
        .order_by("id", Order::Asc);
    let mut out = std::collections::HashMap::new();
    for c in sql::query_all(conn, &q, row)? {
        if c.terms
            .purposes
            .contains(&crate::domain::vocab::ConsentPurpose::Assessment)
        {
            out.insert(c.customer_id, (c.terms.obtained_on, c.terms.method));
        }
    }
    Ok(out)
}
