//! Customers and their collaterals. The facts' columns come from the field catalogue and are
//! read by name; money columns hold integer 元 while the API speaks 万元.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};
use sea_query::{
    Cond, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement, SimpleExpr, Value,
};

use super::sql;
use crate::domain::customer::{
    Category, Collateral, CollateralKind, Customer, CustomerInput, FIELDS, Stage,
};
use crate::domain::fields::{Fact, Field, Kind};
use crate::domain::ids::{CustomerId, DiagnosisId, UserId};
use crate::domain::money::{opt_wan_to_yuan, opt_yuan_to_wan, wan_to_yuan, yuan_to_wan};
use crate::domain::timestamp::Timestamp;

pub const TABLE: &str = "customers";
const COLLATERALS: &str = "collaterals";

/// Bookkeeping columns read with every customer (the facts' columns come from the catalogue).
const META_COLUMNS: [&str; 8] = [
    "id",
    "latest_category",
    "latest_total",
    "latest_recommended_yuan",
    "latest_diagnosis_id",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// The catalogue's facts that have a column here, with that column.
fn stored_fields() -> impl Iterator<Item = (&'static Field, &'static str)> {
    FIELDS
        .iter()
        .filter_map(|f| f.stored_in().map(|column| (f, column)))
}

/// A fact as the value its column holds: money as integer 元, dates and codes as text.
fn column_value(field: &Field, fact: Fact) -> Value {
    match fact {
        Fact::Null => Value::String(None),
        Fact::Text(s) => s.into(),
        Fact::Int(i) => i.into(),
        Fact::Num(n) if matches!(field.kind, Kind::Wan) => wan_to_yuan(n).into(),
        Fact::Num(n) => n.into(),
        Fact::Bool(b) => b.into(),
        Fact::Date(d) => d.to_string().into(),
        Fact::Code(c) => c.into(),
        // Collaterals live in their own table; `stored_fields` never yields them.
        Fact::Collaterals(_) => Value::String(None),
    }
}

fn values(c: &CustomerInput) -> Vec<(&'static str, SimpleExpr)> {
    stored_fields()
        .map(|(f, column)| (column, SimpleExpr::Value(column_value(f, (f.get)(c)))))
        .collect()
}

/// The fact a column holds; a value of the wrong type or an unknown code is an error.
fn column_fact(field: &Field, value: ValueRef<'_>) -> Result<Fact, String> {
    let text = |v: ValueRef<'_>| {
        v.as_str()
            .map(str::to_owned)
            .map_err(|_| format!("expected text, found {:?}", v.data_type()))
    };
    let int = |v: ValueRef<'_>| {
        v.as_i64()
            .map_err(|_| format!("expected an integer, found {:?}", v.data_type()))
    };
    if value == ValueRef::Null {
        return Ok(Fact::Null);
    }
    Ok(match field.kind {
        Kind::Name | Kind::Text { .. } | Kind::Uscc | Kind::Phone | Kind::IdNumber => {
            Fact::Text(text(value)?)
        }
        Kind::Date => {
            let s = text(value)?;
            Fact::Date(s.parse().map_err(|_| format!("not a date: {s:?}"))?)
        }
        Kind::Wan => Fact::Num(yuan_to_wan(int(value)?)),
        Kind::Int { .. } | Kind::Owner => Fact::Int(int(value)?),
        Kind::Percent { .. } => Fact::Num(
            value
                .as_f64()
                .or_else(|_| value.as_i64().map(|i| i as f64))
                .map_err(|_| format!("expected a number, found {:?}", value.data_type()))?,
        ),
        Kind::Bool => Fact::Bool(int(value)? != 0),
        Kind::Choice(choice) => {
            let s = text(value)?;
            Fact::Code((choice.from_code)(&s).ok_or_else(|| format!("unknown value {s:?}"))?)
        }
        Kind::Collaterals => return Err("collaterals have no column".into()),
    })
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

const GRAMS: &str = "customer_grams";

/// Characters the gram index holds: ASCII letters and digits (folded to lower case, as `LIKE`
/// folds them) and CJK ideographs — no other case folding or diacritics can make the index and
/// `LIKE` disagree. A query with anything else is answered by the plain `LIKE` scan.
fn indexable(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('\u{4e00}'..='\u{9fff}').contains(&c)
        || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The index's tokens for one search text: each 1- and 2-character piece of every run of
/// indexable characters within a field (a piece never spans a field or a skipped character, so
/// it is in the index exactly when `LIKE` finds it).
fn grams(text: &str) -> String {
    let mut out: Vec<String> = vec![];
    for run in text
        .split(|c: char| !indexable(c))
        .filter(|r| !r.is_empty())
    {
        let chars: Vec<char> = run.chars().map(|c| c.to_ascii_lowercase()).collect();
        for (i, c) in chars.iter().enumerate() {
            out.push(c.to_string());
            if let Some(next) = chars.get(i + 1) {
                out.push(format!("{c}{next}"));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out.join(" ")
}

/// The FTS5 query for `q` and whether the index answers it exactly (1–2 characters), or `None`
/// when `q` holds a character the index does not.
fn gram_query(q: &str) -> Option<(String, bool)> {
    let chars: Vec<char> = q.chars().map(|c| c.to_ascii_lowercase()).collect();
    if chars.is_empty() || !chars.iter().all(|c| indexable(*c)) {
        return None;
    }
    if chars.len() <= 2 {
        return Some((format!("\"{}\"", chars.iter().collect::<String>()), true));
    }
    let pieces: Vec<String> = chars
        .windows(2)
        .map(|w| format!("\"{}{}\"", w[0], w[1]))
        .collect();
    Some((pieces.join(" AND "), false))
}

/// Puts a live customer's tokens in the index (replacing what it held).
fn index_grams(conn: &Connection, id: CustomerId, text: &str) -> rusqlite::Result<()> {
    unindex_grams(conn, id)?;
    conn.prepare_cached("INSERT INTO customer_grams (rowid, g) VALUES (?1, ?2)")?
        .execute(rusqlite::params![id.get(), grams(text)])?;
    Ok(())
}

fn unindex_grams(conn: &Connection, id: CustomerId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM customer_grams WHERE rowid = ?1")?
        .execute([id.get()])?;
    Ok(())
}

/// Fills the index from `search_text` once after the migration that made it (existing rows).
pub fn ensure_search_grams(conn: &Connection) -> rusqlite::Result<()> {
    let filled: Option<String> = conn
        .query_row(
            "SELECT value FROM app_settings WHERE key = 'customer_grams_filled'",
            [],
            |r| r.get(0),
        )
        .ok();
    if filled.as_deref() != Some("0") {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch("DELETE FROM customer_grams")?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT id, search_text FROM customers WHERE deleted_at IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, text) in rows {
        index_grams(&tx, CustomerId(id), &text)?;
    }
    tx.execute(
        "UPDATE app_settings SET value = '1' WHERE key = 'customer_grams_filled'",
        [],
    )?;
    tx.commit()
}

/// A problem with one column; [`sql::in_row`] adds the table and row.
fn column_error(column: &str, problem: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{column}: {problem}").into(),
    )
}

fn date(r: &Row<'_>, column: &str) -> rusqlite::Result<Option<chrono::NaiveDate>> {
    r.get::<_, Option<String>>(column)?
        .map(|s| {
            s.parse()
                .map_err(|_| column_error(column, format!("not a date: {s:?}")))
        })
        .transpose()
}

fn wan(r: &Row<'_>, column: &str) -> rusqlite::Result<Option<f64>> {
    Ok(opt_yuan_to_wan(r.get(column)?))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let id: i64 = r.get("id")?;
    sql::in_row(TABLE, id, decode(r))
}

fn decode(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let mut data = CustomerInput::default();
    for (field, column) in stored_fields() {
        let fact = column_fact(field, r.get_ref(column)?).map_err(|e| column_error(column, e))?;
        field
            .put(&mut data, fact)
            .map_err(|e| column_error(column, e))?;
    }
    let latest_category = r
        .get::<_, Option<String>>("latest_category")?
        .map(|c| {
            Category::from_code(&c)
                .ok_or_else(|| column_error("latest_category", format!("unknown value {c:?}")))
        })
        .transpose()?;
    Ok(Customer {
        id: r.get("id")?,
        data,
        latest_category,
        latest_total: r.get("latest_total")?,
        latest_recommended_wan: wan(r, "latest_recommended_yuan")?,
        latest_diagnosis_id: r.get("latest_diagnosis_id")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        deleted_at: r.get("deleted_at")?,
        masked: false,
    })
}

fn select() -> SelectStatement {
    Query::select()
        .columns(stored_fields().map(|(_, column)| column))
        .columns(META_COLUMNS)
        .from(TABLE)
        .to_owned()
}

pub fn insert(
    conn: &Connection,
    c: &CustomerInput,
    created_by: Option<UserId>,
) -> rusqlite::Result<CustomerId> {
    let now = sql::now();
    let (columns, mut vals): (Vec<_>, Vec<_>) = values(c).into_iter().unzip();
    vals.extend([
        created_by.into(),
        now.clone().into(),
        now.into(),
        search_text(c).into(),
    ]);
    let q = Query::insert()
        .into_table(TABLE)
        .columns(columns.into_iter().chain([
            "created_by",
            "created_at",
            "updated_at",
            "search_text",
        ]))
        .values_panic(vals)
        .to_owned();
    let id = CustomerId(sql::insert(conn, &q)?);
    insert_collaterals(conn, id, &c.collaterals)?;
    index_grams(conn, id, &search_text(c))?;
    Ok(id)
}

pub fn update(conn: &Connection, id: CustomerId, c: &CustomerInput) -> rusqlite::Result<usize> {
    let mut q = Query::update();
    q.table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .value("updated_at", sql::now());
    for (column, value) in values(c) {
        q.value(column, value);
    }
    let text = search_text(c);
    q.value("search_text", text.clone());
    let n = sql::execute(conn, &q)?;
    // Only live customers are in the index (a customer in the recycle bin is changed only after
    // a restore, which puts it back).
    if owner_and_deleted(conn, id)?.is_some_and(|(_, deleted)| !deleted) {
        index_grams(conn, id, &text)?;
    }
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
    customer_id: CustomerId,
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
        let ids: Vec<i64> = chunk.iter().map(|c| c.id.get()).collect();
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
            let id: i64 = r.get("id")?;
            sql::in_row(COLLATERALS, id, collateral(r))
        })?;
        for (id, c) in rows {
            by_customer.entry(id).or_default().push(c);
        }
    }
    for c in customers {
        c.data.collaterals = by_customer.remove(&c.id.get()).unwrap_or_default();
    }
    Ok(())
}

fn collateral(r: &Row<'_>) -> rusqlite::Result<(i64, Collateral)> {
    let kind: String = r.get("kind")?;
    Ok((
        r.get("customer_id")?,
        Collateral {
            kind: CollateralKind::from_code(&kind)
                .ok_or_else(|| column_error("kind", format!("unknown value {kind:?}")))?,
            description: r.get("description")?,
            appraisal_wan: wan(r, "appraisal_yuan")?,
            lien_wan: wan(r, "lien_yuan")?,
            held_since: date(r, "held_since")?,
        },
    ))
}

pub fn get(conn: &Connection, id: CustomerId) -> rusqlite::Result<Option<Customer>> {
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
    except: Option<CustomerId>,
) -> rusqlite::Result<Option<(CustomerId, bool)>> {
    let mut q = Query::select();
    q.columns(["id", "deleted_at"])
        .from(TABLE)
        .and_where(Expr::col("uscc").eq(uscc));
    if let Some(id) = except {
        q.and_where(Expr::col("id").ne(id));
    }
    sql::query_opt(conn, &q, |r| {
        Ok((
            r.get("id")?,
            r.get::<_, Option<String>>("deleted_at")?.is_some(),
        ))
    })
}

/// A live customer with exactly this name (imports match by name when the code is missing).
pub fn find_live_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<CustomerId>> {
    let q = Query::select()
        .column("id")
        .from(TABLE)
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("deleted_at").is_null())
        .order_by("id", Order::Asc)
        .limit(1)
        .to_owned();
    sql::query_opt(conn, &q, |r| r.get("id"))
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub stage: Option<Stage>,
    pub industry: Option<String>,
    pub owner_id: Option<UserId>,
    /// Set by the data scope, not by the caller: only this owner's customers, whatever
    /// `owner_id` asks for.
    pub only_owner: Option<UserId>,
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
        cond = cond.add(Expr::col("owner_id").eq(owner.get()));
    }
    if let Some(owner) = f.only_owner {
        cond = cond.add(Expr::col("owner_id").eq(owner.get()));
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
    let total = match indexed_count(conn, f)? {
        Some(n) => n,
        None => sql::count(
            conn,
            &Query::select()
                .expr(Expr::col("id").count())
                .from(TABLE)
                .cond_where(cond.clone())
                .to_owned(),
        )?,
    };
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

/// The count of a search the gram index answers: live customers, `q` alone (other filters and
/// the recycle bin take the scan). 1–2 characters are counted from the index; longer queries
/// check the index's candidates against `search_text`.
fn indexed_count(conn: &Connection, f: &ListFilter) -> rusqlite::Result<Option<i64>> {
    let only_q = !f.deleted
        && f.category.is_none()
        && f.stage.is_none()
        && f.industry.is_none()
        && f.owner_id.is_none()
        && f.only_owner.is_none();
    let Some(q) =
        f.q.as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty() && only_q)
    else {
        return Ok(None);
    };
    let Some((query, exact)) = gram_query(q) else {
        return Ok(None);
    };
    if exact {
        return conn
            .prepare_cached("SELECT count(*) FROM customer_grams WHERE customer_grams MATCH ?1")?
            .query_row([query], |r| r.get(0))
            .map(Some);
    }
    let candidates = Query::select()
        .expr(Expr::cust("rowid"))
        .from(GRAMS)
        .and_where(Expr::cust_with_values("customer_grams MATCH ?", [query]))
        .to_owned();
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .cond_where(conditions(f))
        .and_where(Expr::col("id").in_subquery(candidates))
        .to_owned();
    sql::count(conn, &q).map(Some)
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

pub fn set_deleted(conn: &Connection, id: CustomerId, deleted: bool) -> rusqlite::Result<usize> {
    let now = sql::now();
    let q = Query::update()
        .table(TABLE)
        .value("deleted_at", if deleted { Some(now.clone()) } else { None })
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let n = sql::execute(conn, &q)?;
    if deleted {
        unindex_grams(conn, id)?;
    } else {
        let text: String = conn.query_row(
            "SELECT search_text FROM customers WHERE id = ?1",
            [id.get()],
            |r| r.get(0),
        )?;
        index_grams(conn, id, &text)?;
    }
    Ok(n)
}

pub fn set_stage(conn: &Connection, id: CustomerId, stage: Stage) -> rusqlite::Result<usize> {
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
    pub id: DiagnosisId,
    pub category: Category,
    pub total: f64,
    pub recommended_yuan: i64,
}

pub fn set_latest_diagnosis(
    conn: &Connection,
    id: CustomerId,
    latest: &LatestDiagnosis,
) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .values([
            ("latest_diagnosis_id", latest.id.into()),
            ("latest_category", latest.category.code().into()),
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

/// `customer_id IN (the ids of the customers `owner` is 负责人 of)`: how a table keyed by customer
/// is narrowed to an account's own customers.
pub fn of_owner(customer_column: impl sea_query::IntoColumnRef, owner: UserId) -> SimpleExpr {
    Expr::col(customer_column).in_subquery(
        Query::select()
            .column("id")
            .from(TABLE)
            .and_where(Expr::col("owner_id").eq(owner))
            .to_owned(),
    )
}

/// Who owns the customer and whether it is in the recycle bin (`None`: no such customer): all
/// the visibility check needs, without reading the whole row.
pub fn owner_and_deleted(
    conn: &Connection,
    id: CustomerId,
) -> rusqlite::Result<Option<(Option<UserId>, bool)>> {
    let q = Query::select()
        .column("owner_id")
        .expr_as(Expr::col("deleted_at").is_not_null(), "deleted")
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, |r| Ok((r.get("owner_id")?, r.get("deleted")?)))
}

/// Gives every customer of `from` (also those in the recycle bin) to `to`; returns their ids.
pub fn transfer_owner(
    conn: &Connection,
    from: UserId,
    to: UserId,
) -> rusqlite::Result<Vec<CustomerId>> {
    let ids = sql::query_all(
        conn,
        &Query::select()
            .column("id")
            .from(TABLE)
            .and_where(Expr::col("owner_id").eq(from))
            .to_owned(),
        |r| r.get("id"),
    )?;
    sql::execute(
        conn,
        &Query::update()
            .table(TABLE)
            .value("owner_id", to)
            .value("updated_at", Timestamp::now())
            .and_where(Expr::col("owner_id").eq(from))
            .to_owned(),
    )?;
    Ok(ids)
}

/// How many rows of `table` belong to these customers (what a handover moves along with them).
pub fn count_of_customers(
    conn: &Connection,
    table: &str,
    ids: &[CustomerId],
) -> rusqlite::Result<i64> {
    let mut total = 0;
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let q = Query::select()
            .expr(Expr::col("id").count())
            .from(table.to_string())
            .and_where(Expr::col("customer_id").is_in(chunk.iter().map(|i| i.get())))
            .to_owned();
        total += sql::count(conn, &q)?;
    }
    Ok(total)
}

/// Live customers per owner (the users list shows what a handover would move).
pub fn counts_by_owner(conn: &Connection) -> rusqlite::Result<Vec<(UserId, i64)>> {
    let q = Query::select()
        .column("owner_id")
        .expr_as(Expr::col("id").count(), "customers")
        .from(TABLE)
        .and_where(Expr::col("deleted_at").is_null())
        .and_where(Expr::col("owner_id").is_not_null())
        .group_by_col("owner_id")
        .to_owned();
    sql::query_all(conn, &q, |r| Ok((r.get("owner_id")?, r.get("customers")?)))
}

/// Live customers per latest category (`None`: not diagnosed yet), with their summed loan
/// demand and summed recommended amount in 元.
pub struct CategoryTotals {
    pub category: Option<String>,
    pub customers: i64,
    pub demand_yuan: i64,
    pub recommended_yuan: i64,
}

pub fn totals_by_category(
    conn: &Connection,
    owner: Option<UserId>,
) -> rusqlite::Result<Vec<CategoryTotals>> {
    let sum =
        |col: &str| sea_query::Func::coalesce([Expr::col(col.to_string()).sum(), Expr::val(0)]);
    let q = Query::select()
        .column("latest_category")
        .expr_as(Expr::col("id").count(), "customers")
        .expr_as(sum("loan_demand_yuan"), "demand_yuan")
        .expr_as(sum("latest_recommended_yuan"), "recommended_yuan")
        .from(TABLE)
        .and_where(Expr::col("deleted_at").is_null())
        .and_where_option(owner.map(|o| Expr::col("owner_id").eq(o)))
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
pub fn counts_by_stage(
    conn: &Connection,
    owner: Option<UserId>,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let q = Query::select()
        .column("stage")
        .expr_as(Expr::col("id").count(), "customers")
        .from(TABLE)
        .and_where(Expr::col("deleted_at").is_null())
        .and_where_option(owner.map(|o| Expr::col("owner_id").eq(o)))
        .group_by_col("stage")
        .to_owned();
    sql::query_all(conn, &q, |r| Ok((r.get("stage")?, r.get("customers")?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fact added to the catalogue without its migration fails here, not in production.
    #[test]
    fn every_catalogue_column_exists_in_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrations::run(&mut conn, dir.path()).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info('customers')")
            .unwrap();
        let columns: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (field, column) in stored_fields() {
            assert!(
                columns.iter().any(|c| c == column),
                "{}: column {column} is missing: add a migration",
                field.key
            );
        }
    }

    /// The list's `q` finds exactly the customers whose name, 统一社会信用代码, 法人, contact or
    /// phone contains the text (ASCII case-insensitive), for 1- to 4-character and mixed queries —
    /// checked against a plain scan, so any search index put in front of it must agree.
    #[test]
    fn search_finds_exactly_what_a_plain_scan_finds() {
        use rand::{Rng, SeedableRng};
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrations::run(&mut conn, dir.path()).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        crate::demo::insert(&mut conn, 1500, 11, today).unwrap();
        let all = all(&conn, &ListFilter::default()).unwrap();
        let fields = |c: &Customer| -> Vec<String> {
            let d = &c.data;
            [
                Some(&d.name),
                d.uscc.as_ref(),
                d.legal_person.as_ref(),
                d.contact_name.as_ref(),
                d.contact_phone.as_ref(),
            ]
            .into_iter()
            .flatten()
            .map(|t| t.to_lowercase())
            .collect()
        };
        let texts: Vec<(i64, Vec<String>)> = all.iter().map(|c| (c.id.get(), fields(c))).collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut queries: Vec<String> = vec![
            "科技".into(),
            "有限".into(),
            "公".into(),
            "不存在的词".into(),
            "9".into(),
            "%".into(),
            "_".into(),
        ];
        for _ in 0..200 {
            let (_, held) = &texts[rng.random_range(0..texts.len())];
            let t: Vec<char> = held[rng.random_range(0..held.len())].chars().collect();
            let len = rng.random_range(1usize..=4).min(t.len());
            let start = rng.random_range(0..=t.len() - len);
            let mut q: String = t[start..start + len].iter().collect();
            if rng.random_bool(0.2) {
                q = q.to_uppercase();
            }
            queries.push(q);
        }
        for q in &queries {
            let needle = q.to_lowercase();
            let expected: Vec<i64> = texts
                .iter()
                .filter(|(_, held)| held.iter().any(|f| f.contains(&needle)))
                .map(|(id, _)| *id)
                .collect();
            let filter = ListFilter {
                q: Some(q.clone()),
                ..Default::default()
            };
            let sort = parse_sort("id").unwrap();
            let (items, total) = list(&conn, &filter, sort, 10_000, 0).unwrap();
            let found: Vec<i64> = items.iter().map(|c| c.id.get()).collect();
            assert_eq!(found, expected, "q = {q:?}");
            assert_eq!(total as usize, expected.len(), "count for q = {q:?}");
        }
    }

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
