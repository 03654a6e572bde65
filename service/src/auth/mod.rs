//! Authentication (bearer JWT checked against the live account) and role guards.

pub mod bootstrap;
pub mod cache;
pub mod jwt;
pub mod password;
pub mod throttle;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::db::users;
use crate::domain::user::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in account, loaded fresh for every request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    /// The id and expiry of the token this request came with (what logout revokes).
    pub token_id: String,
    pub token_expires_at: i64,
}

/// `Authorization: Bearer <token>` from `POST /api/auth/login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_token")]
pub struct BearerAuth(pub CurrentUser);

async fn check_token(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from(ApiError::internal("state missing")))?;
    let revoked = || poem::Error::from(ApiError::unauthorized("登录已失效，请重新登录"));
    let token = state.jwt.verify(&bearer.token).ok_or_else(revoked)?;
    if state.revoked.contains(&token.jti) {
        return Err(revoked());
    }
    let user_id = token.user_id;
    let account = match state.accounts.get(user_id) {
        Some(cached) => cached,
        None => {
            let row = state
                .db
                .read(move |c| Ok(users::by_id(c, user_id)?))
                .await?;
            let account = row.map(|u| cache::Account {
                username: u.username,
                role: u.role,
                must_change_password: u.must_change_password,
                disabled: u.disabled,
                token_version: u.token_version,
            });
            state.accounts.put(user_id, account.clone());
            account
        }
    };
    match account {
        Some(a) if !a.disabled && a.token_version == token.token_version => Ok(CurrentUser {
            id: user_id,
            username: a.username,
            role: a.role,
            must_change_password: a.must_change_password,
            token_id: token.jti,
            token_expires_at: token.expires_at,
        }),
        _ => Err(revoked()),
    }
}

impl BearerAuth {
    /// Any role, but the initial password must have been changed.
    pub fn staff(&self) -> Result<&CurrentUser, ApiError> {
        if self.0.must_change_password {
            return Err(ApiError::forbidden(
                "password_change_required",
                "请先修改初始密码",
            ));
        }
        Ok(&self.0)
    }

    pub fn admin(&self) -> Result<&CurrentUser, ApiError> {
        let user = self.staff()?;
        if user.role != Role::Admin {
            return Err(ApiError::forbidden(
                "admin_required",
                "此操作需要管理员权限",
            ));
        }
        Ok(user)
    }
}
