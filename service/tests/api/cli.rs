//! The binary's commands: config errors, backup under load, migrations, demo data, password reset.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn loan_broker(state_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loan-broker"));
    cmd.args(args)
        .env_remove("LOAN_BROKER_CONFIG")
        .env("LOAN_BROKER__STATE_DIR", state_dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn query_one(db: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .unwrap()
}

#[test]
fn config_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "port = 9000\nbrand_nmae = \"typo\"\n").unwrap();
    let out = loan_broker(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "check-config"],
        &[],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("brand_nmae"), "{}", stderr(&out));

    let out = loan_broker(
        dir.path(),
        &["check-config"],
        &[("LOAN_BROKER__NO_SUCH_KEY", "1")],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no_such_key"), "{}", stderr(&out));

    let out = loan_broker(
        dir.path(),
        &["check-config"],
        &[("LOAN_BROKER__STATE_DIR", "relative/dir")],
    );
    assert!(stderr(&out).contains("absolute"), "{}", stderr(&out));

    let out = loan_broker(
        dir.path(),
        &["check-config"],
        &[("LOAN_BROKER__PRIMARY_COLOR", "blue")],
    );
    assert!(stderr(&out).contains("primary_color"), "{}", stderr(&out));

    let out = loan_broker(
        dir.path(),
        &["--config", "/nonexistent/config.toml", "check-config"],
        &[],
    );
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));

    std::fs::write(&cfg, "port = 9000\nbrand_name = \"朋友二\"\n").unwrap();
    let out = loan_broker(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "check-config"],
        &[("LOAN_BROKER__PORT", "9100")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(":9100"),
        "environment overrides the file"
    );
}

#[test]
fn a_missing_secret_file_stops_the_server_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = loan_broker(
        dir.path(),
        &["serve"],
        &[
            (
                "LOAN_BROKER__JWT_SECRET_FILE",
                "/run/credentials/missing-jwt",
            ),
            ("LOAN_BROKER__PORT", "0"),
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("/run/credentials/missing-jwt"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn systemd_credentials_are_read_from_credentials_directory() {
    let dir = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(
        creds.path().join("initial_admin_password"),
        "From-Credential-1\n",
    )
    .unwrap();
    // systemd hands credentials over as 0400 files.
    std::fs::set_permissions(
        creds.path().join("initial_admin_password"),
        std::os::unix::fs::PermissionsExt::from_mode(0o400),
    )
    .unwrap();
    let out = loan_broker(
        dir.path(),
        &["migrate"],
        &[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.path().join("initial-admin-password").exists());
    let hash = query_one(
        &dir.path().join("loan-broker.db"),
        "SELECT password_hash FROM users WHERE username = 'admin'",
    );
    assert!(hash.contains("$argon2id$"), "argon2id: {hash}");
    assert!(
        !stderr(&out).contains("From-Credential-1"),
        "the password never appears in logs"
    );
}

#[tokio::test]
async fn backup_while_writes_continue_passes_integrity_check() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let writer = {
        let (client, url, token) = (app.client.clone(), app.url("/api/customers"), token.clone());
        tokio::spawn(async move {
            let mut acknowledged = 0;
            for i in 0..300 {
                let resp = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("并发写入{i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                acknowledged += 1;
            }
            acknowledged
        })
    };
    let out_dir = tempfile::tempdir().unwrap();
    let mut snapshots = vec![];
    for n in 0..3 {
        let out = out_dir.path().join(format!("snap-{n}.db"));
        let state = app.state_dir.path().to_path_buf();
        let result = tokio::task::spawn_blocking({
            let out = out.clone();
            move || loan_broker(&state, &["backup", "--out", out.to_str().unwrap()], &[])
        })
        .await
        .unwrap();
        assert!(result.status.success(), "{}", stderr(&result));
        snapshots.push(out);
    }
    assert_eq!(writer.await.unwrap(), 300);
    for snap in &snapshots {
        assert_eq!(query_one(snap, "PRAGMA integrity_check"), "Text(\"ok\")");
        assert!(
            !snap.with_extension("db-wal").exists(),
            "a self-contained file"
        );
    }
    // A final backup after the writer stopped holds every acknowledged write.
    let last = out_dir.path().join("final.db");
    let out = loan_broker(
        app.state_dir.path(),
        &["backup", "--out", last.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success());
    assert_eq!(
        query_one(&last, "SELECT count(*) FROM customers"),
        "Integer(300)"
    );
}

#[test]
fn an_older_schema_is_migrated_after_a_snapshot_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("loan-broker.db");
    {
        let mut conn = loan_broker::db::open(&db).unwrap();
        loan_broker::db::migrations::run_to(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO customers (name, stage, created_at, updated_at) VALUES ('旧版本客户', 'new', '2026-01-01', '2026-01-01')",
            [],
        )
        .unwrap();
    }
    let out = loan_broker(dir.path(), &["migrate"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let latest = loan_broker::db::migrations::latest_version();
    assert_eq!(
        query_one(&db, "PRAGMA user_version"),
        format!("Integer({latest})")
    );
    assert_eq!(
        query_one(&db, "SELECT name FROM customers"),
        "Text(\"旧版本客户\")"
    );
    let snapshots: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(snapshots.len(), 1);
    assert!(
        snapshots[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("pre-migration-v1-")
    );
    assert_eq!(
        query_one(&snapshots[0], "PRAGMA user_version"),
        "Integer(1)"
    );

    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let out = loan_broker(dir.path(), &["migrate"], &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refusing to downgrade"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn demo_data_is_deterministic_and_valid() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        let out = loan_broker(
            dir.path(),
            &["demo-data", "--customers", "200", "--seed", "7"],
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let fingerprint =
        "SELECT group_concat(name || uscc || coalesce(annual_tax_yuan, ''), ',') FROM customers";
    let fa = query_one(&a.path().join("loan-broker.db"), fingerprint);
    assert_eq!(fa, query_one(&b.path().join("loan-broker.db"), fingerprint));
    assert_eq!(
        query_one(
            &a.path().join("loan-broker.db"),
            "SELECT count(DISTINCT uscc) FROM customers"
        ),
        "Integer(200)"
    );
    let out = loan_broker(a.path(), &["demo-data", "--customers", "abc"], &[]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn admin_reset_password_gives_a_one_time_password() {
    let app = spawn_app().await;
    app.admin_token().await;
    let out = loan_broker(
        app.state_dir.path(),
        &["admin", "reset-password", "admin"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let password = stdout
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let login = json_of(app.login("admin", &password).await).await;
    assert_eq!(login["must_change_password"], true);
    assert_error(
        app.login("admin", ADMIN_NEW_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    let out = loan_broker(
        app.state_dir.path(),
        &["admin", "reset-password", "ghost"],
        &[],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("ghost"));
}

#[tokio::test]
async fn monitor_alerts_through_the_webhook_when_an_instance_is_down() {
    let app = spawn_app().await;
    let (hook, seen) = webhook_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("webhook-url");
    std::fs::write(&url_file, &hook).unwrap();
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let healthy = format!(
        "friend1=http://{},{}",
        app.addr,
        app.state_dir.path().display()
    );
    let dead = format!("friend2=http://127.0.0.1:{dead_port}");
    let run = |targets: Vec<String>| {
        let url_file = url_file.clone();
        let dir = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "monitor".to_string(),
                "--webhook-url-file".into(),
                url_file.to_str().unwrap().into(),
                "--webhook-format".into(),
                "feishu".into(),
                "--memory-threshold-pct".into(),
                "100".into(),
            ];
            for t in targets {
                args.extend(["--target".to_string(), t]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            loan_broker(&dir, &args, &[])
        })
    };
    let ok = run(vec![healthy.clone()]).await.unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(seen.lock().unwrap().is_empty(), "no alert when all is well");

    let bad = run(vec![healthy, dead]).await.unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let posts = seen.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    let text = posts[0]["content"]["text"].as_str().unwrap();
    assert!(
        text.contains("friend2") && text.contains("无法连接"),
        "{text}"
    );
    assert!(!text.contains("friend1"), "{text}");
}

fn secret_file(dir: &Path, name: &str, value: &str, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, value).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn secret_files_readable_by_others_are_refused_and_group_readable_ones_warned() {
    use crate::process::try_serve;
    let secrets = tempfile::tempdir().unwrap();
    let strong = "3f9c1a7e5b2d8f4a6c0e9b1d7a3f5c2e9d8c7b6a";
    for (name, key) in [
        ("jwt", "LOAN_BROKER__JWT_SECRET_FILE"),
        ("admin-pw", "LOAN_BROKER__INITIAL_ADMIN_PASSWORD_FILE"),
    ] {
        let file = secret_file(
            secrets.path(),
            name,
            "Zq7Rk2Lp9Xw4Vn8Tb3Hs6Md1-Ab3dEf9h",
            0o644,
        );
        let state = tempfile::tempdir().unwrap();
        let path = file.to_str().unwrap();
        let log = match try_serve(state.path(), &[(key, path)]) {
            Ok(_) => panic!("{name}: a world-readable secret file was accepted"),
            Err(log) => log,
        };
        assert!(
            log.contains(path) && log.contains("0644") && log.contains("chmod 600"),
            "{name}: {log}"
        );
    }
    let jwt = secret_file(secrets.path(), "jwt-group", strong, 0o640);
    let state = tempfile::tempdir().unwrap();
    let served = crate::process::serve(
        state.path(),
        &[("LOAN_BROKER__JWT_SECRET_FILE", jwt.to_str().unwrap())],
    );
    let log = served.log_text();
    assert!(
        log.contains("readable by its group") && log.contains(jwt.to_str().unwrap()),
        "{log}"
    );
}

#[test]
fn guessable_jwt_secrets_are_refused_with_the_reason() {
    use crate::process::try_serve;
    let secrets = tempfile::tempdir().unwrap();
    for (value, reason) in [
        ("a".repeat(48), "different characters"),
        ("changeme-".repeat(5), "repeats the same 9 characters"),
        (
            "abcdefghijklmnopqrstuvwxyz0123456789".to_string(),
            "consecutive",
        ),
    ] {
        let file = secret_file(secrets.path(), "jwt", &value, 0o600);
        let state = tempfile::tempdir().unwrap();
        let log = match try_serve(
            state.path(),
            &[("LOAN_BROKER__JWT_SECRET_FILE", file.to_str().unwrap())],
        ) {
            Ok(_) => panic!("{value}: a guessable secret was accepted"),
            Err(log) => log,
        };
        assert!(
            log.contains("too easy to guess") && log.contains(reason),
            "{value}: {log}"
        );
        assert!(!log.contains(&value), "the secret never appears in the log");
    }
}
