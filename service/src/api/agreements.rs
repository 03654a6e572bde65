//! Fee agreements (委托协议) and the monthly income view (对账).

use chrono::Datelike;
use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::Error;
use crate::app::agreements::{self, Agreement, IncomeSummary};
use crate::auth::StaffAuth;
use crate::domain::agreements::{AgreementInput, AgreementPatch, business_today, parse_month};
use crate::domain::ids::{AgreementId, CustomerId};
use crate::error::Fails;
use crate::error::status::{BODY, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct AgreementsApi;

#[OpenApi(tag = "ApiTags::Agreements")]
impl AgreementsApi {
    /// Record a fee agreement (委托协议) for a customer
    ///
    /// `fee_type` `percent` needs `fee_rate_pct`, `fixed` needs `fee_fixed_wan`; `due_on`
    /// defaults to `disbursement` (no upfront fee); each rebate has `rate_pct` or `amount_wan`.
    #[oai(
        path = "/api/customers/:id/agreements",
        method = "post",
        operation_id = "createAgreement"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
        body: Json<AgreementInput>,
    ) -> Result<Created<Agreement>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let a = agreements::create(&state.db, who, &auth.0, id.0, body.0, business_today()).await?;
        Ok(Created::at(format!("/api/agreements/{}", a.id), a))
    }

    /// A customer's fee agreements, newest first, with fee, due and outstanding amounts
    #[oai(
        path = "/api/customers/:id/agreements",
        method = "get",
        operation_id = "listAgreements"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Vec<Agreement>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(agreements::list(&state.db, &auth.0, id.0).await?))
    }

    /// One fee agreement
    #[oai(
        path = "/api/agreements/:id",
        method = "get",
        operation_id = "getAgreement"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<AgreementId>,
    ) -> Result<Json<Agreement>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(agreements::get(&state.db, &auth.0, id.0).await?))
    }

    /// Change a fee agreement (e.g. record the fee received)
    ///
    /// Only the fields present change; `null` clears an optional one; `rebates` replaces the list.
    #[oai(
        path = "/api/agreements/:id",
        method = "patch",
        operation_id = "updateAgreement"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<AgreementId>,
        body: Json<AgreementPatch>,
    ) -> Result<Json<Agreement>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            agreements::update(&state.db, who, &auth.0, id.0, body.0, business_today()).await?,
        ))
    }

    /// Monthly income (收入): fees due, received and outstanding, and commissions
    ///
    /// By the UTC+8 month each fee fell due, for the 12 months ending with `month` (`YYYY-MM`,
    /// default this month), with the chosen month's agreements one by one (对账).
    #[oai(path = "/api/income", method = "get", operation_id = "incomeSummary")]
    async fn income(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        month: Query<Option<String>>,
    ) -> Result<Json<IncomeSummary>, Fails<{ GUARDED | PARAMS }>> {
        let first = match month.0.as_deref() {
            None => business_today().with_day(1).unwrap_or_else(business_today),
            Some(text) => parse_month(text).ok_or_else(|| {
                Error::validation("month", "月份 month 应为 YYYY-MM 格式，如 2026-03")
            })?,
        };
        Ok(Json(agreements::income(&state.db, &auth.0, first).await?))
    }
}
