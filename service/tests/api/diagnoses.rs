//! Diagnoses, plans, rules, products, providers and the dashboard over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// Tax grade B, 2万 annual tax: the tax loan is blocked until tax reaches the gate.
fn taxpayer() -> Value {
    json!({
        "name": "宁波纳税样板贸易有限公司", "uscc": uscc(51), "established_on": "2018-01-01",
        "legal_person_age": 45, "annual_invoice_wan": 50, "annual_revenue_wan": 600, "invoice_gap_months": 0,
        "annual_tax_wan": 2.7, "tax_grade": "B", "current_overdue": false, "overdue_count_24m": 0,
        "lian3lei6_24m": false, "severe_record_5y": false, "inquiries_1m": 0, "inquiries_3m": 1, "inquiries_6m": 2,
        "card_utilization_pct": 30, "credit_institutions": 1, "business_loan_count": 0, "business_loan_balance_wan": 0,
        "dishonest_debtor": false, "business_status": "normal", "industry": "批发业", "loan_demand_wan": 50
    })
}

#[tokio::test]
async fn diagnose_explain_and_plan_a_customer() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let provider = json_of(app.post("/api/providers", &token, json!({"name": "诚信财税", "category": "tax_agency", "price_min_wan": 0.2, "price_max_wan": 1})).await).await;
    let c = app.create_customer(&token, taxpayer()).await;
    let id = c["id"].as_i64().unwrap();

    let d = json_of(
        app.post(&format!("/api/customers/{id}/diagnoses"), &token, json!({}))
            .await,
    )
    .await;
    for key in [
        "flow",
        "invoice_tax",
        "credit",
        "assets",
        "qualification",
        "industry",
    ] {
        let s = d["scores"][key].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&s), "{key}={s}");
    }
    assert!(["A", "B", "C", "incomplete"].contains(&d["category"].as_str().unwrap()));
    // The combined amount is the sum of its composition; the best single product sits beside it.
    let parts: f64 = d["combination"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["amount_wan"].as_f64().unwrap())
        .sum();
    assert!(
        (parts - d["recommended_wan"].as_f64().unwrap()).abs() < 0.01,
        "{d}"
    );
    assert!(d["single_best_wan"].as_f64().unwrap() <= d["recommended_wan"].as_f64().unwrap());
    assert!(
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["reason"].as_str().is_some_and(|r| !r.is_empty()))
    );
    let tax_loan = d["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product_id"] == "tax_loan")
        .expect("tax loan evaluated");
    assert_eq!(tax_loan["eligible"], false, "{tax_loan}");
    assert!(tax_loan["blocking_reason"].as_str().is_some());
    assert_eq!(d["rules_version"], 1);

    let customer = json_of(app.get(&format!("/api/customers/{id}"), &token).await).await;
    assert_eq!(customer["latest_category"], d["category"]);
    assert_eq!(customer["latest_diagnosis_id"], d["id"]);
    assert_eq!(customer["stage"], "diagnosed");
    let filtered = json_of(
        app.get(
            &format!(
                "/api/customers?category={}",
                d["category"].as_str().unwrap()
            ),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(filtered["total"], 1);

    let plans = json_of(
        app.post(
            &format!("/api/diagnoses/{}/plans", d["id"]),
            &token,
            json!({}),
        )
        .await,
    )
    .await;
    let plans = plans.as_array().unwrap().clone();
    // 2.7万 just under the 3万 gate: the plan a broker proposes first unlocks the tax loans.
    let tax = &plans[0];
    assert_eq!(tax["kind"], "tax_increase", "{plans:?}");
    assert!(
        tax["headline"].as_str().unwrap().starts_with("解锁："),
        "{tax}"
    );
    assert!(
        tax["estimated_increase_wan"].as_f64().unwrap() > 0.0,
        "{tax}"
    );
    let delta = tax["recommended_after_wan"].as_f64().unwrap()
        - tax["recommended_before_wan"].as_f64().unwrap();
    assert!((delta - tax["estimated_increase_wan"].as_f64().unwrap()).abs() < 0.005);
    let taxagency = plans
        .iter()
        .find(|p| p["provider_category"] == "tax_agency")
        .expect("a plan needing a 财税代账 provider");
    assert_eq!(taxagency["providers"][0]["id"], provider["id"]);
    assert!(!tax["tasks"].as_array().unwrap().is_empty());
    // The customer's plans keep the engine's order (value for cost and time).
    let ids = |ps: &Value| -> Vec<Value> {
        ps.as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].clone())
            .collect()
    };
    let listed = json_of(app.get(&format!("/api/customers/{id}/plans"), &token).await).await;
    assert_eq!(ids(&listed), ids(&Value::Array(plans.clone())));
    // Generating again replaces untouched plans instead of adding copies.
    let again = json_of(
        app.post(
            &format!("/api/diagnoses/{}/plans", d["id"]),
            &token,
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&again), ids(&Value::Array(plans.clone())));
    let listed = json_of(app.get(&format!("/api/customers/{id}/plans"), &token).await).await;
    assert_eq!(listed.as_array().unwrap().len(), plans.len());
    // Providers are looked up when a plan is read: one added later is offered too.
    let later = json_of(app.post("/api/providers", &token, json!({"name": "后来的财税", "category": "tax_agency", "price_min_wan": 0.1, "price_max_wan": 0.5})).await).await;
    let tax_now = json_of(
        app.get(&format!("/api/plans/{}", again[0]["id"]), &token)
            .await,
    )
    .await;
    assert!(
        tax_now["providers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == later["id"]),
        "{tax_now}"
    );
    let tax = &again[0];

    let ticked = json_of(
        app.patch(
            &format!("/api/plans/{}", tax["id"]),
            &token,
            json!({"status": "in_progress", "tasks": [{"index": 0, "done": true}]}),
        )
        .await,
    )
    .await;
    assert_eq!(ticked["status"], "in_progress");
    assert_eq!(ticked["tasks"][0]["done"], true);
    let bad = app
        .patch(
            &format!("/api/plans/{}", tax["id"]),
            &token,
            json!({"tasks": [{"index": 99, "done": true}]}),
        )
        .await;
    assert_error(bad, StatusCode::BAD_REQUEST, Some("tasks")).await;

    let history = json_of(
        app.get(&format!("/api/customers/{id}/diagnoses"), &token)
            .await,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_error(
        app.get("/api/diagnoses/9999", &token).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_error(
        app.post("/api/customers/9999/diagnoses", &token, json!({}))
            .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    let actions: Vec<String> = app
        .audit(&token, "")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    for a in [
        "diagnosis.create",
        "plan.generate",
        "plan.update",
        "provider.create",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn simulate_moves_with_the_figures_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let low = json_of(
        app.post("/api/diagnoses/simulate", &token, taxpayer())
            .await,
    )
    .await;
    let mut richer = taxpayer();
    richer["annual_tax_wan"] = json!(20);
    let high = json_of(app.post("/api/diagnoses/simulate", &token, richer).await).await;
    assert!(high["recommended_wan"].as_f64().unwrap() >= low["recommended_wan"].as_f64().unwrap());
    assert!(
        high["scores"]["invoice_tax"].as_f64().unwrap()
            >= low["scores"]["invoice_tax"].as_f64().unwrap()
    );
    let mut overdue = taxpayer();
    overdue["current_overdue"] = json!(true);
    assert_eq!(
        json_of(app.post("/api/diagnoses/simulate", &token, overdue).await).await["category"],
        "C"
    );
    let mut bad = taxpayer();
    bad["legal_person_age"] = json!(7);
    assert_error(
        app.post("/api/diagnoses/simulate", &token, bad).await,
        StatusCode::BAD_REQUEST,
        Some("legal_person_age"),
    )
    .await;
    assert_eq!(
        json_of(app.get("/api/customers", &token).await).await["total"],
        0
    );
}

#[tokio::test]
async fn rules_are_validated_versioned_and_admin_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "rulesstaff").await;
    assert_error(
        app.get("/api/rules", &staff).await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    let doc = json_of(app.get("/api/rules", &admin).await).await;
    assert_eq!(doc["version"], 1);
    let mut rules = doc["rules"].clone();
    assert_error(
        app.put("/api/rules", &staff, json!({"rules": rules.clone()}))
            .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;

    rules["weights"]["flow"] = json!(rules["weights"]["flow"].as_f64().unwrap() + 7.0);
    let resp = app
        .put("/api/rules", &admin, json!({"rules": rules.clone()}))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = json_of(resp).await;
    assert!(
        err["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"].as_str().unwrap().starts_with("weights")),
        "{err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{4e00}')
    );

    // A valid change: a new version, and old diagnoses keep theirs.
    let c = app.create_customer(&admin, taxpayer()).await;
    let before = json_of(
        app.post(
            &format!("/api/customers/{}/diagnoses", c["id"]),
            &admin,
            json!({}),
        )
        .await,
    )
    .await;
    let saved = json_of(
        app.put(
            "/api/rules",
            &admin,
            json!({"rules": doc["rules"].clone(), "note": "同样的规则，新版本"}),
        )
        .await,
    )
    .await;
    assert_eq!(saved["version"], 2);
    let after = json_of(
        app.post(
            &format!("/api/customers/{}/diagnoses", c["id"]),
            &admin,
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            before["rules_version"].as_i64(),
            after["rules_version"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(
        json_of(
            app.get(&format!("/api/diagnoses/{}", before["id"]), &admin)
                .await
        )
        .await["rules_version"],
        1
    );
    let all = json_of(
        app.post("/api/diagnoses/rediagnose-all", &admin, json!({}))
            .await,
    )
    .await;
    assert_eq!(all["diagnosed"], 1);
    assert_error(
        app.post("/api/diagnoses/rediagnose-all", &staff, json!({}))
            .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
}

#[tokio::test]
async fn products_and_providers_crud() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "prodstaff").await;
    let list = json_of(app.get("/api/products", &staff).await).await;
    let products = list.as_array().unwrap();
    assert!(products.len() >= 5);
    assert!(
        products.iter().any(|p| p["product"]["is_example"] == true),
        "named products ship as examples"
    );
    let first = products[0].clone();
    let mut copy = first["product"].clone();
    copy["id"] = json!("my_tax_loan");
    copy["name"] = json!("自定义税贷");
    assert_error(
        app.request(
            Method::POST,
            "/api/products",
            Some(&staff),
            Some(copy.clone()),
        )
        .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    let created = json_of(app.post("/api/products", &admin, copy.clone()).await).await;
    assert_eq!(created["product"]["name"], "自定义税贷");
    assert_error(
        app.post("/api/products", &admin, copy.clone()).await,
        StatusCode::CONFLICT,
        Some("id"),
    )
    .await;
    copy["max_wan"] = json!(-5);
    let bad = app
        .put(&format!("/api/products/{}", created["id"]), &admin, copy)
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.delete(&format!("/api/products/{}", created["id"]), &admin)
            .await
            .status(),
        StatusCode::OK
    );

    let p = json_of(
        app.post(
            "/api/providers",
            &staff,
            json!({"name": "安信担保", "category": "guarantee"}),
        )
        .await,
    )
    .await;
    assert_eq!(p["active"], true);
    let upd = json_of(
        app.put(
            &format!("/api/providers/{}", p["id"]),
            &staff,
            json!({"name": "安信担保", "category": "guarantee", "active": false}),
        )
        .await,
    )
    .await;
    assert_eq!(upd["active"], false);
    assert_error(
        app.post(
            "/api/providers",
            &staff,
            json!({"name": " ", "category": "legal"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("name"),
    )
    .await;
    assert_error(
        app.post(
            "/api/providers",
            &staff,
            json!({"name": "x", "category": "legal", "price_min_wan": 5, "price_max_wan": 1}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("price_max_wan"),
    )
    .await;
    assert_eq!(
        json_of(
            app.get("/api/providers?category=guarantee&active=true", &staff)
                .await
        )
        .await
        .as_array()
        .unwrap()
        .len(),
        0
    );
    assert_eq!(
        app.delete(&format!("/api/providers/{}", p["id"]), &staff)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn dashboard_counts_the_portfolio() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let c = app.create_customer(&token, taxpayer()).await;
    app.create_customer(&token, json!({"name": "未诊断公司", "loan_demand_wan": 30}))
        .await;
    app.post(
        &format!("/api/customers/{}/diagnoses", c["id"]),
        &token,
        json!({}),
    )
    .await;
    let d = json_of(app.get("/api/dashboard", &token).await).await;
    assert_eq!(d["customers_total"], 2);
    assert_eq!(d["requested_wan"], 80.0);
    let none = d["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "none")
        .unwrap();
    assert_eq!(none["count"], 1);
    assert_eq!(d["by_stage"].as_array().unwrap().len(), 7);
    assert!(!d["recent_activity"].as_array().unwrap().is_empty());
}
