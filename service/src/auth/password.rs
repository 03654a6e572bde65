//! argon2id password hashing, off the async runtime and capped in concurrency: each hash takes
//! ~19 MiB and tens of milliseconds, so unbounded parallel logins would be a memory DoS.

use std::sync::mpsc::TrySendError;
use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::app::Error;

/// Two long-lived threads do all hashing. Each argon2 hash takes ~19 MiB; on tokio's blocking
/// pool every thread that ever hashed kept that memory in its own malloc arena (RSS reached
/// hundreds of MB after a few logins). Two threads bound it: at most two hash buffers exist at
/// any time, each allocated for one hash and freed right after it (nothing is kept between
/// hashes, so an idle service holds none). Waiting work is bounded too: a caller first takes a
/// [`Slot`], and when every slot is taken it is refused at once instead of queueing (a login
/// flood used to stall sign-in for everyone and grow threads and memory without bound).
#[derive(Clone)]
pub struct Hasher {
    jobs: std::sync::mpsc::SyncSender<Job>,
    slots: Arc<Semaphore>,
}

type Job = Box<dyn FnOnce() + Send>;

const THREADS: usize = 2;
/// Hashes running plus waiting. With ~50 ms per hash (release) the last in line waits ~0.4 s.
pub const SLOTS: usize = 16;

/// A reserved place in the hashing queue, held until that hash has run.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Default for Hasher {
    fn default() -> Self {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(SLOTS);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..THREADS {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Self {
            jobs,
            slots: Arc::new(Semaphore::new(SLOTS)),
        }
    }
}

fn busy() -> Error {
    Error::busy()
}

/// Verified against when the user does not exist, so both paths cost the same time.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("not-a-real-password").expect("hashing works"));

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

impl Hasher {
    /// A place in the queue, or 503 at once when the queue is full.
    pub fn reserve(&self) -> Result<Slot, Error> {
        self.slots
            .clone()
            .try_acquire_owned()
            .map(|permit| Slot { _permit: permit })
            .map_err(|_| {
                tracing::warn!("hashing queue full: request refused");
                busy()
            })
    }

    async fn run<T: Send + 'static>(
        &self,
        slot: Slot,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        // The slot travels with the job: a client that hangs up does not free its place while
        // its hash is still waiting to run.
        let job: Job = Box::new(move || {
            let _slot = slot;
            let _ = tx.send(work());
        });
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => busy(),
            TrySendError::Disconnected(_) => Error::internal("the hashing threads have stopped"),
        })?;
        rx.await.map_err(Error::internal)
    }

    pub async fn hash(&self, password: String) -> Result<String, Error> {
        let slot = self.reserve()?;
        self.run(slot, move || hash_blocking(&password))
            .await?
            .map_err(Error::internal)
    }

    /// `phc = None` (unknown or locked account) still spends one verification, against a dummy
    /// hash with the same parameters, so that the answer takes the same time.
    pub async fn verify(
        &self,
        slot: Slot,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, Error> {
        self.run(slot, move || match phc {
            Some(phc) => verify_blocking(&password, &phc),
            None => {
                verify_blocking(&password, &DUMMY_HASH);
                false
            }
        })
        .await
    }
}

/// A random password that satisfies the password policy (letters and digits, no look-alikes).
/// 16 of 56 characters are ~93 bits, strong by construction: it is not run through the strength
/// estimator, whose dictionaries (~5 MB) would then stay in memory from the very first start.
pub fn generate_password() -> String {
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    loop {
        let pw: String = (0..16)
            .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
            .collect();
        let has = |f: fn(&char) -> bool| pw.chars().any(|c| f(&c));
        if has(char::is_ascii_digit)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_uppercase)
        {
            return pw;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_passwords_pass_the_policy_they_skip() {
        for _ in 0..50 {
            let pw = super::generate_password();
            assert_eq!(
                crate::domain::user::validate_password(&pw, &["admin", "贷款助手"]),
                Ok(()),
                "{pw}"
            );
        }
    }
}
