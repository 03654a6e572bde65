//! Loan products as data: typed entry gates plus an amount formula (domain.md §2.5).

pub use crate::domain::vocab::ProductFamily;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::context::Ctx;
use super::facts::{BusinessStatus, CollateralKind, TaxGrade};
use super::rules::{IndustryClass, InquiryWindow};
use crate::domain::money::{fmt_num, fmt_wan, wan_to_yuan};

const DEFAULT_PRODUCTS_JSON: &str = include_str!("default_products.json");

impl ProductFamily {
    /// Secured products are outside the unsecured working-capital cap.
    pub fn is_secured(self) -> bool {
        matches!(self, Self::Mortgage)
    }
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Stable key, e.g. "tax_loan".
    pub id: String,
    pub name: String,
    pub family: ProductFamily,
    /// Named bank products quoted from third parties: shown as examples to verify.
    pub is_example: bool,
    #[serde(default = "default_true")]
    pub active: bool,
    /// All must pass; the first failing one is reported as the blocker.
    pub gates: Vec<Gate>,
    pub amount: AmountFormula,
    /// 起贷金额: estimates below this are not offered.
    pub min_wan: f64,
    pub max_wan: f64,
    /// Product-level limit on 企业+个人经营贷 including this loan (云税贷口径 500万).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_business_loans_wan: Option<f64>,
    pub last_verified_on: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
}

fn default_true() -> bool {
    true
}

impl Product {
    /// The shipped catalogue (generic families plus named examples).
    pub fn default_products() -> Vec<Product> {
        serde_json::from_str(DEFAULT_PRODUCTS_JSON)
            .expect("embedded default_products.json is valid")
    }

    pub fn default_products_json() -> &'static str {
        DEFAULT_PRODUCTS_JSON
    }
}

/// Typed entry conditions. Requirements on amounts/ages fail when the fact is unknown
/// ("资料待补充"); conditions about the absence of bad events pass when unknown, because
/// the diagnosis assumes a clean record and lists the field as missing.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Gate {
    MinCompanyAgeMonths {
        months: u32,
    },
    TaxGradeIn {
        grades: Vec<TaxGrade>,
    },
    TaxGradeNotIn {
        grades: Vec<TaxGrade>,
    },
    MinAnnualTax {
        min_wan: f64,
    },
    MinAnnualInvoice {
        min_wan: f64,
    },
    MaxInvoiceGapMonths {
        months: u32,
    },
    MinMonthlyFlow {
        min_wan: f64,
    },
    LegalPersonAgeBetween {
        min: u32,
        max: u32,
    },
    NoCurrentOverdue,
    NoSevereRecord,
    #[serde(rename = "no_lian3lei6")]
    NoLian3lei6,
    NoDishonestDebtor,
    MaxInquiries {
        window: InquiryWindow,
        max: u32,
    },
    MaxCreditInstitutions {
        max: u32,
    },
    MaxBusinessLoanCount {
        max: u32,
    },
    IndustryNotIn {
        classes: Vec<IndustryClass>,
    },
    BusinessStatusNormal,
    CollateralHeldMonths {
        months: u32,
    },
}

type GateResult = Result<(), String>;

fn require(ok: bool, reason: impl FnOnce() -> String) -> GateResult {
    if ok { Ok(()) } else { Err(reason()) }
}

fn missing(label: &str) -> String {
    format!("资料待补充：未提供{label}，无法判断是否满足准入条件")
}

fn grades_label(grades: &[TaxGrade]) -> String {
    grades
        .iter()
        .map(|g| g.label())
        .collect::<Vec<_>>()
        .join("/")
}

impl Gate {
    /// Stable id reported as the blocking gate.
    pub fn id(&self) -> String {
        let kind = match self {
            Self::MinCompanyAgeMonths { .. } => "min_company_age_months",
            Self::TaxGradeIn { .. } => "tax_grade_in",
            Self::TaxGradeNotIn { .. } => "tax_grade_not_in",
            Self::MinAnnualTax { .. } => "min_annual_tax",
            Self::MinAnnualInvoice { .. } => "min_annual_invoice",
            Self::MaxInvoiceGapMonths { .. } => "max_invoice_gap_months",
            Self::MinMonthlyFlow { .. } => "min_monthly_flow",
            Self::LegalPersonAgeBetween { .. } => "legal_person_age_between",
            Self::NoCurrentOverdue => "no_current_overdue",
            Self::NoSevereRecord => "no_severe_record",
            Self::NoLian3lei6 => "no_lian3lei6",
            Self::NoDishonestDebtor => "no_dishonest_debtor",
            Self::MaxInquiries { window, .. } => {
                return format!("max_inquiries_{}", window_suffix(*window));
            }
            Self::MaxCreditInstitutions { .. } => "max_credit_institutions",
            Self::MaxBusinessLoanCount { .. } => "max_business_loan_count",
            Self::IndustryNotIn { .. } => "industry_not_in",
            Self::BusinessStatusNormal => "business_status_normal",
            Self::CollateralHeldMonths { .. } => "collateral_held_months",
        };
        kind.to_owned()
    }

    /// Ok when the gate passes, otherwise the plain-words Chinese reason it blocks.
    pub fn check(&self, ctx: &Ctx) -> GateResult {
        let f = ctx.facts;
        match self {
            Self::MinCompanyAgeMonths { months } => min_company_age(ctx.company_age_m, *months),
            Self::TaxGradeIn { grades } => tax_grade_in(f.grade(), grades),
            Self::TaxGradeNotIn { grades } => require(!grades.contains(&f.grade()), || {
                format!("纳税信用{}，该产品不受理", f.grade().label())
            }),
            Self::MinAnnualTax { min_wan } => {
                min_money(f.annual_tax_yuan, *min_wan, "annual_tax_wan")
            }
            Self::MinAnnualInvoice { min_wan } => {
                min_money(f.annual_invoice_yuan, *min_wan, "annual_invoice_wan")
            }
            Self::MinMonthlyFlow { min_wan } => {
                min_money(f.monthly_flow_yuan, *min_wan, "monthly_flow_wan")
            }
            Self::MaxInvoiceGapMonths { months } => {
                require(f.invoice_gap_months.is_none_or(|g| g <= *months), || {
                    format!(
                        "近12个月断票{}个月，超过产品允许的{months}个月",
                        f.invoice_gap_months.unwrap_or(0)
                    )
                })
            }
            Self::LegalPersonAgeBetween { min, max } => require(
                f.legal_person_age
                    .is_none_or(|a| (*min..=*max).contains(&a)),
                || {
                    format!(
                        "法人年龄{}岁，不在产品要求的{min}–{max}岁之间",
                        f.legal_person_age.unwrap_or(0)
                    )
                },
            ),
            Self::NoCurrentOverdue => require(f.current_overdue != Some(true), || {
                "征信存在当前逾期，需结清后再申请".to_owned()
            }),
            Self::NoSevereRecord => require(f.severe_record_5y != Some(true), || {
                "近5年征信有呆账/代偿等严重不良记录".to_owned()
            }),
            Self::NoLian3lei6 => require(f.lian3lei6_24m != Some(true), || {
                "近2年征信有“连三累六”逾期".to_owned()
            }),
            Self::NoDishonestDebtor => require(f.dishonest_debtor != Some(true), || {
                "企业或法人为失信被执行人".to_owned()
            }),
            Self::MaxInquiries { window, max } => {
                let n = ctx.inquiries(*window);
                require(n.is_none_or(|v| v <= *max), || {
                    let label = window.label();
                    format!("{label}征信查询{}次，超过产品上限{max}次", n.unwrap_or(0))
                })
            }
            Self::MaxCreditInstitutions { max } => {
                max_count(f.credit_institutions, *max, "信用类贷款机构", "家")
            }
            Self::MaxBusinessLoanCount { max } => {
                max_count(f.business_loan_count, *max, "已有经营贷", "笔")
            }
            Self::IndustryNotIn { classes } => require(
                ctx.industry_class.is_none_or(|c| !classes.contains(&c)),
                || {
                    format!(
                        "所属行业为{}，该产品不受理",
                        ctx.industry_class.map_or("", |c| c.label())
                    )
                },
            ),
            Self::BusinessStatusNormal => require(
                f.business_status
                    .is_none_or(|s| s == BusinessStatus::Normal),
                || {
                    format!(
                        "企业工商状态为{}，无法申请",
                        f.business_status.map_or("", |s| s.label())
                    )
                },
            ),
            Self::CollateralHeldMonths { months } => collateral_held(ctx, *months),
        }
    }
}

fn window_suffix(w: InquiryWindow) -> &'static str {
    match w {
        InquiryWindow::M1 => "1m",
        InquiryWindow::M3 => "3m",
        InquiryWindow::M6 => "6m",
    }
}

fn min_company_age(age: Option<u32>, months: u32) -> GateResult {
    match age {
        None => Err(missing("企业成立日期")),
        Some(a) => require(a >= months, || {
            format!("企业成立{a}个月，未满产品要求的{months}个月")
        }),
    }
}

fn tax_grade_in(grade: TaxGrade, grades: &[TaxGrade]) -> GateResult {
    if grade == TaxGrade::Unknown {
        return Err(missing("纳税信用等级"));
    }
    require(grades.contains(&grade), || {
        format!(
            "纳税信用{}，产品要求{}",
            grade.label(),
            grades_label(grades)
        )
    })
}

/// `field` is the API name; the reason names it as the field catalogue does.
fn min_money(value: Option<i64>, min_wan: f64, field: &str) -> GateResult {
    use crate::domain::fields::label;
    let min = wan_to_yuan(min_wan);
    match value {
        None => Err(missing(&label(field))),
        Some(v) => require(v >= min, || {
            format!(
                "{}{}，低于产品门槛{}",
                label(field),
                fmt_wan(v),
                fmt_wan(min)
            )
        }),
    }
}

fn max_count(value: Option<u32>, max: u32, label: &str, unit: &str) -> GateResult {
    require(value.is_none_or(|v| v <= max), || {
        format!(
            "{label}{}{unit}，超过产品上限{max}{unit}",
            value.unwrap_or(0)
        )
    })
}

fn collateral_held(ctx: &Ctx, months: u32) -> GateResult {
    let cs = &ctx.facts.collaterals;
    if cs.is_empty() {
        return Err("没有可抵押的房产或土地".to_owned());
    }
    // Unknown holding dates are assumed long enough (listed as missing), like other facts.
    let ok = cs
        .iter()
        .any(|c| ctx.held_months(c).is_none_or(|m| m >= months));
    require(ok, || {
        format!("抵押物持有未满{months}个月，监管要求加强审核，暂不受理")
    })
}

/// How the credit line is sized.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AmountFormula {
    /// annual tax × multiple for the tax grade (grades without a multiple get 0).
    TaxMultiple { multiples: BTreeMap<TaxGrade, f64> },
    /// annual invoice × ratio.
    InvoiceRatio { ratio: f64 },
    /// monthly flow × multiple.
    FlowMultiple { multiple: f64 },
    /// Σ max(0, appraisal × `LTV[kind]` − lien) over collaterals held ≥ `min_held_months`.
    CollateralLtv {
        ltv: BTreeMap<CollateralKind, f64>,
        min_held_months: u32,
    },
}

impl AmountFormula {
    /// Raw estimate in 元 before caps; Err with a reason when an input is missing.
    pub fn estimate(&self, ctx: &Ctx) -> Result<i64, String> {
        let f = ctx.facts;
        match self {
            Self::TaxMultiple { multiples } => {
                let tax = f.annual_tax_yuan.ok_or_else(|| missing("annual_tax_wan"))?;
                let m = multiples.get(&f.grade()).copied().unwrap_or(0.0);
                Ok(scale(tax, m))
            }
            Self::InvoiceRatio { ratio } => {
                let inv = f
                    .annual_invoice_yuan
                    .ok_or_else(|| missing("annual_invoice_wan"))?;
                Ok(scale(inv, *ratio))
            }
            Self::FlowMultiple { multiple } => {
                let flow = f
                    .monthly_flow_yuan
                    .ok_or_else(|| missing("monthly_flow_wan"))?;
                Ok(scale(flow, *multiple))
            }
            Self::CollateralLtv {
                ltv,
                min_held_months,
            } => Ok(collateral_equity(ctx, ltv, Some(*min_held_months))),
        }
    }

    /// Parameter description for explanations, e.g. "年纳税 × 6 倍".
    pub fn describe(&self, grade: TaxGrade) -> String {
        match self {
            Self::TaxMultiple { multiples } => {
                format!(
                    "近12个月纳税 × {} 倍",
                    fmt_num(multiples.get(&grade).copied().unwrap_or(0.0))
                )
            }
            Self::InvoiceRatio { ratio } => format!("近12个月开票 × {}%", fmt_num(ratio * 100.0)),
            Self::FlowMultiple { multiple } => format!("对公流水月均 × {} 倍", fmt_num(*multiple)),
            Self::CollateralLtv { .. } => "抵押物评估值 × 抵押率 − 已有抵押余额".to_owned(),
        }
    }
}

/// Rounds toward zero: an estimate must never overstate what the formula gives.
fn scale(yuan: i64, factor: f64) -> i64 {
    (yuan.max(0) as f64 * factor).floor() as i64
}

/// Net collateral equity in 元. Each item is floored at 0 so an over-mortgaged property
/// does not cancel another one; collaterals with unknown appraisal count as 0 and ones
/// held less than `min_held` months are excluded (unknown holding dates are included).
pub fn collateral_equity(
    ctx: &Ctx,
    ltv: &BTreeMap<CollateralKind, f64>,
    min_held: Option<u32>,
) -> i64 {
    ctx.facts
        .collaterals
        .iter()
        .filter(|c| min_held.is_none_or(|m| ctx.held_months(c).is_none_or(|h| h >= m)))
        .map(|c| {
            let gross = scale(
                c.appraisal_yuan.unwrap_or(0),
                ltv.get(&c.kind).copied().unwrap_or(0.0),
            );
            (gross - c.lien_yuan.unwrap_or(0).max(0)).max(0)
        })
        .sum()
}

/// Outcome of one product for one customer (amounts in 元).
#[derive(Clone, Debug, PartialEq)]
pub struct ProductEval {
    pub estimate_yuan: i64,
    /// (gate id, Chinese reason) of the first blocker; None when eligible.
    pub blocker: Option<(String, String)>,
}

impl ProductEval {
    pub fn eligible(&self) -> bool {
        self.blocker.is_none()
    }

    fn blocked(id: impl Into<String>, reason: String) -> Self {
        ProductEval {
            estimate_yuan: 0,
            blocker: Some((id.into(), reason)),
        }
    }
}

/// Gates first (the first failing gate is the blocker), then formula, caps and 起贷金额.
pub fn evaluate_product(p: &Product, ctx: &Ctx) -> ProductEval {
    if let Some((gate, reason)) = p
        .gates
        .iter()
        .find_map(|g| g.check(ctx).err().map(|r| (g, r)))
    {
        return ProductEval::blocked(gate.id(), reason);
    }
    let raw = match p.amount.estimate(ctx) {
        Ok(v) => v,
        Err(reason) => return ProductEval::blocked("amount_input", reason),
    };
    let mut est = raw.min(wan_to_yuan(p.max_wan));
    if let Some(limit_wan) = p.max_total_business_loans_wan {
        let room = wan_to_yuan(limit_wan) - ctx.facts.business_loan_balance_yuan.unwrap_or(0);
        if room <= 0 {
            return ProductEval::blocked(
                "max_total_business_loans",
                format!(
                    "已有经营贷余额已达产品上限{}（企业+个人经营贷合计）",
                    fmt_wan(wan_to_yuan(limit_wan))
                ),
            );
        }
        est = est.min(room);
    }
    let min = wan_to_yuan(p.min_wan);
    if est <= 0 || est < min {
        let reason = if est <= 0 {
            format!("按{}测算可贷额度为0", p.amount.describe(ctx.facts.grade()))
        } else {
            format!("测算额度{}，低于产品起贷金额{}", fmt_wan(est), fmt_wan(min))
        };
        return ProductEval::blocked("min_amount", reason);
    }
    ProductEval {
        estimate_yuan: est,
        blocker: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::engine::facts::{Collateral, Facts};
    use crate::domain::engine::testkit::*;

    fn eval(id: &str, f: &Facts) -> ProductEval {
        let rules = rules();
        let p = products().into_iter().find(|p| p.id == id).unwrap();
        evaluate_product(&p, &Ctx::new(f, &rules, today()))
    }

    type Edit = fn(&mut Facts);

    /// (product, edit to the strong customer, blocking gate id)
    const GATE_CASES: &[(&str, Edit, &str)] = &[
        (
            "tax_loan",
            |f| f.established_on = Some(date(2024, 12, 26)),
            "min_company_age_months",
        ),
        (
            "tax_loan",
            |f| f.established_on = None,
            "min_company_age_months",
        ),
        (
            "tax_loan",
            |f| f.tax_grade = Some(TaxGrade::C),
            "tax_grade_in",
        ),
        ("tax_loan", |f| f.tax_grade = None, "tax_grade_in"),
        (
            "tax_loan",
            |f| f.annual_tax_yuan = w(2.99),
            "min_annual_tax",
        ),
        ("tax_loan", |f| f.annual_tax_yuan = None, "min_annual_tax"),
        (
            "tax_loan",
            |f| f.legal_person_age = Some(66),
            "legal_person_age_between",
        ),
        (
            "tax_loan",
            |f| f.current_overdue = Some(true),
            "no_current_overdue",
        ),
        (
            "tax_loan",
            |f| f.severe_record_5y = Some(true),
            "no_severe_record",
        ),
        ("tax_loan", |f| f.lian3lei6_24m = Some(true), "no_lian3lei6"),
        (
            "tax_loan",
            |f| f.dishonest_debtor = Some(true),
            "no_dishonest_debtor",
        ),
        ("tax_loan", |f| f.inquiries_1m = Some(4), "max_inquiries_1m"),
        ("tax_loan", |f| f.inquiries_3m = Some(7), "max_inquiries_3m"),
        (
            "tax_loan",
            |f| f.inquiries_6m = Some(11),
            "max_inquiries_6m",
        ),
        (
            "tax_loan",
            |f| f.industry = Some("小额贷款".into()),
            "industry_not_in",
        ),
        (
            "tax_loan",
            |f| f.business_status = Some(BusinessStatus::Abnormal),
            "business_status_normal",
        ),
        (
            "tax_loan",
            |f| f.business_loan_balance_yuan = w(500.0),
            "max_total_business_loans",
        ),
        (
            "invoice_loan",
            |f| f.established_on = Some(date(2025, 6, 26)),
            "min_company_age_months",
        ),
        (
            "invoice_loan",
            |f| f.annual_invoice_yuan = w(59.99),
            "min_annual_invoice",
        ),
        (
            "invoice_loan",
            |f| f.invoice_gap_months = Some(4),
            "max_invoice_gap_months",
        ),
        (
            "invoice_loan",
            |f| f.tax_grade = Some(TaxGrade::C),
            "tax_grade_not_in",
        ),
        (
            "invoice_loan",
            |f| f.tax_grade = Some(TaxGrade::D),
            "tax_grade_not_in",
        ),
        (
            "flow_loan",
            |f| f.established_on = Some(date(2025, 12, 26)),
            "min_company_age_months",
        ),
        (
            "flow_loan",
            |f| f.monthly_flow_yuan = w(9.99),
            "min_monthly_flow",
        ),
        (
            "flow_loan",
            |f| f.monthly_flow_yuan = None,
            "min_monthly_flow",
        ),
        (
            "mortgage_loan",
            |f| f.collaterals.clear(),
            "collateral_held_months",
        ),
        (
            "mortgage_loan",
            |f| f.collaterals[0].held_since = Some(date(2025, 11, 26)),
            "collateral_held_months",
        ),
        (
            "mortgage_loan",
            |f| f.current_overdue = Some(true),
            "no_current_overdue",
        ),
        (
            "mortgage_loan",
            |f| f.collaterals[0].appraisal_yuan = w(14.0),
            "min_amount",
        ),
        (
            "credit_loan",
            |f| f.annual_invoice_yuan = w(29.0),
            "min_annual_invoice",
        ),
        (
            "credit_loan",
            |f| f.credit_institutions = Some(4),
            "max_credit_institutions",
        ),
        (
            "ccb_yunshuidai",
            |f| f.legal_person_age = Some(61),
            "legal_person_age_between",
        ),
        (
            "ccb_yunshuidai",
            |f| f.business_loan_count = Some(3),
            "max_business_loan_count",
        ),
        (
            "ccb_yunshuidai",
            |f| f.tax_grade = Some(TaxGrade::M),
            "tax_grade_in",
        ),
        (
            "abc_nashui_edai",
            |f| f.annual_tax_yuan = w(0.99),
            "min_annual_tax",
        ),
        (
            "psbc_xiaowei_yidai",
            |f| f.annual_invoice_yuan = w(499.0),
            "min_annual_invoice",
        ),
        (
            "webank_weiyedai",
            |f| f.annual_invoice_yuan = w(99.0),
            "min_annual_invoice",
        ),
        (
            "webank_weiyedai",
            |f| f.established_on = Some(date(2024, 12, 26)),
            "min_company_age_months",
        ),
    ];

    #[test]
    fn every_gate_blocks_with_a_reason() {
        for (id, edit, gate) in GATE_CASES {
            let e = eval(id, &strong_with(*edit));
            let (got, reason) = e
                .blocker
                .clone()
                .unwrap_or_else(|| panic!("{id}/{gate} passed"));
            assert_eq!(&got, gate, "{id}: {reason}");
            assert!(!reason.is_empty());
            assert_eq!(e.estimate_yuan, 0);
        }
    }

    #[test]
    fn strong_customer_passes_every_product() {
        for p in products() {
            assert!(eval(&p.id, &strong()).eligible(), "{}", p.id);
        }
    }

    #[test]
    fn gate_edges_pass_exactly_at_the_threshold() {
        let cases: &[(&str, Edit)] = &[
            ("tax_loan", |f| f.established_on = Some(date(2024, 11, 25))),
            ("tax_loan", |f| f.annual_tax_yuan = w(3.0)),
            ("invoice_loan", |f| f.annual_invoice_yuan = w(60.0)),
            ("invoice_loan", |f| f.invoice_gap_months = Some(3)),
            ("flow_loan", |f| f.monthly_flow_yuan = w(10.0)),
            ("mortgage_loan", |f| {
                f.collaterals[0].held_since = Some(date(2025, 11, 25))
            }),
            ("mortgage_loan", |f| f.lian3lei6_24m = Some(true)),
            ("tax_loan", |f| f.current_overdue = None),
            ("tax_loan", |f| f.inquiries_1m = Some(3)),
            ("abc_nashui_edai", |f| f.annual_tax_yuan = w(1.0)),
        ];
        for (id, edit) in cases {
            let e = eval(id, &strong_with(*edit));
            assert!(e.eligible(), "{id}: {:?}", e.blocker);
        }
    }

    #[test]
    fn amount_formulas() {
        let cases: &[(&str, Edit, f64)] = &[
            ("tax_loan", |_| {}, 240.0),                              // 30 × 8 (A)
            ("tax_loan", |f| f.tax_grade = Some(TaxGrade::B), 180.0), // 30 × 6
            ("tax_loan", |f| f.tax_grade = Some(TaxGrade::M), 90.0),  // 30 × 3
            ("tax_loan", |f| f.annual_tax_yuan = w(50.0), 300.0),     // 400 capped at 300
            (
                "tax_loan",
                |f| f.business_loan_balance_yuan = w(400.0),
                100.0,
            ), // 500 − 400 room
            ("ccb_yunshuidai", |f| f.annual_tax_yuan = w(5.0), 40.0),
            ("invoice_loan", |_| {}, 120.0), // 1200 × 10 %
            ("invoice_loan", |f| f.annual_invoice_yuan = w(3000.0), 200.0),
            ("flow_loan", |_| {}, 180.0), // 120 × 1.5
            ("flow_loan", |f| f.monthly_flow_yuan = w(200.0), 200.0),
            ("credit_loan", |_| {}, 60.0), // 1200 × 5 %
            ("webank_weiyedai", |_| {}, 120.0),
            ("psbc_xiaowei_yidai", |_| {}, 120.0),
            ("mortgage_loan", |_| {}, 350.0), // 500 × 0.7
            (
                "mortgage_loan",
                |f| {
                    f.collaterals[0].lien_yuan = w(100.0);
                    f.collaterals.push(Collateral {
                        kind: CollateralKind::Industrial,
                        appraisal_yuan: w(1000.0),
                        lien_yuan: w(600.0),
                        held_since: Some(date(2020, 1, 1)),
                    });
                },
                250.0, // (350 − 100) + max(0, 450 − 600)
            ),
            (
                "mortgage_loan",
                |f| {
                    f.collaterals.push(Collateral {
                        kind: CollateralKind::Commercial,
                        appraisal_yuan: w(200.0),
                        lien_yuan: None,
                        held_since: Some(date(2026, 6, 1)), // too recent: excluded
                    });
                },
                350.0,
            ),
        ];
        for (id, edit, want) in cases {
            let e = eval(id, &strong_with(*edit));
            assert_eq!(e.estimate_yuan, wan_to_yuan(*want), "{id} {:?}", e.blocker);
        }
    }

    #[test]
    fn defaults_make_the_documented_tax_example_hold() {
        // domain.md §2.6: B grade, tax 2万 → 5万 moves the tax-loan estimate 0 → 30万.
        let at = |tax: f64| {
            eval(
                "tax_loan",
                &strong_with(|f| {
                    f.tax_grade = Some(TaxGrade::B);
                    f.annual_tax_yuan = w(tax);
                }),
            )
        };
        assert_eq!(at(2.0).blocker.unwrap().0, "min_annual_tax");
        assert_eq!(at(5.0).estimate_yuan, wan_to_yuan(30.0));
    }

    #[test]
    fn examples_are_marked_and_generics_dated() {
        for p in products() {
            if p.is_example {
                assert!(
                    p.notes.contains("示例") && p.name.contains("示例"),
                    "{}",
                    p.id
                );
                assert!(p.last_verified_on.is_none());
            } else {
                assert!(p.last_verified_on.is_some());
            }
        }
        let families: std::collections::BTreeSet<_> = products().iter().map(|p| p.family).collect();
        assert_eq!(families.len(), 5);
    }

    #[test]
    fn gate_ids_are_stable() {
        let g = Gate::MaxInquiries {
            window: InquiryWindow::M3,
            max: 6,
        };
        assert_eq!(g.id(), "max_inquiries_3m");
        let json = serde_json::to_string(&Gate::MinAnnualTax { min_wan: 3.0 }).unwrap();
        assert_eq!(json, r#"{"kind":"min_annual_tax","min_wan":3.0}"#);
    }
}
