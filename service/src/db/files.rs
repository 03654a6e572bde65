//! Files and directories the service creates hold customer data, password hashes or secrets:
//! owner-only (0600 / 0700) whatever the process umask, so library use and tests are right too.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const FILE_MODE: u32 = 0o600;
pub const DIR_MODE: u32 = 0o700;

/// Creates `path` (and missing parents) as 0700; an existing directory is tightened to 0700.
pub fn private_dir_all(path: &Path) -> std::io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)?;
    std::fs::set_permissions(path, Permissions::from_mode(DIR_MODE))
}

/// Creates the missing directories of `path` as 0700 and leaves existing ones as they are
/// (an operator's backup directory keeps its mode).
pub fn create_dirs(path: &Path) -> std::io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// A new, empty file readable by the owner only; fails if `path` exists.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Tightens an existing file to 0600 (files written by older versions or by hand).
pub fn restrict(path: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o077 != 0 => {
            std::fs::set_permissions(path, Permissions::from_mode(FILE_MODE))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// A name beside `path` for writing before the rename into place.
pub fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nonce: u64 = rand::random();
    path.with_file_name(format!(".{name}.{nonce:016x}.partial"))
}

/// Writes `bytes` to `path` (0600) through a temporary file in the same directory, so `path` is
/// either the old content or the whole new one; the temporary file is removed on any failure
/// (a full disk leaves nothing behind).
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_beside(path);
    let written = (|| -> std::io::Result<()> {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Bytes available to this process on the filesystem holding `path`.
pub fn available_bytes(path: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(path).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Below this SQLite cannot even grow its WAL index: writes fail, whatever SQLite calls it.
pub const NEARLY_FULL_BYTES: u64 = 256 * 1024;

pub fn nearly_full(path: &Path) -> bool {
    available_bytes(path).is_some_and(|b| b < NEARLY_FULL_BYTES)
}

/// Describes a full filesystem for start-up errors, or `None` when there is room.
pub fn full_disk_hint(dir: &Path) -> Option<String> {
    let free = available_bytes(dir)?;
    (free < NEARLY_FULL_BYTES).then(|| {
        format!(
            "no space left on the filesystem holding {} ({free} bytes free): free some space, then start again",
            dir.display()
        )
    })
}
