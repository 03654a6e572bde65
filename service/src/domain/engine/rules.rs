//! The scoring model as data (domain.md §2). Every threshold, point value, reason text and
//! plan template lives in `default_rules.json`; this file only declares its shape.
//! Money thresholds use `_wan` keys so admins editing `PUT /api/rules` read 万 amounts.

pub use super::industry::{IndustryClass, IndustryEntry, IndustryMap};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnose::Dimension;
use super::facts::{BusinessStatus, CollateralKind, TaxGrade};
use super::plans::{PlanKind, ProviderCategory};
use crate::domain::money::wan_to_yuan;

const DEFAULT_RULES_JSON: &str = include_str!("default_rules.json");

/// The shipped rules, parsed once: the source of defaults for sections a rule set saved by an
/// older version lacks, so an admin's edits survive an upgrade and new sections start sensible.
mod shipped {
    use std::sync::LazyLock;

    use super::*;

    static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::default_rules);

    pub fn haircuts() -> Vec<Haircut> {
        RULES.haircuts.clone()
    }
    pub fn deciding_facts() -> Vec<DecidingFacts> {
        RULES.category.deciding_facts.clone()
    }
    pub fn plan_policy() -> PlanPolicy {
        RULES.plan_policy.clone()
    }
    pub fn cap_note() -> String {
        RULES.verdict.cap_note.clone()
    }
    pub fn template(kind: PlanKind) -> PlanTemplate {
        RULES.plans.get(kind).clone()
    }
    pub fn debt_reduction() -> PlanTemplate {
        template(PlanKind::DebtReduction)
    }
    pub fn legal_person_change() -> PlanTemplate {
        template(PlanKind::LegalPersonChange)
    }
    pub fn supplement_info() -> PlanTemplate {
        template(PlanKind::SupplementInfo)
    }
    pub fn tax_credit_repair() -> PlanTemplate {
        template(PlanKind::TaxCreditRepair)
    }
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub weights: Weights,
    pub category: CategoryRules,
    pub dimensions: DimensionRules,
    /// Any fired veto forces category C.
    pub vetoes: Vec<TriggerRule>,
    /// Any fired cap limits the category to B (and may deduct points).
    pub caps: Vec<TriggerRule>,
    pub industry: IndustryMap,
    /// Cuts of unsecured estimates for credit risk (heavy card use, many lenders …); factors
    /// of every fired cut multiply.
    #[serde(default = "shipped::haircuts")]
    pub haircuts: Vec<Haircut>,
    pub recommendation: RecommendationRules,
    pub plans: PlanTemplates,
    /// How plans are proposed and kept. Omitted: the shipped policy.
    #[serde(default = "shipped::plan_policy")]
    pub plan_policy: PlanPolicy,
    pub verdict: VerdictTemplates,
}

impl RuleSet {
    /// The shipped default model. The embedded JSON is covered by tests, so a parse
    /// failure here is a build defect, not a runtime condition.
    pub fn default_rules() -> Self {
        serde_json::from_str(DEFAULT_RULES_JSON).expect("embedded default_rules.json is valid")
    }

    /// The embedded default rules as JSON text (for seeding the rules table verbatim).
    pub fn default_rules_json() -> &'static str {
        DEFAULT_RULES_JSON
    }
}

/// Dimension weights in percent; must sum to 100.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub flow: f64,
    pub invoice_tax: f64,
    pub credit: f64,
    pub assets: f64,
    pub qualification: f64,
    pub industry: f64,
}

impl Weights {
    pub fn get(&self, d: Dimension) -> f64 {
        match d {
            Dimension::Flow => self.flow,
            Dimension::InvoiceTax => self.invoice_tax,
            Dimension::Credit => self.credit,
            Dimension::Assets => self.assets,
            Dimension::Qualification => self.qualification,
            Dimension::Industry => self.industry,
        }
    }
}

/// Grading v2: the letter says whether the client is financeable now. C = nothing eligible (or a
/// veto), `incomplete` = a deciding fact is unknown, A = financeable with a strong file, B otherwise.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryRules {
    pub a_min_total: f64,
    pub a_min_credit: f64,
    /// Groups of facts that decide eligibility: a group none of whose facts is known makes the
    /// diagnosis `incomplete` (资料待补充).
    #[serde(default = "shipped::deciding_facts")]
    pub deciding_facts: Vec<DecidingFacts>,
    /// Read from v1 rule sets and ignored: demand no longer moves the grade.
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub a_min_demand_cover: Option<f64>,
    /// Read from v1 rule sets and ignored: a low total with an eligible product is B, not C.
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub c_below_total: Option<f64>,
}

/// One group of deciding facts, e.g. 经营规模 = any of tax, invoicing, revenue, flow, collateral.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DecidingFacts {
    pub label: String,
    /// API field names; `collaterals` counts as known when at least one is recorded.
    pub fields: Vec<String>,
}

/// A cut of unsecured estimates when `when` fires (e.g. card use over 90 % → × 0.7).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Haircut {
    pub id: String,
    pub when: Trigger,
    /// Multiplier in (0, 1].
    pub factor: f64,
    pub reason: String,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DimensionRules {
    pub flow: FlowRules,
    pub invoice_tax: InvoiceTaxRules,
    pub credit: CreditRules,
    pub assets: AssetRules,
    pub qualification: QualificationRules,
    pub industry: IndustryScoreRules,
}

/// A band in a natural unit (months, years, ratio): matches values ≥ `min`.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: f64,
    pub points: f64,
}

/// A money band: matches values ≥ `min_wan` 万元.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MoneyBand {
    pub min_wan: f64,
    pub points: f64,
}

/// A band or tier whose threshold is converted to the engine's unit (元 for money).
pub trait Threshold {
    /// Threshold in the engine's unit (元 for money).
    fn threshold(&self) -> f64;
    fn points(&self) -> f64;
    /// JSON key of the threshold, for validation paths.
    const KEY: &'static str;
}

impl Threshold for Band {
    fn threshold(&self) -> f64 {
        self.min
    }
    fn points(&self) -> f64 {
        self.points
    }
    const KEY: &'static str = "min";
}

impl Threshold for MoneyBand {
    fn threshold(&self) -> f64 {
        wan_to_yuan(self.min_wan) as f64
    }
    fn points(&self) -> f64 {
        self.points
    }
    const KEY: &'static str = "min_wan";
}

/// Scored table: bands sorted by descending threshold; the first band with value ≥ threshold
/// wins, values below every band get `below_points`, exactly zero gets `zero_points` when set,
/// unknown gets the neutral `missing_points`.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "{B}Table")]
pub struct BandTable<B> {
    pub id: String,
    pub label: String,
    pub bands: Vec<B>,
    pub below_points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero_points: Option<f64>,
    pub missing_points: f64,
    /// Points under which `reason_low` is appended to the finding.
    pub low_below_points: f64,
    pub reason_low: String,
}

/// A penalty tier in a natural unit: applies when value > `over`.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub over: f64,
    pub points: f64,
}

/// A money penalty tier: applies when value > `over_wan` 万元.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MoneyTier {
    pub over_wan: f64,
    pub points: f64,
}

impl Threshold for Tier {
    fn threshold(&self) -> f64 {
        self.over
    }
    fn points(&self) -> f64 {
        self.points
    }
    const KEY: &'static str = "over";
}

impl Threshold for MoneyTier {
    fn threshold(&self) -> f64 {
        wan_to_yuan(self.over_wan) as f64
    }
    fn points(&self) -> f64 {
        self.points
    }
    const KEY: &'static str = "over_wan";
}

/// Penalty table: tiers sorted by ascending threshold; the highest tier the value exceeds
/// applies (tiers do not add up). Unknown values get no penalty but are flagged missing.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "{T}Table")]
pub struct TierTable<T> {
    pub id: String,
    pub label: String,
    pub tiers: Vec<T>,
    pub reason: String,
}

/// Fires when a ratio between two facts crosses `ratio`; adds `points` (≤ 0).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RatioRule {
    pub id: String,
    pub ratio: f64,
    pub points: f64,
    pub reason: String,
}

/// Inclusive integer range [min, max] → points.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RangeBand {
    pub min: u32,
    pub max: u32,
    pub points: f64,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RangeTable {
    pub id: String,
    pub label: String,
    pub ranges: Vec<RangeBand>,
    pub else_points: f64,
    pub missing_points: f64,
    pub low_below_points: f64,
    pub reason_low: String,
}

/// Points per enum value (tax grade, business status, industry class).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "{K}Points")]
pub struct PointsMap<K: Ord> {
    pub id: String,
    pub label: String,
    pub points: BTreeMap<K, f64>,
    pub missing_points: f64,
    pub low_below_points: f64,
    pub reason_low: String,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FlowRules {
    /// 对公流水月均.
    pub monthly_flow: BandTable<MoneyBand>,
    /// Penalty when flow × 12 < `ratio` × annual invoice (票流与资金流不一致).
    pub flow_vs_invoice: RatioRule,
    /// Penalty when demand > `ratio` × flow × 12.
    pub demand_coverage: RatioRule,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InvoiceTaxRules {
    pub annual_invoice: BandTable<MoneyBand>,
    pub invoice_gap: TierTable<Tier>,
    pub tax_grade: PointsMap<TaxGrade>,
    pub annual_tax: BandTable<MoneyBand>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CreditRules {
    /// Start value before deductions.
    pub base: f64,
    /// Score used when no 征信 fact at all is known (neutral, below the A threshold).
    pub unknown_score: f64,
    pub overdue_count_24m: TierTable<Tier>,
    pub card_utilization: TierTable<Tier>,
    pub credit_institutions: TierTable<Tier>,
    pub business_loan_count: TierTable<Tier>,
    pub business_loan_balance: TierTable<MoneyTier>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AssetRules {
    /// Bands on net collateral equity ÷ loan demand; `zero_points` = no usable collateral,
    /// `missing_points` = equity > 0 but demand unknown.
    pub cover: BandTable<Band>,
    /// Loan-to-value per collateral kind used to value equity for the score.
    pub ltv: BTreeMap<CollateralKind, f64>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QualificationRules {
    /// Company age in months.
    pub company_age: BandTable<Band>,
    pub legal_person_age: RangeTable,
    pub reg_capital: BandTable<MoneyBand>,
    pub business_status: PointsMap<BusinessStatus>,
}

pub type IndustryScoreRules = PointsMap<IndustryClass>;

/// Window of the 征信 hard-inquiry count.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InquiryWindow {
    M1,
    M3,
    M6,
}

impl InquiryWindow {
    /// Length of the window: queries leave it after this many months without new applications.
    pub fn months(self) -> u32 {
        match self {
            Self::M1 => 1,
            Self::M3 => 3,
            Self::M6 => 6,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::M1 => "近1个月",
            Self::M3 => "近3个月",
            Self::M6 => "近6个月",
        }
    }
}

/// A veto or cap: a typed condition on facts plus its explanation. Conditions on unknown
/// facts never fire (the fact is reported missing instead).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TriggerRule {
    pub id: String,
    pub dimension: Dimension,
    pub when: Trigger,
    /// Points added to `dimension` when fired (≤ 0; e.g. K1 征信 −40).
    #[serde(default)]
    pub points: f64,
    pub reason: String,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    CurrentOverdue,
    #[serde(rename = "severe_record_5y")]
    SevereRecord5y,
    DishonestDebtor,
    #[serde(rename = "lian3lei6_24m")]
    Lian3lei624m,
    TaxGradeIn {
        grades: Vec<TaxGrade>,
    },
    IndustryClassIn {
        classes: Vec<IndustryClass>,
    },
    CompanyAgeBelowMonths {
        months: u32,
    },
    LegalPersonAgeOutside {
        min: u32,
        max: u32,
    },
    LegalPersonAgeAbove {
        age: u32,
    },
    BusinessStatusIn {
        statuses: Vec<BusinessStatus>,
    },
    InquiriesOver {
        window: InquiryWindow,
        max: u32,
    },
    CollateralHeldBelowMonths {
        months: u32,
    },
    /// 欠税 or 非正常户.
    TaxAbnormal,
    /// The legal representative changed fewer than `months` ago.
    LegalPersonChangedWithinMonths {
        months: u32,
    },
    /// 税负率: annual tax ÷ max(申报收入, 开票额) below `pct` percent, for businesses of at least
    /// `min_scale_wan` (small taxpayers are largely exempt, so a low ratio means nothing there).
    TaxBurdenBelowPct {
        pct: f64,
        #[serde(default)]
        min_scale_wan: f64,
    },
    CardUtilizationOver {
        pct: f64,
    },
    CreditInstitutionsOver {
        max: u32,
    },
    OverdueCountOver {
        max: u32,
    },
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRules {
    /// Total unsecured credit ≤ ratio × max(申报收入, 开票额) − existing unsecured business loans
    /// (derived from the 流动资金贷款 formula, domain.md §2.5).
    #[serde(alias = "unsecured_cap_invoice_ratio")]
    pub unsecured_cap_ratio: f64,
    /// Existing business loans not secured by a recorded lien count against the cap.
    #[serde(alias = "subtract_business_loan_balance")]
    pub subtract_unsecured_loans: bool,
    /// With neither revenue nor invoicing known, 对公流水 × 12 stands in as the business size.
    #[serde(default = "yes")]
    pub flow_as_scale_fallback: bool,
    /// Institutions a broker files with at once: the combined amount uses at most this many
    /// products, one per institution (or per family for generic products).
    #[serde(default = "three")]
    pub max_products: u32,
    /// The verdict shows a range [ratio × recommended, recommended].
    pub verdict_range_low_ratio: f64,
}

fn yes() -> bool {
    true
}

fn three() -> u32 {
    3
}

/// One-sentence verdict templates. Placeholders: {families} {low} {high} {veto} {blocker}
/// {arithmetic} (the cap: "25% × 申报收入300万 − 已有信用类经营贷20万 = 55万").
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VerdictTemplates {
    pub eligible: String,
    pub eligible_with_veto: String,
    pub vetoed: String,
    pub none_eligible: String,
    /// Appended when the unsecured cap lowers the combined amount.
    #[serde(default = "shipped::cap_note")]
    pub cap_note: String,
}

/// How plans are chosen and valued (domain.md §2.7).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanPolicy {
    /// A plan whose highest cost exceeds this share of its gain is not proposed.
    pub max_cost_share: f64,
    /// Distinct targets proposed per plan kind (e.g. 纳税 → 1万 unlocks one bank, → 3万 two more).
    pub max_plans_per_kind: u32,
    /// Revenue-driven scenario: "若真实营收增长 N%" — the growth a real business can reach in a year.
    pub growth_scenario_ratio: f64,
    /// Waits longer than this are not proposed as plans.
    pub max_wait_months: u32,
    /// Month (1–12) in which 纳税信用 grades are published.
    pub tax_grade_review_month: u32,
}

/// Task checklist and cost data per plan kind. Task texts may use {limit}-style placeholders the
/// plan fills from the same threshold its gap names, so gap and task never disagree.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanTemplate {
    pub title: String,
    pub tasks: Vec<String>,
    /// Extra tasks added when a specific sub-gap is part of the plan (keys per kind,
    /// e.g. credit_repair: current_overdue, inquiries, card_utilization, credit_institutions).
    #[serde(default)]
    pub extra_tasks: BTreeMap<String, Vec<String>>,
    /// Policy texts that hold only between two dates and under conditions (e.g. the PBOC
    /// one-time credit repair): added to the plan only while valid.
    #[serde(default)]
    pub dated_tasks: Vec<DatedTask>,
    /// Providers of this category are recommended; none for plans whose steps are free
    /// (征信: only the credit centre's free channels are legitimate).
    pub provider_category: Option<ProviderCategory>,
    /// Targets are rounded up to a multiple of this (tax 0.5万, invoice 10万, flow 1万).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_unit_wan: Option<f64>,
    /// Cost per 万 of target increase besides the fee (tax plans: the extra tax itself).
    #[serde(default)]
    pub cost_per_wan_increase: f64,
    pub cost_min_wan: f64,
    pub cost_max_wan: f64,
    pub months_to_effect: u32,
    /// Largest target as a multiple of the current value (tax/invoice/flow plans); a
    /// threshold beyond it is only used when no nearer one exists, and then brings no gain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_growth_ratio: Option<f64>,
}

/// A task text valid between two dates, for one sub-gap (`applies_to`, a key of `extra_tasks`).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatedTask {
    pub applies_to: String,
    pub text: String,
    pub valid_from: chrono::NaiveDate,
    pub valid_until: chrono::NaiveDate,
    /// The conditions in words, shown with the task.
    pub conditions: String,
}

impl DatedTask {
    pub fn valid_on(&self, day: chrono::NaiveDate) -> bool {
        (self.valid_from..=self.valid_until).contains(&day)
    }
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanTemplates {
    pub tax_increase: PlanTemplate,
    pub invoice_increase: PlanTemplate,
    pub flow_increase: PlanTemplate,
    pub credit_repair: PlanTemplate,
    pub collateral: PlanTemplate,
    pub qualification: PlanTemplate,
    /// 压降负债. Omitted (rule sets before v2): the shipped template.
    #[serde(default = "shipped::debt_reduction")]
    pub debt_reduction: PlanTemplate,
    /// 法人变更. Omitted (rule sets before v2): the shipped template.
    #[serde(default = "shipped::legal_person_change")]
    pub legal_person_change: PlanTemplate,
    /// 补充资料. Omitted (rule sets before v2): the shipped template.
    #[serde(default = "shipped::supplement_info")]
    pub supplement_info: PlanTemplate,
    /// 纳税信用修复. Omitted (rule sets before v2): the shipped template.
    #[serde(default = "shipped::tax_credit_repair")]
    pub tax_credit_repair: PlanTemplate,
}

impl PlanTemplates {
    pub fn get(&self, kind: PlanKind) -> &PlanTemplate {
        match kind {
            PlanKind::TaxIncrease => &self.tax_increase,
            PlanKind::InvoiceIncrease => &self.invoice_increase,
            PlanKind::FlowIncrease => &self.flow_increase,
            PlanKind::CreditRepair => &self.credit_repair,
            PlanKind::Collateral => &self.collateral,
            PlanKind::Qualification => &self.qualification,
            PlanKind::DebtReduction => &self.debt_reduction,
            PlanKind::LegalPersonChange => &self.legal_person_change,
            PlanKind::SupplementInfo => &self.supplement_info,
            PlanKind::TaxCreditRepair => &self.tax_credit_repair,
        }
    }

    pub fn all(&self) -> impl Iterator<Item = (PlanKind, &PlanTemplate)> {
        PlanKind::ALL.iter().map(|&k| (k, self.get(k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_parse() {
        let r = RuleSet::default_rules();
        assert_eq!(r.weights.credit, 25.0);
        assert_eq!(r.vetoes.len(), 9);
        assert_eq!(r.caps.len(), 9);
        assert_eq!(r.haircuts.len(), 4);
    }
}
