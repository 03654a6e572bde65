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
use crate::domain::user::{DataScope, Role};
use crate::state::AppState;

/// The signed-in account, loaded fresh for every request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    /// Stored rights; read them through the methods below (admins have all of them).
    pub data_scope: DataScope,
    pub can_export: bool,
    pub can_delete: bool,
    /// The id and expiry of the token this request came with (what logout revokes).
    pub token_id: String,
    pub token_expires_at: i64,
}

impl CurrentUser {
    /// The local command line (`loan-broker import`, `export`): whoever runs it holds the
    /// database file, so it sees and may do what an admin may.
    pub fn operator() -> Self {
        Self {
            id: UserId(0),
            username: "cli".into(),
            role: Role::Admin,
            must_change_password: false,
            data_scope: DataScope::All,
            can_export: true,
            can_delete: true,
            token_id: String::new(),
            token_expires_at: 0,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Which customers this account sees.
    pub fn scope(&self) -> Scope {
        if self.is_admin() || self.data_scope == DataScope::All {
            Scope::All
        } else {
            Scope::OwnedBy(self.id)
        }
    }

    /// Sees phone and ID numbers of a customer with this owner in full (else 隐号).
    pub fn sees_numbers_of(&self, owner: Option<UserId>) -> bool {
        self.is_admin() || owner == Some(self.id)
    }

    /// Refuses (403) an export unless an admin granted it.
    pub fn check_may_export(&self) -> Result<(), Error> {
        if self.is_admin() || self.can_export {
            return Ok(());
        }
        Err(Error::forbidden(
            "export_not_allowed",
            "没有导出权限，请联系管理员在「用户管理」中开通",
        ))
    }

    /// Refuses (403) a deletion unless an admin granted it.
    pub fn check_may_delete(&self) -> Result<(), Error> {
        if self.is_admin() || self.can_delete {
            return Ok(());
        }
        Err(Error::forbidden(
            "delete_not_allowed",
            "没有删除权限，请联系管理员在「用户管理」中开通",
        ))
    }
}

/// The customers a caller sees: all of them, or those one account is 负责人 of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    OwnedBy(UserId),
}

impl Scope {
    /// Whether a customer with this owner is in the scope.
    pub fn includes(self, owner: Option<UserId>) -> bool {
        match self {
            Self::All => true,
            Self::OwnedBy(me) => owner == Some(me),
        }
    }

    /// The owner every listed customer must have, if any.
    pub fn owner(self) -> Option<UserId> {
        match self {
            Self::All => None,
            Self::OwnedBy(me) => Some(me),
        }
    }
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
                data_scope: u.data_scope,
                can_export: u.can_export,
                can_delete: u.can_delete,
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
            data_scope: a.data_scope,
            can_export: a.can_export,
            can_delete: a.can_delete,
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
