//! SQLite access: a small r2d2 pool whose every use runs on tokio's blocking pool, so the async
//! runtime never waits on the disk. Writes take the lock up front (`BEGIN IMMEDIATE`) to avoid
//! deadlocked read→write upgrades between concurrent transactions.

pub mod agreements;
pub mod applications;
pub mod audit;
pub mod backup;
pub mod catalog;
pub mod consents;
pub mod customers;
pub mod diagnoses;
pub mod documents;
pub mod erasure;
pub mod files;
pub mod follow_ups;
pub mod integrity;
pub mod migrations;
pub mod settings_kv;
pub mod shares;
pub mod sql;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use anyhow::Context;

use crate::domain::vocab::AuditAction;
use audit::{Actor, Change};

/// A storage failure, as the layers above need to tell them apart: the operator's faults (a full
/// disk, an unusable file) from everything else. The database layer knows nothing of HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("disk full")]
    DiskFull,
    /// Damaged pages, not a database, or I/O errors.
    #[error("database unusable: {0}")]
    Unusable(String),
    #[error("database: {0}")]
    Other(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::DiskFull,
            Some(
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::SystemIoFailure,
            ) => Self::Unusable(e.to_string()),
            _ => Self::Other(e.to_string()),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        Self::Other(format!("pool: {e}"))
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            return Self::DiskFull;
        }
        Self::Other(format!("io: {e}"))
    }
}

/// What made a request fail that the operator must fix (the client cannot): remembered so that
/// `/health` reports it even when its own small read happens to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    DiskFull,
    /// Damaged pages, not a database, or I/O errors.
    Unusable,
}

/// An error type the database layer can run closures with: it wraps [`StoreError`] and says
/// which operator fault, if any, it stands for.
pub trait StoreFailure: From<StoreError> + Send + 'static {
    fn fault(&self) -> Option<Fault>;
}

impl StoreFailure for StoreError {
    fn fault(&self) -> Option<Fault> {
        match self {
            Self::DiskFull => Some(Fault::DiskFull),
            Self::Unusable(_) => Some(Fault::Unusable),
            Self::Other(_) => None,
        }
    }
}

/// `secure_delete = ON`: SQLite overwrites freed cells and pages with zeros, so an erased
/// customer (and every older copy of a changed value) leaves no bytes in the file's free space
/// (see [`erasure`]). Measured on this machine, 20 000 rows of 6.6 KB written, rewritten twice
/// and half deleted: 2.13 s off, 2.52 s on — the worst case (overflow pages); a request's
/// one-row change is dominated by its commit either way.
pub const PRAGMAS: &str = "PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA busy_timeout = 5000;
PRAGMA temp_store = MEMORY;
PRAGMA secure_delete = ON;";

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    generations: Arc<Generations>,
    /// SQLite has one writer. Queueing writers here, instead of letting them collide in
    /// `BEGIN IMMEDIATE`, avoids the busy handler's sleeps (which dominated write latency).
    writer: Arc<tokio::sync::Mutex<()>>,
    path: PathBuf,
    faults: Arc<Faults>,
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
            generations: Default::default(),
            path: path.to_path_buf(),
            faults: Default::default(),
        })
    }

    /// Remembers operator faults and tells a full disk apart from other I/O errors: SQLite
    /// reports ENOSPC as SQLITE_FULL only for some writes (the WAL index answers SQLITE_IOERR).
    fn observe<T, E: StoreFailure>(&self, out: Result<T, E>, wrote: bool) -> Result<T, E> {
        let err = match out {
            Ok(v) => {
                if wrote {
                    self.faults.write_succeeded();
                }
                return Ok(v);
            }
            Err(e) => e,
        };
        let err = match err.fault() {
            Some(Fault::Unusable) if self.disk_nearly_full() => E::from(StoreError::DiskFull),
            _ => err,
        };
        if let Some(fault) = err.fault() {
            self.faults.record(fault);
        }
        Err(err)
    }

    fn disk_nearly_full(&self) -> bool {
        files::nearly_full(self.path.parent().unwrap_or(Path::new("/")))
    }

    /// For `/health`: a small read on the pooled connection and on a fresh one (pooled ones keep
    /// a replaced or deleted file open), free space, and any fault a request met recently.
    pub async fn health(&self) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.read(move |pooled| {
            let fresh = Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            for c in [pooled, &fresh] {
                users::count(c)?;
            }
            Ok::<_, StoreError>(())
        })
        .await?;
        if self.disk_nearly_full() {
            return Err(StoreError::DiskFull);
        }
        match self.faults.recent() {
            Some(Fault::DiskFull) => Err(StoreError::DiskFull),
            Some(Fault::Unusable) => Err(StoreError::Unusable("seen by a recent request".into())),
            None => Ok(()),
        }
    }

    /// How often the audited changes of one kind of record have been committed by this process
    /// (see [`Generations`]).
    pub fn generation(&self, kind: Cached) -> u64 {
        self.generations.get(kind)
    }

    /// Runs `f` on a pooled connection off the async runtime.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: StoreFailure,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let run = move || {
            let conn = pool.get().map_err(StoreError::from)?;
            f(&conn)
        };
        let out = Self::run_read(run).await;
        self.observe(out, false)
    }

    async fn run_read<T, E, F>(run: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: StoreFailure,
        F: FnOnce() -> Result<T, E> + Send + 'static,
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
            .map_err(|e| E::from(StoreError::Other(format!("read task: {e}"))))?
    }

    /// Runs `f` inside one immediate transaction that is committed only through
    /// [`UnitOfWork::commit`], which writes the audit entry in the same transaction: a change
    /// without its audit entry cannot be committed. An error (or a closure that never commits)
    /// rolls everything back.
    pub async fn change<T, E, F>(&self, actor: Actor, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: StoreFailure,
        F: FnOnce(UnitOfWork<'_>) -> Result<Committed<T>, E> + Send + 'static,
    {
        let generations = self.generations.clone();
        let (value, kinds) = self
            .transaction::<_, E, _>(move |tx| {
                let committed = f(UnitOfWork { tx, actor: &actor })?;
                Ok((committed.value, committed.invalidates))
            })
            .await?;
        // After the commit: a reader that loads in between labels its copy with the old number.
        if let Some(kind) = kinds {
            generations.bump(kind);
        }
        Ok(value)
    }

    /// A write that is bookkeeping, not a change anyone makes (counting sign-in attempts): no
    /// audit entry of its own, the attempt's outcome is audited separately.
    pub async fn bookkeeping<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: StoreFailure,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        self.transaction(f).await
    }

    /// After an erasure: moves the WAL into the database file and truncates it (see
    /// [`erasure::checkpoint`]), in the writer's turn so no write of ours races it. A reader
    /// mid-transaction can hold it up; it is retried for up to about two seconds.
    pub async fn checkpoint(&self) -> Result<bool, StoreError> {
        let pool = self.pool.clone();
        let turn = self.writer.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let conn = pool.get()?;
            for _ in 0..20 {
                if erasure::checkpoint(&conn)? {
                    return Ok(true);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(false)
        })
        .await
        .map_err(|e| StoreError::Other(format!("checkpoint task: {e}")))?
    }

    async fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: StoreFailure,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let turn = self.writer.clone().lock_owned().await;
        let out = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut conn = pool.get().map_err(StoreError::from)?;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let out = f(&tx)?;
            tx.commit().map_err(StoreError::from)?;
            Ok(out)
        })
        .await
        .map_err(|e| E::from(StoreError::Other(format!("write task: {e}"))))
        .and_then(|r| r);
        self.observe(out, true)
    }
}

/// Records whose copies are kept in memory; an audited change of one bumps its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cached {
    /// The account facts the token check needs.
    Accounts,
}

/// Per kind of cached record, a number raised by every committed change of it.
#[derive(Default)]
pub struct Generations {
    accounts: std::sync::atomic::AtomicU64,
}

impl Generations {
    fn counter(&self, kind: Cached) -> &std::sync::atomic::AtomicU64 {
        match kind {
            Cached::Accounts => &self.accounts,
        }
    }

    fn get(&self, kind: Cached) -> u64 {
        self.counter(kind)
            .load(std::sync::atomic::Ordering::Acquire)
    }

    fn bump(&self, kind: Cached) {
        self.counter(kind)
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// The write transaction of one change. Queries run on it like on a connection; the only way to
/// finish successfully is [`UnitOfWork::commit`], which needs the audit entry.
pub struct UnitOfWork<'t> {
    tx: &'t Transaction<'t>,
    actor: &'t Actor,
}

/// Proof that a unit of work recorded its audit entry; only [`UnitOfWork::commit`] makes one.
pub struct Committed<T> {
    value: T,
    invalidates: Option<Cached>,
}

impl std::ops::Deref for UnitOfWork<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.tx
    }
}

impl UnitOfWork<'_> {
    pub fn actor(&self) -> &Actor {
        self.actor
    }

    /// Records one more audit entry in this transaction, for a change that carries a second
    /// one (a customer created together with its consent); [`Self::commit`] is still required.
    pub fn also(&self, action: AuditAction, change: Change) -> Result<(), StoreError> {
        audit::record(self.tx, self.actor, action, change)?;
        Ok(())
    }

    /// Writes the audit entry of this change; the transaction commits when the closure returns.
    pub fn commit<T>(
        self,
        action: AuditAction,
        change: Change,
        value: T,
    ) -> Result<Committed<T>, StoreError> {
        let invalidates = change.resource.cached();
        audit::record(self.tx, self.actor, action, change)?;
        Ok(Committed { value, invalidates })
    }
}

#[cfg(test)]
mod tests {
    use super::audit::{AuditFilter, Resource};
    use super::*;
    use crate::domain::ids::UserId;

    async fn fresh() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = open(&path).unwrap();
        migrations::run(&mut conn, dir.path()).unwrap();
        drop(conn);
        let db = Db::open(&path, 2).unwrap();
        (dir, db)
    }

    fn entries(db_dir: &tempfile::TempDir) -> Vec<audit::AuditEntry> {
        let conn = open(&db_dir.path().join("t.db")).unwrap();
        audit::list(&conn, &AuditFilter::default(), 100, 0)
            .unwrap()
            .0
    }

    fn set(uow: &UnitOfWork<'_>, value: &str) -> Result<(), StoreError> {
        settings_kv::set(uow, "probe", value)?;
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_change_commits_with_its_audit_entry_or_not_at_all() {
        let (dir, db) = fresh().await;
        let who = Actor {
            user_id: Some(UserId(1)),
            username: Some("admin".into()),
            ip: None,
        };
        db.change(who.clone(), |uow: UnitOfWork<'_>| {
            set(&uow, "kept")?;
            uow.commit(
                AuditAction::BrandingUpdate,
                Change::on(Resource::Branding),
                (),
            )
        })
        .await
        .unwrap();
        let failed: Result<(), StoreError> = db
            .change(who, |uow: UnitOfWork<'_>| {
                set(&uow, "dropped")?;
                Err(StoreError::Other("the use-case refused".into()))
            })
            .await;
        assert!(failed.is_err());
        let stored = db
            .read(|c| Ok::<_, StoreError>(settings_kv::get(c, "probe")?))
            .await
            .unwrap();
        assert_eq!(
            stored.as_deref(),
            Some("kept"),
            "the failed change rolled back"
        );
        let log = entries(&dir);
        assert_eq!(log.len(), 1, "one entry, for the committed change only");
        assert_eq!(log[0].action, AuditAction::BrandingUpdate);
        assert_eq!(log[0].username.as_deref(), Some("admin"));
        assert_eq!(log[0].resource_type, "branding");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_committed_change_of_an_account_moves_the_accounts_generation() {
        let (_dir, db) = fresh().await;
        let before = db.generation(Cached::Accounts);
        db.change(Actor::cli(), |uow: UnitOfWork<'_>| {
            uow.commit(
                AuditAction::Unlock,
                Change::on(Resource::User(UserId(1))),
                (),
            )
        })
        .await
        .unwrap();
        let after_user = db.generation(Cached::Accounts);
        assert_eq!(after_user, before + 1);
        db.change(Actor::cli(), |uow: UnitOfWork<'_>| {
            uow.commit(
                AuditAction::BrandingUpdate,
                Change::on(Resource::Branding),
                (),
            )
        })
        .await
        .unwrap();
        assert_eq!(
            db.generation(Cached::Accounts),
            after_user,
            "other changes leave cached accounts alone"
        );
        let rolled_back: Result<(), StoreError> = db
            .change(Actor::cli(), |_uow: UnitOfWork<'_>| {
                Err(StoreError::Other("refused".into()))
            })
            .await;
        assert!(rolled_back.is_err());
        assert_eq!(db.generation(Cached::Accounts), after_user);
    }
}
