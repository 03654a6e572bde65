//! The data survives faults, or the service says so: damaged pages, an emptied or missing
//! database, a full disk, loose file modes, rows that do not decode, a racing catalog cache.
//! Real files, real SQLite, the real binary where a separate process matters.

use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::branding::PNG_1X1;
use crate::helpers::*;
use crate::process::{binary, serve, try_serve};

fn loan_broker(state_dir: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env_remove("LOAN_BROKER_CONFIG")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("LOAN_BROKER__STATE_DIR", state_dir)
        .output()
        .expect("binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Overwrites whole pages in the middle half of `db` (customers' pages in a database of demo
/// data) with a pattern no b-tree page starts with.
fn damage_pages(db: &Path) {
    let len = std::fs::metadata(db).unwrap().len();
    let start = (len / 4) / 4096 * 4096;
    let end = (len * 3 / 4) / 4096 * 4096;
    assert!(
        end > start + 8 * 4096,
        "database big enough to damage: {len} bytes"
    );
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(start)).unwrap();
    f.write_all(&vec![0x55; (end - start) as usize]).unwrap();
    f.sync_all().unwrap();
}

fn demo_instance(customers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = loan_broker(dir.path(), &["demo-data", "--customers", customers]);
    assert!(out.status.success(), "{}", text(&out));
    dir
}

#[test]
fn damaged_pages_stop_the_start_with_the_path_and_the_restore_procedure() {
    let dir = demo_instance("3000");
    let db = dir.path().join("loan-broker.db");
    assert!(
        !db.with_extension("db-wal").exists(),
        "checkpointed at close"
    );
    let ok = loan_broker(dir.path(), &["check-db"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    damage_pages(&db);

    let log = match try_serve(dir.path(), &[]) {
        Ok(_) => panic!("the server started on a damaged database"),
        Err(log) => log,
    };
    eprintln!("refusal: {log}");
    assert!(
        log.contains(&db.display().to_string()),
        "names the file: {log}"
    );
    assert!(log.contains("quick_check"), "says what failed: {log}");
    assert!(
        log.contains("loan-broker check-db") && log.contains("Restoring from a backup"),
        "points to the restore procedure: {log}"
    );
    let check = loan_broker(dir.path(), &["check-db", "--file", db.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(!String::from_utf8_lossy(&check.stdout).trim().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_damaged_while_serving_answers_503_on_lists_and_health() {
    let state_dir = demo_instance("3000");
    let settings = settings_for(state_dir.path());
    let db = state_dir.path().join("loan-broker.db");
    let app = spawn_in(state_dir, settings).await;
    let token = app.admin_token().await;
    let list = app.get("/api/customers?q=公司", &token).await;
    assert_eq!(list.status(), StatusCode::OK);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        damage_pages(&db);
        // A small write elsewhere: every pooled connection drops its page cache and reads
        // the damaged pages from the file, as after any other process's write.
        conn.execute(
            "INSERT INTO app_settings (key, value) VALUES ('probe', 'x')",
            [],
        )
        .unwrap();
    }
    let list = app.get("/api/customers?q=不存在的名字", &token).await;
    let body = assert_unavailable(list).await;
    assert_eq!(body["code"], "database_unavailable", "{body}");
    let health = app
        .request(reqwest::Method::GET, "/health", None, None)
        .await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(health).await["reason"], "database_unavailable");
}

async fn assert_unavailable(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json_of(resp).await;
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_ascii()),
        "a Chinese message: {body}"
    );
    body
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        }
        out.push(p);
    }
    out.sort();
    out
}

#[test]
fn an_emptied_or_missing_database_of_a_used_instance_is_refused_by_serve_and_every_command() {
    let dir = demo_instance("20");
    let state = dir.path();
    let db = state.join("loan-broker.db");
    let password = std::fs::read(state.join("initial-admin-password")).unwrap();
    std::fs::File::create(&db).unwrap(); // truncated to 0 bytes
    let before = files_under(state);
    let out_dir = tempfile::tempdir().unwrap();

    let log = match try_serve(state, &[]) {
        Ok(_) => panic!("a 0-byte database became a new instance"),
        Err(log) => log,
    };
    assert!(
        log.contains(&db.display().to_string()) && log.contains("empty (0 bytes)"),
        "{log}"
    );
    assert!(log.contains("loan-broker check-db"), "{log}");
    let import = out_dir.path().join("in.csv");
    std::fs::write(&import, "企业名称\n新公司\n").unwrap();
    let backup = out_dir.path().join("b.db");
    let export = out_dir.path().join("e.csv");
    let commands: [&[&str]; 6] = [
        &["migrate"],
        &["import", import.to_str().unwrap()],
        &["export", "--out", export.to_str().unwrap()],
        &["backup", "--out", backup.to_str().unwrap()],
        &["admin", "reset-password", "admin"],
        &["demo-data", "--customers", "1"],
    ];
    for args in commands {
        let out = loan_broker(state, args);
        assert!(!out.status.success(), "{args:?} succeeded: {}", text(&out));
        assert!(
            text(&out).contains(&db.display().to_string()),
            "{args:?} names the file: {}",
            text(&out)
        );
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "nothing written");
    assert_eq!(before, files_under(state), "no file created or removed");
    assert!(!backup.exists() && !export.exists());
    assert_eq!(
        std::fs::read(state.join("initial-admin-password")).unwrap(),
        password,
        "no new admin"
    );

    std::fs::remove_file(&db).unwrap();
    let log = match try_serve(state, &[]) {
        Ok(_) => panic!("a missing database became a new instance"),
        Err(log) => log,
    };
    assert!(log.contains("is missing"), "{log}");
    assert!(
        log.contains("initial-admin-password"),
        "names the evidence: {log}"
    );
    assert!(!db.exists(), "no database created");
    for args in [
        &["migrate"][..],
        &["export", "--out", export.to_str().unwrap()],
    ] {
        let out = loan_broker(state, args);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        assert!(!db.exists(), "{args:?} created a database");
    }
}

#[test]
fn check_db_reports_ok_problems_or_a_missing_file_and_creates_nothing() {
    let dir = demo_instance("50");
    let db = dir.path().join("loan-broker.db");
    let before = files_under(dir.path());
    let ok = loan_broker(dir.path(), &["check-db", "--file", db.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "ok\n");
    assert_eq!(before, files_under(dir.path()), "no -shm/-wal left or made");

    let missing = dir.path().join("nope.db");
    let out = loan_broker(
        dir.path(),
        &["check-db", "--file", missing.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no such file"), "{}", text(&out));
    assert!(!missing.exists());

    let empty = dir.path().join("empty.db");
    std::fs::File::create(&empty).unwrap();
    let out = loan_broker(dir.path(), &["check-db", "--file", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("empty"), "{}", text(&out));

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0xAB; 8192]).unwrap();
    let out = loan_broker(
        dir.path(),
        &["check-db", "--file", garbage.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    let big = demo_instance("3000");
    let big_db = big.path().join("loan-broker.db");
    damage_pages(&big_db);
    let out = loan_broker(big.path(), &["check-db"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    eprintln!("check-db on damaged pages:\n{}", text(&out));
}

/// A small tmpfs to fill; unmounted (lazily: the server may still hold files) when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Self(dir)),
            other => {
                eprintln!(
                    "SKIP!!! disk-full checks need `mount -t tmpfs` (root): {other:?}. \
                     The rest of this test still runs."
                );
                None
            }
        }
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

/// Writes a file until the filesystem refuses; returns its path.
fn fill(dir: &Path) -> PathBuf {
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling {}: {e}", dir.display()),
        }
    }
    let _ = f.sync_all();
    filler
}

/// A PNG header for 64 × 64 pixels followed by padding: passes the logo checks, `len` bytes.
fn png_of(len: usize) -> Vec<u8> {
    let mut png = PNG_1X1.to_vec();
    png[16..24].copy_from_slice(&[0, 0, 0, 64, 0, 0, 0, 64]);
    png.resize(len, 0);
    png
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_disk_full_reports_it_in_health_and_leaves_no_partial_logo() {
    let Some(disk) = Tmpfs::mount("8m") else {
        return;
    };
    let state = tempfile::tempdir_in(disk.path()).unwrap();
    let settings = settings_for(state.path());
    let app = spawn_in(state, settings).await;
    let token = app.admin_token().await;
    let first = app.upload_logo(&token, PNG_1X1.to_vec(), "logo.png").await;
    assert_eq!(first.status(), StatusCode::OK);
    let uploads = app.path("uploads");
    let logos_before = files_under(&uploads);
    let filler = fill(disk.path());

    // Every write either succeeds (SQLite reuses free pages of its WAL) or says 磁盘空间不足.
    let mut refused = None;
    for i in 0..3000 {
        let resp = app
            .post(
                "/api/customers",
                &token,
                json!({"name": format!("磁盘满客户{i}"), "notes": "备注".repeat(500)}),
            )
            .await;
        if resp.status() == StatusCode::OK {
            continue;
        }
        refused = Some((i, assert_unavailable(resp).await));
        break;
    }
    let (after, body) = refused.expect("a write is refused on a full disk");
    eprintln!("disk full after {after} more customers: {body}");
    assert_eq!(body["code"], "disk_full");
    assert!(body["message"].as_str().unwrap().contains("磁盘空间不足"));
    let health = app
        .request(reqwest::Method::GET, "/health", None, None)
        .await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(health).await["reason"], "disk_full");

    let logo = app
        .upload_logo(&token, png_of(900 * 1024), "logo.png")
        .await;
    assert_eq!(assert_unavailable(logo).await["code"], "disk_full");
    assert_eq!(files_under(&uploads), logos_before, "no partial logo left");
    let served = app
        .request(reqwest::Method::GET, "/api/branding/logo", None, None)
        .await;
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        PNG_1X1,
        "old logo kept"
    );

    // A fresh instance on the full disk names the place that is full.
    let fresh = disk.path().join("fresh-instance");
    let log = match try_serve(&fresh, &[]) {
        Ok(_) => panic!("started on a full disk"),
        Err(log) => log,
    };
    eprintln!("start on a full disk: {log}");
    assert!(log.contains(&fresh.display().to_string()), "{log}");
    assert!(log.contains("no space left"), "{log}");

    std::fs::remove_file(filler).unwrap();
    let resp = app
        .post("/api/customers", &token, json!({"name": "空间恢复后"}))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let health = app
        .request(reqwest::Method::GET, "/health", None, None)
        .await;
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "healthy once writes succeed again"
    );
}

/// `loan-broker serve` under `umask 022`, like a shell or a unit file without `UMask=`.
struct Umask022Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Umask022Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn under_umask_022(state_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(binary())
        .args(args)
        .env_remove("LOAN_BROKER_CONFIG")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("LOAN_BROKER__STATE_DIR", state_dir)
        .env("LOAN_BROKER__PORT", "0")
        .env("NO_COLOR", "1");
    cmd
}

fn serve_under_umask_022(state_dir: &Path) -> Umask022Server {
    let mut child = under_umask_022(state_dir, &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server printed 'listening on'")
            .unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break format!("http://{}", rest.split_whitespace().next().unwrap());
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Umask022Server { child, base }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_the_service_writes_is_0600_and_every_directory_0700_under_umask_022() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    {
        // An older schema: `migrate` writes a pre-migration snapshot.
        let mut conn = loan_broker::db::open(&state.join("loan-broker.db")).unwrap();
        loan_broker::db::migrations::run_to(&mut conn, 1).unwrap();
    }
    let out = under_umask_022(&state, &["migrate"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));

    let server = serve_under_umask_022(&state);
    let client = reqwest::Client::new();
    let initial = std::fs::read_to_string(state.join("initial-admin-password")).unwrap();
    let token = crate::process::admin_token_at(&client, &server.base, initial.trim()).await;
    let logo = client
        .post(format!("{}/api/branding/logo", server.base))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", Part::bytes(PNG_1X1.to_vec()).file_name("l.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), StatusCode::OK);

    let backup = dir.path().join("new-backup-dir").join("b.db");
    let export = dir.path().join("customers.xlsx");
    for args in [
        vec!["backup", "--out", backup.to_str().unwrap()],
        vec!["export", "--out", export.to_str().unwrap()],
    ] {
        let out = under_umask_022(&state, &args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    let written = files_under(&state);
    let names: Vec<String> = written
        .iter()
        .map(|p| p.strip_prefix(&state).unwrap().display().to_string())
        .collect();
    eprintln!("state dir: {names:?}");
    for expected in [
        "jwt-secret",
        "initial-admin-password",
        "loan-broker.db",
        "loan-broker.db-wal",
        "backups",
        "uploads",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("backups/pre-migration-v1-"))
    );
    assert!(names.iter().any(|n| n.starts_with("uploads/logo")));
    let mut loose = vec![];
    for p in written.iter().chain([&state]) {
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        if mode(p) != want {
            loose.push(format!("{} {:o}", p.display(), mode(p)));
        }
    }
    for p in [&backup, &export] {
        if mode(p) != 0o600 {
            loose.push(format!("{} {:o}", p.display(), mode(p)));
        }
    }
    if mode(backup.parent().unwrap()) != 0o700 {
        loose.push(format!("{} (new dir)", backup.parent().unwrap().display()));
    }
    assert!(loose.is_empty(), "not owner-only: {loose:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_do_not_decode_are_500_errors_naming_the_row_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[]);
    let client = reqwest::Client::new();
    let initial = served.initial_password();
    let first: Value = client
        .post(served.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": initial}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = client
        .post(served.url("/api/auth/change-password"))
        .bearer_auth(first["access_token"].as_str().unwrap())
        .json(&json!({"current_password": initial, "new_password": ADMIN_NEW_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let get = |path: &str| client.get(served.url(path)).bearer_auth(&token).send();
    for name in ["好客户", "坏客户"] {
        let resp = client
            .post(served.url("/api/customers"))
            .bearer_auth(&token)
            .json(&json!({"name": name, "tax_grade": "A"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let conn = rusqlite::Connection::open(dir.path().join("loan-broker.db")).unwrap();
    let bad: i64 = conn
        .query_row(
            "SELECT id FROM customers WHERE name = '坏客户'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute("UPDATE customers SET tax_grade = 'Z' WHERE id = ?1", [bad])
        .unwrap();
    let product: i64 = conn
        .query_row("SELECT min(id) FROM products", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        "UPDATE products SET body = '{\"id\": 1' WHERE id = ?1",
        [product],
    )
    .unwrap();

    for path in [
        format!("/api/customers/{bad}"),
        "/api/customers".to_string(),
        "/api/products".to_string(),
    ] {
        let resp = get(&path).await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "internal", "{path}: {body}");
    }
    let good: i64 = conn
        .query_row(
            "SELECT id FROM customers WHERE name = '好客户'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let diag = client
        .post(served.url(&format!("/api/customers/{good}/diagnoses")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        diag.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "no diagnosis without a product"
    );
    let (bad_row, product_row) = (
        format!("row {bad} of table customers"),
        format!("row {product} of table products"),
    );
    let log = served.log_containing(&[&bad_row, &product_row], std::time::Duration::from_secs(5));
    assert!(log.contains(&bad_row), "{log}");
    assert!(log.contains("tax_grade"), "{log}");
    assert!(log.contains(&product_row), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_concurrent_rules_edits_and_diagnoses_every_diagnosis_uses_the_latest_rules() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let customer = app
        .create_customer(
            &token,
            json!({"name": "并发诊断公司", "annual_tax_wan": 20}),
        )
        .await;
    let id = customer["id"].as_i64().unwrap();
    let rules = json_of(app.get("/api/rules", &token).await).await["rules"].clone();
    let mut tasks = vec![];
    for round in 0..12 {
        let (client, token, rules) = (app.client.clone(), token.clone(), rules.clone());
        let (rules_url, diag_url) = (
            app.url("/api/rules"),
            app.url(&format!("/api/customers/{id}/diagnoses")),
        );
        tasks.push(tokio::spawn(async move {
            let put = client
                .put(&rules_url)
                .bearer_auth(&token)
                .json(&json!({"rules": rules, "note": format!("第{round}版")}))
                .send();
            let diag = client.post(&diag_url).bearer_auth(&token).send();
            let (put, diag) = tokio::join!(put, diag);
            assert_eq!(put.unwrap().status(), StatusCode::OK);
            assert_eq!(diag.unwrap().status(), StatusCode::CREATED);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let latest = json_of(app.get("/api/rules", &token).await).await["version"]
        .as_i64()
        .unwrap();
    for _ in 0..3 {
        let d = json_of(
            app.post(&format!("/api/customers/{id}/diagnoses"), &token, json!({}))
                .await,
        )
        .await;
        assert_eq!(d["rules_version"].as_i64(), Some(latest), "{d}");
    }
}
