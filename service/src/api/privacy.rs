//! The customer's rights under PIPL (个人信息查阅与删除), admin only: everything held about a
//! customer as one document, and its erasure for real.

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::common::actor;
use crate::app::erasure::{self, EraseRequest, Erased, PersonalData};
use crate::auth::AdminAuth;
use crate::domain::ids::CustomerId;
use crate::error::Fails;
use crate::error::status::{BAD_REQUEST, BODY, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct PrivacyApi;

#[OpenApi(prefix_path = "/api/customers", tag = "ApiTags::Customers")]
impl PrivacyApi {
    /// Everything held about a customer (个人信息查阅, PIPL Art. 45)
    ///
    /// The customer's facts with their labels, collaterals, diagnoses with their reasons and the
    /// facts they read, plans and tasks, follow-ups, applications and their events, agreements
    /// and rebates, share links and their opens, documents (metadata, not content) and the audit
    /// entries about the customer and its records. Also for a customer in the recycle bin. The
    /// reading is audited (`personal_data.access`).
    #[oai(
        path = "/:id/personal-data",
        method = "get",
        operation_id = "getPersonalData"
    )]
    async fn personal_data(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<PersonalData>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            erasure::personal_data(&state.db, who, &auth.0, id.0).await?,
        ))
    }

    /// Erase a customer for real (个人信息删除, PIPL Art. 47)
    ///
    /// `confirm_name` must equal the company name exactly. Removes, in one transaction, the
    /// customer and every record held about it, replaces the before/after of the audit entries
    /// about them by a redacted summary, then deletes the document files and checkpoints the
    /// database so its files keep none of the erased values. Also for a customer in the
    /// recycle bin. Backups keep the data until their retention expires.
    #[oai(path = "/:id/erase", method = "post", operation_id = "eraseCustomer")]
    async fn erase(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        id: Path<CustomerId>,
        body: Json<EraseRequest>,
    ) -> Result<Json<Erased>, Fails<{ GUARDED | BODY | BAD_REQUEST | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            erasure::erase(
                &state.db,
                &state.settings,
                who,
                &auth.0,
                id.0,
                body.0.confirm_name,
            )
            .await?,
        ))
    }
}
