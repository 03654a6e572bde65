use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

/// Every admin-only operation, with a valid body, is refused for staff (403) and anonymous (401).
#[tokio::test]
async fn admin_operations_are_refused_for_staff_and_anonymous() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "lisi").await;
    let admin_ops: Vec<(Method, &str, Option<serde_json::Value>)> = vec![
        (Method::GET, "/api/users", None),
        (
            Method::POST,
            "/api/users",
            Some(
                json!({"username": "wangwu", "display_name": "王五", "role": "staff", "password": "Passw0rd-12345"}),
            ),
        ),
        (
            Method::PATCH,
            "/api/users/1",
            Some(json!({"display_name": "x"})),
        ),
        (Method::GET, "/api/audit-logs", None),
        (Method::GET, "/api/system/metrics", None),
        (
            Method::PUT,
            "/api/branding",
            Some(json!({"brand_name": "x"})),
        ),
    ];
    for (method, path, body) in admin_ops {
        let as_staff = app
            .request(method.clone(), path, Some(&staff), body.clone())
            .await;
        assert_error(as_staff, StatusCode::FORBIDDEN, None).await;
        let anonymous = app.request(method.clone(), path, None, body.clone()).await;
        assert_error(anonymous, StatusCode::UNAUTHORIZED, None).await;
        let created = method == Method::POST && path == "/api/users";
        let as_admin = app.request(method, path, Some(&admin), body).await;
        let expected = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(as_admin.status(), expected, "{path} as admin");
    }
}

#[tokio::test]
async fn user_management_validates_and_keeps_one_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let bad_name = app.post("/api/users", &admin, json!({"username": "a b", "display_name": "x", "role": "staff", "password": "Passw0rd-12345"})).await;
    assert_error(bad_name, StatusCode::BAD_REQUEST, Some("username")).await;
    let weak = app
        .post(
            "/api/users",
            &admin,
            json!({"username": "ab12", "display_name": "x", "role": "staff", "password": "123"}),
        )
        .await;
    assert_error(weak, StatusCode::BAD_REQUEST, Some("password")).await;
    let ok = app.post("/api/users", &admin, json!({"username": "ab12", "display_name": "x", "role": "staff", "password": "Passw0rd-12345"})).await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(location_of(&ok), "/api/users/2");
    let dup = app.post("/api/users", &admin, json!({"username": "AB12", "display_name": "x", "role": "staff", "password": "Passw0rd-12345"})).await;
    assert_error(dup, StatusCode::CONFLICT, Some("username")).await;
    let demote = app
        .patch("/api/users/1", &admin, json!({"role": "staff"}))
        .await;
    assert_error(demote, StatusCode::BAD_REQUEST, Some("role")).await;
    let missing = app
        .patch("/api/users/999", &admin, json!({"display_name": "x"}))
        .await;
    assert_error(missing, StatusCode::NOT_FOUND, None).await;
    let audit = app
        .audit(&admin, "resource_type=user&action=user.create")
        .await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["after"]["username"], "ab12");
    assert!(
        audit[0]["after"].get("password_hash").is_none(),
        "no hashes in the audit log"
    );
}

/// Issue 12 items 2 and 13: names are one account whatever their spelling; weak passwords are
/// refused with a reason on every path that sets one.
#[tokio::test]
async fn new_accounts_use_the_normalised_name_and_the_password_policy() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for name in ["Admin", " admin\u{3000}", "ＡＤＭＩＮ"] {
        let dup = app.post("/api/users", &admin, json!({"username": name, "display_name": "x", "role": "staff", "password": "Passw0rd-12345"})).await;
        assert_error(dup, StatusCode::CONFLICT, Some("username")).await;
    }
    for weak in [
        "Password12",
        "admin12345",
        "         a",
        "Passw0rd-\u{0}12345",
    ] {
        let resp = app.post("/api/users", &admin, json!({"username": "qianqi", "display_name": "钱七", "role": "staff", "password": weak})).await;
        assert_error(resp, StatusCode::BAD_REQUEST, Some("password")).await;
        let reset = app
            .patch("/api/users/1", &admin, json!({"password": weak}))
            .await;
        assert_error(reset, StatusCode::BAD_REQUEST, Some("password")).await;
        let change = app
            .post(
                "/api/auth/change-password",
                &admin,
                json!({"current_password": ADMIN_NEW_PASSWORD, "new_password": weak}),
            )
            .await;
        assert_error(change, StatusCode::BAD_REQUEST, Some("new_password")).await;
    }
    let created = app.post("/api/users", &admin, json!({"username": " QianQi ", "display_name": "钱七", "role": "staff", "password": "Passw0rd-12345"})).await;
    assert_eq!(json_of(created).await["username"], "qianqi");
}

/// Issue 12 item 23: a row this build cannot read is an error (500, logged), never a guess.
#[tokio::test]
async fn an_undecodable_user_row_is_an_error_not_a_default() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let db = rusqlite::Connection::open(app.path("loan-broker.db")).unwrap();
    db.execute_batch(
        "PRAGMA ignore_check_constraints = ON;
         INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)
         VALUES ('odd', 'x', 'superuser', 'x', '2026-01-01', '2026-01-01');",
    )
    .unwrap();
    let resp = app.get("/api/users", &admin).await;
    let body = json_of(resp).await;
    assert_eq!(body["code"], "internal", "{body}");
    let login = app.login("odd", "Passw0rd-12345").await;
    assert_eq!(login.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
