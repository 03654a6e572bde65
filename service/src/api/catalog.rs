//! The data the engine runs on: the rule set (versioned), loan products, service providers.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::actor;
use super::engine_schema::EngineJson;
use crate::app::catalog as app;
use crate::auth::{AdminAuth, StaffAuth};
use crate::db::catalog::{Provider, ProviderInput, StoredProduct, StoredRules};
use crate::domain::engine::{self, Product, ProviderCategory, RuleError, RuleSet};
use crate::domain::ids::{ProductId, ProviderId, RulesVersion};
use crate::domain::timestamp::Timestamp;
use crate::error::Fails;
use crate::error::status::{BODY, CONFLICT, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct CatalogApi;

#[derive(Object)]
pub struct RulesDoc {
    pub version: RulesVersion,
    pub created_at: Timestamp,
    /// The whole scoring model as data (weights, bands, vetoes, caps, industry map, plan templates).
    pub rules: EngineJson<RuleSet>,
}

impl From<StoredRules> for RulesDoc {
    fn from(r: StoredRules) -> Self {
        Self {
            version: r.version,
            created_at: r.created_at,
            rules: EngineJson::of(&r.rules),
        }
    }
}

#[derive(Object)]
pub struct RulesUpdate {
    pub rules: EngineJson<RuleSet>,
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

#[derive(Object)]
pub struct ProductRecord {
    pub id: ProductId,
    /// The product as data (gates, amount formula, caps, `last_verified_on`, …).
    pub product: EngineJson<Product>,
    pub updated_at: Timestamp,
}

impl From<StoredProduct> for ProductRecord {
    fn from(p: StoredProduct) -> Self {
        Self {
            id: p.id,
            product: EngineJson::of(&p.product),
            updated_at: p.updated_at,
        }
    }
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

#[derive(ApiResponse)]
pub enum ProductCreated {
    /// Created; `Location` is the new product's address.
    #[oai(status = 201)]
    Created(Json<ProductRecord>, #[oai(header = "Location")] String),
    /// The product is invalid; every problem is listed with its path.
    #[oai(status = 422)]
    Invalid(Json<RulesInvalid>),
}

#[derive(ApiResponse)]
pub enum ProviderCreated {
    /// Created; `Location` is the new provider's address.
    #[oai(status = 201)]
    Created(Json<Provider>, #[oai(header = "Location")] String),
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

#[OpenApi(tag = "ApiTags::Catalog")]
impl CatalogApi {
    /// The current rule set (admin)
    #[oai(path = "/api/rules", method = "get", operation_id = "getRules")]
    async fn rules(
        &self,
        state: Data<&AppState>,
        _auth: AdminAuth,
    ) -> Result<Json<RulesDoc>, Fails<GUARDED>> {
        Ok(Json(app::rules(&state.db).await?.into()))
    }

    /// Replace the rule set (admin): validated, saved as a new version
    #[oai(path = "/api/rules", method = "put", operation_id = "putRules")]
    async fn put_rules(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        body: Json<RulesUpdate>,
    ) -> Result<RulesSaved, Fails<{ GUARDED | BODY }>> {
        let RulesUpdate { rules, note } = body.0;
        let parsed = match engine::parse_rules(&rules.json().to_string()) {
            Ok(r) => r,
            Err(errors) => return Ok(RulesSaved::Invalid(invalid(errors, "规则"))),
        };
        let who = actor(&state, req, Some(&auth.0));
        let saved = app::put_rules(&state.db, who, parsed, note).await?;
        Ok(RulesSaved::Ok(Json(saved.into())))
    }

    /// Loan products (产品库)
    #[oai(path = "/api/products", method = "get", operation_id = "listProducts")]
    async fn products(
        &self,
        state: Data<&AppState>,
        _auth: StaffAuth,
    ) -> Result<Json<Vec<ProductRecord>>, Fails<GUARDED>> {
        let list = app::products(&state.db).await?;
        Ok(Json(list.into_iter().map(ProductRecord::from).collect()))
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
        _auth: StaffAuth,
        id: Path<ProductId>,
    ) -> Result<Json<ProductRecord>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(app::product(&state.db, id.0).await?.into()))
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
        auth: AdminAuth,
        body: Json<EngineJson<Product>>,
    ) -> Result<ProductCreated, Fails<{ GUARDED | BODY | CONFLICT }>> {
        let product = match engine::parse_product(&body.0.json().to_string()) {
            Ok(p) => p,
            Err(errors) => return Ok(ProductCreated::Invalid(invalid(errors, "产品"))),
        };
        let who = actor(&state, req, Some(&auth.0));
        let saved = app::save_product(&state.db, who, None, product).await?;
        let location = format!("/api/products/{}", saved.id);
        Ok(ProductCreated::Created(Json(saved.into()), location))
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
        auth: AdminAuth,
        id: Path<ProductId>,
        body: Json<EngineJson<Product>>,
    ) -> Result<ProductSaved, Fails<{ GUARDED | BODY | NOT_FOUND | CONFLICT }>> {
        let product = match engine::parse_product(&body.0.json().to_string()) {
            Ok(p) => p,
            Err(errors) => return Ok(ProductSaved::Invalid(invalid(errors, "产品"))),
        };
        let who = actor(&state, req, Some(&auth.0));
        let saved = app::save_product(&state.db, who, Some(id.0), product).await?;
        Ok(ProductSaved::Ok(Json(saved.into())))
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
        auth: AdminAuth,
        id: Path<ProductId>,
    ) -> Result<Json<ProductRecord>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            app::delete_product(&state.db, who, id.0).await?.into(),
        ))
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
        _auth: StaffAuth,
        category: Query<Option<ProviderCategory>>,
        active: Query<Option<bool>>,
    ) -> Result<Json<Vec<Provider>>, Fails<{ GUARDED | PARAMS }>> {
        let active_only = active.0.unwrap_or(false);
        Ok(Json(
            app::providers(&state.db, category.0, active_only).await?,
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
        _auth: StaffAuth,
        id: Path<ProviderId>,
    ) -> Result<Json<Provider>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(app::provider(&state.db, id.0).await?))
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
        auth: StaffAuth,
        body: Json<ProviderInput>,
    ) -> Result<ProviderCreated, Fails<{ GUARDED | BODY }>> {
        let who = actor(&state, req, Some(&auth.0));
        let saved = app::save_provider(&state.db, who, None, body.0).await?;
        let location = format!("/api/providers/{}", saved.id);
        Ok(ProviderCreated::Created(Json(saved), location))
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
        auth: StaffAuth,
        id: Path<ProviderId>,
        body: Json<ProviderInput>,
    ) -> Result<Json<Provider>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            app::save_provider(&state.db, who, Some(id.0), body.0).await?,
        ))
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
        auth: StaffAuth,
        id: Path<ProviderId>,
    ) -> Result<Json<Provider>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(app::delete_provider(&state.db, who, id.0).await?))
    }
}
