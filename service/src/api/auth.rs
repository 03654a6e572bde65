//! Sign-in, password change, current account.

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::common::actor;
use crate::auth::BearerAuth;
use crate::db::audit::{self, Change};
use crate::db::{sql, users};
use crate::domain::user::{Role, validate_password};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct AuthApi;

#[derive(Object)]
pub struct LoginRequest {
    #[oai(validator(max_length = 64))]
    pub username: String,
    #[oai(validator(max_length = 256))]
    pub password: String,
}

#[derive(Object)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The initial password must be changed before anything else works.
    pub must_change_password: bool,
}

#[derive(Object)]
pub struct ChangePasswordRequest {
    #[oai(validator(max_length = 256))]
    pub current_password: String,
    #[oai(validator(max_length = 256))]
    pub new_password: String,
}

#[derive(Object)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub must_change_password: bool,
}

fn token(
    state: &AppState,
    user_id: i64,
    token_version: i64,
    must_change_password: bool,
) -> ApiResult<Json<TokenResponse>> {
    let access_token = state
        .jwt
        .issue(user_id, token_version)
        .map_err(ApiError::internal)?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl_seconds,
        must_change_password,
    }))
}

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in with username and password
    ///
    /// Repeated failures lock the account for a while (429).
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<LoginRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let LoginRequest { username, password } = body.0;
        let lookup = username.trim().to_string();
        let user = state
            .db
            .read(move |c| Ok(users::by_username(c, &lookup)?))
            .await?;
        let now = sql::now();
        if let Some(u) = &user
            && u.is_locked(&now)
        {
            return Err(ApiError::too_many(format!(
                "登录失败次数过多，账户已锁定，请 {} 分钟后再试或联系管理员解锁",
                state.settings.lockout_minutes
            )));
        }
        let ok = state
            .hasher
            .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
            .await?;
        let mut who = actor(&state, req, None);
        who.username = Some(username.trim().to_string());
        let Some(user) = user.filter(|u| ok && !u.disabled) else {
            let (max, minutes) = (
                state.settings.login_max_failures,
                state.settings.lockout_minutes,
            );
            let until = (chrono::Utc::now() + chrono::Duration::minutes(minutes.into()))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let user_id = state
                .db
                .read(move |c| Ok(users::by_username(c, &username)?.map(|u| u.id)))
                .await?;
            state
                .db
                .write(move |tx| {
                    let locked = match user_id {
                        Some(id) => users::record_failure(tx, id, max, &until)?,
                        None => false,
                    };
                    who.user_id = user_id;
                    let action = if locked {
                        "auth.locked"
                    } else {
                        "auth.login_failed"
                    };
                    audit::record(
                        tx,
                        &who,
                        Change {
                            action,
                            resource_type: "user",
                            resource_id: user_id.map(|i| i.to_string()),
                            before: None,
                            after: None,
                        },
                    )?;
                    Ok(())
                })
                .await?;
            return Err(ApiError::unauthorized("用户名或密码错误，或账户已停用"));
        };
        who.user_id = Some(user.id);
        let id = user.id;
        state
            .db
            .write(move |tx| {
                users::record_success(tx, id)?;
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "auth.login",
                        resource_type: "user",
                        resource_id: Some(id.to_string()),
                        before: None,
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await?;
        token(
            &state,
            user.id,
            user.token_version,
            user.must_change_password,
        )
    }

    /// Change the own password
    ///
    /// Revokes every token issued before and returns a fresh one.
    #[oai(
        path = "/change-password",
        method = "post",
        operation_id = "changePassword"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let ChangePasswordRequest {
            current_password,
            new_password,
        } = body.0;
        validate_password(&new_password).map_err(|m| ApiError::validation("new_password", m))?;
        if new_password == current_password {
            return Err(ApiError::validation(
                "new_password",
                "新密码不能与当前密码相同",
            ));
        }
        let id = auth.0.id;
        let user = state
            .db
            .read(move |c| Ok(users::by_id(c, id)?))
            .await?
            .ok_or_else(|| ApiError::unauthorized("账户不存在"))?;
        if !state
            .hasher
            .verify(current_password, Some(user.password_hash.clone()))
            .await?
        {
            return Err(ApiError::validation("current_password", "当前密码不正确"));
        }
        let hash = state.hasher.hash(new_password).await?;
        let who = actor(&state, req, Some(&auth.0));
        let version = state
            .db
            .write(move |tx| {
                users::set_password(tx, id, &hash, false)?;
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "user.change_password",
                        resource_type: "user",
                        resource_id: Some(id.to_string()),
                        before: None,
                        after: None,
                    },
                )?;
                Ok(users::by_id(tx, id)?
                    .map(|u| u.token_version)
                    .unwrap_or_default())
            })
            .await?;
        state.accounts.forget(id);
        token(&state, id, version, false)
    }

    /// The signed-in account
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Me>> {
        let id = auth.0.id;
        let u = state
            .db
            .read(move |c| Ok(users::by_id(c, id)?))
            .await?
            .ok_or_else(|| ApiError::unauthorized("账户不存在"))?;
        Ok(Json(Me {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            must_change_password: u.must_change_password,
        }))
    }
}
