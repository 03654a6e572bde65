//! Customer documents (客户资料): type by content, size and quota limits, path safety, headers,
//! authorisation, audit, the checklist and what is missing.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::branding::PNG_1X1;
use crate::helpers::*;

const PDF_BYTES: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const JPEG_BYTES: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];
/// A 1×1 lossless WebP.
const WEBP_BYTES: &[u8] = &[
    b'R', b'I', b'F', b'F', 0x1A, 0x00, 0x00, 0x00, b'W', b'E', b'B', b'P', b'V', b'P', b'8', b'L',
    0x0D, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE,
    0x07, 0x00,
];
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_bytes() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "流水").unwrap();
    book.save_to_buffer().unwrap()
}

/// A zip that is not a workbook (no `[Content_Types].xml`, no `xl/`).
fn plain_zip() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hello").unwrap();
    zip.finish().unwrap();
    out.into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    customer: i64,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Response {
    let part = Part::bytes(bytes)
        .file_name(name.to_string())
        // What the client claims never counts.
        .mime_str("application/pdf")
        .unwrap();
    let form = Form::new()
        .part("file", part)
        .text("kind", kind.to_string())
        .text("note", "测试备注");
    let mut req = app
        .client
        .post(app.url(&format!("/api/customers/{customer}/documents")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.multipart(form).send().await.expect("upload sent")
}

async fn uploaded(
    app: &TestApp,
    token: &str,
    customer: i64,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Value {
    let resp = upload(app, Some(token), customer, kind, name, bytes).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "upload {name}");
    let location = location_of(&resp);
    let doc = json_of(resp).await;
    assert_eq!(location, format!("/api/documents/{}", doc["id"]));
    doc
}

/// The names in the documents directory (empty when it does not exist yet).
fn stored_files(app: &TestApp) -> Vec<String> {
    let dir = app.path("uploads/documents");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn customer(app: &TestApp, token: &str, name: &str) -> i64 {
    app.create_customer(token, json!({"name": name})).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn each_accepted_type_is_stored_under_a_random_name_with_its_sniffed_type() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料测试甲公司").await;
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "business_license",
            "营业执照.pdf",
            PDF_BYTES.to_vec(),
            "application/pdf",
        ),
        ("id_card", "身份证.png", PNG_1X1.to_vec(), "image/png"),
        ("property", "房产证.jpg", JPEG_BYTES.to_vec(), "image/jpeg"),
        ("contract", "合同.webp", WEBP_BYTES.to_vec(), "image/webp"),
        ("bank_statement", "流水.xlsx", xlsx_bytes(), XLSX),
    ];
    for (kind, name, bytes, content_type) in &cases {
        let doc = uploaded(&app, &admin, c, kind, name, bytes.clone()).await;
        assert_eq!(doc["content_type"], *content_type, "{doc}");
        assert_eq!(doc["kind"], *kind);
        assert_eq!(doc["file_name"], *name);
        assert_eq!(doc["size_bytes"], bytes.len());
        assert_eq!(doc["sha256"], sha256(bytes));
        assert_eq!(doc["customer_id"], c);
        assert_eq!(doc["note"], "测试备注");
        assert!(doc["uploaded_by"].is_i64() && doc["uploaded_at"].is_string());
        let served = app
            .get(&format!("/api/documents/{}/content", doc["id"]), &admin)
            .await;
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.headers()["content-type"], *content_type);
        assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    let listed = json_of(
        app.get(&format!("/api/customers/{c}/documents"), &admin)
            .await,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), cases.len());
    assert_eq!(listed[0]["kind"], "bank_statement", "newest first");
    let files = stored_files(&app);
    assert_eq!(files.len(), cases.len());
    let dir = app.path("uploads/documents");
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for f in &files {
        assert!(
            f.len() == 32 && f.chars().all(|c| c.is_ascii_hexdigit()),
            "random hex name: {f}"
        );
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
}

#[tokio::test]
async fn other_content_is_refused_whatever_its_name_and_leaves_no_file() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料测试乙公司").await;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    exe.extend(vec![0; 64]);
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("执照.pdf", exe),
        (
            "page.png",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        (
            "logo.png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("book.xlsx", plain_zip()),
        ("empty.pdf", vec![]),
    ];
    for (name, bytes) in refused {
        let body = assert_error(
            upload(&app, Some(&admin), c, "other", name, bytes).await,
            StatusCode::BAD_REQUEST,
            Some("file"),
        )
        .await;
        assert!(body["message"].as_str().unwrap().contains("file"), "{body}");
    }
    assert_error(
        upload(
            &app,
            Some(&admin),
            c,
            "passport",
            "a.pdf",
            PDF_BYTES.to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("kind"),
    )
    .await;
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    let listed = json_of(
        app.get(&format!("/api/customers/{c}/documents"), &admin)
            .await,
    )
    .await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn files_over_the_size_limit_get_413_and_over_the_quota_409() {
    let app = spawn_with(|s| {
        s.max_document_bytes = 2048;
        s.documents_quota_bytes = 3000;
    })
    .await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料测试丙公司").await;
    let pdf = |n: usize| {
        let mut b = PDF_BYTES.to_vec();
        b.resize(n, b' ');
        b
    };
    assert_error(
        upload(&app, Some(&admin), c, "other", "big.pdf", pdf(2049)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
    )
    .await;
    // Far beyond: the body check refuses it before the handler reads it.
    assert_error(
        upload(&app, Some(&admin), c, "other", "huge.pdf", pdf(200 * 1024)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
    )
    .await;
    uploaded(&app, &admin, c, "other", "exact.pdf", pdf(2048)).await;
    let body = assert_error(
        upload(&app, Some(&admin), c, "other", "more.pdf", pdf(1000)).await,
        StatusCode::CONFLICT,
        Some("file"),
    )
    .await;
    assert_eq!(body["code"], "quota_exceeded");
    assert_eq!(
        stored_files(&app).len(),
        1,
        "the refused uploads left no file"
    );
    // Deleting frees the quota.
    let doc = json_of(
        app.get(&format!("/api/customers/{c}/documents"), &admin)
            .await,
    )
    .await;
    let del = app
        .delete(&format!("/api/documents/{}", doc[0]["id"]), &admin)
        .await;
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    uploaded(&app, &admin, c, "other", "more.pdf", pdf(1000)).await;
}

#[tokio::test]
async fn the_client_name_is_only_a_display_name() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料测试丁公司").await;
    let doc = uploaded(
        &app,
        &admin,
        c,
        "other",
        "../../etc/passwd",
        PDF_BYTES.to_vec(),
    )
    .await;
    assert_eq!(doc["file_name"], "passwd.pdf");
    let doc = uploaded(&app, &admin, c, "other", "b/..\\x.png", PNG_1X1.to_vec()).await;
    assert_eq!(doc["file_name"], "x.png");
    let doc = uploaded(&app, &admin, c, "other", "setup.exe", PDF_BYTES.to_vec()).await;
    assert_eq!(
        doc["file_name"], "setup.exe.pdf",
        "the real type's extension"
    );
    assert!(!app.state_dir.path().join("etc").exists());
    assert!(!std::path::Path::new("/etc/passwd.pdf").exists());
    let files = stored_files(&app);
    assert_eq!(files.len(), 3);
    let top: Vec<String> = std::fs::read_dir(app.path("uploads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(top, vec!["documents"], "nothing beside the documents dir");
}

#[tokio::test]
async fn content_is_an_attachment_unless_an_image_or_pdf_is_previewed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料测试戊公司").await;
    let png = uploaded(
        &app,
        &admin,
        c,
        "id_card",
        "法人 身份证.png",
        PNG_1X1.to_vec(),
    )
    .await;
    let xlsx = uploaded(
        &app,
        &admin,
        c,
        "financial_statement",
        "报表.xlsx",
        xlsx_bytes(),
    )
    .await;
    let headers = |r: &Response, h: &str| r.headers()[h].to_str().unwrap().to_string();
    let get = |id: &Value, q: &str| {
        let path = format!("/api/documents/{id}/content{q}");
        let token = admin.clone();
        let app = &app;
        async move { app.get(&path, &token).await }
    };

    let r = get(&png["id"], "").await;
    assert_eq!(r.status(), StatusCode::OK);
    let cd = headers(&r, "content-disposition");
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E6%B3%95%E4%BA%BA%20%E8%BA%AB%E4%BB%BD%E8%AF%81.png"),
        "{cd}"
    );
    assert_eq!(headers(&r, "x-content-type-options"), "nosniff");
    assert_eq!(headers(&r, "cache-control"), "private, no-store");
    let csp = headers(&r, "content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );

    let r = get(&png["id"], "?inline=true").await;
    assert!(headers(&r, "content-disposition").starts_with("inline;"));
    assert_eq!(headers(&r, "content-type"), "image/png");
    let r = get(&xlsx["id"], "?inline=true").await;
    assert!(
        headers(&r, "content-disposition").starts_with("attachment;"),
        "a spreadsheet is never shown inline"
    );
}

#[tokio::test]
async fn who_may_see_upload_and_delete() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token_all(&admin, "doc-staff").await;
    let other = app.staff_token_all(&admin, "doc-other").await;
    let a = customer(&app, &admin, "资料权限甲公司").await;
    let b = customer(&app, &admin, "资料权限乙公司").await;

    // No token: 401 for every operation.
    assert_eq!(
        upload(&app, None, a, "other", "x.pdf", PDF_BYTES.to_vec())
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    for path in [
        format!("/api/customers/{a}/documents"),
        format!("/api/customers/{a}/documents/missing"),
        "/api/documents/1/content".to_string(),
    ] {
        let r = app.request(Method::GET, &path, None, None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    let mine = uploaded(&app, &staff, a, "other", "mine.pdf", PDF_BYTES.to_vec()).await;
    let admins = uploaded(&app, &admin, a, "other", "admins.pdf", PDF_BYTES.to_vec()).await;
    // Staff see every customer's documents today (one check decides; issue 16 narrows it).
    let listed = json_of(
        app.get(&format!("/api/customers/{a}/documents"), &other)
            .await,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["uploaded_by_name"], "业务员");
    // Another customer's list does not show them; an unknown document is 404.
    let listed = json_of(
        app.get(&format!("/api/customers/{b}/documents"), &staff)
            .await,
    )
    .await;
    assert_eq!(listed, json!([]));
    assert_error(
        app.get("/api/documents/999/content", &staff).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_error(
        app.get("/api/customers/999/documents", &staff).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;

    // Staff delete only their own uploads; admin any.
    let body = assert_error(
        app.delete(&format!("/api/documents/{}", admins["id"]), &staff)
            .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    assert_eq!(body["code"], "not_uploader");
    assert_error(
        app.delete(&format!("/api/documents/{}", mine["id"]), &other)
            .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    assert_eq!(
        stored_files(&app).len(),
        2,
        "refused deletes keep the files"
    );
    let r = app
        .delete(&format!("/api/documents/{}", mine["id"]), &staff)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(stored_files(&app).len(), 1, "the file is removed from disk");
    assert_error(
        app.get(&format!("/api/documents/{}/content", mine["id"]), &staff)
            .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;

    // A customer in the recycle bin keeps its documents but shows none of them.
    let other_doc = uploaded(&app, &staff, a, "other", "third.pdf", PDF_BYTES.to_vec()).await;
    let r = app.delete(&format!("/api/customers/{a}"), &admin).await;
    assert!(r.status().is_success(), "{}", r.status());
    for r in [
        app.get(&format!("/api/customers/{a}/documents"), &staff)
            .await,
        app.get(&format!("/api/documents/{}/content", admins["id"]), &staff)
            .await,
        upload(&app, Some(&staff), a, "other", "x.pdf", PDF_BYTES.to_vec()).await,
        app.delete(&format!("/api/documents/{}", other_doc["id"]), &staff)
            .await,
    ] {
        let body = assert_error(r, StatusCode::BAD_REQUEST, None).await;
        assert_eq!(body["code"], "deleted");
    }
    assert_eq!(stored_files(&app).len(), 2);
    let r = app
        .post(&format!("/api/customers/{a}/restore"), &admin, json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let listed = json_of(
        app.get(&format!("/api/customers/{a}/documents"), &staff)
            .await,
    )
    .await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "back with the customer"
    );
    let r = app
        .delete(&format!("/api/documents/{}", admins["id"]), &admin)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .delete(&format!("/api/documents/{}", other_doc["id"]), &admin)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "admin deletes staff uploads"
    );
    assert!(stored_files(&app).is_empty());

    // Every upload, read and delete is in the audit log, on the customer.
    let entries = app.audit(&admin, "action=document.&page_size=100").await;
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("document.upload"), 3);
    assert_eq!(count("document.delete"), 3);
    assert_eq!(
        count("document.download"),
        0,
        "the refused reads are not downloads"
    );
    assert!(
        entries
            .iter()
            .all(|e| e["resource_type"] == "customer" && e["resource_id"] == json!(a.to_string())),
        "{entries:?}"
    );
}

#[tokio::test]
async fn reads_are_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料审计公司").await;
    let doc = uploaded(
        &app,
        &admin,
        c,
        "credit_report",
        "征信.pdf",
        PDF_BYTES.to_vec(),
    )
    .await;
    let r = app
        .get(
            &format!("/api/documents/{}/content?inline=true", doc["id"]),
            &admin,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let entries = app.audit(&admin, "action=document.download").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["username"], "admin");
    let after = &entries[0]["after"];
    assert_eq!(after["kind"], "credit_report", "{after}");
    assert_eq!(after["inline"], true);
}

#[tokio::test]
async fn a_failed_commit_leaves_no_file_behind() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = customer(&app, &admin, "资料故障公司").await;
    rusqlite::Connection::open(app.path("loan-broker.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_logs
             WHEN NEW.action = 'document.upload'
             BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END;",
        )
        .unwrap();
    let r = upload(&app, Some(&admin), c, "other", "a.pdf", PDF_BYTES.to_vec()).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    let listed = json_of(
        app.get(&format!("/api/customers/{c}/documents"), &admin)
            .await,
    )
    .await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn the_checklist_is_validated_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token_all(&admin, "doc-list-staff").await;
    let shipped = json_of(app.get("/api/document-checklist", &staff).await).await;
    let tax = shipped["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["family"] == "tax_loan")
        .expect("税贷 in the shipped checklist");
    for kind in ["business_license", "id_card", "tax_certificate"] {
        assert!(
            tax["kinds"].as_array().unwrap().contains(&json!(kind)),
            "{tax}"
        );
    }

    let bad = [
        (
            json!({"families": [], "products": [{"product_id": "no_such_product", "kinds": []}]}),
            "products[0].product_id",
        ),
        (
            json!({"families": [{"family": "tax_loan", "kinds": ["passport"]}]}),
            "families[0].kinds[0]",
        ),
        (
            json!({"families": [{"family": "tax_loan", "kinds": []}, {"family": "tax_loan", "kinds": []}]}),
            "families[1].family",
        ),
        (
            json!({"families": [{"family": "tax_loan", "kinds": ["id_card", "id_card"]}]}),
            "families[0].kinds",
        ),
    ];
    for (body, field) in bad {
        assert_error(
            app.put("/api/document-checklist", &admin, body).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        )
        .await;
    }
    let mine = json!({
        "families": [{"family": "tax_loan", "kinds": ["business_license"]}],
        "products": [{"product_id": "ccb_yunshuidai", "kinds": ["business_license", "tax_certificate"]}],
    });
    assert_error(
        app.put("/api/document-checklist", &staff, mine.clone())
            .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    let r = app
        .put("/api/document-checklist", &admin, mine.clone())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await, mine);
    assert_eq!(
        json_of(app.get("/api/document-checklist", &staff).await).await,
        mine
    );
    let entries = app.audit(&admin, "action=document_checklist.update").await;
    assert_eq!(entries.len(), 1, "only the accepted change is audited");
    assert_eq!(entries[0]["after"], mine);
}

#[tokio::test]
async fn missing_documents_follow_the_latest_diagnosis_and_shrink_with_uploads() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = app
        .create_customer(
            &admin,
            json!({
                "name": "资料清单测试公司", "established_on": "2013-04-10", "reg_capital_wan": 2000,
                "legal_person_age": 48, "annual_invoice_wan": 3000, "invoice_gap_months": 0,
                "annual_revenue_wan": 3100, "annual_tax_wan": 95, "tax_grade": "A",
                "tax_abnormal": false, "monthly_flow_wan": 260, "current_overdue": false,
                "overdue_count_24m": 0, "lian3lei6_24m": false, "severe_record_5y": false,
                "inquiries_1m": 0, "inquiries_3m": 1, "inquiries_6m": 2,
                "card_utilization_pct": 20, "credit_institutions": 1, "business_loan_count": 0,
                "business_loan_balance_wan": 0, "dishonest_debtor": false,
                "business_status": "normal", "industry": "C3670 汽车零部件及配件制造",
                "loan_demand_wan": 800
            }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/customers/{c}/documents/missing");
    let none = json_of(app.get(&path, &admin).await).await;
    assert_eq!(
        none,
        json!({"diagnosis_id": null, "products": [], "kinds": []})
    );

    let d = json_of(
        app.post(&format!("/api/customers/{c}/diagnoses"), &admin, json!({}))
            .await,
    )
    .await;
    let eligible: Vec<String> = d["products"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["eligible"] == true)
        .map(|p| p["product_id"].as_str().unwrap().to_string())
        .collect();
    assert!(eligible.contains(&"tax_loan".to_string()), "{eligible:?}");
    let before = json_of(app.get(&path, &admin).await).await;
    assert_eq!(before["diagnosis_id"], d["id"]);
    let listed: Vec<&str> = before["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, eligible, "exactly the eligible products");
    let kinds = |m: &Value| -> Vec<String> {
        m["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let missing_before = kinds(&before);
    assert!(missing_before.contains(&"business_license".to_string()));
    let tax_certificate = before["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "tax_certificate")
        .unwrap();
    assert!(
        tax_certificate["product_names"]
            .as_array()
            .unwrap()
            .contains(&json!("税贷（通用）")),
        "{tax_certificate}"
    );

    uploaded(
        &app,
        &admin,
        c,
        "business_license",
        "执照.pdf",
        PDF_BYTES.to_vec(),
    )
    .await;
    uploaded(
        &app,
        &admin,
        c,
        "tax_certificate",
        "完税.pdf",
        PDF_BYTES.to_vec(),
    )
    .await;
    let after = kinds(&json_of(app.get(&path, &admin).await).await);
    assert!(
        !after.contains(&"business_license".to_string()),
        "{after:?}"
    );
    assert!(!after.contains(&"tax_certificate".to_string()), "{after:?}");
    assert_eq!(after.len(), missing_before.len() - 2);

    // An admin's checklist decides: nothing asked of 税贷 products beyond the licence.
    let only_license = json!({"families": [
        {"family": "tax_loan", "kinds": ["business_license"]},
        {"family": "invoice_loan", "kinds": []}, {"family": "flow_loan", "kinds": []},
        {"family": "mortgage", "kinds": []}, {"family": "credit_loan", "kinds": []},
        {"family": "platform_loan", "kinds": []}
    ]});
    let r = app
        .put("/api/document-checklist", &admin, only_license)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let now = json_of(app.get(&path, &admin).await).await;
    assert_eq!(now["kinds"], json!([]), "{now}");
}
