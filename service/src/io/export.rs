//! Writes customers (and the import template) as `.xlsx` or `.csv`, in the columns of `columns.rs`,
//! so that an export imports again without loss.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::columns::{COLUMNS, Column, Kind, labels};
use crate::domain::customer::{Collateral, Customer, CustomerInput};

/// The customer's facts as API JSON, computed once per row and read by every column.
fn row_json(c: &Customer) -> Value {
    poem_openapi::types::ToJSON::to_json(&c.data).unwrap_or_default()
}

/// A cell's text as written to both formats; `None` is an empty cell.
fn cell_text(
    col: &Column,
    c: &Customer,
    json: &Value,
    owners: &HashMap<i64, String>,
) -> Option<CellOut> {
    let data = &c.data;
    let raw = json.get(col.key).cloned().unwrap_or(Value::Null);
    match col.kind {
        Kind::ReadOnly => match col.key {
            "latest_category" => c.latest_category.clone().map(CellOut::Text),
            "latest_total" => c.latest_total.map(CellOut::Number),
            _ => c.latest_recommended_wan.map(CellOut::Number),
        },
        Kind::Owner => data
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .map(CellOut::Text),
        Kind::Collaterals => (!data.collaterals.is_empty())
            .then(|| CellOut::Text(collaterals_text(&data.collaterals))),
        Kind::Bool => raw
            .as_bool()
            .map(|b| CellOut::Text(if b { "是" } else { "否" }.into())),
        Kind::TaxGrade => data.tax_grade.map(|g| CellOut::Text(g.label().into())),
        Kind::BusinessStatus => data
            .business_status
            .map(|g| CellOut::Text(g.label().into())),
        Kind::Stage => Some(CellOut::Text(data.stage.label().into())),
        Kind::Wan | Kind::Int | Kind::Percent => raw.as_f64().map(CellOut::Number),
        Kind::Date => raw.as_str().map(|s| CellOut::Date(s.to_string())),
        Kind::Text | Kind::Uscc => raw.as_str().map(|s| CellOut::Text(s.to_string())),
    }
}

enum CellOut {
    Text(String),
    Number(f64),
    Date(String),
}

fn collaterals_text(items: &[Collateral]) -> String {
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    items
        .iter()
        .map(|c| {
            let mut parts = vec![
                c.kind.label().to_string(),
                num(c.appraisal_wan),
                num(c.lien_wan),
                c.held_since.map(|d| d.to_string()).unwrap_or_default(),
            ];
            if let Some(d) = &c.description {
                parts.push(d.clone());
            }
            parts.join("/").trim_end_matches('/').to_string()
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// Spreadsheet programs run CSV cells that start with `=`, `+`, `-`, `@`, a tab or a carriage
/// return as formulas, so such text gets a leading apostrophe. Text that already starts with an
/// apostrophe gets one too: then every exported cell that starts with `'` carries exactly one
/// added apostrophe and [`restore_neutralised`] is its exact inverse. (.xlsx cells are typed text,
/// never formulas, and are written as they are.)
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The inverse of [`neutralise`], applied to every CSV cell read.
pub fn restore_neutralised(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

pub fn csv(customers: &[Customer], owners: &HashMap<i64, String>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(COLUMNS.iter().map(|c| c.header));
        for c in customers {
            let json = row_json(c);
            let record: Vec<String> = COLUMNS
                .iter()
                .map(|col| match cell_text(col, c, &json, owners) {
                    None => String::new(),
                    Some(CellOut::Text(s)) => neutralise(&s).into_owned(),
                    Some(CellOut::Number(n)) => n.to_string(),
                    Some(CellOut::Date(d)) => d,
                })
                .collect();
            let _ = w.write_record(record);
        }
        let _ = w.flush();
    }
    out
}

fn header_row(sheet: &mut Worksheet, columns: &[Column]) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_background_color("#E8F0FE")
        .set_align(FormatAlign::Center);
    for (i, col) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, col.header, &bold)?;
        sheet.set_column_width(i as u16, col.width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

pub fn xlsx(customers: &[Customer], owners: &HashMap<i64, String>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("客户")?;
    header_row(sheet, COLUMNS)?;
    let money = Format::new().set_num_format("#,##0.00##");
    for (r, c) in customers.iter().enumerate() {
        let json = row_json(c);
        let row = r as u32 + 1;
        for (i, col) in COLUMNS.iter().enumerate() {
            match cell_text(col, c, &json, owners) {
                None => {}
                Some(CellOut::Text(s)) => {
                    sheet.write_string(row, i as u16, s)?;
                }
                Some(CellOut::Number(n)) if col.kind == Kind::Wan => {
                    sheet.write_number_with_format(row, i as u16, n, &money)?;
                }
                Some(CellOut::Number(n)) => {
                    sheet.write_number(row, i as u16, n)?;
                }
                // Dates stay text: a text date survives every spreadsheet program's locale.
                Some(CellOut::Date(d)) => {
                    sheet.write_string(row, i as u16, d)?;
                }
            }
        }
    }
    if !customers.is_empty() {
        sheet.autofilter(0, 0, customers.len() as u32, COLUMNS.len() as u16 - 1)?;
    }
    book.save_to_buffer()
}

fn example() -> Customer {
    let data = CustomerInput {
        name: "杭州示例科技有限公司".into(),
        uscc: Some(format!(
            "91330106MA2GL0XX1{}",
            crate::domain::uscc::check_char("91330106MA2GL0XX1").unwrap_or('0')
        )),
        established_on: chrono::NaiveDate::from_ymd_opt(2019, 3, 15),
        reg_capital_wan: Some(500.0),
        legal_person: Some("王伟".into()),
        legal_person_age: Some(45),
        annual_invoice_wan: Some(1200.0),
        invoice_gap_months: Some(0),
        annual_tax_wan: Some(36.5),
        tax_grade: Some(crate::domain::customer::TaxGrade::B),
        monthly_flow_wan: Some(90.0),
        current_overdue: Some(false),
        overdue_count_24m: Some(0),
        lian3lei6_24m: Some(false),
        severe_record_5y: Some(false),
        inquiries_1m: Some(1),
        inquiries_3m: Some(2),
        inquiries_6m: Some(4),
        card_utilization_pct: Some(35.0),
        credit_institutions: Some(2),
        business_loan_count: Some(1),
        business_loan_balance_wan: Some(50.0),
        dishonest_debtor: Some(false),
        business_status: Some(crate::domain::customer::BusinessStatus::Normal),
        main_business: Some("软件开发".into()),
        industry: Some("软件和信息技术服务业".into()),
        loan_demand_wan: Some(200.0),
        collaterals: vec![Collateral {
            kind: crate::domain::customer::CollateralKind::Residential,
            description: Some("西湖区住宅".into()),
            appraisal_wan: Some(380.0),
            lien_wan: Some(120.0),
            held_since: chrono::NaiveDate::from_ymd_opt(2018, 6, 1),
        }],
        contact_name: Some("李娜".into()),
        contact_phone: Some("13800138000".into()),
        owner_id: None,
        stage: crate::domain::customer::Stage::New,
        notes: Some("示例行，导入前请删除".into()),
    };
    Customer::unsaved(0, data)
}

fn editable() -> Vec<Column> {
    COLUMNS
        .iter()
        .filter(|c| c.kind != Kind::ReadOnly)
        .copied()
        .collect()
}

/// Headers, an example row, drop-downs for enums and booleans, and a sheet explaining each column.
pub fn template_xlsx() -> Result<Vec<u8>, XlsxError> {
    let columns = editable();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("客户")?;
    header_row(sheet, &columns)?;
    let sample = example();
    let sample_json = row_json(&sample);
    let owners = HashMap::new();
    for (i, col) in columns.iter().enumerate() {
        match cell_text(col, &sample, &sample_json, &owners) {
            Some(CellOut::Text(s)) | Some(CellOut::Date(s)) => {
                sheet.write_string(1, i as u16, s)?;
            }
            Some(CellOut::Number(n)) => {
                sheet.write_number(1, i as u16, n)?;
            }
            None => {}
        }
        let choices = labels(col.kind);
        if !choices.is_empty() {
            let rule = DataValidation::new()
                .allow_list_strings(&choices)?
                .set_error_message(format!("请从下拉列表中选择：{}", choices.join("、")))?;
            sheet.add_data_validation(1, i as u16, 10_000, i as u16, &rule)?;
        }
    }
    let help = book.add_worksheet();
    help.set_name("填写说明")?;
    let bold = Format::new().set_bold();
    for (i, h) in ["列名", "可用的其他列名", "说明"].iter().enumerate() {
        help.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (r, col) in columns.iter().enumerate() {
        let row = r as u32 + 1;
        help.write_string(row, 0, col.header)?;
        help.write_string(row, 1, col.aliases.join("、"))?;
        help.write_string(row, 2, col.help)?;
    }
    help.set_column_width(0, 22)?;
    help.set_column_width(1, 40)?;
    help.set_column_width(2, 80)?;
    book.save_to_buffer()
}

pub fn template_csv() -> Vec<u8> {
    let columns = editable();
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(columns.iter().map(|c| c.header));
        let sample = example();
        let sample_json = row_json(&sample);
        let owners = HashMap::new();
        let _ = w.write_record(columns.iter().map(|col| {
            match cell_text(col, &sample, &sample_json, &owners) {
                None => String::new(),
                Some(CellOut::Text(s)) | Some(CellOut::Date(s)) => neutralise(&s).into_owned(),
                Some(CellOut::Number(n)) => n.to_string(),
            }
        }));
        let _ = w.flush();
    }
    out
}
