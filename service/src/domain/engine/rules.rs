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
    pub recommendation: RecommendationRules,
    pub plans: PlanTemplates,
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

/// A/B/C grading (domain.md §2.2).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryRules {
    pub a_min_total: f64,
    pub a_min_credit: f64,
    /// A also needs the recommended amount ≥ this share of the loan demand.
    pub a_min_demand_cover: f64,
    /// Totals below this are C.
    pub c_below_total: f64,
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
}

#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRules {
    /// Total unsecured credit ≤ ratio × annual invoice − existing business loans
    /// (derived from the 流动资金贷款 formula, domain.md §2.5).
    pub unsecured_cap_invoice_ratio: f64,
    pub subtract_business_loan_balance: bool,
    /// The verdict shows a range [ratio × recommended, recommended].
    pub verdict_range_low_ratio: f64,
}

/// One-sentence verdict templates. Placeholders: {families} {low} {high} {veto} {blocker}.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VerdictTemplates {
    pub eligible: String,
    pub eligible_with_veto: String,
    pub vetoed: String,
    pub none_eligible: String,
}

/// Task checklist and cost data per plan kind.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanTemplate {
    pub title: String,
    pub tasks: Vec<String>,
    /// Extra tasks added when a specific sub-gap is part of the plan (keys per kind,
    /// e.g. credit_repair: current_overdue, inquiries, card_utilization, credit_institutions).
    #[serde(default)]
    pub extra_tasks: BTreeMap<String, Vec<String>>,
    pub provider_category: ProviderCategory,
    pub cost_min_wan: f64,
    pub cost_max_wan: f64,
    pub months_to_effect: u32,
    /// Largest target as a multiple of the current value (tax/invoice/flow plans); a
    /// threshold beyond it is only used when no nearer one exists, and then brings no gain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_growth_ratio: Option<f64>,
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
        assert_eq!(r.vetoes.len(), 8);
        assert_eq!(r.caps.len(), 7);
    }
}
