//! Rule sets (versioned), loan products and service providers.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::{Deserialize, Serialize};

use super::sql;
use crate::domain::engine::{Product, ProviderCategory, RuleSet};
use crate::domain::money::{opt_wan_to_yuan, opt_yuan_to_wan};

/// The latest rule set and its version.
pub fn latest_rules(conn: &Connection) -> rusqlite::Result<Option<(i64, RuleSet, String)>> {
    let q = Query::select()
        .columns(["version", "body", "created_at"])
        .from("rule_sets")
        .order_by("version", Order::Desc)
        .limit(1)
        .to_owned();
    rules_row(conn, &q)
}

pub fn rules_version(
    conn: &Connection,
    version: i64,
) -> rusqlite::Result<Option<(i64, RuleSet, String)>> {
    let q = Query::select()
        .columns(["version", "body", "created_at"])
        .from("rule_sets")
        .and_where(Expr::col("version").eq(version))
        .to_owned();
    rules_row(conn, &q)
}

fn rules_row(
    conn: &Connection,
    q: &sea_query::SelectStatement,
) -> rusqlite::Result<Option<(i64, RuleSet, String)>> {
    let row = sql::query_opt(conn, q, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    Ok(row.and_then(|(v, body, at)| serde_json::from_str(&body).ok().map(|rules| (v, rules, at))))
}

pub fn insert_rules(
    conn: &Connection,
    rules: &RuleSet,
    note: Option<&str>,
    user: Option<i64>,
) -> rusqlite::Result<i64> {
    let body = serde_json::to_string(rules)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let q = Query::insert()
        .into_table("rule_sets")
        .columns(["body", "note", "created_by", "created_at"])
        .values_panic([
            body.into(),
            note.map(str::to_string).into(),
            user.into(),
            sql::now().into(),
        ])
        .to_owned();
    sql::insert(conn, &q)
}

#[derive(Object, Serialize, Debug, Clone)]
pub struct ProductRecord {
    pub id: i64,
    /// The product as data (gates, amount formula, caps, `last_verified_on`, …).
    pub product: serde_json::Value,
    pub updated_at: String,
}

fn product_row(r: &Row<'_>) -> rusqlite::Result<(i64, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

pub fn products(conn: &Connection) -> rusqlite::Result<Vec<(i64, Product, String)>> {
    let q = Query::select()
        .columns(["id", "body", "updated_at"])
        .from("products")
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(sql::query_all(conn, &q, product_row)?
        .into_iter()
        .filter_map(|(id, b, at)| serde_json::from_str(&b).ok().map(|p| (id, p, at)))
        .collect())
}

pub fn product(conn: &Connection, id: i64) -> rusqlite::Result<Option<(i64, Product, String)>> {
    let q = Query::select()
        .columns(["id", "body", "updated_at"])
        .from("products")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(sql::query_opt(conn, &q, product_row)?
        .and_then(|(id, b, at)| serde_json::from_str(&b).ok().map(|p| (id, p, at))))
}

pub fn product_key_taken(
    conn: &Connection,
    key: &str,
    except: Option<i64>,
) -> rusqlite::Result<bool> {
    let mut q = Query::select();
    q.expr(Expr::col("id").count())
        .from("products")
        .and_where(Expr::col("key").eq(key));
    if let Some(id) = except {
        q.and_where(Expr::col("id").ne(id));
    }
    Ok(sql::count(conn, &q)? > 0)
}

pub fn save_product(conn: &Connection, id: Option<i64>, p: &Product) -> rusqlite::Result<i64> {
    let body = serde_json::to_string(p)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let now = sql::now();
    match id {
        Some(id) => {
            let q = Query::update()
                .table("products")
                .values([
                    ("key", p.id.clone().into()),
                    ("body", body.into()),
                    ("active", p.active.into()),
                    ("updated_at", now.into()),
                ])
                .and_where(Expr::col("id").eq(id))
                .to_owned();
            sql::execute(conn, &q)?;
            Ok(id)
        }
        None => {
            let q = Query::insert()
                .into_table("products")
                .columns(["key", "body", "active", "created_at", "updated_at"])
                .values_panic([
                    p.id.clone().into(),
                    body.into(),
                    p.active.into(),
                    now.clone().into(),
                    now.into(),
                ])
                .to_owned();
            sql::insert(conn, &q)
        }
    }
}

pub fn delete_product(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    sql::execute(
        conn,
        &Query::delete()
            .from_table("products")
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
}

/// Seeds the shipped rules and products into a new database.
pub fn seed_defaults(conn: &Connection) -> rusqlite::Result<()> {
    if latest_rules(conn)?.is_none() {
        insert_rules(conn, &RuleSet::default_rules(), Some("内置默认规则"), None)?;
    }
    let count = sql::count(
        conn,
        &Query::select()
            .expr(Expr::col("id").count())
            .from("products")
            .to_owned(),
    )?;
    if count == 0 {
        for p in Product::default_products() {
            save_product(conn, None, &p)?;
        }
    }
    Ok(())
}

#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ProviderInput {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    pub category: ProviderCategory,
    #[oai(validator(max_length = 50))]
    #[oai(nullable)]
    pub contact_name: Option<String>,
    #[oai(validator(max_length = 30))]
    #[oai(nullable)]
    pub contact_phone: Option<String>,
    #[oai(nullable)]
    pub price_min_wan: Option<f64>,
    #[oai(nullable)]
    pub price_max_wan: Option<f64>,
    #[oai(validator(max_length = 2000))]
    #[oai(nullable)]
    pub notes: Option<String>,
    #[oai(default = "default_active")]
    #[serde(default = "default_active")]
    pub active: bool,
}

fn default_active() -> bool {
    true
}

#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Provider {
    pub id: i64,
    #[oai(flatten)]
    #[serde(flatten)]
    pub data: ProviderInput,
    pub updated_at: String,
}

const PROVIDER_COLUMNS: [&str; 10] = [
    "id",
    "name",
    "category",
    "contact_name",
    "contact_phone",
    "price_min_yuan",
    "price_max_yuan",
    "notes",
    "active",
    "updated_at",
];

fn provider_row(r: &Row<'_>) -> rusqlite::Result<Provider> {
    let category: String = r.get(2)?;
    Ok(Provider {
        id: r.get(0)?,
        data: ProviderInput {
            name: r.get(1)?,
            category: serde_json::from_value(serde_json::Value::String(category))
                .unwrap_or(ProviderCategory::TaxAgency),
            contact_name: r.get(3)?,
            contact_phone: r.get(4)?,
            price_min_wan: opt_yuan_to_wan(r.get(5)?),
            price_max_wan: opt_yuan_to_wan(r.get(6)?),
            notes: r.get(7)?,
            active: r.get(8)?,
        },
        updated_at: r.get(9)?,
    })
}

pub fn category_code(c: ProviderCategory) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn providers(
    conn: &Connection,
    category: Option<ProviderCategory>,
    active_only: bool,
) -> rusqlite::Result<Vec<Provider>> {
    let mut q = Query::select();
    q.columns(PROVIDER_COLUMNS)
        .from("providers")
        .order_by("id", Order::Asc);
    if let Some(c) = category {
        q.and_where(Expr::col("category").eq(category_code(c)));
    }
    if active_only {
        q.and_where(Expr::col("active").eq(true));
    }
    sql::query_all(conn, &q, provider_row)
}

pub fn provider(conn: &Connection, id: i64) -> rusqlite::Result<Option<Provider>> {
    let q = Query::select()
        .columns(PROVIDER_COLUMNS)
        .from("providers")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, provider_row)
}

pub fn save_provider(
    conn: &Connection,
    id: Option<i64>,
    p: &ProviderInput,
) -> rusqlite::Result<i64> {
    let now = sql::now();
    let values: Vec<(&str, sea_query::SimpleExpr)> = vec![
        ("name", p.name.clone().into()),
        ("category", category_code(p.category).into()),
        ("contact_name", p.contact_name.clone().into()),
        ("contact_phone", p.contact_phone.clone().into()),
        ("price_min_yuan", opt_wan_to_yuan(p.price_min_wan).into()),
        ("price_max_yuan", opt_wan_to_yuan(p.price_max_wan).into()),
        ("notes", p.notes.clone().into()),
        ("active", p.active.into()),
        ("updated_at", now.clone().into()),
    ];
    match id {
        Some(id) => {
            sql::execute(
                conn,
                &Query::update()
                    .table("providers")
                    .values(values)
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )?;
            Ok(id)
        }
        None => {
            let (cols, vals): (Vec<&str>, Vec<sea_query::SimpleExpr>) = values
                .into_iter()
                .chain([("created_at", now.into())])
                .unzip();
            sql::insert(
                conn,
                &Query::insert()
                    .into_table("providers")
                    .columns(cols)
                    .values_panic(vals)
                    .to_owned(),
            )
        }
    }
}

pub fn delete_provider(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    sql::execute(
        conn,
        &Query::delete()
            .from_table("providers")
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
}

/// The rules and active products the engine runs on.
pub struct Model {
    pub rules_version: i64,
    pub rules: RuleSet,
    pub products: Vec<Product>,
}

/// Parsing the rule set and products costs more than a diagnosis itself, so the parsed model is
/// kept until this process changes rules or products (the only writers: the API).
#[derive(Default)]
pub struct ModelCache {
    current: std::sync::RwLock<Option<std::sync::Arc<Model>>>,
}

impl ModelCache {
    pub fn get(&self, conn: &Connection) -> rusqlite::Result<Option<std::sync::Arc<Model>>> {
        if let Some(m) = self.current.read().ok().and_then(|m| m.clone()) {
            return Ok(Some(m));
        }
        let Some((rules_version, rules, _)) = latest_rules(conn)? else {
            return Ok(None);
        };
        let products = products(conn)?
            .into_iter()
            .map(|(_, p, _)| p)
            .filter(|p| p.active)
            .collect();
        let model = std::sync::Arc::new(Model {
            rules_version,
            rules,
            products,
        });
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(model.clone());
        }
        Ok(Some(model))
    }

    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.current.write() {
            *slot = None;
        }
    }
}
