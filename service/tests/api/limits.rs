//! Limits and hostile input: oversized bodies, paging and length limits, out-of-range numbers,
//! markup in text fields, slow clients, many connections.

use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// A guard against a hung test, not a timing assertion: everything here answers in milliseconds.
const HANG: Duration = Duration::from_secs(60);

async fn customers_total(app: &TestApp, token: &str) -> i64 {
    let list = json_of(app.get("/api/customers?page_size=1", token).await).await;
    list["total"].as_i64().unwrap()
}

/// Sends raw bytes on a fresh connection and reads the whole answer (the server closes or the
/// response is complete when `Connection: close` was asked for).
async fn raw_exchange(app: &TestApp, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = vec![];
    let _ = tokio::time::timeout(HANG, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_write_nothing() {
    let app = spawn_with(|s| {
        s.max_body_bytes = 4096;
        s.max_upload_bytes = 8192;
    })
    .await;
    let token = app.admin_token().await;

    // A customer that would be valid but for its size (3,000 characters of notes = 9,000 bytes).
    let big = json!({"name": "超大请求公司", "notes": "备".repeat(3000)});
    let resp = app.post("/api/customers", &token, big.clone()).await;
    let err = assert_error(resp, StatusCode::PAYLOAD_TOO_LARGE, None).await;
    assert_eq!(err["code"], "too_large");

    // The same without a Content-Length (chunked): read up to the limit, then refused.
    let body = serde_json::to_vec(&big).unwrap();
    let mut request = format!(
        "POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(1000) {
        request.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend(chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");
    let answer = raw_exchange(&app, &request).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");

    // An import over the upload limit, committing: refused before a row is read.
    let mut csv = String::from("企业名称,备注\n");
    for i in 0..200 {
        csv.push_str(&format!("导入超限公司{i},{}\n", "x".repeat(40)));
    }
    assert!(csv.len() > 8192);
    let form = Form::new().part(
        "file",
        Part::bytes(csv.into_bytes())
            .file_name("big.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let resp = app
        .client
        .post(app.url("/api/imports/customers?dry_run=false"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_error(resp, StatusCode::PAYLOAD_TOO_LARGE, None).await;

    assert_eq!(customers_total(&app, &token).await, 0, "nothing written");
    let audit = app.audit(&token, "action=customer.").await;
    assert!(
        audit.is_empty(),
        "no audit entry for refused writes: {audit:?}"
    );
    // The server is fine afterwards: a small request still works.
    app.create_customer(&token, json!({"name": "正常大小公司"}))
        .await;
}

#[tokio::test]
async fn page_size_over_100_and_bad_pages_are_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for path in ["/api/customers", "/api/audit-logs"] {
        let ok = app.get(&format!("{path}?page_size=100"), &token).await;
        assert_eq!(ok.status(), StatusCode::OK, "{path}");
        for (query, field) in [
            ("page_size=101", "page_size"),
            ("page_size=0", "page_size"),
            ("page_size=100000000000", "page_size"),
            ("page_size=-1", "page_size"),
            ("page=0", "page"),
            ("page=abc", "page"),
        ] {
            let resp = app.get(&format!("{path}?{query}"), &token).await;
            assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
        }
    }
}

#[tokio::test]
async fn strings_over_their_maximum_length_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for (field, max) in [
        ("name", 100),
        ("legal_person", 50),
        ("main_business", 500),
        ("industry", 50),
        ("contact_name", 50),
        ("notes", 5000),
    ] {
        let mut body = json!({"name": "长度测试公司"});
        body[field] = json!("长".repeat(max));
        let at_limit = app.post("/api/customers", &token, body.clone()).await;
        assert_eq!(at_limit.status(), StatusCode::CREATED, "{field} at {max}");
        body[field] = json!("长".repeat(max + 1));
        let over = app.post("/api/customers", &token, body).await;
        assert_error(over, StatusCode::BAD_REQUEST, Some(field)).await;
    }
    let phone = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "电话过长公司", "contact_phone": "1".repeat(31)}),
        )
        .await;
    assert_error(phone, StatusCode::BAD_REQUEST, Some("contact_phone")).await;
    let collateral = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "抵押物说明过长公司", "collaterals": [{"kind": "residential", "description": "长".repeat(201)}]}),
        )
        .await;
    assert_error(
        collateral,
        StatusCode::BAD_REQUEST,
        Some("collaterals[0].description"),
    )
    .await;
    // Framework-checked lengths name the field too.
    let provider = app
        .post(
            "/api/providers",
            &token,
            json!({"name": "长".repeat(101), "category": "tax_agency"}),
        )
        .await;
    assert_error(provider, StatusCode::BAD_REQUEST, Some("name")).await;
    let user = app
        .post(
            "/api/users",
            &token,
            json!({"username": "longname", "display_name": "长".repeat(101), "role": "staff", "password": "Long-Passw0rd-1"}),
        )
        .await;
    assert_error(user, StatusCode::BAD_REQUEST, Some("display_name")).await;
    let brand = app
        .put(
            "/api/branding",
            &token,
            json!({"brand_name": "长".repeat(41)}),
        )
        .await;
    assert_error(brand, StatusCode::BAD_REQUEST, Some("brand_name")).await;
    let query = app
        .get(&format!("/api/customers?q={}", "q".repeat(101)), &token)
        .await;
    assert_error(query, StatusCode::BAD_REQUEST, Some("q")).await;
    let login = app.login(&"u".repeat(65), "whatever-password").await;
    assert_error(login, StatusCode::BAD_REQUEST, Some("username")).await;
}

#[tokio::test]
async fn numbers_out_of_range_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for (field, value) in [
        ("legal_person_age", json!(17)),
        ("legal_person_age", json!(101)),
        ("legal_person_age", json!(1e30)),
        ("legal_person_age", json!(2.5)),
        ("invoice_gap_months", json!(13)),
        ("inquiries_1m", json!(-1)),
        ("overdue_count_24m", json!(1000)),
        ("reg_capital_wan", json!(-0.01)),
        ("annual_tax_wan", json!(1e8)),
        ("monthly_flow_wan", json!(1e300)),
        ("card_utilization_pct", json!(1000.5)),
        ("owner_id", json!(9_007_199_254_740_993_i64)),
        ("established_on", json!("1900-01-01")),
        ("established_on", json!("2999-01-01")),
        ("established_on", json!("2024-02-30")),
    ] {
        let mut body = json!({"name": "范围测试公司"});
        body[field] = value.clone();
        let resp = app.post("/api/customers", &token, body).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{field} = {value}");
        assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
        if field == "owner_id" {
            continue; // an unknown owner only matters when something is stored
        }
        let resp = app
            .post("/api/diagnoses/simulate", &token, json!({ field: value }))
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::BAD_REQUEST,
            "simulate {field} = {value}"
        );
        assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
    }
    let price = app
        .post(
            "/api/providers",
            &token,
            json!({"name": "价格越界", "category": "tax_agency", "price_min_wan": 1e6}),
        )
        .await;
    assert_error(price, StatusCode::BAD_REQUEST, Some("price_min_wan")).await;
    for path in [
        "/api/customers/99999999999999999999",
        "/api/customers/-1",
        "/api/customers/0",
        "/api/plans/9223372036854775807",
    ] {
        let resp = app.get(path, &token).await;
        let status = resp.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
        assert_error(resp, status, None).await;
    }
    assert_eq!(customers_total(&app, &token).await, 0);
}

const SCRIPT: &str = r#"<script>alert("x")</script>"#;
const MARKUP: &str = r#"<img src=x onerror="alert(1)">&lt;b&gt;</b>' OR 1=1; --"#;

#[tokio::test]
async fn markup_in_every_text_field_is_stored_and_returned_verbatim_as_json_data() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let text = format!("{SCRIPT}{MARKUP}");
    let body = json!({
        "name": text,
        "legal_person": SCRIPT,
        "main_business": text,
        "industry": SCRIPT,
        "contact_name": SCRIPT,
        "notes": text,
        "collaterals": [{"kind": "residential", "description": text}],
    });
    let created = app.create_customer(&token, body.clone()).await;
    let id = created["id"].as_i64().unwrap();
    let resp = app.get(&format!("/api/customers/{id}"), &token).await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let got = json_of(resp).await;
    for field in [
        "name",
        "legal_person",
        "main_business",
        "industry",
        "contact_name",
        "notes",
    ] {
        assert_eq!(got[field], body[field], "{field}");
    }
    assert_eq!(got["collaterals"][0]["description"], text);
    // Found by searching for the markup itself, returned as data in the list too.
    let found = json_of(
        app.client
            .get(app.url("/api/customers"))
            .query(&[("q", SCRIPT)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["name"], text);

    let provider = json_of(
        app.post(
            "/api/providers",
            &token,
            json!({"name": SCRIPT, "category": "legal", "contact_name": SCRIPT, "notes": text}),
        )
        .await,
    )
    .await;
    let provider = json_of(
        app.get(&format!("/api/providers/{}", provider["id"]), &token)
            .await,
    )
    .await;
    assert_eq!(provider["name"], SCRIPT);
    assert_eq!(provider["contact_name"], SCRIPT);
    assert_eq!(provider["notes"], text);

    let user = app
        .post(
            "/api/users",
            &token,
            json!({"username": "markup", "display_name": SCRIPT, "role": "staff", "password": "Markup-Passw0rd"}),
        )
        .await;
    assert_eq!(json_of(user).await["display_name"], SCRIPT);
    let brand = app
        .put("/api/branding", &token, json!({"brand_name": SCRIPT}))
        .await;
    assert_eq!(brand.status(), StatusCode::OK);
    let branding = json_of(app.request(Method::GET, "/api/branding", None, None).await).await;
    assert_eq!(branding["brand_name"], SCRIPT);

    // The audit log keeps the same data as data.
    let audit = app.audit(&token, "action=customer.create").await;
    assert_eq!(audit[0]["after"]["name"], text);

    // The export carries it verbatim too (a spreadsheet cell, not markup).
    let csv = app
        .get("/api/exports/customers?format=csv", &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(SCRIPT.replace('"', "\"\"").as_str()), "{csv}");
}

#[tokio::test]
async fn clients_that_never_send_their_body_or_headers_do_not_block_others() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let mut idle = vec![];
    for i in 0..40 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        let head = if i % 2 == 0 {
            // Complete headers, a promised body that never comes.
            format!(
                "POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\": \"慢"
            )
        } else {
            // Headers that never end.
            "GET /api/customers HTTP/1.1\r\nHost: x\r\nX-Slow: a".to_string()
        };
        stream.write_all(head.as_bytes()).await.unwrap();
        idle.push(stream);
    }
    let others = async {
        let health = app.request(Method::GET, "/health", None, None).await;
        assert_eq!(health.status(), StatusCode::OK);
        let created = app
            .create_customer(&token, json!({"name": "不受慢客户端影响公司"}))
            .await;
        assert!(created["id"].is_i64());
        let list = app.get("/api/customers", &token).await;
        assert_eq!(list.status(), StatusCode::OK);
    };
    tokio::time::timeout(HANG, others)
        .await
        .expect("other clients are served while slow ones hold connections");
    drop(idle);
    assert_eq!(
        customers_total(&app, &token).await,
        1,
        "the half-sent customer was not written"
    );
}

#[tokio::test]
async fn two_hundred_concurrent_connections_are_served_or_refused_cleanly() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let customer = app
        .create_customer(&token, json!({"name": "并发测试公司", "annual_tax_wan": 3}))
        .await;
    let id = customer["id"].as_i64().unwrap();
    // One client per task: a connection each, no pooling between them.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let url = app.url("");
        let token = token.clone();
        tasks.spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(HANG)
                .build()
                .unwrap();
            let req = match i % 5 {
                0 => client
                    .post(format!("{url}/api/customers"))
                    .json(&json!({"name": format!("并发写入公司{i}")})),
                1 => client.post(format!("{url}/api/customers/{id}/diagnoses")),
                2 => client.get(format!("{url}/api/customers/{id}")),
                3 => client.get(format!("{url}/api/dashboard")),
                _ => client.get(format!("{url}/api/customers?q=并发")),
            };
            match req.bearer_auth(&token).send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let body = resp.text().await.unwrap_or_default();
                    Ok((status, body))
                }
                Err(e) => Err(e.to_string()),
            }
        });
    }
    let (mut ok, mut refused, mut wrong) = (0, 0, vec![]);
    while let Some(done) = tasks.join_next().await {
        match done.expect("task ran") {
            Ok((status, _)) if status.is_success() => ok += 1,
            Ok((status, body)) if status.is_server_error() => {
                wrong.push(format!("{status}: {body}"))
            }
            Ok((status, body)) => {
                // 429 or 503 would be a clean refusal; anything else is a wrong answer.
                if status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::SERVICE_UNAVAILABLE
                {
                    refused += 1;
                } else {
                    wrong.push(format!("{status}: {body}"));
                }
            }
            Err(_) => refused += 1,
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers: {wrong:?}", wrong.len());
    assert!(ok > 0, "nothing was served ({refused} refused)");
    // Every acknowledged write is there, and the server still answers.
    let written = json_of(
        app.get("/api/customers?q=并发写入&page_size=100", &token)
            .await,
    )
    .await;
    assert!(written["total"].as_i64().unwrap() <= 40);
    let health = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(health.status(), StatusCode::OK);
    let _: Value = json_of(
        app.get(&format!("/api/customers/{id}/diagnoses"), &token)
            .await,
    )
    .await;
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
async fn read_until_closed(mut stream: tokio::net::tcp::OwnedReadHalf) -> (String, Instant) {
    let mut out = vec![];
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(HANG, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open for {HANG:?}"),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), Instant::now())
}

/// Sends `head` at once, then `trickle` one byte every `every` until the server hangs up.
async fn trickle(
    app: &TestApp,
    head: &[u8],
    trickle: &[u8],
    every: Duration,
) -> (String, Duration) {
    let stream = TcpStream::connect(app.addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let started = Instant::now();
    let closed = tokio::spawn(read_until_closed(read));
    write.write_all(head).await.unwrap();
    for byte in trickle.iter().cycle().take(1_000) {
        if closed.is_finished() || write.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(every).await;
    }
    let (answer, at) = closed.await.unwrap();
    (answer, at - started)
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_after_the_header_timeout() {
    let app = spawn_with(|s| s.header_read_timeout_secs = 1).await;
    let (answer, after) = trickle(
        &app,
        b"GET /health HTTP/1.1\r\nHost: x\r\n",
        b"X-Slow: aaaaaaaa\r\n",
        Duration::from_millis(200),
    )
    .await;
    eprintln!("trickled headers: closed after {after:?}, answer {answer:?}");
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "closed after {after:?} (header timeout 1 s)"
    );
    // A kept-alive connection that sends nothing is closed after the same time.
    let (answer, after) = trickle(
        &app,
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"",
        Duration::from_millis(200),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        after < Duration::from_secs(5),
        "idle keep-alive closed after {after:?}"
    );
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_408_after_the_body_timeout() {
    let app = spawn_with(|s| s.body_read_timeout_secs = 1).await;
    let token = app.admin_token().await;
    let head = format!(
        "POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"name\": \"慢"
    );
    let (answer, after) = trickle(&app, head.as_bytes(), b" ", Duration::from_millis(200)).await;
    eprintln!("trickled body: answered and closed after {after:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let json: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(json["code"], "request_timeout");
    assert!(
        json["message"].as_str().unwrap().contains("秒内传完"),
        "{json}"
    );
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "answered after {after:?} (body timeout 1 s)"
    );
    // Chunked uploads read through the same deadline.
    let chunked = format!(
        "POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{{\r\n"
    );
    let (answer, _) = trickle(
        &app,
        chunked.as_bytes(),
        b"1\r\n \r\n",
        Duration::from_millis(100),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(
        customers_total(&app, &token).await,
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_slow_but_steady_upload_within_the_body_timeout_succeeds() {
    let app = spawn_with(|s| s.body_read_timeout_secs = 5).await;
    let token = app.admin_token().await;
    let body = json!({"name": "稳定慢传公司", "notes": "备注".repeat(300)}).to_string();
    let head = format!(
        "POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    for chunk in body.as_bytes().chunks(body.len() / 10 + 1) {
        stream.write_all(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let mut out = vec![];
    tokio::time::timeout(HANG, stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&out);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the upload was slow"
    );
    assert_eq!(customers_total(&app, &token).await, 1);
}

#[tokio::test]
async fn connections_over_max_connections_wait_until_one_ends() {
    let app = spawn_with(|s| s.max_connections = 4).await;
    let mut held = vec![];
    for _ in 0..4 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            .await
            .unwrap();
        held.push(stream);
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let waited = client.get(app.url("/health")).send().await;
    assert!(
        waited.as_ref().is_err_and(|e| e.is_timeout()),
        "a fifth connection was served while four were held: {waited:?}"
    );
    drop(held);
    let served = tokio::time::timeout(HANG, app.request(Method::GET, "/health", None, None)).await;
    assert_eq!(
        served.expect("served once the held ones ended").status(),
        StatusCode::OK
    );
}

/// Issue 12 item 7 (the HTTP layer's part): 200 connections at once are tasks, not threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_two_hundred_connections_adds_no_threads() {
    let dir = tempfile::tempdir().unwrap();
    let served = crate::process::serve(dir.path(), &[]);
    // One client that keeps no idle connection: every request opens its own.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(HANG)
        .build()
        .unwrap();
    let warm = client.get(served.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(warm.status(), StatusCode::UNAUTHORIZED);
    let before = served.threads();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let req = client.get(served.url(match i % 4 {
            0 => "/api/no-such-thing",
            1 => "/metrics",
            2 => "/api/auth/me",
            _ => "/docs",
        }));
        tasks.spawn(async move {
            let resp = req.send().await?;
            let status = resp.status();
            resp.bytes().await.map(|_| status)
        });
    }
    let mut peak = before;
    let mut statuses = vec![];
    while let Some(done) = tasks.join_next().await {
        peak = peak.max(served.threads());
        statuses.push(done.unwrap().expect("every connection is answered"));
    }
    assert!(
        statuses
            .iter()
            .all(|s| s.is_client_error() || s.is_success()),
        "{statuses:?}"
    );
    eprintln!("200-connection burst: threads {before} → peak {peak}");
    assert!(
        peak <= before + 2,
        "threads {before} → {peak} during the burst"
    );
}
