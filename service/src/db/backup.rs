//! Consistent snapshots of a live database. `VACUUM INTO` reads inside one transaction, so it is
//! safe while the server keeps writing (WAL), and produces a compact, self-contained file.
//! Snapshots hold password hashes and customer data: they are created 0600.

use std::path::Path;

use anyhow::{Context, bail};
use rusqlite::Connection;

use super::files;

/// Writes a snapshot of `conn` to `out`, which must not exist. The file is created 0600 before
/// SQLite fills it (`VACUUM INTO` accepts an empty file), so it is never readable by others.
pub fn vacuum_into(conn: &Connection, out: &Path) -> anyhow::Result<()> {
    let target = out.to_str().context("backup path must be valid UTF-8")?;
    files::create_private(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            anyhow::anyhow!("{} already exists; refusing to overwrite", out.display())
        }
        _ => anyhow::Error::new(e).context(format!("cannot create {}", out.display())),
    })?;
    if let Err(e) = conn.execute("VACUUM INTO ?1", [target]) {
        let _ = std::fs::remove_file(out);
        return Err(anyhow::Error::new(e).context(format!("VACUUM INTO {} failed", out.display())));
    }
    Ok(())
}

/// Writes a snapshot to a temporary name beside `out`, checks it, then renames it into place,
/// so `out` is either absent or complete.
pub fn snapshot(db_path: &Path, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} already exists; refusing to overwrite", out.display());
    }
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    files::create_dirs(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if out.file_name().is_none() {
        bail!("backup path needs a file name");
    }
    let tmp = files::temp_beside(out);
    let conn = super::integrity::open_existing(db_path)?;
    vacuum_into(&conn, &tmp)?;
    let checked =
        Connection::open(&tmp).and_then(|c| super::integrity::problems(&c, "integrity_check", 10));
    match checked {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            let _ = std::fs::remove_file(&tmp);
            bail!("snapshot failed integrity_check: {}", problems.join("; "));
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(anyhow::Error::new(e).context("cannot check the snapshot"));
        }
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        let _ = std::fs::remove_file(&tmp);
        return Err(
            anyhow::Error::new(e).context(format!("cannot move snapshot to {}", out.display()))
        );
    }
    Ok(())
}
