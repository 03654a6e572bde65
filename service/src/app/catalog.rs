//! The data the engine runs on: the rule set (versioned), loan products, service providers.
//! Rules and products arrive here parsed and validated by the engine (`parse_rules`,
//! `parse_product`); every change bumps the catalog generation in its own transaction.

use serde_json::json;

use super::{Error, Result};
use crate::db::audit::{Actor, Change, Resource};
use crate::db::catalog::{self, Provider, ProviderInput, StoredProduct, StoredRules};
use crate::db::{Db, UnitOfWork};
use crate::domain::engine::{Product, ProviderCategory, RuleSet};
use crate::domain::ids::{ProductId, ProviderId};
use crate::domain::vocab::AuditAction;

pub async fn rules(db: &Db) -> Result<StoredRules> {
    db.read(|c| catalog::latest_rules(c)?.ok_or_else(|| Error::internal("no rule set")))
        .await
}

/// Saves the rule set as a new version.
pub async fn put_rules(
    db: &Db,
    actor: Actor,
    rules: RuleSet,
    note: Option<String>,
) -> Result<StoredRules> {
    let user = actor.user_id;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = catalog::latest_rules(&uow)?.map(|r| r.version);
        let version = catalog::insert_rules(&uow, &rules, note.as_deref(), user)?;
        let saved = catalog::rules_version(&uow, version)?
            .ok_or_else(|| Error::internal("rules vanished"))?;
        let change = Change {
            resource: Resource::Rules(version),
            before: before.map(|v| json!({"version": v})),
            after: Some(json!({"version": version, "note": note})),
        };
        Ok(uow.commit(AuditAction::RulesUpdate, change, saved)?)
    })
    .await
}

fn no_product() -> Error {
    Error::not_found("产品不存在")
}

pub async fn products(db: &Db) -> Result<Vec<StoredProduct>> {
    db.read(|c| Ok(catalog::products(c)?)).await
}

pub async fn product(db: &Db, id: ProductId) -> Result<StoredProduct> {
    db.read(move |c| catalog::product(c, id)?.ok_or_else(no_product))
        .await
}

/// A stored product as the API shows it (`ProductRecord`), for the audit entry.
fn as_shown(p: &StoredProduct) -> serde_json::Value {
    json!({"id": p.id, "product": p.product, "updated_at": p.updated_at})
}

/// Adds a product (`id` = None) or replaces one.
pub async fn save_product(
    db: &Db,
    actor: Actor,
    id: Option<ProductId>,
    product: Product,
) -> Result<StoredProduct> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = match id {
            Some(id) => Some(catalog::product(&uow, id)?.ok_or_else(no_product)?),
            None => None,
        };
        if catalog::product_key_taken(&uow, &product.id, id)? {
            return Err(Error::conflict(
                "id",
                format!("产品标识「{}」已存在", product.id),
            ));
        }
        let saved = catalog::save_product(&uow, id, &product)?;
        let after =
            catalog::product(&uow, saved)?.ok_or_else(|| Error::internal("product vanished"))?;
        let action = if id.is_some() {
            AuditAction::ProductUpdate
        } else {
            AuditAction::ProductCreate
        };
        let mut change = Change::on(Resource::Product(saved)).after(&as_shown(&after));
        if let Some(before) = &before {
            change = change.before(&as_shown(before));
        }
        Ok(uow.commit(action, change, after)?)
    })
    .await
}

pub async fn delete_product(db: &Db, actor: Actor, id: ProductId) -> Result<StoredProduct> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = catalog::product(&uow, id)?.ok_or_else(no_product)?;
        catalog::delete_product(&uow, id)?;
        let change = Change::on(Resource::Product(id)).before(&as_shown(&before));
        Ok(uow.commit(AuditAction::ProductDelete, change, before)?)
    })
    .await
}

fn no_provider() -> Error {
    Error::not_found("服务商不存在")
}

pub async fn providers(
    db: &Db,
    category: Option<ProviderCategory>,
    active_only: bool,
) -> Result<Vec<Provider>> {
    db.read(move |c| Ok(catalog::providers(c, category, active_only)?))
        .await
}

pub async fn provider(db: &Db, id: ProviderId) -> Result<Provider> {
    db.read(move |c| catalog::provider(c, id)?.ok_or_else(no_provider))
        .await
}

fn check_provider(p: &mut ProviderInput) -> Result<()> {
    p.name = p.name.trim().to_string();
    if p.name.is_empty() {
        return Err(Error::validation("name", "服务商名称不能为空"));
    }
    for (field, v) in [
        ("price_min_wan", p.price_min_wan),
        ("price_max_wan", p.price_max_wan),
    ] {
        if v.is_some_and(|x| !x.is_finite() || !(0.0..=100_000.0).contains(&x)) {
            return Err(Error::validation(field, "价格应在 0 到 100000 万元之间"));
        }
    }
    if let (Some(lo), Some(hi)) = (p.price_min_wan, p.price_max_wan)
        && lo > hi
    {
        return Err(Error::validation(
            "price_max_wan",
            "最高价格不能低于最低价格",
        ));
    }
    Ok(())
}

/// Adds a provider (`id` = None) or changes one.
pub async fn save_provider(
    db: &Db,
    actor: Actor,
    id: Option<ProviderId>,
    mut input: ProviderInput,
) -> Result<Provider> {
    check_provider(&mut input)?;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = match id {
            Some(id) => Some(catalog::provider(&uow, id)?.ok_or_else(no_provider)?),
            None => None,
        };
        let saved = catalog::save_provider(&uow, id, &input)?;
        let after =
            catalog::provider(&uow, saved)?.ok_or_else(|| Error::internal("provider vanished"))?;
        let action = if id.is_some() {
            AuditAction::ProviderUpdate
        } else {
            AuditAction::ProviderCreate
        };
        let mut change = Change::on(Resource::Provider(saved)).after(&after);
        if let Some(before) = &before {
            change = change.before(before);
        }
        Ok(uow.commit(action, change, after)?)
    })
    .await
}

pub async fn delete_provider(db: &Db, actor: Actor, id: ProviderId) -> Result<Provider> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = catalog::provider(&uow, id)?.ok_or_else(no_provider)?;
        catalog::delete_provider(&uow, id)?;
        let change = Change::on(Resource::Provider(id)).before(&before);
        Ok(uow.commit(AuditAction::ProviderDelete, change, before)?)
    })
    .await
}
