//! First-start work: the JWT secret and the initial `admin` account.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use rand::Rng;
use rusqlite::Connection;

use super::password;
use crate::config::{Settings, check_secret_file_mode, read_secret, weak_secret_reason};
use crate::db::users::{self, NewUser};
use crate::domain::user::Role;

pub const ADMIN_PASSWORD_FILE: &str = "initial-admin-password";
const JWT_SECRET_FILE: &str = "jwt-secret";

/// Writes a file readable by the owner only, without ever exposing it with wider permissions.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// The configured secret, or the one generated into the state dir on first start.
pub fn jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = read_secret(settings, settings.jwt_secret_file.as_deref(), "jwt_secret")?
    {
        anyhow::ensure!(
            secret.len() >= 32,
            "the JWT secret must be at least 32 characters long"
        );
        if let Some(reason) = weak_secret_reason(&secret) {
            anyhow::bail!(
                "the JWT secret is too easy to guess: {reason}. Generate one with `openssl rand -hex 32`"
            );
        }
        return Ok(secret.into_bytes());
    }
    let path = settings.state_dir().join(JWT_SECRET_FILE);
    if !path.exists() {
        let bytes: [u8; 48] = rand::rng().random();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        write_private(&path, &hex)?;
        tracing::info!(path = %path.display(), "generated a JWT secret");
    }
    check_secret_file_mode(&path)?;
    Ok(std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .trim()
        .as_bytes()
        .to_vec())
}

/// Creates `admin` when there are no users. The password is the configured one, or a generated
/// one written to `<state_dir>/initial-admin-password` (0600). Its path is logged, never its value.
pub fn ensure_admin(conn: &Connection, settings: &Settings) -> anyhow::Result<()> {
    if users::count(conn)? > 0 {
        return Ok(());
    }
    let (password, source) = match read_secret(
        settings,
        settings.initial_admin_password_file.as_deref(),
        "initial_admin_password",
    )? {
        Some(pw) => (pw, "configured file"),
        None => {
            let pw = password::generate_password();
            let path = settings.state_dir().join(ADMIN_PASSWORD_FILE);
            let _ = std::fs::remove_file(&path);
            write_private(&path, &format!("{pw}\n"))?;
            tracing::info!(path = %path.display(), "initial admin password written (must be changed at first login)");
            (pw, "generated")
        }
    };
    let hash = password::hash_blocking(&password)?;
    users::insert(
        conn,
        &NewUser {
            username: "admin",
            display_name: "管理员",
            role: Role::Admin,
            password_hash: &hash,
            must_change_password: true,
            rights: users::Rights::default_for(Role::Admin),
        },
    )?;
    tracing::info!(source, "created the initial admin account");
    Ok(())
}
