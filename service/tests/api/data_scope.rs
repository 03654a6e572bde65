//! Data scopes (issue 16): an account limited to its own customers never learns that another's
//! customer exists. Generated from the spec like the authorisation matrix: every signed-in
//! operation is either about one customer's records, a list across customers, a write that makes
//! the caller's own customers, or not about customers at all — a new endpoint fails here until
//! someone decides which.

use std::collections::HashMap;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authz::{Operation, SIGNED_IN, operations};
use crate::helpers::*;

/// A path id points at one customer or one of its records: a stranger gets the 404 of an
/// unknown id, the owner gets an answer.
const CUSTOMER_RECORDS: &[&str] = &[
    "getCustomer",
    "updateCustomer",
    "deleteCustomer",
    "restoreCustomer",
    "getCustomerTimeline",
    "revealCustomerNumbers",
    "runDiagnosis",
    "listDiagnoses",
    "getDiagnosis",
    "generatePlans",
    "listPlans",
    "getPlan",
    "updatePlan",
    "createShare",
    "listShares",
    "listShareOpens",
    "revokeShare",
    "uploadDocument",
    "listDocuments",
    "getMissingDocuments",
    "getDocumentContent",
    "deleteDocument",
    "createFollowUp",
    "listFollowUps",
    "updateFollowUp",
    "createApplication",
    "listCustomerApplications",
    "getApplication",
    "updateApplication",
    "createAgreement",
    "listAgreements",
    "getAgreement",
    "updateAgreement",
];

/// Lists and figures across customers: a stranger's answer is that of an account with no
/// customers, and never names the owner's customer.
const ACROSS_CUSTOMERS: &[&str] = &[
    "listCustomers",
    "exportCustomers",
    "dashboard",
    "listAllPlans",
    "listApplications",
    "exportApplications",
    "applicationStats",
    "listDueFollowUps",
    "countDueFollowUps",
    "incomeSummary",
];

/// Writes that make customers: an `own` account's become its own (tested below).
const MAKES_OWN_CUSTOMERS: &[&str] = &["createCustomer", "importCustomers"];

/// Not about any customer's data.
const NOT_ABOUT_CUSTOMERS: &[&str] = &[
    "changePassword",
    "logout",
    "me",
    "simulateDiagnosis",
    "listProducts",
    "getProduct",
    "listProviders",
    "getProvider",
    "createProvider",
    "updateProvider",
    "deleteProvider",
    "importTemplate",
    "getVocabulary",
    "getDocumentChecklist",
];

const OWNED_NAME: &str = "甲方专属客户科技有限公司";
const PHONE: &str = "13912345678";
const ID_NO: &str = "11010519491231002X";

#[test]
fn every_signed_in_operation_has_a_data_scope_class() {
    let tables = [
        CUSTOMER_RECORDS,
        ACROSS_CUSTOMERS,
        MAKES_OWN_CUSTOMERS,
        NOT_ABOUT_CUSTOMERS,
    ];
    for id in SIGNED_IN {
        let n = tables.iter().filter(|t| t.contains(id)).count();
        assert_eq!(
            n, 1,
            "{id}: classify it in exactly one table of tests/api/data_scope.rs"
        );
    }
    for id in tables.iter().flat_map(|t| t.iter()) {
        assert!(SIGNED_IN.contains(id), "{id} is not a signed-in operation");
    }
}

/// The ids of one customer's records, by the path segment that names them.
struct Records(HashMap<&'static str, i64>);

impl Records {
    fn path_for(&self, op: &Operation, unknown: bool) -> String {
        let segment = op
            .template
            .trim_start_matches("/api/")
            .split('/')
            .next()
            .unwrap_or_default();
        let resource = match segment {
            "customers" => "customer",
            "diagnoses" => "diagnosis",
            "plans" => "plan",
            "shares" => "share",
            "documents" => "document",
            "follow-ups" => "follow_up",
            "applications" => "application",
            "agreements" => "agreement",
            "consents" => "consent",
            other => panic!("{}: which record does /{other}/ name?", op.id),
        };
        let id = if unknown {
            999_999
        } else {
            *self
                .0
                .get(resource)
                .unwrap_or_else(|| panic!("{}: no {resource} made for it", op.id))
        };
        regex::Regex::new(r"\{[^}]+\}")
            .unwrap()
            .replace_all(&op.template, id.to_string())
            .into_owned()
    }
}

/// A body that passes the request's own checks, so what answers is the visibility check.
fn valid_body(id: &str) -> Value {
    match id {
        "updateCustomer" => json!({"notes": "数据范围测试"}),
        "createFollowUp" => json!({"channel": "phone", "content": "数据范围测试"}),
        "updateFollowUp" => json!({"content": "数据范围测试"}),
        "createApplication" => json!({"institution": "工商银行", "amount_applied_wan": 10}),
        "createAgreement" => json!({"fee_type": "percent", "fee_rate_pct": 1}),
        _ => json!({}),
    }
}

async fn call(app: &TestApp, op: &Operation, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let mut req = app
        .client
        .request(op.method.clone(), app.url(path))
        .bearer_auth(token);
    req = match op.body.as_deref() {
        Some("multipart/form-data") => {
            let part = Part::bytes(PDF.to_vec())
                .file_name("scope.pdf")
                .mime_str("application/pdf")
                .unwrap();
            req.multipart(Form::new().part("file", part).text("kind", "other"))
        }
        Some(_) => req.json(&valid_body(&op.id)),
        None => req,
    };
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    (status, resp.bytes().await.unwrap_or_default().to_vec())
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

fn rights() -> Value {
    json!({"data_scope": "own", "can_export": true, "can_delete": true})
}

async fn id_of(resp: reqwest::Response, what: &str) -> i64 {
    assert!(resp.status().is_success(), "{what}: {}", resp.status());
    json_of(resp).await["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{what} has an id"))
}

/// `owner` makes one customer with one record of every kind.
async fn records_of(app: &TestApp, owner: &str) -> Records {
    let customer = app
        .create_customer(
            owner,
            json!({"name": OWNED_NAME, "annual_tax_wan": 5, "monthly_flow_wan": 20,
                   "contact_phone": PHONE, "legal_person_id_no": ID_NO}),
        )
        .await;
    let c = customer["id"].as_i64().unwrap();
    let d = id_of(
        app.post(&format!("/api/customers/{c}/diagnoses"), owner, json!({}))
            .await,
        "diagnosis",
    )
    .await;
    let plans = json_of(
        app.post(&format!("/api/diagnoses/{d}/plans"), owner, json!({}))
            .await,
    )
    .await;
    let plan = plans[0]["id"].as_i64().expect("the diagnosis has a plan");
    let share = json_of(
        app.post(&format!("/api/diagnoses/{d}/shares"), owner, json!({}))
            .await,
    )
    .await;
    let share = share["id"].as_i64().expect("share created");
    let form = Form::new()
        .part(
            "file",
            Part::bytes(PDF.to_vec())
                .file_name("营业执照.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
        .text("kind", "business_license");
    let doc = app
        .client
        .post(app.url(&format!("/api/customers/{c}/documents")))
        .bearer_auth(owner)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let doc = id_of(doc, "document").await;
    let now = chrono::Utc::now();
    let follow_up = id_of(
        app.post(
            &format!("/api/customers/{c}/follow-ups"),
            owner,
            json!({"channel": "phone", "content": "约了下周面谈",
                   "contacted_at": (now - chrono::Duration::hours(3)).to_rfc3339(),
                   "next_contact_at": (now - chrono::Duration::hours(1)).to_rfc3339()}),
        )
        .await,
        "follow-up",
    )
    .await;
    let application = id_of(
        app.post(
            &format!("/api/customers/{c}/applications"),
            owner,
            json!({"institution": "工商银行", "amount_applied_wan": 30}),
        )
        .await,
        "application",
    )
    .await;
    let today = chrono::Utc::now().date_naive().to_string();
    let agreement = id_of(
        app.post(
            &format!("/api/customers/{c}/agreements"),
            owner,
            json!({"fee_type": "fixed", "fee_fixed_wan": 1, "due_on": "signing", "signed_on": today}),
        )
        .await,
        "agreement",
    )
    .await;
    Records(HashMap::from([
        ("customer", c),
        ("diagnosis", d),
        ("plan", plan),
        ("share", share),
        ("document", doc),
        ("follow_up", follow_up),
        ("application", application),
        ("agreement", agreement),
    ]))
}

/// The path of a list operation, with the parameters that make its answer comparable.
fn list_path(op: &Operation) -> String {
    match op.id.as_str() {
        "exportCustomers" | "exportApplications" => format!("{}?format=csv", op.path),
        _ => op.path.clone(),
    }
}

#[tokio::test]
async fn an_own_account_never_learns_that_anothers_customer_exists() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let owner = app.staff_token_with(&admin, "scope-owner", rights()).await;
    let stranger = app
        .staff_token_with(&admin, "scope-stranger", rights())
        .await;
    let twin = app.staff_token_with(&admin, "scope-twin", rights()).await;
    let records = records_of(&app, &owner).await;
    let ops = operations();
    let mut wrong = vec![];

    // Lists: the stranger sees what an account without customers sees, never the name; the
    // owner's answer differs (it holds the customer).
    for op in ops
        .iter()
        .filter(|o| ACROSS_CUSTOMERS.contains(&o.id.as_str()))
    {
        let path = list_path(op);
        let (s_status, s_body) = call(&app, op, &path, &stranger).await;
        let (_, t_body) = call(&app, op, &path, &twin).await;
        let (o_status, o_body) = call(&app, op, &path, &owner).await;
        let s_text = String::from_utf8_lossy(&s_body);
        if s_status != StatusCode::OK || o_status != StatusCode::OK {
            wrong.push(format!("{}: stranger {s_status}, owner {o_status}", op.id));
            continue;
        }
        if s_text.contains(OWNED_NAME) {
            wrong.push(format!(
                "{}: the stranger's answer names the customer",
                op.id
            ));
        }
        if s_body != t_body {
            wrong.push(format!(
                "{}: the stranger's answer differs from an account without customers:\n{s_text}\n{}",
                op.id,
                String::from_utf8_lossy(&t_body)
            ));
        }
        if s_body == o_body {
            wrong.push(format!(
                "{}: the owner's answer is the stranger's: {s_text}",
                op.id
            ));
        }
    }

    // Records: the stranger's answer is byte for byte that of an unknown id (the ids aside);
    // then the owner gets real answers (destructive calls last).
    let mut record_ops: Vec<&Operation> = ops
        .iter()
        .filter(|o| CUSTOMER_RECORDS.contains(&o.id.as_str()))
        .collect();
    record_ops.sort_by_key(|o| o.method == Method::DELETE);
    for op in &record_ops {
        let path = records.path_for(op, false);
        let unknown = records.path_for(op, true);
        let (status, body) = call(&app, op, &path, &stranger).await;
        let (u_status, u_body) = call(&app, op, &unknown, &stranger).await;
        let body: Value = serde_json::from_slice(&body).unwrap_or_default();
        let u_body: Value = serde_json::from_slice(&u_body).unwrap_or_default();
        let real_ids: Vec<String> = records.0.values().map(|i| format!("#{i}")).collect();
        let shown = body["message"].as_str().unwrap_or_default().to_string();
        let expected = u_body["message"]
            .as_str()
            .unwrap_or_default()
            .replace("#999999", "#?");
        let normalised = real_ids
            .iter()
            .fold(shown.clone(), |m, id| m.replace(id.as_str(), "#?"));
        if status != StatusCode::NOT_FOUND
            || u_status != StatusCode::NOT_FOUND
            || body["code"] != u_body["code"]
            || normalised != expected
        {
            wrong.push(format!(
                "{} {path}: stranger got {status} {body}, an unknown id {u_status} {u_body}",
                op.id
            ));
        }
    }
    for op in &record_ops {
        let path = records.path_for(op, false);
        let (status, body) = call(&app, op, &path, &owner).await;
        if matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ) || status.is_server_error()
        {
            wrong.push(format!(
                "{} {path}: the owner got {status} {}",
                op.id,
                String::from_utf8_lossy(&body)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn user_id(app: &TestApp, admin: &str, username: &str) -> i64 {
    let users = json_of(app.get("/api/users", admin).await).await;
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .and_then(|u| u["id"].as_i64())
        .unwrap_or_else(|| panic!("user {username}"))
}

#[tokio::test]
async fn own_accounts_own_what_they_make_and_cannot_give_it_away() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "own-maker").await;
    let staff_id = user_id(&app, &admin, "own-maker").await;
    let admin_id = user_id(&app, &admin, "admin").await;

    // Defaults of a new staff account.
    let users = json_of(app.get("/api/users", &admin).await).await;
    let me = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == staff_id)
        .unwrap()
        .clone();
    assert_eq!(me["data_scope"], "own");
    assert_eq!(me["can_export"], false);
    assert_eq!(me["can_delete"], false);

    let made = app
        .create_customer(&staff, json!({"name": "自己录入的客户"}))
        .await;
    assert_eq!(made["owner_id"], staff_id);
    let resp = app
        .post(
            "/api/customers",
            &staff,
            json!({"name": "想转给别人的客户", "owner_id": admin_id}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("owner_id")).await;
    let resp = app
        .patch(
            &format!("/api/customers/{}", made["id"]),
            &staff,
            json!({"owner_id": admin_id}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("owner_id")).await;

    // Export and delete are permissions an admin grants.
    let resp = app.get("/api/exports/customers?format=csv", &staff).await;
    let err = assert_error(resp, StatusCode::FORBIDDEN, None).await;
    assert_eq!(err["code"], "export_not_allowed");
    let resp = app
        .delete(&format!("/api/customers/{}", made["id"]), &staff)
        .await;
    let err = assert_error(resp, StatusCode::FORBIDDEN, None).await;
    assert_eq!(err["code"], "delete_not_allowed");
    let resp = app
        .patch(
            &format!("/api/users/{staff_id}"),
            &admin,
            json!({"can_export": true, "can_delete": true}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = app.get("/api/exports/customers?format=csv", &staff).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains("自己录入的客户"));

    // A 统一社会信用代码 held by someone else's customer is refused without saying whose.
    let code = uscc(77);
    let theirs = app
        .create_customer(&admin, json!({"name": "管理员的机密客户", "uscc": code}))
        .await;
    let resp = app
        .post(
            "/api/customers",
            &staff,
            json!({"name": "撞码客户", "uscc": code}),
        )
        .await;
    let err = assert_error(resp, StatusCode::CONFLICT, Some("uscc")).await;
    let text = err.to_string();
    assert!(
        !text.contains("管理员的机密客户") && !text.contains(&format!("#{}", theirs["id"])),
        "{text}"
    );

    // Import: new rows become the importer's; a row matching another's customer is refused.
    let csv = format!("企业名称,统一社会信用代码\n导入的新客户,\n撞码导入,{code}\n");
    let part = Part::bytes(csv.into_bytes())
        .file_name("import.csv")
        .mime_str("text/csv")
        .unwrap();
    let resp = app
        .client
        .post(app.url("/api/imports/customers?dry_run=true"))
        .bearer_auth(&staff)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let report = json_of(resp).await;
    assert_eq!(report["invalid"], 1, "{report}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("其他同事"), "{message}");
    assert!(!report.to_string().contains("管理员的机密客户"));

    let csv = "企业名称\n导入的新客户\n";
    let part = Part::bytes(csv.as_bytes().to_vec())
        .file_name("import.csv")
        .mime_str("text/csv")
        .unwrap();
    let resp = app
        .client
        .post(app.url("/api/imports/customers?dry_run=false"))
        .bearer_auth(&staff)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let list = json_of(app.get("/api/customers?q=导入的新客户", &staff).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["owner_id"], staff_id);
}

#[tokio::test]
async fn numbers_are_masked_for_all_but_owner_and_admin_and_every_reveal_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let owner = app.staff_token(&admin, "mask-owner").await;
    let colleague = app
        .staff_token_with(
            &admin,
            "mask-colleague",
            json!({"data_scope": "all", "can_export": true}),
        )
        .await;
    let c = app
        .create_customer(
            &owner,
            json!({"name": "隐号测试公司", "contact_phone": PHONE, "legal_person_id_no": ID_NO}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["contact_phone"], PHONE);
    assert_eq!(c["masked"], false);
    let url = format!("/api/customers/{id}");

    let seen = json_of(app.get(&url, &colleague).await).await;
    assert_eq!(seen["contact_phone"], "139****5678");
    assert_eq!(seen["legal_person_id_no"], "110***********002X");
    assert_eq!(seen["masked"], true);
    let listed = json_of(app.get("/api/customers?q=隐号测试", &colleague).await).await;
    assert_eq!(listed["items"][0]["contact_phone"], "139****5678");
    let by_admin = json_of(app.get(&url, &admin).await).await;
    assert_eq!(by_admin["contact_phone"], PHONE);
    assert_eq!(by_admin["masked"], false);
    let csv = app
        .get("/api/exports/customers?format=csv&q=隐号测试", &colleague)
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("139****5678") && !csv.contains(PHONE), "{csv}");

    // A form saved back with the 隐号 keeps the numbers; a real new number replaces them.
    let mut back = seen.clone();
    back["notes"] = json!("同事补充的备注");
    for k in [
        "id",
        "latest_category",
        "latest_total",
        "latest_recommended_wan",
        "latest_diagnosis_id",
        "created_at",
        "updated_at",
        "deleted_at",
        "masked",
    ] {
        back.as_object_mut().unwrap().remove(k);
    }
    let resp = app.patch(&url, &colleague, back).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let stored = json_of(app.get(&url, &admin).await).await;
    assert_eq!(stored["contact_phone"], PHONE);
    assert_eq!(stored["legal_person_id_no"], ID_NO);
    assert_eq!(stored["notes"], "同事补充的备注");

    // Reveal: the numbers in full, once per call, each call audited without the numbers.
    let resp = app
        .post(&format!("{url}/reveal"), &colleague, json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let shown = json_of(resp).await;
    assert_eq!(shown["contact_phone"], PHONE);
    assert_eq!(shown["legal_person_id_no"], ID_NO);
    let entries = app.audit(&admin, "action=customer.reveal").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["username"], "mask-colleague");
    assert_eq!(entries[0]["resource_id"], id.to_string());
    let text = entries[0].to_string();
    assert!(!text.contains(PHONE) && !text.contains(ID_NO), "{text}");

    // An account limited to its own customers cannot reveal another's.
    let stranger = app.staff_token(&admin, "mask-stranger").await;
    let resp = app
        .post(&format!("{url}/reveal"), &stranger, json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // A bad ID number is a 400 on its field.
    let resp = app
        .post(
            "/api/customers",
            &owner,
            json!({"name": "错号公司", "legal_person_id_no": "110105194912310021"}),
        )
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("legal_person_id_no")).await;
}

#[tokio::test]
async fn a_handover_moves_customers_and_open_follow_ups_in_one_audited_step() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let leaving = app.staff_token(&admin, "hand-leaving").await;
    let taking = app.staff_token(&admin, "hand-taking").await;
    let leaving_id = user_id(&app, &admin, "hand-leaving").await;
    let taking_id = user_id(&app, &admin, "hand-taking").await;
    let records = records_of(&app, &leaving).await;
    let c = records.0["customer"];
    let second = app
        .create_customer(&leaving, json!({"name": "离职交接第二家"}))
        .await;
    app.delete(&format!("/api/customers/{}", second["id"]), &admin)
        .await;

    let users = json_of(app.get("/api/users", &admin).await).await;
    let row = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == leaving_id)
        .unwrap()
        .clone();
    assert_eq!(row["owned_customers"], 1, "live customers only: {row}");

    // Refused: to oneself, to nobody, to a disabled account; staff may not.
    let url = format!("/api/users/{leaving_id}/handover");
    let resp = app
        .post(&url, &admin, json!({"to_user_id": leaving_id}))
        .await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("to_user_id")).await;
    let resp = app.post(&url, &admin, json!({"to_user_id": 9999})).await;
    assert_error(resp, StatusCode::BAD_REQUEST, Some("to_user_id")).await;
    let resp = app
        .post(&url, &taking, json!({"to_user_id": taking_id}))
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let resp = app
        .post(&url, &admin, json!({"to_user_id": taking_id}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let done = json_of(resp).await;
    assert_eq!(done["customers"], 2, "{done}");
    assert_eq!(done["follow_ups"], 1);
    assert!(done["plans"].as_i64().unwrap() >= 1);
    assert_eq!(done["applications"], 1);

    // The leaver sees nothing more; the new owner sees the customer, its due follow-up, and
    // its numbers in full.
    let theirs = json_of(app.get("/api/customers", &leaving).await).await;
    assert_eq!(theirs["total"], 0);
    let resp = app.get(&format!("/api/customers/{c}"), &leaving).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let mine = json_of(app.get(&format!("/api/customers/{c}"), &taking).await).await;
    assert_eq!(mine["owner_id"], taking_id);
    assert_eq!(mine["contact_phone"], PHONE);
    let due = json_of(app.get("/api/follow-ups/due?when=overdue", &taking).await).await;
    assert_eq!(due["items"].as_array().unwrap().len(), 1, "{due}");
    let resp = app
        .get(
            &format!("/api/applications/{}", records.0["application"]),
            &taking,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    let entries = app.audit(&admin, "action=user.handover").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["resource_id"], leaving_id.to_string());
    assert_eq!(entries[0]["after"]["to_user_id"], taking_id);
}
