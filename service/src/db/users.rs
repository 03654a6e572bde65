//! Accounts table, failed-login counters and revoked tokens.

use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

use super::sql;
use crate::domain::ids::UserId;
use crate::domain::timestamp::Timestamp;
use crate::domain::user::{Role, User, normalize_username};
use crate::domain::vocab::DataScope;

pub const TABLE: &str = "users";
const FAILURES: &str = "login_failures";
const REVOKED: &str = "revoked_tokens";
/// The `login_failures.client` of the per-account counter over all clients.
pub const ALL_CLIENTS: &str = "*";
const COLUMNS: [&str; 14] = [
    "id",
    "username",
    "display_name",
    "role",
    "password_hash",
    "must_change_password",
    "disabled",
    "token_version",
    "data_scope",
    "can_export",
    "can_delete",
    "last_login_at",
    "created_at",
    "updated_at",
];

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub token_version: i64,
    pub data_scope: DataScope,
    pub can_export: bool,
    pub can_delete: bool,
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A failed-login counter of this account (for some client or for all) is at its limit.
    pub locked: bool,
}

impl UserRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let id: i64 = r.get("id")?;
        sql::in_row(TABLE, id, Self::decode(id, r))
    }

    fn decode(id: i64, r: &Row<'_>) -> rusqlite::Result<Self> {
        let role: String = r.get("role")?;
        // A stored value this build cannot interpret: the row is refused, never read as another.
        let role = Role::from_code(&role)
            .ok_or_else(|| sql::bad_row(TABLE, id, format!("role: unknown value {role:?}")))?;
        let scope: String = r.get("data_scope")?;
        let data_scope = DataScope::from_code(&scope).ok_or_else(|| {
            sql::bad_row(TABLE, id, format!("data_scope: unknown value {scope:?}"))
        })?;
        Ok(Self {
            id: r.get("id")?,
            username: r.get("username")?,
            display_name: r.get("display_name")?,
            role,
            password_hash: r.get("password_hash")?,
            must_change_password: r.get("must_change_password")?,
            disabled: r.get("disabled")?,
            token_version: r.get("token_version")?,
            data_scope,
            can_export: r.get("can_export")?,
            can_delete: r.get("can_delete")?,
            last_login_at: r.get("last_login_at")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
            locked: r.get("locked")?,
        })
    }

    pub fn to_api(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            locked: self.locked,
            data_scope: self.data_scope,
            can_export: self.can_export,
            can_delete: self.can_delete,
            owned_customers: 0,
            last_login_at: self.last_login_at,
            created_at: self.created_at,
        }
    }
}

/// The account columns plus `locked`, computed from the live failure counters.
fn select_users() -> SelectStatement {
    let at_limit = Query::select()
        .expr(Expr::val(1))
        .from(FAILURES)
        .and_where(Expr::col((FAILURES, "user_id")).equals((TABLE, "id")))
        .and_where(Expr::col((FAILURES, "failures")).gte(Expr::col((FAILURES, "max_failures"))))
        .and_where(Expr::col((FAILURES, "window_until")).gt(Timestamp::now()))
        .to_owned();
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .expr_as(Expr::exists(at_limit), "locked")
        .from(TABLE)
        .to_owned()
}

pub fn by_id(conn: &Connection, id: UserId) -> rusqlite::Result<Option<UserRow>> {
    let q = select_users()
        .and_where(Expr::col((TABLE, "id")).eq(id))
        .to_owned();
    sql::query_opt(conn, &q, UserRow::from_row)
}

/// Looks the name up in its normalised spelling (COLLATE NOCASE on the column also matches
/// mixed-case names stored before normalisation existed).
pub fn by_username(conn: &Connection, username: &str) -> rusqlite::Result<Option<UserRow>> {
    let q = select_users()
        .and_where(Expr::col((TABLE, "username")).eq(normalize_username(username)))
        .to_owned();
    sql::query_opt(conn, &q, UserRow::from_row)
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<UserRow>> {
    let q = select_users()
        .order_by((TABLE, "id"), Order::Asc)
        .to_owned();
    sql::query_all(conn, &q, UserRow::from_row)
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    sql::count(
        conn,
        &Query::select()
            .expr(Expr::col("id").count())
            .from(TABLE)
            .to_owned(),
    )
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub rights: Rights,
}

/// What an account may see and do beyond its role (admins: everything, whatever is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    pub data_scope: DataScope,
    pub can_export: bool,
    pub can_delete: bool,
}

impl Rights {
    /// New staff: own customers only, no export, no delete; admins: all.
    pub fn default_for(role: Role) -> Self {
        let admin = role == Role::Admin;
        Self {
            data_scope: if admin {
                DataScope::All
            } else {
                DataScope::Own
            },
            can_export: admin,
            can_delete: admin,
        }
    }
}

pub fn insert(conn: &Connection, u: &NewUser<'_>) -> rusqlite::Result<UserId> {
    let now = Timestamp::now();
    let q = Query::insert()
        .into_table(TABLE)
        .columns([
            "username",
            "display_name",
            "role",
            "password_hash",
            "must_change_password",
            "data_scope",
            "can_export",
            "can_delete",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            normalize_username(u.username).into(),
            u.display_name.into(),
            u.role.code().into(),
            u.password_hash.into(),
            u.must_change_password.into(),
            u.rights.data_scope.code().into(),
            u.rights.can_export.into(),
            u.rights.can_delete.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    sql::insert(conn, &q).map(UserId)
}

/// Replaces the password; bumping `token_version` revokes every token issued before.
pub fn set_password(
    conn: &Connection,
    id: UserId,
    hash: &str,
    must_change: bool,
) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("password_hash", hash)
        .value("must_change_password", must_change)
        .value("token_version", Expr::col("token_version").add(1))
        .value("updated_at", Timestamp::now())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    unlock(conn, id)?;
    sql::execute(conn, &q)
}

pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub unlock: bool,
    pub data_scope: Option<DataScope>,
    pub can_export: Option<bool>,
    pub can_delete: Option<bool>,
}

pub fn update(conn: &Connection, id: UserId, c: &UserChanges) -> rusqlite::Result<usize> {
    let mut q = Query::update();
    q.table(TABLE)
        .value("updated_at", Timestamp::now())
        .and_where(Expr::col("id").eq(id));
    if let Some(name) = &c.display_name {
        q.value("display_name", name.as_str());
    }
    if let Some(role) = c.role {
        q.value("role", role.code());
        q.value("token_version", Expr::col("token_version").add(1));
    }
    if let Some(disabled) = c.disabled {
        q.value("disabled", disabled);
        q.value("token_version", Expr::col("token_version").add(1));
    }
    if let Some(scope) = c.data_scope {
        q.value("data_scope", scope.code());
    }
    if let Some(v) = c.can_export {
        q.value("can_export", v);
    }
    if let Some(v) = c.can_delete {
        q.value("can_delete", v);
    }
    if c.unlock {
        unlock(conn, id)?;
    }
    sql::execute(conn, &q)
}

/// Ends every sign-in session of the account (all tokens issued so far stop working).
pub fn end_sessions(conn: &Connection, id: UserId) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("token_version", Expr::col("token_version").add(1))
        .value("updated_at", Timestamp::now())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

/// Lifts every lock of the account: the counters for all clients are forgotten.
pub fn unlock(conn: &Connection, id: UserId) -> rusqlite::Result<usize> {
    let q = Query::delete()
        .from_table(FAILURES)
        .and_where(Expr::col("user_id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

/// One counter's key and policy for [`count_attempt`].
pub struct Counter<'a> {
    pub user_id: UserId,
    /// The client address, or [`ALL_CLIENTS`].
    pub client: &'a str,
    pub max_failures: u32,
}

/// Counts one login attempt *before* its password is checked and returns the count including
/// it: a count above `max_failures` means the attempt must not be evaluated. One statement
/// reads and bumps the counter, so concurrent attempts each see a distinct count. A window
/// (`lock_until` = now + the lockout time) opens at the first failure; one that has ended
/// starts over at 1, and reaching the limit restarts it, so a lock lasts the full lockout time.
pub fn count_attempt(
    conn: &Connection,
    counter: &Counter<'_>,
    now: Timestamp,
    lock_until: Timestamp,
) -> rusqlite::Result<i64> {
    let ended = Expr::col("window_until").lte(now);
    let max = i64::from(counter.max_failures);
    let failures = Expr::case(ended.clone(), 1).finally(Expr::col("failures").add(1));
    let window = Expr::case(ended.or(Expr::col("failures").add(1).eq(max)), lock_until)
        .finally(Expr::col("window_until"));
    let q = Query::insert()
        .into_table(FAILURES)
        .columns([
            "user_id",
            "client",
            "failures",
            "max_failures",
            "window_until",
        ])
        .values_panic([
            counter.user_id.into(),
            counter.client.into(),
            1.into(),
            max.into(),
            lock_until.into(),
        ])
        .on_conflict(
            OnConflict::columns(["user_id", "client"])
                .value("failures", failures)
                .value("window_until", window)
                .value("max_failures", max)
                .to_owned(),
        )
        .returning_col("failures")
        .to_owned();
    sql::query_opt(conn, &q, |r| r.get("failures"))?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// A successful sign-in: the client's counter is cleared, and its attempt no longer counts
/// against the account (the other clients' attempts still do).
pub fn count_success(conn: &Connection, user_id: UserId, client: &str) -> rusqlite::Result<()> {
    let q = Query::delete()
        .from_table(FAILURES)
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("client").eq(client))
        .to_owned();
    sql::execute(conn, &q)?;
    let q = Query::update()
        .table(FAILURES)
        .value("failures", Expr::col("failures").sub(1))
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("client").eq(ALL_CLIENTS))
        .and_where(Expr::col("failures").gt(0))
        .to_owned();
    sql::execute(conn, &q)?;
    let q = Query::update()
        .table(TABLE)
        .value("last_login_at", Timestamp::now())
        .and_where(Expr::col("id").eq(user_id))
        .to_owned();
    sql::execute(conn, &q)?;
    Ok(())
}

/// Drops counters whose window has ended.
pub fn purge_ended_windows(conn: &Connection, now: Timestamp) -> rusqlite::Result<usize> {
    let q = Query::delete()
        .from_table(FAILURES)
        .and_where(Expr::col("window_until").lte(now))
        .to_owned();
    sql::execute(conn, &q)
}

/// Remembers a signed-out token until it expires; drops the entries of expired ones.
pub fn revoke_token(
    conn: &Connection,
    jti: &str,
    user_id: UserId,
    expires_at: i64,
) -> rusqlite::Result<()> {
    let q = Query::insert()
        .into_table(REVOKED)
        .columns(["jti", "user_id", "expires_at"])
        .values_panic([jti.into(), user_id.into(), expires_at.into()])
        .on_conflict(OnConflict::column("jti").do_nothing().to_owned())
        .to_owned();
    sql::execute(conn, &q)?;
    let q = Query::delete()
        .from_table(REVOKED)
        .and_where(Expr::col("expires_at").lt(chrono::Utc::now().timestamp()))
        .to_owned();
    sql::execute(conn, &q)?;
    Ok(())
}

/// The signed-out tokens that have not expired yet: `(jti, expires_at)`.
pub fn revoked_tokens(conn: &Connection, now: i64) -> rusqlite::Result<Vec<(String, i64)>> {
    let q = Query::select()
        .columns(["jti", "expires_at"])
        .from(REVOKED)
        .and_where(Expr::col("expires_at").gte(now))
        .to_owned();
    sql::query_all(conn, &q, |r| Ok((r.get("jti")?, r.get("expires_at")?)))
}

pub fn admin_count_active(conn: &Connection) -> rusqlite::Result<i64> {
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("role").eq(Role::Admin.code()))
        .and_where(Expr::col("disabled").eq(false))
        .to_owned();
    sql::count(conn, &q)
}
