//! Account administration (admins only).

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::accounts::{self, AccountPatch, HandoverResult, NewAccount};
use crate::auth::AdminAuth;
use crate::domain::ids::UserId;
use crate::domain::user::{DataScope, Role, User};
use crate::error::Fails;
use crate::error::status::{BODY, CONFLICT, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct UsersApi;

#[derive(Object)]
pub struct NewUserRequest {
    #[oai(validator(max_length = 64))]
    pub username: String,
    #[oai(validator(max_length = 100))]
    pub display_name: String,
    pub role: Role,
    /// Initial password; the user must change it at first login.
    #[oai(validator(max_length = 256))]
    pub password: String,
    /// Default: `own` for staff, `all` for admins.
    pub data_scope: Option<DataScope>,
    /// Default: false for staff.
    pub can_export: Option<bool>,
    /// Default: false for staff.
    pub can_delete: Option<bool>,
}

#[derive(Object)]
pub struct UserPatch {
    #[oai(validator(max_length = 100))]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// Disabling revokes the user's tokens at once.
    pub disabled: Option<bool>,
    /// Sets a new one-time password (must be changed at next login).
    #[oai(validator(max_length = 256))]
    pub password: Option<String>,
    /// Clears a lockout after repeated failed logins.
    pub unlock: Option<bool>,
    pub data_scope: Option<DataScope>,
    pub can_export: Option<bool>,
    pub can_delete: Option<bool>,
}

#[derive(Object)]
pub struct HandoverRequest {
    /// Who takes over the customers and open follow-ups.
    pub to_user_id: UserId,
}

#[derive(ApiResponse)]
pub enum SessionsEnded {
    /// Every token of the user is revoked.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// List accounts
    #[oai(path = "/", method = "get", operation_id = "listUsers")]
    async fn list(
        &self,
        state: Data<&AppState>,
        _auth: AdminAuth,
    ) -> Result<Json<Vec<User>>, Fails<GUARDED>> {
        Ok(Json(accounts::list(&state.db).await?))
    }

    /// Create an account
    #[oai(path = "/", method = "post", operation_id = "createUser")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        body: Json<NewUserRequest>,
    ) -> Result<Created<User>, Fails<{ GUARDED | BODY | CONFLICT }>> {
        let NewUserRequest {
            username,
            display_name,
            role,
            password,
            data_scope,
            can_export,
            can_delete,
        } = body.0;
        let new = NewAccount {
            username,
            display_name,
            role,
            password,
            data_scope,
            can_export,
            can_delete,
        };
        let who = actor(&state, req, Some(&auth.0));
        let user = accounts::create(&state.db, &state.hasher, &state.settings, who, new).await?;
        Ok(Created::at(format!("/api/users/{}", user.id), user))
    }

    /// Change an account (name, role, disabled, password reset, unlock)
    #[oai(path = "/:id", method = "patch", operation_id = "updateUser")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        id: Path<UserId>,
        body: Json<UserPatch>,
    ) -> Result<Json<User>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let p = body.0;
        let patch = AccountPatch {
            display_name: p.display_name,
            role: p.role,
            disabled: p.disabled,
            password: p.password,
            unlock: p.unlock.unwrap_or(false),
            data_scope: p.data_scope,
            can_export: p.can_export,
            can_delete: p.can_delete,
        };
        let who = actor(&state, req, Some(&auth.0));
        let user =
            accounts::update(&state.db, &state.hasher, &state.settings, who, id.0, patch).await?;
        Ok(Json(user))
    }

    /// End every session of an account
    ///
    /// All tokens of the user stop working at once (the user signs in again).
    #[oai(
        path = "/:id/sessions/revoke",
        method = "post",
        operation_id = "revokeUserSessions"
    )]
    async fn revoke_sessions(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        id: Path<UserId>,
    ) -> Result<SessionsEnded, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        accounts::end_sessions(&state.db, who, id.0).await?;
        Ok(SessionsEnded::Done)
    }

    /// Hand over everything a user is responsible for (离职交接)
    ///
    /// Moves the user's customers (also those in the recycle bin; their plans and applications
    /// follow them) and open follow-ups to `to_user_id`, in one audited step. Usually done
    /// before disabling the account of someone who leaves.
    #[oai(path = "/:id/handover", method = "post", operation_id = "handoverUser")]
    async fn handover(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        id: Path<UserId>,
        body: Json<HandoverRequest>,
    ) -> Result<Json<HandoverResult>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let done = accounts::handover(&state.db, who, id.0, body.0.to_user_id).await?;
        Ok(Json(done))
    }
}
