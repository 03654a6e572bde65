use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use crate::process::serve;

#[tokio::test]
async fn health_reports_ok_and_then_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    let ok = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let body = json_of(ok).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    // The database file is replaced with garbage under the running server.
    let _ = std::fs::remove_file(app.path("loan-broker.db"));
    std::fs::write(app.path("loan-broker.db"), vec![0xAB; 8192]).unwrap();
    let broken = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(broken.status(), StatusCode::SERVICE_UNAVAILABLE);
}

const METRICS_TOKEN: &str = "scrape-token-0123456789abcdef";

/// An app whose `/metrics` answers the bearer of [`METRICS_TOKEN`] (read from a token file).
async fn spawn_scrapable() -> TestApp {
    spawn_with(|s| {
        let file = s.state_dir.clone().unwrap().join("metrics-token");
        write_secret(&file, &format!("{METRICS_TOKEN}\n"));
        s.metrics_token_file = Some(file);
    })
    .await
}

async fn scrape(app: &TestApp) -> String {
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.text().await.unwrap()
}

#[tokio::test]
async fn prometheus_and_system_metrics() {
    let app = spawn_scrapable().await;
    let token = app.admin_token().await;
    app.create_customer(&token, json!({"name": "指标测试公司"}))
        .await;
    let text = scrape(&app).await;
    assert!(text.contains("loan_broker_http_requests_total{method=\"POST\",route=\"/api/customers\",status=\"201\"} 1"), "{text}");
    assert!(text.contains("loan_broker_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert!(text.contains("loan_broker_customers 1"));
    let m = json_of(app.get("/api/system/metrics", &token).await).await;
    assert_eq!(m["rows"]["customers"], 1);
    assert!(m["database_bytes"].as_u64().unwrap() > 0);
    assert!(m["process_rss_bytes"].as_u64().unwrap() > 1_000_000);
    assert!(m["disk_total_bytes"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn spec_lists_every_operation_with_id_tag_and_summary() {
    let app = spawn_app().await;
    let spec = json_of(
        app.request(Method::GET, "/api/openapi.json", None, None)
            .await,
    )
    .await;
    let mut ids = vec![];
    for (path, item) in spec["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id} has no summary"
            );
            ids.push(id.to_string());
        }
    }
    for expected in [
        "login",
        "changePassword",
        "me",
        "listUsers",
        "createCustomer",
        "listCustomers",
        "getBranding",
        "listAuditLogs",
        "systemMetrics",
    ] {
        assert!(
            ids.iter().any(|i| i == expected),
            "{expected} missing from {ids:?}"
        );
    }
    let docs = app.request(Method::GET, "/docs", None, None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn framework_errors_use_the_error_shape() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let bad_json = app
        .client
        .post(app.url("/api/customers"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_error(bad_json, StatusCode::BAD_REQUEST, None).await;
    let wrong_type = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "x", "legal_person_age": "old"}),
        )
        .await;
    assert_error(
        wrong_type,
        StatusCode::BAD_REQUEST,
        Some("legal_person_age"),
    )
    .await;
    let no_route = app.get("/api/no-such-thing", &token).await;
    assert_error(no_route, StatusCode::NOT_FOUND, None).await;
    let bad_path = app.get("/api/customers/abc", &token).await;
    assert_error(bad_path, StatusCode::BAD_REQUEST, None).await;
    let big = app
        .client
        .post(app.url("/api/customers"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_error(big, StatusCode::PAYLOAD_TOO_LARGE, None).await;
    let wrong_method = app
        .request(Method::DELETE, "/api/branding", Some(&token), None)
        .await;
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = wrong_method.json().await.unwrap();
    assert!(body["code"].is_string());
}

#[tokio::test]
async fn security_headers_and_spa_fallback() {
    let dist = crate::helpers::spa_dist();
    let dir = dist.path().to_path_buf();
    let app = spawn_with(move |s| s.static_dir = Some(dir)).await;
    let deep = app.request(Method::GET, "/customers/42", None, None).await;
    assert_eq!(deep.status(), StatusCode::OK);
    let h = deep.headers().clone();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h.get("server").is_none());
    assert!(deep.text().await.unwrap().contains("spa"));
    let asset = app
        .request(Method::GET, "/assets/app-1234.js", None, None)
        .await;
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let api_404 = app.request(Method::GET, "/api/nothing", None, None).await;
    assert_eq!(
        api_404.status(),
        StatusCode::NOT_FOUND,
        "API paths never fall back to the SPA"
    );
}

// ---- /metrics: who may scrape it ------------------------------------------------------------

#[tokio::test]
async fn metrics_answer_only_the_bearer_of_the_token() {
    let app = spawn_scrapable().await;
    let get = |auth: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send()
    };
    for (what, auth) in [
        ("no token", None),
        (
            "wrong token",
            Some("Bearer scrape-token-0123456789abcdeX".to_string()),
        ),
        (
            "prefix of the token",
            Some("Bearer scrape-token".to_string()),
        ),
        ("token plus more", Some(format!("Bearer {METRICS_TOKEN}x"))),
        ("basic scheme", Some(format!("Basic {METRICS_TOKEN}"))),
        ("empty bearer", Some("Bearer ".to_string())),
    ] {
        let resp = get(auth.as_deref()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            resp.headers()["www-authenticate"],
            "Bearer realm=\"metrics\""
        );
        let body = assert_error(resp, StatusCode::UNAUTHORIZED, None).await;
        assert_eq!(body["code"], "unauthorized", "{what}");
    }
    let ok = get(Some(&format!("Bearer {METRICS_TOKEN}"))).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    assert!(ok.text().await.unwrap().contains("loan_broker_users 1"));
    // An admin's login token is not a scrape token.
    let admin = app.admin_token().await;
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn metrics_without_a_configured_token_are_404_for_everyone() {
    let app = spawn_app().await;
    for auth in [None, Some("Bearer anything"), Some("Bearer ")] {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        let body = assert_error(resp, StatusCode::NOT_FOUND, None).await;
        assert_eq!(body["code"], "not_found");
    }
    // Health stays open: the monitor (`loan-broker monitor`) only calls /health.
    let health = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(health.status(), StatusCode::OK);
}

/// The real binary: the token from `$CREDENTIALS_DIRECTORY/metrics_token` (systemd's
/// LoadCredential), and the one start-up line that says /metrics is off without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_token_from_the_credentials_directory_and_a_start_up_note_without_one() {
    let creds = tempfile::tempdir().unwrap();
    write_secret(
        &creds.path().join("metrics_token"),
        "cred-token-abcdef0123456789\n",
    );
    let state = tempfile::tempdir().unwrap();
    let creds_dir = creds.path().to_str().unwrap().to_string();
    let served = serve(
        state.path(),
        &[("CREDENTIALS_DIRECTORY", creds_dir.as_str())],
    );
    let client = reqwest::Client::new();
    let scrape = |token: &'static str| client.get(served.url("/metrics")).bearer_auth(token).send();
    assert_eq!(
        scrape("cred-token-abcdef0123456789")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        scrape("cred-token-abcdef012345678").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        !served.log_text().contains("/metrics is disabled"),
        "{}",
        served.log_text()
    );
    // The admin's login token opens the API, not /metrics.
    let login: Value = client
        .post(served.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": served.initial_password()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = login["access_token"]
        .as_str()
        .expect("admin logs in")
        .to_string();
    let resp = client
        .get(served.url("/metrics"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    drop(served);

    let plain = tempfile::tempdir().unwrap();
    let served = serve(plain.path(), &[]);
    let status = client
        .get(served.url("/metrics"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let log = served.log_text();
    assert_eq!(
        log.matches("/metrics is disabled").count(),
        1,
        "one start-up line names the setting:\n{log}"
    );
    assert!(log.contains("metrics_token_file"), "{log}");
}

// ---- /metrics: labels and format ------------------------------------------------------------

/// One sample of the text format: name, decoded labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Go's ParseFloat as Prometheus uses it, for the forms an exposition can hold.
fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => s
            .parse::<f64>()
            .map_err(|e| format!("bad value {s:?}: {e}")),
    }
}

/// The labels part after `{`: returns the labels and the rest of the line after `}`.
type Labels = Vec<(String, String)>;

fn parse_labels(mut rest: &str) -> Result<(Labels, &str), String> {
    let mut labels = vec![];
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("label without =")?;
        let name = &rest[..eq];
        if !is_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value must be quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("invalid escape {other:?} in label value")),
                },
                Some((_, '\n')) => return Err("raw line feed in label value".into()),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("label {name} twice"));
        }
        labels.push((name.to_string(), value));
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err(format!("expected , or }} after a label, got {rest:?}"));
        }
    }
}

/// A strict reader of the Prometheus text format 0.0.4: every line a comment, a HELP/TYPE line or
/// a sample; label values escaped; each metric family in one group, typed before its samples;
/// no series twice; the page ends with a line feed.
fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the last line must end with a line feed".into());
    }
    let mut samples: Vec<Sample> = vec![];
    let mut types: std::collections::HashMap<String, String> = Default::default();
    let mut helps = std::collections::HashSet::new();
    let mut finished_families = std::collections::HashSet::new();
    let mut current_family: Option<String> = None;
    let mut series = std::collections::HashSet::new();
    let family_of = |name: &str, types: &std::collections::HashMap<String, String>| {
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix)
                && types
                    .get(base)
                    .is_some_and(|t| t == "histogram" || t == "summary")
            {
                return base.to_string();
            }
        }
        name.to_string()
    };
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        let mut enter = |family: &str| -> Result<(), String> {
            if current_family.as_deref() != Some(family) {
                if let Some(previous) = current_family.take() {
                    finished_families.insert(previous);
                }
                if finished_families.contains(family) {
                    return Err(format!("metric family {family} is split into two groups"));
                }
                current_family = Some(family.to_string());
            }
            Ok(())
        };
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.trim_start().splitn(3, ' ').collect();
            match words.as_slice() {
                ["HELP", name, help] => {
                    if !is_metric_name(name) {
                        return Err(at(format!("bad metric name {name:?}")));
                    }
                    let mut escaped = help.chars();
                    while let Some(c) = escaped.next() {
                        if c == '\\' && !matches!(escaped.next(), Some('\\' | 'n')) {
                            return Err(at("invalid escape in HELP".into()));
                        }
                    }
                    if !helps.insert(name.to_string()) {
                        return Err(at(format!("second HELP for {name}")));
                    }
                    enter(name).map_err(at)?;
                }
                ["TYPE", name, kind] => {
                    if !is_metric_name(name) {
                        return Err(at(format!("bad metric name {name:?}")));
                    }
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(kind) {
                        return Err(at(format!("unknown type {kind:?}")));
                    }
                    if types.insert(name.to_string(), kind.to_string()).is_some() {
                        return Err(at(format!("second TYPE for {name}")));
                    }
                    if samples.iter().any(|s| family_of(&s.name, &types) == *name) {
                        return Err(at(format!("TYPE for {name} after its samples")));
                    }
                    enter(name).map_err(at)?;
                }
                ["HELP", ..] | ["TYPE", ..] => return Err(at("incomplete HELP/TYPE".into())),
                _ => {}
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| at("no value".into()))?;
        let name = &line[..name_end];
        if !is_metric_name(name) {
            return Err(at(format!("bad metric name {name:?}")));
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end + 1..]).map_err(at)?
        } else {
            (vec![], &line[name_end..])
        };
        let rest = rest
            .strip_prefix(' ')
            .ok_or_else(|| at("expected a space before the value".into()))?;
        let mut fields = rest.split(' ');
        let value = parse_value(fields.next().unwrap_or_default()).map_err(at)?;
        if let Some(ts) = fields.next()
            && ts.parse::<i64>().is_err()
        {
            return Err(at(format!("bad timestamp {ts:?}")));
        }
        if fields.next().is_some() {
            return Err(at("trailing fields".into()));
        }
        enter(&family_of(name, &types)).map_err(at)?;
        let mut key: Vec<_> = labels.clone();
        key.sort();
        if !series.insert((name.to_string(), key)) {
            return Err(at("the same series twice".into()));
        }
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    Ok(samples)
}

#[test]
fn the_exposition_reader_refuses_what_prometheus_refuses() {
    let good =
        "# HELP a_total A thing.\n# TYPE a_total counter\na_total{route=\"x\\\\y\\\"z\\n\"} 3\n";
    let samples = parse_exposition(good).unwrap();
    assert_eq!(samples[0].labels[0].1, "x\\y\"z\n");
    for bad in [
        "a_total{route=\"/api/x\\\"} 1\n", // a path ending in a backslash, unescaped
        "a_total{route=\"/api/\"x\"} 1\n", // a raw quote
        "a_total{route=\"/api/\nx\"} 1\n", // a raw line feed
        "a_total{route=\"x\\q\"} 1\n",     // an escape the format does not have
        "a_total{route=\"x\"} 1",          // no final line feed
        "a_total{route=\"x\"} 1\na_total{route=\"x\"} 2\n", // the same series twice
        "a{} one\n",
        "# TYPE a counter\n# TYPE a gauge\na 1\n",
        "a 1\nb 1\na 2\n", // a family split in two
    ] {
        assert!(parse_exposition(bad).is_err(), "accepted {bad:?}");
    }
}

fn requests_total(samples: &[Sample]) -> Vec<(String, String, String, f64)> {
    samples
        .iter()
        .filter(|s| s.name == "loan_broker_http_requests_total")
        .map(|s| {
            let label = |k: &str| {
                s.labels
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            (label("method"), label("route"), label("status"), s.value)
        })
        .collect()
}

/// Sends one raw request line (whatever bytes the path holds) and reads the answer's status line.
async fn raw_request(app: &TestApp, method: &str, target: &[u8]) -> String {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let mut req = format!("{method} ").into_bytes();
    req.extend_from_slice(target);
    req.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(&req).await.unwrap();
    let mut out = vec![];
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn metric_labels_are_route_templates_and_the_page_parses_after_hostile_paths() {
    let app = spawn_scrapable().await;
    let token = app.admin_token().await;
    let customer = app
        .create_customer(&token, json!({"name": "标签测试公司"}))
        .await;
    let id = customer["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/api/customers/{id}"), &token)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/customers/999999", &token).await.status(),
        StatusCode::NOT_FOUND
    );
    let hostile: [&[u8]; 9] = [
        b"/api/x\\",
        b"/api/\"quoted\"",
        b"/api/a%0Ab",
        b"/api/%E5%AE%A2%E6%88%B7",
        "/api/客户\\\"".as_bytes(),
        b"/api/customers/1\\",
        b"/nothing\\",
        b"/api/customers/abc\"",
        b"/assets/missing\\.js",
    ];
    let mut statuses = vec![];
    for path in hostile {
        statuses.push(raw_request(&app, "GET", path).await);
    }
    statuses.push(raw_request(&app, "BREW", b"/api/pot\\").await);
    // (Without a built frontend, paths outside /api answer 503 "前端尚未构建" by design.)
    for s in &statuses {
        assert!(
            s.starts_with("HTTP/1.1 4") || s.starts_with("HTTP/1.1 503"),
            "a hostile path got a server error: {statuses:?}"
        );
    }
    let text = scrape(&app).await;
    let samples = parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let totals = requests_total(&samples);
    let has = |method: &str, route: &str, status: &str| {
        totals
            .iter()
            .any(|(m, r, s, n)| m == method && r == route && s == status && *n >= 1.0)
    };
    assert!(has("GET", "/api/customers/{id}", "200"), "{text}");
    assert!(
        has("GET", "/api/customers/{id}", "404"),
        "a handler's 404 keeps its template: {text}"
    );
    assert!(has("POST", "/api/customers", "201"), "{text}");
    assert!(has("POST", "/api/auth/login", "200"), "{text}");
    assert!(has("GET", "unmatched", "404"), "{text}");
    assert!(
        has("other", "unmatched", "404") || has("other", "unmatched", "405"),
        "{text}"
    );
    let routes: std::collections::BTreeSet<&str> =
        totals.iter().map(|(_, r, _, _)| r.as_str()).collect();
    for route in &routes {
        assert!(
            [
                "unmatched",
                "static",
                "/docs",
                "/health",
                "/metrics",
                "/api/openapi.json"
            ]
            .contains(route)
                || (route.starts_with("/api/")
                    && !route.contains(['\\', '"', '\n', '%'])
                    && route
                        .split('/')
                        .all(|seg| !seg.chars().all(|c| c.is_ascii_digit()) || seg.is_empty())),
            "route label {route:?} is not a template"
        );
    }
    for leaked in [
        "x\\", "quoted", "pot", "客户", "999999", "nothing", "missing",
    ] {
        assert!(
            !text.contains(leaked),
            "a request path leaked into /metrics ({leaked}):\n{text}"
        );
    }
}

/// Issue 12 item 3: 5,000 requests to long random unknown paths against the real binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_unknown_paths_leave_metrics_and_memory_small() {
    let state = tempfile::tempdir().unwrap();
    let token_file = state.path().join("metrics-token");
    write_secret(&token_file, METRICS_TOKEN);
    let served = serve(
        state.path(),
        &[(
            "LOAN_BROKER__METRICS_TOKEN_FILE",
            token_file.to_str().unwrap(),
        )],
    );
    let client = reqwest::Client::new();
    let scrape = || async {
        client
            .get(served.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    scrape().await;
    let before = served.rss_mib();
    served.reset_peak();
    let started = Instant::now();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..5_000 {
        let mut tail = String::with_capacity(1_200);
        while tail.len() < 1_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            tail.push_str(&format!("{seed:016x}"));
        }
        let path = if i % 2 == 0 {
            format!("/api/{tail}")
        } else {
            format!("/api/customers/{i}/{tail}")
        };
        let status = client.get(served.url(&path)).send().await.unwrap().status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let text = scrape().await;
    let after = served.rss_mib();
    let peak = served.peak_rss_mib();
    let samples = parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let unmatched: f64 = requests_total(&samples)
        .iter()
        .filter(|(_, r, s, _)| r == "unmatched" && s == "404")
        .map(|(_, _, _, n)| n)
        .sum();
    eprintln!(
        "5,000 unknown paths in {:.1} s: /metrics {} bytes, RSS {before:.1} → {after:.1} MiB (peak {peak:.1})",
        started.elapsed().as_secs_f64(),
        text.len()
    );
    assert_eq!(unmatched, 5_000.0, "{text}");
    assert!(text.len() < 16 * 1024, "/metrics is {} bytes", text.len());
    assert!(!text.contains("/api/customers/1/"), "{text}");
    assert!(
        after - before < 8.0 && peak - before < 16.0,
        "RSS grew {before:.1} → {after:.1} MiB (peak {peak:.1}) over 5,000 unknown paths"
    );
}

// ---- the single-page app's files -----------------------------------------------------------

#[tokio::test]
async fn missing_assets_are_404_without_a_cache_lifetime_and_index_is_never_cached() {
    let dist = crate::helpers::spa_dist();
    let dir = dist.path().to_path_buf();
    let app = spawn_with(move |s| s.static_dir = Some(dir)).await;
    let get = |path: &'static str| app.request(Method::GET, path, None, None);

    for missing in [
        "/assets/app-0000.js",
        "/assets/index-old.css",
        "/assets/deep/er.png",
        "/favicon-missing.ico",
        "/robots.txt",
    ] {
        let resp = get(missing).await;
        let cache = resp
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string());
        assert!(
            !cache.as_deref().unwrap_or_default().contains("immutable"),
            "{missing}: {cache:?}"
        );
        let body = assert_error(resp, StatusCode::NOT_FOUND, None).await;
        assert_eq!(body["code"], "not_found", "{missing}");
    }
    for page in [
        "/",
        "/index.html",
        "/customers/12",
        "/customers/12/edit",
        "/diagnoses/3/report",
    ] {
        let resp = get(page).await;
        assert_eq!(resp.status(), StatusCode::OK, "{page}");
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{page}");
        assert!(resp.text().await.unwrap().contains("spa"), "{page}");
    }
    let asset = get("/assets/app-1234.js").await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(asset.text().await.unwrap(), "console.log(1)");
}
