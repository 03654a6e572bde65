//! The customer (企业客户) as the API sees it, and its validation. Unknown facts are `null`, never 0.

use chrono::NaiveDate;
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;
use serde::{Deserialize, Serialize};

use super::uscc;
pub use super::vocab::{BusinessStatus, CollateralKind, Stage, TaxGrade};

#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Collateral {
    pub kind: CollateralKind,
    /// Free text, e.g. the address.
    #[oai(nullable)]
    pub description: Option<String>,
    /// 评估价值（万元）
    #[oai(nullable)]
    pub appraisal_wan: Option<f64>,
    /// 已抵押余额（万元）
    #[oai(nullable)]
    pub lien_wan: Option<f64>,
    /// 持有起始日期
    #[oai(nullable)]
    pub held_since: Option<NaiveDate>,
}

/// Everything a broker records about a customer; `null` means "not known yet".
#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct CustomerInput {
    /// 企业名称 (required; an empty or missing name is refused with a field error)
    #[oai(default)]
    #[serde(default)]
    pub name: String,
    /// 统一社会信用代码 (checked against GB 32100)
    #[oai(nullable)]
    pub uscc: Option<String>,
    #[oai(nullable)]
    pub established_on: Option<NaiveDate>,
    #[oai(nullable)]
    pub reg_capital_wan: Option<f64>,
    #[oai(nullable)]
    pub legal_person: Option<String>,
    #[oai(nullable)]
    pub legal_person_age: Option<i64>,
    #[oai(nullable)]
    pub annual_invoice_wan: Option<f64>,
    /// 近 12 个月断票月数
    #[oai(nullable)]
    pub invoice_gap_months: Option<i64>,
    #[oai(nullable)]
    pub annual_tax_wan: Option<f64>,
    #[oai(nullable)]
    pub tax_grade: Option<TaxGrade>,
    /// 对公流水月均（万元）
    #[oai(nullable)]
    pub monthly_flow_wan: Option<f64>,
    #[oai(nullable)]
    pub current_overdue: Option<bool>,
    #[oai(nullable)]
    pub overdue_count_24m: Option<i64>,
    /// 近 24 个月是否有"连三累六"
    #[oai(nullable)]
    pub lian3lei6_24m: Option<bool>,
    /// 近 5 年呆账 / 代偿 / 资产处置等严重记录
    #[oai(nullable)]
    pub severe_record_5y: Option<bool>,
    #[oai(nullable)]
    pub inquiries_1m: Option<i64>,
    #[oai(nullable)]
    pub inquiries_3m: Option<i64>,
    #[oai(nullable)]
    pub inquiries_6m: Option<i64>,
    #[oai(nullable)]
    pub card_utilization_pct: Option<f64>,
    #[oai(nullable)]
    pub credit_institutions: Option<i64>,
    #[oai(nullable)]
    pub business_loan_count: Option<i64>,
    #[oai(nullable)]
    pub business_loan_balance_wan: Option<f64>,
    /// 失信被执行人
    #[oai(nullable)]
    pub dishonest_debtor: Option<bool>,
    #[oai(nullable)]
    pub business_status: Option<BusinessStatus>,
    #[oai(nullable)]
    pub main_business: Option<String>,
    #[oai(nullable)]
    pub industry: Option<String>,
    #[oai(nullable)]
    pub loan_demand_wan: Option<f64>,
    #[oai(default)]
    #[serde(default)]
    pub collaterals: Vec<Collateral>,
    #[oai(nullable)]
    pub contact_name: Option<String>,
    #[oai(nullable)]
    pub contact_phone: Option<String>,
    #[oai(nullable)]
    pub owner_id: Option<i64>,
    #[oai(default)]
    #[serde(default)]
    pub stage: Stage,
    #[oai(nullable)]
    pub notes: Option<String>,
}

/// A field-level validation failure: the API field name and a Chinese message.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

const MAX_WAN: f64 = 10_000_000.0; // 1,000 亿元: beyond any SME's figures, below f64 trouble

fn text(
    field: &str,
    label: &str,
    value: &mut Option<String>,
    max: usize,
) -> Result<(), FieldError> {
    if let Some(v) = value.as_mut() {
        let trimmed = v.trim().to_string();
        if trimmed.is_empty() {
            *value = None;
        } else if trimmed.chars().count() > max {
            return Err(FieldError::new(
                field,
                format!("{label}不能超过 {max} 个字符"),
            ));
        } else if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(FieldError::new(
                field,
                format!("{label}含有不可见的控制字符"),
            ));
        } else {
            *v = trimmed;
        }
    }
    Ok(())
}

fn wan(field: &str, label: &str, value: Option<f64>) -> Result<(), FieldError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => {
            Err(FieldError::new(field, format!("{label}不能为负数")))
        }
        Some(v) if v > MAX_WAN => Err(FieldError::new(
            field,
            format!("{label}超出合理范围（单位为万元）"),
        )),
        _ => Ok(()),
    }
}

fn int(field: &str, label: &str, value: Option<i64>, min: i64, max: i64) -> Result<(), FieldError> {
    match value {
        Some(v) if v < min || v > max => Err(FieldError::new(
            field,
            format!("{label}应在 {min} 到 {max} 之间"),
        )),
        _ => Ok(()),
    }
}

fn date(
    field: &str,
    label: &str,
    value: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let earliest = NaiveDate::from_ymd_opt(1949, 1, 1).expect("valid date");
    match value {
        Some(d) if d > today => Err(FieldError::new(field, format!("{label}不能晚于今天"))),
        Some(d) if d < earliest => Err(FieldError::new(
            field,
            format!("{label}早于 1949 年，请核对"),
        )),
        _ => Ok(()),
    }
}

impl CustomerInput {
    /// Normalises text (trim, empty → null) and checks every field; the first error wins.
    pub fn validate(&mut self, today: NaiveDate) -> Result<(), FieldError> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() {
            return Err(FieldError::new("name", "企业名称不能为空"));
        }
        let mut name = Some(self.name.clone());
        text("name", "企业名称", &mut name, 100)?;
        if let Some(code) = self
            .uscc
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            self.uscc = Some(uscc::parse(code).map_err(|m| FieldError::new("uscc", m))?);
        } else {
            self.uscc = None;
        }
        text("legal_person", "法人", &mut self.legal_person, 50)?;
        text("main_business", "主营业务", &mut self.main_business, 500)?;
        text("industry", "行业", &mut self.industry, 50)?;
        text("contact_name", "联系人", &mut self.contact_name, 50)?;
        text("contact_phone", "联系电话", &mut self.contact_phone, 30)?;
        text("notes", "备注", &mut self.notes, 5000)?;
        if let Some(phone) = &self.contact_phone
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || "+- ()".contains(c))
        {
            return Err(FieldError::new(
                "contact_phone",
                "联系电话只能包含数字、空格、+、-、括号",
            ));
        }
        date("established_on", "成立日期", self.established_on, today)?;
        wan("reg_capital_wan", "注册资本", self.reg_capital_wan)?;
        wan("annual_invoice_wan", "年开票额", self.annual_invoice_wan)?;
        wan("annual_tax_wan", "年纳税额", self.annual_tax_wan)?;
        wan("monthly_flow_wan", "对公流水月均", self.monthly_flow_wan)?;
        wan(
            "business_loan_balance_wan",
            "经营贷余额",
            self.business_loan_balance_wan,
        )?;
        wan("loan_demand_wan", "贷款需求", self.loan_demand_wan)?;
        int(
            "legal_person_age",
            "法人年龄",
            self.legal_person_age,
            18,
            100,
        )?;
        int(
            "invoice_gap_months",
            "断票月数",
            self.invoice_gap_months,
            0,
            12,
        )?;
        int(
            "overdue_count_24m",
            "近 24 个月逾期次数",
            self.overdue_count_24m,
            0,
            999,
        )?;
        int(
            "inquiries_1m",
            "近 1 个月查询次数",
            self.inquiries_1m,
            0,
            999,
        )?;
        int(
            "inquiries_3m",
            "近 3 个月查询次数",
            self.inquiries_3m,
            0,
            999,
        )?;
        int(
            "inquiries_6m",
            "近 6 个月查询次数",
            self.inquiries_6m,
            0,
            999,
        )?;
        int(
            "credit_institutions",
            "授信机构数",
            self.credit_institutions,
            0,
            999,
        )?;
        int(
            "business_loan_count",
            "经营贷笔数",
            self.business_loan_count,
            0,
            999,
        )?;
        self.check_inquiry_windows()?;
        if let Some(p) = self.card_utilization_pct
            && !(p.is_finite() && (0.0..=1000.0).contains(&p))
        {
            return Err(FieldError::new(
                "card_utilization_pct",
                "信用卡使用率应在 0 到 1000（%）之间",
            ));
        }
        self.validate_collaterals(today)
    }

    /// A longer window always contains the shorter one.
    fn check_inquiry_windows(&self) -> Result<(), FieldError> {
        let windows = [
            ("inquiries_1m", self.inquiries_1m),
            ("inquiries_3m", self.inquiries_3m),
            ("inquiries_6m", self.inquiries_6m),
        ];
        for pair in windows.windows(2) {
            if let ((_, Some(short)), (field, Some(long))) = (pair[0], pair[1])
                && long < short
            {
                return Err(FieldError::new(
                    field,
                    "较长时间段的查询次数不能少于较短时间段",
                ));
            }
        }
        Ok(())
    }

    fn validate_collaterals(&mut self, today: NaiveDate) -> Result<(), FieldError> {
        if self.collaterals.len() > 50 {
            return Err(FieldError::new("collaterals", "抵押物最多 50 项"));
        }
        for (i, c) in self.collaterals.iter_mut().enumerate() {
            let f = |name: &str| format!("collaterals[{i}].{name}");
            text(&f("description"), "抵押物说明", &mut c.description, 200)?;
            wan(&f("appraisal_wan"), "评估价值", c.appraisal_wan)?;
            wan(&f("lien_wan"), "已抵押余额", c.lien_wan)?;
            date(&f("held_since"), "持有起始日期", c.held_since, today)?;
        }
        Ok(())
    }
}

/// A stored customer: the recorded facts plus bookkeeping and the latest diagnosis summary.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    #[oai(flatten)]
    #[serde(flatten)]
    pub data: CustomerInput,
    /// A / B / C of the latest diagnosis, if any.
    #[oai(nullable)]
    pub latest_category: Option<String>,
    #[oai(nullable)]
    pub latest_total: Option<f64>,
    #[oai(nullable)]
    pub latest_recommended_wan: Option<f64>,
    #[oai(nullable)]
    pub latest_diagnosis_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Set when the customer is in the recycle bin (soft-deleted).
    #[oai(nullable)]
    pub deleted_at: Option<String>,
}

impl Customer {
    /// A customer that is not stored (templates, round-trip tests, benches): no id, no diagnosis.
    pub fn unsaved(id: i64, data: CustomerInput) -> Self {
        Self {
            id,
            data,
            latest_category: None,
            latest_total: None,
            latest_recommended_wan: None,
            latest_diagnosis_id: None,
            created_at: String::new(),
            updated_at: String::new(),
            deleted_at: None,
        }
    }
}

/// A partial change: absent fields keep their value, `null` clears a fact back to "unknown".
#[derive(Object, Debug, Clone, Default)]
pub struct CustomerPatch {
    pub name: MaybeUndefined<String>,
    pub uscc: MaybeUndefined<String>,
    pub established_on: MaybeUndefined<NaiveDate>,
    pub reg_capital_wan: MaybeUndefined<f64>,
    pub legal_person: MaybeUndefined<String>,
    pub legal_person_age: MaybeUndefined<i64>,
    pub annual_invoice_wan: MaybeUndefined<f64>,
    pub invoice_gap_months: MaybeUndefined<i64>,
    pub annual_tax_wan: MaybeUndefined<f64>,
    pub tax_grade: MaybeUndefined<TaxGrade>,
    pub monthly_flow_wan: MaybeUndefined<f64>,
    pub current_overdue: MaybeUndefined<bool>,
    pub overdue_count_24m: MaybeUndefined<i64>,
    pub lian3lei6_24m: MaybeUndefined<bool>,
    pub severe_record_5y: MaybeUndefined<bool>,
    pub inquiries_1m: MaybeUndefined<i64>,
    pub inquiries_3m: MaybeUndefined<i64>,
    pub inquiries_6m: MaybeUndefined<i64>,
    pub card_utilization_pct: MaybeUndefined<f64>,
    pub credit_institutions: MaybeUndefined<i64>,
    pub business_loan_count: MaybeUndefined<i64>,
    pub business_loan_balance_wan: MaybeUndefined<f64>,
    pub dishonest_debtor: MaybeUndefined<bool>,
    pub business_status: MaybeUndefined<BusinessStatus>,
    pub main_business: MaybeUndefined<String>,
    pub industry: MaybeUndefined<String>,
    pub loan_demand_wan: MaybeUndefined<f64>,
    pub collaterals: MaybeUndefined<Vec<Collateral>>,
    pub contact_name: MaybeUndefined<String>,
    pub contact_phone: MaybeUndefined<String>,
    pub owner_id: MaybeUndefined<i64>,
    pub stage: MaybeUndefined<Stage>,
    pub notes: MaybeUndefined<String>,
}

impl CustomerPatch {
    /// Applies the fields that are present; the result still needs `validate`.
    pub fn apply(&self, current: &CustomerInput) -> Result<CustomerInput, FieldError> {
        use poem_openapi::types::{ParseFromJSON, ToJSON};
        let mut merged = current.to_json().unwrap_or_default();
        if let (Some(target), Some(serde_json::Value::Object(changes))) =
            (merged.as_object_mut(), self.to_json())
        {
            for (key, value) in changes {
                // Lists and the stage have no "unknown": null means empty / default.
                let value = match (key.as_str(), value) {
                    ("collaterals", serde_json::Value::Null) => serde_json::Value::Array(vec![]),
                    ("stage", serde_json::Value::Null) => {
                        serde_json::Value::String(Stage::New.code().into())
                    }
                    ("name", serde_json::Value::Null) => serde_json::Value::String(String::new()),
                    (_, v) => v,
                };
                target.insert(key, value);
            }
        }
        CustomerInput::parse_from_json(Some(merged))
            .map_err(|e| FieldError::new("body", format!("修改内容无效：{}", e.into_message())))
    }
}
