//! Rule sets (versioned), loan products and service providers.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::{Deserialize, Serialize};

use super::sql;
use crate::domain::engine::{Product, ProviderCategory, RuleSet};
use crate::domain::ids::{ProductId, ProviderId, RulesVersion, UserId};
use crate::domain::money::{opt_wan_to_yuan, opt_yuan_to_wan};
use crate::domain::timestamp::Timestamp;

/// One stored version of the rule set.
#[derive(Debug, Clone)]
pub struct StoredRules {
    pub version: RulesVersion,
    pub rules: RuleSet,
    pub created_at: Timestamp,
}

/// The latest rule set and its version.
pub fn latest_rules(conn: &Connection) -> rusqlite::Result<Option<StoredRules>> {
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
    version: RulesVersion,
) -> rusqlite::Result<Option<StoredRules>> {
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
) -> rusqlite::Result<Option<StoredRules>> {
    sql::query_opt(conn, q, |r| {
        let version: RulesVersion = r.get("version")?;
        sql::in_row("rule_sets", version, {
            let body: String = r.get("body")?;
            let rules = sql::json_column("rule_sets", version, "body", &body)?;
            r.get("created_at").map(|created_at| StoredRules {
                version,
                rules,
                created_at,
            })
        })
    })
}

pub fn insert_rules(
    conn: &Connection,
    rules: &RuleSet,
    note: Option<&str>,
    user: Option<UserId>,
) -> rusqlite::Result<RulesVersion> {
    let body = serde_json::to_string(rules)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let q = Query::insert()
        .into_table("rule_sets")
        .columns(["body", "note", "created_by", "created_at"])
        .values_panic([
            body.into(),
            note.map(str::to_string).into(),
            user.into(),
            Timestamp::now().into(),
        ])
        .to_owned();
    let version = sql::insert(conn, &q)?;
    bump_generation(conn)?;
    Ok(RulesVersion(version))
}

const GENERATION_KEY: &str = "catalog_generation";

/// A number that every change of the rules or products raises, in the changing transaction: the
/// model cache compares it instead of relying on writers to invalidate it.
pub fn generation(conn: &Connection) -> rusqlite::Result<i64> {
    super::settings_kv::get(conn, GENERATION_KEY)?
        .map(|v| {
            v.parse().map_err(|_| {
                sql::bad_row(
                    "app_settings",
                    GENERATION_KEY,
                    format!("not a number: {v:?}"),
                )
            })
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

fn bump_generation(conn: &Connection) -> rusqlite::Result<()> {
    let next = generation(conn)? + 1;
    super::settings_kv::set(conn, GENERATION_KEY, &next.to_string())?;
    Ok(())
}

/// A stored loan product.
#[derive(Debug, Clone)]
pub struct StoredProduct {
    pub id: ProductId,
    pub product: Product,
    pub updated_at: Timestamp,
}

fn product_row(r: &Row<'_>) -> rusqlite::Result<StoredProduct> {
    let id: ProductId = r.get("id")?;
    sql::in_row("products", id, {
        let body: String = r.get("body")?;
        let product = sql::json_column("products", id, "body", &body)?;
        r.get("updated_at").map(|updated_at| StoredProduct {
            id,
            product,
            updated_at,
        })
    })
}

pub fn products(conn: &Connection) -> rusqlite::Result<Vec<StoredProduct>> {
    let q = Query::select()
        .columns(["id", "body", "updated_at"])
        .from("products")
        .order_by("id", Order::Asc)
        .to_owned();
    sql::query_all(conn, &q, product_row)
}

pub fn product(conn: &Connection, id: ProductId) -> rusqlite::Result<Option<StoredProduct>> {
    let q = Query::select()
        .columns(["id", "body", "updated_at"])
        .from("products")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, product_row)
}

pub fn product_key_taken(
    conn: &Connection,
    key: &str,
    except: Option<ProductId>,
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

pub fn save_product(
    conn: &Connection,
    id: Option<ProductId>,
    p: &Product,
) -> rusqlite::Result<ProductId> {
    let body = serde_json::to_string(p)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let now = Timestamp::now();
    let id = match id {
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
            id
        }
        None => {
            let q = Query::insert()
                .into_table("products")
                .columns(["key", "body", "active", "created_at", "updated_at"])
                .values_panic([
                    p.id.clone().into(),
                    body.into(),
                    p.active.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            ProductId(sql::insert(conn, &q)?)
        }
    };
    bump_generation(conn)?;
    Ok(id)
}

pub fn delete_product(conn: &Connection, id: ProductId) -> rusqlite::Result<usize> {
    let n = sql::execute(
        conn,
        &Query::delete()
            .from_table("products")
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )?;
    bump_generation(conn)?;
    Ok(n)
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
    upgrade_shipped_model(conn)
}

/// The diagnosis model the shipped rules and products belong to.
const SHIPPED_MODEL: u32 = 2;
const SHIPPED_MODEL_KEY: &str = "shipped_model";

/// Brings an instance that still runs the shipped v1 rules and products to v2 once: unchanged
/// rules get the v2 defaults as a new version, unchanged products their v2 definition, and
/// products new in v2 are added. What an admin edited is kept (it parses with v2 defaults for
/// the new sections) and the start-up log says so.
fn upgrade_shipped_model(conn: &Connection) -> rusqlite::Result<()> {
    let done: u32 = super::settings_kv::get(conn, SHIPPED_MODEL_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    if done >= SHIPPED_MODEL {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    let v1_rules: RuleSet = serde_json::from_str(include_str!("shipped_v1/default_rules.json"))
        .expect("the v1 defaults parse as v2 rules");
    let v1_products: Vec<Product> =
        serde_json::from_str(include_str!("shipped_v1/default_products.json"))
            .expect("the v1 products parse as v2 products");
    if let Some(current) = latest_rules(&tx)?
        && current.rules != RuleSet::default_rules()
    {
        if current.rules == v1_rules {
            insert_rules(
                &tx,
                &RuleSet::default_rules(),
                Some("内置默认规则（诊断模型 v2 自动升级）"),
                None,
            )?;
            tracing::info!("shipped rules upgraded to diagnosis model v2");
        } else {
            tracing::warn!(
                version = %current.version,
                "the rules were edited by an admin: kept as they are; sections new in diagnosis model v2 use the shipped defaults"
            );
        }
    }
    let stored = products(&tx)?;
    let shipped = Product::default_products();
    for p in &shipped {
        match stored.iter().find(|s| s.product.id == p.id) {
            Some(s) if v1_products.contains(&s.product) && s.product != *p => {
                save_product(&tx, Some(s.id), p)?;
            }
            Some(_) => {}
            None if !v1_products.iter().any(|v| v.id == p.id) => {
                save_product(&tx, None, p)?;
            }
            // A v1 default the admin deleted stays deleted.
            None => {}
        }
    }
    super::settings_kv::set(&tx, SHIPPED_MODEL_KEY, &SHIPPED_MODEL.to_string())?;
    tx.commit()
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
    pub id: ProviderId,
    #[oai(flatten)]
    #[serde(flatten)]
    pub data: ProviderInput,
    pub updated_at: Timestamp,
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
    let id: ProviderId = r.get("id")?;
    sql::in_row("providers", id, decode_provider(id, r))
}

fn decode_provider(id: ProviderId, r: &Row<'_>) -> rusqlite::Result<Provider> {
    let category: String = r.get("category")?;
    let category = ProviderCategory::from_code(&category).ok_or_else(|| {
        sql::bad_row(
            "providers",
            id,
            format!("category: unknown value {category:?}"),
        )
    })?;
    Ok(Provider {
        id,
        data: ProviderInput {
            name: r.get("name")?,
            category,
            contact_name: r.get("contact_name")?,
            contact_phone: r.get("contact_phone")?,
            price_min_wan: opt_yuan_to_wan(r.get("price_min_yuan")?),
            price_max_wan: opt_yuan_to_wan(r.get("price_max_yuan")?),
            notes: r.get("notes")?,
            active: r.get("active")?,
        },
        updated_at: r.get("updated_at")?,
    })
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
        q.and_where(Expr::col("category").eq(c.code()));
    }
    if active_only {
        q.and_where(Expr::col("active").eq(true));
    }
    sql::query_all(conn, &q, provider_row)
}

pub fn provider(conn: &Connection, id: ProviderId) -> rusqlite::Result<Option<Provider>> {
    let q = Query::select()
        .columns(PROVIDER_COLUMNS)
        .from("providers")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, provider_row)
}

pub fn save_provider(
    conn: &Connection,
    id: Option<ProviderId>,
    p: &ProviderInput,
) -> rusqlite::Result<ProviderId> {
    let now = Timestamp::now();
    let values: Vec<(&str, sea_query::SimpleExpr)> = vec![
        ("name", p.name.clone().into()),
        ("category", p.category.code().into()),
        ("contact_name", p.contact_name.clone().into()),
        ("contact_phone", p.contact_phone.clone().into()),
        ("price_min_yuan", opt_wan_to_yuan(p.price_min_wan).into()),
        ("price_max_yuan", opt_wan_to_yuan(p.price_max_wan).into()),
        ("notes", p.notes.clone().into()),
        ("active", p.active.into()),
        ("updated_at", now.into()),
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
            .map(ProviderId)
        }
    }
}

pub fn delete_provider(conn: &Connection, id: ProviderId) -> rusqlite::Result<usize> {
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
    /// The catalog generation this model was loaded at (or after).
    pub generation: i64,
    pub rules_version: RulesVersion,
    pub rules: RuleSet,
    pub products: Vec<Product>,
}

/// Parsing the rule set and products costs more than a diagnosis itself, so the parsed model is
/// kept while the catalog generation stays the same. Every use reads the generation on the
/// caller's connection (in a write: inside its transaction), so a change committed by anyone
/// is seen at once, and no writer has to remember to invalidate anything.
#[derive(Default)]
pub struct ModelCache {
    current: std::sync::RwLock<Option<std::sync::Arc<Model>>>,
}

impl ModelCache {
    pub fn get(&self, conn: &Connection) -> rusqlite::Result<Option<std::sync::Arc<Model>>> {
        // The generation is read before the data: a model is never labelled newer than it is.
        let generation = generation(conn)?;
        if let Some(m) = self.cached(generation) {
            return Ok(Some(m));
        }
        let Some(StoredRules {
            version: rules_version,
            rules,
            ..
        }) = latest_rules(conn)?
        else {
            return Ok(None);
        };
        let products = products(conn)?
            .into_iter()
            .map(|p| p.product)
            .filter(|p| p.active)
            .collect();
        let model = std::sync::Arc::new(Model {
            generation,
            rules_version,
            rules,
            products,
        });
        self.offer(model.clone());
        Ok(Some(model))
    }

    fn cached(&self, generation: i64) -> Option<std::sync::Arc<Model>> {
        let slot = self.current.read().ok()?;
        slot.as_ref()
            .filter(|m| m.generation == generation)
            .cloned()
    }

    /// Keeps `model` unless a newer one is already kept: a slow loader that read an older
    /// generation cannot put its model over a newer one.
    fn offer(&self, model: std::sync::Arc<Model>) {
        if let Ok(mut slot) = self.current.write()
            && slot
                .as_ref()
                .is_none_or(|m| m.generation <= model.generation)
        {
            *slot = Some(model);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog_db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrations::run(&mut conn, dir.path()).unwrap();
        seed_defaults(&conn).unwrap();
        (dir, conn)
    }

    /// A database as a v1 instance left it: the v1 rules and products stored verbatim.
    fn v1_instance(edit_rules: bool) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrations::run(&mut conn, dir.path()).unwrap();
        let mut rules: serde_json::Value =
            serde_json::from_str(include_str!("shipped_v1/default_rules.json")).unwrap();
        if edit_rules {
            rules["weights"]["flow"] = 20.into();
            rules["weights"]["industry"] = 5.into();
        }
        conn.execute(
            "INSERT INTO rule_sets (body, note, created_at) VALUES (?1, '内置默认规则', '2026-01-01T00:00:00Z')",
            [rules.to_string()],
        )
        .unwrap();
        let products: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("shipped_v1/default_products.json")).unwrap();
        for p in products.iter().filter(|p| p["id"] != "credit_loan") {
            conn.execute(
                "INSERT INTO products (key, body, active, created_at, updated_at) VALUES (?1, ?2, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                [p["id"].as_str().unwrap().to_owned(), p.to_string()],
            )
            .unwrap();
        }
        (dir, conn)
    }

    #[test]
    fn an_instance_on_the_shipped_v1_model_is_upgraded_once() {
        let (_dir, conn) = v1_instance(false);
        seed_defaults(&conn).unwrap();
        let rules = latest_rules(&conn).unwrap().unwrap();
        assert_eq!(rules.rules, RuleSet::default_rules());
        assert_eq!(rules.version, RulesVersion(2));
        let stored: Vec<Product> = products(&conn)
            .unwrap()
            .into_iter()
            .map(|s| s.product)
            .collect();
        let shipped = Product::default_products();
        for p in &stored {
            assert!(shipped.contains(p), "{} not upgraded", p.id);
        }
        assert!(
            stored.iter().any(|p| p.id == "platform_loan"),
            "a new v2 product is added"
        );
        assert!(
            !stored.iter().any(|p| p.id == "credit_loan"),
            "a deleted v1 product stays deleted"
        );
        // Once: a second start changes nothing.
        seed_defaults(&conn).unwrap();
        assert_eq!(
            latest_rules(&conn).unwrap().unwrap().version,
            RulesVersion(2)
        );
    }

    #[test]
    fn rules_an_admin_edited_are_kept_and_read_with_v2_defaults() {
        let (_dir, conn) = v1_instance(true);
        seed_defaults(&conn).unwrap();
        let rules = latest_rules(&conn).unwrap().unwrap();
        assert_eq!(rules.version, RulesVersion(1));
        assert_eq!(rules.rules.weights.flow, 20.0);
        // Sections v1 did not have come from the shipped v2 rules.
        assert_eq!(rules.rules.haircuts, RuleSet::default_rules().haircuts);
        assert_eq!(
            rules.rules.plans.tax_credit_repair,
            RuleSet::default_rules().plans.tax_credit_repair
        );
        assert_eq!(rules.rules.recommendation.unsecured_cap_ratio, 0.25);
    }

    #[test]
    fn a_model_loaded_before_a_change_never_replaces_a_newer_one() {
        let (_dir, conn) = catalog_db();
        let cache = ModelCache::default();
        let old = cache.get(&conn).unwrap().unwrap();
        let v2 = insert_rules(&conn, &RuleSet::default_rules(), Some("新版"), None).unwrap();
        let new = cache.get(&conn).unwrap().unwrap();
        assert_eq!(new.rules_version, v2, "a committed change is seen at once");
        assert!(new.generation > old.generation);
        // A loader that read the old generation finishes last: its put must lose.
        cache.offer(old.clone());
        let now = cache.get(&conn).unwrap().unwrap();
        assert_eq!(now.rules_version, v2);
        assert!(
            std::sync::Arc::ptr_eq(&now, &new),
            "the newer model stayed cached"
        );
    }

    #[test]
    fn every_product_change_moves_the_generation() {
        let (_dir, conn) = catalog_db();
        let g0 = generation(&conn).unwrap();
        let StoredProduct {
            id, mut product, ..
        } = products(&conn).unwrap().remove(0);
        product.active = !product.active;
        save_product(&conn, Some(id), &product).unwrap();
        let g1 = generation(&conn).unwrap();
        delete_product(&conn, id).unwrap();
        let g2 = generation(&conn).unwrap();
        assert!(g0 < g1 && g1 < g2, "{g0} {g1} {g2}");
    }

    #[test]
    fn a_product_body_that_does_not_parse_is_an_error_naming_the_row() {
        let (_dir, conn) = catalog_db();
        let id: i64 = conn
            .query_row("SELECT min(id) FROM products", [], |r| r.get(0))
            .unwrap();
        conn.execute(
            "UPDATE products SET body = '{\"broken\": ' WHERE id = ?1",
            [id],
        )
        .unwrap();
        let err = products(&conn).unwrap_err().to_string();
        assert!(
            err.contains(&format!("row {id} of table products")),
            "{err}"
        );
        assert!(
            ModelCache::default().get(&conn).is_err(),
            "no model without the product"
        );
    }
}
