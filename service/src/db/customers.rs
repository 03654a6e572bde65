//! Customers and their collaterals. Money columns hold integer 元; the API speaks 万元.

use std::collections::HashMap;

use rusqlite::{Connection, Row};
use sea_query::{
    Cond, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement, SimpleExpr, Value,
};

use super::sql;
use crate::domain::customer::{
    BusinessStatus, Collateral, CollateralKind, Customer, CustomerInput, Stage, TaxGrade,
};
use crate::domain::money::{opt_wan_to_yuan, opt_yuan_to_wan};

pub const TABLE: &str = "customers";
const COLLATERALS: &str = "collaterals";

/// The editable columns, in the order `values()` produces and `from_row()` reads them.
const DATA_COLUMNS: [&str; 33] = [
    "name",
    "uscc",
    "established_on",
    "reg_capital_yuan",
    "legal_person",
    "legal_person_age",
    "annual_invoice_yuan",
    "invoice_gap_months",
    "annual_tax_yuan",
    "tax_grade",
    "monthly_flow_yuan",
    "current_overdue",
    "overdue_count_24m",
    "lian3lei6_24m",
    "severe_record_5y",
    "inquiries_1m",
    "inquiries_3m",
    "inquiries_6m",
    "card_utilization_pct",
    "credit_institutions",
    "business_loan_count",
    "business_loan_balance_yuan",
    "dishonest_debtor",
    "business_status",
    "main_business",
    "industry",
    "loan_demand_yuan",
    "contact_name",
    "contact_phone",
    "owner_id",
    "stage",
    "notes",
    "id",
];
const META_COLUMNS: [&str; 7] = [
    "latest_category",
    "latest_total",
    "latest_recommended_yuan",
    "latest_diagnosis_id",
    "created_at",
    "updated_at",
    "deleted_at",
];

fn values(c: &CustomerInput) -> Vec<SimpleExpr> {
    let v = |x: Value| SimpleExpr::Value(x);
    vec![
        v(c.name.clone().into()),
        v(c.uscc.clone().into()),
        v(c.established_on.map(|d| d.to_string()).into()),
        v(opt_wan_to_yuan(c.reg_capital_wan).into()),
        v(c.legal_person.clone().into()),
        v(c.legal_person_age.into()),
        v(opt_wan_to_yuan(c.annual_invoice_wan).into()),
        v(c.invoice_gap_months.into()),
        v(opt_wan_to_yuan(c.annual_tax_wan).into()),
        v(c.tax_grade.map(|g| g.code()).into()),
        v(opt_wan_to_yuan(c.monthly_flow_wan).into()),
        v(c.current_overdue.into()),
        v(c.overdue_count_24m.into()),
        v(c.lian3lei6_24m.into()),
        v(c.severe_record_5y.into()),
        v(c.inquiries_1m.into()),
        v(c.inquiries_3m.into()),
        v(c.inquiries_6m.into()),
        v(c.card_utilization_pct.into()),
        v(c.credit_institutions.into()),
        v(c.business_loan_count.into()),
        v(opt_wan_to_yuan(c.business_loan_balance_wan).into()),
        v(c.dishonest_debtor.into()),
        v(c.business_status.map(|s| s.code()).into()),
        v(c.main_business.clone().into()),
        v(c.industry.clone().into()),
        v(opt_wan_to_yuan(c.loan_demand_wan).into()),
        v(c.contact_name.clone().into()),
        v(c.contact_phone.clone().into()),
        v(c.owner_id.into()),
        v(c.stage.code().into()),
        v(c.notes.clone().into()),
    ]
}

/// What the list's `q` searches, joined by a separator no one types (kept in step with 003_search.sql).
fn search_text(c: &CustomerInput) -> String {
    [
        Some(&c.name),
        c.uscc.as_ref(),
        c.legal_person.as_ref(),
        c.contact_name.as_ref(),
        c.contact_phone.as_ref(),
    ]
    .map(|v| v.map(String::as_str).unwrap_or(""))
    .join("\u{1}")
}

fn date(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<chrono::NaiveDate>> {
    r.get::<_, Option<String>>(i)?
        .map(|s| {
            s.parse().map_err(|_| {
                let column = r.as_ref().column_name(i).unwrap_or("?").to_string();
                column_error(column, format!("not a date: {s:?}"))
            })
        })
        .transpose()
}

fn wan(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<f64>> {
    Ok(opt_yuan_to_wan(r.get(i)?))
}

/// A problem with one column; [`sql::in_row`] adds the table and row.
fn column_error(column: String, problem: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{column}: {problem}").into(),
    )
}

/// An enum column: NULL is `None`, a value no variant knows is an error (never a default).
fn enum_of<T>(r: &Row<'_>, i: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<Option<T>> {
    r.get::<_, Option<String>>(i)?
        .map(|s| {
            parse(&s).ok_or_else(|| {
                let column = r.as_ref().column_name(i).unwrap_or("?").to_string();
                column_error(column, format!("unknown value {s:?}"))
            })
        })
        .transpose()
}

fn required<T>(r: &Row<'_>, i: usize, value: Option<T>) -> rusqlite::Result<T> {
    value.ok_or_else(|| {
        let column = r.as_ref().column_name(i).unwrap_or("?").to_string();
        column_error(column, "missing".into())
    })
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let id: i64 = r.get(32)?;
    sql::in_row(TABLE, id, decode(r))
}

fn decode(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let data = CustomerInput {
        name: r.get(0)?,
        uscc: r.get(1)?,
        established_on: date(r, 2)?,
        reg_capital_wan: wan(r, 3)?,
        legal_person: r.get(4)?,
        legal_person_age: r.get(5)?,
        annual_invoice_wan: wan(r, 6)?,
        invoice_gap_months: r.get(7)?,
        annual_tax_wan: wan(r, 8)?,
        tax_grade: enum_of(r, 9, TaxGrade::from_code)?,
        monthly_flow_wan: wan(r, 10)?,
        current_overdue: r.get(11)?,
        overdue_count_24m: r.get(12)?,
        lian3lei6_24m: r.get(13)?,
        severe_record_5y: r.get(14)?,
        inquiries_1m: r.get(15)?,
        inquiries_3m: r.get(16)?,
        inquiries_6m: r.get(17)?,
        card_utilization_pct: r.get(18)?,
        credit_institutions: r.get(19)?,
        business_loan_count: r.get(20)?,
        business_loan_balance_wan: wan(r, 21)?,
        dishonest_debtor: r.get(22)?,
        business_status: enum_of(r, 23, BusinessStatus::from_code)?,
        main_business: r.get(24)?,
        industry: r.get(25)?,
        loan_demand_wan: wan(r, 26)?,
        collaterals: vec![],
        contact_name: r.get(27)?,
        contact_phone: r.get(28)?,
        owner_id: r.get(29)?,
        stage: required(r, 30, enum_of(r, 30, Stage::from_code)?)?,
        notes: r.get(31)?,
    };
    Ok(Customer {
        id: r.get(32)?,
        data,
        latest_category: r.get(33)?,
        latest_total: r.get(34)?,
        latest_recommended_wan: wan(r, 35)?,
        latest_diagnosis_id: r.get(36)?,
        created_at: r.get(37)?,
        updated_at: r.get(38)?,
        deleted_at: r.get(39)?,
    })
}

fn select() -> SelectStatement {
    Query::select()
        .columns(DATA_COLUMNS)
        .columns(META_COLUMNS)
        .from(TABLE)
        .to_owned()
}

pub fn insert(
    conn: &Connection,
    c: &CustomerInput,
    created_by: Option<i64>,
) -> rusqlite::Result<i64> {
    let now = sql::now();
    let mut vals = values(c);
    vals.extend([
        created_by.into(),
        now.clone().into(),
        now.into(),
        search_text(c).into(),
    ]);
    let q = Query::insert()
        .into_table(TABLE)
        .columns(DATA_COLUMNS[..32].iter().copied().chain([
            "created_by",
            "created_at",
            "updated_at",
            "search_text",
        ]))
        .values_panic(vals)
        .to_owned();
    let id = sql::insert(conn, &q)?;
    insert_collaterals(conn, id, &c.collaterals)?;
    Ok(id)
}

pub fn update(conn: &Connection, id: i64, c: &CustomerInput) -> rusqlite::Result<usize> {
    let mut q = Query::update();
    q.table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .value("updated_at", sql::now());
    for (col, val) in DATA_COLUMNS[..32].iter().zip(values(c)) {
        q.value(*col, val);
    }
    q.value("search_text", search_text(c));
    let n = sql::execute(conn, &q)?;
    sql::execute(
        conn,
        &Query::delete()
            .from_table(COLLATERALS)
            .and_where(Expr::col("customer_id").eq(id))
            .to_owned(),
    )?;
    insert_collaterals(conn, id, &c.collaterals)?;
    Ok(n)
}

fn insert_collaterals(
    conn: &Connection,
    customer_id: i64,
    items: &[Collateral],
) -> rusqlite::Result<()> {
    for (pos, c) in items.iter().enumerate() {
        let q = Query::insert()
            .into_table(COLLATERALS)
            .columns([
                "customer_id",
                "position",
                "kind",
                "description",
                "appraisal_yuan",
                "lien_yuan",
                "held_since",
            ])
            .values_panic([
                customer_id.into(),
                (pos as i64).into(),
                c.kind.code().into(),
                c.description.clone().into(),
                opt_wan_to_yuan(c.appraisal_wan).into(),
                opt_wan_to_yuan(c.lien_wan).into(),
                c.held_since.map(|d| d.to_string()).into(),
            ])
            .to_owned();
        sql::execute(conn, &q)?;
    }
    Ok(())
}

/// SQLite allows at most 32,766 bound variables per statement; stay far below.
const IDS_PER_QUERY: usize = 900;

/// Loads the collaterals of many customers, one query per chunk of ids.
fn attach_collaterals(conn: &Connection, customers: &mut [Customer]) -> rusqlite::Result<()> {
    let mut by_customer: HashMap<i64, Vec<Collateral>> = HashMap::new();
    for chunk in customers.chunks(IDS_PER_QUERY) {
        let ids: Vec<i64> = chunk.iter().map(|c| c.id).collect();
        let q = Query::select()
            .columns([
                "customer_id",
                "kind",
                "description",
                "appraisal_yuan",
                "lien_yuan",
                "held_since",
                "id",
            ])
            .from(COLLATERALS)
            .and_where(Expr::col("customer_id").is_in(ids))
            .order_by("customer_id", Order::Asc)
            .order_by("position", Order::Asc)
            .to_owned();
        let rows = sql::query_all(conn, &q, |r| {
            let id: i64 = r.get(6)?;
            sql::in_row(COLLATERALS, id, collateral(r))
        })?;
        for (id, c) in rows {
            by_customer.entry(id).or_default().push(c);
        }
    }
    for c in customers {
        c.data.collaterals = by_customer.remove(&c.id).unwrap_or_default();
    }
    Ok(())
}

fn collateral(r: &Row<'_>) -> rusqlite::Result<(i64, Collateral)> {
    Ok((
        r.get::<_, i64>(0)?,
        Collateral {
            kind: required(r, 1, enum_of(r, 1, CollateralKind::from_code)?)?,
            description: r.get(2)?,
            appraisal_wan: wan(r, 3)?,
            lien_wan: wan(r, 4)?,
            held_since: date(r, 5)?,
        },
    ))
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Customer>> {
    let q = select().and_where(Expr::col("id").eq(id)).to_owned();
    let Some(c) = sql::query_opt(conn, &q, from_row)? else {
        return Ok(None);
    };
    let mut one = [c];
    attach_collaterals(conn, &mut one)?;
    let [c] = one;
    Ok(Some(c))
}

/// The id (and whether it is soft-deleted) of the customer holding `uscc`, other than `except`.
pub fn find_by_uscc(
    conn: &Connection,
    uscc: &str,
    except: Option<i64>,
) -> rusqlite::Result<Option<(i64, bool)>> {
    let mut q = Query::select();
    q.columns(["id", "deleted_at"])
        .from(TABLE)
        .and_where(Expr::col("uscc").eq(uscc));
    if let Some(id) = except {
        q.and_where(Expr::col("id").ne(id));
    }
    sql::query_opt(conn, &q, |r| {
        Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.is_some()))
    })
}

/// A live customer with exactly this name (imports match by name when the code is missing).
pub fn find_live_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    let q = Query::select()
        .column("id")
        .from(TABLE)
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("deleted_at").is_null())
        .order_by("id", Order::Asc)
        .limit(1)
        .to_owned();
    sql::query_opt(conn, &q, |r| r.get(0))
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub stage: Option<Stage>,
    pub industry: Option<String>,
    pub owner_id: Option<i64>,
    pub deleted: bool,
}

/// Sort keys the list accepts; `-` in front means descending.
#[derive(Debug, Clone, Copy)]
pub struct Sort {
    pub column: &'static str,
    pub descending: bool,
}

pub const SORT_KEYS: [(&str, &str); 7] = [
    ("updated_at", "updated_at"),
    ("created_at", "created_at"),
    ("name", "name"),
    ("latest_total", "latest_total"),
    ("loan_demand_wan", "loan_demand_yuan"),
    ("established_on", "established_on"),
    ("id", "id"),
];

pub fn parse_sort(sort: &str) -> Option<Sort> {
    let (key, descending) = match sort.strip_prefix('-') {
        Some(k) => (k, true),
        None => (sort, false),
    };
    SORT_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, column)| Sort { column, descending })
}

fn conditions(f: &ListFilter) -> Cond {
    let mut cond = Cond::all();
    cond = cond.add(if f.deleted {
        Expr::col("deleted_at").is_not_null()
    } else {
        Expr::col("deleted_at").is_null()
    });
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        cond = cond
            .add(Expr::col("search_text").like(LikeExpr::new(format!("%{escaped}%")).escape('\\')));
    }
    if let Some(cat) = &f.category {
        cond = cond.add(if cat == "none" {
            Expr::col("latest_category").is_null()
        } else {
            Expr::col("latest_category").eq(cat.as_str())
        });
    }
    if let Some(stage) = f.stage {
        cond = cond.add(Expr::col("stage").eq(stage.code()));
    }
    if let Some(industry) = &f.industry {
        cond = cond.add(Expr::col("industry").eq(industry.as_str()));
    }
    if let Some(owner) = f.owner_id {
        cond = cond.add(Expr::col("owner_id").eq(owner));
    }
    cond
}

fn order(sort: Sort) -> Order {
    if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    }
}

pub fn list(
    conn: &Connection,
    f: &ListFilter,
    sort: Sort,
    limit: u64,
    offset: u64,
) -> rusqlite::Result<(Vec<Customer>, i64)> {
    let cond = conditions(f);
    let total = sql::count(
        conn,
        &Query::select()
            .expr(Expr::col("id").count())
            .from(TABLE)
            .cond_where(cond.clone())
            .to_owned(),
    )?;
    let q = select()
        .cond_where(cond)
        .order_by(sort.column, order(sort))
        .order_by("id", order(sort))
        .limit(limit)
        .offset(offset)
        .to_owned();
    let mut items = sql::query_all(conn, &q, from_row)?;
    attach_collaterals(conn, &mut items)?;
    Ok((items, total))
}

/// Every live customer matching the filter, unpaged (exports, re-diagnosis).
pub fn all(conn: &Connection, f: &ListFilter) -> rusqlite::Result<Vec<Customer>> {
    let q = select()
        .cond_where(conditions(f))
        .order_by("id", Order::Asc)
        .to_owned();
    let mut items = sql::query_all(conn, &q, from_row)?;
    attach_collaterals(conn, &mut items)?;
    Ok(items)
}

pub fn set_deleted(conn: &Connection, id: i64, deleted: bool) -> rusqlite::Result<usize> {
    let now = sql::now();
    let q = Query::update()
        .table(TABLE)
        .value("deleted_at", if deleted { Some(now.clone()) } else { None })
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

pub fn set_stage(conn: &Connection, id: i64, stage: Stage) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("stage", stage.code())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

pub fn count_live(conn: &Connection) -> rusqlite::Result<i64> {
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("deleted_at").is_null())
        .to_owned();
    sql::count(conn, &q)
}

/// The summary of a customer's latest diagnosis, kept on the customer row for lists and filters.
pub struct LatestDiagnosis {
    pub id: i64,
    pub category: &'static str,
    pub total: f64,
    pub recommended_yuan: i64,
}

pub fn set_latest_diagnosis(
    conn: &Connection,
    id: i64,
    latest: &LatestDiagnosis,
) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .values([
            ("latest_diagnosis_id", latest.id.into()),
            ("latest_category", latest.category.into()),
            ("latest_total", latest.total.into()),
            ("latest_recommended_yuan", latest.recommended_yuan.into()),
        ])
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

/// The highest customer id so far (0 when there is none).
pub fn max_id(conn: &Connection) -> rusqlite::Result<i64> {
    let q = Query::select()
        .expr(sea_query::Func::coalesce([
            Expr::col("id").max(),
            Expr::val(0),
        ]))
        .from(TABLE)
        .to_owned();
    sql::count(conn, &q)
}

/// Live customers per latest category (`None`: not diagnosed yet), with their summed loan
/// demand and summed recommended amount in 元.
pub struct CategoryTotals {
    pub category: Option<String>,
    pub customers: i64,
    pub demand_yuan: i64,
    pub recommended_yuan: i64,
}

pub fn totals_by_category(conn: &Connection) -> rusqlite::Result<Vec<CategoryTotals>> {
    let sum =
        |col: &str| sea_query::Func::coalesce([Expr::col(col.to_string()).sum(), Expr::val(0)]);
    let q = Query::select()
        .column("latest_category")
        .expr_as(Expr::col("id").count(), "customers")
        .expr_as(sum("loan_demand_yuan"), "demand_yuan")
        .expr_as(sum("latest_recommended_yuan"), "recommended_yuan")
        .from(TABLE)
        .and_where(Expr::col("deleted_at").is_null())
        .group_by_col("latest_category")
        .to_owned();
    sql::query_all(conn, &q, |r| {
        Ok(CategoryTotals {
            category: r.get("latest_category")?,
            customers: r.get("customers")?,
            demand_yuan: r.get("demand_yuan")?,
            recommended_yuan: r.get("recommended_yuan")?,
        })
    })
}

/// Live customers per stage (stages without customers are left out).
pub fn counts_by_stage(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let q = Query::select()
        .column("stage")
        .expr_as(Expr::col("id").count(), "customers")
        .from(TABLE)
        .and_where(Expr::col("deleted_at").is_null())
        .group_by_col("stage")
        .to_owned();
    sql::query_all(conn, &q, |r| Ok((r.get("stage")?, r.get("customers")?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_loads_collaterals_across_many_id_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrations::run(&mut conn, dir.path()).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let n = IDS_PER_QUERY as u64 * 2 + 7;
        crate::demo::insert(&mut conn, n, 3, today).unwrap();
        let all = all(&conn, &ListFilter::default()).unwrap();
        assert_eq!(all.len() as u64, n);
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM collaterals", [], |r| r.get(0))
            .unwrap();
        assert!(stored > 0);
        assert_eq!(
            all.iter()
                .map(|c| c.data.collaterals.len() as i64)
                .sum::<i64>(),
            stored
        );
    }
}
