//! Memory and threads of the real binary, read from /proc: idle, and after bursts of work the
//! memory must go back (issue: RSS ≤ 40 MB within 30 s after any burst). Bounds are generous
//! margins over the figures measured on the 2-core CI machine.

use std::time::Duration;

use crate::process::{is_release_binary, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_instance_is_small() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[]);
    let health = reqwest::get(served.url("/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    let limit = if is_release_binary() { 25.0 } else { 60.0 };
    let rss = served.rss_settles_below(limit, Duration::from_secs(5));
    eprintln!("idle RSS {rss:.1} MiB, threads {}", served.threads());
    assert!(rss <= limit, "idle RSS {rss:.1} MiB > {limit} MiB");
}
