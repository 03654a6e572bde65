//! Accounts as the API sees them.

use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

#[derive(Enum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Users, settings, rules, audit — and everything staff can do.
    Admin,
    /// Customers, diagnoses, plans.
    Staff,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    pub locked: bool,
    #[oai(nullable)]
    pub last_login_at: Option<String>,
    pub created_at: String,
}

/// Usernames are ASCII so they can be typed on any keyboard and used in CLI commands.
pub fn validate_username(name: &str) -> Result<(), String> {
    let ok_len = (3..=32).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok_len
        && ok_chars
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err("用户名须为 3–32 位字母、数字或 . _ -，且以字母或数字开头".into())
    }
}

pub fn validate_password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < 10 {
        return Err("密码至少 10 位".into());
    }
    if len > 128 {
        return Err("密码不能超过 128 位".into());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 2 {
        return Err("密码须包含字母、数字、符号中的至少两类".into());
    }
    Ok(())
}

pub fn validate_display_name(name: &str) -> Result<(), String> {
    let len = name.trim().chars().count();
    if (1..=50).contains(&len) {
        Ok(())
    } else {
        Err("姓名须为 1–50 个字符".into())
    }
}
