//! Applications per bank (进件 / 放款): per customer, across customers (list, export), and the
//! dashboard's statistics.

use chrono::NaiveDate;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::{Created, actor, paging};
use crate::app::Error;
use crate::app::applications::{
    self as app, ApplicationDetail, ApplicationPatch, ApplicationStats, NewApplication,
};
use crate::app::transfer::Format;
use crate::auth::StaffAuth;
use crate::db::applications::{Application, Filter};
use crate::domain::ids::{ApplicationId, CustomerId, ProductId, UserId};
use crate::domain::vocab::ApplicationStatus;
use crate::error::Fails;
use crate::error::status::{BODY, CONFLICT, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct ApplicationsApi;

#[derive(Object)]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    pub total: i64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(ApiResponse)]
pub enum ApplicationFile {
    #[oai(status = 200)]
    Ok(Attachment<Vec<u8>>),
}

fn filter(
    status: Option<ApplicationStatus>,
    product_id: Option<ProductId>,
    owner_id: Option<UserId>,
    q: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Filter, Error> {
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(Error::validation(
            "submitted_to",
            "进件日期范围有误：submitted_to 不能早于 submitted_from",
        ));
    }
    Ok(Filter {
        status,
        product_id,
        owner_id,
        q,
        submitted_from: from,
        submitted_to: to,
    })
}

#[OpenApi(tag = "ApiTags::Applications")]
impl ApplicationsApi {
    /// Record an application of the customer to a lender (进件)
    ///
    /// `product_id` (from the catalogue) or a free-text `institution`; `amount_applied_wan` > 0;
    /// `status` defaults to `preparing`. The customer's stage follows (see the user guide).
    #[oai(
        path = "/api/customers/:id/applications",
        method = "post",
        operation_id = "createApplication"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
        body: Json<NewApplication>,
    ) -> Result<Created<ApplicationDetail>, Fails<{ GUARDED | BODY | NOT_FOUND | CONFLICT }>> {
        let who = actor(&state, req, Some(&auth.0));
        let created = app::create(&state.db, who, &auth.0, id.0, body.0).await?;
        Ok(Created::at(
            format!("/api/applications/{}", created.application.id),
            created,
        ))
    }

    /// A customer's applications, newest first
    #[oai(
        path = "/api/customers/:id/applications",
        method = "get",
        operation_id = "listCustomerApplications"
    )]
    async fn for_customer(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Vec<Application>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(app::for_customer(&state.db, &auth.0, id.0).await?))
    }

    /// Applications of all customers one may see
    ///
    /// Filters: `status`, `product_id`, `owner_id` (the customer's owner), `q` (part of the
    /// customer's name), `submitted_from`/`submitted_to` (进件日期, inclusive). Newest first.
    #[oai(
        path = "/api/applications",
        method = "get",
        operation_id = "listApplications"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        status: Query<Option<ApplicationStatus>>,
        product_id: Query<Option<ProductId>>,
        owner_id: Query<Option<UserId>>,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        submitted_from: Query<Option<NaiveDate>>,
        submitted_to: Query<Option<NaiveDate>>,
        page: Query<Option<u64>>,
        page_size: Query<Option<u64>>,
    ) -> Result<Json<ApplicationPage>, Fails<{ GUARDED | PARAMS }>> {
        let (page, page_size, offset) = paging(page.0, page_size.0)?;
        let f = filter(
            status.0,
            product_id.0,
            owner_id.0,
            q.0,
            submitted_from.0,
            submitted_to.0,
        )?;
        let found = app::list(&state.db, &auth.0, f, page_size, offset).await?;
        Ok(Json(ApplicationPage {
            items: found.items,
            total: found.total,
            page,
            page_size,
        }))
    }

    /// Export applications (same filters as the list) as .xlsx (default) or .csv
    #[oai(
        path = "/api/applications/export",
        method = "get",
        operation_id = "exportApplications"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        format: Query<Option<Format>>,
        status: Query<Option<ApplicationStatus>>,
        product_id: Query<Option<ProductId>>,
        owner_id: Query<Option<UserId>>,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        submitted_from: Query<Option<NaiveDate>>,
        submitted_to: Query<Option<NaiveDate>>,
    ) -> Result<ApplicationFile, Fails<{ GUARDED | PARAMS }>> {
        let f = filter(
            status.0,
            product_id.0,
            owner_id.0,
            q.0,
            submitted_from.0,
            submitted_to.0,
        )?;
        let format = format.0.unwrap_or(Format::Xlsx);
        let who = actor(&state, req, Some(&auth.0));
        let bytes = app::export(&state.db, who, &auth.0, f, format).await?;
        let name = format!(
            "applications-{}.{}",
            app::business_today().format("%Y%m%d"),
            format.extension()
        );
        Ok(ApplicationFile::Ok(
            Attachment::new(bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(name),
        ))
    }

    /// Applications by status, amount disbursed per month (last 12, UTC+8), approval rate by product
    #[oai(
        path = "/api/applications/stats",
        method = "get",
        operation_id = "applicationStats"
    )]
    async fn stats(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        owner_id: Query<Option<UserId>>,
    ) -> Result<Json<ApplicationStats>, Fails<{ GUARDED | PARAMS }>> {
        let f = Filter {
            owner_id: owner_id.0,
            ..Default::default()
        };
        Ok(Json(app::stats(&state.db, &auth.0, f).await?))
    }

    /// One application with its status history
    #[oai(
        path = "/api/applications/:id",
        method = "get",
        operation_id = "getApplication"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<ApplicationId>,
    ) -> Result<Json<ApplicationDetail>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(app::get(&state.db, &auth.0, id.0).await?))
    }

    /// Move an application's status and record the lender's figures
    ///
    /// Only the fields present change. The status moves forward along 准备中 → 已进件 → 审批中 →
    /// 已批复 → 已放款 → 已结清, or from an open status to 已拒绝 (`reason` required) or 客户放弃;
    /// 已批复 needs `approved_wan`, 已放款 needs `disbursed_wan` and `disbursed_on`. Each status
    /// change is added to the history; the customer's stage follows.
    #[oai(
        path = "/api/applications/:id",
        method = "patch",
        operation_id = "updateApplication"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<ApplicationId>,
        body: Json<ApplicationPatch>,
    ) -> Result<Json<ApplicationDetail>, Fails<{ GUARDED | BODY | NOT_FOUND | CONFLICT }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            app::update(&state.db, who, &auth.0, id.0, body.0).await?,
        ))
    }
}
