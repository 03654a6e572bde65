//! The tokio runtime with bounded threads. Defaults (one worker per core, up to 512 blocking
//! threads) let a 200-connection burst start hundreds of threads, each with its own stack and
//! allocator cache, that linger after the burst.

use std::time::Duration;

/// Workers: one per core, at most 4 (an instance serves one broker firm).
const MAX_WORKERS: usize = 4;
/// Blocking threads: SQLite work and file parsing. The writer queue serialises writes anyway, and
/// the pool's connections bound useful read concurrency.
const MAX_BLOCKING: usize = 8;
/// Idle blocking threads exit after this, so a burst leaves no threads behind.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

pub fn build() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.clamp(1, MAX_WORKERS))
        .max_blocking_threads(MAX_BLOCKING)
        .thread_keep_alive(KEEP_ALIVE)
        .enable_all()
        .build()
}
