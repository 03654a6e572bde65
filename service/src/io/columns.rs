//! The one table of spreadsheet columns: header, accepted header variants, kind, help text.
//! Import, export and the template are all driven by it, so they cannot drift apart.

use crate::domain::customer::{BusinessStatus, Stage, TaxGrade};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Uscc,
    Date,
    /// 万元, decimal
    Wan,
    Int,
    /// 百分比 0–1000
    Percent,
    /// 是 / 否
    Bool,
    TaxGrade,
    BusinessStatus,
    Stage,
    /// `类型/评估价值/已抵押/持有起始日期/说明; …`
    Collaterals,
    /// the owner's username
    Owner,
    /// export only (latest diagnosis)
    ReadOnly,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The API field name (or a pseudo name for read-only columns).
    pub key: &'static str,
    pub header: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub help: &'static str,
    /// Column width in the xlsx (characters).
    pub width: f64,
}

const fn col(
    key: &'static str,
    header: &'static str,
    aliases: &'static [&'static str],
    kind: Kind,
    help: &'static str,
    width: f64,
) -> Column {
    Column {
        key,
        header,
        aliases,
        kind,
        help,
        width,
    }
}

pub const COLUMNS: &[Column] = &[
    col(
        "name",
        "企业名称",
        &["公司名称", "客户名称", "企业"],
        Kind::Text,
        "必填，最多 100 字",
        32.0,
    ),
    col(
        "uscc",
        "统一社会信用代码",
        &["信用代码", "社会信用代码", "统一代码"],
        Kind::Uscc,
        "18 位，按 GB 32100 校验；用于导入时匹配已有客户",
        22.0,
    ),
    col(
        "established_on",
        "成立日期",
        &["成立时间", "注册日期"],
        Kind::Date,
        "如 2020-01-02、2020/1/2、2020年1月2日",
        12.0,
    ),
    col(
        "reg_capital_wan",
        "注册资本(万元)",
        &["注册资本", "注册资本（万元）"],
        Kind::Wan,
        "单位：万元",
        12.0,
    ),
    col(
        "legal_person",
        "法人",
        &["法定代表人", "法人代表"],
        Kind::Text,
        "",
        10.0,
    ),
    col(
        "legal_person_age",
        "法人年龄",
        &[],
        Kind::Int,
        "18–100",
        8.0,
    ),
    col(
        "annual_invoice_wan",
        "年开票(万元)",
        &["年开票", "年开票额", "年开票（万元）", "近12个月开票"],
        Kind::Wan,
        "近 12 个月开票金额，单位：万元",
        12.0,
    ),
    col(
        "invoice_gap_months",
        "断票月数",
        &["断票"],
        Kind::Int,
        "近 12 个月无开票的月数，0–12",
        8.0,
    ),
    col(
        "annual_tax_wan",
        "年纳税(万元)",
        &["年纳税", "年纳税额", "年纳税（万元）", "近12个月纳税"],
        Kind::Wan,
        "近 12 个月纳税总额，单位：万元",
        12.0,
    ),
    col(
        "tax_grade",
        "纳税信用等级",
        &["纳税等级", "纳税信用"],
        Kind::TaxGrade,
        "A、B、M、C、D 或 未评级",
        10.0,
    ),
    col(
        "monthly_flow_wan",
        "对公流水月均(万元)",
        &[
            "对公流水月均",
            "月均流水",
            "对公流水",
            "月均流水（万元）",
            "对公流水月均（万元）",
        ],
        Kind::Wan,
        "单位：万元",
        14.0,
    ),
    col(
        "current_overdue",
        "当前逾期",
        &["是否当前逾期"],
        Kind::Bool,
        "是 / 否",
        8.0,
    ),
    col(
        "overdue_count_24m",
        "近24个月逾期次数",
        &["近两年逾期次数"],
        Kind::Int,
        "",
        10.0,
    ),
    col(
        "lian3lei6_24m",
        "连三累六",
        &["近24个月连三累六"],
        Kind::Bool,
        "是 / 否",
        8.0,
    ),
    col(
        "severe_record_5y",
        "严重不良记录",
        &["呆账代偿记录", "近5年严重不良"],
        Kind::Bool,
        "近 5 年呆账、代偿、资产处置等；是 / 否",
        10.0,
    ),
    col(
        "inquiries_1m",
        "近1个月查询次数",
        &["近1月查询"],
        Kind::Int,
        "贷款/信用卡/担保审批查询",
        10.0,
    ),
    col(
        "inquiries_3m",
        "近3个月查询次数",
        &["近3月查询"],
        Kind::Int,
        "不少于近 1 个月",
        10.0,
    ),
    col(
        "inquiries_6m",
        "近6个月查询次数",
        &["近6月查询"],
        Kind::Int,
        "不少于近 3 个月",
        10.0,
    ),
    col(
        "card_utilization_pct",
        "信用卡使用率(%)",
        &["信用卡使用率", "信用卡使用率（%）"],
        Kind::Percent,
        "0–1000，单位：%",
        10.0,
    ),
    col("credit_institutions", "授信机构数", &[], Kind::Int, "", 8.0),
    col("business_loan_count", "经营贷笔数", &[], Kind::Int, "", 8.0),
    col(
        "business_loan_balance_wan",
        "经营贷余额(万元)",
        &["经营贷余额", "经营贷余额（万元）"],
        Kind::Wan,
        "单位：万元",
        12.0,
    ),
    col(
        "dishonest_debtor",
        "失信被执行人",
        &["是否失信"],
        Kind::Bool,
        "是 / 否",
        8.0,
    ),
    col(
        "business_status",
        "经营状态",
        &["登记状态"],
        Kind::BusinessStatus,
        "存续、经营异常、吊销/注销",
        10.0,
    ),
    col(
        "main_business",
        "主营业务",
        &["经营范围"],
        Kind::Text,
        "",
        24.0,
    ),
    col(
        "industry",
        "行业",
        &["所属行业"],
        Kind::Text,
        "按国民经济行业分类填写，如 批发业",
        16.0,
    ),
    col(
        "loan_demand_wan",
        "贷款需求(万元)",
        &["贷款需求", "融资需求", "贷款需求（万元）"],
        Kind::Wan,
        "单位：万元",
        12.0,
    ),
    col(
        "collaterals",
        "抵押物",
        &["抵押物情况"],
        Kind::Collaterals,
        "每项：类型/评估价值万元/已抵押万元/持有起始日期/说明，多项用；分隔。例：住宅/380/120/2018-06-01/西湖区住宅",
        36.0,
    ),
    col("contact_name", "联系人", &[], Kind::Text, "", 10.0),
    col(
        "contact_phone",
        "联系电话",
        &["电话", "手机"],
        Kind::Text,
        "",
        14.0,
    ),
    col(
        "owner",
        "负责人",
        &["客户经理"],
        Kind::Owner,
        "负责员工的用户名",
        10.0,
    ),
    col(
        "stage",
        "跟进阶段",
        &["阶段"],
        Kind::Stage,
        "新客户、已联系、已诊断、改造中、申请中、已放款、已流失",
        10.0,
    ),
    col("notes", "备注", &["说明"], Kind::Text, "", 30.0),
    col(
        "latest_category",
        "最新分类",
        &[],
        Kind::ReadOnly,
        "导出时填写：最近一次诊断的 A/B/C，导入时忽略",
        8.0,
    ),
    col(
        "latest_total",
        "最新总分",
        &[],
        Kind::ReadOnly,
        "导出时填写，导入时忽略",
        8.0,
    ),
    col(
        "latest_recommended_wan",
        "推荐额度(万元)",
        &[],
        Kind::ReadOnly,
        "导出时填写，导入时忽略",
        12.0,
    ),
];

/// The seed plan's free-text credit columns are kept, as notes, rather than lost.
pub const NOTE_COLUMNS: &[&str] = &["法人征信", "企业征信"];

fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .replace(['（', '）'], "")
        .replace(['(', ')', ' ', '\u{3000}', '*'], "")
}

/// Finds the column for a header, ignoring brackets, spaces and a required-marker `*`.
pub fn find(header: &str) -> Option<&'static Column> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .find(|c| normalise(c.header) == h || c.aliases.iter().any(|a| normalise(a) == h))
}

/// The header positions whose cells an import reads: the first column of each editable field and
/// of each note header. Other cells are never stored, so a wide file costs no memory (a repeated
/// header is refused by the import anyway).
pub fn read_by_import(headers: &[String]) -> Vec<bool> {
    let mut seen = std::collections::HashSet::new();
    headers
        .iter()
        .map(|h| match find(h) {
            Some(c) => c.kind != Kind::ReadOnly && seen.insert(c.key),
            None => NOTE_COLUMNS.contains(&h.trim()) && seen.insert(h.trim()),
        })
        .collect()
}

pub fn labels(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Bool => vec!["是", "否"],
        Kind::TaxGrade => TaxGrade::ALL.iter().map(|g| g.label()).collect(),
        Kind::BusinessStatus => BusinessStatus::ALL.iter().map(|g| g.label()).collect(),
        Kind::Stage => Stage::ALL.iter().map(|g| g.label()).collect(),
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
        for c in COLUMNS {
            for name in std::iter::once(c.header).chain(c.aliases.iter().copied()) {
                if let Some(other) = owner.insert(normalise(name), c.key) {
                    assert_eq!(other, c.key, "{name} names both {other} and {}", c.key);
                }
            }
        }
    }
}
