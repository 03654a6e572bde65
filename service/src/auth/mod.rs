//! Authentication (bearer JWT checked against the live account) and role guards.

pub mod bootstrap;
pub mod cache;
pub mod jwt;
pub mod password;
pub mod throttle;

use poem::{Request, RequestBody};
use poem_openapi::auth::Bearer;
use poem_openapi::registry::Registry;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};

use crate::app::Error;
use crate::db::{Cached, users};
use crate::domain::ids::UserId;
use crate::domain::user::Role;
use crate::state::AppState;

/// The signed-in account, loaded fresh for every request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    /// The id and expiry of the token this request came with (what logout revokes).
    pub token_id: String,
    pub token_expires_at: i64,
}

/// `Authorization: Bearer <token>` from `POST /api/auth/login`: any signed-in account, also one
/// that still has to change its initial password (it may only change it, see who it is, and
/// sign out).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_token")]
pub struct BearerAuth(pub CurrentUser);

async fn check_token(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from(Error::internal("state missing")))?;
    let revoked = || poem::Error::from(Error::unauthorized("登录已失效，请重新登录"));
    let token = state.jwt.verify(&bearer.token).ok_or_else(revoked)?;
    if state.revoked.contains(&token.jti) {
        return Err(revoked());
    }
    let user_id = UserId(token.user_id);
    // Read before loading: a change committed meanwhile leaves this copy labelled older.
    let generation = state.db.generation(Cached::Accounts);
    let account = match state.accounts.get(user_id, generation) {
        Some(cached) => cached,
        None => {
            let row = state
                .db
                .read(move |c| Ok::<_, Error>(users::by_id(c, user_id)?))
                .await?;
            let account = row.map(|u| cache::Account {
                username: u.username,
                role: u.role,
                must_change_password: u.must_change_password,
                disabled: u.disabled,
                token_version: u.token_version,
            });
            state.accounts.put(user_id, generation, account.clone());
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

/// A role requirement, checked after the token: refusals are 403 with the reason's code.
trait Guard {
    fn check(user: &CurrentUser) -> Result<(), Error>;
}

fn staff_check(user: &CurrentUser) -> Result<(), Error> {
    if user.must_change_password {
        return Err(Error::forbidden(
            "password_change_required",
            "请先修改初始密码",
        ));
    }
    Ok(())
}

/// Any role, once the initial password has been changed.
pub struct StaffAuth(pub CurrentUser);

/// An admin whose initial password has been changed.
pub struct AdminAuth(pub CurrentUser);

impl Guard for StaffAuth {
    fn check(user: &CurrentUser) -> Result<(), Error> {
        staff_check(user)
    }
}

impl Guard for AdminAuth {
    fn check(user: &CurrentUser) -> Result<(), Error> {
        staff_check(user)?;
        if user.role != Role::Admin {
            return Err(Error::forbidden("admin_required", "此操作需要管理员权限"));
        }
        Ok(())
    }
}

/// The guarded extractors are the bearer scheme in the spec (one security scheme, one token);
/// only their check differs.
macro_rules! guarded {
    ($($guard:ident),+) => {$(
        impl<'a> ApiExtractor<'a> for $guard {
            const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
            type ParamType = ();
            type ParamRawType = ();

            fn register(registry: &mut Registry) {
                <BearerAuth as ApiExtractor<'a>>::register(registry);
            }

            fn security_schemes() -> Vec<&'static str> {
                <BearerAuth as ApiExtractor<'a>>::security_schemes()
            }

            async fn from_request(
                req: &'a Request,
                body: &mut RequestBody,
                param_opts: ExtractParamOptions<Self::ParamType>,
            ) -> poem::Result<Self> {
                let BearerAuth(user) =
                    <BearerAuth as ApiExtractor<'a>>::from_request(req, body, param_opts).await?;
                <$guard as Guard>::check(&user)?;
                Ok(Self(user))
            }
        }
    )+};
}

guarded!(StaffAuth, AdminAuth);
