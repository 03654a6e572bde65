//! The HTTP contract at its edge: 405 answers carry `Allow`, refused bodies name the field in
//! Chinese (never echoing the value), and the served document is the integrator form.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error, json_of, spawn_app};

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

async fn spec(app: &TestApp) -> Value {
    json_of(
        app.request(Method::GET, "/api/openapi.json", None, None)
            .await,
    )
    .await
}

/// A spec path with every parameter filled in (`/api/customers/{id}` → `/api/customers/1`).
fn concrete(template: &str) -> String {
    regex::Regex::new(r"\{[^}]+\}")
        .unwrap()
        .replace_all(template, "1")
        .into_owned()
}

fn allow_of(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get("allow")
        .unwrap_or_else(|| panic!("{} without Allow", resp.url()))
        .to_str()
        .unwrap()
        .split(',')
        .map(|m| m.trim().to_string())
        .collect()
}

#[tokio::test]
async fn every_api_path_answers_an_undeclared_method_with_405_and_its_methods_in_allow() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let spec = spec(&app).await;
    let mut checked = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        let declared: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        let mut expected: Vec<String> = METHODS
            .iter()
            .filter(|m| {
                declared.iter().any(|d| d == *m)
                    || (**m == "HEAD" && declared.iter().any(|d| d == "GET"))
            })
            .map(|m| m.to_string())
            .collect();
        expected.sort();
        let path = concrete(template);
        for wrong in METHODS.iter().filter(|m| !expected.iter().any(|e| e == *m)) {
            let resp = app
                .request(wrong.parse().unwrap(), &path, Some(&token), Some(json!({})))
                .await;
            assert_eq!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{wrong} {path}"
            );
            let mut allow = allow_of(&resp);
            if *wrong != "HEAD" {
                let body = assert_error(resp, StatusCode::METHOD_NOT_ALLOWED, None).await;
                assert_eq!(body["code"], "method_not_allowed", "{wrong} {path}: {body}");
            }
            allow.sort();
            assert_eq!(allow, expected, "{wrong} {path}");
            checked += 1;
        }
        // What Allow lists is routed: none of those methods answers 405.
        for ok in &expected {
            let resp = app.request(ok.parse().unwrap(), &path, None, None).await;
            assert_ne!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{ok} {path}");
        }
    }
    assert!(checked > 50, "only {checked} wrong methods tried");
}

#[tokio::test]
async fn a_405_names_the_methods_in_a_fixed_order_and_outside_the_api_too() {
    let app = spawn_app().await;
    let resp = app
        .request(Method::DELETE, "/api/branding", None, None)
        .await;
    assert_eq!(resp.headers()["allow"], "GET, HEAD, PUT");
    let body = assert_error(resp, StatusCode::METHOD_NOT_ALLOWED, None).await;
    assert!(
        body["message"].as_str().unwrap().contains("GET, HEAD, PUT"),
        "{body}"
    );
    let resp = app
        .request(Method::POST, "/api/customers/7", None, None)
        .await;
    assert_eq!(resp.headers()["allow"], "GET, HEAD, PATCH, DELETE");
    for path in ["/health", "/api/openapi.json"] {
        let resp = app.request(Method::POST, path, None, None).await;
        assert_eq!(resp.headers()["allow"], "GET, HEAD", "{path}");
        assert_error(resp, StatusCode::METHOD_NOT_ALLOWED, None).await;
    }
}

/// Sends `body` (raw text) as JSON.
async fn send_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Asserts a 400 `invalid_body` naming `field` with exactly `message`.
async fn assert_body_error(resp: reqwest::Response, field: Option<&str>, message: &str) -> Value {
    let body = assert_error(resp, StatusCode::BAD_REQUEST, None).await;
    assert_eq!(body["code"], "invalid_body", "{body}");
    match field {
        Some(f) => assert_eq!(body["field"], f, "{body}"),
        None => assert!(body.get("field").is_none(), "{body}"),
    }
    assert_eq!(body["message"], message, "{body}");
    body
}

#[tokio::test]
async fn a_missing_or_mistyped_user_field_is_named() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"username": "x"}),
            "display_name",
            "缺少必填字段 display_name（应为字符串）",
        ),
        (
            json!({"username": "x", "display_name": "小王", "password": "Initial-pass-1"}),
            "role",
            "缺少必填字段 role（应为以下取值之一：admin、staff）",
        ),
        (
            json!({"username": "x", "display_name": "小王", "role": "boss", "password": "Initial-pass-1"}),
            "role",
            "字段 role 的取值无效，可选值：admin、staff",
        ),
        (
            json!({"username": ["x"], "display_name": "小王", "role": "staff", "password": "Initial-pass-1"}),
            "username",
            "字段 username 应为字符串",
        ),
        (
            json!({"username": "x", "display_name": "长".repeat(101), "role": "staff", "password": "Initial-pass-1"}),
            "display_name",
            "字段 display_name 最多 100 个字符",
        ),
        (
            json!({"username": "x", "display_name": null, "role": "staff", "password": "Initial-pass-1"}),
            "display_name",
            "字段 display_name 不能为 null，应为字符串",
        ),
    ];
    for (body, field, message) in cases {
        let resp = app.post("/api/users", &token, body).await;
        assert_body_error(resp, Some(field), message).await;
    }
    let users = json_of(app.get("/api/users", &token).await).await;
    assert_eq!(users.as_array().unwrap().len(), 1, "nothing was created");
    // PATCH: absent and null fields are fine, a wrong one is named.
    let resp = app
        .patch(
            "/api/users/1",
            &token,
            json!({"display_name": null, "disabled": "no"}),
        )
        .await;
    assert_body_error(
        resp,
        Some("disabled"),
        "字段 disabled 应为布尔值（true 或 false）",
    )
    .await;
}

#[tokio::test]
async fn login_bodies_name_the_field_and_never_repeat_the_password() {
    let app = spawn_app().await;
    let resp = app
        .request(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"username": "admin"})),
        )
        .await;
    assert_body_error(
        resp,
        Some("password"),
        "缺少必填字段 password（应为字符串）",
    )
    .await;
    let secret = "Tr0ub4dor&3-secret";
    for body in [
        json!({"username": "admin", "password": [secret]}),
        json!({"username": "admin", "password": {"value": secret}}),
        json!({"username": "admin", "password": secret.repeat(20)}),
    ] {
        let resp = app
            .request(Method::POST, "/api/auth/login", None, Some(body.clone()))
            .await;
        let text = resp.text().await.unwrap();
        assert!(!text.contains(secret), "{body} → {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["field"], "password", "{answer}");
    }
    let resp = send_raw(
        &app,
        Method::POST,
        "/api/auth/login",
        None,
        &format!("{{\"username\": \"admin\", \"password\": \"{secret}\""),
    )
    .await;
    let text = resp.text().await.unwrap();
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("不是有效的 JSON"), "{text}");
}

#[tokio::test]
async fn customer_fields_are_named_with_what_they_should_be() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"name": "甲", "legal_person_age": 40.5}),
            "legal_person_age",
            "字段 legal_person_age 应为整数",
        ),
        (
            json!({"name": "甲", "legal_person_age": 9_223_372_036_854_775_808u64}),
            "legal_person_age",
            "字段 legal_person_age 超出整数范围（-9223372036854775808 至 9223372036854775807）",
        ),
        (
            json!({"name": "甲", "annual_tax_wan": "12"}),
            "annual_tax_wan",
            "字段 annual_tax_wan 应为数字",
        ),
        (
            json!({"name": "甲", "current_overdue": "maybe"}),
            "current_overdue",
            "字段 current_overdue 应为布尔值（true 或 false）",
        ),
        (
            json!({"name": "甲", "stage": "won"}),
            "stage",
            "字段 stage 的取值无效，可选值：new、contacted、diagnosed、improving、applying、approved、lost",
        ),
        (
            json!({"name": "甲", "tax_grade": "E"}),
            "tax_grade",
            "字段 tax_grade 的取值无效，可选值：A、B、M、C、D、unknown",
        ),
        (
            json!({"name": "甲", "established_on": "2020-13-01"}),
            "established_on",
            "字段 established_on 应为有效日期，格式 YYYY-MM-DD（如 2024-03-31）",
        ),
        (
            json!({"name": "甲", "collaterals": {"kind": "land"}}),
            "collaterals",
            "字段 collaterals 应为数组",
        ),
        (
            json!({"name": "甲", "collaterals": [{"kind": "land"}, {"kind": "land", "held_since": "去年"}]}),
            "collaterals[1].held_since",
            "字段 collaterals[1].held_since 应为有效日期，格式 YYYY-MM-DD（如 2024-03-31）",
        ),
        (
            json!({"name": "甲", "collaterals": [{"appraisal_wan": 100}]}),
            "collaterals[0].kind",
            "缺少必填字段 collaterals[0].kind（应为以下取值之一：residential、commercial、industrial、land、vehicle、equipment、other）",
        ),
        (
            json!({"name": "甲", "collaterals": [{"kind": "castle"}]}),
            "collaterals[0].kind",
            "字段 collaterals[0].kind 的取值无效，可选值：residential、commercial、industrial、land、vehicle、equipment、other",
        ),
    ];
    for (body, field, message) in cases.iter().cloned() {
        let resp = app.post("/api/customers", &token, body).await;
        assert_body_error(resp, Some(field), message).await;
    }
    // The same schema serves the simulator.
    for (body, field, message) in cases {
        let resp = app.post("/api/diagnoses/simulate", &token, body).await;
        assert_body_error(resp, Some(field), message).await;
    }
    let resp = app
        .post("/api/customers", &token, json!([{"name": "甲"}]))
        .await;
    assert_body_error(resp, None, "请求内容应为对象").await;
    let resp = send_raw(&app, Method::POST, "/api/customers", Some(&token), "").await;
    assert_body_error(resp, None, "请求内容为空，应为 JSON").await;
    let resp = send_raw(
        &app,
        Method::POST,
        "/api/customers",
        Some(&token),
        "{\n  \"name\": 甲\n}",
    )
    .await;
    assert_body_error(resp, None, "请求内容不是有效的 JSON（第 2 行第 11 列附近）").await;
    let list = json_of(app.get("/api/customers", &token).await).await;
    assert_eq!(list["total"], 0, "nothing was written");
}

#[tokio::test]
async fn a_customer_patch_names_the_wrong_field_and_takes_null_as_clear() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let c = app
        .create_customer(
            &token,
            json!({"name": "乙", "annual_tax_wan": 12.5, "stage": "contacted"}),
        )
        .await;
    let path = format!("/api/customers/{}", c["id"]);
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"annual_tax_wan": null, "stage": "won"}),
            "stage",
            "字段 stage 的取值无效，可选值：new、contacted、diagnosed、improving、applying、approved、lost",
        ),
        (
            json!({"legal_person_age": "四十"}),
            "legal_person_age",
            "字段 legal_person_age 应为整数",
        ),
        (
            json!({"collaterals": [{"kind": "land", "lien_wan": "很多"}]}),
            "collaterals[0].lien_wan",
            "字段 collaterals[0].lien_wan 应为数字",
        ),
        (
            json!({"business_status": "bankrupt"}),
            "business_status",
            "字段 business_status 的取值无效，可选值：",
        ),
    ];
    for (body, field, message) in cases {
        let resp = app.patch(&path, &token, body).await;
        let answer = assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
        assert_eq!(answer["code"], "invalid_body", "{answer}");
        assert!(
            answer["message"].as_str().unwrap().starts_with(message),
            "{answer}"
        );
    }
    let unchanged = json_of(app.get(&path, &token).await).await;
    assert_eq!(
        unchanged["annual_tax_wan"], 12.5,
        "a refused patch changes nothing"
    );
    assert_eq!(unchanged["stage"], "contacted");
}

#[tokio::test]
async fn catalog_bodies_name_the_field() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let resp = app
        .post(
            "/api/providers",
            &token,
            json!({"name": "", "category": "legal"}),
        )
        .await;
    assert_body_error(resp, Some("name"), "字段 name 不能为空").await;
    let resp = app
        .post(
            "/api/providers",
            &token,
            json!({"name": "某律所", "category": "lawyer"}),
        )
        .await;
    let answer = assert_error(resp, StatusCode::BAD_REQUEST, Some("category")).await;
    assert!(
        answer["message"].as_str().unwrap().contains("legal"),
        "{answer}"
    );
    let resp = app
        .patch(
            "/api/plans/1",
            &token,
            json!({"tasks": [{"index": -1, "done": true}]}),
        )
        .await;
    assert_body_error(
        resp,
        Some("tasks[0].index"),
        "字段 tasks[0].index 超出整数范围（0 至 4294967295）",
    )
    .await;
    // Products take any JSON in the document; what is no JSON at all is still explained.
    let resp = send_raw(
        &app,
        Method::POST,
        "/api/products",
        Some(&token),
        "{\"id\": \"p1\",}",
    )
    .await;
    let answer = assert_error(resp, StatusCode::BAD_REQUEST, None).await;
    assert_eq!(answer["code"], "invalid_body");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("请求内容不是有效的 JSON（第 1 行"),
        "{answer}"
    );
    let resp = send_raw(&app, Method::PUT, "/api/products/1", Some(&token), " ").await;
    assert_body_error(resp, None, "请求内容为空，应为 JSON").await;
}

#[tokio::test]
async fn the_served_document_and_swagger_ui_are_the_integrator_form() {
    let app = spawn_app().await;
    let served = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .text()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&served).unwrap();
    let tax = &doc["components"]["schemas"]["Customer"]["properties"]["tax_grade"];
    assert_eq!(tax["nullable"], true, "{tax}");
    assert_eq!(
        tax["allOf"],
        json!([{"$ref": "#/components/schemas/TaxGrade"}]),
        "{tax}"
    );
    let docs = app
        .request(Method::GET, "/docs", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        docs.contains(served.trim_end()),
        "Swagger UI shows the served document"
    );
}
