//! SQLite access: a small r2d2 pool whose every use runs on tokio's blocking pool, so the async
//! runtime never waits on the disk. Writes take the lock up front (`BEGIN IMMEDIATE`) to avoid
//! deadlocked read→write upgrades between concurrent transactions.

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod customers;
pub mod diagnoses;
pub mod files;
pub mod integrity;
pub mod migrations;
pub mod settings_kv;
pub mod sql;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use anyhow::Context;

use crate::error::ApiError;

pub const PRAGMAS: &str = "PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA busy_timeout = 5000;
PRAGMA temp_store = MEMORY;";

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// SQLite has one writer. Queueing writers here, instead of letting them collide in
    /// `BEGIN IMMEDIATE`, avoids the busy handler's sleeps (which dominated write latency).
    writer: Arc<tokio::sync::Mutex<()>>,
    path: PathBuf,
    faults: Arc<Faults>,
}

/// What made a request fail that the operator must fix (the client cannot): remembered so that
/// `/health` reports it even when its own small read happens to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    DiskFull,
    /// Damaged pages, not a database, or I/O errors.
    Unusable,
}

impl Fault {
    fn of(e: &ApiError) -> Option<Self> {
        match e {
            ApiError::Unavailable(b) if b.code == "disk_full" => Some(Self::DiskFull),
            ApiError::Unavailable(b) if b.code == "database_unavailable" => Some(Self::Unusable),
            _ => None,
        }
    }
}

/// How long a fault seen by a request keeps `/health` at 503. A damaged page does not heal, and
/// a probe every minute must see it even when the failing request was a rare one.
pub const FAULT_MEMORY: Duration = Duration::from_secs(10 * 60);

#[derive(Default)]
struct Faults {
    last: Mutex<Option<(Fault, Instant)>>,
}

impl Faults {
    fn record(&self, fault: Fault) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some((fault, Instant::now()));
        }
    }

    /// A write went through: there is room on the disk again.
    fn write_succeeded(&self) {
        if let Ok(mut last) = self.last.lock()
            && matches!(*last, Some((Fault::DiskFull, _)))
        {
            *last = None;
        }
    }

    fn recent(&self) -> Option<Fault> {
        let last = *self.last.lock().ok()?;
        last.filter(|(_, at)| at.elapsed() < FAULT_MEMORY)
            .map(|(f, _)| f)
    }
}

/// Opens (or creates) one connection with the project's pragmas. Opening an existing instance's
/// database goes through [`integrity::open_for_start`] or [`integrity::open_existing`], which
/// never create one in its place.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(PRAGMAS)?;
    Ok(conn)
}

impl Db {
    pub fn open(path: &Path, size: u32) -> anyhow::Result<Self> {
        // Never create: the file was made (0600) and checked by `integrity::open_for_start`.
        let manager = SqliteConnectionManager::file(path)
            .with_flags(
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .with_init(|c| c.execute_batch(PRAGMAS));
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        Ok(Self {
            pool,
            writer: Default::default(),
            path: path.to_path_buf(),
            faults: Default::default(),
        })
    }

    /// Remembers operator faults and tells a full disk apart from other I/O errors: SQLite
    /// reports ENOSPC as SQLITE_FULL only for some writes (the WAL index answers SQLITE_IOERR).
    fn observe<T>(&self, out: Result<T, ApiError>, wrote: bool) -> Result<T, ApiError> {
        let err = match out {
            Ok(v) => {
                if wrote {
                    self.faults.write_succeeded();
                }
                return Ok(v);
            }
            Err(e) => e,
        };
        let err = match Fault::of(&err) {
            Some(Fault::Unusable) if self.disk_nearly_full() => ApiError::disk_full(),
            _ => err,
        };
        if let Some(fault) = Fault::of(&err) {
            self.faults.record(fault);
        }
        Err(err)
    }

    fn disk_nearly_full(&self) -> bool {
        files::nearly_full(self.path.parent().unwrap_or(Path::new("/")))
    }

    /// For `/health`: a small read on the pooled connection and on a fresh one (pooled ones keep
    /// a replaced or deleted file open), free space, and any fault a request met recently.
    pub async fn health(&self) -> Result<(), ApiError> {
        let path = self.path.clone();
        self.read(move |pooled| {
            let fresh = Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            for c in [pooled, &fresh] {
                c.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))?;
            }
            Ok(())
        })
        .await?;
        if self.disk_nearly_full() {
            return Err(ApiError::disk_full());
        }
        match self.faults.recent() {
            Some(Fault::DiskFull) => Err(ApiError::disk_full()),
            Some(Fault::Unusable) => Err(unusable()),
            None => Ok(()),
        }
    }

    /// Runs `f` on a pooled connection off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let run = move || {
            let conn = pool.get()?;
            f(&conn)
        };
        let out = Self::run_read(run).await;
        self.observe(out, false)
    }

    async fn run_read<T, F>(run: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        // Reads are short: on the multi-threaded runtime run them in place (tokio moves this
        // worker's other tasks away) and save the hand-off to the blocking pool.
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            return tokio::task::block_in_place(run);
        }
        tokio::task::spawn_blocking(run)
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `f` inside one immediate transaction: committed when `f` returns `Ok`, rolled back otherwise.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let turn = self.writer.clone().lock_owned().await;
        let out = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut conn = pool.get()?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(ApiError::internal)
        .and_then(|r| r);
        self.observe(out, true)
    }
}

fn unusable() -> ApiError {
    ApiError::unavailable(
        "database_unavailable",
        "数据库暂时不可用（文件损坏或读写失败），请联系管理员",
    )
}
