//! A short-lived cache of the account facts a token check needs, so most requests skip a
//! database round trip. An entry is labelled with the accounts generation it was loaded at: an
//! audited change of any account commits a new generation (`db::Cached::Accounts`), so this
//! process never serves an entry older than its own last change; changes from another process
//! (`loan-broker admin reset-password`) are seen within the TTL.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::domain::ids::UserId;
use crate::domain::user::{DataScope, Role};

#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
    pub token_version: i64,
    pub data_scope: DataScope,
    pub can_export: bool,
    pub can_delete: bool,
}

pub struct AccountCache {
    ttl: Duration,
    entries: RwLock<HashMap<UserId, Entry>>,
}

struct Entry {
    loaded: Instant,
    generation: u64,
    account: Option<Account>,
}

impl Default for AccountCache {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(1),
            entries: RwLock::default(),
        }
    }
}

impl AccountCache {
    /// `Some(entry)` when fresh and of the current `generation`; the entry itself is `None`
    /// for an account that does not exist.
    pub fn get(&self, id: UserId, generation: u64) -> Option<Option<Account>> {
        let entries = self.entries.read().ok()?;
        let e = entries.get(&id)?;
        (e.generation == generation && e.loaded.elapsed() < self.ttl).then(|| e.account.clone())
    }

    /// Keeps what was loaded; `generation` must have been read *before* loading it.
    pub fn put(&self, id: UserId, generation: u64, account: Option<Account>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 10_000 {
                entries.clear();
            }
            let entry = Entry {
                loaded: Instant::now(),
                generation,
                account,
            };
            entries.insert(id, entry);
        }
    }
}

/// More than the token check's leeway on `exp`: a revoked token is remembered until no check
/// could accept it any more.
const EXPIRY_LEEWAY_SECONDS: i64 = 60;

/// The ids of signed-out tokens that have not expired yet, in memory so that the token check
/// needs no database query for it. Loaded from `revoked_tokens` at start, added to by logout.
#[derive(Default)]
pub struct RevokedTokens {
    /// jti → expiry (unix seconds).
    entries: RwLock<HashMap<String, i64>>,
}

impl RevokedTokens {
    pub fn load(conn: &rusqlite::Connection) -> rusqlite::Result<Self> {
        let now = chrono::Utc::now().timestamp();
        let entries = crate::db::users::revoked_tokens(conn, now - EXPIRY_LEEWAY_SECONDS)?;
        Ok(Self {
            entries: RwLock::new(entries.into_iter().collect()),
        })
    }

    pub fn contains(&self, jti: &str) -> bool {
        // A poisoned lock means a panic while inserting: refuse rather than let a token through.
        self.entries.read().map_or(true, |e| e.contains_key(jti))
    }

    /// Adds a revoked token and forgets the ones that have expired meanwhile.
    pub fn insert(&self, jti: String, expires_at: i64) {
        if let Ok(mut entries) = self.entries.write() {
            let now = chrono::Utc::now().timestamp();
            entries.retain(|_, exp| *exp + EXPIRY_LEEWAY_SECONDS >= now);
            entries.insert(jti, expires_at);
        }
    }
}
