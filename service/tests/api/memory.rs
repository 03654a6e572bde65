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
    // A regression guard, not the product target (≤ 25 MB, judged by `make bench`): measured 24.8–25.3
    // MiB on 2026-12-04 after issue 16 grew the API document; bringing it back under 25 is issue 17's.
    let limit = if is_release_binary() { 26.5 } else { 60.0 };
    let rss = served.rss_settles_below(limit, Duration::from_secs(5));
    eprintln!("idle RSS {rss:.1} MiB, threads {}", served.threads());
    assert!(rss <= limit, "idle RSS {rss:.1} MiB > {limit} MiB");
}

/// Runs `loan-broker demo-data` into a new state dir (before the server starts).
fn seed_demo(dir: &std::path::Path, customers: u32) {
    let out = std::process::Command::new(crate::process::binary())
        .args(["demo-data", "--customers", &customers.to_string()])
        .env_remove("LOAN_BROKER_CONFIG")
        .env("LOAN_BROKER__STATE_DIR", dir)
        .output()
        .expect("demo-data runs");
    assert!(
        out.status.success(),
        "demo-data: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Exports and imports of 5,000 customers and a series of logins, then memory must go back down:
/// the allocator returns what the burst used, and no threads linger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_returns_after_exports_imports_and_logins() {
    let dir = tempfile::tempdir().unwrap();
    seed_demo(dir.path(), 5_000);
    let served = serve(dir.path(), &[]);
    let client = reqwest::Client::new();
    let token = served.admin_token(&client).await;
    let idle = served.rss_mib();

    let mut exported = Vec::new();
    for format in ["xlsx", "csv", "xlsx", "csv", "xlsx"] {
        let resp = client
            .get(served.url(&format!("/api/exports/customers?format={format}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "export {format}");
        exported.push((format, resp.bytes().await.unwrap().to_vec()));
    }
    for (format, bytes) in exported.iter().take(2) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(format!("customers.{format}")),
        );
        let resp = client
            .post(served.url("/api/imports/customers?dry_run=true"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "import dry run {format}");
    }
    for i in 0..30 {
        let password = if i % 3 == 0 {
            "wrong-password-x"
        } else {
            crate::helpers::ADMIN_NEW_PASSWORD
        };
        let resp = client
            .post(served.url("/api/auth/login"))
            .json(&serde_json::json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap();
        assert!(resp.status().as_u16() < 500, "login {}", resp.status());
    }
    let peak = served.peak_rss_mib();
    let limit = if is_release_binary() {
        40.0
    } else {
        idle + 20.0
    };
    let after = served.rss_settles_below(limit, Duration::from_secs(30));
    let threads = served.threads();
    eprintln!(
        "RSS idle {idle:.1} MiB, peak {peak:.1} MiB, 30 s after {after:.1} MiB, threads {threads}"
    );
    assert!(
        after <= limit,
        "RSS {after:.1} MiB 30 s after the burst > {limit:.1} MiB"
    );
    assert!(threads <= 32, "{threads} threads after the burst");
}
