//! Customer consents (授权, PIPL Art. 23/28/29): recording, validation, withdrawal, audit, and
//! the enforcement on every path that writes or passes on 征信 / 流水 facts: customer create and
//! update, import, share links and applications submitted to a lender.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

const PDF_BYTES: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

fn day(back: i64) -> String {
    (chrono::Local::now().date_naive() - chrono::Duration::days(back)).to_string()
}

fn consent(purposes: &[&str], data: &[&str]) -> Value {
    json!({"purposes": purposes, "data": data, "method": "paper", "obtained_on": day(2)})
}

/// Asserts a 409 `consent_required` and returns its message.
async fn refused_for_consent(resp: reqwest::Response) -> String {
    let body = assert_error(resp, StatusCode::CONFLICT, None).await;
    assert_eq!(body["code"], "consent_required", "{body}");
    body["message"].as_str().unwrap().to_string()
}

async fn consents(app: &TestApp, token: &str, customer: i64) -> Vec<Value> {
    let resp = app
        .get(&format!("/api/customers/{customer}/consents"), token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    json_of(resp).await.as_array().unwrap().clone()
}

async fn record(app: &TestApp, token: &str, customer: i64, body: Value) -> Value {
    let resp = app
        .post(&format!("/api/customers/{customer}/consents"), token, body)
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED, "record consent");
    json_of(resp).await
}

#[tokio::test]
async fn creating_a_customer_with_credit_facts_needs_an_assessment_consent() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    // 征信 and 流水 without consent: refused, naming exactly what is missing; nothing is stored.
    let resp = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "无授权公司", "current_overdue": false, "monthly_flow_wan": 30}),
        )
        .await;
    let message = refused_for_consent(resp).await;
    assert_eq!(
        message,
        "缺少客户授权：诊断评估（征信、银行流水），请先在「授权」中登记客户签署的授权书"
    );
    let list = json_of(app.get("/api/customers?q=无授权公司", &token).await).await;
    assert_eq!(list["total"], 0);

    // A consent that covers 征信 only is not enough for 流水.
    let resp = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "无授权公司", "monthly_flow_wan": 30,
                   "consent": consent(&["assessment"], &["credit_report"])}),
        )
        .await;
    assert!(
        refused_for_consent(resp)
            .await
            .contains("诊断评估（银行流水）")
    );

    // Business facts need none.
    app.create_customer_without_consent(
        &token,
        json!({"name": "只有工商信息", "annual_tax_wan": 5}),
    )
    .await;

    // The inline consent is recorded with the customer, in one step.
    let c = app
        .create_customer(
            &token,
            json!({"name": "纸质授权公司", "current_overdue": false, "monthly_flow_wan": 30,
                   "consent": consent(&["assessment"], &["credit_report", "bank_flow"])}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["current_overdue"], false);
    let list = consents(&app, &token, id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["purposes"], json!(["assessment"]));
    assert_eq!(list[0]["data"], json!(["credit_report", "bank_flow"]));
    assert_eq!(list[0]["method"], "paper");
    assert_eq!(list[0]["valid"], true);
    assert!(list[0]["recorded_by_name"].is_string());

    // A bad inline consent names its field under `consent.`.
    let resp = app
        .post(
            "/api/customers",
            &token,
            json!({"name": "坏授权公司", "current_overdue": false,
                   "consent": {"purposes": [], "data": ["credit_report"], "obtained_on": day(1)}}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("consent.purposes")).await;

    let audit = app.audit(&token, "action=consent.create").await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["resource_type"], "consent");
}

#[tokio::test]
async fn updates_that_write_credit_facts_need_consent_and_withdrawal_ends_it() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    // A legacy customer: 征信 facts stored before consents existed (written straight to the file).
    let c = app
        .create_customer_without_consent(&token, json!({"name": "老客户"}))
        .await;
    let id = c["id"].as_i64().unwrap();
    let conn = rusqlite::Connection::open(app.path("loan-broker.db")).unwrap();
    conn.execute(
        "UPDATE customers SET current_overdue = 0, inquiries_1m = 2 WHERE id = ?1",
        [id],
    )
    .unwrap();
    drop(conn);
    let url = format!("/api/customers/{id}");

    // Other fields, the same credit value again, or clearing one: all allowed.
    for body in [
        json!({"notes": "电话回访", "annual_tax_wan": 8}),
        json!({"current_overdue": false}),
        json!({"inquiries_1m": null}),
    ] {
        let resp = app.patch(&url, &token, body.clone()).await;
        assert_eq!(resp.status(), StatusCode::OK, "{body}");
    }
    // A new credit value: refused.
    let resp = app.patch(&url, &token, json!({"inquiries_1m": 3})).await;
    assert!(refused_for_consent(resp).await.contains("诊断评估（征信）"));

    // With the consent recorded it goes through.
    let recorded = record(
        &app,
        &token,
        id,
        consent(&["assessment"], &["credit_report"]),
    )
    .await;
    assert_eq!(recorded["valid"], true);
    let resp = app.patch(&url, &token, json!({"inquiries_1m": 3})).await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Withdrawn: from now on refused; what is stored stays.
    let cid = recorded["id"].as_i64().unwrap();
    let resp = app
        .post(
            &format!("/api/consents/{cid}/withdraw"),
            &token,
            json!({"reason": "客户电话要求撤回"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let w = json_of(resp).await;
    assert_eq!(w["valid"], false);
    assert_eq!(w["withdraw_reason"], "客户电话要求撤回");
    assert!(w["withdrawn_at"].is_string());
    let resp = app.patch(&url, &token, json!({"inquiries_1m": 4})).await;
    assert!(refused_for_consent(resp).await.contains("诊断评估（征信）"));
    let stored = json_of(app.get(&url, &token).await).await;
    assert_eq!(stored["inquiries_1m"], 3);
    // Twice is refused; the list keeps the withdrawn one.
    let resp = app
        .post(&format!("/api/consents/{cid}/withdraw"), &token, json!({}))
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, None).await;
    let list = consents(&app, &token, id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["valid"], false);

    let audit = app.audit(&token, "action=consent.withdraw").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["resource_type"], "consent");
    assert_eq!(audit[0]["resource_id"], cid.to_string());
}

#[tokio::test]
async fn consent_input_is_validated() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let a = app.create_customer(&token, json!({"name": "甲公司"})).await["id"]
        .as_i64()
        .unwrap();
    let b = app.create_customer(&token, json!({"name": "乙公司"})).await["id"]
        .as_i64()
        .unwrap();
    // A document uploaded to 乙.
    let form = Form::new()
        .part(
            "file",
            Part::bytes(PDF_BYTES.to_vec()).file_name("授权书.pdf"),
        )
        .text("kind", "other");
    let resp = app
        .client
        .post(app.url(&format!("/api/customers/{b}/documents")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let doc = json_of(resp).await["id"].as_i64().unwrap();

    let url = format!("/api/customers/{a}/consents");
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Duration::days(2)).to_string();
    for (body, field) in [
        (
            json!({"purposes": ["assessment"], "data": ["credit_report"], "obtained_on": tomorrow}),
            "obtained_on",
        ),
        (
            json!({"purposes": [], "data": ["credit_report"], "obtained_on": day(1)}),
            "purposes",
        ),
        (
            json!({"purposes": ["assessment"], "data": [], "obtained_on": day(1)}),
            "data",
        ),
        (
            json!({"purposes": ["assessment"], "data": ["bank_flow"], "obtained_on": day(1), "document_id": doc}),
            "document_id",
        ),
        (
            json!({"purposes": ["assessment"], "data": ["bank_flow"], "obtained_on": day(1), "document_id": 9999}),
            "document_id",
        ),
    ] {
        let resp = app.post(&url, &token, body.clone()).await;
        assert_error(resp, StatusCode::BAD_REQUEST, Some(field)).await;
    }
    // Unknown codes are the body's fault too.
    let resp = app
        .post(
            &url,
            &token,
            json!({"purposes": ["marketing"], "data": ["bank_flow"], "obtained_on": day(1)}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // 乙's own document is accepted, repeated members are stored once.
    let c = record(
        &app,
        &token,
        b,
        json!({"purposes": ["lender_submission", "assessment", "assessment"], "data": ["bank_flow"],
               "method": "electronic", "obtained_on": day(0), "document_id": doc}),
    )
    .await;
    assert_eq!(c["purposes"], json!(["assessment", "lender_submission"]));
    assert_eq!(c["document_id"], doc);
    assert_eq!(c["document_name"], "授权书.pdf");
    assert_eq!(c["method"], "electronic");
    // Unknown customer and consent: 404.
    let resp = app
        .post(
            "/api/customers/9999/consents",
            &token,
            consent(&["assessment"], &["bank_flow"]),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = app
        .post("/api/consents/9999/withdraw", &token, json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // Signed in only.
    let resp = app
        .client
        .get(app.url(&format!("/api/customers/{a}/consents")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn share_links_and_submissions_need_a_lender_submission_consent() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let c = app
        .create_customer(
            &token,
            json!({"name": "进件授权公司", "annual_tax_wan": 20, "current_overdue": false,
                   "consent": consent(&["assessment"], &["credit_report"])}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let resp = app
        .post(&format!("/api/customers/{id}/diagnoses"), &token, json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let diagnosis = json_of(resp).await["id"].as_i64().unwrap();
    let share_url = format!("/api/diagnoses/{diagnosis}/shares");

    let resp = app.post(&share_url, &token, json!({})).await;
    assert!(
        refused_for_consent(resp)
            .await
            .contains("向金融机构提交（征信）")
    );

    // Applications: preparing is fine; created submitted, or moved to submitted, is not.
    let apps = format!("/api/customers/{id}/applications");
    let resp = app
        .post(
            &apps,
            &token,
            json!({"institution": "某银行", "amount_applied_wan": 100, "status": "submitted"}),
        )
        .await;
    assert!(refused_for_consent(resp).await.contains("向金融机构提交"));
    let resp = app
        .post(
            &apps,
            &token,
            json!({"institution": "某银行", "amount_applied_wan": 100}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let application = json_of(resp).await["id"].as_i64().unwrap();
    let resp = app
        .patch(
            &format!("/api/applications/{application}"),
            &token,
            json!({"status": "submitted"}),
        )
        .await;
    refused_for_consent(resp).await;
    // The client gives up: nothing reaches the lender, no consent needed.
    let resp = app
        .post(
            &apps,
            &token,
            json!({"institution": "另一银行", "amount_applied_wan": 50, "status": "withdrawn"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    record(
        &app,
        &token,
        id,
        consent(&["lender_submission"], &["credit_report"]),
    )
    .await;
    let resp = app.post(&share_url, &token, json!({})).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = app
        .patch(
            &format!("/api/applications/{application}"),
            &token,
            json!({"status": "submitted"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn import(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> Value {
    let form = Form::new().part(
        "file",
        Part::bytes(csv.as_bytes().to_vec()).file_name("客户.csv"),
    );
    let resp = app
        .client
        .post(app.url(&format!("/api/imports/customers?dry_run={dry_run}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body = json_of(resp).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status} {body}"
    );
    body
}

#[tokio::test]
async fn import_reports_rows_without_consent_and_records_the_consent_columns() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let today = day(0);
    let csv = format!(
        "企业名称,当前逾期,对公流水月均(万元),授权日期,授权方式\n\
         无授权甲,否,,,\n\
         有授权乙,否,20,{today},电子\n\
         无敏感丙,,,,\n\
         坏日期丁,否,,明天,\n"
    );
    let report = import(&app, &token, &csv, true).await;
    assert_eq!(report["total"], 4);
    assert_eq!(report["invalid"], 2, "{report}");
    assert_eq!(report["valid"], 2);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{report}");
    assert_eq!(errors[0]["row"], 2);
    assert_eq!(errors[0]["column"], "授权日期");
    assert_eq!(
        errors[0]["message"],
        "缺少客户授权：诊断评估（征信），请先在「授权」中登记客户签署的授权书"
    );
    assert_eq!(errors[1]["row"], 5);

    // Commit refuses the whole file; nothing is written.
    let report = import(&app, &token, &csv, false).await;
    assert_eq!(report["committed"], false);
    let list = json_of(app.get("/api/customers", &token).await).await;
    assert_eq!(list["total"], 0);

    // Without the bad rows it commits, and the consent columns record the consent.
    let csv = format!(
        "企业名称,当前逾期,对公流水月均(万元),授权日期,授权方式\n\
         有授权乙,否,20,{today},电子\n\
         无敏感丙,,,,\n"
    );
    let report = import(&app, &token, &csv, false).await;
    assert_eq!(report["committed"], true, "{report}");
    let list = json_of(app.get("/api/customers?q=有授权乙", &token).await).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let recorded = consents(&app, &token, id).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["purposes"], json!(["assessment"]));
    assert_eq!(recorded[0]["data"], json!(["credit_report", "bank_flow"]));
    assert_eq!(recorded[0]["method"], "electronic");
    assert_eq!(recorded[0]["obtained_on"], today);

    // An update of that customer needs no new consent columns: its consent is stored.
    let csv = "企业名称,当前逾期\n有授权乙,是\n";
    let report = import(&app, &token, csv, true).await;
    assert_eq!(report["invalid"], 0, "{report}");
    let audit = app.audit(&token, "action=consent.create").await;
    assert_eq!(audit.len(), 1);
}
