//! `diagnose`: facts + rules + products → an explainable, API-ready diagnosis.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::context::Ctx;
use super::facts::Facts;
use super::money::{fmt_num, yuan_to_wan};
use super::products::{Product, ProductEval, ProductFamily, evaluate_product};
use super::rules::RuleSet;
use super::score::{Scored, score, unsecured_cap_yuan};

/// 综合评级.
#[derive(
    Serialize, Deserialize, poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
pub enum Category {
    #[serde(rename = "A")]
    #[oai(rename = "A")]
    A,
    #[serde(rename = "B")]
    #[oai(rename = "B")]
    B,
    #[serde(rename = "C")]
    #[oai(rename = "C")]
    C,
}

/// The six scored dimensions.
#[derive(
    Serialize, Deserialize, poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum Dimension {
    Flow,
    InvoiceTax,
    Credit,
    Assets,
    Qualification,
    Industry,
}

impl Dimension {
    pub const ALL: [Self; 6] =
        [Self::Flow, Self::InvoiceTax, Self::Credit, Self::Assets, Self::Qualification, Self::Industry];

    pub fn label(self) -> &'static str {
        match self {
            Self::Flow => "流水",
            Self::InvoiceTax => "票税",
            Self::Credit => "征信",
            Self::Assets => "资产",
            Self::Qualification => "资质",
            Self::Industry => "行业",
        }
    }
}

/// Dimension scores, each 0–100 (one decimal).
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq, Default)]
pub struct Scores {
    pub flow: f64,
    pub invoice_tax: f64,
    pub credit: f64,
    pub assets: f64,
    pub qualification: f64,
    pub industry: f64,
}

impl Scores {
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

    pub fn set(&mut self, d: Dimension, v: f64) {
        let slot = match d {
            Dimension::Flow => &mut self.flow,
            Dimension::InvoiceTax => &mut self.invoice_tax,
            Dimension::Credit => &mut self.credit,
            Dimension::Assets => &mut self.assets,
            Dimension::Qualification => &mut self.qualification,
            Dimension::Industry => &mut self.industry,
        };
        *slot = v;
    }
}

/// One evaluated rule with its contribution and plain-language reason.
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub dimension: Dimension,
    /// Points this rule contributed to its dimension (negative for deductions).
    pub points: f64,
    pub reason: String,
}

/// A fired veto or cap.
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct RuleHit {
    pub id: String,
    pub reason: String,
}

#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct ProductResult {
    pub product_id: String,
    pub name: String,
    pub family: ProductFamily,
    pub is_example: bool,
    pub eligible: bool,
    /// Product's own estimate (before the combined unsecured cap); 0 when ineligible.
    pub estimated_wan: f64,
    /// Id of the first gate that blocks the product.
    pub blocking_gate: Option<String>,
    /// The same in plain Chinese words.
    pub blocking_reason: Option<String>,
    pub last_verified_on: Option<NaiveDate>,
}

#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct Diagnosis {
    pub scores: Scores,
    /// Weighted total 0–100, one decimal.
    pub total: f64,
    pub category: Category,
    pub findings: Vec<Finding>,
    pub vetoes: Vec<RuleHit>,
    pub caps: Vec<RuleHit>,
    /// API names (e.g. "annual_tax_wan") of facts the diagnosis had to assume.
    pub missing_fields: Vec<String>,
    pub products: Vec<ProductResult>,
    /// max(best eligible secured estimate, best eligible unsecured estimate limited by the
    /// combined unsecured cap).
    pub recommended_wan: f64,
    /// Combined unsecured cap (None when annual invoice is unknown).
    pub unsecured_cap_wan: Option<f64>,
    /// One plain sentence for the client report.
    pub verdict: String,
}

/// Runs the whole model. Pure and deterministic: same inputs, same output.
pub fn diagnose(facts: &Facts, rules: &RuleSet, products: &[Product], today: NaiveDate) -> Diagnosis {
    let ctx = Ctx::new(facts, rules, today);
    let Scored { scores, total, findings, vetoes, caps } = score(rules, &ctx);
    let evals: Vec<(&Product, ProductEval)> =
        products.iter().filter(|p| p.active).map(|p| (p, evaluate_product(p, &ctx))).collect();
    let cap = unsecured_cap_yuan(rules, facts);
    let recommended = recommended_yuan(&evals, cap);
    let category = categorize(rules, &scores, total, &vetoes, &caps, recommended, facts);
    let verdict = verdict(rules, &evals, &vetoes, recommended);
    Diagnosis {
        scores,
        total,
        category,
        findings,
        vetoes,
        caps,
        missing_fields: facts.missing_fields(),
        products: evals.iter().map(|(p, e)| product_result(p, e)).collect(),
        recommended_wan: yuan_to_wan(recommended),
        unsecured_cap_wan: cap.map(yuan_to_wan),
        verdict,
    }
}

fn product_result(p: &Product, e: &ProductEval) -> ProductResult {
    ProductResult {
        product_id: p.id.clone(),
        name: p.name.clone(),
        family: p.family,
        is_example: p.is_example,
        eligible: e.eligible(),
        estimated_wan: yuan_to_wan(e.estimate_yuan),
        blocking_gate: e.blocker.as_ref().map(|b| b.0.clone()),
        blocking_reason: e.blocker.as_ref().map(|b| b.1.clone()),
        last_verified_on: p.last_verified_on,
    }
}

/// Recommended amount in 元 (domain.md §2.5): the best eligible product, with unsecured
/// products limited together by the working-capital cap.
pub fn recommended_yuan(evals: &[(&Product, ProductEval)], unsecured_cap: Option<i64>) -> i64 {
    let best = |secured: bool| {
        evals
            .iter()
            .filter(|(p, e)| e.eligible() && p.family.is_secured() == secured)
            .map(|(_, e)| e.estimate_yuan)
            .max()
            .unwrap_or(0)
    };
    let unsecured = best(false);
    let unsecured = unsecured_cap.map_or(unsecured, |c| unsecured.min(c));
    best(true).max(unsecured)
}

fn categorize(
    rules: &RuleSet,
    scores: &Scores,
    total: f64,
    vetoes: &[RuleHit],
    caps: &[RuleHit],
    recommended: i64,
    facts: &Facts,
) -> Category {
    let c = &rules.category;
    if !vetoes.is_empty() || total < c.c_below_total {
        return Category::C;
    }
    // Unknown demand: any eligible amount counts as covering it.
    let covered = match facts.loan_demand_yuan {
        Some(d) if d > 0 => recommended as f64 >= c.a_min_demand_cover * d as f64,
        _ => recommended > 0,
    };
    if total >= c.a_min_total && scores.credit >= c.a_min_credit && caps.is_empty() && covered {
        Category::A
    } else {
        Category::B
    }
}

/// Displays a range bound: whole 万 from 10万 up, one decimal below.
fn verdict_amount(yuan: f64) -> String {
    let wan = yuan / 10_000.0;
    if wan >= 10.0 { fmt_num(wan.round()) } else { fmt_num((wan * 10.0).round() / 10.0) }
}

fn verdict(
    rules: &RuleSet,
    evals: &[(&Product, ProductEval)],
    vetoes: &[RuleHit],
    recommended: i64,
) -> String {
    let t = &rules.verdict;
    let veto = vetoes.first().map_or("", |v| v.reason.as_str());
    if recommended > 0 {
        let mut eligible: Vec<&(&Product, ProductEval)> = evals.iter().filter(|(_, e)| e.eligible()).collect();
        // Biggest first; stable sort keeps catalogue order for ties (deterministic).
        eligible.sort_by_key(|(_, e)| std::cmp::Reverse(e.estimate_yuan));
        let mut families: Vec<&str> = Vec::new();
        for (p, _) in eligible {
            if !families.contains(&p.family.label()) {
                families.push(p.family.label());
            }
        }
        let low = recommended as f64 * rules.recommendation.verdict_range_low_ratio;
        let template = if vetoes.is_empty() { &t.eligible } else { &t.eligible_with_veto };
        return template
            .replace("{families}", &families.join("、"))
            .replace("{low}", &verdict_amount(low))
            .replace("{high}", &verdict_amount(recommended as f64))
            .replace("{veto}", veto);
    }
    if !vetoes.is_empty() {
        return t.vetoed.replace("{veto}", veto);
    }
    let blocker = evals
        .iter()
        .find_map(|(_, e)| e.blocker.as_ref().map(|b| b.1.as_str()))
        .unwrap_or("现有经营贷已占满按开票额测算的流动资金贷款额度");
    let blocker = if evals.iter().any(|(_, e)| e.eligible()) {
        "现有经营贷已占满按开票额测算的流动资金贷款额度"
    } else {
        blocker
    };
    t.none_eligible.replace("{blocker}", blocker)
}
