//! Reads an uploaded `.xlsx` or `.csv` into header + rows of cells, refusing hostile files
//! (zip bombs, oversized sheets, undecodable text) with a Chinese message.
//!
//! Both formats are read one cell at a time and nothing is sized from what a file declares: a
//! cell is checked against the limits before it is stored, empty cells cost nothing wherever they
//! are, and of the data rows only the columns the import reads are kept (in one text buffer). So
//! no shape of file — a far-away cell, a lying `<dimension>`, a line of a million commas — can
//! make memory grow beyond what its useful content needs.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;

use super::{columns, export};

/// One cell as the import sees it; text borrows from the [`Sheet`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
}

/// A cell as stored: text is a range of [`Sheet::text`].
#[derive(Debug, Clone, Copy)]
enum Stored {
    Text { start: u32, len: u32 },
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
}

#[derive(Debug, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// (row number as Excel shows it, end of the row's cells in `cells`)
    rows: Vec<(u32, u32)>,
    /// (column index, value) of the non-empty cells the import reads, row after row, by column.
    cells: Vec<(u16, Stored)>,
    text: String,
}

/// One data row: its number as Excel shows it (the header is row 1) and its cells.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub number: usize,
    cells: &'a [(u16, Stored)],
    text: &'a str,
}

impl<'a> Row<'a> {
    /// The cell in column `index` (0-based, as in [`Sheet::headers`]).
    pub fn cell(&self, index: usize) -> Cell<'a> {
        match self
            .cells
            .binary_search_by_key(&index, |(c, _)| *c as usize)
        {
            Ok(i) => match self.cells[i].1 {
                Stored::Text { start, len } => {
                    Cell::Text(&self.text[start as usize..(start + len) as usize])
                }
                Stored::Number(n) => Cell::Number(n),
                Stored::Bool(b) => Cell::Bool(b),
                Stored::Date(d) => Cell::Date(d),
            },
            Err(_) => Cell::Empty,
        }
    }
}

impl Sheet {
    /// Data rows (rows below the header with at least one non-empty cell).
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        let starts = std::iter::once(0).chain(self.rows.iter().map(|(_, end)| *end));
        self.rows
            .iter()
            .zip(starts)
            .map(|(&(number, end), start)| Row {
                number: number as usize,
                cells: &self.cells[start as usize..end as usize],
                text: &self.text,
            })
    }
}

/// The spreadsheet formats the product reads and writes (the API's `format` parameter too).
#[derive(poem_openapi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "FileFormat", rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }
}

/// A file we refuse, with the reason for the user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
const MAX_RATIO: u64 = 200;
/// The shared-string table is held whole while the sheet is read (about 3× its XML in memory).
const MAX_SHARED_STRINGS_XML: u64 = 24 * 1024 * 1024;
/// Other parts read whole (styles, workbook, relations) are small in any real file.
const MAX_OTHER_XML: u64 = 8 * 1024 * 1024;
/// Columns a sheet may use: far more than the import knows (others are reported as ignored), the
/// width of Excel 2003; a cell beyond it is a stray.
pub const MAX_COLUMNS: usize = 256;
/// Excel's own limit for one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// All the text kept from one file (shared strings repeat, so an .xlsx can expand).
const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

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
        Format::Xlsx => read_xlsx(bytes, sheet, max_rows)?,
        Format::Csv => read_csv(bytes, max_rows)?,
    };
    if sheet.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ReadError("文件为空，或第一行没有表头".into()));
    }
    Ok(sheet)
}

/// `A`, `B`, … `XFD` for a 0-based column index.
pub fn column_name(index: u32) -> String {
    let mut n = index + 1;
    let mut name = Vec::new();
    while n > 0 {
        name.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Collects rows cell by cell, checking every limit before a cell is stored. The first row with
/// any content is the header; of later rows only the columns the import reads are kept.
struct Builder {
    sheet: Sheet,
    max_rows: usize,
    /// Which columns the import reads; `None` until the header row is complete.
    wanted: Option<Vec<bool>>,
    /// The row being collected, and where its cells start in `sheet.cells`.
    row: u32,
    row_start: usize,
    row_has_content: bool,
}

impl Builder {
    fn new(max_rows: usize) -> Self {
        Self {
            sheet: Sheet::default(),
            max_rows,
            wanted: None,
            row: 0,
            row_start: 0,
            row_has_content: false,
        }
    }

    fn range_error(&self, row: u32, col: u32) -> ReadError {
        ReadError(format!(
            "数据范围过大（单元格 {}{row} 有内容），最多 {} 行 × {MAX_COLUMNS} 列，请删除多余的行列后重试",
            column_name(col),
            self.max_rows
        ))
    }

    fn too_many_rows(&self) -> ReadError {
        ReadError(format!(
            "文件的数据超过单次导入上限 {} 行，请拆分后导入",
            self.max_rows
        ))
    }

    /// Starts row `number` (as Excel shows it), finishing the one before.
    fn start_row(&mut self, number: u32) -> Result<(), ReadError> {
        if number < self.row {
            return Err(ReadError(
                "工作表的行顺序异常（文件可能已损坏），请在 Excel 中另存后重试".into(),
            ));
        }
        if number != self.row {
            self.finish_row()?;
            self.row = number;
        }
        Ok(())
    }

    /// A cell of the current row; `col` is 0-based.
    fn push(&mut self, col: u32, cell: Cell<'_>) -> Result<(), ReadError> {
        if matches!(cell, Cell::Empty) || matches!(cell, Cell::Text(s) if s.trim().is_empty()) {
            return Ok(());
        }
        if self.row as usize > self.max_rows + 1 && self.sheet.rows.len() >= self.max_rows {
            return Err(self.too_many_rows());
        }
        if col as usize >= MAX_COLUMNS || self.row as usize > self.max_rows + 1 {
            return Err(self.range_error(self.row, col));
        }
        if let Cell::Text(s) = cell
            && s.len() > MAX_CELL_CHARS
            && s.chars().count() > MAX_CELL_CHARS
        {
            return Err(ReadError(format!(
                "单元格 {}{} 的内容超过 {MAX_CELL_CHARS} 个字符",
                column_name(col),
                self.row
            )));
        }
        self.row_has_content = true;
        let Some(wanted) = &self.wanted else {
            let headers = &mut self.sheet.headers;
            if headers.len() <= col as usize {
                headers.resize(col as usize + 1, String::new());
            }
            headers[col as usize] = header_text(cell);
            return Ok(());
        };
        if !wanted.get(col as usize).copied().unwrap_or(false) {
            return Ok(());
        }
        let stored = match cell {
            Cell::Empty => return Ok(()),
            Cell::Text(s) => {
                let text = &mut self.sheet.text;
                if text.len() + s.len() > MAX_TEXT_BYTES {
                    return Err(ReadError(format!(
                        "文件中的文字内容超过 {} MB，请拆分后导入",
                        MAX_TEXT_BYTES / 1024 / 1024
                    )));
                }
                let start = text.len() as u32;
                text.push_str(s);
                Stored::Text {
                    start,
                    len: s.len() as u32,
                }
            }
            Cell::Number(n) => Stored::Number(n),
            Cell::Bool(b) => Stored::Bool(b),
            Cell::Date(d) => Stored::Date(d),
        };
        self.sheet.cells.push((col as u16, stored));
        Ok(())
    }

    fn finish_row(&mut self) -> Result<(), ReadError> {
        if !std::mem::take(&mut self.row_has_content) {
            return Ok(());
        }
        if self.wanted.is_none() {
            self.wanted = Some(columns::read_by_import(&self.sheet.headers));
            return Ok(());
        }
        if self.sheet.rows.len() >= self.max_rows {
            return Err(self.too_many_rows());
        }
        let cells = &mut self.sheet.cells[self.row_start..];
        if !cells.is_sorted_by_key(|(c, _)| *c) {
            cells.sort_by_key(|(c, _)| *c);
        }
        self.row_start = self.sheet.cells.len();
        self.sheet.rows.push((self.row, self.row_start as u32));
        Ok(())
    }

    fn finish(mut self) -> Result<Sheet, ReadError> {
        self.finish_row()?;
        Ok(self.sheet)
    }
}

fn header_text(c: Cell<'_>) -> String {
    match c {
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number(n) => n.to_string(),
        _ => String::new(),
    }
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
        let shown = entry.name().map_err(|_| corrupt())?.to_string();
        let name = shown.to_lowercase();
        let read_whole = name.ends_with(".xml") || name.ends_with(".rels");
        let limit = if name.starts_with("xl/worksheets/") && !name.contains("_rels") {
            u64::MAX
        } else if name.ends_with("sharedstrings.xml") {
            MAX_SHARED_STRINGS_XML
        } else {
            MAX_OTHER_XML
        };
        if read_whole && size > limit {
            return Err(ReadError(format!(
                "文件中的「{shown}」部分过大（{} MB），已拒绝",
                size / 1024 / 1024
            )));
        }
    }
    if total > MAX_UNCOMPRESSED {
        return Err(ReadError("文件解压后过大，已拒绝".into()));
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], sheet: Option<&str>, max_rows: usize) -> Result<Sheet, ReadError> {
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
    let unreadable = |e: calamine::XlsxError| ReadError(format!("无法读取工作表「{name}」：{e}"));
    // The cell reader streams the sheet's XML; its declared <dimension> is never trusted.
    let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut builder = Builder::new(max_rows);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        builder.start_row(row.saturating_add(1))?;
        push_data(&mut builder, col, cell.get_value())?;
    }
    builder.finish()
}

fn push_data(builder: &mut Builder, col: u32, d: &DataRef<'_>) -> Result<(), ReadError> {
    let error_text;
    let cell = match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => excel_serial_date(dt.as_f64())
            .map(Cell::Date)
            .unwrap_or(Cell::Number(dt.as_f64())),
        DataRef::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| d.parse().ok())
            .map(Cell::Date)
            .unwrap_or(Cell::Text(s)),
        DataRef::DurationIso(s) => Cell::Text(s),
        DataRef::Error(e) => {
            error_text = format!("#{e:?}");
            Cell::Text(&error_text)
        }
    };
    builder.push(col, cell)
}

/// Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29).
pub fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// UTF-8 (with or without BOM), else GB18030 — what Excel in China writes.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(ReadError(
            "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV".into(),
        ));
    }
    Ok(Cow::Owned(text.into_owned()))
}

/// Line breaks as Excel counts rows: `\r\n`, `\n` and `\r` each end a line.
fn line_breaks(bytes: &[u8], before: Option<u8>) -> u32 {
    let mut prev = before;
    let mut n = 0;
    for &b in bytes {
        if b == b'\r' || (b == b'\n' && prev != Some(b'\r')) {
            n += 1;
        }
        prev = Some(b);
    }
    n
}

/// Excel's row number of each CSV record: one more than the line breaks before it, not counting
/// those inside quoted cells (a quoted multi-line cell is one row; a blank line is a row).
struct RowNumbers<'a> {
    input: &'a [u8],
    counted_to: usize,
    breaks: u32,
    quoted_breaks: u32,
}

impl<'a> RowNumbers<'a> {
    /// The row of the record whose input starts at `pos` (blank lines before it are skipped).
    fn at(&mut self, pos: usize) -> u32 {
        let blank = self.input[pos..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let start = pos + blank;
        let before = self.counted_to.checked_sub(1).map(|i| self.input[i]);
        self.breaks += line_breaks(&self.input[self.counted_to..start], before);
        self.counted_to = start;
        1 + self.breaks - self.quoted_breaks
    }
    fn quoted(&mut self, field: &[u8]) {
        self.quoted_breaks += line_breaks(field, None);
    }
}

fn read_csv(bytes: &[u8], max_rows: usize) -> Result<Sheet, ReadError> {
    let text = decode(bytes)?;
    if text.contains('\0') {
        return Err(ReadError("文件不是文本格式的 CSV".into()));
    }
    let input = text.as_bytes();
    let mut reader = csv_core::Reader::new();
    // One cell at a time, in a buffer of Excel's cell limit: no line, however long, is held whole.
    let mut field = vec![0u8; MAX_CELL_CHARS * 4];
    let mut filled = 0;
    let mut rows = RowNumbers {
        input,
        counted_to: 0,
        breaks: 0,
        quoted_breaks: 0,
    };
    let mut builder = Builder::new(max_rows);
    let (mut pos, mut col) = (0, 0u32);
    let mut row = None;
    loop {
        let number = *row.get_or_insert_with(|| rows.at(pos));
        let (result, read, written) = reader.read_field(&input[pos..], &mut field[filled..]);
        pos += read;
        filled += written;
        match result {
            csv_core::ReadFieldResult::InputEmpty => {}
            csv_core::ReadFieldResult::OutputFull => {
                return Err(ReadError(format!(
                    "第 {number} 行第 {} 列的内容超过 {MAX_CELL_CHARS} 个字符，请检查引号是否成对",
                    col + 1
                )));
            }
            csv_core::ReadFieldResult::Field { record_end } => {
                if col as usize >= MAX_COLUMNS {
                    return Err(ReadError(format!(
                        "第 {number} 行超过 {MAX_COLUMNS} 列，请删除多余的列（或多余的逗号）后重试"
                    )));
                }
                let value = std::str::from_utf8(&field[..filled])
                    .map_err(|_| ReadError("CSV 格式错误：文字编码不完整".into()))?;
                rows.quoted(value.as_bytes());
                // A multi-line cell keeps the file's line ending; the customer's text uses `\n`.
                let value = if value.contains('\r') {
                    Cow::Owned(value.replace("\r\n", "\n").replace('\r', "\n"))
                } else {
                    Cow::Borrowed(value)
                };
                builder.start_row(number)?;
                builder.push(col, Cell::Text(export::restore_neutralised(&value)))?;
                filled = 0;
                col += 1;
                if record_end {
                    col = 0;
                    row = None;
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(sheet: &Sheet) -> Vec<(usize, Vec<Cell<'_>>)> {
        sheet
            .rows()
            .map(|r| {
                let row = (0..sheet.headers.len()).map(|i| r.cell(i)).collect();
                (r.number, row)
            })
            .collect()
    }

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(
            excel_serial_date(43831.0),
            NaiveDate::from_ymd_opt(2020, 1, 1)
        );
        assert_eq!(excel_serial_date(0.0), None);
    }

    #[test]
    fn column_names_are_excel_letters() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(99), "CV");
        assert_eq!(column_name(16_383), "XFD");
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
                cells(&sheet),
                vec![(2, vec![Cell::Text("杭州测试有限公司"), Cell::Text("12.5")])]
            );
        }
    }

    #[test]
    fn only_columns_the_import_reads_are_kept() {
        let text = "企业名称,不认识的列,备注\n甲,x,y\n,只有这一列,\n";
        let sheet = read(text.as_bytes(), Some("a.csv"), None, 10).unwrap();
        assert_eq!(
            cells(&sheet),
            vec![
                (2, vec![Cell::Text("甲"), Cell::Empty, Cell::Text("y")]),
                (3, vec![Cell::Empty, Cell::Empty, Cell::Empty]),
            ],
            "a row with content only in ignored columns is still a row"
        );
    }

    #[test]
    fn csv_rows_are_numbered_as_excel_shows_them() {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["企业名称,备注", "甲,\"两行", "的备注\"", "", "乙,", "丙,x"].join(end);
            let sheet = read(text.as_bytes(), Some("a.csv"), None, 10).unwrap();
            let numbers: Vec<usize> = sheet.rows().map(|r| r.number).collect();
            assert_eq!(numbers, [2, 4, 5], "line ending {end:?}");
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
        let wide = format!("企业名称{}\n", ",".repeat(MAX_COLUMNS));
        assert!(
            read(wide.as_bytes(), Some("w.csv"), None, 10)
                .unwrap_err()
                .0
                .contains("列")
        );
        let long = format!("企业名称\n\"{}\"\n", "长".repeat(MAX_CELL_CHARS + 1));
        assert!(
            read(long.as_bytes(), Some("l.csv"), None, 10)
                .unwrap_err()
                .0
                .contains("字符")
        );
        let far = format!("企业名称\n{}甲\n", "\n".repeat(12));
        assert!(
            read(far.as_bytes(), Some("f.csv"), None, 10)
                .unwrap_err()
                .0
                .contains("A14")
        );
    }
}
