//! The authorisation matrix: every operation in the spec × every kind of caller. The operation list
//! comes from the spec itself, so a new endpoint cannot be forgotten: an operation id the tables
//! below do not classify fails the test until someone decides who may call it.

use loan_broker::auth::bootstrap;
use loan_broker::auth::jwt::JwtKeys;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// No token needed.
const PUBLIC: &[&str] = &["login", "getBranding", "getLogo", "getSharedReport"];

/// Signed in as `admin` only; staff get 403.
const ADMIN_ONLY: &[&str] = &[
    "listUsers",
    "createUser",
    "updateUser",
    "updateBranding",
    "uploadLogo",
    "listAuditLogs",
    "systemMetrics",
    "getRules",
    "putRules",
    "createProduct",
    "updateProduct",
    "deleteProduct",
    "rediagnoseAll",
    "revokeUserSessions",
    "putDocumentChecklist",
    "getFollowUpDigest",
    "updateFollowUpDigest",
    "testFollowUpDigest",
    "getPersonalData",
    "eraseCustomer",
    "handoverUser",
];

/// Any signed-in account (staff or admin).
pub const SIGNED_IN: &[&str] = &[
    "revealCustomerNumbers",
    "createApplication",
    "listCustomerApplications",
    "listApplications",
    "exportApplications",
    "applicationStats",
    "getApplication",
    "updateApplication",
    "changePassword",
    "logout",
    "me",
    "listCustomers",
    "createCustomer",
    "getCustomer",
    "updateCustomer",
    "deleteCustomer",
    "restoreCustomer",
    "runDiagnosis",
    "listDiagnoses",
    "getDiagnosis",
    "simulateDiagnosis",
    "generatePlans",
    "listPlans",
    "listAllPlans",
    "getPlan",
    "updatePlan",
    "listProducts",
    "getProduct",
    "listProviders",
    "getProvider",
    "createProvider",
    "updateProvider",
    "deleteProvider",
    "importCustomers",
    "importTemplate",
    "exportCustomers",
    "dashboard",
    "getVocabulary",
    "createShare",
    "listShares",
    "listShareOpens",
    "revokeShare",
    "getCustomerTimeline",
    "uploadDocument",
    "listDocuments",
    "getMissingDocuments",
    "getDocumentContent",
    "deleteDocument",
    "getDocumentChecklist",
    "createFollowUp",
    "listFollowUps",
    "updateFollowUp",
    "listDueFollowUps",
    "countDueFollowUps",
    "createAgreement",
    "listAgreements",
    "getAgreement",
    "updateAgreement",
    "incomeSummary",
    "createConsent",
    "listConsents",
    "withdrawConsent",
];

/// Signed-in operations that need a permission an admin grants: the matrix' staff account has
/// the defaults (none), so it gets 403 with this code.
const NEEDS_PERMISSION: &[(&str, &str)] = &[
    ("exportCustomers", "export_not_allowed"),
    ("exportApplications", "export_not_allowed"),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Access {
    Public,
    SignedIn,
    Admin,
}

pub struct Operation {
    pub id: String,
    pub method: Method,
    /// The spec's path with every `{param}` replaced by 1.
    pub path: String,
    /// The spec's path as written (`/api/customers/{id}`).
    pub template: String,
    /// The request body's media type, when the operation takes one.
    pub body: Option<String>,
}

/// Every operation of the spec the service builds (the same one `/api/openapi.json` serves).
pub fn operations() -> Vec<Operation> {
    let spec: Value =
        serde_json::from_str(&loan_broker::api::api_service(None).spec()).expect("spec is JSON");
    let param = regex::Regex::new(r"\{[^}]+\}").unwrap();
    let mut ops = vec![];
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let body = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.keys().next().cloned());
            ops.push(Operation {
                id: id.to_string(),
                method: method.to_uppercase().parse().expect("HTTP method"),
                // Every path parameter is an id; 1 exists for most resources (404 is fine too).
                path: param.replace_all(path, "1").into_owned(),
                template: path.clone(),
                body,
            });
        }
    }
    ops
}

fn access(id: &str) -> Option<Access> {
    let tables = [
        (PUBLIC, Access::Public),
        (SIGNED_IN, Access::SignedIn),
        (ADMIN_ONLY, Access::Admin),
    ];
    let found: Vec<Access> = tables
        .iter()
        .filter(|(t, _)| t.contains(&id))
        .map(|(_, a)| *a)
        .collect();
    assert!(found.len() <= 1, "{id} is listed in more than one table");
    found.first().copied()
}

#[test]
fn every_operation_in_the_spec_is_classified_and_every_table_entry_exists() {
    let ops = operations();
    let unclassified: Vec<&str> = ops
        .iter()
        .map(|o| o.id.as_str())
        .filter(|id| access(id).is_none())
        .collect();
    assert!(
        unclassified.is_empty(),
        "operations without an authorisation class (add them to PUBLIC, SIGNED_IN or ADMIN_ONLY \
         in tests/api/authz.rs): {unclassified:?}"
    );
    let stale: Vec<&&str> = PUBLIC
        .iter()
        .chain(SIGNED_IN)
        .chain(ADMIN_ONLY)
        .filter(|id| !ops.iter().any(|o| o.id == **id))
        .collect();
    assert!(stale.is_empty(), "table entries not in the spec: {stale:?}");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    NoToken,
    Garbage,
    ForeignSecret,
    Expired,
    Revoked,
    Staff,
    Admin,
}

impl Caller {
    fn is_authenticated(self) -> bool {
        matches!(self, Caller::Staff | Caller::Admin)
    }
}

/// A body of the right shape that changes nothing when an allowed caller sends it (no password
/// changed, no user created or disabled). The shape matters: poem-openapi parses the body before
/// the handler checks the role, so a malformed one would be a 400 where the table expects a 403.
fn json_body(id: &str) -> Value {
    match id {
        "createUser" => {
            json!({"username": "authz-new", "display_name": "新", "role": "staff", "password": "short"})
        }
        // An unknown product: the admin's call is refused (400) and the checklist stays.
        "putDocumentChecklist" => {
            json!({"families": [], "products": [{"product_id": "authz-none", "kinds": []}]})
        }
        _ => json!({}),
    }
}

async fn send(app: &TestApp, op: &Operation, token: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.request(op.method.clone(), app.url(&op.path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req = match op.body.as_deref() {
        Some("multipart/form-data") => {
            let part = Part::bytes(b"not a real file".to_vec())
                .file_name("x.csv")
                .mime_str("text/csv")
                .unwrap();
            req.multipart(Form::new().part("file", part))
        }
        Some(_) => req.json(&json_body(&op.id)),
        None => req,
    };
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

#[tokio::test]
async fn every_operation_answers_every_kind_of_caller_as_the_tables_say() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "authz-staff").await;
    // Something to point the `{id}`s at: customer 1 with a diagnosis and plans, provider 1.
    let customer = app
        .create_customer(
            &admin,
            json!({"name": "权限矩阵测试公司", "annual_tax_wan": 5, "monthly_flow_wan": 20}),
        )
        .await;
    assert_eq!(customer["id"], 1);
    let diagnosis = json_of(
        app.post("/api/customers/1/diagnoses", &admin, json!({}))
            .await,
    )
    .await;
    app.post(
        &format!("/api/diagnoses/{}/plans", diagnosis["id"]),
        &admin,
        json!({}),
    )
    .await;
    app.post(
        "/api/providers",
        &admin,
        json!({"name": "权限测试服务商", "category": "tax_agency"}),
    )
    .await;

    // A token issued before a password change.
    let initial = "Revoked-initial-1";
    let created = app
        .post(
            "/api/users",
            &admin,
            json!({"username": "authz-revoked", "display_name": "撤销", "role": "staff", "password": initial}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let revoked = json_of(app.login("authz-revoked", initial).await).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let changed = app
        .post(
            "/api/auth/change-password",
            &revoked,
            json!({"current_password": initial, "new_password": "Revoked-Passw0rd-2"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);

    // Signed with the instance's own secret and the admin's current token version, but expired;
    // and a well-formed token signed with another secret.
    let secret = bootstrap::jwt_secret(&settings_for(app.state_dir.path())).unwrap();
    let (admin_id, version) = JwtKeys::new(&secret, "loan-broker".into(), 60)
        .verify(&admin)
        .map(|t| (t.user_id, t.token_version))
        .expect("the admin token verifies with the instance secret");
    let expired = JwtKeys::new(&secret, "loan-broker".into(), -3600)
        .issue(admin_id, version)
        .unwrap();
    let foreign = JwtKeys::new(
        b"another-instance-secret-0123456789abcdef",
        "loan-broker".into(),
        3600,
    )
    .issue(admin_id, version)
    .unwrap();

    let callers: [(Caller, Option<&str>); 7] = [
        (Caller::NoToken, None),
        (Caller::Garbage, Some("garbage.not-a.jwt")),
        (Caller::ForeignSecret, Some(&foreign)),
        (Caller::Expired, Some(&expired)),
        (Caller::Revoked, Some(&revoked)),
        (Caller::Staff, Some(&staff)),
        (Caller::Admin, Some(&admin)),
    ];
    let mut ops = operations();
    // Destructive calls last, so earlier ones still find their resource; calls that end the
    // caller's session after those, logout last. Ending sessions targets the staff account
    // (whose caller has run by then), not the admin whose token is still needed.
    ops.sort_by_key(|o| {
        (
            o.id == "logout",
            o.id == "revokeUserSessions",
            o.method == Method::DELETE,
        )
    });
    for op in &mut ops {
        if op.id == "revokeUserSessions" {
            op.path = op.path.replace("/users/1/", "/users/2/");
        }
    }
    let mut wrong = vec![];
    let mut checked = 0;
    for (caller, token) in callers {
        for op in &ops {
            let access = access(&op.id).unwrap_or_else(|| panic!("{} is unclassified", op.id));
            let (status, body) = send(&app, op, token).await;
            checked += 1;
            let expected: &str = match (access, caller) {
                (Access::Public, _) => "not 401/403/5xx",
                (_, c) if !c.is_authenticated() => "401",
                (Access::Admin, Caller::Staff) => "403",
                (Access::SignedIn, Caller::Staff)
                    if NEEDS_PERMISSION.iter().any(|(id, _)| *id == op.id) =>
                {
                    "403"
                }
                _ => "not 401/403/5xx",
            };
            let ok = match expected {
                "401" => status == StatusCode::UNAUTHORIZED,
                "403" => status == StatusCode::FORBIDDEN,
                _ => {
                    status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::FORBIDDEN
                        && !status.is_server_error()
                }
            };
            if !ok {
                wrong.push(format!(
                    "{caller:?} {} {} ({}): expected {expected}, got {status}: {body}",
                    op.method, op.path, op.id
                ));
            }
            if expected == "401" || expected == "403" {
                let err: Value = serde_json::from_str(&body).unwrap_or_default();
                if !err["code"].is_string() || !err["message"].is_string() {
                    wrong.push(format!(
                        "{caller:?} {} ({}): {status} without the error shape: {body}",
                        op.path, op.id
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} calls answered wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked >= 7 * 40, "only {checked} calls");
}
