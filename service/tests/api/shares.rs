//! Share links: a read-only report without sign-in, expiring, revocable, every open logged.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn diagnosed(app: &TestApp, token: &str, n: u32) -> (i64, i64) {
    let c = app
        .create_customer(
            token,
            json!({"name": format!("温州分享样板{n}有限公司"), "uscc": uscc(n), "established_on": "2019-05-01",
                   "annual_invoice_wan": 800, "annual_tax_wan": 12, "tax_grade": "A", "current_overdue": false,
                   "contact_name": "陈小姐", "contact_phone": "13812345678", "legal_person": "陈大文",
                   "loan_demand_wan": 100}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let d = json_of(
        app.post(&format!("/api/customers/{id}/diagnoses"), token, json!({}))
            .await,
    )
    .await;
    app.post(
        &format!("/api/diagnoses/{}/plans", d["id"]),
        token,
        json!({}),
    )
    .await;
    (id, d["id"].as_i64().unwrap())
}

async fn shared(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/shared/{token}")))
        .header("User-Agent", "Mozilla/5.0 (iPhone) MicroMessenger/8.0")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_link_opens_the_report_without_sign_in_and_nothing_else() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, diagnosis) = diagnosed(&app, &admin, 301).await;

    let resp = app
        .post(
            &format!("/api/diagnoses/{diagnosis}/shares"),
            &admin,
            json!({"expires_in_days": 3}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created = json_of(resp).await;
    let token = created["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64, "256 random bits in hex");
    assert_eq!(created["url"], format!("/r/{token}"));
    assert_eq!(created["share"]["contact_line"], "客户经理：管理员");

    // The public report: the diagnosis, the company's name, the plans — and none of the facts.
    let resp = shared(&app, &token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let report = json_of(resp).await;
    assert_eq!(report["diagnosis"]["id"], diagnosis);
    assert_eq!(report["company"]["name"], "温州分享样板301有限公司");
    assert!(report["plans"].as_array().is_some());
    for plan in report["plans"].as_array().unwrap() {
        assert_eq!(plan["providers"], json!([]), "no provider network leaks");
        assert_eq!(plan["tasks"], json!([]));
    }
    let text = report.to_string();
    for secret in ["13812345678", "陈小姐", "陈大文"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked in the shared report"
        );
    }
    // The token opens nothing else: not the customer, not the diagnosis API.
    for path in ["/api/customers/1", &format!("/api/diagnoses/{diagnosis}")] {
        let resp = app
            .client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Every open is counted and logged with the client and its browser.
    shared(&app, &token).await;
    let list = json_of(
        app.get(&format!("/api/diagnoses/{diagnosis}/shares"), &admin)
            .await,
    )
    .await;
    assert_eq!(list[0]["open_count"], 2);
    assert!(list[0]["last_opened_at"].is_string());
    assert!(list[0].get("token").is_none(), "the token is never listed");
    let opens = json_of(
        app.get(&format!("/api/shares/{}/opens", created["id"]), &admin)
            .await,
    )
    .await;
    assert_eq!(opens.as_array().unwrap().len(), 2);
    assert_eq!(opens[0]["client_ip"], "127.0.0.1");
    assert!(
        opens[0]["user_agent"]
            .as_str()
            .unwrap()
            .contains("MicroMessenger")
    );

    // The database holds the token's digest, never the token.
    let db = std::fs::read(app.path("loan-broker.db")).unwrap();
    let wal = std::fs::read(app.path("loan-broker.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token stored in clear"
        );
    }
}

#[tokio::test]
async fn revoked_expired_unknown_and_deleted_all_answer_the_same_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token_all(&admin, "sharestaff").await;
    let (customer, diagnosis) = diagnosed(&app, &admin, 302).await;
    let make = |days: Value| {
        let app = &app;
        let staff = staff.clone();
        async move {
            json_of(
                app.post(
                    &format!("/api/diagnoses/{diagnosis}/shares"),
                    &staff,
                    json!({"expires_in_days": days, "contact_line": "王经理 139 0000 1111"}),
                )
                .await,
            )
            .await
        }
    };

    // Revoked: gone at once; revoking twice is refused.
    let a = make(json!(7)).await;
    assert_eq!(a["share"]["contact_line"], "王经理 139 0000 1111");
    assert_eq!(
        shared(&app, a["token"].as_str().unwrap()).await.status(),
        StatusCode::OK
    );
    let resp = app
        .delete(&format!("/api/shares/{}", a["id"]), &staff)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let gone = assert_error(
        shared(&app, a["token"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_error(
        app.delete(&format!("/api/shares/{}", a["id"]), &staff)
            .await,
        StatusCode::BAD_REQUEST,
        None,
    )
    .await;

    // Expired: the stored expiry passed (moved back in the file, as time would).
    let b = make(json!(1)).await;
    let conn = rusqlite::Connection::open(app.path("loan-broker.db")).unwrap();
    conn.execute(
        "UPDATE shares SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?1",
        [b["id"].as_i64().unwrap()],
    )
    .unwrap();
    let expired = assert_error(
        shared(&app, b["token"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_eq!(
        expired["message"], gone["message"],
        "a link never says why it stopped"
    );

    // Unknown, malformed and over-long tokens.
    for t in [
        "0".repeat(64),
        "abc".into(),
        "g".repeat(64),
        "a".repeat(129),
    ] {
        let resp = shared(&app, &t).await;
        assert!(resp.status().is_client_error(), "{t}: {}", resp.status());
        assert_ne!(resp.status(), StatusCode::OK);
    }

    // A customer in the recycle bin: its links stop; new ones are refused.
    let c = make(json!(30)).await;
    app.delete(&format!("/api/customers/{customer}"), &admin)
        .await;
    assert_error(
        shared(&app, c["token"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_error(
        app.post(
            &format!("/api/diagnoses/{diagnosis}/shares"),
            &staff,
            json!({}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        None,
    )
    .await;

    // Audit: who made and who revoked, never the token.
    let entries = app
        .audit(
            &admin,
            &format!("resource_type=share&resource_id={}", a["id"]),
        )
        .await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["share.revoke", "share.create"]);
    assert_eq!(entries[1]["username"], "sharestaff");
    assert!(
        !entries[1]
            .to_string()
            .contains(a["token"].as_str().unwrap())
    );
}

#[tokio::test]
async fn bad_share_requests_get_a_field_and_a_chinese_message() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, diagnosis) = diagnosed(&app, &admin, 303).await;
    let path = format!("/api/diagnoses/{diagnosis}/shares");
    for days in [0, 91, 100000] {
        assert_error(
            app.post(&path, &admin, json!({"expires_in_days": days}))
                .await,
            StatusCode::BAD_REQUEST,
            Some("expires_in_days"),
        )
        .await;
    }
    assert_error(
        app.post(&path, &admin, json!({"contact_line": "王经理\n电话"}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("contact_line"),
    )
    .await;
    assert_error(
        app.post(&path, &admin, json!({"contact_line": "长".repeat(61)}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("contact_line"),
    )
    .await;
    assert_error(
        app.post("/api/diagnoses/999999/shares", &admin, json!({}))
            .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    // Default: seven days.
    let created = json_of(app.post(&path, &admin, json!({})).await).await;
    let expires =
        chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "{days} h");
    // No partial write: the refused requests left only this one link.
    let list = json_of(app.get(&path, &admin).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}
