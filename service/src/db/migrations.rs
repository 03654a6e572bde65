//! Versioned schema migrations (SQLite `user_version`). Before a migration touches an existing
//! database a snapshot is written next to it; a database newer than this binary is refused.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

const STEPS: [&str; 14] = [
    include_str!("migrations/001_foundation.sql"),
    include_str!("migrations/002_diagnosis.sql"),
    include_str!("migrations/003_search.sql"),
    include_str!("migrations/004_sessions.sql"),
    include_str!("migrations/005_declared_revenue.sql"),
    include_str!("migrations/006_diagnosis_v2_facts.sql"),
    include_str!("migrations/007_documents.sql"),
    include_str!("migrations/008_shares.sql"),
    include_str!("migrations/009_follow_ups.sql"),
    include_str!("migrations/010_applications.sql"),
    include_str!("migrations/011_agreements.sql"),
    include_str!("migrations/012_consents.sql"),
    include_str!("migrations/013_data_scope.sql"),
    include_str!("migrations/014_search_grams.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

pub fn latest_version() -> usize {
    STEPS.len()
}

/// Brings a fresh database to an older version (for tests of the upgrade path).
pub fn run_to(conn: &mut Connection, version: usize) -> anyhow::Result<()> {
    migrations()
        .to_version(conn, version)
        .context("schema migration failed")
}

pub fn current_version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| v as usize)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    UpToDate(usize),
    Migrated {
        from: usize,
        to: usize,
        snapshot: Option<PathBuf>,
    },
}

/// Brings the database to the latest schema. `snapshot_dir` receives a pre-migration copy when
/// an existing database (version > 0) is about to change.
pub fn run(conn: &mut Connection, snapshot_dir: &Path) -> anyhow::Result<Outcome> {
    let from = current_version(conn)?;
    let to = latest_version();
    if from > to {
        bail!(
            "the database has schema version {from}, but this loan-broker supports at most {to}: \
             refusing to downgrade. Run the newer loan-broker, or restore a backup taken before the upgrade."
        );
    }
    if from == to {
        return Ok(Outcome::UpToDate(to));
    }
    let snapshot = if from > 0 {
        super::files::private_dir_all(snapshot_dir)
            .with_context(|| format!("cannot create {}", snapshot_dir.display()))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let path = snapshot_dir.join(format!("pre-migration-v{from}-{stamp}.db"));
        super::backup::vacuum_into(conn, &path).context("pre-migration snapshot")?;
        tracing::info!(path = %path.display(), from, to, "pre-migration snapshot written");
        Some(path)
    } else {
        None
    };
    migrations()
        .to_latest(conn)
        .context("schema migration failed")?;
    // Indexes SQL cannot compute: filled from the stored rows once, right after their migration.
    super::customers::ensure_search_grams(conn).context("filling the search index")?;
    Ok(Outcome::Migrated { from, to, snapshot })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    /// Upgrading to data scopes: admins keep everything, existing staff start at the private
    /// defaults, and a customer nobody owned goes to whoever recorded it.
    #[test]
    fn data_scopes_start_private_and_unowned_customers_go_to_their_recorder() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        run_to(&mut conn, 11).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at)
               VALUES (1, 'admin', '管理员', 'admin', 'x', 't', 't'), (2, 'li', '小李', 'staff', 'x', 't', 't');
             INSERT INTO customers (id, name, created_by, owner_id, created_at, updated_at)
               VALUES (1, '无人负责', 2, NULL, 't', 't'), (2, '管理员负责', 2, 1, 't', 't'), (3, '来历不明', NULL, NULL, 't', 't');",
        )
        .unwrap();
        run(&mut conn, dir.path()).unwrap();
        let rights = |id: i64| -> (String, bool, bool) {
            conn.query_row(
                "SELECT data_scope, can_export, can_delete FROM users WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        assert_eq!(rights(1), ("all".into(), true, true));
        assert_eq!(rights(2), ("own".into(), false, false));
        let owner = |id: i64| -> Option<i64> {
            conn.query_row("SELECT owner_id FROM customers WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(owner(1), Some(2));
        assert_eq!(owner(2), Some(1));
        assert_eq!(owner(3), None);
    }
}
