use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// The smallest valid PNG: 1×1 pixel.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

#[tokio::test]
async fn branding_starts_from_config_and_admins_change_it() {
    let app = spawn_with(|s| {
        s.brand_name = "朋友一号贷款".into();
        s.primary_color = "#aa3300".into();
    })
    .await;
    let public = json_of(
        app.request(reqwest::Method::GET, "/api/branding", None, None)
            .await,
    )
    .await;
    assert_eq!(
        public,
        json!({"brand_name": "朋友一号贷款", "primary_color": "#aa3300", "secondary_color": "#13c2c2", "logo_url": null})
    );
    let token = app.admin_token().await;
    assert_error(
        app.put("/api/branding", &token, json!({"primary_color": "red"}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("primary_color"),
    )
    .await;
    assert_error(
        app.put("/api/branding", &token, json!({"brand_name": "  "}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("brand_name"),
    )
    .await;
    let changed = json_of(
        app.put(
            "/api/branding",
            &token,
            json!({"brand_name": "新品牌", "secondary_color": "#00ff00"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            changed["brand_name"].as_str(),
            changed["primary_color"].as_str(),
            changed["secondary_color"].as_str()
        ),
        (Some("新品牌"), Some("#aa3300"), Some("#00ff00"))
    );
    let audit = app.audit(&token, "action=branding.").await;
    assert_eq!(audit[0]["before"]["brand_name"], "朋友一号贷款");
    assert_eq!(audit[0]["after"]["brand_name"], "新品牌");
}

#[tokio::test]
async fn logos_are_checked_by_content_and_served() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let fake = app
        .upload_logo(&token, b"<svg onload=alert(1)>".to_vec(), "logo.png")
        .await;
    assert_error(fake, StatusCode::BAD_REQUEST, Some("file")).await;
    let truncated = app
        .upload_logo(&token, PNG_1X1[..12].to_vec(), "logo.png")
        .await;
    assert_error(truncated, StatusCode::BAD_REQUEST, Some("file")).await;
    let mut huge = PNG_1X1.to_vec();
    huge[16..24].copy_from_slice(&[0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20]); // 20000 × 20000 pixels
    assert_error(
        app.upload_logo(&token, huge, "big.png").await,
        StatusCode::BAD_REQUEST,
        Some("file"),
    )
    .await;
    let big = app
        .upload_logo(&token, vec![0x89; 2 * 1024 * 1024], "x.png")
        .await;
    assert_error(big, StatusCode::PAYLOAD_TOO_LARGE, None).await;
    assert_eq!(
        app.request(reqwest::Method::GET, "/api/branding/logo", None, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let ok = app
        .upload_logo(&token, PNG_1X1.to_vec(), "whatever.bin")
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let url = json_of(ok).await["logo_url"].as_str().unwrap().to_string();
    let served = app.request(reqwest::Method::GET, &url, None, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG_1X1);
}

#[tokio::test]
async fn a_failing_audit_insert_leaves_branding_and_logo_unchanged() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    assert_eq!(
        app.upload_logo(&token, PNG_1X1.to_vec(), "a.png")
            .await
            .status(),
        StatusCode::OK
    );
    let before = json_of(
        app.request(reqwest::Method::GET, "/api/branding", None, None)
            .await,
    )
    .await;
    let uploads = || {
        let mut names: Vec<_> = std::fs::read_dir(app.path("uploads"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let files_before = uploads();
    rusqlite::Connection::open(app.path("loan-broker.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_logs
             WHEN NEW.action LIKE 'branding.%'
             BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END;",
        )
        .unwrap();
    let failed = app
        .put(
            "/api/branding",
            &token,
            json!({"brand_name": "不该生效", "primary_color": "#000000"}),
        )
        .await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let mut big = PNG_1X1.to_vec();
    big.extend(vec![0; 4096]);
    let failed = app.upload_logo(&token, big, "b.png").await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let after = json_of(
        app.request(reqwest::Method::GET, "/api/branding", None, None)
            .await,
    )
    .await;
    assert_eq!(after, before, "name, colours and logo unchanged");
    assert_eq!(uploads(), files_before, "the new logo file is gone again");
    let logo = app
        .request(reqwest::Method::GET, "/api/branding/logo", None, None)
        .await;
    assert_eq!(logo.bytes().await.unwrap().as_ref(), PNG_1X1);
}
