//! The spreadsheet's columns: one per catalogue fact (header = label and unit, the catalogue's
//! aliases, help and width) plus the diagnosis summary an export adds. Import, export and the
//! template are all driven by this list, so they cannot drift apart from each other or the API.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::domain::customer::FIELDS;
use crate::domain::fields::{Field, Kind};

/// Export-only columns: the latest diagnosis, written for the reader and ignored on import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    Category,
    Total,
    RecommendedWan,
}

#[derive(Debug, Clone, Copy)]
pub enum Source {
    Fact(&'static Field),
    Summary(Summary),
}

#[derive(Debug, Clone)]
pub struct Column {
    /// The API field name (or the summary's name).
    pub key: &'static str,
    pub header: Cow<'static, str>,
    pub aliases: &'static [&'static str],
    pub source: Source,
    pub help: &'static str,
    /// Column width in the xlsx (characters).
    pub width: f64,
}

impl Column {
    pub fn field(&self) -> Option<&'static Field> {
        match self.source {
            Source::Fact(f) => Some(f),
            Source::Summary(_) => None,
        }
    }
}

const SUMMARIES: [(&str, &str, Summary, &str, f64); 3] = [
    (
        "latest_category",
        "最新分类",
        Summary::Category,
        "导出时填写：最近一次诊断的 A/B/C，导入时忽略",
        8.0,
    ),
    (
        "latest_total",
        "最新总分",
        Summary::Total,
        "导出时填写，导入时忽略",
        8.0,
    ),
    (
        "latest_recommended_wan",
        "推荐额度(万元)",
        Summary::RecommendedWan,
        "导出时填写，导入时忽略",
        12.0,
    ),
];

pub static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| {
    let facts = FIELDS.iter().map(|f| Column {
        key: f.key,
        header: f.header(),
        aliases: f.aliases,
        source: Source::Fact(f),
        help: f.help,
        width: f.width,
    });
    let summaries = SUMMARIES
        .iter()
        .map(|&(key, header, summary, help, width)| Column {
            key,
            header: Cow::Borrowed(header),
            aliases: &[],
            source: Source::Summary(summary),
            help,
            width,
        });
    facts.chain(summaries).collect()
});

/// The import's consent columns (客户授权): not customer facts, so neither exported nor in
/// `COLUMNS`; a row with a 授权日期 records an `assessment` consent for 征信 and 银行流水.
pub struct ConsentColumn {
    pub header: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
    /// The template's example cell.
    pub example: &'static str,
}

pub const CONSENT_DATE: ConsentColumn = ConsentColumn {
    header: "授权日期",
    aliases: &["客户授权日期", "授权书日期", "授权时间"],
    help: "客户签署《个人信息处理授权书》的日期（不晚于今天）。填写后，导入时为该客户登记一份授权：用途「诊断评估」，信息「征信、银行流水」。\
           含征信或流水数据的行，如客户尚无有效授权，须填写此列，否则该行不能导入",
    example: "2026-01-05",
};

pub const CONSENT_METHOD: ConsentColumn = ConsentColumn {
    header: "授权方式",
    aliases: &["客户授权方式"],
    help: "纸质签字 / 电子；留空为纸质签字。须与授权日期一起填写",
    example: "纸质签字",
};

pub const CONSENT_COLUMNS: [&ConsentColumn; 2] = [&CONSENT_DATE, &CONSENT_METHOD];

/// The consent column a header names, if any.
pub fn consent_column(header: &str) -> Option<&'static ConsentColumn> {
    let h = normalise(header);
    CONSENT_COLUMNS
        .into_iter()
        .find(|c| normalise(c.header) == h || c.aliases.iter().any(|a| normalise(a) == h))
}

/// The seed plan's free-text credit columns are kept, as notes, rather than lost.
pub const NOTE_COLUMNS: &[&str] = &["法人征信", "企业征信"];

fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .replace(['（', '）'], "")
        .replace(['(', ')', ' ', '\u{3000}', '*'], "")
}

/// Finds the column for a header — its header, its label without the unit, or an alias —
/// ignoring brackets, spaces and a required-marker `*`.
pub fn find(header: &str) -> Option<&'static Column> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    COLUMNS.iter().find(|c| {
        let label = c.field().map(|f| f.label);
        normalise(&c.header) == h
            || label.is_some_and(|l| normalise(l) == h)
            || c.aliases.iter().any(|a| normalise(a) == h)
    })
}

/// The header positions whose cells an import reads: the first column of each editable field and
/// of each note header. Other cells are never stored, so a wide file costs no memory (a repeated
/// header is refused by the import anyway).
pub fn read_by_import(headers: &[String]) -> Vec<bool> {
    let mut seen = std::collections::HashSet::new();
    headers
        .iter()
        .map(|h| match find(h) {
            Some(c) => c.field().is_some() && seen.insert(c.key),
            None => match consent_column(h) {
                Some(c) => seen.insert(c.header),
                None => NOTE_COLUMNS.contains(&h.trim()) && seen.insert(h.trim()),
            },
        })
        .collect()
}

/// The values a cell of this kind may hold, for the template's drop-downs.
pub fn choices(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Bool => vec!["是", "否"],
        Kind::Choice(choice) => (choice.labels)(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_variants_resolve() {
        for (header, key) in [
            ("企业名称", "name"),
            ("注册资本", "reg_capital_wan"),
            ("注册资本（万元）", "reg_capital_wan"),
            ("成立时间", "established_on"),
            ("法人", "legal_person"),
            ("年开票", "annual_invoice_wan"),
            ("年纳税", "annual_tax_wan"),
            ("对公流水月均", "monthly_flow_wan"),
            ("月均流水", "monthly_flow_wan"),
            ("主营业务", "main_business"),
            ("行业", "industry"),
            ("贷款需求", "loan_demand_wan"),
            ("抵押物", "collaterals"),
            (" *统一社会信用代码 ", "uscc"),
        ] {
            assert_eq!(find(header).map(|c| c.key), Some(key), "{header}");
        }
        assert!(find("不存在的列").is_none());
    }

    #[test]
    fn no_header_names_two_columns() {
        let mut owner = std::collections::HashMap::new();
        for c in COLUMNS.iter() {
            let label = c.field().map(|f| f.label);
            let names = [c.header.as_ref()]
                .into_iter()
                .chain(label)
                .chain(c.aliases.iter().copied());
            for name in names {
                if let Some(other) = owner.insert(normalise(name), c.key) {
                    assert_eq!(other, c.key, "{name} names both {other} and {}", c.key);
                }
            }
        }
    }
}
