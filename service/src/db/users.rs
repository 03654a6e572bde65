//! Accounts table.

use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, Order, Query};

use super::sql;
use crate::domain::user::{Role, User};

pub const TABLE: &str = "users";
const COLUMNS: [&str; 13] = [
    "id",
    "username",
    "display_name",
    "role",
    "password_hash",
    "must_change_password",
    "disabled",
    "token_version",
    "failed_logins",
    "locked_until",
    "last_login_at",
    "created_at",
    "updated_at",
];

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub token_version: i64,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl UserRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let role: String = r.get(3)?;
        Ok(Self {
            id: r.get(0)?,
            username: r.get(1)?,
            display_name: r.get(2)?,
            role: Role::from_code(&role).unwrap_or(Role::Staff),
            password_hash: r.get(4)?,
            must_change_password: r.get(5)?,
            disabled: r.get(6)?,
            token_version: r.get(7)?,
            failed_logins: r.get(8)?,
            locked_until: r.get(9)?,
            last_login_at: r.get(10)?,
            created_at: r.get(11)?,
            updated_at: r.get(12)?,
        })
    }

    pub fn is_locked(&self, now: &str) -> bool {
        self.locked_until
            .as_deref()
            .is_some_and(|until| until > now)
    }

    pub fn to_api(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            locked: self.is_locked(&sql::now()),
            last_login_at: self.last_login_at.clone(),
            created_at: self.created_at.clone(),
        }
    }
}

pub fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<UserRow>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::query_opt(conn, &q, UserRow::from_row)
}

pub fn by_username(conn: &Connection, username: &str) -> rusqlite::Result<Option<UserRow>> {
    // COLLATE NOCASE on the column makes this case-insensitive.
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("username").eq(username))
        .to_owned();
    sql::query_opt(conn, &q, UserRow::from_row)
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<UserRow>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .order_by("id", Order::Asc)
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
}

pub fn insert(conn: &Connection, u: &NewUser<'_>) -> rusqlite::Result<i64> {
    let now = sql::now();
    let q = Query::insert()
        .into_table(TABLE)
        .columns([
            "username",
            "display_name",
            "role",
            "password_hash",
            "must_change_password",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            u.username.into(),
            u.display_name.into(),
            u.role.code().into(),
            u.password_hash.into(),
            u.must_change_password.into(),
            now.clone().into(),
            now.into(),
        ])
        .to_owned();
    sql::insert(conn, &q)
}

/// Replaces the password; bumping `token_version` revokes every token issued before.
pub fn set_password(
    conn: &Connection,
    id: i64,
    hash: &str,
    must_change: bool,
) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("password_hash", hash)
        .value("must_change_password", must_change)
        .value("token_version", Expr::col("token_version").add(1))
        .value("failed_logins", 0)
        .value("locked_until", Option::<String>::None)
        .value("updated_at", sql::now())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub unlock: bool,
}

pub fn update(conn: &Connection, id: i64, c: &UserChanges) -> rusqlite::Result<usize> {
    let mut q = Query::update();
    q.table(TABLE)
        .value("updated_at", sql::now())
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
    if c.unlock {
        q.value("failed_logins", 0)
            .value("locked_until", Option::<String>::None);
    }
    sql::execute(conn, &q)
}

/// Counts a failed login; locks the account once `max_failures` is reached.
pub fn record_failure(
    conn: &Connection,
    id: i64,
    max_failures: u32,
    lock_until: &str,
) -> rusqlite::Result<bool> {
    let q = Query::update()
        .table(TABLE)
        .value("failed_logins", Expr::col("failed_logins").add(1))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)?;
    let failures = by_id(conn, id)?.map(|u| u.failed_logins).unwrap_or(0);
    if failures >= i64::from(max_failures) {
        let q = Query::update()
            .table(TABLE)
            .value("locked_until", lock_until)
            .value("failed_logins", 0)
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        sql::execute(conn, &q)?;
        return Ok(true);
    }
    Ok(false)
}

pub fn record_success(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("failed_logins", 0)
        .value("locked_until", Option::<String>::None)
        .value("last_login_at", sql::now())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    sql::execute(conn, &q)
}

pub fn admin_count_active(conn: &Connection) -> rusqlite::Result<i64> {
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("role").eq("admin"))
        .and_where(Expr::col("disabled").eq(false))
        .to_owned();
    sql::count(conn, &q)
}
