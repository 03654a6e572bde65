//! Share links of a diagnosis report (分享链接) and the public, read-only report behind them.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::shares::{self, CreatedShare, ShareRequest, SharedReport, Visitor};
use crate::auth::StaffAuth;
use crate::db::shares::{Share, ShareOpen};
use crate::domain::ids::{DiagnosisId, ShareId};
use crate::error::Fails;
use crate::error::status::{BAD_REQUEST, BODY, DB, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;
use crate::web::client_ip;

pub struct SharesApi;

#[derive(Object)]
pub struct ShareInput {
    /// Days the link stays valid, 1–90 (default 7).
    pub expires_in_days: Option<u32>,
    /// The contact line on the shared report (default: 客户经理：<your display name>).
    #[oai(validator(max_length = 200))]
    pub contact_line: Option<String>,
}

#[OpenApi(tag = "ApiTags::Diagnoses")]
impl SharesApi {
    /// Make a read-only link to a diagnosis report for the client
    ///
    /// The answer is the only time the token is shown; only its digest is stored.
    #[oai(
        path = "/api/diagnoses/:id/shares",
        method = "post",
        operation_id = "createShare"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<DiagnosisId>,
        body: Json<ShareInput>,
    ) -> Result<Created<CreatedShare>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let request = ShareRequest {
            diagnosis_id: id.0,
            expires_in_days: body.0.expires_in_days,
            contact_line: body.0.contact_line,
        };
        let created = shares::create(
            &state.db,
            who,
            &auth.0,
            request,
            state.settings.public_url.clone(),
        )
        .await?;
        Ok(Created::at(format!("/api/shares/{}", created.id), created))
    }

    /// The share links of a diagnosis, newest first, with how often each was opened
    #[oai(
        path = "/api/diagnoses/:id/shares",
        method = "get",
        operation_id = "listShares"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<DiagnosisId>,
    ) -> Result<Json<Vec<Share>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(shares::list(&state.db, &auth.0, id.0).await?))
    }

    /// When, from where and with what a link was opened (the newest 100)
    #[oai(
        path = "/api/shares/:id/opens",
        method = "get",
        operation_id = "listShareOpens"
    )]
    async fn opens(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<ShareId>,
    ) -> Result<Json<Vec<ShareOpen>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(shares::opens(&state.db, &auth.0, id.0).await?))
    }

    /// Revoke a share link: it stops working at once
    #[oai(
        path = "/api/shares/:id",
        method = "delete",
        operation_id = "revokeShare"
    )]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<ShareId>,
    ) -> Result<Json<Share>, Fails<{ GUARDED | BAD_REQUEST | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(shares::revoke(&state.db, who, &auth.0, id.0).await?))
    }

    /// The report behind a share link (no sign-in; every open is logged)
    ///
    /// An unknown, expired or revoked token answers 404.
    #[oai(
        path = "/api/shared/:token",
        method = "get",
        operation_id = "getSharedReport"
    )]
    async fn shared(
        &self,
        state: Data<&AppState>,
        req: &Request,
        #[oai(validator(max_length = 128))] token: Path<String>,
    ) -> Result<Json<SharedReport>, Fails<{ PARAMS | NOT_FOUND | DB }>> {
        let visitor = Visitor {
            ip: client_ip(req, &state.settings.trusted_proxies),
            user_agent: req
                .headers()
                .get(poem::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        Ok(Json(shares::open(&state.db, token.0, visitor).await?))
    }
}
