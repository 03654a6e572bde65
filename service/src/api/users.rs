//! Account administration (admins only).

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::auth::known_words;
use super::common::{actor, to_json};
use crate::auth::BearerAuth;
use crate::db::audit::{self, Change};
use crate::db::users::{self, NewUser, UserChanges};
use crate::domain::user::{
    Role, User, normalize_username, validate_display_name, validate_password, validate_username,
};
use crate::error::{ApiError, ApiResult};
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
}

#[OpenApi(prefix_path = "/api/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// List accounts
    #[oai(path = "/", method = "get", operation_id = "listUsers")]
    async fn list(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Vec<User>>> {
        auth.admin()?;
        let rows = state.db.read(|c| Ok(users::list(c)?)).await?;
        Ok(Json(rows.iter().map(|u| u.to_api()).collect()))
    }

    /// Create an account
    #[oai(path = "/", method = "post", operation_id = "createUser")]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<NewUserRequest>,
    ) -> ApiResult<Json<User>> {
        let admin = auth.admin()?;
        let NewUserRequest {
            username,
            display_name,
            role,
            password,
        } = body.0;
        let username = normalize_username(&username);
        validate_username(&username).map_err(|m| ApiError::validation("username", m))?;
        validate_display_name(&display_name)
            .map_err(|m| ApiError::validation("display_name", m))?;
        validate_password(
            &password,
            &known_words(&username, display_name.trim(), &state.settings),
        )
        .map_err(|m| ApiError::validation("password", m))?;
        let hash = state.hasher.hash(password).await?;
        let who = actor(&state, req, Some(admin));
        let user = state
            .db
            .write(move |tx| {
                if users::by_username(tx, &username)?.is_some() {
                    return Err(ApiError::conflict(
                        "username",
                        format!("用户名「{username}」已存在"),
                    ));
                }
                let new = NewUser {
                    username: &username,
                    display_name: display_name.trim(),
                    role,
                    password_hash: &hash,
                    must_change_password: true,
                };
                let id = users::insert(tx, &new)?;
                let user = users::by_id(tx, id)?
                    .ok_or_else(|| ApiError::internal("user vanished"))?
                    .to_api();
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "user.create",
                        resource_type: "user",
                        resource_id: Some(id.to_string()),
                        before: None,
                        after: to_json(&user),
                    },
                )?;
                Ok(user)
            })
            .await?;
        Ok(Json(user))
    }

    /// Change an account (name, role, disabled, password reset, unlock)
    #[oai(path = "/:id", method = "patch", operation_id = "updateUser")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
        body: Json<UserPatch>,
    ) -> ApiResult<Json<User>> {
        let admin = auth.admin()?.clone();
        let patch = body.0;
        if let Some(name) = &patch.display_name {
            validate_display_name(name).map_err(|m| ApiError::validation("display_name", m))?;
        }
        let id = id.0;
        let new_hash = match patch.password {
            Some(pw) => {
                let user = state
                    .db
                    .read(move |c| Ok(users::by_id(c, id)?))
                    .await?
                    .ok_or_else(|| ApiError::not_found("用户不存在"))?;
                let name = patch.display_name.as_deref().unwrap_or(&user.display_name);
                validate_password(&pw, &known_words(&user.username, name, &state.settings))
                    .map_err(|m| ApiError::validation("password", m))?;
                Some(state.hasher.hash(pw).await?)
            }
            None => None,
        };
        let who = actor(&state, req, Some(&admin));
        let user = state
            .db
            .write(move |tx| {
                let before =
                    users::by_id(tx, id)?.ok_or_else(|| ApiError::not_found("用户不存在"))?;
                let demotes = patch.role == Some(Role::Staff) || patch.disabled == Some(true);
                if demotes
                    && before.role == Role::Admin
                    && !before.disabled
                    && users::admin_count_active(tx)? <= 1
                {
                    return Err(ApiError::validation("role", "至少需要保留一个启用的管理员"));
                }
                let changes = UserChanges {
                    display_name: patch.display_name.map(|n| n.trim().to_string()),
                    role: patch.role.filter(|r| *r != before.role),
                    disabled: patch.disabled.filter(|d| *d != before.disabled),
                    unlock: patch.unlock.unwrap_or(false),
                };
                users::update(tx, id, &changes)?;
                if let Some(hash) = &new_hash {
                    users::set_password(tx, id, hash, true)?;
                }
                let after = users::by_id(tx, id)?
                    .ok_or_else(|| ApiError::internal("user vanished"))?
                    .to_api();
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "user.update",
                        resource_type: "user",
                        resource_id: Some(id.to_string()),
                        before: to_json(&before.to_api()),
                        after: to_json(&after),
                    },
                )?;
                Ok(after)
            })
            .await?;
        state.accounts.forget(id);
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
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<SessionsEnded> {
        let who = actor(&state, req, Some(auth.admin()?));
        let id = id.0;
        state
            .db
            .write(move |tx| {
                if users::end_sessions(tx, id)? == 0 {
                    return Err(ApiError::not_found("用户不存在"));
                }
                audit::record(tx, &who, Change::on_user("user.end_sessions", id))?;
                Ok(())
            })
            .await?;
        state.accounts.forget(id);
        Ok(SessionsEnded::Done)
    }
}

#[derive(ApiResponse)]
pub enum SessionsEnded {
    /// Every token of the user is revoked.
    #[oai(status = 204)]
    Done,
}
