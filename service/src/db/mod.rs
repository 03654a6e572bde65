//! SQLite access: a small r2d2 pool whose every use runs on tokio's blocking pool, so the async
//! runtime never waits on the disk. Writes take the lock up front (`BEGIN IMMEDIATE`) to avoid
//! deadlocked read→write upgrades between concurrent transactions.

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod customers;
pub mod diagnoses;
pub mod migrations;
pub mod settings_kv;
pub mod sql;
pub mod users;

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};

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
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Opens one connection with the project's pragmas (used by CLI commands and the pool alike).
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(PRAGMAS)?;
    Ok(conn)
}

impl Db {
    pub fn open(path: &Path, size: u32) -> anyhow::Result<Self> {
        let manager = SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PRAGMAS));
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        Ok(Self {
            pool,
            writer: Default::default(),
        })
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
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut conn = pool.get()?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(ApiError::internal)?
    }
}
