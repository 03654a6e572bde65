//! Sign-in, password change, current account.

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::actor;
use crate::auth::BearerAuth;
use crate::auth::throttle::client_key;
use crate::config::Settings;
use crate::db::audit::{self, Change};
use crate::db::users::Counter;
use crate::db::{sql, users};
use crate::domain::user::{Role, normalize_username, validate_password};
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

#[derive(ApiResponse)]
pub enum LoggedOut {
    /// The token is revoked.
    #[oai(status = 204)]
    Done,
}

/// Words an attacker would try first against this account's password.
pub fn known_words<'a>(
    username: &'a str,
    display_name: &'a str,
    settings: &'a Settings,
) -> [&'a str; 4] {
    [
        username,
        display_name,
        settings.brand_name.as_str(),
        "loan-broker",
    ]
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

/// The one answer to every refused sign-in (wrong password, unknown or disabled account, a
/// lock): telling them apart would tell an attacker which accounts exist and which are locked.
fn refused() -> ApiError {
    ApiError::unauthorized(
        "用户名或密码错误；连续多次失败后账户会暂时锁定，请稍后再试或联系管理员解锁",
    )
}

/// The account a sign-in names, and whether its counters let this attempt be evaluated.
struct Attempt {
    user: Option<users::UserRow>,
    allowed: bool,
    /// This attempt used up the last try: if it fails, the account (for this client or for all)
    /// is locked.
    last_try: bool,
}

/// Counts the attempt for the account it resolves to before its password is checked, in one
/// write transaction: concurrent guesses each get their own count, so at most the limit are
/// ever evaluated per window. Unknown names run the same transaction (the same time).
fn count_attempt(
    tx: &rusqlite::Transaction,
    username: &str,
    client: &str,
    settings: &Settings,
) -> Result<Attempt, ApiError> {
    let now = sql::now();
    let until = (chrono::Utc::now() + chrono::Duration::minutes(settings.lockout_minutes.into()))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    users::purge_ended_windows(tx, &now)?;
    let Some(user) = users::by_username(tx, username)? else {
        return Ok(Attempt {
            user: None,
            allowed: false,
            last_try: false,
        });
    };
    let per_client = Counter {
        user_id: user.id,
        client,
        max_failures: settings.login_max_failures,
    };
    let count = users::count_attempt(tx, &per_client, &now, &until)?;
    let (mut allowed, mut last_try) = (
        count <= i64::from(per_client.max_failures),
        count == i64::from(per_client.max_failures),
    );
    // Only attempts a client was allowed count against the account as a whole: one client can
    // then never lock the account for the others.
    if allowed {
        let all = Counter {
            user_id: user.id,
            client: users::ALL_CLIENTS,
            max_failures: settings.login_account_max_failures,
        };
        let count = users::count_attempt(tx, &all, &now, &until)?;
        allowed = count <= i64::from(all.max_failures);
        last_try |= count == i64::from(all.max_failures);
    }
    Ok(Attempt {
        user: Some(user),
        allowed,
        last_try,
    })
}

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in with username and password
    ///
    /// Repeated failures lock the account for a while for the failing client, and many failures
    /// from everywhere lock it for all; a locked account answers like a wrong password (401).
    /// A client address with too many attempts gets 429; a sign-in flood gets 503 at once.
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<LoginRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let slot = state.hasher.reserve()?;
        let mut who = actor(&state, req, None);
        let client = client_key(who.ip.as_deref());
        if !state.login_clients.admit(&client) {
            return Err(ApiError::too_many(format!(
                "登录尝试过多，请 {} 分钟后再试",
                state.settings.lockout_minutes
            )));
        }
        let LoginRequest { username, password } = body.0;
        let username = normalize_username(&username);
        let settings = state.settings.clone();
        let (name, key) = (username.clone(), client.clone());
        let attempt = state
            .db
            .write(move |tx| count_attempt(tx, &name, &key, &settings))
            .await?;
        let evaluated = attempt
            .user
            .as_ref()
            .filter(|_| attempt.allowed)
            .map(|u| u.password_hash.clone());
        let ok = state.hasher.verify(slot, password, evaluated).await? && attempt.allowed;
        who.username = Some(username);
        let Attempt {
            user,
            allowed,
            last_try,
        } = attempt;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            other => {
                who.user_id = other.map(|u| u.id);
                let action = match (who.user_id, allowed) {
                    (Some(_), false) => "auth.login_refused",
                    (Some(_), true) if last_try => "auth.locked",
                    _ => "auth.login_failed",
                };
                state
                    .db
                    .write(move |tx| {
                        audit::record(
                            tx,
                            &who,
                            Change {
                                action,
                                resource_type: "user",
                                resource_id: who.user_id.map(|i| i.to_string()),
                                before: None,
                                after: None,
                            },
                        )?;
                        Ok(())
                    })
                    .await?;
                return Err(refused());
            }
        };
        state.login_clients.take_back(&client);
        who.user_id = Some(user.id);
        let id = user.id;
        state
            .db
            .write(move |tx| {
                users::count_success(tx, id, &client)?;
                audit::record(tx, &who, Change::on_user("auth.login", id))?;
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

    /// Sign out: this token stops working at once (other sessions stay signed in)
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
    ) -> ApiResult<LoggedOut> {
        let who = actor(&state, req, Some(&auth.0));
        let (id, jti, expires_at) = (auth.0.id, auth.0.token_id.clone(), auth.0.token_expires_at);
        let revoked = jti.clone();
        state
            .db
            .write(move |tx| {
                users::revoke_token(tx, &revoked, id, expires_at)?;
                audit::record(tx, &who, Change::on_user("auth.logout", id))?;
                Ok(())
            })
            .await?;
        state.revoked.insert(jti, expires_at);
        Ok(LoggedOut::Done)
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
        let id = auth.0.id;
        let user = state
            .db
            .read(move |c| Ok(users::by_id(c, id)?))
            .await?
            .ok_or_else(|| ApiError::unauthorized("账户不存在"))?;
        validate_password(
            &new_password,
            &known_words(&user.username, &user.display_name, &state.settings),
        )
        .map_err(|m| ApiError::validation("new_password", m))?;
        if new_password == current_password {
            return Err(ApiError::validation(
                "new_password",
                "新密码不能与当前密码相同",
            ));
        }
        let slot = state.hasher.reserve()?;
        if !state
            .hasher
            .verify(slot, current_password, Some(user.password_hash.clone()))
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
                audit::record(tx, &who, Change::on_user("user.change_password", id))?;
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
