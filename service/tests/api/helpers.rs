//! `spawn_app()` and one helper per endpoint. Every app binds port 0 before serving, so tests
//! never sleep or race for ports.

use std::net::SocketAddr;
use std::path::PathBuf;

use loan_broker::config::Settings;
use loan_broker::startup::Application;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const ADMIN_NEW_PASSWORD: &str = "Admin-Passw0rd-2026";

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state_dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    _server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn settings_for(dir: &std::path::Path) -> Settings {
    Settings {
        state_dir: Some(dir.to_path_buf()),
        port: 0,
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let state_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = settings_for(state_dir.path());
    configure(&mut settings);
    spawn_in(state_dir, settings).await
}

pub async fn spawn_in(state_dir: TempDir, settings: Settings) -> TestApp {
    let app = Application::bind(settings).await.expect("app binds");
    let addr = app.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        state_dir,
        stop: Some(stop),
        _server: server,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.state_dir.path().join(name)
    }

    pub fn initial_password(&self) -> String {
        std::fs::read_to_string(self.path("initial-admin-password"))
            .expect("initial password file")
            .trim()
            .to_string()
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.request(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await
    }

    /// Logs in with the initial password, changes it, and returns a usable admin token.
    pub async fn admin_token(&self) -> String {
        let first = self.login("admin", &self.initial_password()).await;
        assert_eq!(first.status(), StatusCode::OK);
        let token = json_of(first).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let changed = self
            .post(
                "/api/auth/change-password",
                &token,
                json!({"current_password": self.initial_password(), "new_password": ADMIN_NEW_PASSWORD}),
            )
            .await;
        assert_eq!(changed.status(), StatusCode::OK);
        json_of(changed).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a staff account (as admin) with the default rights — its own customers only, no
    /// export, no delete — and returns a token for it, password already changed.
    pub async fn staff_token(&self, admin: &str, username: &str) -> String {
        self.staff_token_with(admin, username, json!({})).await
    }

    /// A staff account that sees all customers and may export and delete (for tests whose
    /// subject is not the data scope).
    pub async fn staff_token_all(&self, admin: &str, username: &str) -> String {
        let rights = json!({"data_scope": "all", "can_export": true, "can_delete": true});
        self.staff_token_with(admin, username, rights).await
    }

    /// A staff account created with these extra fields (`data_scope`, `can_export`, …).
    pub async fn staff_token_with(&self, admin: &str, username: &str, extra: Value) -> String {
        let initial = "Staff-initial-1";
        let mut body = json!({"username": username, "display_name": "业务员", "role": "staff", "password": initial});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        let created = self.post("/api/users", admin, body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let token = json_of(self.login(username, initial).await).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let changed = self
            .post(
                "/api/auth/change-password",
                &token,
                json!({"current_password": initial, "new_password": "Staff-Passw0rd-x"}),
            )
            .await;
        assert_eq!(changed.status(), StatusCode::OK);
        json_of(changed).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn create_customer(&self, token: &str, body: Value) -> Value {
        let resp = self.post("/api/customers", token, body).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "create customer");
        let location = location_of(&resp);
        let customer = json_of(resp).await;
        assert_eq!(location, format!("/api/customers/{}", customer["id"]));
        customer
    }

    /// Uploads `bytes` as the brand logo under the file name `name`.
    pub async fn upload_logo(&self, token: &str, bytes: Vec<u8>, name: &str) -> Response {
        let file = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        self.client
            .post(self.url("/api/branding/logo"))
            .bearer_auth(token)
            .multipart(reqwest::multipart::Form::new().part("file", file))
            .send()
            .await
            .expect("upload sent")
    }

    pub async fn audit(&self, token: &str, query: &str) -> Vec<Value> {
        let resp = self.get(&format!("/api/audit-logs?{query}"), token).await;
        assert_eq!(resp.status(), StatusCode::OK);
        json_of(resp).await["items"].as_array().unwrap().clone()
    }
}

/// The `Location` of a `201 Created`.
pub fn location_of(resp: &Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location on {}", resp.status()))
        .to_string()
}

pub async fn json_of(resp: Response) -> Value {
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a 4xx with the project's error shape, a Chinese message and (optionally) the field.
pub async fn assert_error(resp: Response, status: StatusCode, field: Option<&str>) -> Value {
    assert_eq!(resp.status(), status, "status");
    let body = json_of(resp).await;
    assert!(body["code"].is_string(), "code in {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese message in {body}"
    );
    if let Some(f) = field {
        assert_eq!(body["field"], f, "field in {body}");
    }
    body
}

/// A valid 统一社会信用代码 derived from `n`.
pub fn uscc(n: u32) -> String {
    let first17 = format!("91110108{n:08}X");
    format!(
        "{first17}{}",
        loan_broker::domain::uscc::check_char(&first17).unwrap()
    )
}

/// Writes a secret file as an operator must: readable by its owner only (the service refuses
/// secret files that other users can read).
pub fn write_secret(path: &std::path::Path, contents: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, contents).expect("secret file written");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .expect("secret file made owner-only");
}

/// A built web app in a temp dir: `index.html` and one hashed asset, `assets/app-1234.js`.
pub fn spa_dist() -> TempDir {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>spa</title>",
    )
    .expect("index.html written");
    std::fs::create_dir(dist.path().join("assets")).expect("assets dir");
    std::fs::write(dist.path().join("assets/app-1234.js"), "console.log(1)")
        .expect("asset written");
    dist
}

/// A webhook receiver on 127.0.0.1 that keeps every JSON body it is sent.
pub async fn webhook_receiver() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use poem::listener::{Acceptor, Listener};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
    let store = seen.clone();
    let app = poem::Route::new().at(
        "/hook",
        poem::post(poem::endpoint::make(move |req: poem::Request| {
            let store = store.clone();
            async move {
                let body = req
                    .into_body()
                    .into_json::<serde_json::Value>()
                    .await
                    .unwrap_or_default();
                store.lock().unwrap().push(body);
                "ok"
            }
        })),
    );
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/hook"), seen)
}
