//! Fee agreements (委托协议) and their commissions (返佣), plus the few columns of `applications`
//! a fee is computed from (read only: that table belongs to the applications feature).

use chrono::NaiveDate;
use rusqlite::{Connection, Row};
use sea_query::{Alias, Expr, ExprTrait, Order, Query};

use super::sql;
use crate::domain::agreements::{Disbursed, Rebate, Terms};
use crate::domain::ids::{AgreementId, CustomerId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::{FeeDue, FeeType};

const TABLE: &str = "agreements";
const REBATES: &str = "agreement_rebates";
const COLUMNS: [&str; 15] = [
    "id",
    "customer_id",
    "application_id",
    "fee_type",
    "fee_rate_pct",
    "fee_fixed_yuan",
    "due_on",
    "refund_terms",
    "service_scope",
    "signed_on",
    "received_yuan",
    "note",
    "created_by",
    "created_at",
    "updated_at",
];

/// Statuses after which the money has been paid out (已放款, 已结清).
const DISBURSED_STATUSES: [&str; 2] = ["disbursed", "settled"];

#[derive(Debug, Clone)]
pub struct StoredAgreement {
    pub id: AgreementId,
    pub customer_id: CustomerId,
    pub terms: Terms,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn date(
    table: &'static str,
    id: i64,
    column: &str,
    text: Option<String>,
) -> rusqlite::Result<Option<NaiveDate>> {
    text.map(|s| {
        s.parse()
            .map_err(|_| sql::bad_row(table, id, format!("{column}: not a date: {s:?}")))
    })
    .transpose()
}

fn row(r: &Row<'_>) -> rusqlite::Result<StoredAgreement> {
    let id: i64 = r.get("id")?;
    sql::in_row(TABLE, id, {
        let fee_type: String = r.get("fee_type")?;
        let fee_type = FeeType::from_code(&fee_type).ok_or_else(|| {
            sql::bad_row(TABLE, id, format!("fee_type: unknown code {fee_type:?}"))
        })?;
        let due_on: String = r.get("due_on")?;
        let due_on = FeeDue::from_code(&due_on)
            .ok_or_else(|| sql::bad_row(TABLE, id, format!("due_on: unknown code {due_on:?}")))?;
        Ok(StoredAgreement {
            id: AgreementId(id),
            customer_id: r.get("customer_id")?,
            terms: Terms {
                application_id: r.get("application_id")?,
                fee_type,
                fee_rate_pct: r.get("fee_rate_pct")?,
                fee_fixed_yuan: r.get("fee_fixed_yuan")?,
                due_on,
                rebates: vec![],
                received_yuan: r.get("received_yuan")?,
                refund_terms: r.get("refund_terms")?,
                service_scope: r.get("service_scope")?,
                signed_on: date(TABLE, id, "signed_on", r.get("signed_on")?)?,
                note: r.get("note")?,
            },
            created_by: r.get("created_by")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
        })
    })
}

fn select() -> sea_query::SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| Alias::new(*c)))
        .from(TABLE);
    q
}

fn values(customer_id: CustomerId, t: &Terms) -> Vec<sea_query::SimpleExpr> {
    vec![
        customer_id.into(),
        t.application_id.into(),
        t.fee_type.code().into(),
        t.fee_rate_pct.into(),
        t.fee_fixed_yuan.into(),
        t.due_on.code().into(),
        t.refund_terms.clone().into(),
        t.service_scope.clone().into(),
        t.signed_on.map(|d| d.to_string()).into(),
        t.received_yuan.into(),
        t.note.clone().into(),
    ]
}

fn put_rebates(conn: &Connection, id: AgreementId, rebates: &[Rebate]) -> rusqlite::Result<()> {
    sql::execute(
        conn,
        &Query::delete()
            .from_table(REBATES)
            .and_where(Expr::col("agreement_id").eq(id))
            .to_owned(),
    )?;
    for (i, r) in rebates.iter().enumerate() {
        sql::execute(
            conn,
            &Query::insert()
                .into_table(REBATES)
                .columns(
                    [
                        "agreement_id",
                        "position",
                        "payer",
                        "rate_pct",
                        "amount_yuan",
                    ]
                    .map(Alias::new),
                )
                .values_panic([
                    id.into(),
                    (i as i64).into(),
                    r.payer.clone().into(),
                    r.rate_pct.into(),
                    r.amount_yuan.into(),
                ])
                .to_owned(),
        )?;
    }
    Ok(())
}

fn rebates_of(conn: &Connection, id: AgreementId) -> rusqlite::Result<Vec<Rebate>> {
    let q = Query::select()
        .columns(["payer", "rate_pct", "amount_yuan"].map(Alias::new))
        .from(REBATES)
        .and_where(Expr::col("agreement_id").eq(id))
        .order_by("position", Order::Asc)
        .to_owned();
    sql::query_all(conn, &q, |r| {
        Ok(Rebate {
            payer: r.get("payer")?,
            rate_pct: r.get("rate_pct")?,
            amount_yuan: r.get("amount_yuan")?,
        })
    })
}

fn with_rebates(conn: &Connection, mut a: StoredAgreement) -> rusqlite::Result<StoredAgreement> {
    a.terms.rebates = rebates_of(conn, a.id)?;
    Ok(a)
}

pub fn insert(
    conn: &Connection,
    customer_id: CustomerId,
    terms: &Terms,
    created_by: Option<UserId>,
) -> rusqlite::Result<AgreementId> {
    let now = Timestamp::now();
    let mut v = values(customer_id, terms);
    v.extend([created_by.into(), now.into(), now.into()]);
    let q = Query::insert()
        .into_table(TABLE)
        .columns(COLUMNS[1..].iter().map(|c| Alias::new(*c)))
        .values_panic(v)
        .to_owned();
    let id = AgreementId(sql::insert(conn, &q)?);
    put_rebates(conn, id, &terms.rebates)?;
    Ok(id)
}

pub fn update(
    conn: &Connection,
    id: AgreementId,
    customer_id: CustomerId,
    terms: &Terms,
) -> rusqlite::Result<()> {
    let v = values(customer_id, terms);
    let mut q = Query::update();
    q.table(TABLE);
    for (c, value) in COLUMNS[1..12].iter().zip(v) {
        q.value(Alias::new(*c), value);
    }
    q.value(Alias::new("updated_at"), Timestamp::now())
        .and_where(Expr::col("id").eq(id));
    sql::execute(conn, &q)?;
    put_rebates(conn, id, &terms.rebates)
}

pub fn get(conn: &Connection, id: AgreementId) -> rusqlite::Result<Option<StoredAgreement>> {
    let mut q = select();
    q.and_where(Expr::col("id").eq(id));
    sql::query_opt(conn, &q, row)?
        .map(|a| with_rebates(conn, a))
        .transpose()
}

/// A customer's agreements, newest first.
pub fn for_customer(
    conn: &Connection,
    customer_id: CustomerId,
) -> rusqlite::Result<Vec<StoredAgreement>> {
    let mut q = select();
    q.and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("created_at", Order::Desc)
        .order_by("id", Order::Desc);
    sql::query_all(conn, &q, row)?
        .into_iter()
        .map(|a| with_rebates(conn, a))
        .collect()
}

/// Every agreement of the instance, oldest first (the income view filters by visibility).
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<StoredAgreement>> {
    let mut q = select();
    q.order_by("id", Order::Asc);
    sql::query_all(conn, &q, row)?
        .into_iter()
        .map(|a| with_rebates(conn, a))
        .collect()
}

/// The columns of an application a fee needs.
#[derive(Debug, Clone)]
pub struct ApplicationFacts {
    pub id: i64,
    pub customer_id: CustomerId,
    pub institution: String,
    pub status: String,
    pub disbursed: Option<Disbursed>,
}

fn application_row(r: &Row<'_>) -> rusqlite::Result<ApplicationFacts> {
    let id: i64 = r.get("id")?;
    let status: String = r.get("status")?;
    let yuan: Option<i64> = r.get("disbursed_yuan")?;
    let on = date("applications", id, "disbursed_on", r.get("disbursed_on")?)?;
    let disbursed = match yuan {
        Some(yuan) if DISBURSED_STATUSES.contains(&status.as_str()) => Some(Disbursed {
            application_id: id,
            yuan,
            on,
        }),
        _ => None,
    };
    Ok(ApplicationFacts {
        id,
        customer_id: r.get("customer_id")?,
        institution: r.get("institution")?,
        status,
        disbursed,
    })
}

fn applications_select() -> sea_query::SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "customer_id",
                "institution",
                "status",
                "disbursed_yuan",
                "disbursed_on",
            ]
            .map(Alias::new),
        )
        .from("applications")
        .to_owned()
}

pub fn application(conn: &Connection, id: i64) -> rusqlite::Result<Option<ApplicationFacts>> {
    let mut q = applications_select();
    q.and_where(Expr::col("id").eq(id));
    sql::query_opt(conn, &q, application_row)
}

/// A customer's applications, oldest first.
pub fn applications_of(
    conn: &Connection,
    customer_id: CustomerId,
) -> rusqlite::Result<Vec<ApplicationFacts>> {
    let mut q = applications_select();
    q.and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("id", Order::Asc);
    sql::query_all(conn, &q, application_row)
}
