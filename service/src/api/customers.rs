//! Enterprise customers (企业客户): CRUD, list with search/filters/sort/paging, recycle bin.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::common::{Created, actor, paging};
use crate::app::timeline::Timeline;
use crate::app::{self, Error};
use crate::auth::StaffAuth;
use crate::db::customers::{self, ListFilter};
use crate::domain::customer::{Customer, CustomerInput, CustomerPatch, Stage};
use crate::domain::ids::{CustomerId, UserId};
use crate::error::Fails;
use crate::error::status::{BAD_REQUEST, BODY, CONFLICT, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct CustomersApi;

#[derive(Object)]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    pub total: i64,
    pub page: u64,
    pub page_size: u64,
}

/// The numbers a reveal shows (absent: not recorded).
#[derive(Object)]
pub struct RevealedNumbers {
    pub contact_phone: Option<String>,
    pub legal_person_id_no: Option<String>,
}

/// `category` of the list and the export: A, B, C, or `none` (not diagnosed yet).
pub fn check_category(category: &Option<String>) -> Result<(), Error> {
    match category {
        Some(c) if !["A", "B", "C", "none"].contains(&c.as_str()) => {
            Err(Error::validation("category", "分类只能是 A、B、C 或 none"))
        }
        _ => Ok(()),
    }
}

fn location(id: CustomerId) -> String {
    format!("/api/customers/{id}")
}

#[OpenApi(prefix_path = "/api/customers", tag = "ApiTags::Customers")]
impl CustomersApi {
    /// List customers
    ///
    /// `q` searches name, 统一社会信用代码, 法人 and contact; `category` is A, B, C or `none`
    /// (not diagnosed yet); `sort` is a field name, `-` in front for descending
    /// (updated_at, created_at, name, latest_total, loan_demand_wan, established_on, id).
    #[oai(path = "/", method = "get", operation_id = "listCustomers")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        category: Query<Option<String>>,
        stage: Query<Option<Stage>>,
        #[oai(validator(max_length = 50))] industry: Query<Option<String>>,
        owner_id: Query<Option<UserId>>,
        sort: Query<Option<String>>,
        page: Query<Option<u64>>,
        page_size: Query<Option<u64>>,
        /// `true` lists the recycle bin instead.
        deleted: Query<Option<bool>>,
    ) -> Result<Json<CustomerPage>, Fails<{ GUARDED | PARAMS }>> {
        let (page, page_size, offset) = paging(page.0, page_size.0)?;
        let sort_key = sort.0.unwrap_or_else(|| "-updated_at".into());
        let sort = customers::parse_sort(&sort_key)
            .ok_or_else(|| Error::validation("sort", format!("不支持按「{sort_key}」排序")))?;
        check_category(&category.0)?;
        let filter = ListFilter {
            q: q.0,
            category: category.0,
            stage: stage.0,
            industry: industry.0,
            owner_id: owner_id.0,
            only_owner: None,
            deleted: deleted.0.unwrap_or(false),
        };
        let found =
            app::customers::list(&state.db, &auth.0, filter, sort, page_size, offset).await?;
        Ok(Json(CustomerPage {
            items: found.items,
            total: found.total,
            page,
            page_size,
        }))
    }

    /// Create a customer
    #[oai(path = "/", method = "post", operation_id = "createCustomer")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        body: Json<CustomerInput>,
    ) -> Result<Created<Customer>, Fails<{ GUARDED | BODY | CONFLICT }>> {
        let who = actor(&state, req, Some(&auth.0));
        let customer =
            app::customers::create(&state.db, who, &auth.0, body.0, app::today()).await?;
        Ok(Created::at(location(customer.id), customer))
    }

    /// One customer (also from the recycle bin)
    #[oai(path = "/:id", method = "get", operation_id = "getCustomer")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Customer>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(app::customers::get(&state.db, &auth.0, id.0).await?))
    }

    /// Show a customer's phone and ID numbers in full (隐号 → 明文)
    ///
    /// For accounts that see them as 隐号 (neither the owner nor an admin). Every call is audited;
    /// the numbers are not kept by the page beyond its view.
    #[oai(
        path = "/:id/reveal",
        method = "post",
        operation_id = "revealCustomerNumbers"
    )]
    async fn reveal(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<RevealedNumbers>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let numbers = app::customers::reveal(&state.db, who, &auth.0, id.0).await?;
        let get = |key: &str| {
            numbers
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
        };
        Ok(Json(RevealedNumbers {
            contact_phone: get("contact_phone"),
            legal_person_id_no: get("legal_person_id_no"),
        }))
    }

    /// Change a customer
    ///
    /// Only the fields present are changed; `null` sets a fact back to unknown.
    #[oai(path = "/:id", method = "patch", operation_id = "updateCustomer")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
        body: Json<CustomerPatch>,
    ) -> Result<Json<Customer>, Fails<{ GUARDED | BODY | NOT_FOUND | CONFLICT }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            app::customers::update(&state.db, who, &auth.0, id.0, body.0, app::today()).await?,
        ))
    }

    /// The customer's timeline (客户动态), newest first
    ///
    /// Merges changes to the customer, diagnoses, plans, follow-ups, applications, documents,
    /// agreements and share links; `limit` is 1–200 (default 50).
    #[oai(
        path = "/:id/timeline",
        method = "get",
        operation_id = "getCustomerTimeline"
    )]
    async fn timeline(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
        limit: Query<Option<u64>>,
    ) -> Result<Json<Timeline>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let limit = limit.0.unwrap_or(50);
        if !(1..=app::timeline::MAX_ITEMS).contains(&limit) {
            return Err(Error::validation("limit", "条数应在 1 到 200 之间").into());
        }
        Ok(Json(
            app::timeline::for_customer(&state.db, &auth.0, id.0, limit).await?,
        ))
    }

    /// Move a customer to the recycle bin
    #[oai(path = "/:id", method = "delete", operation_id = "deleteCustomer")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Customer>, Fails<{ GUARDED | BAD_REQUEST | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            app::customers::set_deleted(&state.db, who, &auth.0, id.0, true).await?,
        ))
    }

    /// Restore a customer from the recycle bin
    #[oai(
        path = "/:id/restore",
        method = "post",
        operation_id = "restoreCustomer"
    )]
    async fn restore(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Customer>, Fails<{ GUARDED | BAD_REQUEST | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            app::customers::set_deleted(&state.db, who, &auth.0, id.0, false).await?,
        ))
    }
}
