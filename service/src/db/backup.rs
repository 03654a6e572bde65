//! Consistent snapshots of a live database. `VACUUM INTO` reads inside one transaction, so it is
//! safe while the server keeps writing (WAL), and produces a compact, self-contained file.

use std::path::Path;

use anyhow::{Context, bail};
use rusqlite::Connection;

pub fn vacuum_into(conn: &Connection, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} already exists; refusing to overwrite", out.display());
    }
    let target = out.to_str().context("backup path must be valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target])
        .context("VACUUM INTO failed")?;
    Ok(())
}

/// Writes a snapshot to a temporary name beside `out`, checks it, then renames it into place,
/// so `out` is either absent or complete.
pub fn snapshot(db_path: &Path, out: &Path) -> anyhow::Result<()> {
    if !db_path.is_file() {
        bail!("no database at {}", db_path.display());
    }
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.partial",
        out.file_name()
            .and_then(|n| n.to_str())
            .context("backup path needs a file name")?
    ));
    let _ = std::fs::remove_file(&tmp);
    let conn = super::open(db_path)?;
    vacuum_into(&conn, &tmp)?;
    let check: String =
        Connection::open(&tmp)?.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        let _ = std::fs::remove_file(&tmp);
        bail!("snapshot failed integrity_check: {check}");
    }
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot move snapshot to {}", out.display()))?;
    Ok(())
}
