//! PIPL access (个人信息查阅) and erasure (个人信息删除): the personal-data document, and an erasure
//! after which the database files on disk hold none of the erased strings.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

const PDF_BYTES: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

const NAME: &str = "甄氏擦除探针科技有限公司";
const CONTROL: &str = "对照留存探针贸易有限公司";

/// Every string recorded about the erased customer, each distinctive enough that finding it in
/// the file can only mean it was left there.
fn secrets(uscc: &str) -> Vec<String> {
    [
        NAME,
        uscc,
        "甄法人探针",
        "440306198507135274",
        "甄联系人探针",
        "13987654321",
        // The phone as it was before a change: its old copy must not stay in free space either.
        "13711112222",
        "甄备注探针：客户口述家庭住址",
        "甄主营探针业务",
        "甄抵押物探针地址",
        "甄跟进内容探针",
        "甄跟进结果探针",
        "甄进件备注探针",
        "甄协议备注探针",
        "甄服务范围探针",
        "甄返佣方探针",
        "甄资料备注探针",
        "甄资料文件探针.pdf",
        "甄授权备注探针",
        "甄撤回原因探针",
        "ErasureProbeAgent/7.7",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    haystack.windows(n.len()).any(|w| w == n)
}

/// The raw bytes of the database and its -wal and -shm files, as they are on disk.
fn database_bytes(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    ["loan-broker.db", "loan-broker.db-wal", "loan-broker.db-shm"]
        .iter()
        .filter_map(|f| std::fs::read(app.path(f)).ok().map(|b| (f.to_string(), b)))
        .collect()
}

async fn ok(resp: reqwest::Response, what: &str) -> Value {
    let status = resp.status();
    let body = json_of(resp).await;
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// A customer with a distinctive string in every personal field and in each kind of record.
async fn recorded(app: &TestApp, admin: &str, uscc: &str) -> i64 {
    let c = app
        .create_customer(
            admin,
            json!({"name": NAME, "uscc": uscc, "legal_person": "甄法人探针", "legal_person_age": 45, "legal_person_id_no": "440306198507135274",
                   "contact_name": "甄联系人探针", "contact_phone": "13711112222",
                   "notes": "甄备注探针：客户口述家庭住址", "main_business": "甄主营探针业务",
                   "established_on": "2018-03-01", "annual_invoice_wan": 900, "annual_tax_wan": 15,
                   "tax_grade": "B", "current_overdue": false, "inquiries_3m": 9, "card_utilization_pct": 95, "monthly_flow_wan": 60, "loan_demand_wan": 200,
                   "collaterals": [{"kind": "residential", "description": "甄抵押物探针地址", "appraisal_wan": 300}]}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    ok(
        app.patch(
            &format!("/api/customers/{id}"),
            admin,
            json!({"contact_phone": "13987654321"}),
        )
        .await,
        "phone changed",
    )
    .await;
    let d = ok(
        app.post(&format!("/api/customers/{id}/diagnoses"), admin, json!({}))
            .await,
        "diagnosis",
    )
    .await;
    ok(
        app.post(
            &format!("/api/diagnoses/{}/plans", d["id"]),
            admin,
            json!({}),
        )
        .await,
        "plans",
    )
    .await;
    let share = ok(
        app.post(
            &format!("/api/diagnoses/{}/shares", d["id"]),
            admin,
            json!({"expires_in_days": 3}),
        )
        .await,
        "share",
    )
    .await;
    let opened = app
        .client
        .get(app.url(&format!("/api/shared/{}", share["token"].as_str().unwrap())))
        .header("User-Agent", "ErasureProbeAgent/7.7")
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK, "the share opened once");
    ok(
        app.post(
            &format!("/api/customers/{id}/follow-ups"),
            admin,
            json!({"channel": "phone", "content": "甄跟进内容探针", "result": "甄跟进结果探针",
                   "next_contact_at": "2027-06-01T02:00:00Z"}),
        )
        .await,
        "follow-up",
    )
    .await;
    let application = ok(
        app.post(
            &format!("/api/customers/{id}/applications"),
            admin,
            json!({"institution": "工商银行", "amount_applied_wan": 100, "note": "甄进件备注探针"}),
        )
        .await,
        "application",
    )
    .await;
    ok(
        app.patch(
            &format!("/api/applications/{}", application["id"]),
            admin,
            json!({"status": "submitted"}),
        )
        .await,
        "application moved",
    )
    .await;
    ok(
        app.post(
            &format!("/api/customers/{id}/agreements"),
            admin,
            json!({"fee_type": "percent", "fee_rate_pct": 2, "note": "甄协议备注探针",
                   "service_scope": "甄服务范围探针", "rebates": [{"payer": "甄返佣方探针", "rate_pct": 0.5}]}),
        )
        .await,
        "agreement",
    )
    .await;
    let part = Part::bytes(PDF_BYTES.to_vec())
        .file_name("甄资料文件探针.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = Form::new()
        .part("file", part)
        .text("kind", "business_license")
        .text("note", "甄资料备注探针");
    let resp = app
        .client
        .post(app.url(&format!("/api/customers/{id}/documents")))
        .bearer_auth(admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED, "document uploaded");
    // A consent with a note, withdrawn with a reason: both go with the customer.
    let mut consent = full_consent();
    consent["note"] = json!("甄授权备注探针");
    let consent = ok(
        app.post(&format!("/api/customers/{id}/consents"), admin, consent)
            .await,
        "consent",
    )
    .await;
    ok(
        app.post(
            &format!("/api/consents/{}/withdraw", consent["id"]),
            admin,
            json!({"reason": "甄撤回原因探针"}),
        )
        .await,
        "consent withdrawn",
    )
    .await;
    id
}

fn document_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.path("uploads/documents"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_erased_customer_leaves_no_trace_in_the_database_files() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "erase-staff").await;
    let code = uscc(9101);
    let id = recorded(&app, &admin, &code).await;
    let control = app
        .create_customer(
            &admin,
            json!({"name": CONTROL, "uscc": uscc(9102), "notes": "对照备注探针"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(document_files(&app).len(), 1, "the upload is on disk");

    // Access: everything held, and the reading is audited.
    let path = format!("/api/customers/{id}/personal-data");
    assert_eq!(app.get(&path, &staff).await.status(), StatusCode::FORBIDDEN);
    let data = ok(app.get(&path, &admin).await, "personal data").await;
    let text = data.to_string();
    for s in secrets(&code) {
        if s == "13711112222" {
            // Only the audit entry of the change knows the old number.
            continue;
        }
        assert!(text.contains(&s), "personal data lacks {s}");
    }
    let legal = data["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "legal_person")
        .unwrap();
    assert_eq!(legal["label"], "法人");
    assert_eq!(legal["personal"], true);
    assert_eq!(legal["value"], "甄法人探针");
    assert!(
        !data["diagnoses"][0]["diagnosis"]["findings"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the diagnosis keeps its reasons: {}",
        data["diagnoses"][0]
    );
    assert_eq!(
        data["diagnoses"][0]["shares"][0]["opens"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        !data["plans"][0]["tasks"].as_array().unwrap().is_empty(),
        "plans with their tasks: {}",
        data["plans"]
    );
    assert_eq!(
        data["applications"][0]["events"].as_array().unwrap().len(),
        2
    );
    assert_eq!(data["agreements"][0]["rebates"][0]["payer"], "甄返佣方探针");
    assert_eq!(data["consents"][0]["note"], "甄授权备注探针");
    assert_eq!(data["consents"][0]["withdraw_reason"], "甄撤回原因探针");
    assert_eq!(data["documents"][0]["file_name"], "甄资料文件探针.pdf");
    assert!(
        data["documents"][0].get("stored_name").is_none(),
        "metadata, not where the file lives"
    );
    let actions: Vec<&str> = data["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "customer.create",
        "customer.update",
        "follow_up.create",
        "application.create",
        "share.create",
        "personal_data.access",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // Refusals change nothing.
    let erase = format!("/api/customers/{id}/erase");
    assert_eq!(
        app.post(&erase, &staff, json!({"confirm_name": NAME}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let err = assert_error(
        app.post(&erase, &admin, json!({"confirm_name": "甄氏擦除探针科技"}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("confirm_name"),
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("企业名称"),
        "{err}"
    );
    assert_eq!(
        app.get(&format!("/api/customers/{id}"), &admin)
            .await
            .status(),
        StatusCode::OK,
        "a refused erasure deletes nothing"
    );
    assert_eq!(document_files(&app).len(), 1);

    // The erasure.
    let erased = ok(
        app.post(&erase, &admin, json!({"confirm_name": NAME}))
            .await,
        "erase",
    )
    .await;
    assert_eq!(erased["checkpointed"], true, "{erased}");
    assert_eq!(erased["files_removed"], 1);
    assert_eq!(erased["rows"]["customers"], 1);
    assert_eq!(erased["rows"]["share_opens"], 1);
    assert_eq!(
        app.get(&format!("/api/customers/{id}"), &admin)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(document_files(&app).is_empty(), "the file is gone");

    // The audit log keeps that it happened, by whom and when, without the values.
    let entries = app
        .audit(&admin, &format!("resource_type=customer&resource_id={id}"))
        .await;
    let erase_entry = entries
        .iter()
        .find(|e| e["action"] == "customer.erase")
        .expect("an erase entry");
    assert_eq!(erase_entry["username"], "admin");
    let created = entries
        .iter()
        .find(|e| e["action"] == "customer.create")
        .expect("the creation is still logged");
    assert_eq!(created["after"]["redacted"], "[已删除]");
    let all = app.audit(&admin, "page_size=100").await;
    let log = serde_json::to_string(&all).unwrap();
    for s in secrets(&code) {
        assert!(!log.contains(&s), "the audit log still shows {s}");
    }

    // The files on disk: none of the strings, in the database, the WAL or its index.
    let files = database_bytes(&app);
    assert!(files.iter().any(|(f, _)| f == "loan-broker.db"));
    for (file, bytes) in &files {
        for s in secrets(&code) {
            assert!(!contains(bytes, &s), "{file} still holds {s}");
        }
    }
    // The negative control: a customer that was not erased is found by the same search.
    let (_, db) = files.iter().find(|(f, _)| f == "loan-broker.db").unwrap();
    assert!(contains(db, CONTROL), "the byte search finds a kept name");
    assert_eq!(
        app.get(&format!("/api/customers/{control}"), &admin)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_customer_in_the_recycle_bin_can_be_read_and_erased() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = app
        .create_customer(
            &admin,
            json!({"name": "回收站擦除测试公司", "contact_name": "回收联系人"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    ok(
        app.delete(&format!("/api/customers/{id}"), &admin).await,
        "to the bin",
    )
    .await;
    let data = ok(
        app.get(&format!("/api/customers/{id}/personal-data"), &admin)
            .await,
        "personal data of a binned customer",
    )
    .await;
    assert!(data["deleted_at"].is_string());
    ok(
        app.post(
            &format!("/api/customers/{id}/erase"),
            &admin,
            json!({"confirm_name": "回收站擦除测试公司"}),
        )
        .await,
        "erase from the bin",
    )
    .await;
    let bin = ok(app.get("/api/customers?deleted=true", &admin).await, "bin").await;
    assert_eq!(bin["total"], 0, "{bin}");
    assert_error(
        app.post(
            &format!("/api/customers/{id}/erase"),
            &admin,
            json!({"confirm_name": "回收站擦除测试公司"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
}
