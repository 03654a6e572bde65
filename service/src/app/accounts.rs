//! Accounts: sign-in and sign-out, passwords, and the administration of users.

use std::collections::HashMap;

use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::auth::password::Hasher;
use crate::auth::throttle::client_key;
use crate::config::Settings;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::users::{self, Counter, NewUser, Rights, UserChanges, UserRow};
use crate::db::{Db, UnitOfWork, customers, follow_ups};
use crate::domain::ids::UserId;
use crate::domain::timestamp::Timestamp;
use crate::domain::user::{
    Role, User, normalize_username, validate_display_name, validate_password, validate_username,
};
use crate::domain::vocab::{AuditAction, DataScope};
use crate::state::AppState;

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

fn no_such_user() -> Error {
    Error::not_found("用户不存在")
}

async fn user_row(db: &Db, id: UserId) -> Result<Option<UserRow>> {
    db.read(move |c| Ok(users::by_id(c, id)?)).await
}

/// A freshly issued token.
pub struct SignedIn {
    pub access_token: String,
    pub expires_in: i64,
    pub must_change_password: bool,
}

fn issue(state: &AppState, id: UserId, token_version: i64, must_change: bool) -> Result<SignedIn> {
    let access_token = state
        .jwt
        .issue(id.get(), token_version)
        .map_err(Error::internal)?;
    Ok(SignedIn {
        access_token,
        expires_in: state.jwt.ttl_seconds,
        must_change_password: must_change,
    })
}

/// The one answer to every refused sign-in (wrong password, unknown or disabled account, a
/// lock): telling them apart would tell an attacker which accounts exist and which are locked.
fn refused() -> Error {
    Error::unauthorized(
        "用户名或密码错误；连续多次失败后账户会暂时锁定，请稍后再试或联系管理员解锁",
    )
}

/// The account a sign-in names, and whether its counters let this attempt be evaluated.
struct Attempt {
    user: Option<UserRow>,
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
) -> Result<Attempt> {
    let now = Timestamp::now();
    let until =
        Timestamp::at(now.get() + chrono::Duration::minutes(settings.lockout_minutes.into()));
    users::purge_ended_windows(tx, now)?;
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
    let count = users::count_attempt(tx, &per_client, now, until)?;
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
        let count = users::count_attempt(tx, &all, now, until)?;
        allowed = count <= i64::from(all.max_failures);
        last_try |= count == i64::from(all.max_failures);
    }
    Ok(Attempt {
        user: Some(user),
        allowed,
        last_try,
    })
}

/// Signs in. Repeated failures lock the account for a while for the failing client, many
/// failures from everywhere lock it for all; a locked account answers like a wrong password.
pub async fn login(
    state: &AppState,
    mut actor: Actor,
    username: &str,
    password: String,
) -> Result<SignedIn> {
    let slot = state.hasher.reserve()?;
    let client = client_key(actor.ip.as_deref());
    if !state.login_clients.admit(&client) {
        return Err(Error::too_many(format!(
            "登录尝试过多，请 {} 分钟后再试",
            state.settings.lockout_minutes
        )));
    }
    let username = normalize_username(username);
    let settings = state.settings.clone();
    let (name, key) = (username.clone(), client.clone());
    let attempt = state
        .db
        .bookkeeping(move |tx| count_attempt(tx, &name, &key, &settings))
        .await?;
    let evaluated = attempt
        .user
        .as_ref()
        .filter(|_| attempt.allowed)
        .map(|u| u.password_hash.clone());
    let ok = state.hasher.verify(slot, password, evaluated).await? && attempt.allowed;
    actor.username = Some(username);
    let Attempt {
        user,
        allowed,
        last_try,
    } = attempt;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        other => {
            actor.user_id = other.map(|u| u.id);
            let (action, resource) = match (actor.user_id, allowed) {
                (Some(id), false) => (AuditAction::LoginRefused, Resource::User(id)),
                (Some(id), true) if last_try => (AuditAction::Locked, Resource::User(id)),
                (Some(id), true) => (AuditAction::LoginFailed, Resource::User(id)),
                (None, _) => (AuditAction::LoginFailed, Resource::UnknownUser),
            };
            state
                .db
                .change(actor, move |uow: UnitOfWork<'_>| {
                    Ok::<_, Error>(uow.commit(action, Change::on(resource), ())?)
                })
                .await?;
            return Err(refused());
        }
    };
    state.login_clients.take_back(&client);
    actor.user_id = Some(user.id);
    let id = user.id;
    state
        .db
        .change(actor, move |uow: UnitOfWork<'_>| {
            users::count_success(&uow, id, &client)?;
            Ok::<_, Error>(uow.commit(AuditAction::Login, Change::on(Resource::User(id)), ())?)
        })
        .await?;
    issue(
        state,
        user.id,
        user.token_version,
        user.must_change_password,
    )
}

/// Signs out: this token stops working at once (other sessions stay signed in).
pub async fn logout(state: &AppState, actor: Actor, user: &CurrentUser) -> Result<()> {
    let (id, jti, expires_at) = (user.id, user.token_id.clone(), user.token_expires_at);
    let revoked = jti.clone();
    state
        .db
        .change(actor, move |uow: UnitOfWork<'_>| {
            users::revoke_token(&uow, &revoked, id, expires_at)?;
            Ok::<_, Error>(uow.commit(AuditAction::Logout, Change::on(Resource::User(id)), ())?)
        })
        .await?;
    state.revoked.insert(jti, expires_at);
    Ok(())
}

/// Changes the caller's own password; every token issued before stops working.
pub async fn change_password(
    state: &AppState,
    actor: Actor,
    id: UserId,
    current_password: String,
    new_password: String,
) -> Result<SignedIn> {
    let user = user_row(&state.db, id)
        .await?
        .ok_or_else(|| Error::unauthorized("账户不存在"))?;
    validate_password(
        &new_password,
        &known_words(&user.username, &user.display_name, &state.settings),
    )
    .map_err(|m| Error::validation("new_password", m))?;
    if new_password == current_password {
        return Err(Error::validation(
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
        return Err(Error::validation("current_password", "当前密码不正确"));
    }
    let hash = state.hasher.hash(new_password).await?;
    let version = state
        .db
        .change(actor, move |uow: UnitOfWork<'_>| {
            users::set_password(&uow, id, &hash, false)?;
            let version = users::by_id(&uow, id)?
                .map(|u| u.token_version)
                .ok_or_else(no_such_user)?;
            let change = Change::on(Resource::User(id));
            Ok::<_, Error>(uow.commit(AuditAction::ChangePassword, change, version)?)
        })
        .await?;
    issue(state, id, version, false)
}

/// The signed-in account as stored now.
pub async fn me(db: &Db, id: UserId) -> Result<UserRow> {
    user_row(db, id)
        .await?
        .ok_or_else(|| Error::unauthorized("账户不存在"))
}

pub async fn list(db: &Db) -> Result<Vec<User>> {
    let (rows, owned) = db
        .read(|c| Ok::<_, Error>((users::list(c)?, customers::counts_by_owner(c)?)))
        .await?;
    let owned: HashMap<UserId, i64> = owned.into_iter().collect();
    Ok(rows
        .iter()
        .map(|r| User {
            owned_customers: owned.get(&r.id).copied().unwrap_or(0),
            ..r.to_api()
        })
        .collect())
}

/// What a handover (离职交接) moved.
#[derive(poem_openapi::Object, serde::Serialize, Debug, Clone, PartialEq)]
pub struct HandoverResult {
    pub from_user_id: UserId,
    pub to_user_id: UserId,
    /// Customers (also those in the recycle bin) whose 负责人 is now the new user.
    pub customers: i64,
    /// Open follow-ups now assigned to the new user.
    pub follow_ups: i64,
    /// Plans and applications of the moved customers: they follow their customer.
    pub plans: i64,
    pub applications: i64,
}

/// Moves everything `from` is responsible for to `to` in one transaction, audited: the
/// customers it owns (their plans and applications follow them — who sees those is decided by
/// the customer's owner) and its open follow-ups.
pub async fn handover(db: &Db, actor: Actor, from: UserId, to: UserId) -> Result<HandoverResult> {
    if from == to {
        return Err(Error::validation("to_user_id", "请选择另一位同事接手"));
    }
    db.change(actor, move |uow: UnitOfWork<'_>| {
        users::by_id(&uow, from)?.ok_or_else(no_such_user)?;
        match users::by_id(&uow, to)? {
            None => return Err(Error::validation("to_user_id", "接手人不存在")),
            Some(u) if u.disabled => {
                return Err(Error::validation(
                    "to_user_id",
                    "接手人已停用，请选择启用中的同事",
                ));
            }
            Some(_) => {}
        }
        let moved = customers::transfer_owner(&uow, from, to)?;
        let result = HandoverResult {
            from_user_id: from,
            to_user_id: to,
            customers: moved.len() as i64,
            follow_ups: follow_ups::reassign_open(&uow, from, to)? as i64,
            plans: customers::count_of_customers(&uow, "plans", &moved)?,
            applications: customers::count_of_customers(&uow, "applications", &moved)?,
        };
        let change = Change::on(Resource::User(from)).after(&result);
        Ok(uow.commit(AuditAction::Handover, change, result)?)
    })
    .await
}

pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The initial password; the user must change it at first sign-in.
    pub password: String,
    /// Unset: what the role gets by default ([`Rights::default_for`]).
    pub data_scope: Option<DataScope>,
    pub can_export: Option<bool>,
    pub can_delete: Option<bool>,
}

pub async fn create(
    db: &Db,
    hasher: &Hasher,
    settings: &Settings,
    actor: Actor,
    new: NewAccount,
) -> Result<User> {
    let NewAccount {
        username,
        display_name,
        role,
        password,
        data_scope,
        can_export,
        can_delete,
    } = new;
    let defaults = Rights::default_for(role);
    let rights = Rights {
        data_scope: data_scope.unwrap_or(defaults.data_scope),
        can_export: can_export.unwrap_or(defaults.can_export),
        can_delete: can_delete.unwrap_or(defaults.can_delete),
    };
    let username = normalize_username(&username);
    validate_username(&username).map_err(|m| Error::validation("username", m))?;
    validate_display_name(&display_name).map_err(|m| Error::validation("display_name", m))?;
    validate_password(
        &password,
        &known_words(&username, display_name.trim(), settings),
    )
    .map_err(|m| Error::validation("password", m))?;
    let hash = hasher.hash(password).await?;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        if users::by_username(&uow, &username)?.is_some() {
            return Err(Error::conflict(
                "username",
                format!("用户名「{username}」已存在"),
            ));
        }
        let id = users::insert(
            &uow,
            &NewUser {
                username: &username,
                display_name: display_name.trim(),
                role,
                password_hash: &hash,
                must_change_password: true,
                rights,
            },
        )?;
        let user = users::by_id(&uow, id)?
            .ok_or_else(|| Error::internal("user vanished"))?
            .to_api();
        let change = Change::on(Resource::User(id)).after(&user);
        Ok(uow.commit(AuditAction::UserCreate, change, user)?)
    })
    .await
}

#[derive(Default)]
pub struct AccountPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// Disabling revokes the user's tokens at once.
    pub disabled: Option<bool>,
    /// A new one-time password (must be changed at next sign-in).
    pub password: Option<String>,
    /// Clears a lockout after repeated failed sign-ins.
    pub unlock: bool,
    pub data_scope: Option<DataScope>,
    pub can_export: Option<bool>,
    pub can_delete: Option<bool>,
}

pub async fn update(
    db: &Db,
    hasher: &Hasher,
    settings: &Settings,
    actor: Actor,
    id: UserId,
    patch: AccountPatch,
) -> Result<User> {
    if let Some(name) = &patch.display_name {
        validate_display_name(name).map_err(|m| Error::validation("display_name", m))?;
    }
    let new_hash = match &patch.password {
        Some(pw) => {
            let user = user_row(db, id).await?.ok_or_else(no_such_user)?;
            let name = patch.display_name.as_deref().unwrap_or(&user.display_name);
            validate_password(pw, &known_words(&user.username, name, settings))
                .map_err(|m| Error::validation("password", m))?;
            Some(hasher.hash(pw.clone()).await?)
        }
        None => None,
    };
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = users::by_id(&uow, id)?.ok_or_else(no_such_user)?;
        let demotes = patch.role == Some(Role::Staff) || patch.disabled == Some(true);
        if demotes
            && before.role == Role::Admin
            && !before.disabled
            && users::admin_count_active(&uow)? <= 1
        {
            return Err(Error::validation("role", "至少需要保留一个启用的管理员"));
        }
        let role = patch.role.filter(|r| *r != before.role);
        // A demoted admin starts from what new staff get, unless the same change says otherwise.
        let reset = (role == Some(Role::Staff)).then(|| Rights::default_for(Role::Staff));
        let changes = UserChanges {
            display_name: patch.display_name.map(|n| n.trim().to_string()),
            role,
            disabled: patch.disabled.filter(|d| *d != before.disabled),
            unlock: patch.unlock,
            data_scope: patch.data_scope.or(reset.map(|r| r.data_scope)),
            can_export: patch.can_export.or(reset.map(|r| r.can_export)),
            can_delete: patch.can_delete.or(reset.map(|r| r.can_delete)),
        };
        users::update(&uow, id, &changes)?;
        if let Some(hash) = &new_hash {
            users::set_password(&uow, id, hash, true)?;
        }
        let after = users::by_id(&uow, id)?
            .ok_or_else(|| Error::internal("user vanished"))?
            .to_api();
        let change = Change::on(Resource::User(id))
            .before(&before.to_api())
            .after(&after);
        Ok(uow.commit(AuditAction::UserUpdate, change, after)?)
    })
    .await
}

/// Ends every session of the account: all its tokens stop working at once.
pub async fn end_sessions(db: &Db, actor: Actor, id: UserId) -> Result<()> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        if users::end_sessions(&uow, id)? == 0 {
            return Err(no_such_user());
        }
        Ok(uow.commit(AuditAction::EndSessions, Change::on(Resource::User(id)), ())?)
    })
    .await
}

async fn by_name(db: &Db, username: &str) -> Result<UserRow> {
    let name = username.to_string();
    db.read(move |c| Ok::<_, Error>(users::by_username(c, &name)?))
        .await?
        .ok_or_else(|| Error::not_found(format!("no user named {username:?}")))
}

/// Sets a new generated one-time password, enables and unlocks the account, and signs out
/// every session; returns the account's name and the password (shown once).
pub async fn reset_password(
    db: &Db,
    hasher: &Hasher,
    actor: Actor,
    username: &str,
) -> Result<(String, String)> {
    let user = by_name(db, username).await?;
    let password = crate::auth::password::generate_password();
    let hash = hasher.hash(password.clone()).await?;
    let id = user.id;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        // Also lifts any lock: set_password forgets the failed sign-ins.
        users::set_password(&uow, id, &hash, true)?;
        let enable = UserChanges {
            display_name: None,
            role: None,
            disabled: Some(false),
            unlock: true,
            data_scope: None,
            can_export: None,
            can_delete: None,
        };
        users::update(&uow, id, &enable)?;
        let change = Change::on(Resource::User(id));
        Ok::<_, Error>(uow.commit(AuditAction::ResetPassword, change, ())?)
    })
    .await?;
    Ok((user.username, password))
}

/// Lifts the lock failed sign-ins put on an account, for every client; returns its name.
pub async fn unlock(db: &Db, actor: Actor, username: &str) -> Result<String> {
    let user = by_name(db, username).await?;
    let id = user.id;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        users::unlock(&uow, id)?;
        Ok::<_, Error>(uow.commit(AuditAction::Unlock, Change::on(Resource::User(id)), ())?)
    })
    .await?;
    Ok(user.username)
}
