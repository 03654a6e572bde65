//! Turns spreadsheet rows into customers: every bad cell is reported with its Excel row and
//! column; a commit writes all rows or none (insert-or-update by 统一社会信用代码, else by name).
//! A database failure is never a cell's fault: it ends the whole import with an error.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use poem_openapi::Object;
use rusqlite::Connection;

use super::columns::{self, NOTE_COLUMNS};
use super::read::{Cell, Sheet, excel_serial_date};
use crate::db::{customers, users};
use crate::domain::customer::{Collateral, CollateralKind, CustomerInput};
use crate::domain::fields::{Fact, Field, Kind};
use crate::domain::ids::{CustomerId, UserId};

#[derive(Object, Debug, Clone, PartialEq, serde::Serialize)]
pub struct CellError {
    /// The row number as Excel shows it (the header is row 1).
    pub row: u64,
    /// The column's header as in the file.
    pub column: String,
    pub message: String,
}

#[derive(Object, Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    /// Data rows in the file.
    pub total: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Rows that create a customer.
    pub inserted: u64,
    /// Rows that update an existing customer.
    pub updated: u64,
    /// Rows matched to an existing customer by name because they have no 统一社会信用代码.
    pub matched_by_name: Vec<u64>,
    /// The bad cells, the first 1,000 of them (a file of nothing but bad cells would otherwise
    /// answer with a report larger than itself).
    pub errors: Vec<CellError>,
    /// Bad cells beyond those listed in `errors`.
    pub errors_omitted: u64,
    /// Headers that were not recognised (their cells are ignored).
    pub ignored_columns: Vec<String>,
    /// True once the rows are written.
    pub committed: bool,
}

const MAX_LISTED_ERRORS: usize = 1000;

/// Bad cells as they are found: listed up to the limit, counted always, by row.
#[derive(Default)]
struct Errors {
    listed: Vec<CellError>,
    omitted: u64,
    rows: HashSet<u64>,
}

impl Errors {
    fn push(&mut self, row: u64, column: impl Into<String>, message: String) {
        self.rows.insert(row);
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(CellError {
                row,
                column: column.into(),
                message,
            });
        } else {
            self.omitted += 1;
        }
    }
    fn count(&self) -> u64 {
        self.listed.len() as u64 + self.omitted
    }
}

/// One row, ready to write.
pub struct PlannedRow {
    pub existing: Option<CustomerId>,
    pub input: CustomerInput,
}

struct Layout<'a> {
    /// (index in the row, the fact, header text as in the file)
    columns: Vec<(usize, &'static Field, &'a str)>,
    notes: Vec<(usize, &'a str)>,
}

fn layout<'a>(sheet: &'a Sheet, report: &mut ImportReport) -> Result<Layout<'a>, String> {
    let mut notes_seen = HashSet::new();
    let mut columns = vec![];
    let mut notes = vec![];
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (i, header) in sheet.headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        if let Some(col) = columns::find(header) {
            if let Some(first) = seen.insert(col.key, header) {
                return Err(format!(
                    "表头「{first}」和「{header}」是同一列，请删除其中一列"
                ));
            }
            if let Some(field) = col.field() {
                columns.push((i, field, header.as_str()));
            }
        } else if NOTE_COLUMNS.contains(&header.trim()) {
            if !notes_seen.insert(header.trim()) {
                return Err(format!("表头「{header}」出现了两次，请删除其中一列"));
            }
            notes.push((i, header.as_str()));
        } else {
            report.ignored_columns.push(header.clone());
        }
    }
    if !seen.contains_key("name") {
        return Err("缺少「企业名称」列".into());
    }
    Ok(Layout { columns, notes })
}

fn text(cell: Cell<'_>) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        }
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", n as i64)),
        Cell::Number(n) => Some(n.to_string()),
        Cell::Bool(b) => Some(if b { "是" } else { "否" }.into()),
        Cell::Date(d) => Some(d.to_string()),
    }
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(d);
        }
    }
    // "2020-01-02 00:00:00" from some exports
    s.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn number(cell: Cell<'_>) -> Option<Result<f64, ()>> {
    match cell {
        Cell::Empty => None,
        Cell::Number(n) => Some(Ok(n)),
        other => {
            let t = text(other)?;
            let cleaned = t
                .replace([',', '，'], "")
                .trim_end_matches(['万', '元', '%'])
                .trim()
                .to_string();
            Some(
                cleaned
                    .parse::<f64>()
                    .map_err(|_| ())
                    .and_then(|v| if v.is_finite() { Ok(v) } else { Err(()) }),
            )
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "有" | "y" | "yes" | "true" | "1" | "√" => Some(true),
        "否" | "无" | "没有" | "n" | "no" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

/// Parses `类型/评估价值/已抵押/持有起始日期/说明; …`; free text becomes one 其他 item.
fn collaterals(s: &str) -> Result<Vec<Collateral>, String> {
    let mut items = vec![];
    for item in s
        .split(['；', ';', '\n'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        let parts: Vec<&str> = item.split('/').map(str::trim).collect();
        let Some(kind) = CollateralKind::parse(parts[0]) else {
            items.push(Collateral {
                kind: CollateralKind::Other,
                description: Some(item.to_string()),
                appraisal_wan: None,
                lien_wan: None,
                held_since: None,
            });
            continue;
        };
        let wan = |i: usize, label: &str| -> Result<Option<f64>, String> {
            parts
                .get(i)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.trim_end_matches('万')
                        .parse::<f64>()
                        .map_err(|_| format!("抵押物「{item}」的{label}不是数字"))
                })
                .transpose()
        };
        let held_since = parts
            .get(3)
            .filter(|p| !p.is_empty())
            .map(|p| parse_date(p).ok_or_else(|| format!("抵押物「{item}」的持有起始日期无法识别")))
            .transpose()?;
        let description = parts
            .get(4..)
            .map(|rest| rest.join("/"))
            .filter(|d| !d.is_empty());
        items.push(Collateral {
            kind,
            description,
            appraisal_wan: wan(1, "评估价值")?,
            lien_wan: wan(2, "已抵押金额")?,
            held_since,
        });
    }
    Ok(items)
}

/// One cell to the fact it records; a blank cell is `Null` (unknown, no collaterals, 新客户).
/// `Err` is the message for the user.
fn value(field: &Field, cell: Cell<'_>, owners: &HashMap<String, i64>) -> Result<Fact, String> {
    if cell == Cell::Empty {
        return Ok(Fact::Null);
    }
    let t = || text(cell).unwrap_or_default();
    match field.kind {
        Kind::Name | Kind::Text { .. } | Kind::Uscc | Kind::Phone | Kind::IdNumber => {
            Ok(Fact::Text(t()))
        }
        Kind::Date => match cell {
            Cell::Date(d) => Ok(Fact::Date(d)),
            Cell::Number(n) => excel_serial_date(n)
                .map(Fact::Date)
                .ok_or_else(|| "日期无法识别".into()),
            _ => parse_date(&t())
                .map(Fact::Date)
                .ok_or_else(|| format!("日期「{}」无法识别，请使用 2020-01-02 格式", t())),
        },
        Kind::Wan | Kind::Percent { .. } => match number(cell) {
            Some(Ok(v)) => Ok(Fact::Num(v)),
            _ => Err(format!("「{}」不是数字", t())),
        },
        Kind::Int { .. } => match number(cell) {
            Some(Ok(v)) if v.fract() == 0.0 && v.abs() < 1e12 => Ok(Fact::Int(v as i64)),
            _ => Err(format!("「{}」不是整数", t())),
        },
        Kind::Bool => parse_bool(&t())
            .map(Fact::Bool)
            .ok_or_else(|| format!("「{}」应填 是 或 否", t())),
        Kind::Choice(choice) => (choice.parse)(&t()).map(Fact::Code).ok_or_else(|| {
            format!(
                "「{}」不是有效的{}（{}）",
                t(),
                field.label,
                (choice.labels)().join("、")
            )
        }),
        Kind::Collaterals => collaterals(&t()).map(Fact::Collaterals),
        Kind::Owner => owners
            .get(&t().to_lowercase())
            .map(|id| Fact::Int(*id))
            .ok_or_else(|| format!("没有用户名为「{}」的员工", t())),
    }
}

/// The header in the file for an API field name such as `collaterals[0].lien_wan`.
fn header_for(layout: &Layout<'_>, field: &str) -> String {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    layout
        .columns
        .iter()
        .find(|(_, f, _)| f.key == base)
        .map(|(_, _, h)| h.to_string())
        .unwrap_or_else(|| base.to_string())
}

/// A row's facts, by field, in the file's column order.
type RowFacts = Vec<(&'static Field, Fact)>;

/// `base` with the row's facts written over it: a typed merge, no JSON round trip.
fn merge(base: &CustomerInput, row: &RowFacts) -> Result<CustomerInput, String> {
    let mut merged = base.clone();
    for (field, fact) in row {
        field.put(&mut merged, fact.clone())?;
    }
    Ok(merged)
}

/// The seed plan's free-text credit columns, appended to the row's 备注.
fn add_notes(facts: &mut RowFacts, notes: &[String]) {
    let extra = notes.join("\n");
    match facts.iter_mut().find(|(f, _)| f.key == "notes") {
        Some((_, Fact::Text(prior))) => *prior = format!("{prior}\n{extra}"),
        Some((_, fact)) => *fact = Fact::Text(extra),
        None => {
            if let Some(field) = crate::domain::fields::field("notes") {
                facts.push((field, Fact::Text(extra)));
            }
        }
    }
}

/// Checks every row against the file and the database. Writes nothing. A database error (the
/// existing customer cannot be loaded, the disk fails) is returned as such, never as a cell's
/// message: the caller must abort rather than write rows merged onto something else.
///
/// `only_owner` is the importing account when it is limited to its own customers: its rows
/// become its customers, and a row matching someone else's customer is refused without saying
/// whose it is.
pub fn plan(
    conn: &Connection,
    sheet: &Sheet,
    today: NaiveDate,
    only_owner: Option<UserId>,
) -> rusqlite::Result<(ImportReport, Vec<PlannedRow>)> {
    let mut report = ImportReport {
        total: sheet.len() as u64,
        ..Default::default()
    };
    let layout = match layout(sheet, &mut report) {
        Ok(l) => l,
        Err(message) => {
            report.invalid = report.total;
            report.errors.push(CellError {
                row: 1,
                column: "表头".into(),
                message,
            });
            return Ok((report, vec![]));
        }
    };
    let owners: HashMap<String, i64> = users::list(conn)?
        .into_iter()
        .map(|u| (u.username.to_lowercase(), u.id.get()))
        .collect();
    let mut errors = Errors::default();
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut planned = vec![];
    for cells in sheet.rows() {
        let row = cells.number as u64;
        let errors_before = errors.count();
        let mut facts: RowFacts = Vec::with_capacity(layout.columns.len());
        for (i, field, header) in &layout.columns {
            match value(field, cells.cell(*i), &owners) {
                Ok(v) => facts.push((field, v)),
                Err(message) => errors.push(row, *header, message),
            }
        }
        let notes: Vec<String> = layout
            .notes
            .iter()
            .filter_map(|(i, h)| text(cells.cell(*i)).map(|t| format!("{h}：{t}")))
            .collect();
        if !notes.is_empty() {
            add_notes(&mut facts, &notes);
        }
        let Some(input) = validate_row(&layout, &mut facts, row, today, &mut errors) else {
            continue;
        };
        // Duplicates inside the file, then the match in the database.
        let key = input
            .uscc
            .clone()
            .map(|u| format!("uscc:{u}"))
            .unwrap_or_else(|| format!("name:{}", input.name));
        let key_header = header_for(&layout, if input.uscc.is_some() { "uscc" } else { "name" });
        if let Some(first) = first_seen.get(&key) {
            errors.push(row, key_header, format!("与第 {first} 行重复"));
            continue;
        }
        first_seen.insert(key, row);
        let existing = match existing_customer(conn, &input)? {
            Ok(found) => found,
            Err(message) => {
                errors.push(row, key_header, message);
                continue;
            }
        };
        if errors.count() > errors_before {
            continue;
        }
        if let Some(me) = only_owner {
            let theirs = match existing {
                Some((id, _)) => customers::owner_and_deleted(conn, id)?.and_then(|(o, _)| o),
                None => input.owner_id.or(Some(me)),
            };
            if theirs != Some(me) {
                let (header, message) = match existing {
                    Some(_) => (
                        key_header.clone(),
                        "该企业已由其他同事负责，不能通过导入修改，请联系管理员",
                    ),
                    None => (
                        header_for(&layout, "owner_id"),
                        "负责人须为您本人（您只能负责自己的客户）",
                    ),
                };
                errors.push(row, header, message.to_string());
                continue;
            }
        }
        let input = match existing {
            Some((id, by_name)) => {
                if by_name {
                    report.matched_by_name.push(row);
                }
                let base = stored_input(conn, id)?;
                match merge(&base, &facts).map(|mut merged| merged.validate(today).map(|_| merged))
                {
                    Ok(Ok(merged)) => merged,
                    Ok(Err(e)) => {
                        errors.push(row, header_for(&layout, &e.field), e.message);
                        continue;
                    }
                    Err(message) => {
                        errors.push(row, "企业名称", message);
                        continue;
                    }
                }
            }
            None => CustomerInput {
                owner_id: input.owner_id.or(only_owner),
                ..input
            },
        };
        planned.push(PlannedRow {
            existing: existing.map(|(id, _)| id),
            input,
        });
    }
    report.invalid = errors.rows.len() as u64;
    report.valid = report.total - report.invalid;
    report.errors = errors.listed;
    report.errors_omitted = errors.omitted;
    report.updated = planned.iter().filter(|p| p.existing.is_some()).count() as u64;
    report.inserted = planned.len() as u64 - report.updated;
    Ok((report, planned))
}

/// The stored facts of a customer the import updates. Failing to load them is an error, never
/// an empty customer: merging a row onto nothing would overwrite every column the file lacks.
fn stored_input(conn: &Connection, id: CustomerId) -> rusqlite::Result<CustomerInput> {
    customers::get(conn, id)?
        .map(|c| c.data)
        .ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// Validates a new row, reporting every bad field (not just the first): each failing field is
/// reported, cleared, and the row checked again.
fn validate_row(
    layout: &Layout<'_>,
    facts: &mut RowFacts,
    row: u64,
    today: NaiveDate,
    errors: &mut Errors,
) -> Option<CustomerInput> {
    let mut failed = false;
    for _ in 0..layout.columns.len() + 1 {
        let mut input = match merge(&CustomerInput::default(), facts) {
            Ok(i) => i,
            Err(message) => {
                errors.push(row, "企业名称", message);
                return None;
            }
        };
        match input.validate(today) {
            Ok(()) => return (!failed).then_some(input),
            Err(e) => {
                failed = true;
                errors.push(row, header_for(layout, &e.field), e.message);
                let key = e.field.split(['[', '.']).next().unwrap_or_default();
                let before = facts.len();
                facts.retain(|(f, _)| f.key != key);
                if key == "name" || facts.len() == before {
                    return None;
                }
            }
        }
    }
    None
}

/// `Ok(Some((id, matched_by_name)))`; the inner `Err` is the user's problem (a code that belongs
/// to a customer in the recycle bin), the outer one the database's.
fn existing_customer(
    conn: &Connection,
    input: &CustomerInput,
) -> rusqlite::Result<Result<Option<(CustomerId, bool)>, String>> {
    if let Some(code) = &input.uscc {
        return Ok(match customers::find_by_uscc(conn, code, None)? {
            Some((_, true)) => Err("该统一社会信用代码属于回收站中的客户，请先恢复该客户".into()),
            Some((id, false)) => Ok(Some((id, false))),
            None => Ok(None),
        });
    }
    Ok(Ok(
        customers::find_live_by_name(conn, &input.name)?.map(|id| (id, true))
    ))
}

/// Writes the planned rows; the caller owns the transaction.
pub fn commit(
    conn: &Connection,
    rows: &[PlannedRow],
    user_id: Option<UserId>,
) -> rusqlite::Result<Vec<CustomerId>> {
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        match row.existing {
            Some(id) => {
                customers::update(conn, id, &row.input)?;
                ids.push(id);
            }
            None => ids.push(customers::insert(conn, &row.input, user_id)?),
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::db::{self, migrations};
    use crate::domain::customer::Customer;
    use crate::io::{export, read};

    fn customer(text: &str) -> Customer {
        Customer::unsaved(
            1,
            CustomerInput {
                name: text.into(),
                legal_person: Some(text.into()),
                main_business: Some(text.into()),
                notes: Some(text.into()),
                ..Default::default()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Issue 12 item 18: the export's formula neutralising and the import's reversal are exact
        /// inverses, for text that starts with anything (an apostrophe included), in both formats.
        #[test]
        fn text_survives_export_then_import(
            prefix in prop::sample::select(vec!["", "'", "''", "=", "+", "-", "@", "'=", "'+", "'-", "'@", "==", "@'"]),
            body in "[a-zA-Z0-9 '=+@,\"中文企业名称备注（）\\-]{0,20}",
        ) {
            let text = format!("{prefix}{body}").trim().to_string();
            prop_assume!(!text.is_empty());
            let dir = tempfile::tempdir().unwrap();
            let mut conn = db::open(&dir.path().join("t.db")).unwrap();
            migrations::run(&mut conn, dir.path()).unwrap();
            let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let owners = HashMap::new();
            let files = [
                (export::csv(&[customer(&text)], &owners), "a.csv"),
                (export::xlsx(&[customer(&text)], &owners).unwrap(), "a.xlsx"),
            ];
            for (bytes, name) in files {
                let sheet = read::read(&bytes, Some(name), None, 10).unwrap();
                let (report, planned) = plan(&conn, &sheet, today, None).unwrap();
                prop_assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
                let input = &planned[0].input;
                prop_assert_eq!(&input.name, &text, "{}", name);
                prop_assert_eq!(input.legal_person.as_deref(), Some(text.as_str()), "{}", name);
                prop_assert_eq!(input.notes.as_deref(), Some(text.as_str()), "{}", name);
            }
        }
    }

    /// Every label an export (or the report, which prints the same vocabulary) writes imports
    /// back to the same value: each tax grade, business status, stage and collateral kind, in
    /// both formats, through export → import with nothing lost.
    #[test]
    fn every_printed_label_imports_again() {
        use crate::domain::customer::{BusinessStatus, Stage, TaxGrade};
        let dir = tempfile::tempdir().unwrap();
        let mut conn = db::open(&dir.path().join("t.db")).unwrap();
        migrations::run(&mut conn, dir.path()).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let n = [
            TaxGrade::ALL.len(),
            BusinessStatus::ALL.len(),
            Stage::ALL.len(),
            CollateralKind::ALL.len(),
        ]
        .into_iter()
        .max()
        .unwrap();
        let originals: Vec<Customer> = (0..n)
            .map(|i| {
                let data = CustomerInput {
                    name: format!("标签测试{i}"),
                    tax_grade: Some(TaxGrade::ALL[i % TaxGrade::ALL.len()]),
                    business_status: Some(BusinessStatus::ALL[i % BusinessStatus::ALL.len()]),
                    stage: Stage::ALL[i % Stage::ALL.len()],
                    collaterals: vec![Collateral {
                        kind: CollateralKind::ALL[i % CollateralKind::ALL.len()],
                        description: Some(format!("第{i}项")),
                        appraisal_wan: Some(100.5 + i as f64),
                        lien_wan: Some(20.25),
                        held_since: NaiveDate::from_ymd_opt(2020, 1 + i as u32 % 12, 1),
                    }],
                    annual_tax_wan: Some(3.1234),
                    current_overdue: Some(i % 2 == 0),
                    ..Default::default()
                };
                Customer::unsaved(i as i64 + 1, data)
            })
            .collect();
        let owners = HashMap::new();
        let files = [
            (export::csv(&originals, &owners), "all.csv"),
            (export::xlsx(&originals, &owners).unwrap(), "all.xlsx"),
        ];
        for (bytes, name) in files {
            let sheet = read::read(&bytes, Some(name), None, 100).unwrap();
            let (report, planned) = plan(&conn, &sheet, today, None).unwrap();
            assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
            assert_eq!(planned.len(), n, "{name}");
            for (row, original) in planned.iter().zip(&originals) {
                assert_eq!(row.input, original.data, "{name}");
            }
        }
    }

    /// A collateral kind's spellings cannot contain the separators of the collateral cell.
    #[test]
    fn collateral_kind_spellings_survive_the_cell_format() {
        for kind in CollateralKind::ALL {
            assert!(!kind.label().contains(['/', ';', '；']), "{}", kind.label());
        }
    }
}
