//! Hostile spreadsheet shapes against the real binary: each is refused with a 4xx naming the
//! problem (Chinese message, field `file`), on the dry run and the commit alike, while peak RSS
//! grows by at most 150 MB and the server keeps answering. The files are generated here; the
//! .xlsx ones are written by hand (zip + XML) so that the declared `<dimension>` and the real cells
//! can disagree, as in the outside probe's 1.6 KB file.

use std::io::Write;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::ADMIN_NEW_PASSWORD;
use crate::process::{Served, serve};

const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
const MAX_GROWTH_MIB: f64 = 150.0;

/// A minimal workbook: one sheet with `dimension` declared and `cells` as (reference, text);
/// a cell with empty text is written as an empty cell (`<c r="…"/>`).
fn xlsx_by_hand(dimension: &str, cells: &[(String, &str)]) -> Vec<u8> {
    let mut sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>"#
    );
    let row_of = |r: &str| -> u32 {
        r.trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .unwrap()
    };
    let mut open_row = None;
    for (reference, text) in cells {
        let row = row_of(reference);
        if open_row != Some(row) {
            if open_row.is_some() {
                sheet.push_str("</row>");
            }
            sheet.push_str(&format!(r#"<row r="{row}">"#));
            open_row = Some(row);
        }
        if text.is_empty() {
            sheet.push_str(&format!(r#"<c r="{reference}"/>"#));
        } else {
            sheet.push_str(&format!(
                r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#
            ));
        }
    }
    if open_row.is_some() {
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in parts {
            zip.start_file(name, opts).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

fn cells(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    list.iter().map(|(r, t)| (r.to_string(), *t)).collect()
}

struct Instance {
    served: Served,
    token: String,
    client: reqwest::Client,
}

async fn instance(dir: &std::path::Path) -> Instance {
    let served = serve(dir, &[]);
    let client = reqwest::Client::new();
    let login = client
        .post(served.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": served.initial_password()}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let first: Value = login.json().await.unwrap();
    let changed = client
        .post(served.url("/api/auth/change-password"))
        .bearer_auth(first["access_token"].as_str().unwrap())
        .json(&json!({"current_password": served.initial_password(), "new_password": ADMIN_NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let token = changed.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    Instance {
        served,
        token,
        client,
    }
}

impl Instance {
    /// Posts the file and returns (status, body, peak RSS growth in MiB during the request).
    async fn import(&self, bytes: &[u8], name: &str, dry_run: bool) -> (StatusCode, Value, f64) {
        let before = self.served.rss_mib();
        self.served.reset_peak();
        let form = Form::new().part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
        let resp = self
            .client
            .post(
                self.served
                    .url(&format!("/api/imports/customers?dry_run={dry_run}")),
            )
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{name}: no answer ({e}); server log:\n{}",
                    self.served.log_text()
                )
            });
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let growth = self.served.peak_rss_mib() - before;
        let health = self.client.get(self.served.url("/health")).send().await;
        assert!(
            health.is_ok_and(|h| h.status() == StatusCode::OK),
            "{name}: the server answers /health after the import"
        );
        (status, body, growth)
    }

    async fn customers(&self) -> i64 {
        let list: Value = self
            .client
            .get(self.served.url("/api/customers"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["total"].as_i64().unwrap()
    }
}

/// Both modes: a 4xx with a Chinese message containing `names`, field `file`, bounded memory.
async fn assert_refused(app: &Instance, bytes: &[u8], name: &str, names: &str) {
    for dry_run in [true, false] {
        let (status, body, growth) = app.import(bytes, name, dry_run).await;
        eprintln!(
            "{name} ({} KiB, dry_run={dry_run}): {status}, peak RSS +{growth:.1} MiB: {}",
            bytes.len() / 1024,
            body["message"]
        );
        assert!(status.is_client_error(), "{name}: {status} {body}");
        assert_eq!(body["field"], "file", "{name}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{name}: «{names}» in {message}");
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{name}: Chinese message {message}"
        );
        assert!(
            growth <= MAX_GROWTH_MIB,
            "{name}: peak RSS grew {growth:.1} MiB > {MAX_GROWTH_MIB}"
        );
    }
    assert_eq!(app.customers().await, 0, "{name}: nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_xlsx_shapes_are_refused_cheaply() {
    let dir = tempfile::tempdir().unwrap();
    let app = instance(dir.path()).await;

    let far = xlsx_by_hand(
        "A1:XFD1048576",
        &cells(&[("A1", "企业名称"), ("A2", "甲公司"), ("XFD1048576", "x")]),
    );
    assert!(
        far.len() < 2048,
        "the probe's file is 1.6 KB: {}",
        far.len()
    );
    assert_refused(&app, &far, "xfd.xlsx", "XFD1048576").await;

    let lying = xlsx_by_hand(
        "A1:A2",
        &cells(&[("A1", "企业名称"), ("A2", "甲公司"), ("CV100000", "x")]),
    );
    assert_refused(&app, &lying, "lying-dimension.xlsx", "CV100000").await;

    let header: Vec<(String, &str)> = (1..=16_384u32)
        .map(|c| (format!("{}1", column(c - 1)), "列"))
        .collect();
    let wide = xlsx_by_hand("A1:XFD1", &header);
    assert_refused(&app, &wide, "wide.xlsx", "IW1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_empty_cells_and_a_declared_huge_dimension_cost_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = instance(dir.path()).await;
    // What a real sheet with formatting far away looks like: empty cells, a huge declared range.
    let file = xlsx_by_hand(
        "A1:XFD1048576",
        &cells(&[("A1", "企业名称"), ("A2", "甲公司"), ("XFD1048576", "")]),
    );
    for dry_run in [true, false] {
        let (status, body, growth) = app.import(&file, "declared.xlsx", dry_run).await;
        eprintln!(
            "declared-only dimension (dry_run={dry_run}): {status}, peak RSS +{growth:.1} MiB"
        );
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 1, "{body}");
        assert!(growth <= MAX_GROWTH_MIB, "peak RSS grew {growth:.1} MiB");
    }
    assert_eq!(app.customers().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_csv_shapes_are_refused_cheaply() {
    let dir = tempfile::tempdir().unwrap();
    let app = instance(dir.path()).await;
    let size = UPLOAD_LIMIT - 64 * 1024;

    let mut commas = "企业名称\n".as_bytes().to_vec();
    commas.resize(size, b',');
    assert_refused(&app, &commas, "commas.csv", "第 2 行超过 256 列").await;

    let only_commas = vec![b','; size];
    assert_refused(&app, &only_commas, "only-commas.csv", "第 1 行超过 256 列").await;

    let mut line = "企业名称\n".as_bytes().to_vec();
    line.resize(size, b'a');
    assert_refused(&app, &line, "one-line.csv", "第 2 行第 1 列的内容超过").await;

    let mut quoted = "企业名称,备注\n甲公司,\"".as_bytes().to_vec();
    while quoted.len() < size {
        quoted.extend_from_slice("很长的备注\r\n".as_bytes());
    }
    quoted.truncate(size);
    assert_refused(&app, &quoted, "quoted.csv", "第 2 行第 2 列的内容超过").await;
}

/// The worst a well-formed file can do: the row limit, every cell of every row wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_bad_cells_at_the_row_limit_has_a_bounded_report() {
    let dir = tempfile::tempdir().unwrap();
    let app = instance(dir.path()).await;
    let headers = "企业名称,成立日期,注册资本,法人年龄,年开票,断票月数,年纳税,纳税信用等级,当前逾期,连三累六,失信被执行人,经营状态,跟进阶段,负责人";
    let mut csv = format!("{headers}\n");
    for i in 0..50_000 {
        csv.push_str(&format!("公司{i},x,x,x,x,x,x,x,x,x,x,x,x,x\n"));
    }
    for dry_run in [true, false] {
        let (status, body, growth) = app.import(csv.as_bytes(), "bad.csv", dry_run).await;
        eprintln!(
            "50,000 bad rows ({} KiB, dry_run={dry_run}): {status}, peak RSS +{growth:.1} MiB",
            csv.len() / 1024
        );
        assert!(status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["invalid"], 50_000);
        assert_eq!(body["errors"].as_array().unwrap().len(), 1000);
        assert_eq!(body["errors_omitted"], 50_000 * 13 - 1000);
        assert!(growth <= MAX_GROWTH_MIB, "peak RSS grew {growth:.1} MiB");
    }
    assert_eq!(app.customers().await, 0);
}

fn column(index: u32) -> String {
    loan_broker::io::read::column_name(index)
}
