//! Versioned schema migrations (SQLite `user_version`). Before a migration touches an existing
//! database a snapshot is written next to it; a database newer than this binary is refused.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

const STEPS: [&str; 12] = [
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
    include_str!("migrations/013_data_scope.sql"),
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
    Ok(Outcome::Migrated { from, to, snapshot })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
