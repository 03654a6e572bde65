//! Whether a database file may be used: a database is created only for a new instance, and an
//! existing one that is empty, unreadable or damaged stops the service with its path and the way
//! back (a backup checked with `loan-broker check-db`). Data is never replaced silently.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};

use super::{PRAGMAS, files};

/// Where operators find the procedure (kept in step with the README's section title).
pub const RESTORE_HINT: &str = "To restore: stop the service, check the newest backup with \
`loan-broker check-db --file <backup>`, copy it over the database file (and delete its -wal and \
-shm files), then start the service again. See \"Restoring from a backup\" in the README.";

/// Files that only an instance which has run leaves in its state dir.
fn earlier_instance_evidence(state_dir: &Path, db_path: &Path) -> Vec<PathBuf> {
    let non_empty_dir = |p: &Path| std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_some());
    let mut found: Vec<PathBuf> = ["jwt-secret", "initial-admin-password", "backups"]
        .iter()
        .map(|n| state_dir.join(n))
        .filter(|p| p.exists())
        .collect();
    let uploads = state_dir.join("uploads");
    if non_empty_dir(&uploads) {
        found.push(uploads);
    }
    found.extend(
        ["db-wal", "db-shm"]
            .iter()
            .map(|ext| db_path.with_extension(ext))
            .filter(|p| p.exists()),
    );
    found
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opens the database for the service's start (serve, migrate, import, demo-data): creates it
/// (0600) only when it does not exist and the state dir shows no earlier instance; refuses an
/// empty, unreadable or damaged file. Runs `PRAGMA quick_check` on an existing database.
pub fn open_for_start(db_path: &Path, state_dir: &Path) -> anyhow::Result<Connection> {
    let evidence = earlier_instance_evidence(state_dir, db_path);
    match std::fs::metadata(db_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !evidence.is_empty() {
                bail!(
                    "the database {} is missing, but {} belongs to an instance that has run before: \
                     refusing to start a new, empty instance in its place. {RESTORE_HINT} \
                     (To start a new instance on purpose, use a new, empty state_dir.)",
                    db_path.display(),
                    list(&evidence)
                );
            }
            files::create_private(db_path)
                .with_context(|| format!("cannot create the database {}", db_path.display()))?;
            tracing::info!(path = %db_path.display(), "created a new database");
            open_new(db_path)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot read {}", db_path.display()))),
        Ok(m) if !m.is_file() => bail!("the database {} is not a regular file", db_path.display()),
        Ok(m) if m.len() == 0 && !evidence.is_empty() => bail!(
            "the database {} is empty (0 bytes) while {} belongs to an instance that has run before: \
             its data is gone from this file, and the service will not start a new, empty instance \
             in its place. {RESTORE_HINT}",
            db_path.display(),
            list(&evidence)
        ),
        Ok(m) if m.len() == 0 => {
            // An instance's first start stopped between creating the file and the schema:
            // nothing can have lived in it.
            tracing::warn!(path = %db_path.display(), "the database is empty and the state dir new: creating the schema");
            open_new(db_path)
        }
        Ok(_) => {
            for p in [
                db_path.to_path_buf(),
                db_path.with_extension("db-wal"),
                db_path.with_extension("db-shm"),
            ] {
                files::restrict(&p)
                    .with_context(|| format!("cannot restrict permissions of {}", p.display()))?;
            }
            let conn = open_existing(db_path)?;
            ensure_intact(&conn, db_path, "quick_check")?;
            Ok(conn)
        }
    }
}

fn open_new(db_path: &Path) -> anyhow::Result<Connection> {
    super::open(db_path).with_context(|| format!("cannot open {}", db_path.display()))
}

/// Opens an existing, non-empty database (CLI commands that must not create one); never creates
/// the file. Unreadable files are an error naming the path.
pub fn open_existing(db_path: &Path) -> anyhow::Result<Connection> {
    match std::fs::metadata(db_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "no database at {} (has the service run yet? Restoring: {RESTORE_HINT})",
            db_path.display()
        ),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot read {}", db_path.display())));
        }
        Ok(m) if m.len() == 0 => bail!(
            "the database {} is empty (0 bytes): its data is gone from this file. {RESTORE_HINT}",
            db_path.display()
        ),
        Ok(_) => {}
    }
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|c| c.execute_batch(PRAGMAS).map(|_| c))
    .map_err(|e| unusable(db_path, &e.to_string()))?;
    Ok(conn)
}

fn unusable(db_path: &Path, problem: &str) -> anyhow::Error {
    // One line, and short: SQLite reports one damaged page per line, possibly thousands.
    let mut problem = problem.lines().collect::<Vec<_>>().join("; ");
    if problem.chars().count() > 400 {
        problem = problem.chars().take(400).collect::<String>() + " …";
    }
    anyhow::anyhow!(
        "the database {} cannot be used: {problem}. The service will not start on it. {RESTORE_HINT}",
        db_path.display()
    )
}

/// The problems `PRAGMA <check>` reports (`quick_check` or `integrity_check`), empty when intact.
pub fn problems(conn: &Connection, check: &str, max: u32) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA {check}({max})"))?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(if rows == ["ok"] { vec![] } else { rows })
}

fn ensure_intact(conn: &Connection, db_path: &Path, check: &str) -> anyhow::Result<()> {
    let found = problems(conn, check, 5).map_err(|e| unusable(db_path, &e.to_string()))?;
    if !found.is_empty() {
        return Err(unusable(
            db_path,
            &format!("it failed PRAGMA {check}: {}", found.join("; ")),
        ));
    }
    Ok(())
}

/// The outcome of `loan-broker check-db`.
#[derive(Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    Ok,
    Problems(Vec<String>),
    Missing,
}

/// `PRAGMA integrity_check` on `path`, read-only, creating no file: a database without a WAL
/// (a backup, or one closed cleanly) is opened `immutable`, so SQLite writes no -shm beside it.
pub fn check_file(path: &Path) -> CheckOutcome {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return CheckOutcome::Missing,
        Err(e) => return CheckOutcome::Problems(vec![format!("cannot read the file: {e}")]),
    };
    if !meta.is_file() {
        return CheckOutcome::Problems(vec!["not a regular file".into()]);
    }
    if meta.len() == 0 {
        return CheckOutcome::Problems(vec!["the file is empty (0 bytes)".into()]);
    }
    let run = || -> rusqlite::Result<Vec<String>> {
        let conn = open_read_only(path)?;
        let mut found = problems(&conn, "integrity_check", 100)?;
        let version = super::migrations::current_version(&conn)?;
        if found.is_empty() && version == 0 {
            found.push("the file holds no loan-broker schema (user_version 0)".into());
        }
        Ok(found)
    };
    match run() {
        Ok(found) if found.is_empty() => CheckOutcome::Ok,
        Ok(found) => CheckOutcome::Problems(found),
        Err(e) => CheckOutcome::Problems(vec![e.to_string()]),
    }
}

fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let live = wal_beside(path).exists();
    let uri = format!(
        "file:{}{}",
        uri_path(path),
        if live { "" } else { "?immutable=1" }
    );
    Connection::open_with_flags(uri, flags)
}

/// SQLite names the WAL `<file>-wal` whatever the extension.
fn wal_beside(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// A path as the path part of a `file:` URI (only `?`, `#` and `%` are special there).
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.to_string_lossy()
        .chars()
        .map(|c| match c {
            '?' => "%3f".to_string(),
            '#' => "%23".to_string(),
            '%' => "%25".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_escape_what_sqlite_would_read_as_query() {
        assert_eq!(
            uri_path(Path::new("/a b/x?y#z%.db")),
            "/a b/x%3fy%23z%25.db"
        );
    }
}
