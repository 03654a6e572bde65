//! Reads an uploaded `.xlsx` or `.csv` into header + rows of cells, refusing hostile files
//! (zip bombs, oversized sheets, undecodable text) with a Chinese message.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
}

#[derive(Debug, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// (row number as the user sees it in Excel — the header is row 1, cells)
    pub rows: Vec<(usize, Vec<Cell>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

/// A file we refuse, with the reason for the user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
const MAX_RATIO: u64 = 200;

pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Result<Format, ReadError> {
    let lower = file_name.unwrap_or_default().to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    if lower.ends_with(".xlsx") {
        return Err(ReadError("文件不是有效的 .xlsx 文件（可能已损坏）".into()));
    }
    if lower.ends_with(".xls") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ReadError(
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入".into(),
        ));
    }
    Ok(Format::Csv)
}

pub fn read(
    bytes: &[u8],
    file_name: Option<&str>,
    sheet: Option<&str>,
    max_rows: usize,
) -> Result<Sheet, ReadError> {
    let sheet = match detect(bytes, file_name)? {
        Format::Xlsx => read_xlsx(bytes, sheet)?,
        Format::Csv => read_csv(bytes)?,
    };
    if sheet.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ReadError("文件为空，或第一行没有表头".into()));
    }
    if sheet.rows.len() > max_rows {
        return Err(ReadError(format!(
            "文件有 {} 行数据，超过单次导入上限 {max_rows} 行，请拆分后导入",
            sheet.rows.len()
        )));
    }
    Ok(sheet)
}

/// Refuses archives whose entries would inflate beyond sane limits before any XML is parsed.
fn check_zip(bytes: &[u8]) -> Result<(), ReadError> {
    let corrupt = || ReadError("文件不是有效的 .xlsx 文件（可能已损坏）".into());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| corrupt())?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| corrupt())?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size / packed > MAX_RATIO && size > 10 * 1024 * 1024 {
            return Err(ReadError("文件压缩比异常（疑似压缩炸弹），已拒绝".into()));
        }
    }
    if total > MAX_UNCOMPRESSED {
        return Err(ReadError("文件解压后过大，已拒绝".into()));
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Sheet, ReadError> {
    check_zip(bytes)?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| ReadError(format!("无法读取 .xlsx 文件：{e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| ReadError(format!("文件中没有名为「{s}」的工作表")))?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ReadError("文件中没有工作表".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| ReadError(format!("无法读取工作表「{name}」：{e}")))?;
    let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let start_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let mut out = vec![Cell::Empty; start_col];
        out.extend(cells.iter().map(cell_of));
        (start_row + i + 1, out)
    });
    let Some((_, header_cells)) = rows.next() else {
        return Ok(Sheet::default());
    };
    let headers = header_cells.iter().map(text_of).collect();
    Ok(Sheet {
        headers,
        rows: rows
            .filter(|(_, c)| c.iter().any(|x| *x != Cell::Empty))
            .collect(),
    })
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_serial_date(dt.as_f64())
            .map(Cell::Date)
            .unwrap_or(Cell::Number(dt.as_f64())),
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| d.parse().ok())
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29).
pub fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.floor() as u64))
}

fn text_of(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// UTF-8 (with or without BOM), else GB18030 — what Excel in China writes.
fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(ReadError(
            "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV".into(),
        ));
    }
    Ok(text.into_owned())
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, ReadError> {
    let text = decode(bytes)?;
    if text.contains('\0') {
        return Err(ReadError("文件不是文本格式的 CSV".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_string()).collect(),
        Some(Err(e)) => return Err(ReadError(format!("CSV 格式错误：{e}"))),
        None => return Ok(Sheet::default()),
    };
    let mut rows = vec![];
    for record in records {
        let record = record.map_err(|e| ReadError(format!("CSV 格式错误：{e}")))?;
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(rows.len() + 2);
        let cells: Vec<Cell> = record
            .iter()
            .map(|s| {
                if s.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s.to_string())
                }
            })
            .collect();
        if cells.iter().any(|c| *c != Cell::Empty) {
            rows.push((line, cells));
        }
    }
    Ok(Sheet { headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(
            excel_serial_date(43831.0),
            NaiveDate::from_ymd_opt(2020, 1, 1)
        );
        assert_eq!(excel_serial_date(0.0), None);
    }

    #[test]
    fn csv_in_gb18030_and_utf8_bom_read_alike() {
        let text = "企业名称,年纳税\n杭州测试有限公司,12.5\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [gb.to_vec(), bom, text.as_bytes().to_vec()] {
            let sheet = read(&bytes, Some("a.csv"), None, 10).unwrap();
            assert_eq!(sheet.headers, ["企业名称", "年纳税"]);
            assert_eq!(
                sheet.rows,
                vec![(
                    2,
                    vec![
                        Cell::Text("杭州测试有限公司".into()),
                        Cell::Text("12.5".into())
                    ]
                )]
            );
        }
    }

    #[test]
    fn hostile_or_wrong_files_are_refused() {
        assert!(read(b"PK\x03\x04garbage", Some("x.xlsx"), None, 10).is_err());
        assert!(read(b"not a zip", Some("x.xlsx"), None, 10).is_err());
        assert!(read(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], Some("x.xls"), None, 10).is_err());
        assert!(read(b"", Some("x.csv"), None, 10).is_err());
        let many = format!("企业名称\n{}", "a\n".repeat(11));
        assert!(
            read(many.as_bytes(), Some("x.csv"), None, 10)
                .unwrap_err()
                .0
                .contains("上限")
        );
    }
}
