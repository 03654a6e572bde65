//! Loan products as data: typed entry gates plus an amount formula (domain.md §2.5).

pub use crate::domain::vocab::ProductFamily;
pub use crate::domain::vocab::RepaymentMethod;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::context::Ctx;
use super::facts::{BusinessStatus, CollateralKind, TaxGrade};
use super::rules::{IndustryClass, InquiryWindow};
use crate::domain::money::{fmt_num, fmt_wan, wan_to_yuan};

const DEFAULT_PRODUCTS_JSON: &str = include_str!("default_products.json");

impl ProductFamily {
    /// Secured products are outside the unsecured working-capital cap and the risk cuts.
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
    /// 放款机构. A broker files once per institution, so the combined amount takes at most one
    /// product of each; generic products (no institution) count once per family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    /// Named bank products quoted from third parties: shown as examples to verify.
    pub is_example: bool,
    #[serde(default = "default_true")]
    pub active: bool,
    /// All must pass; the failing ones are ranked and the first is reported as the blocker.
    pub gates: Vec<Gate>,
    pub amount: AmountFormula,
    /// 起贷金额: estimates below this are not offered.
    pub min_wan: f64,
    pub max_wan: f64,
    /// Product-level limit on 企业+个人经营贷 including this loan (云税贷口径 500万).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_business_loans_wan: Option<f64>,
    /// The day someone checked the figures against the lender; None for generic families.
    pub last_verified_on: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
    /// 年化利率 from (%), what the broker quotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_min_pct: Option<f64>,
    /// 年化利率 up to (%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_max_pct: Option<f64>,
    /// 期限 from (months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_months_min: Option<u32>,
    /// 期限 up to (months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_months_max: Option<u32>,
    /// 期限 in words, when months do not say it ("1年期，可续贷").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_text: Option<String>,
    /// 还款方式 the lender offers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repayment_methods: Vec<RepaymentMethod>,
    /// 放款时效 ("最快当天放款").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disbursement_time: Option<String>,
    /// The lender's contact (客户经理、电话).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
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

    /// What a broker files once: the institution, or the family for generic products.
    pub fn filing_key(&self) -> &str {
        self.institution
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(self.family.code())
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
    /// No 欠税 and not a 非正常户.
    NoTaxAbnormal,
    /// The legal representative has held the role at least `months` (unknown = never changed).
    MinLegalPersonTenureMonths {
        months: u32,
    },
}

/// What it takes to clear a blocker; blockers are shown in this order (domain.md §2.5:
/// permanent first, then the longest wait), so the reason shown is the one that really binds.
#[derive(
    Serialize, Deserialize, poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum BlockerKind {
    /// Cannot be changed by a plan (no collateral, prohibited industry, 法人 over the age limit …).
    Permanent,
    /// Clears by itself after `months` (company age, holding period, inquiry windows).
    Wait,
    /// A plan can clear it (tax, invoicing, overdue, grade …) in about `months`.
    Improvable,
    /// A fact the gate needs is unknown.
    Missing,
    /// Every gate passes but the formula gives less than the product lends.
    Amount,
}

/// One failing gate of a product.
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct Blocker {
    /// Stable gate key (for integrators; the UI shows `reason`).
    pub gate: String,
    pub reason: String,
    pub kind: BlockerKind,
    /// Months until it clears (waits) or a plan typically takes (improvable).
    #[oai(nullable)]
    pub months: Option<u32>,
}

/// Why a gate fails: the reason, what clearing it takes, and roughly how long.
type Failure = (String, BlockerKind, Option<u32>);
type GateResult = Result<(), Failure>;

fn require(
    ok: bool,
    kind: BlockerKind,
    months: Option<u32>,
    reason: impl FnOnce() -> String,
) -> GateResult {
    if ok {
        Ok(())
    } else {
        Err((reason(), kind, months))
    }
}

fn missing(label: &str) -> Failure {
    (
        format!("资料待补充：未提供{label}，无法判断是否满足准入条件"),
        BlockerKind::Missing,
        None,
    )
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
            Self::NoTaxAbnormal => "no_tax_abnormal",
            Self::MinLegalPersonTenureMonths { .. } => "min_legal_person_tenure_months",
        };
        kind.to_owned()
    }

    /// Ok when the gate passes, otherwise the plain-words Chinese reason it blocks, what it
    /// takes to clear and how long.
    pub fn check(&self, ctx: &Ctx, product: &Product) -> GateResult {
        use BlockerKind::{Improvable, Permanent, Wait};
        let f = ctx.facts;
        let plan_months = |k| Some(ctx.plan_months(k));
        match self {
            Self::MinCompanyAgeMonths { months } => match ctx.company_age_m {
                None => Err(missing("企业成立日期")),
                Some(a) => require(a >= *months, Wait, Some(months.saturating_sub(a)), || {
                    format!("企业成立{a}个月，未满产品要求的{months}个月")
                }),
            },
            Self::TaxGradeIn { grades } => {
                if f.grade() == TaxGrade::Unknown {
                    return Err(missing("纳税信用等级"));
                }
                require(
                    grades.contains(&f.grade()),
                    Improvable,
                    Some(ctx.months_to_grade_review()),
                    || {
                        format!(
                            "纳税信用{}，产品要求{}",
                            f.grade().label(),
                            grades_label(grades)
                        )
                    },
                )
            }
            Self::TaxGradeNotIn { grades } => require(
                !grades.contains(&f.grade()),
                Improvable,
                Some(ctx.months_to_grade_review()),
                || format!("纳税信用{}，该产品不受理", f.grade().label()),
            ),
            Self::MinAnnualTax { min_wan } => min_money(
                f.annual_tax_yuan,
                *min_wan,
                "annual_tax_wan",
                plan_months(super::plans::PlanKind::TaxIncrease),
            ),
            Self::MinAnnualInvoice { min_wan } => min_money(
                f.annual_invoice_yuan,
                *min_wan,
                "annual_invoice_wan",
                plan_months(super::plans::PlanKind::InvoiceIncrease),
            ),
            Self::MinMonthlyFlow { min_wan } => min_money(
                f.monthly_flow_yuan,
                *min_wan,
                "monthly_flow_wan",
                plan_months(super::plans::PlanKind::FlowIncrease),
            ),
            Self::MaxInvoiceGapMonths { months } => require(
                f.invoice_gap_months.is_none_or(|g| g <= *months),
                Improvable,
                plan_months(super::plans::PlanKind::InvoiceIncrease),
                || {
                    format!(
                        "近12个月断票{}个月，超过产品允许的{months}个月",
                        f.invoice_gap_months.unwrap_or(0)
                    )
                },
            ),
            Self::LegalPersonAgeBetween { min, max } => {
                let age = f.legal_person_age;
                let young = age.is_some_and(|a| a < *min);
                let (kind, months) = if young {
                    (Wait, age.map(|a| (min - a) * 12))
                } else {
                    (Permanent, None)
                };
                require(
                    age.is_none_or(|a| (*min..=*max).contains(&a)),
                    kind,
                    months,
                    || {
                        format!(
                            "法人年龄{}岁，不在产品要求的{min}–{max}岁之间",
                            age.unwrap_or(0)
                        )
                    },
                )
            }
            Self::NoCurrentOverdue => require(
                f.current_overdue != Some(true),
                Improvable,
                plan_months(super::plans::PlanKind::CreditRepair),
                || "征信存在当前逾期，需结清后再申请".to_owned(),
            ),
            Self::NoSevereRecord => {
                require(f.severe_record_5y != Some(true), Permanent, None, || {
                    "近5年征信有呆账/代偿等严重不良记录".to_owned()
                })
            }
            Self::NoLian3lei6 => require(f.lian3lei6_24m != Some(true), Permanent, None, || {
                "近2年征信有“连三累六”逾期，需等记录移出2年窗口".to_owned()
            }),
            Self::NoDishonestDebtor => require(
                f.dishonest_debtor != Some(true),
                Improvable,
                plan_months(super::plans::PlanKind::Qualification),
                || "企业或法人为失信被执行人".to_owned(),
            ),
            Self::MaxInquiries { window, max } => {
                let n = ctx.inquiries(*window);
                require(
                    n.is_none_or(|v| v <= *max),
                    Wait,
                    Some(window.months()),
                    || {
                        let label = window.label();
                        format!("{label}征信查询{}次，超过产品上限{max}次", n.unwrap_or(0))
                    },
                )
            }
            Self::MaxCreditInstitutions { max } => require(
                f.credit_institutions.is_none_or(|v| v <= *max),
                Improvable,
                plan_months(super::plans::PlanKind::CreditRepair),
                || count_reason("信用类贷款机构", f.credit_institutions, *max, "家"),
            ),
            Self::MaxBusinessLoanCount { max } => require(
                f.business_loan_count.is_none_or(|v| v <= *max),
                Improvable,
                plan_months(super::plans::PlanKind::DebtReduction),
                || count_reason("已有经营贷", f.business_loan_count, *max, "笔"),
            ),
            Self::IndustryNotIn { classes } => require(
                ctx.industry_class.is_none_or(|c| !classes.contains(&c)),
                Permanent,
                None,
                || {
                    format!(
                        "所属行业为{}，该产品不受理",
                        ctx.industry_class.map_or("", |c| c.label())
                    )
                },
            ),
            Self::BusinessStatusNormal => {
                let status = f.business_status;
                let kind = if status == Some(BusinessStatus::Abnormal) {
                    Improvable
                } else {
                    Permanent
                };
                let months = (kind == Improvable)
                    .then(|| ctx.plan_months(super::plans::PlanKind::Qualification));
                require(
                    status.is_none_or(|s| s == BusinessStatus::Normal),
                    kind,
                    months,
                    || {
                        format!(
                            "企业工商状态为{}，无法申请",
                            status.map_or("", |s| s.label())
                        )
                    },
                )
            }
            Self::CollateralHeldMonths { months } => collateral_held(ctx, product, *months),
            Self::NoTaxAbnormal => require(
                f.tax_abnormal != Some(true),
                Improvable,
                plan_months(super::plans::PlanKind::TaxCreditRepair),
                || "存在欠税或为非正常户，需先补缴、解除非正常状态".to_owned(),
            ),
            Self::MinLegalPersonTenureMonths { months } => {
                let tenure = f
                    .legal_person_changed_on
                    .map(|d| super::facts::months_between(d, ctx.today));
                require(
                    tenure.is_none_or(|t| t >= *months),
                    Wait,
                    tenure.map(|t| months.saturating_sub(t)),
                    || {
                        format!(
                            "法人变更{}个月，未满产品要求的{months}个月",
                            tenure.unwrap_or(0)
                        )
                    },
                )
            }
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

/// `field` is the API name; the reason names it as the field catalogue does.
fn min_money(value: Option<i64>, min_wan: f64, field: &str, months: Option<u32>) -> GateResult {
    use crate::domain::fields::label;
    let min = wan_to_yuan(min_wan);
    match value {
        None => Err(missing(&label(field))),
        Some(v) => require(v >= min, BlockerKind::Improvable, months, || {
            format!(
                "{}{}，低于产品门槛{}",
                label(field),
                fmt_wan(v),
                fmt_wan(min)
            )
        }),
    }
}

fn count_reason(label: &str, value: Option<u32>, max: u32, unit: &str) -> String {
    format!(
        "{label}{}{unit}，超过产品上限{max}{unit}",
        value.unwrap_or(0)
    )
}

/// Only collateral the product would lend on counts: a vehicle at LTV 0 held for years does not
/// make a factory bought 5 months ago acceptable, and the reason names the wait that binds.
fn collateral_held(ctx: &Ctx, product: &Product, months: u32) -> GateResult {
    let valuable: Vec<_> = ctx
        .facts
        .collaterals
        .iter()
        .filter(|c| match &product.amount {
            AmountFormula::CollateralLtv { ltv, .. } => gross_equity(c, ltv) > 0,
            _ => true,
        })
        .collect();
    if valuable.is_empty() {
        let reason = if ctx.facts.collaterals.is_empty() {
            "没有可抵押的房产或土地".to_owned()
        } else {
            "现有抵押物扣除已抵押余额后没有可贷净值".to_owned()
        };
        return Err((reason, BlockerKind::Permanent, None));
    }
    // Unknown holding dates are assumed long enough (listed as missing), like other facts.
    let held: Vec<Option<u32>> = valuable.iter().map(|c| ctx.held_months(c)).collect();
    if held.iter().any(|h| h.is_none_or(|m| m >= months)) {
        return Ok(());
    }
    let longest = held.iter().flatten().copied().max().unwrap_or(0);
    let kind = valuable
        .iter()
        .zip(&held)
        .find(|(_, h)| **h == Some(longest))
        .map_or("抵押物", |(c, _)| c.kind.label());
    Err((
        format!("{kind}持有{longest}个月，未满{months}个月，监管要求加强审核，暂不受理"),
        BlockerKind::Wait,
        Some(months - longest),
    ))
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
    /// Σ max(0, appraisal × `LTV[kind]` − lien) over collaterals held ≥ `min_held_months`,
    /// at most `max_scale_multiple` × the business size (a 经营贷 must fit the business).
    CollateralLtv {
        ltv: BTreeMap<CollateralKind, f64>,
        min_held_months: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_scale_multiple: Option<f64>,
    },
    /// ratio × business size (max of 申报收入, 开票额 and 12 × (对公流水 + 个人账户经营收款)):
    /// platform loans size on transaction data.
    ScaleRatio { ratio: f64 },
}

impl AmountFormula {
    /// Raw estimate in 元 before caps, with notes on bounds that applied; Err with a reason
    /// when an input is missing.
    pub fn estimate(&self, ctx: &Ctx) -> Result<(i64, Option<String>), Failure> {
        let f = ctx.facts;
        match self {
            Self::TaxMultiple { multiples } => {
                let tax = f.annual_tax_yuan.ok_or_else(|| missing("近12个月纳税额"))?;
                let m = multiples.get(&f.grade()).copied().unwrap_or(0.0);
                Ok((scale(tax, m), None))
            }
            Self::InvoiceRatio { ratio } => {
                let inv = f
                    .annual_invoice_yuan
                    .ok_or_else(|| missing("近12个月开票额"))?;
                Ok((scale(inv, *ratio), None))
            }
            Self::FlowMultiple { multiple } => {
                let flow = f.monthly_flow_yuan.ok_or_else(|| missing("对公流水月均"))?;
                Ok((scale(flow, *multiple), None))
            }
            Self::CollateralLtv {
                ltv,
                min_held_months,
                max_scale_multiple,
            } => {
                let equity = collateral_equity(ctx, ltv, Some(*min_held_months));
                let bound = max_scale_multiple.zip(ctx.business_scale());
                Ok(match bound {
                    Some((m, s)) if scale(s.yuan, m) < equity => (
                        scale(s.yuan, m),
                        Some(format!(
                            "抵押经营贷额度按经营规模核定：{}{} × {}倍",
                            s.basis,
                            fmt_wan(s.yuan),
                            fmt_num(m)
                        )),
                    ),
                    _ => (equity, None),
                })
            }
            Self::ScaleRatio { ratio } => {
                let s = ctx
                    .business_scale_with_personal()
                    .ok_or_else(|| missing("申报收入、开票额或流水"))?;
                Ok((scale(s.yuan, *ratio), None))
            }
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
            Self::ScaleRatio { ratio } => format!("年经营规模 × {}%", fmt_num(ratio * 100.0)),
        }
    }
}

/// Rounds toward zero: an estimate must never overstate what the formula gives.
pub fn scale(yuan: i64, factor: f64) -> i64 {
    (yuan.max(0) as f64 * factor).floor() as i64
}

fn gross_equity(c: &super::facts::Collateral, ltv: &BTreeMap<CollateralKind, f64>) -> i64 {
    let gross = scale(
        c.appraisal_yuan.unwrap_or(0),
        ltv.get(&c.kind).copied().unwrap_or(0.0),
    );
    (gross - c.lien_yuan.unwrap_or(0).max(0)).max(0)
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
        .map(|c| gross_equity(c, ltv))
        .sum()
}

/// Outcome of one product for one customer (amounts in 元).
#[derive(Clone, Debug, PartialEq)]
pub struct ProductEval {
    /// After risk cuts and product limits; 0 when ineligible.
    pub estimate_yuan: i64,
    /// Failing gates, the one that binds first; empty when eligible.
    pub blockers: Vec<Blocker>,
    /// Adjustments that lowered the estimate, in words (risk cuts, limits).
    pub notes: Vec<String>,
}

impl ProductEval {
    pub fn eligible(&self) -> bool {
        self.blockers.is_empty()
    }

    pub fn blocker(&self) -> Option<&Blocker> {
        self.blockers.first()
    }

    fn blocked(mut blockers: Vec<Blocker>, notes: Vec<String>) -> Self {
        rank(&mut blockers);
        ProductEval {
            estimate_yuan: 0,
            blockers,
            notes,
        }
    }
}

/// Permanent blockers first, then waits and plans by how long they take (longest first), then
/// unknown facts, then amounts.
fn rank(blockers: &mut [Blocker]) {
    blockers.sort_by(|a, b| {
        let group = |x: &Blocker| match x.kind {
            BlockerKind::Permanent => 0,
            BlockerKind::Wait | BlockerKind::Improvable => 1,
            BlockerKind::Missing => 2,
            BlockerKind::Amount => 3,
        };
        group(a)
            .cmp(&group(b))
            .then(b.months.unwrap_or(0).cmp(&a.months.unwrap_or(0)))
    });
}

fn blocker(
    gate: impl Into<String>,
    (reason, kind, months): (String, BlockerKind, Option<u32>),
) -> Blocker {
    Blocker {
        gate: gate.into(),
        reason,
        kind,
        months,
    }
}

/// Every gate, then formula, risk cuts (unsecured only), product limits and 起贷金额.
pub fn evaluate_product(p: &Product, ctx: &Ctx, risk_factor: (f64, &[String])) -> ProductEval {
    let blockers: Vec<Blocker> = p
        .gates
        .iter()
        .filter_map(|g| g.check(ctx, p).err().map(|e| blocker(g.id(), e)))
        .collect();
    if !blockers.is_empty() {
        return ProductEval::blocked(blockers, vec![]);
    }
    let (raw, bound_note) = match p.amount.estimate(ctx) {
        Ok(v) => v,
        Err(e) => return ProductEval::blocked(vec![blocker("amount_input", e)], vec![]),
    };
    let mut notes: Vec<String> = bound_note.into_iter().collect();
    let mut est = raw;
    let (factor, reasons) = risk_factor;
    if !p.family.is_secured() && factor < 1.0 {
        est = scale(est, factor);
        notes.extend(reasons.iter().cloned());
    }
    est = est.min(wan_to_yuan(p.max_wan));
    if let Some(limit_wan) = p.max_total_business_loans_wan {
        let room = wan_to_yuan(limit_wan) - ctx.facts.business_loan_balance_yuan.unwrap_or(0);
        if room <= 0 {
            let reason = format!(
                "已有经营贷余额已达产品上限{}（企业+个人经营贷合计）",
                fmt_wan(wan_to_yuan(limit_wan))
            );
            let months = Some(ctx.plan_months(super::plans::PlanKind::DebtReduction));
            return ProductEval::blocked(
                vec![blocker(
                    "max_total_business_loans",
                    (reason, BlockerKind::Improvable, months),
                )],
                notes,
            );
        }
        if room < est {
            notes.push(format!(
                "受产品经营贷合计上限{}限制",
                fmt_wan(wan_to_yuan(limit_wan))
            ));
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
        return ProductEval::blocked(
            vec![blocker("min_amount", (reason, BlockerKind::Amount, None))],
            notes,
        );
    }
    ProductEval {
        estimate_yuan: est,
        blockers: vec![],
        notes,
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
        evaluate_product(&p, &Ctx::new(f, &rules, today()), (1.0, &[]))
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
            |f| f.legal_person_changed_on = Some(date(2026, 8, 25)),
            "min_legal_person_tenure_months",
        ),
        (
            "tax_loan",
            |f| f.tax_abnormal = Some(true),
            "no_tax_abnormal",
        ),
        (
            "flow_loan",
            |f| f.tax_grade = Some(TaxGrade::D),
            "tax_grade_not_in",
        ),
        (
            "mortgage_loan",
            |f| f.tax_grade = Some(TaxGrade::D),
            "tax_grade_not_in",
        ),
        (
            "platform_loan",
            |f| f.established_on = Some(date(2026, 6, 1)),
            "min_company_age_months",
        ),
        (
            "platform_loan",
            |f| f.inquiries_1m = Some(5),
            "max_inquiries_1m",
        ),
        (
            "platform_loan",
            |f| f.lian3lei6_24m = Some(true),
            "no_lian3lei6",
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
            let b = e
                .blocker()
                .cloned()
                .unwrap_or_else(|| panic!("{id}/{gate} passed"));
            let (got, reason) = (b.gate, b.reason);
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
            assert!(e.eligible(), "{id}: {:?}", e.blocker());
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
            // A 经营贷 stays within the business: 1 × max(申报收入, 开票额).
            (
                "mortgage_loan",
                |f| {
                    f.annual_invoice_yuan = w(200.0);
                    f.annual_revenue_yuan = w(250.0);
                },
                250.0,
            ),
            ("platform_loan", |_| {}, 50.0), // 5% × 1200 = 60, at most 50
            (
                "platform_loan",
                |f| {
                    f.annual_invoice_yuan = None;
                    f.monthly_flow_yuan = w(20.0);
                    f.personal_receipts_yuan = w(5.0);
                },
                15.0, // no declared figure: 5% × 12 × (20 + 5)
            ),
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
            assert_eq!(
                e.estimate_yuan,
                wan_to_yuan(*want),
                "{id} {:?}",
                e.blocker()
            );
        }
    }

    #[test]
    fn risk_cuts_apply_to_unsecured_products_only() {
        let rules = rules();
        let f = strong_with(|f| f.card_utilization_pct = Some(95.0));
        let d = crate::domain::engine::diagnose(&f, &rules, &products(), today());
        let est = |id: &str| {
            d.products
                .iter()
                .find(|p| p.product_id == id)
                .unwrap()
                .clone()
        };
        assert_eq!(est("tax_loan").estimated_wan, 168.0, "240 × 0.7"); // strongest card cut only
        assert!(est("tax_loan").notes[0].contains("信用卡使用率超过90%"));
        assert_eq!(est("mortgage_loan").estimated_wan, 350.0);
        let both = strong_with(|f| {
            f.card_utilization_pct = Some(95.0);
            f.credit_institutions = Some(5);
        });
        let d = crate::domain::engine::diagnose(&both, &rules, &products(), today());
        let tax = d
            .products
            .iter()
            .find(|p| p.product_id == "tax_loan")
            .unwrap();
        assert_eq!(
            tax.estimated_wan, 117.6,
            "240 × 0.7 × 0.7: different risks multiply"
        );
    }

    #[test]
    fn blockers_rank_permanent_then_the_longest_wait() {
        let f = strong_with(|f| {
            f.collaterals.clear();
            f.established_on = Some(date(2026, 3, 25)); // 8 months
            f.inquiries_1m = Some(4);
            f.inquiries_6m = Some(11);
        });
        let m = eval("mortgage_loan", &f);
        assert_eq!(
            m.blocker().unwrap().gate,
            "collateral_held_months",
            "{:?}",
            m.blockers
        );
        assert_eq!(m.blocker().unwrap().kind, BlockerKind::Permanent);
        let t = eval("tax_loan", &f);
        assert_eq!(
            t.blocker().unwrap().gate,
            "min_company_age_months",
            "16 months to wait"
        );
        let t = eval(
            "tax_loan",
            &strong_with(|f| {
                f.inquiries_1m = Some(4);
                f.inquiries_6m = Some(11);
            }),
        );
        assert_eq!(
            t.blocker().unwrap().gate,
            "max_inquiries_6m",
            "the 6-month window binds"
        );
        // A factory bought 5 months ago is the blocker, not "额度为0" from a vehicle held for years.
        let g = strong_with(|f| {
            f.collaterals = vec![
                Collateral {
                    kind: CollateralKind::Vehicle,
                    appraisal_yuan: w(30.0),
                    lien_yuan: Some(0),
                    held_since: Some(date(2019, 1, 1)),
                },
                Collateral {
                    kind: CollateralKind::Industrial,
                    appraisal_yuan: w(800.0),
                    lien_yuan: Some(0),
                    held_since: Some(date(2026, 6, 20)),
                },
            ]
        });
        let m = eval("mortgage_loan", &g);
        let b = m.blocker().unwrap();
        assert_eq!((b.kind, b.months), (BlockerKind::Wait, Some(7)), "{b:?}");
        assert!(
            b.reason.starts_with("厂房/土地持有5个月") || b.reason.contains("持有5个月"),
            "{}",
            b.reason
        );
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
        assert_eq!(at(2.0).blocker().unwrap().gate, "min_annual_tax");
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
            }
            // Nobody has checked the shipped figures against a lender: no date pretends so.
            assert!(p.last_verified_on.is_none(), "{}", p.id);
            assert_eq!(p.is_example, p.institution.is_some(), "{}", p.id);
        }
        let families: std::collections::BTreeSet<_> = products().iter().map(|p| p.family).collect();
        assert_eq!(families.len(), 6);
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
