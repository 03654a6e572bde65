//! A short-lived cache of the account facts a token check needs, so most requests skip a
//! database round trip. Changes made by this process drop the entry at once; changes from
//! another process (`loan-broker admin reset-password`) are seen within the TTL.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::domain::user::Role;

#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
    pub token_version: i64,
}

pub struct AccountCache {
    ttl: Duration,
    entries: RwLock<HashMap<i64, (Instant, Option<Account>)>>,
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
    /// `Some(entry)` when fresh; the entry itself is `None` for an account that does not exist.
    pub fn get(&self, id: i64) -> Option<Option<Account>> {
        let entries = self.entries.read().ok()?;
        let (at, account) = entries.get(&id)?;
        (at.elapsed() < self.ttl).then(|| account.clone())
    }

    pub fn put(&self, id: i64, account: Option<Account>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 10_000 {
                entries.clear();
            }
            entries.insert(id, (Instant::now(), account));
        }
    }

    pub fn forget(&self, id: i64) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
    }
}
