//! Sign-in, password change, current account.

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::actor;
use crate::app::accounts::{self, SignedIn};
use crate::auth::BearerAuth;
use crate::domain::ids::UserId;
use crate::domain::user::{DataScope, Role};
use crate::error::Fails;
use crate::error::status::{BODY, DB, SIGNED_IN, TOO_MANY_REQUESTS, UNAUTHORIZED};
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

impl From<SignedIn> for TokenResponse {
    fn from(s: SignedIn) -> Self {
        Self {
            access_token: s.access_token,
            token_type: "Bearer".into(),
            expires_in: s.expires_in,
            must_change_password: s.must_change_password,
        }
    }
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

#[derive(Object)]
pub struct Me {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub must_change_password: bool,
    /// Which customers this account sees (admins: all).
    pub data_scope: DataScope,
    /// May export customer and application lists.
    pub can_export: bool,
    /// May move customers to the recycle bin and delete documents.
    pub can_delete: bool,
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
    ) -> Result<Json<TokenResponse>, Fails<{ BODY | UNAUTHORIZED | TOO_MANY_REQUESTS | DB }>> {
        let LoginRequest { username, password } = body.0;
        let who = actor(&state, req, None);
        let signed_in = accounts::login(&state, who, &username, password).await?;
        Ok(Json(signed_in.into()))
    }

    /// Sign out: this token stops working at once (other sessions stay signed in)
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
    ) -> Result<LoggedOut, Fails<SIGNED_IN>> {
        let who = actor(&state, req, Some(&auth.0));
        accounts::logout(&state, who, &auth.0).await?;
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
    ) -> Result<Json<TokenResponse>, Fails<{ SIGNED_IN | BODY }>> {
        let ChangePasswordRequest {
            current_password,
            new_password,
        } = body.0;
        let who = actor(&state, req, Some(&auth.0));
        let signed_in =
            accounts::change_password(&state, who, auth.0.id, current_password, new_password)
                .await?;
        Ok(Json(signed_in.into()))
    }

    /// The signed-in account
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> Result<Json<Me>, Fails<SIGNED_IN>> {
        let u = accounts::me(&state.db, auth.0.id).await?;
        Ok(Json(Me {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            must_change_password: u.must_change_password,
            data_scope: if u.role == Role::Admin {
                DataScope::All
            } else {
                u.data_scope
            },
            can_export: u.role == Role::Admin || u.can_export,
            can_delete: u.role == Role::Admin || u.can_delete,
        }))
    }
}
