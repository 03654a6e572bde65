//! The customer timeline (客户动态): every kind of record of a customer, newest first.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn timeline(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let resp = app
        .get(&format!("/api/customers/{id}/timeline"), token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    json_of(resp).await["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_timeline_merges_every_record_of_the_customer_newest_first() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = app
        .create_customer(
            &admin,
            // The tax loan is blocked until tax reaches its gate: a plan follows.
            json!({
                "name": "嘉兴动态样板有限公司", "uscc": uscc(401), "established_on": "2018-01-01",
                "legal_person_age": 45, "annual_invoice_wan": 50, "annual_revenue_wan": 600, "invoice_gap_months": 0,
                "annual_tax_wan": 2.7, "tax_grade": "B", "current_overdue": false, "overdue_count_24m": 0,
                "lian3lei6_24m": false, "severe_record_5y": false, "inquiries_1m": 0, "inquiries_3m": 1, "inquiries_6m": 2,
                "card_utilization_pct": 30, "credit_institutions": 1, "business_loan_count": 0, "business_loan_balance_wan": 0,
                "dishonest_debtor": false, "business_status": "normal", "industry": "批发业", "loan_demand_wan": 50
            }),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let other = app
        .create_customer(&admin, json!({"name": "别家公司", "uscc": uscc(402)}))
        .await;
    app.patch(
        &format!("/api/customers/{id}"),
        &admin,
        json!({"annual_tax_wan": 2.6}),
    )
    .await;
    let d = json_of(
        app.post(&format!("/api/customers/{id}/diagnoses"), &admin, json!({}))
            .await,
    )
    .await;
    app.post(
        &format!("/api/diagnoses/{}/plans", d["id"]),
        &admin,
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/diagnoses/{}/shares", d["id"]),
        &admin,
        json!({}),
    )
    .await;

    let items = timeline(&app, &admin, id).await;
    let kinds: Vec<&str> = items.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["customer", "diagnosis", "plan", "share", "consent"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let times: Vec<&str> = items.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    // The consent recorded with the new customer is of the same moment (same transaction).
    let oldest = items.iter().rev().find(|e| e["kind"] != "consent").unwrap();
    assert_eq!(oldest["title"], "新增客户");
    let consent = items.iter().find(|e| e["kind"] == "consent").unwrap();
    assert!(
        consent["title"]
            .as_str()
            .unwrap()
            .starts_with("登记客户授权：诊断评估"),
        "{consent}"
    );
    let diagnosis = items.iter().find(|e| e["kind"] == "diagnosis").unwrap();
    assert_eq!(diagnosis["ref_id"], d["id"]);
    assert!(
        diagnosis["title"]
            .as_str()
            .unwrap()
            .starts_with("融资体检：")
    );
    assert!(
        items.iter().all(|e| !e.to_string().contains("别家公司")),
        "another customer's records stay out"
    );
    let others = timeline(&app, &admin, other["id"].as_i64().unwrap()).await;
    assert_eq!(others.len(), 2, "created with its consent: {others:?}");

    // Limits and unknown customers.
    let two = json_of(
        app.get(&format!("/api/customers/{id}/timeline?limit=2"), &admin)
            .await,
    )
    .await;
    assert_eq!(two["items"].as_array().unwrap().len(), 2);
    assert_eq!(two["items"][0], items[0]);
    for bad in ["0", "201"] {
        assert_error(
            app.get(&format!("/api/customers/{id}/timeline?limit={bad}"), &admin)
                .await,
            StatusCode::BAD_REQUEST,
            Some("limit"),
        )
        .await;
    }
    assert_error(
        app.get("/api/customers/99999/timeline", &admin).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
}
