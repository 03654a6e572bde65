//! Follow-ups (跟进记录), the due lists of the workbench and the daily digest settings.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::digest::{self, DigestSettings, DigestSettingsInput, DigestTest};
use crate::app::follow_ups::{self, DueCounts, FollowUpPatch, NewFollowUp};
use crate::auth::{AdminAuth, StaffAuth};
use crate::db::follow_ups::FollowUp;
use crate::domain::follow_ups::DueWindow;
use crate::domain::ids::{CustomerId, FollowUpId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::FollowUpChannel;
use crate::error::Fails;
use crate::error::status::{BAD_REQUEST, BODY, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct FollowUpsApi;

#[derive(Object)]
pub struct FollowUpInput {
    /// When the contact took place (default: now); not in the future.
    pub contacted_at: Option<Timestamp>,
    pub channel: FollowUpChannel,
    /// What was said or done, at most 2000 characters.
    #[oai(validator(max_length = 4000))]
    pub content: String,
    /// What came of it, at most 500 characters.
    #[oai(validator(max_length = 1000))]
    pub result: Option<String>,
    /// When to contact the client next (after `contacted_at`).
    pub next_contact_at: Option<Timestamp>,
    /// Who makes the next contact (default: the customer's owner, else you).
    pub assignee_id: Option<UserId>,
}

#[derive(Object)]
pub struct FollowUpChange {
    /// `true` marks the follow-up done (it leaves the due lists); `false` opens it again.
    pub done: Option<bool>,
    pub contacted_at: Option<Timestamp>,
    pub channel: Option<FollowUpChannel>,
    #[oai(validator(max_length = 4000))]
    pub content: Option<String>,
    /// `null` clears it.
    #[oai(validator(max_length = 1000))]
    pub result: MaybeUndefined<String>,
    /// `null` clears it (nothing more planned).
    pub next_contact_at: MaybeUndefined<Timestamp>,
    pub assignee_id: Option<UserId>,
}

#[derive(Object)]
pub struct FollowUpList {
    pub items: Vec<FollowUp>,
}

fn maybe<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[OpenApi(tag = "ApiTags::FollowUps")]
impl FollowUpsApi {
    /// Record a contact with the client and when to contact them next
    #[oai(
        path = "/api/customers/:id/follow-ups",
        method = "post",
        operation_id = "createFollowUp"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
        body: Json<FollowUpInput>,
    ) -> Result<Created<FollowUp>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let b = body.0;
        let new = NewFollowUp {
            contacted_at: b.contacted_at,
            channel: b.channel,
            content: b.content,
            result: b.result,
            next_contact_at: b.next_contact_at,
            assignee_id: b.assignee_id,
        };
        let saved = follow_ups::create(&state.db, who, &auth.0, id.0, new).await?;
        Ok(Created::at(format!("/api/follow-ups/{}", saved.id), saved))
    }

    /// A customer's follow-ups, the latest contact first
    #[oai(
        path = "/api/customers/:id/follow-ups",
        method = "get",
        operation_id = "listFollowUps"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<FollowUpList>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let items = follow_ups::list(&state.db, &auth.0, id.0).await?;
        Ok(Json(FollowUpList { items }))
    }

    /// Change a follow-up or mark it done
    #[oai(
        path = "/api/follow-ups/:id",
        method = "patch",
        operation_id = "updateFollowUp"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<FollowUpId>,
        body: Json<FollowUpChange>,
    ) -> Result<Json<FollowUp>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let b = body.0;
        let patch = FollowUpPatch {
            done: b.done,
            contacted_at: b.contacted_at,
            channel: b.channel,
            content: b.content,
            result: maybe(b.result),
            next_contact_at: maybe(b.next_contact_at),
            assignee_id: b.assignee_id,
        };
        Ok(Json(
            follow_ups::update(&state.db, who, &auth.0, id.0, patch).await?,
        ))
    }

    /// Open follow-ups due in a window, the most overdue first
    ///
    /// Every window reaches back without limit: an overdue follow-up stays in `today` and `week`
    /// (flagged `overdue`) until it is marked done. Your own by default; admins may name anyone.
    #[oai(
        path = "/api/follow-ups/due",
        method = "get",
        operation_id = "listDueFollowUps"
    )]
    async fn due(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        when: Query<Option<DueWindow>>,
        assignee_id: Query<Option<UserId>>,
    ) -> Result<Json<FollowUpList>, Fails<{ GUARDED | PARAMS }>> {
        let when = when.0.unwrap_or(DueWindow::Today);
        let items = follow_ups::due(&state.db, &auth.0, when, assignee_id.0).await?;
        Ok(Json(FollowUpList { items }))
    }

    /// How many follow-ups are due: overdue, today (overdue included), this week
    #[oai(
        path = "/api/follow-ups/counts",
        method = "get",
        operation_id = "countDueFollowUps"
    )]
    async fn counts(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        assignee_id: Query<Option<UserId>>,
    ) -> Result<Json<DueCounts>, Fails<{ GUARDED | PARAMS }>> {
        Ok(Json(
            follow_ups::counts(&state.db, &auth.0, assignee_id.0).await?,
        ))
    }

    /// The daily digest of due follow-ups (admin)
    #[oai(
        path = "/api/follow-up-digest",
        method = "get",
        operation_id = "getFollowUpDigest"
    )]
    async fn digest(
        &self,
        state: Data<&AppState>,
        _auth: AdminAuth,
    ) -> Result<Json<DigestSettings>, Fails<GUARDED>> {
        Ok(Json(digest::settings(&state.db).await?))
    }

    /// Switch the daily digest on or off, set its hour, robot and who does not receive it (admin)
    #[oai(
        path = "/api/follow-up-digest",
        method = "patch",
        operation_id = "updateFollowUpDigest"
    )]
    async fn update_digest(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        body: Json<DigestSettingsInput>,
    ) -> Result<Json<DigestSettings>, Fails<{ GUARDED | BODY }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(digest::put_settings(&state.db, who, body.0).await?))
    }

    /// Send your digest to the robot now, to check the robot (admin; marks nothing as sent)
    #[oai(
        path = "/api/follow-up-digest/test",
        method = "post",
        operation_id = "testFollowUpDigest"
    )]
    async fn test_digest(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
    ) -> Result<Json<DigestTest>, Fails<{ GUARDED | BAD_REQUEST }>> {
        Ok(Json(
            digest::send_test(&state.db, &state.settings, auth.0.id).await?,
        ))
    }
}
