//! Fee agreements (委托协议): validation, fee computed from disbursed applications, due only
//! after disbursement, outstanding after partial receipt, rebates, visibility, audit, income.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Applications have no API on this branch yet: rows written straight into the real SQLite file.
fn application(
    app: &TestApp,
    customer: i64,
    status: &str,
    disbursed_yuan: Option<i64>,
    on: Option<&str>,
) -> i64 {
    let conn = rusqlite::Connection::open(app.path("loan-broker.db")).unwrap();
    conn.execute(
        "INSERT INTO applications (customer_id, institution, amount_applied_yuan, status, disbursed_yuan, disbursed_on, created_at, updated_at)
         VALUES (?1, '测试银行', 2000000, ?2, ?3, ?4, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
        rusqlite::params![customer, status, disbursed_yuan, on],
    )
    .unwrap();
    conn.last_insert_rowid()
}

async fn customer(app: &TestApp, token: &str, name: &str) -> i64 {
    app.create_customer(token, json!({"name": name})).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn fees_follow_the_disbursement_and_bad_input_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "协议测试公司").await;
    let other = customer(&app, &admin, "别家公司").await;
    let a1 = application(&app, c, "reviewing", None, None);
    let foreign = application(&app, other, "preparing", None, None);

    let url = format!("/api/customers/{c}/agreements");
    for (body, field) in [
        (json!({"fee_type": "percent"}), "fee_rate_pct"),
        (
            json!({"fee_type": "percent", "fee_rate_pct": 12}),
            "fee_rate_pct",
        ),
        (json!({"fee_type": "fixed"}), "fee_fixed_wan"),
        (
            json!({"fee_type": "percent", "fee_rate_pct": 1, "received_wan": -1}),
            "received_wan",
        ),
        (
            json!({"fee_type": "percent", "fee_rate_pct": 1, "rebates": [{"payer": "银行", "rate_pct": 1, "amount_wan": 1}]}),
            "rebates[0]",
        ),
        (
            json!({"fee_type": "percent", "fee_rate_pct": 1, "application_id": foreign}),
            "application_id",
        ),
    ] {
        let err = assert_error(
            app.post(&url, &admin, body.clone()).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        )
        .await;
        let named = if field.starts_with("rebates") {
            "rate_pct"
        } else {
            field
        };
        assert!(
            err["message"].as_str().unwrap().contains(named),
            "{body}: {err}"
        );
    }

    let r = app
        .post(
            &url,
            &admin,
            json!({"application_id": a1, "fee_type": "percent", "fee_rate_pct": 1.5,
                   "rebates": [{"payer": "测试银行", "rate_pct": 0.5}, {"payer": "担保公司", "amount_wan": 0.3}],
                   "refund_terms": "未放款全额退还", "service_scope": "融资咨询"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = json_of(r).await;
    assert_eq!(a["due_on"], "disbursement", "no upfront fee by default");
    assert_eq!(a["due"], false);
    assert_eq!(a["fee_wan"], 0.0);
    assert_eq!(a["outstanding_wan"], 0.0);

    // Disbursed 200万 on 2026-11-20: fee 3万, rebates 1万 + 0.3万; 1万 received → 2万 outstanding.
    rusqlite::Connection::open(app.path("loan-broker.db"))
        .unwrap()
        .execute(
            "UPDATE applications SET status = 'disbursed', disbursed_yuan = 2000000, disbursed_on = '2026-11-20' WHERE id = ?1",
            [a1],
        )
        .unwrap();
    let id = a["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/agreements/{id}"),
            &admin,
            json!({"received_wan": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let a: Value = json_of(r).await;
    assert_eq!(a["due"], true);
    assert_eq!(a["disbursed_wan"], 200.0);
    assert_eq!(a["fee_wan"], 3.0);
    assert_eq!(a["outstanding_wan"], 2.0);
    assert_eq!(a["rebates"][0]["rebate_wan"], 1.0);
    assert_eq!(a["rebates"][1]["rebate_wan"], 0.3);
    assert_eq!(a["rebates_total_wan"], 1.3);
    assert_eq!(a["application_institution"], "测试银行");

    // Switching to a fixed fee drops the rate.
    let a: Value = json_of(
        app.patch(
            &format!("/api/agreements/{id}"),
            &admin,
            json!({"fee_type": "fixed", "fee_fixed_wan": 5}),
        )
        .await,
    )
    .await;
    assert_eq!(a["fee_rate_pct"], Value::Null);
    assert_eq!(a["outstanding_wan"], 4.0);

    // Income: November 2026 holds the agreement.
    let inc: Value = json_of(app.get("/api/income?month=2026-11", &admin).await).await;
    assert_eq!(inc["months"].as_array().unwrap().len(), 12);
    let nov = inc["months"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(nov["month"], "2026-11");
    assert_eq!(nov["fee_wan"], 5.0);
    assert_eq!(nov["received_wan"], 1.0);
    assert_eq!(nov["outstanding_wan"], 4.0);
    assert_eq!(nov["rebates_wan"], 1.3);
    assert_eq!(nov["income_wan"], 2.3);
    assert_eq!(inc["lines"][0]["customer_name"], "协议测试公司");
    assert_error(
        app.get("/api/income?month=2026-13", &admin).await,
        StatusCode::BAD_REQUEST,
        Some("month"),
    )
    .await;

    // Staff who see all customers see it, staff limited to their own get the 404 of a missing
    // agreement; a customer in the recycle bin refuses its agreements and drops out of the
    // income view; unknown ids are 404; anonymous 401.
    let staff = app.staff_token_all(&admin, "agr-staff").await;
    assert_eq!(app.get(&url, &staff).await.status(), StatusCode::OK);
    let own = app.staff_token(&admin, "agr-own").await;
    assert_error(app.get(&url, &own).await, StatusCode::NOT_FOUND, None).await;
    assert!(
        app.delete(&format!("/api/customers/{c}"), &admin)
            .await
            .status()
            .is_success()
    );
    let r = app.get(&format!("/api/agreements/{id}"), &staff).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["code"], "deleted");
    let inc: Value = json_of(app.get("/api/income?month=2026-11", &staff).await).await;
    assert_eq!(inc["lines"], json!([]));
    assert_eq!(
        app.get("/api/agreements/999", &staff).await.status(),
        StatusCode::NOT_FOUND
    );
    let anon = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);

    // Every write audited on the customer.
    let entries = app.audit(&admin, "action=agreement.&page_size=100").await;
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("agreement.create"), 1);
    assert_eq!(count("agreement.update"), 2);
    assert!(
        entries
            .iter()
            .all(|e| e["resource_type"] == "customer" && e["resource_id"] == json!(c.to_string()))
    );
}
