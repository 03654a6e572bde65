//! Writes customers (and the import template) as `.xlsx` or `.csv`, in the columns of `columns.rs`,
//! so that an export imports again without loss.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::columns::{COLUMNS, CONSENT_COLUMNS, Column, Source, Summary, choices};
use crate::domain::customer::{Collateral, Customer, CustomerInput};
use crate::domain::fields::{Fact, Kind};
use crate::domain::vocab::ConsentMethod;

/// A cell's content as written to both formats; `None` is an empty cell.
fn cell(col: &Column, c: &Customer, owners: &HashMap<i64, String>) -> Option<CellOut> {
    let field = match col.source {
        Source::Summary(Summary::Category) => {
            return c.latest_category.map(|k| CellOut::Text(k.label().into()));
        }
        Source::Summary(Summary::Total) => return c.latest_total.map(CellOut::Number),
        Source::Summary(Summary::RecommendedWan) => {
            return c.latest_recommended_wan.map(CellOut::Number);
        }
        Source::Fact(field) => field,
    };
    match ((field.get)(&c.data), field.kind) {
        (Fact::Null, _) => None,
        (Fact::Int(id), Kind::Owner) => owners.get(&id).cloned().map(CellOut::Text),
        (Fact::Collaterals(items), _) => {
            (!items.is_empty()).then(|| CellOut::Text(collaterals_text(&items)))
        }
        (Fact::Bool(b), _) => Some(CellOut::Text(if b { "是" } else { "否" }.into())),
        (Fact::Code(code), Kind::Choice(choice)) => {
            Some(CellOut::Text((choice.label)(code).unwrap_or(code).into()))
        }
        (Fact::Code(code), _) => Some(CellOut::Text(code.into())),
        (Fact::Int(n), _) => Some(CellOut::Number(n as f64)),
        (Fact::Num(n), _) => Some(CellOut::Number(n)),
        (Fact::Date(d), _) => Some(CellOut::Date(d.to_string())),
        (Fact::Text(t), _) => Some(CellOut::Text(t)),
    }
}

fn is_money(col: &Column) -> bool {
    col.field().is_some_and(|f| matches!(f.kind, Kind::Wan))
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

/// Each customer's consent as the import's 授权日期 / 授权方式 cells (its latest valid
/// `assessment` consent), so that an export imports into another instance with its consent.
pub type ConsentCells = HashMap<i64, (String, &'static str)>;

fn consent_cells(c: &Customer, consents: &ConsentCells) -> [String; 2] {
    match consents.get(&c.id.get()) {
        Some((date, method)) => [date.clone(), method.to_string()],
        None => [String::new(), String::new()],
    }
}

pub fn csv(customers: &[Customer], owners: &HashMap<i64, String>) -> Vec<u8> {
    csv_with(customers, owners, &ConsentCells::new())
}

pub fn csv_with(
    customers: &[Customer],
    owners: &HashMap<i64, String>,
    consents: &ConsentCells,
) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let headers = COLUMNS.iter().map(|c| c.header.as_ref());
        let _ = w.write_record(headers.chain(CONSENT_COLUMNS.iter().map(|c| c.header)));
        for c in customers {
            let mut record: Vec<String> = COLUMNS
                .iter()
                .map(|col| match cell(col, c, owners) {
                    None => String::new(),
                    Some(CellOut::Text(s)) => neutralise(&s).into_owned(),
                    Some(CellOut::Number(n)) => n.to_string(),
                    Some(CellOut::Date(d)) => d,
                })
                .collect();
            record.extend(consent_cells(c, consents));
            let _ = w.write_record(record);
        }
        let _ = w.flush();
    }
    out
}

fn header_row<'a>(
    sheet: &mut Worksheet,
    columns: impl IntoIterator<Item = &'a Column>,
) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_background_color("#E8F0FE")
        .set_align(FormatAlign::Center);
    for (i, col) in columns.into_iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, col.header.as_ref(), &bold)?;
        sheet.set_column_width(i as u16, col.width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

pub fn xlsx(customers: &[Customer], owners: &HashMap<i64, String>) -> Result<Vec<u8>, XlsxError> {
    xlsx_with(customers, owners, &ConsentCells::new())
}

pub fn xlsx_with(
    customers: &[Customer],
    owners: &HashMap<i64, String>,
    consents: &ConsentCells,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("客户")?;
    header_row(sheet, COLUMNS.iter())?;
    let bold = Format::new()
        .set_bold()
        .set_background_color("#E8F0FE")
        .set_align(FormatAlign::Center);
    for (k, c) in CONSENT_COLUMNS.iter().enumerate() {
        let i = (COLUMNS.len() + k) as u16;
        sheet.write_string_with_format(0, i, c.header, &bold)?;
        sheet.set_column_width(i, 12)?;
    }
    let money = Format::new().set_num_format("#,##0.00##");
    for (r, c) in customers.iter().enumerate() {
        let row = r as u32 + 1;
        for (i, col) in COLUMNS.iter().enumerate() {
            match cell(col, c, owners) {
                None => {}
                Some(CellOut::Text(s)) => {
                    sheet.write_string(row, i as u16, s)?;
                }
                Some(CellOut::Number(n)) if is_money(col) => {
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
        for (k, text) in consent_cells(c, consents).into_iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(row, (COLUMNS.len() + k) as u16, text)?;
            }
        }
    }
    if !customers.is_empty() {
        let last = (COLUMNS.len() + CONSENT_COLUMNS.len()) as u16 - 1;
        sheet.autofilter(0, 0, customers.len() as u32, last)?;
    }
    book.save_to_buffer()
}

// Facts added to the catalogue later appear in the template as empty columns.
#[allow(clippy::needless_update)]
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
        ..Default::default()
    };
    Customer::unsaved(0, data)
}

/// The columns an import reads (the summary columns are export-only).
fn editable() -> Vec<&'static Column> {
    COLUMNS.iter().filter(|c| c.field().is_some()).collect()
}

/// Headers, an example row, drop-downs for enums and booleans, and a sheet explaining each column.
pub fn template_xlsx() -> Result<Vec<u8>, XlsxError> {
    let columns = editable();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("客户")?;
    header_row(sheet, columns.iter().copied())?;
    let sample = example();
    let owners = HashMap::new();
    for (i, col) in columns.iter().enumerate() {
        match cell(col, &sample, &owners) {
            Some(CellOut::Text(s)) | Some(CellOut::Date(s)) => {
                sheet.write_string(1, i as u16, s)?;
            }
            Some(CellOut::Number(n)) => {
                sheet.write_number(1, i as u16, n)?;
            }
            None => {}
        }
        let choices = col.field().map(|f| choices(f.kind)).unwrap_or_default();
        if !choices.is_empty() {
            let rule = DataValidation::new()
                .allow_list_strings(&choices)?
                .set_error_message(format!("请从下拉列表中选择：{}", choices.join("、")))?;
            sheet.add_data_validation(1, i as u16, 10_000, i as u16, &rule)?;
        }
    }
    // The consent columns (客户授权) follow the facts.
    let bold = Format::new()
        .set_bold()
        .set_background_color("#E8F0FE")
        .set_align(FormatAlign::Center);
    for (k, c) in CONSENT_COLUMNS.iter().enumerate() {
        let i = (columns.len() + k) as u16;
        sheet.write_string_with_format(0, i, c.header, &bold)?;
        sheet.set_column_width(i, 12)?;
        sheet.write_string(1, i, c.example)?;
    }
    let methods: Vec<&str> = ConsentMethod::ALL.iter().map(|m| m.label()).collect();
    let rule = DataValidation::new()
        .allow_list_strings(&methods)?
        .set_error_message(format!("请从下拉列表中选择：{}", methods.join("、")))?;
    let method_col = (columns.len() + 1) as u16;
    sheet.add_data_validation(1, method_col, 10_000, method_col, &rule)?;
    let help = book.add_worksheet();
    help.set_name("填写说明")?;
    let bold = Format::new().set_bold();
    for (i, h) in ["列名", "可用的其他列名", "说明"].iter().enumerate() {
        help.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (r, col) in columns.iter().enumerate() {
        let row = r as u32 + 1;
        help.write_string(row, 0, col.header.as_ref())?;
        help.write_string(row, 1, col.aliases.join("、"))?;
        help.write_string(row, 2, col.help)?;
    }
    for (k, c) in CONSENT_COLUMNS.iter().enumerate() {
        let row = (columns.len() + k) as u32 + 1;
        help.write_string(row, 0, c.header)?;
        help.write_string(row, 1, c.aliases.join("、"))?;
        help.write_string(row, 2, c.help)?;
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
        let headers = columns.iter().map(|c| c.header.as_ref());
        let _ = w.write_record(headers.chain(CONSENT_COLUMNS.iter().map(|c| c.header)));
        let sample = example();
        let owners = HashMap::new();
        let cells = columns.iter().map(|col| match cell(col, &sample, &owners) {
            None => String::new(),
            Some(CellOut::Text(s)) | Some(CellOut::Date(s)) => neutralise(&s).into_owned(),
            Some(CellOut::Number(n)) => n.to_string(),
        });
        let consent = CONSENT_COLUMNS.iter().map(|c| c.example.to_string());
        let _ = w.write_record(cells.chain(consent));
        let _ = w.flush();
    }
    out
}

/// A cell of a plain table export (applications and other lists that never import back).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A 万元 amount (written with the money format in .xlsx).
    Money(f64),
}

/// A plain table as CSV: UTF-8 with BOM, text neutralised like the customer export.
pub fn table_csv(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(headers);
        for r in rows {
            let _ = w.write_record(r.iter().map(|c| match c {
                Cell::Empty => String::new(),
                Cell::Text(s) => neutralise(s).into_owned(),
                Cell::Number(n) | Cell::Money(n) => n.to_string(),
            }));
        }
        let _ = w.flush();
    }
    out
}

/// A plain table as one worksheet, with the customer export's header style and autofilter.
pub fn table_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new()
        .set_bold()
        .set_background_color("#E8F0FE")
        .set_align(FormatAlign::Center);
    for (i, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &bold)?;
        sheet.set_column_width(i as u16, (h.chars().count() as f64 * 2.2).max(12.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let money = Format::new().set_num_format("#,##0.00##");
    for (r, cells) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (i, c) in cells.iter().enumerate() {
            match c {
                Cell::Empty => {}
                Cell::Text(s) => {
                    sheet.write_string(row, i as u16, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(row, i as u16, *n)?;
                }
                Cell::Money(n) => {
                    sheet.write_number_with_format(row, i as u16, *n, &money)?;
                }
            }
        }
    }
    if !rows.is_empty() && !headers.is_empty() {
        sheet.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)?;
    }
    book.save_to_buffer()
}
