//! `diagnose`: facts + rules + products → an explainable, API-ready diagnosis.

pub use crate::domain::vocab::{Category, Dimension};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::combine::{Cap, Combination, combine, unsecured_cap};
use super::context::Ctx;
use super::facts::Facts;
use super::products::{
    Blocker, BlockerKind, Product, ProductEval, ProductFamily, evaluate_product,
};
use super::rules::RuleSet;
use super::score::{Scored, fires, score};
use crate::domain::money::{fmt_num, round1, yuan_to_wan_rounded};

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
    /// Stable rule key for integrators; the UI shows `reason`.
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
    /// 放款机构 (None for generic families).
    #[oai(nullable)]
    #[serde(default)]
    pub institution: Option<String>,
    pub is_example: bool,
    pub eligible: bool,
    /// Product's own estimate after risk cuts and product limits (before the combined
    /// unsecured cap); 0 when ineligible.
    pub estimated_wan: f64,
    /// Part of the combined amount.
    #[serde(default)]
    pub in_combination: bool,
    /// Its share of the combined amount (less than `estimated_wan` when the cap binds).
    #[serde(default)]
    pub combined_wan: f64,
    /// Key of the gate that binds first.
    #[oai(nullable)]
    pub blocking_gate: Option<String>,
    /// The same in plain Chinese words.
    #[oai(nullable)]
    pub blocking_reason: Option<String>,
    /// Every failing gate, the binding one first.
    #[serde(default)]
    pub blockers: Vec<Blocker>,
    /// What lowered the estimate (risk cuts, limits), in words.
    #[serde(default)]
    pub notes: Vec<String>,
    #[oai(nullable)]
    pub last_verified_on: Option<NaiveDate>,
}

/// One product of the combined amount.
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct CombinationItem {
    pub product_id: String,
    pub name: String,
    pub family: ProductFamily,
    pub amount_wan: f64,
}

#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct Diagnosis {
    pub scores: Scores,
    /// Weighted total 0–100, one decimal.
    pub total: f64,
    /// A/B: financeable now (A strong); C: nothing eligible now or a veto; incomplete:
    /// the facts that decide eligibility are unknown.
    pub category: Category,
    /// For C: months until a plan unlocks a product ("C（可修复，约N个月）").
    #[oai(nullable)]
    #[serde(default)]
    pub repairable_in_months: Option<u32>,
    /// For incomplete: which deciding facts are unknown.
    #[serde(default)]
    pub incomplete_facts: Vec<String>,
    pub findings: Vec<Finding>,
    pub vetoes: Vec<RuleHit>,
    pub caps: Vec<RuleHit>,
    /// API names (e.g. "annual_tax_wan") of facts the diagnosis had to assume.
    pub missing_fields: Vec<String>,
    pub products: Vec<ProductResult>,
    /// The combined amount a broker files for: see `combination`.
    pub recommended_wan: f64,
    /// The largest single eligible product.
    #[serde(default)]
    pub single_best_wan: f64,
    /// The products of the combined amount with the amount each contributes.
    #[serde(default)]
    pub combination: Vec<CombinationItem>,
    /// Combined unsecured cap (None when the business size is unknown).
    #[oai(nullable)]
    pub unsecured_cap_wan: Option<f64>,
    /// How the cap was computed, in words.
    #[oai(nullable)]
    #[serde(default)]
    pub unsecured_cap_arithmetic: Option<String>,
    /// The cap lowers the combined amount.
    #[serde(default)]
    pub cap_binding: bool,
    /// Combined amount ÷ 贷款需求, in percent (shown beside the grade, never inside it).
    #[oai(nullable)]
    #[serde(default)]
    pub demand_coverage_pct: Option<f64>,
    /// One plain sentence for the client report.
    pub verdict: String,
}

/// The part of a diagnosis plans re-run many times: products, combination and category, no
/// repair search (that search is made of assessments).
pub(crate) struct Assessment {
    pub diagnosis: Diagnosis,
    pub combined_yuan: i64,
}

/// Runs the whole model. Pure and deterministic: same inputs, same output.
pub fn diagnose(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
) -> Diagnosis {
    let a = assess(facts, rules, products, today);
    let mut d = a.diagnosis;
    if d.category == Category::C {
        d.repairable_in_months = super::plans::months_to_first_unlock(
            facts,
            rules,
            products,
            today,
            &d,
            a.combined_yuan,
        );
        if let Some(m) = d.repairable_in_months {
            d.verdict.push_str(&format!("（可修复，约{m}个月）"));
        }
    }
    d
}

pub(crate) fn assess(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
) -> Assessment {
    let ctx = Ctx::new(facts, rules, today);
    let Scored {
        scores,
        total,
        mut findings,
        vetoes,
        caps,
    } = score(rules, &ctx);
    let Priced {
        active,
        cut_reasons,
        evals,
        cap,
        combo,
    } = price(products, rules, &ctx);
    findings.extend(cut_reasons.iter().map(|r| Finding {
        rule_id: "RISK_CUT".to_owned(),
        dimension: Dimension::Credit,
        points: 0.0,
        reason: r.clone(),
    }));
    let missing_fields = facts.missing_fields();
    let incomplete_facts = incomplete(rules, facts, &missing_fields);
    let category = categorize(
        rules,
        &scores,
        total,
        &vetoes,
        &caps,
        combo.total_yuan,
        &incomplete_facts,
    );
    // An amount is only put in front of a client once the deciding facts are known: the
    // products' own rows still show what the known facts would allow.
    let combo = if category == Category::Incomplete {
        Combination {
            single_best_yuan: combo.single_best_yuan,
            ..Default::default()
        }
    } else {
        combo
    };
    let verdict = verdict(
        rules,
        &active,
        &evals,
        &vetoes,
        &combo,
        cap.as_ref(),
        &incomplete_facts,
    );
    let mut results: Vec<ProductResult> = active
        .iter()
        .zip(&evals)
        .map(|(p, e)| product_result(p, e))
        .collect();
    for pick in &combo.picks {
        results[pick.index].in_combination = true;
        results[pick.index].combined_wan = yuan_to_wan_rounded(pick.yuan);
    }
    let combination = combo
        .picks
        .iter()
        .map(|pick| CombinationItem {
            product_id: active[pick.index].id.clone(),
            name: active[pick.index].name.clone(),
            family: active[pick.index].family,
            amount_wan: yuan_to_wan_rounded(pick.yuan),
        })
        .collect();
    let demand_coverage_pct = facts
        .loan_demand_yuan
        .filter(|d| *d > 0)
        .map(|d| round1(combo.total_yuan as f64 * 100.0 / d as f64));
    Assessment {
        combined_yuan: combo.total_yuan,
        diagnosis: Diagnosis {
            scores,
            total,
            category,
            repairable_in_months: None,
            incomplete_facts,
            findings,
            vetoes,
            caps,
            missing_fields,
            products: results,
            recommended_wan: yuan_to_wan_rounded(combo.total_yuan),
            single_best_wan: yuan_to_wan_rounded(combo.single_best_yuan),
            combination,
            unsecured_cap_wan: cap.as_ref().map(|c| yuan_to_wan_rounded(c.yuan)),
            unsecured_cap_arithmetic: cap.as_ref().map(|c| c.arithmetic.clone()),
            cap_binding: combo.cap_binding,
            demand_coverage_pct,
            verdict,
        },
    }
}

/// What plans compare: the combined amount and which products are eligible, without scores,
/// findings or texts (the repair search behind "C（可修复…）" runs it many times).
pub(crate) struct Amounts {
    pub combined_yuan: i64,
    pub eligible: Vec<bool>,
}

pub(crate) fn amounts(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
) -> Amounts {
    let ctx = Ctx::new(facts, rules, today);
    let Priced { evals, combo, .. } = price(products, rules, &ctx);
    // The same rule as `assess`: an incomplete file (no veto) gets no amount.
    let vetoed = rules.vetoes.iter().any(|r| fires(&r.when, &ctx));
    let incomplete = !vetoed && !incomplete(rules, facts, &facts.missing_fields()).is_empty();
    Amounts {
        combined_yuan: if incomplete { 0 } else { combo.total_yuan },
        eligible: evals.iter().map(ProductEval::eligible).collect(),
    }
}

/// Products evaluated and combined: the part `assess` and `amounts` share.
struct Priced<'p> {
    active: Vec<&'p Product>,
    cut_reasons: Vec<String>,
    evals: Vec<ProductEval>,
    cap: Option<Cap>,
    combo: Combination,
}

fn price<'p>(products: &'p [Product], rules: &RuleSet, ctx: &Ctx) -> Priced<'p> {
    let active: Vec<&Product> = products.iter().filter(|p| p.active).collect();
    let (factor, cut_reasons) = risk_factor(rules, ctx);
    let evals: Vec<ProductEval> = active
        .iter()
        .map(|p| evaluate_product(p, ctx, (factor, &cut_reasons)))
        .collect();
    let cap = unsecured_cap(rules, ctx);
    let combo = combine(
        &active,
        &evals,
        cap.as_ref(),
        rules.recommendation.max_products,
    );
    Priced {
        active,
        cut_reasons,
        evals,
        cap,
        combo,
    }
}

/// The risk cut of unsecured estimates: within one kind of trigger the strongest cut applies
/// (card use over 90 % is not also "over 70 %"), different kinds multiply.
fn risk_factor(rules: &RuleSet, ctx: &Ctx) -> (f64, Vec<String>) {
    let mut strongest: Vec<(std::mem::Discriminant<super::rules::Trigger>, f64, &str)> = vec![];
    for h in rules.haircuts.iter().filter(|h| fires(&h.when, ctx)) {
        let kind = std::mem::discriminant(&h.when);
        match strongest.iter_mut().find(|(k, _, _)| *k == kind) {
            Some(slot) if h.factor < slot.1 => *slot = (kind, h.factor, &h.reason),
            Some(_) => {}
            None => strongest.push((kind, h.factor, &h.reason)),
        }
    }
    let factor = strongest
        .iter()
        .map(|(_, f, _)| f.clamp(0.0, 1.0))
        .product();
    (
        factor,
        strongest.iter().map(|(_, _, r)| (*r).to_owned()).collect(),
    )
}

fn product_result(p: &Product, e: &ProductEval) -> ProductResult {
    let first = e.blocker();
    ProductResult {
        product_id: p.id.clone(),
        name: p.name.clone(),
        family: p.family,
        institution: p.institution.clone(),
        is_example: p.is_example,
        eligible: e.eligible(),
        estimated_wan: yuan_to_wan_rounded(e.estimate_yuan),
        in_combination: false,
        combined_wan: 0.0,
        blocking_gate: first.map(|b| b.gate.clone()),
        blocking_reason: first.map(|b| b.reason.clone()),
        blockers: e.blockers.clone(),
        notes: e.notes.clone(),
        last_verified_on: p.last_verified_on,
    }
}

/// Labels of deciding-fact groups none of whose facts is known.
fn incomplete(rules: &RuleSet, facts: &Facts, missing: &[String]) -> Vec<String> {
    let known = |field: &str| {
        if field == "collaterals" {
            !facts.collaterals.is_empty()
        } else {
            !missing.iter().any(|m| m == field)
        }
    };
    rules
        .category
        .deciding_facts
        .iter()
        .filter(|g| !g.fields.iter().any(|f| known(f)))
        .map(|g| g.label.clone())
        .collect()
}

fn categorize(
    rules: &RuleSet,
    scores: &Scores,
    total: f64,
    vetoes: &[RuleHit],
    caps: &[RuleHit],
    combined: i64,
    incomplete: &[String],
) -> Category {
    let c = &rules.category;
    if !vetoes.is_empty() {
        return Category::C;
    }
    if !incomplete.is_empty() {
        return Category::Incomplete;
    }
    if combined <= 0 {
        return Category::C;
    }
    if total >= c.a_min_total && scores.credit >= c.a_min_credit && caps.is_empty() {
        Category::A
    } else {
        Category::B
    }
}

const MAX_VERDICT_FAMILIES: usize = 3;

/// Displays a range bound: whole 万 from 10万 up, one decimal below.
fn verdict_amount(yuan: f64) -> String {
    let wan = yuan / 10_000.0;
    if wan >= 10.0 {
        fmt_num(wan.round())
    } else {
        fmt_num((wan * 10.0).round() / 10.0)
    }
}

fn families_of<'a>(items: impl Iterator<Item = &'a Product>) -> String {
    let mut families: Vec<&str> = Vec::new();
    for p in items {
        // Three families keep the verdict one readable sentence.
        if families.len() < MAX_VERDICT_FAMILIES && !families.contains(&p.family.label()) {
            families.push(p.family.label());
        }
    }
    families.join("、")
}

fn verdict(
    rules: &RuleSet,
    products: &[&Product],
    evals: &[ProductEval],
    vetoes: &[RuleHit],
    combo: &Combination,
    cap: Option<&Cap>,
    incomplete: &[String],
) -> String {
    let t = &rules.verdict;
    let veto = vetoes.first().map_or("", |v| v.reason.as_str());
    let cap_note = |binding: bool| match cap {
        Some(c) if binding => t.cap_note.replace("{arithmetic}", &c.arithmetic),
        _ => String::new(),
    };
    if combo.total_yuan > 0 {
        let families = families_of(combo.picks.iter().map(|p| products[p.index]));
        let total = combo.total_yuan as f64;
        let low = total * rules.recommendation.verdict_range_low_ratio;
        let template = if vetoes.is_empty() {
            &t.eligible
        } else {
            &t.eligible_with_veto
        };
        return template
            .replace("{families}", &families)
            .replace("{low}", &verdict_amount(low))
            .replace("{high}", &verdict_amount(total))
            .replace("{veto}", veto)
            + &cap_note(combo.cap_binding);
    }
    if !vetoes.is_empty() {
        return t.vetoed.replace("{veto}", veto);
    }
    if !incomplete.is_empty() {
        return format!(
            "资料待补充：{}，补充后再测算可贷额度",
            incomplete.join("、")
        );
    }
    let eligible: Vec<&Product> = products
        .iter()
        .zip(evals)
        .filter(|(_, e)| e.eligible())
        .map(|(p, _)| *p)
        .collect();
    if !eligible.is_empty() {
        // Eligible products exist, so the cap (existing loans) is what leaves nothing to add.
        let arithmetic = cap.map_or(String::new(), |c| c.arithmetic.clone());
        return format!(
            "{}类产品准入条件已满足，但已有信用类经营贷已占满可新增额度：{arithmetic}",
            families_of(eligible.into_iter())
        );
    }
    t.none_eligible.replace("{blocker}", &main_blocker(evals))
}

/// The blocker to name when nothing is eligible: of the products a plan or a wait can open,
/// the one that opens soonest; otherwise the first permanent reason.
fn main_blocker(evals: &[ProductEval]) -> String {
    let repair_months = |e: &ProductEval| {
        if e.blockers.iter().any(|b| b.kind == BlockerKind::Permanent) {
            None
        } else {
            Some(
                e.blockers
                    .iter()
                    .filter_map(|b| b.months)
                    .max()
                    .unwrap_or(0),
            )
        }
    };
    evals
        .iter()
        .filter_map(|e| repair_months(e).map(|m| (m, e)))
        .min_by_key(|(m, _)| *m)
        .map(|(_, e)| e)
        .or_else(|| evals.first())
        .and_then(|e| e.blocker())
        .map_or_else(|| "暂无启用的贷款产品".to_owned(), |b| b.reason.clone())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::engine::facts::TaxGrade;
    use crate::domain::engine::testkit::*;

    #[test]
    fn combined_is_secured_plus_unsecured_under_the_cap() {
        let d = diag(&strong());
        // Mortgage 350 + one tax loan limited by the cap 25% × 1200 − 100 = 200.
        assert_eq!(d.recommended_wan, 550.0);
        assert_eq!(d.single_best_wan, 350.0);
        assert_eq!(d.unsecured_cap_wan, Some(200.0));
        assert!(d.cap_binding);
        assert_eq!(d.combination.len(), 2, "{:?}", d.combination);
        assert_eq!(
            d.unsecured_cap_arithmetic.as_deref(),
            Some("25% × 开票额1200万元 − 已有信用类经营贷100万元 = 200万元")
        );
        let no_collateral = diag(&strong_with(|f| f.collaterals.clear()));
        assert_eq!(no_collateral.recommended_wan, 200.0);
    }

    #[test]
    fn the_cap_base_is_the_larger_of_revenue_and_invoicing_and_liens_are_not_counted_twice() {
        // A restaurant invoicing little but declaring all income.
        let restaurant = strong_with(|f| {
            f.collaterals.clear();
            f.annual_invoice_yuan = w(40.0);
            f.annual_revenue_yuan = w(600.0);
            f.business_loan_balance_yuan = w(30.0);
        });
        let d = diag(&restaurant);
        assert_eq!(d.unsecured_cap_wan, Some(120.0), "25% × 600 − 30");
        assert!(d.recommended_wan > 0.0, "{}", d.verdict);
        // A 100万 mortgage loan with its lien recorded does not eat the unsecured cap.
        let mortgaged = strong_with(|f| {
            f.collaterals[0].lien_yuan = w(100.0);
            f.business_loan_balance_yuan = w(100.0);
        });
        assert_eq!(diag(&mortgaged).unsecured_cap_wan, Some(300.0));
    }

    #[test]
    fn at_most_n_institutions_are_combined() {
        let mut r = rules();
        r.recommendation.max_products = 1;
        let one = diagnose(&strong(), &r, &products(), today());
        assert_eq!(one.combination.len(), 1);
        assert_eq!(one.recommended_wan, 350.0);
        // Small products add up when no single one covers the cap.
        let small = strong_with(|f| {
            f.collaterals.clear();
            f.annual_tax_yuan = w(2.0);
            f.annual_invoice_yuan = w(200.0);
            f.annual_revenue_yuan = w(400.0);
            f.monthly_flow_yuan = w(12.0);
            f.business_loan_balance_yuan = Some(0);
        });
        let d = diag(&small);
        assert_eq!(d.combination.len(), 3, "{:?}", d.combination);
        let sum: f64 = d.combination.iter().map(|c| c.amount_wan).sum();
        assert_eq!(sum, d.recommended_wan);
        assert!(d.recommended_wan > d.single_best_wan);
    }

    #[test]
    fn category_rules() {
        assert_eq!(diag(&strong()).category, Category::A);
        // Demand does not move the grade; it is shown beside it.
        let big_demand = diag(&strong_with(|f| f.loan_demand_yuan = w(5000.0)));
        assert_eq!(big_demand.category, Category::A);
        assert_eq!(big_demand.demand_coverage_pct, Some(11.0));
        // A cap keeps an eligible client at B.
        let flowers = diag(&strong_with(|f| f.inquiries_3m = Some(7)));
        assert_eq!(flowers.category, Category::B);
        // Deciding facts unknown: 资料待补充 with the list, never a letter.
        let empty = diag(&Facts::default());
        assert_eq!(empty.category, Category::Incomplete);
        assert_eq!(
            empty.incomplete_facts.len(),
            3,
            "{:?}",
            empty.incomplete_facts
        );
        assert_eq!(empty.recommended_wan, 0.0);
        let no_credit = diag(&strong_with(|f| f.current_overdue = None));
        assert_eq!(no_credit.category, Category::Incomplete);
        assert!(
            no_credit.verdict.contains("资料待补充"),
            "{}",
            no_credit.verdict
        );
        // A 9-month-old company with only a platform loan open is financeable, but not A.
        let young = diag(&strong_with(|f| {
            f.established_on = Some(date(2026, 2, 1));
            f.collaterals.clear();
        }));
        assert_eq!(young.category, Category::B, "{}", young.verdict);
        // Nothing eligible now: C, with the months until a plan unlocks something.
        let flowers = diag(&strong_with(|f| {
            f.inquiries_1m = Some(6);
            f.inquiries_3m = Some(6);
            f.inquiries_6m = Some(6);
            f.collaterals.clear();
        }));
        assert_eq!(flowers.category, Category::C, "{}", flowers.verdict);
        assert_eq!(flowers.repairable_in_months, Some(1), "{}", flowers.verdict);
        assert!(
            flowers.verdict.contains("可修复，约1个月"),
            "{}",
            flowers.verdict
        );
    }

    #[test]
    fn a_cap_on_one_product_limits_that_product_only() {
        // A flat bought 3 months ago: the mortgage waits, the grade does not fall.
        let d = diag(&strong_with(|f| {
            f.collaterals[0].held_since = Some(date(2026, 8, 20))
        }));
        assert_eq!(d.category, Category::A, "{:?}", d.caps);
        let m = d
            .products
            .iter()
            .find(|p| p.product_id == "mortgage_loan")
            .unwrap();
        assert!(!m.eligible);
        assert_eq!(m.blockers[0].kind, BlockerKind::Wait);
        assert_eq!(m.blockers[0].months, Some(9));
    }

    #[test]
    fn verdict_sentences() {
        let tax_only = strong_with(|f| {
            f.collaterals.clear();
            f.annual_invoice_yuan = None;
            f.monthly_flow_yuan = None;
            f.annual_revenue_yuan = w(1000.0);
            f.annual_tax_yuan = w(25.0);
            f.business_loan_balance_yuan = Some(0);
        });
        // 建行 200 + 农行 50 (cap 250).
        let d = diag(&tax_only);
        assert!(
            d.verdict
                .starts_with("目前可申请税贷、平台贷类产品，预计额度")
                || d.verdict.starts_with("目前可申请税贷类产品，预计额度"),
            "{}",
            d.verdict
        );
        let vetoed = diag(&strong_with(|f| {
            f.current_overdue = Some(true);
            f.collaterals.clear();
        }));
        assert!(
            vetoed
                .verdict
                .starts_with("暂不符合主流经营贷准入条件：征信存在当前逾期"),
            "{}",
            vetoed.verdict
        );
        let veto_but_mortgage = diag(&strong_with(|f| f.severe_record_5y = Some(true)));
        assert!(
            veto_but_mortgage
                .verdict
                .starts_with("存在否决项（近5年征信有呆账"),
            "{}",
            veto_but_mortgage.verdict
        );
        assert!(veto_but_mortgage.verdict.contains("抵押贷"));
        // Tax grade D blocks bank credit and the mortgage 经营贷 too.
        let d_grade = diag(&strong_with(|f| f.tax_grade = Some(TaxGrade::D)));
        assert_eq!(d_grade.recommended_wan, 0.0, "{}", d_grade.verdict);
        assert!(
            d_grade
                .verdict
                .starts_with("暂不符合主流经营贷准入条件：纳税信用D级")
        );
        // Eligible products whose room the existing loans fill: never "暂无可匹配".
        let full = diag(&strong_with(|f| {
            f.collaterals.clear();
            f.business_loan_balance_yuan = w(400.0);
        }));
        assert_eq!(full.recommended_wan, 0.0);
        assert!(!full.verdict.contains("暂无可匹配"), "{}", full.verdict);
        assert!(
            full.verdict.contains("25% × 开票额1200万元"),
            "{}",
            full.verdict
        );
    }

    #[test]
    fn product_results_carry_blockers() {
        let d = diag(&strong_with(|f| f.annual_tax_yuan = w(2.0)));
        let tax = d
            .products
            .iter()
            .find(|p| p.product_id == "tax_loan")
            .unwrap();
        assert!(!tax.eligible);
        assert_eq!(tax.blocking_gate.as_deref(), Some("min_annual_tax"));
        assert_eq!(
            tax.blocking_reason.as_deref(),
            Some("近12个月纳税额2万元，低于产品门槛3万元")
        );
        let abc = d
            .products
            .iter()
            .find(|p| p.product_id == "abc_nashui_edai")
            .unwrap();
        assert!(abc.eligible && abc.is_example);
        assert_eq!(abc.estimated_wan, 16.0);
    }

    #[test]
    fn inactive_products_are_skipped() {
        let mut ps = products();
        ps[0].active = false;
        let d = diagnose(&strong(), &rules(), &ps, today());
        assert_eq!(d.products.len(), ps.len() - 1);
    }

    #[test]
    fn diagnosis_round_trips_through_json() {
        let d = diag(&strong_with(|f| f.lian3lei6_24m = Some(true)));
        let back: Diagnosis = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    fn rank(c: Category) -> u8 {
        match c {
            Category::A => 0,
            Category::B => 1,
            Category::C => 2,
            Category::Incomplete => 3,
        }
    }

    /// Ids of every rule that fired against the client: vetoes, caps, deductions, risk cuts.
    fn named(d: &Diagnosis) -> Vec<String> {
        d.vetoes
            .iter()
            .chain(&d.caps)
            .map(|h| h.id.clone())
            .chain(
                d.findings
                    .iter()
                    .filter(|f| f.points < 0.0 || f.rule_id == "RISK_CUT")
                    .map(|f| format!("{}:{}", f.rule_id, f.reason)),
            )
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn scores_and_total_stay_in_range(f in arb_facts()) {
            let d = diag(&f);
            for &dim in Dimension::ALL {
                let s = d.scores.get(dim);
                prop_assert!((0.0..=100.0).contains(&s), "{dim:?} = {s}");
            }
            prop_assert!((0.0..=100.0).contains(&d.total));
            prop_assert!(d.recommended_wan >= 0.0);
            prop_assert!(d.products.iter().all(|p| p.eligible == p.blocking_gate.is_none()));
        }

        #[test]
        fn current_overdue_always_yields_c(mut f in arb_facts()) {
            f.current_overdue = Some(true);
            prop_assert_eq!(diag(&f).category, Category::C);
        }

        #[test]
        fn more_tax_never_hurts(f in arb_facts(), extra in 0i64..5_000_000) {
            let mut more = f.clone();
            more.annual_tax_yuan = Some(f.annual_tax_yuan.unwrap_or(0) + extra);
            let mut base = f.clone();
            base.annual_tax_yuan = Some(f.annual_tax_yuan.unwrap_or(0));
            let (a, b) = (diag(&base), diag(&more));
            prop_assert!(b.scores.invoice_tax >= a.scores.invoice_tax);
            let tax = |d: &Diagnosis| d.products.iter().find(|p| p.product_id == "tax_loan").unwrap().estimated_wan;
            prop_assert!(tax(&b) >= tax(&a));
        }

        /// More tax, invoicing, revenue, flow or collateral, or fewer inquiries, overdues or
        /// loans never lower the combined amount, and lower the category only when a named
        /// consistency rule (e.g. 票流不一致, 税负率) fires and is shown.
        #[test]
        fn more_of_a_good_fact_never_hurts_without_a_named_rule(
            f in arb_facts(),
            which in 0usize..9,
            extra in 1i64..5_000_000,
        ) {
            let mut g = f.clone();
            let add = |v: &mut Option<i64>| { if let Some(x) = v { *x += extra } };
            let cut = |v: &mut Option<u32>| { if let Some(x) = v { *x = x.saturating_sub(1) } };
            match which {
                0 => add(&mut g.annual_tax_yuan),
                1 => add(&mut g.annual_invoice_yuan),
                2 => add(&mut g.annual_revenue_yuan),
                3 => add(&mut g.monthly_flow_yuan),
                4 => if let Some(c) = g.collaterals.first_mut() { add(&mut c.appraisal_yuan) },
                5 => {
                    // One fewer inquiry in every window keeps 1m ≤ 3m ≤ 6m.
                    cut(&mut g.inquiries_1m);
                    cut(&mut g.inquiries_3m);
                    cut(&mut g.inquiries_6m);
                }
                6 => cut(&mut g.overdue_count_24m),
                7 => if let Some(b) = g.business_loan_balance_yuan.as_mut() {
                    *b = (*b - extra).max(0)
                },
                _ => cut(&mut g.business_loan_count),
            }
            let (before, after) = (diag(&f), diag(&g));
            prop_assert!(
                after.recommended_wan >= before.recommended_wan - 0.01,
                "{which}: {} → {}\n{}\n{}", before.recommended_wan, after.recommended_wan,
                before.verdict, after.verdict
            );
            if rank(after.category) > rank(before.category) {
                let new = named(&after).into_iter().filter(|id| !named(&before).contains(id)).count();
                prop_assert!(new > 0, "{which}: {:?} → {:?} with no named rule", before.category, after.category);
            }
        }

        /// Learning a fact that was unknown may lower the amount only with the reason shown:
        /// the cap's arithmetic, a rule that fires, or a product's blocking reason.
        #[test]
        fn a_new_fact_lowers_the_amount_only_with_a_reason(f in arb_facts(), g in arb_facts()) {
            let mut learned = f.clone();
            if learned.annual_invoice_yuan.is_none() { learned.annual_invoice_yuan = g.annual_invoice_yuan }
            if learned.annual_revenue_yuan.is_none() { learned.annual_revenue_yuan = g.annual_revenue_yuan }
            if learned.card_utilization_pct.is_none() { learned.card_utilization_pct = g.card_utilization_pct }
            if learned.legal_person_age.is_none() { learned.legal_person_age = g.legal_person_age }
            let (before, after) = (diag(&f), diag(&learned));
            if after.recommended_wan < before.recommended_wan - 0.01 {
                let cap_shown = after.cap_binding && after.unsecured_cap_arithmetic.is_some();
                let rule = named(&after).iter().any(|id| !named(&before).contains(id));
                let blocked = before.products.iter().zip(&after.products).any(|(b, a)| {
                    (b.eligible && !a.eligible && a.blocking_reason.is_some())
                        || (a.estimated_wan < b.estimated_wan && !a.notes.is_empty())
                });
                let capped = after.unsecured_cap_wan < before.unsecured_cap_wan || before.unsecured_cap_wan.is_none();
                prop_assert!(cap_shown && capped || rule || blocked, "{}\n{}", before.verdict, after.verdict);
            }
        }

        #[test]
        fn engine_is_deterministic(f in arb_facts()) {
            prop_assert_eq!(diag(&f), diag(&f.clone()));
        }
    }
}
