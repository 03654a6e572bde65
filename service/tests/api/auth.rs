use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn initial_password_works_once_and_must_be_changed_first() {
    let app = spawn_app().await;
    let file = app.path("initial-admin-password");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "password file is private");

    let resp = app.login("admin", &app.initial_password()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = json_of(resp).await;
    assert_eq!(body["must_change_password"], true);
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().unwrap();

    assert_error(
        app.get("/api/customers", token).await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    let me = json_of(app.get("/api/auth/me", token).await).await;
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("admin"), Some("admin"))
    );

    let weak = app
        .post(
            "/api/auth/change-password",
            token,
            json!({"current_password": app.initial_password(), "new_password": "short"}),
        )
        .await;
    assert_error(weak, StatusCode::BAD_REQUEST, Some("new_password")).await;
    let wrong = app
        .post(
            "/api/auth/change-password",
            token,
            json!({"current_password": "nope", "new_password": ADMIN_NEW_PASSWORD}),
        )
        .await;
    assert_error(wrong, StatusCode::BAD_REQUEST, Some("current_password")).await;

    let changed = app
        .post(
            "/api/auth/change-password",
            token,
            json!({"current_password": app.initial_password(), "new_password": ADMIN_NEW_PASSWORD}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let fresh = json_of(changed).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    assert_error(
        app.get("/api/auth/me", token).await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    assert_eq!(
        app.get("/api/customers", &fresh).await.status(),
        StatusCode::OK
    );
    assert_error(
        app.login("admin", &app.initial_password()).await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    assert_eq!(
        app.login("ADMIN", ADMIN_NEW_PASSWORD).await.status(),
        StatusCode::OK,
        "usernames ignore case"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account() {
    let app = spawn_with(|s| {
        s.login_max_failures = 3;
        s.lockout_minutes = 10;
    })
    .await;
    let admin = app.admin_token().await;
    for _ in 0..3 {
        assert_error(
            app.login("admin", "wrong-password").await,
            StatusCode::UNAUTHORIZED,
            None,
        )
        .await;
    }
    let locked = app.login("admin", ADMIN_NEW_PASSWORD).await;
    let body = assert_error(locked, StatusCode::TOO_MANY_REQUESTS, None).await;
    assert!(body["message"].as_str().unwrap().contains("锁定"));
    // The existing session still works, and the lockout is audited.
    let actions: Vec<String> = app
        .audit(&admin, "action=auth.")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"auth.locked".to_string()), "{actions:?}");
    assert_eq!(
        actions.iter().filter(|a| *a == "auth.login_failed").count(),
        2
    );
    // An admin unlocks it.
    let unlock = app
        .patch("/api/users/1", &admin, json!({"unlock": true}))
        .await;
    assert_eq!(unlock.status(), StatusCode::OK);
    assert_eq!(
        app.login("admin", ADMIN_NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_users_and_bad_tokens_are_refused_alike() {
    let app = spawn_app().await;
    assert_error(
        app.login("nobody", "whatever-123").await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    for token in ["garbage", "eyJhbGciOiJIUzI1NiJ9.e30.x"] {
        assert_error(
            app.get("/api/auth/me", token).await,
            StatusCode::UNAUTHORIZED,
            None,
        )
        .await;
    }
    let none = app
        .request(reqwest::Method::GET, "/api/auth/me", None, None)
        .await;
    assert_error(none, StatusCode::UNAUTHORIZED, None).await;
}

#[tokio::test]
async fn configured_initial_password_and_jwt_secret_are_used() {
    let secrets = tempfile::tempdir().unwrap();
    let pw_file = secrets.path().join("admin-pw");
    let jwt_file = secrets.path().join("jwt");
    std::fs::write(&pw_file, "Configured-Passw0rd\n").unwrap();
    std::fs::write(&jwt_file, "a-very-long-jwt-secret-for-tests-0123456789").unwrap();
    for f in [&pw_file, &jwt_file] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let app = spawn_with(|s| {
        s.initial_admin_password_file = Some(pw_file.clone());
        s.jwt_secret_file = Some(jwt_file.clone());
    })
    .await;
    assert!(
        !app.path("initial-admin-password").exists(),
        "no generated password when one is configured"
    );
    assert!(
        !app.path("jwt-secret").exists(),
        "no generated secret when one is configured"
    );
    assert_eq!(
        app.login("admin", "Configured-Passw0rd").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_from_another_instance_is_refused() {
    let one = spawn_app().await;
    let two = spawn_app().await;
    let token = one.admin_token().await;
    two.admin_token().await;
    assert_error(
        two.get("/api/customers", &token).await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
}

#[tokio::test]
async fn disabling_a_user_revokes_their_tokens() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token(&admin, "zhangsan").await;
    assert_eq!(
        app.get("/api/customers", &staff).await.status(),
        StatusCode::OK
    );
    let users = json_of(app.get("/api/users", &admin).await).await;
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "zhangsan")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.patch(
            &format!("/api/users/{id}"),
            &admin,
            json!({"disabled": true})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_error(
        app.get("/api/customers", &staff).await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    assert_error(
        app.login("zhangsan", "Staff-Passw0rd-x").await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
}
