use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

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

#[tokio::test]
async fn prometheus_and_system_metrics() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    app.create_customer(&token, json!({"name": "指标测试公司"}))
        .await;
    let text = app
        .request(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("loan_broker_http_requests_total{method=\"POST\",route=\"/api/customers\",status=\"200\"} 1"), "{text}");
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
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>spa</title>",
    )
    .unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("assets/app-1234.js"), "console.log(1)").unwrap();
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
