use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn full_customer(n: u32) -> Value {
    json!({
        "name": format!("杭州测试{n}科技有限公司"),
        "uscc": uscc(n),
        "established_on": "2019-03-15",
        "reg_capital_wan": 500.5,
        "legal_person": "王伟",
        "legal_person_age": 45,
        "annual_invoice_wan": 1234.5678,
        "invoice_gap_months": 1,
        "annual_tax_wan": 36.25,
        "tax_grade": "B",
        "monthly_flow_wan": 88.8,
        "current_overdue": false,
        "overdue_count_24m": 0,
        "lian3lei6_24m": false,
        "severe_record_5y": false,
        "inquiries_1m": 1,
        "inquiries_3m": 2,
        "inquiries_6m": 4,
        "card_utilization_pct": 35.5,
        "credit_institutions": 2,
        "business_loan_count": 1,
        "business_loan_balance_wan": 50.5,
        "dishonest_debtor": false,
        "business_status": "normal",
        "main_business": "软件开发",
        "industry": "软件和信息技术服务业",
        "loan_demand_wan": 200.5,
        "collaterals": [{"kind": "residential", "description": "杭州市西湖区住宅", "appraisal_wan": 380.25, "lien_wan": 120.5, "held_since": "2018-06-01"}],
        "contact_name": "李娜",
        "contact_phone": "13800138000",
        "stage": "contacted",
        "notes": "<script>alert(1)</script> 原样保存"
    })
}

#[tokio::test]
async fn create_read_update_round_trips_every_field() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let input = full_customer(1);
    let created = app.create_customer(&token, input.clone()).await;
    let id = created["id"].as_i64().unwrap();
    for (key, value) in input.as_object().unwrap() {
        match value.as_f64() {
            Some(n) => assert_eq!(created[key].as_f64(), Some(n), "field {key}"),
            None => assert_eq!(&created[key], value, "field {key}"),
        }
    }
    let fetched = json_of(app.get(&format!("/api/customers/{id}"), &token).await).await;
    assert_eq!(fetched, created);

    // PATCH: absent keeps, null clears to unknown, values replace.
    let patched = json_of(
        app.patch(
            &format!("/api/customers/{id}"),
            &token,
            json!({"annual_tax_wan": null, "stage": "diagnosed", "collaterals": []}),
        )
        .await,
    )
    .await;
    assert_eq!(patched["annual_tax_wan"], Value::Null);
    assert_eq!(patched["stage"], "diagnosed");
    assert_eq!(patched["collaterals"], json!([]));
    assert_eq!(patched["annual_invoice_wan"], input["annual_invoice_wan"]);

    let minimal = app
        .create_customer(&token, json!({"name": "只有名称的公司"}))
        .await;
    assert_eq!(minimal["uscc"], Value::Null);
    assert_eq!(
        minimal["annual_tax_wan"],
        Value::Null,
        "unknown is null, not 0"
    );
    assert_eq!(minimal["stage"], "new");
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("")),
        ("name", json!("长".repeat(101))),
        ("uscc", json!("91350100M000100Y44")),
        ("uscc", json!("123")),
        ("established_on", json!("2999-01-01")),
        ("established_on", json!("2020-13-01")),
        ("reg_capital_wan", json!(-1)),
        ("annual_tax_wan", json!("abc")),
        ("legal_person_age", json!(12)),
        ("invoice_gap_months", json!(13)),
        ("tax_grade", json!("E")),
        ("inquiries_3m", json!(0)),
        ("card_utilization_pct", json!(-5)),
        ("business_status", json!("bankrupt")),
        ("contact_phone", json!("call me")),
        ("owner_id", json!(999)),
        ("stage", json!("won")),
        ("current_overdue", json!("maybe")),
    ];
    for (field, value) in cases {
        let mut body = full_customer(2);
        body[field] = value.clone();
        let resp = app.post("/api/customers", &token, body).await;
        let err = assert_error(resp, StatusCode::BAD_REQUEST, None).await;
        assert!(
            err["field"].as_str().is_some_and(|f| f.contains(field)),
            "{field}={value}: {err}"
        );
    }
    let mut body = full_customer(3);
    body["collaterals"][0]["appraisal_wan"] = json!(-3);
    assert_error(
        app.post("/api/customers", &token, body).await,
        StatusCode::BAD_REQUEST,
        Some("collaterals[0].appraisal_wan"),
    )
    .await;
    let list = json_of(app.get("/api/customers", &token).await).await;
    assert_eq!(list["total"], 0, "no partial writes");
}

#[tokio::test]
async fn duplicate_uscc_is_a_conflict_even_in_the_recycle_bin() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let first = app.create_customer(&token, full_customer(4)).await;
    let dup = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "另一家", "uscc": uscc(4)}),
        )
        .await;
    let err = assert_error(dup, StatusCode::CONFLICT, Some("uscc")).await;
    assert!(err["message"].as_str().unwrap().contains("已被客户"));
    let id = first["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&format!("/api/customers/{id}"), &token)
            .await
            .status(),
        StatusCode::OK
    );
    let again = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "另一家", "uscc": uscc(4).to_lowercase()}),
        )
        .await;
    let err = assert_error(again, StatusCode::CONFLICT, Some("uscc")).await;
    assert!(err["message"].as_str().unwrap().contains("回收站"));
    // Changing another customer to the same code is refused too.
    let other = app.create_customer(&token, json!({"name": "第三家"})).await;
    let clash = app
        .patch(
            &format!("/api/customers/{}", other["id"]),
            &token,
            json!({"uscc": uscc(4)}),
        )
        .await;
    assert_error(clash, StatusCode::CONFLICT, Some("uscc")).await;
}

#[tokio::test]
async fn soft_delete_and_restore_are_audited() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let c = app.create_customer(&token, full_customer(5)).await;
    let path = format!("/api/customers/{}", c["id"]);
    let deleted = json_of(app.delete(&path, &token).await).await;
    assert!(deleted["deleted_at"].is_string());
    assert_eq!(
        json_of(app.get("/api/customers", &token).await).await["total"],
        0
    );
    assert_eq!(
        json_of(app.get("/api/customers?deleted=true", &token).await).await["total"],
        1
    );
    assert_error(
        app.patch(&path, &token, json!({"notes": "x"})).await,
        StatusCode::BAD_REQUEST,
        None,
    )
    .await;
    assert_error(
        app.delete(&path, &token).await,
        StatusCode::BAD_REQUEST,
        None,
    )
    .await;
    let restored = json_of(
        app.post(&format!("{path}/restore"), &token, json!({}))
            .await,
    )
    .await;
    assert_eq!(restored["deleted_at"], Value::Null);
    assert_error(
        app.get("/api/customers/424242", &token).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;

    let entries = app
        .audit(
            &token,
            &format!("resource_type=customer&resource_id={}", c["id"]),
        )
        .await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["customer.restore", "customer.delete", "customer.create"]
    );
    let create = &entries[2];
    assert_eq!(create["before"], Value::Null);
    assert_eq!(create["after"]["name"], c["name"]);
    assert_eq!(create["username"], "admin");
    assert_eq!(create["ip"], "127.0.0.1");
    assert!(
        entries[1]["before"]["deleted_at"].is_null()
            && entries[1]["after"]["deleted_at"].is_string()
    );
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let staff = app.staff_token(&token, "wangfang").await;
    let staff_id = json_of(app.get("/api/auth/me", &staff).await).await["id"]
        .as_i64()
        .unwrap();
    for n in 0..25u32 {
        let mut body = json!({
            "name": format!("公司{n:02}"),
            "industry": if n % 2 == 0 { "批发业" } else { "餐饮业" },
            "stage": if n < 5 { "applying" } else { "new" },
            "loan_demand_wan": n,
        });
        if n % 5 == 0 {
            body["owner_id"] = json!(staff_id);
            body["contact_name"] = json!("赵磊");
        }
        app.create_customer(&token, body).await;
    }
    let page = |q: &str| {
        let app = &app;
        let token = token.clone();
        let q = q.to_string();
        async move { json_of(app.get(&format!("/api/customers?{q}"), &token).await).await }
    };
    let first = page("sort=name&page=1&page_size=10").await;
    assert_eq!(
        (
            first["total"].as_i64(),
            first["items"].as_array().unwrap().len()
        ),
        (Some(25), 10)
    );
    assert_eq!(first["items"][0]["name"], "公司00");
    let third = page("sort=name&page=3&page_size=10").await;
    assert_eq!(third["items"].as_array().unwrap().len(), 5);
    assert_eq!(third["items"][4]["name"], "公司24");
    assert_eq!(
        page("sort=-loan_demand_wan&page_size=1").await["items"][0]["name"],
        "公司24"
    );
    assert_eq!(page("industry=批发业").await["total"], 13);
    assert_eq!(page("stage=applying").await["total"], 5);
    assert_eq!(page(&format!("owner_id={staff_id}")).await["total"], 5);
    assert_eq!(
        page("q=赵磊").await["total"],
        5,
        "search covers the contact"
    );
    assert_eq!(page("q=公司1").await["total"], 10);
    assert_eq!(
        page("q=%25").await["total"],
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(page("category=none").await["total"], 25);
    for (query, field) in [
        ("page=0", "page"),
        ("page_size=101", "page_size"),
        ("sort=password", "sort"),
        ("category=Z", "category"),
        ("stage=won", "stage"),
    ] {
        let resp = app.get(&format!("/api/customers?{query}"), &token).await;
        assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
    }
}
