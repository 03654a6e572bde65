//! Enterprise customers (企业客户): CRUD, list with search/filters/sort/paging, recycle bin.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use rusqlite::Transaction;

use super::ApiTags;
use super::common::{actor, paging, to_json, today};
use crate::auth::BearerAuth;
use crate::db::audit::{self, Actor, Change};
use crate::db::customers::{self, ListFilter};
use crate::db::users;
use crate::domain::customer::{Customer, CustomerInput, CustomerPatch, Stage};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct CustomersApi;

#[derive(Object)]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    pub total: i64,
    pub page: u64,
    pub page_size: u64,
}

/// Refuses a second customer with the same 统一社会信用代码, and unknown owners.
fn check_unique_and_owner(
    tx: &Transaction,
    input: &CustomerInput,
    except: Option<i64>,
) -> ApiResult<()> {
    if let Some(code) = &input.uscc
        && let Some((id, deleted)) = customers::find_by_uscc(tx, code, except)?
    {
        let where_ = if deleted {
            "（在回收站中，可恢复）"
        } else {
            ""
        };
        return Err(ApiError::conflict(
            "uscc",
            format!("统一社会信用代码 {code} 已被客户 #{id} 使用{where_}"),
        ));
    }
    if let Some(owner) = input.owner_id
        && users::by_id(tx, owner)?.is_none()
    {
        return Err(ApiError::validation("owner_id", "负责人不存在"));
    }
    Ok(())
}

fn load(tx: &rusqlite::Connection, id: i64) -> ApiResult<Customer> {
    customers::get(tx, id)?.ok_or_else(|| ApiError::not_found(format!("客户 #{id} 不存在")))
}

fn record(
    tx: &Transaction,
    who: &Actor,
    action: &str,
    id: i64,
    before: Option<&Customer>,
    after: Option<&Customer>,
) -> ApiResult<()> {
    let change = Change {
        action,
        resource_type: "customer",
        resource_id: Some(id.to_string()),
        before: before.and_then(to_json),
        after: after.and_then(to_json),
    };
    audit::record(tx, who, change)?;
    Ok(())
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
        auth: BearerAuth,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        category: Query<Option<String>>,
        stage: Query<Option<Stage>>,
        #[oai(validator(max_length = 50))] industry: Query<Option<String>>,
        owner_id: Query<Option<i64>>,
        sort: Query<Option<String>>,
        page: Query<Option<u64>>,
        page_size: Query<Option<u64>>,
        /// `true` lists the recycle bin instead.
        deleted: Query<Option<bool>>,
    ) -> ApiResult<Json<CustomerPage>> {
        auth.staff()?;
        let (page, page_size, offset) = paging(page.0, page_size.0)?;
        let sort_key = sort.0.unwrap_or_else(|| "-updated_at".into());
        let sort = customers::parse_sort(&sort_key)
            .ok_or_else(|| ApiError::validation("sort", format!("不支持按「{sort_key}」排序")))?;
        if let Some(c) = &category.0
            && !["A", "B", "C", "none"].contains(&c.as_str())
        {
            return Err(ApiError::validation(
                "category",
                "分类只能是 A、B、C 或 none",
            ));
        }
        let filter = ListFilter {
            q: q.0,
            category: category.0,
            stage: stage.0,
            industry: industry.0,
            owner_id: owner_id.0,
            deleted: deleted.0.unwrap_or(false),
        };
        let (items, total) = state
            .db
            .read(move |c| Ok(customers::list(c, &filter, sort, page_size, offset)?))
            .await?;
        Ok(Json(CustomerPage {
            items,
            total,
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
        auth: BearerAuth,
        body: Json<CustomerInput>,
    ) -> ApiResult<Json<Customer>> {
        let user = auth.staff()?;
        let mut input = body.0;
        input.validate(today())?;
        let who = actor(&state, req, Some(user));
        let created_by = user.id;
        let customer = state
            .db
            .write(move |tx| {
                check_unique_and_owner(tx, &input, None)?;
                let id = customers::insert(tx, &input, Some(created_by))?;
                let after = load(tx, id)?;
                record(tx, &who, "customer.create", id, None, Some(&after))?;
                Ok(after)
            })
            .await?;
        Ok(Json(customer))
    }

    /// One customer (also from the recycle bin)
    #[oai(path = "/:id", method = "get", operation_id = "getCustomer")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Customer>> {
        auth.staff()?;
        let id = id.0;
        Ok(Json(state.db.read(move |c| load(c, id)).await?))
    }

    /// Change a customer
    ///
    /// Only the fields present are changed; `null` sets a fact back to unknown.
    #[oai(path = "/:id", method = "patch", operation_id = "updateCustomer")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
        body: Json<CustomerPatch>,
    ) -> ApiResult<Json<Customer>> {
        let user = auth.staff()?;
        let who = actor(&state, req, Some(user));
        let (id, patch) = (id.0, body.0);
        let customer = state
            .db
            .write(move |tx| {
                let before = load(tx, id)?;
                if before.deleted_at.is_some() {
                    return Err(ApiError::bad_request(
                        "deleted",
                        "客户在回收站中，请先恢复再修改",
                    ));
                }
                let mut input = patch.apply(&before.data);
                input.validate(today())?;
                check_unique_and_owner(tx, &input, Some(id))?;
                customers::update(tx, id, &input)?;
                let after = load(tx, id)?;
                record(tx, &who, "customer.update", id, Some(&before), Some(&after))?;
                Ok(after)
            })
            .await?;
        Ok(Json(customer))
    }

    /// Move a customer to the recycle bin
    #[oai(path = "/:id", method = "delete", operation_id = "deleteCustomer")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Customer>> {
        set_deleted(&state, req, auth, id.0, true).await
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
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Customer>> {
        set_deleted(&state, req, auth, id.0, false).await
    }
}

async fn set_deleted(
    state: &AppState,
    req: &Request,
    auth: BearerAuth,
    id: i64,
    deleted: bool,
) -> ApiResult<Json<Customer>> {
    let user = auth.staff()?;
    let who = actor(state, req, Some(user));
    let customer = state
        .db
        .write(move |tx| {
            let before = load(tx, id)?;
            if before.deleted_at.is_some() == deleted {
                let msg = if deleted {
                    "客户已在回收站中"
                } else {
                    "客户不在回收站中"
                };
                return Err(ApiError::bad_request("state", msg));
            }
            customers::set_deleted(tx, id, deleted)?;
            let after = load(tx, id)?;
            let action = if deleted {
                "customer.delete"
            } else {
                "customer.restore"
            };
            record(tx, &who, action, id, Some(&before), Some(&after))?;
            Ok(after)
        })
        .await?;
    Ok(Json(customer))
}
