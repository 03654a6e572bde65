//! Applications per bank (进件 / 放款): validation, transitions, history, the stage that follows,
//! visibility, audit, export and statistics.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Today in UTC+8, the service's business day.
fn business_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

async fn customer(app: &TestApp, token: &str, name: &str) -> i64 {
    app.create_customer(token, json!({"name": name})).await["id"]
        .as_i64()
        .unwrap()
}

async fn created(app: &TestApp, token: &str, customer: i64, body: Value) -> Value {
    let resp = app
        .post(
            &format!("/api/customers/{customer}/applications"),
            token,
            body,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = location_of(&resp);
    let a = json_of(resp).await;
    assert_eq!(location, format!("/api/applications/{}", a["id"]));
    a
}

async fn patched(app: &TestApp, token: &str, id: &Value, body: Value) -> Value {
    let resp = app
        .patch(&format!("/api/applications/{id}"), token, body)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    json_of(resp).await
}

async fn stage(app: &TestApp, token: &str, customer: i64) -> String {
    let c = json_of(app.get(&format!("/api/customers/{customer}"), token).await).await;
    c["stage"].as_str().unwrap().to_string()
}

async fn first_product(app: &TestApp, token: &str) -> Value {
    let products = json_of(app.get("/api/products", token).await).await;
    products[0].clone()
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_in_chinese() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "进件校验公司").await;
    let path = format!("/api/customers/{c}/applications");
    for (body, field) in [
        (json!({"amount_applied_wan": 100}), "institution"),
        (
            json!({"institution": "工商银行", "amount_applied_wan": 0}),
            "amount_applied_wan",
        ),
        (
            json!({"institution": "工商银行", "amount_applied_wan": -5}),
            "amount_applied_wan",
        ),
        (
            json!({"product_id": 99999, "amount_applied_wan": 10}),
            "product_id",
        ),
        (
            json!({"institution": "工商银行", "amount_applied_wan": 10, "status": "approved"}),
            "approved_wan",
        ),
        (
            json!({"institution": "工商银行", "amount_applied_wan": 10, "status": "rejected"}),
            "reason",
        ),
        (
            json!({"institution": "工商银行", "amount_applied_wan": 10, "rate_pct": 150}),
            "rate_pct",
        ),
        (
            json!({"institution": "工商银行", "amount_applied_wan": 10, "submitted_on": "2999-01-01"}),
            "submitted_on",
        ),
        (
            json!({"institution": "x".repeat(101), "amount_applied_wan": 10}),
            "institution",
        ),
    ] {
        let resp = app.post(&path, &admin, body.clone()).await;
        let err = assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
        assert!(
            err["message"].as_str().unwrap().contains(field),
            "{body}: {err}"
        );
    }
    // A bad status code is refused by the spec (400, never 500).
    let resp = app
        .post(
            &path,
            &admin,
            json!({"institution": "工商银行", "amount_applied_wan": 10, "status": "lost"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_product_fills_the_institution_and_the_pipeline_moves_forward_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "进件流程公司").await;
    let product = first_product(&app, &admin).await;
    let a = created(
        &app,
        &admin,
        c,
        json!({"product_id": product["id"], "amount_applied_wan": 200}),
    )
    .await;
    assert_eq!(a["status"], "preparing");
    assert_eq!(a["product_name"], product["product"]["name"]);
    let expected = product["product"]["institution"]
        .as_str()
        .or(product["product"]["name"].as_str())
        .unwrap();
    assert_eq!(a["institution"], expected);
    assert_eq!(a["amount_applied_wan"], 200.0);
    assert_eq!(a["history"].as_array().unwrap().len(), 1);
    assert_eq!(stage(&app, &admin, c).await, "new", "准备中 moves nothing");

    let id = a["id"].clone();
    let a = patched(&app, &admin, &id, json!({"status": "submitted"})).await;
    assert!(
        a["submitted_on"].is_string(),
        "submitted_on defaults to today"
    );
    assert_eq!(stage(&app, &admin, c).await, "applying");

    // Approved needs the approved amount.
    let resp = app
        .patch(
            &format!("/api/applications/{id}"),
            &admin,
            json!({"status": "approved"}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("approved_wan")).await;
    patched(
        &app,
        &admin,
        &id,
        json!({"status": "approved", "approved_wan": 150, "rate_pct": 3.65, "term_months": 12}),
    )
    .await;
    // Backwards is refused.
    let resp = app
        .patch(
            &format!("/api/applications/{id}"),
            &admin,
            json!({"status": "reviewing"}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("status")).await;
    // Disbursed needs amount and date; more than approved is refused.
    let resp = app
        .patch(
            &format!("/api/applications/{id}"),
            &admin,
            json!({"status": "disbursed", "disbursed_wan": 150}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("disbursed_on")).await;
    let resp = app
        .patch(
            &format!("/api/applications/{id}"),
            &admin,
            json!({"status": "disbursed", "disbursed_wan": 180, "disbursed_on": business_today()}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("disbursed_wan")).await;
    let a = patched(
        &app,
        &admin,
        &id,
        json!({"status": "disbursed", "disbursed_wan": 150, "disbursed_on": business_today()}),
    )
    .await;
    assert_eq!(stage(&app, &admin, c).await, "approved");
    let statuses: Vec<&str> = a["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["preparing", "submitted", "approved", "disbursed"]
    );
    assert!(a["history"][1]["actor_name"].is_string());

    // Settled is final.
    patched(&app, &admin, &id, json!({"status": "settled"})).await;
    let resp = app
        .patch(
            &format!("/api/applications/{id}"),
            &admin,
            json!({"status": "rejected", "reason": "x"}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("status")).await;
    // The same history reads back.
    let got = json_of(app.get(&format!("/api/applications/{id}"), &admin).await).await;
    assert_eq!(got["history"].as_array().unwrap().len(), 5);
    assert_eq!(got["status"], "settled");

    // Audit: one create, five updates, on the application.
    let entries = app
        .audit(
            &admin,
            &format!("resource_type=application&resource_id={id}"),
        )
        .await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "application.update")
            .count(),
        4,
        "{actions:?}"
    );
    assert!(actions.contains(&"application.create"));

    // The timeline lists the application.
    let tl = json_of(
        app.get(&format!("/api/customers/{c}/timeline"), &admin)
            .await,
    )
    .await;
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.iter().filter(|k| **k == "application").count() >= 5,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn rejections_need_a_reason_and_the_last_one_closed_brings_the_customer_back_to_improving() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "进件被拒公司").await;
    let a = created(
        &app,
        &admin,
        c,
        json!({"institution": "某农商行", "amount_applied_wan": 50, "status": "submitted"}),
    )
    .await;
    let b = created(
        &app,
        &admin,
        c,
        json!({"institution": "某城商行", "amount_applied_wan": 80, "status": "reviewing"}),
    )
    .await;
    assert_eq!(stage(&app, &admin, c).await, "applying");
    let resp = app
        .patch(
            &format!("/api/applications/{}", a["id"]),
            &admin,
            json!({"status": "rejected"}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("reason")).await;
    let a = patched(
        &app,
        &admin,
        &a["id"],
        json!({"status": "rejected", "reason": "征信查询过多"}),
    )
    .await;
    assert_eq!(a["reason"], "征信查询过多");
    assert_eq!(a["history"][1]["reason"], "征信查询过多");
    assert_eq!(stage(&app, &admin, c).await, "applying", "one still open");
    patched(&app, &admin, &b["id"], json!({"status": "withdrawn"})).await;
    assert_eq!(stage(&app, &admin, c).await, "improving");

    // A stage set by hand is not moved down by closures.
    let c2 = customer(&app, &admin, "手动流失公司").await;
    let x = created(
        &app,
        &admin,
        c2,
        json!({"institution": "某银行", "amount_applied_wan": 10, "status": "submitted"}),
    )
    .await;
    let resp = app
        .patch(
            &format!("/api/customers/{c2}"),
            &admin,
            json!({"stage": "lost"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    patched(&app, &admin, &x["id"], json!({"status": "withdrawn"})).await;
    assert_eq!(stage(&app, &admin, c2).await, "lost");
}

#[tokio::test]
async fn visibility_follows_the_customer() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token_all(&admin, "yewu_a").await;
    let own = app.staff_token(&admin, "yewu_own").await;
    let c = customer(&app, &admin, "回收站进件公司").await;
    let a = created(
        &app,
        &admin,
        c,
        json!({"institution": "工商银行", "amount_applied_wan": 10}),
    )
    .await;
    // Staff who see all customers see it; staff limited to their own customers do not even
    // learn it exists (the 404 of an unknown id, naming neither the customer nor its id).
    let resp = app
        .get(&format!("/api/applications/{}", a["id"]), &staff)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .get(&format!("/api/applications/{}", a["id"]), &own)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = json_of(resp).await;
    assert_eq!(
        body["message"],
        format!("进件 #{} 不存在", a["id"]),
        "{body}"
    );
    // Unknown ids are 404, anonymous is 401.
    let resp = app.get("/api/applications/999999", &staff).await;
    assert_error(resp, StatusCode::NOT_FOUND, None).await;
    let resp = app
        .post(
            "/api/customers/999999/applications",
            &staff,
            json!({"institution": "工商银行", "amount_applied_wan": 10}),
        )
        .await;
    assert_error(resp, StatusCode::NOT_FOUND, None).await;
    let resp = app
        .client
        .get(app.url("/api/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // A customer in the recycle bin shows none of its applications.
    let resp = app.delete(&format!("/api/customers/{c}"), &admin).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .get(&format!("/api/applications/{}", a["id"]), &staff)
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, None).await;
    let resp = app
        .get(&format!("/api/customers/{c}/applications"), &staff)
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, None).await;
    let resp = app
        .patch(
            &format!("/api/applications/{}", a["id"]),
            &staff,
            json!({"status": "submitted"}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, None).await;
    let list = json_of(app.get("/api/applications", &staff).await).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn the_list_filters_pages_and_exports_and_the_stats_count_known_data() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c1 = customer(&app, &admin, "统计甲公司").await;
    let c2 = customer(&app, &admin, "统计乙公司").await;
    let product = first_product(&app, &admin).await;
    let pid = product["id"].clone();
    let today = chrono::Utc::now().date_naive();
    let day = today.pred_opt().unwrap().to_string();
    // Product: 2 approvals (1 disbursed), 1 rejection, 1 withdrawn (not decided) → 66.7 %.
    let d = created(
        &app,
        &admin,
        c1,
        json!({"product_id": pid, "amount_applied_wan": 100, "status": "disbursed",
               "approved_wan": 100, "disbursed_wan": 90.5, "disbursed_on": day, "submitted_on": day}),
    )
    .await;
    created(
        &app,
        &admin,
        c1,
        json!({"product_id": pid, "amount_applied_wan": 60, "status": "approved", "approved_wan": 50}),
    )
    .await;
    created(
        &app,
        &admin,
        c2,
        json!({"product_id": pid, "amount_applied_wan": 30, "status": "rejected", "reason": "负债高"}),
    )
    .await;
    created(
        &app,
        &admin,
        c2,
        json!({"product_id": pid, "amount_applied_wan": 30, "status": "withdrawn"}),
    )
    .await;
    created(
        &app,
        &admin,
        c2,
        json!({"institution": "某小贷公司", "amount_applied_wan": 20, "status": "rejected", "reason": "无"}),
    )
    .await;

    let all = json_of(app.get("/api/applications?page_size=2", &admin).await).await;
    assert_eq!(all["total"], 5);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let rejected = json_of(app.get("/api/applications?status=rejected", &admin).await).await;
    assert_eq!(rejected["total"], 2);
    let by_name = json_of(
        app.get("/api/applications?q=%E7%94%B2", &admin).await, // 甲
    )
    .await;
    assert_eq!(by_name["total"], 2);
    let by_product = json_of(
        app.get(&format!("/api/applications?product_id={pid}"), &admin)
            .await,
    )
    .await;
    assert_eq!(by_product["total"], 4);
    let dated = json_of(
        app.get(
            &format!("/api/applications?submitted_from={day}&submitted_to={day}"),
            &admin,
        )
        .await,
    )
    .await;
    assert!(
        dated["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == d["id"])
    );
    let resp = app
        .get(
            "/api/applications?submitted_from=2026-02-01&submitted_to=2026-01-01",
            &admin,
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("submitted_to")).await;
    let resp = app.get("/api/applications?page_size=500", &admin).await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("page_size")).await;

    // Stats.
    let s = json_of(app.get("/api/applications/stats", &admin).await).await;
    assert_eq!(s["total"], 5);
    let count = |code: &str| {
        s["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["status"] == code)
            .unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count("rejected"), 2);
    assert_eq!(count("disbursed"), 1);
    assert_eq!(count("preparing"), 0);
    let months = s["disbursed_by_month"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let month = &day[..7];
    let m = months.iter().find(|m| m["month"] == month).unwrap();
    assert_eq!(m["disbursed_wan"], 90.5);
    assert_eq!(m["count"], 1);
    let p = s["approval_by_product"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["product_id"] == pid)
        .unwrap();
    assert_eq!(p["approved"], 2);
    assert_eq!(p["decided"], 3);
    assert_eq!(p["approval_rate_pct"], 66.7);
    let free = s["approval_by_product"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "某小贷公司")
        .unwrap();
    assert_eq!(free["approval_rate_pct"], 0.0);

    // Export: csv with the rows, xlsx is a workbook; both audited.
    let resp = app
        .get(
            "/api/applications/export?format=csv&status=rejected",
            &admin,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("某小贷公司") && text.contains("已拒绝"));
    let resp = app.get("/api/applications/export", &admin).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let entries = app.audit(&admin, "action=application.export").await;
    assert_eq!(entries.len(), 2);
}

#[tokio::test]
async fn products_carry_quote_fields_validated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = first_product(&app, &admin).await;
    let id = product["id"].clone();
    let mut body = product["product"].clone();
    body["rate_min_pct"] = json!(3.2);
    body["rate_max_pct"] = json!(6.5);
    body["term_months_min"] = json!(6);
    body["term_months_max"] = json!(36);
    body["repayment_methods"] = json!(["interest_first", "revolving"]);
    body["disbursement_time"] = json!("最快当天");
    body["contact"] = json!("张经理 13800000000");
    let resp = app
        .put(&format!("/api/products/{id}"), &admin, body.clone())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let saved = json_of(resp).await;
    assert_eq!(saved["product"]["rate_max_pct"], 6.5);
    assert_eq!(saved["product"]["repayment_methods"][1], "revolving");
    let mut bad = body.clone();
    bad["rate_min_pct"] = json!(9.0);
    let resp = app.put(&format!("/api/products/{id}"), &admin, bad).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = json_of(resp).await;
    assert!(err.to_string().contains("rate_max_pct"), "{err}");
    let mut bad = body;
    bad["repayment_methods"] = json!(["monthly"]);
    let resp = app.put(&format!("/api/products/{id}"), &admin, bad).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
