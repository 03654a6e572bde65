//! What the service gives away. Secrets never reach the logs or an error body: the real binary at
//! `log_level = debug`, with known secret files, through right and wrong logins, a password change,
//! a user created with a password and a password reset; then its whole stderr is searched for every
//! secret. And every kind of response carries the security headers and no `server` header
//! (`system.rs` covers the SPA's deep links and asset caching).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const JWT_SECRET: &str = "jwt-secret-Zq7Rk2Lp9Xw4Vn8Tb3Hs6Md1";
const INITIAL_PASSWORD: &str = "Initial-Admin-Pw-4Kd8Qe2";
const NEW_ADMIN_PASSWORD: &str = "Changed-Admin-Pw-7Jh3Wm5";
const WRONG_PASSWORD: &str = "Wrong-Guess-Pw-2Nx6Yc9";
const USER_PASSWORD: &str = "Staff-Initial-Pw-8Bf1Gt4";
const USER_NEW_PASSWORD: &str = "Staff-Changed-Pw-3Lr5Vz7";
const RESET_PASSWORD: &str = "Reset-By-Admin-Pw-6Cu2Ko8";
const WEAK_PASSWORD: &str = "weakpw";

struct Service {
    child: Child,
    log: std::path::PathBuf,
    base: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_text(log: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned()
}

/// Starts `loan-broker serve` on port 0 and reads the address it logs.
async fn start(dir: &Path) -> Service {
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("jwt"), format!("{JWT_SECRET}\n")).unwrap();
    std::fs::write(secrets.join("admin"), format!("{INITIAL_PASSWORD}\n")).unwrap();
    for f in ["jwt", "admin"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(secrets.join(f), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let log = dir.join("stderr.log");
    let child = Command::new(env!("CARGO_BIN_EXE_loan-broker"))
        .arg("serve")
        .env_remove("LOAN_BROKER_CONFIG")
        .env_remove("LOAN_BROKER_LOG")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("LOAN_BROKER__STATE_DIR", dir.join("state"))
        .env("LOAN_BROKER__PORT", "0")
        .env("LOAN_BROKER__LOG_LEVEL", "debug")
        .env("LOAN_BROKER__JWT_SECRET_FILE", secrets.join("jwt"))
        .env(
            "LOAN_BROKER__INITIAL_ADMIN_PASSWORD_FILE",
            secrets.join("admin"),
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("binary starts");
    let mut service = Service {
        child,
        log,
        base: String::new(),
    };
    let listening = regex::Regex::new(r"listening on http://([0-9.:]+)").unwrap();
    for _ in 0..600 {
        if let Some(c) = listening.captures(&log_text(&service.log)) {
            service.base = format!("http://{}", &c[1]);
            return service;
        }
        if let Some(status) = service.child.try_wait().unwrap() {
            panic!("exited with {status}: {}", log_text(&service.log));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never listened: {}", log_text(&service.log));
}

struct Caller {
    client: Client,
    base: String,
    /// Every response, to be searched afterwards.
    bodies: Vec<(StatusCode, String)>,
}

impl Caller {
    async fn call(
        &mut self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        self.bodies.push((status, text.clone()));
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn login(&mut self, user: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            reqwest::Method::POST,
            "/api/auth/login",
            None,
            json!({"username": user, "password": password}),
        )
        .await
    }
}

fn token(v: &Value) -> String {
    v["access_token"].as_str().expect("a token").to_string()
}

#[tokio::test]
async fn secrets_and_passwords_never_appear_in_logs_or_error_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let service = start(dir.path()).await;
    let mut c = Caller {
        client: Client::new(),
        base: service.base.clone(),
        bodies: vec![],
    };
    use reqwest::Method as M;

    let (status, _) = c.login("admin", WRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = c.login("no-such-user", INITIAL_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, first) = c.login("admin", INITIAL_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the initial password comes from the file"
    );
    let first = token(&first);
    let (status, _) = c
        .call(
            M::POST,
            "/api/auth/change-password",
            Some(&first),
            json!({"current_password": WRONG_PASSWORD, "new_password": NEW_ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = c
        .call(
            M::POST,
            "/api/auth/change-password",
            Some(&first),
            json!({"current_password": INITIAL_PASSWORD, "new_password": WEAK_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, changed) = c
        .call(
            M::POST,
            "/api/auth/change-password",
            Some(&first),
            json!({"current_password": INITIAL_PASSWORD, "new_password": NEW_ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let admin = token(&changed);
    // The revoked token, a wrong login with the old password, a wrongly typed password.
    let (status, _) = c
        .call(M::GET, "/api/auth/me", Some(&first), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = c.login("admin", INITIAL_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, _) = c
        .call(
            M::POST,
            "/api/users",
            Some(&admin),
            json!({"username": "secret-staff", "display_name": "员工", "role": "staff", "password": WEAK_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, user) = c
        .call(
            M::POST,
            "/api/users",
            Some(&admin),
            json!({"username": "secret-staff", "display_name": "员工", "role": "staff", "password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, staff) = c.login("secret-staff", USER_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = c
        .call(
            M::POST,
            "/api/auth/change-password",
            Some(&token(&staff)),
            json!({"current_password": USER_PASSWORD, "new_password": USER_NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = c
        .call(
            M::PATCH,
            &format!("/api/users/{}", user["id"]),
            Some(&admin),
            json!({"password": RESET_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = c.login("secret-staff", USER_NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the reset replaced it");
    let (status, _) = c.login("secret-staff", RESET_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // Lock the admin out with wrong passwords: the lockout path logs too.
    for _ in 0..6 {
        c.login("admin", WRONG_PASSWORD).await;
    }
    let (status, _) = c.login("admin", NEW_ADMIN_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "locked answers like a wrong password"
    );

    let log = log_text(&service.log);
    assert!(
        log.contains("DEBUG") || log.contains("debug"),
        "debug logging is on: {log}"
    );
    assert!(log.contains("listening on"), "{log}");
    let secrets = [
        ("JWT secret", JWT_SECRET),
        ("initial admin password", INITIAL_PASSWORD),
        ("new admin password", NEW_ADMIN_PASSWORD),
        ("wrong password", WRONG_PASSWORD),
        ("user password", USER_PASSWORD),
        ("user's new password", USER_NEW_PASSWORD),
        ("reset password", RESET_PASSWORD),
        ("weak password", WEAK_PASSWORD),
        ("an argon2 hash", "$argon2"),
        ("a bearer token", &admin),
        ("a bearer token", &first),
    ];
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "the log contains the {what}:\n{log}");
        // Tokens are the point of a login's answer; nothing else belongs in any answer.
        let answers = c
            .bodies
            .iter()
            .filter(|(status, _)| what != "a bearer token" || !status.is_success());
        for (status, body) in answers {
            assert!(
                !body.contains(secret),
                "a {status} answer contains the {what}: {body}"
            );
        }
    }
    // No JWT of any kind is logged.
    assert!(!log.contains("eyJ"), "a JWT in the log:\n{log}");
}

#[tokio::test]
async fn wrongly_typed_passwords_are_echoed_neither_into_the_log_nor_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let service = start(dir.path()).await;
    let client = Client::new();
    let leaked = "Typed-Wrong-Pw-9Ae4Sd1";
    for body in [
        json!({"username": "admin", "password": [leaked]}),
        json!({"username": "admin", "password": {"p": leaked}}),
        json!({"username": ["admin"], "password": leaked}),
    ] {
        let resp = client
            .post(format!("{}/api/auth/login", service.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let text = resp.text().await.unwrap();
        assert!(
            !text.contains(leaked),
            "the error echoes the password: {text}"
        );
    }
    let raw = client
        .post(format!("{}/api/auth/login", service.base))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"username\": \"admin\", \"password\": \"{leaked}\""
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let log = log_text(&service.log);
    assert!(!log.contains(leaked), "the log contains a password:\n{log}");
}

/// Every kind of response: API data, API errors (401, 404, 405, 413, bad JSON), the spec, Swagger UI,
/// health and metrics, the SPA's index, an asset and a deep link.
#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers_and_no_server_header() {
    let dist = crate::helpers::spa_dist();
    let static_dir = dist.path().to_path_buf();
    let app = crate::helpers::spawn_with(move |s| {
        s.static_dir = Some(static_dir);
        s.max_body_bytes = 2048;
        let token_file = s.state_dir.clone().unwrap().join("metrics-token");
        crate::helpers::write_secret(&token_file, "headers-metrics-token-0123456789");
        s.metrics_token_file = Some(token_file);
    })
    .await;
    let token = app.admin_token().await;
    let client = &app.client;
    let get = |path: &str| client.get(app.url(path));
    let requests = vec![
        ("api data", get("/api/customers").bearer_auth(&token)),
        ("api public", get("/api/branding")),
        ("api 401", get("/api/auth/me")),
        ("api 404", get("/api/no-such-route").bearer_auth(&token)),
        (
            "api 405",
            client.delete(app.url("/api/branding")).bearer_auth(&token),
        ),
        (
            "api 413",
            client
                .post(app.url("/api/customers"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(vec![b' '; 4096]),
        ),
        (
            "api bad json",
            client
                .post(app.url("/api/customers"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{"),
        ),
        ("spec", get("/api/openapi.json")),
        ("docs", get("/docs")),
        ("docs slash", get("/docs/")),
        ("health", get("/health")),
        (
            "prometheus",
            get("/metrics").bearer_auth("headers-metrics-token-0123456789"),
        ),
        ("prometheus 401", get("/metrics")),
        ("spa missing asset", get("/assets/gone-0000.js")),
        ("spa index", get("/")),
        ("spa deep link", get("/customers/7")),
        ("spa asset", get("/assets/app-1234.js")),
    ];
    let mut wrong = vec![];
    for (what, req) in requests {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let h = resp.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let checks = [
            (
                "CSP frame-ancestors 'none'",
                csp.contains("frame-ancestors 'none'"),
            ),
            ("CSP default-src 'self'", csp.contains("default-src 'self'")),
            ("CSP object-src 'none'", csp.contains("object-src 'none'")),
            (
                "no inline scripts outside /docs",
                what.starts_with("docs")
                    || csp
                        .split(';')
                        .map(str::trim)
                        .any(|d| d == "script-src 'self'"),
            ),
            (
                "x-content-type-options: nosniff",
                h.get("x-content-type-options")
                    .is_some_and(|v| v == "nosniff"),
            ),
            (
                "x-frame-options: DENY",
                h.get("x-frame-options").is_some_and(|v| v == "DENY"),
            ),
            (
                "referrer-policy: no-referrer",
                h.get("referrer-policy").is_some_and(|v| v == "no-referrer"),
            ),
            ("no server header", h.get("server").is_none()),
            ("no x-powered-by header", h.get("x-powered-by").is_none()),
            (
                "API answers are not cached",
                !what.starts_with("api") || h.get("cache-control").is_some_and(|v| v == "no-store"),
            ),
        ];
        for (check, ok) in checks {
            if !ok {
                wrong.push(format!("{what} ({status}): {check}; headers {h:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
