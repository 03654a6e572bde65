//! Customer consents (授权, 个人信息处理授权书): record, list, withdraw.

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::consents::{self, Consent, WithdrawInput};
use crate::auth::StaffAuth;
use crate::domain::agreements::business_today;
use crate::domain::consents::ConsentInput;
use crate::domain::ids::{ConsentId, CustomerId};
use crate::error::Fails;
use crate::error::status::{BODY, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct ConsentsApi;

#[OpenApi(tag = "ApiTags::Consents")]
impl ConsentsApi {
    /// Record a customer's consent (授权) to the processing of personal information
    ///
    /// `purposes` and `data` are sets (at least one each); `obtained_on` is not in the future;
    /// `document_id`, if given, is a document uploaded to this customer (the scanned form).
    #[oai(
        path = "/api/customers/:id/consents",
        method = "post",
        operation_id = "createConsent"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
        body: Json<ConsentInput>,
    ) -> Result<Created<Consent>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let c = consents::create(&state.db, who, &auth.0, id.0, body.0, business_today()).await?;
        Ok(Created::at(
            format!("/api/customers/{}/consents", c.customer_id),
            c,
        ))
    }

    /// A customer's consents, newest first, withdrawn ones included (`valid` false)
    #[oai(
        path = "/api/customers/:id/consents",
        method = "get",
        operation_id = "listConsents"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Vec<Consent>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(consents::list(&state.db, &auth.0, id.0).await?))
    }

    /// Withdraw a consent: from now on it allows nothing (data already recorded stays)
    #[oai(
        path = "/api/consents/:id/withdraw",
        method = "post",
        operation_id = "withdrawConsent"
    )]
    async fn withdraw(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<ConsentId>,
        body: Json<WithdrawInput>,
    ) -> Result<Json<Consent>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            consents::withdraw(&state.db, who, &auth.0, id.0, body.0).await?,
        ))
    }
}
