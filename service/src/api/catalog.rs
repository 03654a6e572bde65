//! The data the engine runs on: the rule set (versioned), loan products, service providers.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::{actor, to_json};
use crate::auth::BearerAuth;
use crate::db::audit::{self, Change};
use crate::db::catalog::{self, ProductRecord, Provider, ProviderInput};
use crate::domain::engine::{self, ProviderCategory, RuleError};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct CatalogApi;

#[derive(Object)]
pub struct RulesDoc {
    pub version: i64,
    pub created_at: String,
    /// The whole scoring model as data (weights, bands, vetoes, caps, industry map, plan templates).
    pub rules: serde_json::Value,
}

#[derive(Object)]
pub struct RulesUpdate {
    pub rules: serde_json::Value,
    #[oai(validator(max_length = 200))]
    pub note: Option<String>,
}

#[derive(Object, Debug)]
pub struct RuleProblem {
    /// JSON path of the offending value, e.g. `weights.flow`.
    pub path: String,
    pub message: String,
}

#[derive(Object)]
pub struct RulesInvalid {
    pub code: String,
    pub message: String,
    /// The first offending path.
    #[oai(nullable)]
    pub field: Option<String>,
    pub errors: Vec<RuleProblem>,
}

#[derive(ApiResponse)]
pub enum RulesSaved {
    #[oai(status = 200)]
    Ok(Json<RulesDoc>),
    /// The rule set is invalid; every problem is listed with its path.
    #[oai(status = 422)]
    Invalid(Json<RulesInvalid>),
}

#[derive(ApiResponse)]
pub enum ProductSaved {
    #[oai(status = 200)]
    Ok(Json<ProductRecord>),
    /// The product is invalid; every problem is listed with its path.
    #[oai(status = 422)]
    Invalid(Json<RulesInvalid>),
}

fn invalid(errors: Vec<RuleError>, what: &str) -> Json<RulesInvalid> {
    Json(RulesInvalid {
        code: "validation".into(),
        message: format!(
            "{what}有 {} 处错误：{}",
            errors.len(),
            errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default()
        ),
        field: errors.first().map(|e| e.path.clone()),
        errors: errors
            .into_iter()
            .map(|e| RuleProblem {
                path: e.path,
                message: e.message,
            })
            .collect(),
    })
}

fn record(id: i64, p: &engine::Product, updated_at: String) -> ProductRecord {
    ProductRecord {
        id,
        product: serde_json::to_value(p).unwrap_or_default(),
        updated_at,
    }
}

fn check_provider(p: &mut ProviderInput) -> ApiResult<()> {
    p.name = p.name.trim().to_string();
    if p.name.is_empty() {
        return Err(ApiError::validation("name", "服务商名称不能为空"));
    }
    for (field, v) in [
        ("price_min_wan", p.price_min_wan),
        ("price_max_wan", p.price_max_wan),
    ] {
        if v.is_some_and(|x| !x.is_finite() || !(0.0..=100_000.0).contains(&x)) {
            return Err(ApiError::validation(field, "价格应在 0 到 100000 万元之间"));
        }
    }
    if let (Some(lo), Some(hi)) = (p.price_min_wan, p.price_max_wan)
        && lo > hi
    {
        return Err(ApiError::validation(
            "price_max_wan",
            "最高价格不能低于最低价格",
        ));
    }
    Ok(())
}

#[OpenApi(tag = "ApiTags::Catalog")]
impl CatalogApi {
    /// The current rule set (admin)
    #[oai(path = "/api/rules", method = "get", operation_id = "getRules")]
    async fn rules(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<RulesDoc>> {
        auth.admin()?;
        let (version, rules, created_at) = state
            .db
            .read(|c| catalog::latest_rules(c)?.ok_or_else(|| ApiError::internal("no rule set")))
            .await?;
        Ok(Json(RulesDoc {
            version,
            created_at,
            rules: serde_json::to_value(rules).unwrap_or_default(),
        }))
    }

    /// Replace the rule set (admin): validated, saved as a new version
    #[oai(path = "/api/rules", method = "put", operation_id = "putRules")]
    async fn put_rules(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<RulesUpdate>,
    ) -> ApiResult<RulesSaved> {
        let admin = auth.admin()?;
        let RulesUpdate { rules, note } = body.0;
        let parsed = match engine::parse_rules(&rules.to_string()) {
            Ok(r) => r,
            Err(errors) => return Ok(RulesSaved::Invalid(invalid(errors, "规则"))),
        };
        let who = actor(&state, req, Some(admin));
        let user_id = admin.id;
        let doc = state
            .db
            .write(move |tx| {
                let before = catalog::latest_rules(tx)?.map(|(v, _, _)| v);
                let version = catalog::insert_rules(tx, &parsed, note.as_deref(), Some(user_id))?;
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "rules.update",
                        resource_type: "rules",
                        resource_id: Some(version.to_string()),
                        before: before.map(|v| serde_json::json!({"version": v})),
                        after: Some(serde_json::json!({"version": version, "note": note})),
                    },
                )?;
                let (version, rules, created_at) = catalog::rules_version(tx, version)?
                    .ok_or_else(|| ApiError::internal("rules vanished"))?;
                Ok(RulesDoc {
                    version,
                    created_at,
                    rules: serde_json::to_value(rules).unwrap_or_default(),
                })
            })
            .await?;
        Ok(RulesSaved::Ok(Json(doc)))
    }

    /// Loan products (产品库)
    #[oai(path = "/api/products", method = "get", operation_id = "listProducts")]
    async fn products(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<ProductRecord>>> {
        auth.staff()?;
        let list = state.db.read(|c| Ok(catalog::products(c)?)).await?;
        Ok(Json(
            list.into_iter()
                .map(|(id, p, at)| record(id, &p, at))
                .collect(),
        ))
    }

    /// One loan product
    #[oai(
        path = "/api/products/:id",
        method = "get",
        operation_id = "getProduct"
    )]
    async fn product(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ProductRecord>> {
        auth.staff()?;
        let id = id.0;
        let (id, p, at) = state
            .db
            .read(move |c| {
                catalog::product(c, id)?.ok_or_else(|| ApiError::not_found("产品不存在"))
            })
            .await?;
        Ok(Json(record(id, &p, at)))
    }

    /// Add a loan product (admin)
    #[oai(
        path = "/api/products",
        method = "post",
        operation_id = "createProduct"
    )]
    async fn create_product(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<serde_json::Value>,
    ) -> ApiResult<ProductSaved> {
        self.save_product(&state, req, auth, None, body.0).await
    }

    /// Replace a loan product (admin)
    #[oai(
        path = "/api/products/:id",
        method = "put",
        operation_id = "updateProduct"
    )]
    async fn update_product(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
        body: Json<serde_json::Value>,
    ) -> ApiResult<ProductSaved> {
        self.save_product(&state, req, auth, Some(id.0), body.0)
            .await
    }

    /// Delete a loan product (admin)
    #[oai(
        path = "/api/products/:id",
        method = "delete",
        operation_id = "deleteProduct"
    )]
    async fn delete_product(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<ProductRecord>> {
        let admin = auth.admin()?;
        let who = actor(&state, req, Some(admin));
        let id = id.0;
        let rec = state
            .db
            .write(move |tx| {
                let (id, p, at) =
                    catalog::product(tx, id)?.ok_or_else(|| ApiError::not_found("产品不存在"))?;
                catalog::delete_product(tx, id)?;
                let rec = record(id, &p, at);
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "product.delete",
                        resource_type: "product",
                        resource_id: Some(id.to_string()),
                        before: to_json(&rec),
                        after: None,
                    },
                )?;
                Ok(rec)
            })
            .await?;
        Ok(Json(rec))
    }

    /// Service providers (服务商), optionally of one category
    #[oai(
        path = "/api/providers",
        method = "get",
        operation_id = "listProviders"
    )]
    async fn providers(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        category: Query<Option<ProviderCategory>>,
        active: Query<Option<bool>>,
    ) -> ApiResult<Json<Vec<Provider>>> {
        auth.staff()?;
        let (category, active) = (category.0, active.0.unwrap_or(false));
        Ok(Json(
            state
                .db
                .read(move |c| Ok(catalog::providers(c, category, active)?))
                .await?,
        ))
    }

    /// One service provider
    #[oai(
        path = "/api/providers/:id",
        method = "get",
        operation_id = "getProvider"
    )]
    async fn provider(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Provider>> {
        auth.staff()?;
        let id = id.0;
        Ok(Json(
            state
                .db
                .read(move |c| {
                    catalog::provider(c, id)?.ok_or_else(|| ApiError::not_found("服务商不存在"))
                })
                .await?,
        ))
    }

    /// Add a service provider
    #[oai(
        path = "/api/providers",
        method = "post",
        operation_id = "createProvider"
    )]
    async fn create_provider(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<ProviderInput>,
    ) -> ApiResult<Json<Provider>> {
        self.save_provider(&state, req, auth, None, body.0).await
    }

    /// Change a service provider
    #[oai(
        path = "/api/providers/:id",
        method = "put",
        operation_id = "updateProvider"
    )]
    async fn update_provider(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
        body: Json<ProviderInput>,
    ) -> ApiResult<Json<Provider>> {
        self.save_provider(&state, req, auth, Some(id.0), body.0)
            .await
    }

    /// Delete a service provider
    #[oai(
        path = "/api/providers/:id",
        method = "delete",
        operation_id = "deleteProvider"
    )]
    async fn delete_provider(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Provider>> {
        let user = auth.staff()?;
        let who = actor(&state, req, Some(user));
        let id = id.0;
        let p = state
            .db
            .write(move |tx| {
                let p = catalog::provider(tx, id)?
                    .ok_or_else(|| ApiError::not_found("服务商不存在"))?;
                catalog::delete_provider(tx, id)?;
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "provider.delete",
                        resource_type: "provider",
                        resource_id: Some(id.to_string()),
                        before: to_json(&p),
                        after: None,
                    },
                )?;
                Ok(p)
            })
            .await?;
        Ok(Json(p))
    }
}

impl CatalogApi {
    async fn save_product(
        &self,
        state: &AppState,
        req: &Request,
        auth: BearerAuth,
        id: Option<i64>,
        body: serde_json::Value,
    ) -> ApiResult<ProductSaved> {
        let admin = auth.admin()?;
        let product = match engine::parse_product(&body.to_string()) {
            Ok(p) => p,
            Err(errors) => return Ok(ProductSaved::Invalid(invalid(errors, "产品"))),
        };
        let who = actor(state, req, Some(admin));
        let rec = state
            .db
            .write(move |tx| {
                let before = match id {
                    Some(id) => Some(
                        catalog::product(tx, id)?
                            .ok_or_else(|| ApiError::not_found("产品不存在"))?,
                    ),
                    None => None,
                };
                if catalog::product_key_taken(tx, &product.id, id)? {
                    return Err(ApiError::conflict(
                        "id",
                        format!("产品标识「{}」已存在", product.id),
                    ));
                }
                let saved = catalog::save_product(tx, id, &product)?;
                let (sid, p, at) = catalog::product(tx, saved)?
                    .ok_or_else(|| ApiError::internal("product vanished"))?;
                let rec = record(sid, &p, at);
                let action = if id.is_some() {
                    "product.update"
                } else {
                    "product.create"
                };
                audit::record(
                    tx,
                    &who,
                    Change {
                        action,
                        resource_type: "product",
                        resource_id: Some(sid.to_string()),
                        before: before
                            .map(|(i, p, at)| record(i, &p, at))
                            .and_then(|r| to_json(&r)),
                        after: to_json(&rec),
                    },
                )?;
                Ok(rec)
            })
            .await?;
        Ok(ProductSaved::Ok(Json(rec)))
    }

    async fn save_provider(
        &self,
        state: &AppState,
        req: &Request,
        auth: BearerAuth,
        id: Option<i64>,
        mut body: ProviderInput,
    ) -> ApiResult<Json<Provider>> {
        let user = auth.staff()?;
        check_provider(&mut body)?;
        let who = actor(state, req, Some(user));
        let p = state
            .db
            .write(move |tx| {
                let before = match id {
                    Some(id) => Some(
                        catalog::provider(tx, id)?
                            .ok_or_else(|| ApiError::not_found("服务商不存在"))?,
                    ),
                    None => None,
                };
                let saved = catalog::save_provider(tx, id, &body)?;
                let after = catalog::provider(tx, saved)?
                    .ok_or_else(|| ApiError::internal("provider vanished"))?;
                let action = if id.is_some() {
                    "provider.update"
                } else {
                    "provider.create"
                };
                audit::record(
                    tx,
                    &who,
                    Change {
                        action,
                        resource_type: "provider",
                        resource_id: Some(saved.to_string()),
                        before: before.as_ref().and_then(to_json),
                        after: to_json(&after),
                    },
                )?;
                Ok(after)
            })
            .await?;
        Ok(Json(p))
    }
}
