//! `diagnose`: facts + rules + products → an explainable, API-ready diagnosis.

pub use crate::domain::vocab::{Category, Dimension};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::context::Ctx;
use super::facts::Facts;
use super::products::{Product, ProductEval, ProductFamily, evaluate_product};
use super::rules::RuleSet;
use super::score::{Scored, score, unsecured_cap_yuan};
use crate::domain::money::{fmt_num, yuan_to_wan_rounded};

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
    #[oai(nullable)]
    pub blocking_gate: Option<String>,
    /// The same in plain Chinese words.
    #[oai(nullable)]
    pub blocking_reason: Option<String>,
    #[oai(nullable)]
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
    #[oai(nullable)]
    pub unsecured_cap_wan: Option<f64>,
    /// One plain sentence for the client report.
    pub verdict: String,
}

/// Runs the whole model. Pure and deterministic: same inputs, same output.
pub fn diagnose(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
) -> Diagnosis {
    let ctx = Ctx::new(facts, rules, today);
    let Scored {
        scores,
        total,
        findings,
        vetoes,
        caps,
    } = score(rules, &ctx);
    let evals: Vec<(&Product, ProductEval)> = products
        .iter()
        .filter(|p| p.active)
        .map(|p| (p, evaluate_product(p, &ctx)))
        .collect();
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
        recommended_wan: yuan_to_wan_rounded(recommended),
        unsecured_cap_wan: cap.map(yuan_to_wan_rounded),
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
        estimated_wan: yuan_to_wan_rounded(e.estimate_yuan),
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

fn verdict(
    rules: &RuleSet,
    evals: &[(&Product, ProductEval)],
    vetoes: &[RuleHit],
    recommended: i64,
) -> String {
    let t = &rules.verdict;
    let veto = vetoes.first().map_or("", |v| v.reason.as_str());
    if recommended > 0 {
        let mut eligible: Vec<&(&Product, ProductEval)> =
            evals.iter().filter(|(_, e)| e.eligible()).collect();
        // Biggest first; stable sort keeps catalogue order for ties (deterministic).
        eligible.sort_by_key(|(_, e)| std::cmp::Reverse(e.estimate_yuan));
        let mut families: Vec<&str> = Vec::new();
        for (p, _) in eligible {
            // Three families keep the verdict one readable sentence.
            if families.len() < MAX_VERDICT_FAMILIES && !families.contains(&p.family.label()) {
                families.push(p.family.label());
            }
        }
        let low = recommended as f64 * rules.recommendation.verdict_range_low_ratio;
        let template = if vetoes.is_empty() {
            &t.eligible
        } else {
            &t.eligible_with_veto
        };
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
        .unwrap_or("已有经营贷余额已占满按年开票额测算的可新增流动资金贷款空间");
    let blocker = if evals.iter().any(|(_, e)| e.eligible()) {
        "已有经营贷余额已占满按年开票额测算的可新增流动资金贷款空间"
    } else {
        blocker
    };
    t.none_eligible.replace("{blocker}", blocker)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::engine::facts::TaxGrade;
    use crate::domain::engine::testkit::*;

    #[test]
    fn recommended_is_best_secured_or_capped_unsecured() {
        let d = diag(&strong());
        assert_eq!(d.recommended_wan, 350.0); // mortgage beats min(240, cap 200)
        assert_eq!(d.unsecured_cap_wan, Some(200.0));
        let no_collateral = diag(&strong_with(|f| f.collaterals.clear()));
        assert_eq!(no_collateral.recommended_wan, 200.0);
        let unknown_invoice = diag(&strong_with(|f| {
            f.collaterals.clear();
            f.annual_invoice_yuan = None;
        }));
        assert_eq!(unknown_invoice.unsecured_cap_wan, None);
        assert_eq!(unknown_invoice.recommended_wan, 240.0);
    }

    #[test]
    fn category_rules() {
        assert_eq!(diag(&strong()).category, Category::A);
        // Demand not covered to 50 % keeps a high score at B.
        let big_demand = diag(&strong_with(|f| {
            f.loan_demand_yuan = w(1000.0);
            f.monthly_flow_yuan = w(300.0);
        }));
        assert_eq!(big_demand.category, Category::B, "{big_demand:?}");
        // No 征信 facts: neutral 60 < 70 → not A.
        let no_credit = diag(&strong_with(|f| {
            f.current_overdue = None;
            f.overdue_count_24m = None;
            f.lian3lei6_24m = None;
            f.severe_record_5y = None;
            f.inquiries_1m = None;
            f.inquiries_3m = None;
            f.inquiries_6m = None;
            f.card_utilization_pct = None;
            f.credit_institutions = None;
            f.business_loan_count = None;
            f.business_loan_balance_yuan = None;
        }));
        assert_eq!(no_credit.category, Category::B);
        let empty = diag(&Facts::default());
        assert_eq!(empty.category, Category::B);
        assert_eq!(empty.recommended_wan, 0.0);
        assert!(
            empty.verdict.starts_with("目前暂无可匹配的贷款产品"),
            "{}",
            empty.verdict
        );
        assert!(empty.missing_fields.contains(&"annual_tax_wan".to_owned()));
    }

    #[test]
    fn verdict_sentences() {
        let tax_only = strong_with(|f| {
            f.collaterals.clear();
            f.annual_invoice_yuan = None;
            f.monthly_flow_yuan = None;
            f.annual_tax_yuan = w(25.0);
        });
        // 25 × 8 = 200 → range 140–200.
        assert_eq!(
            diag(&tax_only).verdict,
            "目前可申请税贷类产品，预计额度 140–200 万元"
        );
        let vetoed = diag(&strong_with(|f| f.current_overdue = Some(true)));
        assert!(
            vetoed
                .verdict
                .starts_with("暂不符合主流经营贷准入条件：征信存在当前逾期"),
            "{}",
            vetoed.verdict
        );
        let veto_but_mortgage = diag(&strong_with(|f| f.tax_grade = Some(TaxGrade::D)));
        assert!(
            veto_but_mortgage
                .verdict
                .starts_with("存在否决项（纳税信用D级"),
            "{}",
            veto_but_mortgage.verdict
        );
        assert!(veto_but_mortgage.verdict.contains("抵押贷"));
        let small = diag(&strong_with(|f| {
            f.collaterals.clear();
            f.annual_invoice_yuan = None;
            f.monthly_flow_yuan = None;
            f.annual_tax_yuan = w(1.0);
            f.tax_grade = Some(TaxGrade::B);
        }));
        // Only 农行 example (≥1万): 1 × 6 = 6万 → 4.2–6.
        assert_eq!(small.verdict, "目前可申请税贷类产品，预计额度 4.2–6 万元");
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

        #[test]
        fn engine_is_deterministic(f in arb_facts()) {
            prop_assert_eq!(diag(&f), diag(&f.clone()));
        }
    }
}
