//! Improvement plans (改造方案): one per improvable gap, valued by re-running `diagnose`
//! on the target facts so gate crossings show up as step jumps (domain.md §2.6).

pub use crate::domain::vocab::{PlanKind, ProviderCategory};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::diagnose::{Category, Diagnosis, diagnose};
use super::facts::{BusinessStatus, Facts, TaxGrade, months_before};
use super::products::{Gate, Product};
use super::rules::{BandTable, InquiryWindow, RuleSet, Threshold, Trigger};
use crate::domain::money::{fmt_num, fmt_wan, wan_to_yuan, yuan_to_wan_rounded};

/// One fact the plan changes, for display ("近12个月纳税: 2万元 → 3万元").
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct FactChange {
    /// API field name, e.g. "annual_tax_wan".
    pub field: String,
    pub label: String,
    pub from: String,
    pub to: String,
}

/// A product whose estimate the plan changes.
#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct ProductDelta {
    pub product_id: String,
    pub name: String,
    pub before_wan: f64,
    pub after_wan: f64,
}

#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq)]
pub struct PlanDraft {
    pub kind: PlanKind,
    pub title: String,
    /// current → target in words.
    pub gap: String,
    pub changes: Vec<FactChange>,
    /// The facts after the change (stored with the plan; not part of the OpenAPI schema
    /// because it is in 元, see `changes` for the display form).
    #[oai(skip)]
    pub target_facts: Facts,
    pub tasks: Vec<String>,
    pub provider_category: ProviderCategory,
    pub cost_min_wan: f64,
    pub cost_max_wan: f64,
    pub months_to_effect: u32,
    /// recommended(after) − recommended(before).
    pub estimated_increase_wan: f64,
    pub recommended_before_wan: f64,
    pub recommended_after_wan: f64,
    pub category_before: Category,
    pub category_after: Category,
    pub total_before: f64,
    pub total_after: f64,
    /// Veto ids this plan removes.
    pub fixes_vetoes: Vec<String>,
    pub product_changes: Vec<ProductDelta>,
}

/// What a plan kind proposes before it is valued.
struct Proposal {
    target: Facts,
    changes: Vec<FactChange>,
    /// Keys into the template's `extra_tasks`.
    sub_gaps: Vec<&'static str>,
    months: Option<u32>,
    extra_cost_yuan: i64,
}

impl Proposal {
    fn new(facts: &Facts) -> Self {
        Proposal {
            target: facts.clone(),
            changes: Vec::new(),
            sub_gaps: Vec::new(),
            months: None,
            extra_cost_yuan: 0,
        }
    }

    /// A change of a recorded fact, named as the field catalogue names it.
    fn change(&mut self, field: &str, from: String, to: String) {
        let label = crate::domain::fields::label(field).into_owned();
        self.change_measure(field, &label, from, to);
    }

    /// A change of something derived from a fact (a company's age, a holding period).
    fn change_measure(&mut self, field: &str, label: &str, from: String, to: String) {
        self.changes.push(FactChange {
            field: field.to_owned(),
            label: label.to_owned(),
            from,
            to,
        });
    }

    fn into_option(self) -> Option<Self> {
        (!self.changes.is_empty()).then_some(self)
    }
}

/// Shared inputs of one generation run.
struct Env<'a> {
    rules: &'a RuleSet,
    products: &'a [Product],
    today: NaiveDate,
}

impl Env<'_> {
    fn recommended(&self, f: &Facts) -> f64 {
        diagnose(f, self.rules, self.products, self.today).recommended_wan
    }

    fn gates(&self) -> impl Iterator<Item = &Gate> {
        self.products
            .iter()
            .filter(|p| p.active)
            .flat_map(|p| p.gates.iter())
    }
}

/// Plans ordered by estimated increase (largest first); plans without gain are dropped
/// unless they remove a veto or improve the category.
pub fn generate_plans(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
) -> Vec<PlanDraft> {
    let env = Env {
        rules,
        products,
        today,
    };
    let before = diagnose(facts, rules, products, today);
    let mut plans: Vec<PlanDraft> = PlanKind::ALL
        .iter()
        .copied()
        .filter_map(|k| propose(k, facts, &env).map(|p| build(k, p, &before, &env)))
        .filter(|p| {
            p.estimated_increase_wan > 0.0
                || !p.fixes_vetoes.is_empty()
                || p.category_after < p.category_before
        })
        .collect();
    // Stable sort: ties keep the fixed kind order, so output is deterministic.
    plans.sort_by(|a, b| {
        b.estimated_increase_wan
            .total_cmp(&a.estimated_increase_wan)
    });
    plans
}

fn propose(kind: PlanKind, facts: &Facts, env: &Env) -> Option<Proposal> {
    match kind {
        PlanKind::TaxIncrease => tax_plan(facts, env),
        PlanKind::InvoiceIncrease => invoice_plan(facts, env),
        PlanKind::FlowIncrease => flow_plan(facts, env),
        PlanKind::CreditRepair => credit_plan(facts, env),
        PlanKind::Collateral => collateral_plan(facts, env),
        PlanKind::Qualification => qualification_plan(facts, env),
    }
}

fn build(kind: PlanKind, p: Proposal, before: &Diagnosis, env: &Env) -> PlanDraft {
    let t = env.rules.plans.get(kind);
    let after = diagnose(&p.target, env.rules, env.products, env.today);
    let mut tasks = t.tasks.clone();
    for key in &p.sub_gaps {
        tasks.extend(t.extra_tasks.get(*key).into_iter().flatten().cloned());
    }
    let extra = p.extra_cost_yuan.max(0);
    let gap = p
        .changes
        .iter()
        .map(|c| format!("{}：{} → {}", c.label, c.from, c.to))
        .collect::<Vec<_>>()
        .join("；");
    PlanDraft {
        kind,
        title: t.title.clone(),
        gap,
        changes: p.changes,
        target_facts: p.target,
        tasks,
        provider_category: t.provider_category,
        cost_min_wan: yuan_to_wan_rounded(wan_to_yuan(t.cost_min_wan) + extra),
        cost_max_wan: yuan_to_wan_rounded(wan_to_yuan(t.cost_max_wan) + extra),
        months_to_effect: p
            .months
            .unwrap_or(t.months_to_effect)
            .max(t.months_to_effect),
        estimated_increase_wan: round2(after.recommended_wan - before.recommended_wan),
        recommended_before_wan: before.recommended_wan,
        recommended_after_wan: after.recommended_wan,
        category_before: before.category,
        category_after: after.category,
        total_before: before.total,
        total_after: after.total,
        fixes_vetoes: before
            .vetoes
            .iter()
            .filter(|v| !after.vetoes.iter().any(|a| a.id == v.id))
            .map(|v| v.id.clone())
            .collect(),
        product_changes: product_deltas(before, &after),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn product_deltas(before: &Diagnosis, after: &Diagnosis) -> Vec<ProductDelta> {
    before
        .products
        .iter()
        .zip(&after.products)
        .filter(|(b, a)| b.estimated_wan != a.estimated_wan)
        .map(|(b, a)| ProductDelta {
            product_id: b.product_id.clone(),
            name: b.name.clone(),
            before_wan: b.estimated_wan,
            after_wan: a.estimated_wan,
        })
        .collect()
}

/// Money thresholds (元) from a band table.
fn band_thresholds<B: Threshold>(t: &BandTable<B>) -> impl Iterator<Item = i64> + '_ {
    t.bands.iter().map(|b| b.threshold().ceil() as i64)
}

/// The next threshold above `current` that raises the recommended amount; when none does,
/// the next one at all (it may still lift the score/category). "Next" keeps the target
/// realistic: the smallest real change that crosses a gate or band, and never more than
/// `max_growth` × current (a real business cannot multiply its sales on advice; from
/// zero there is no ratio, so any threshold is allowed).
fn next_target(
    current: i64,
    max_growth: Option<f64>,
    candidates: impl Iterator<Item = i64>,
    value_at: impl Fn(i64) -> f64,
) -> Option<i64> {
    let limit = max_growth
        .filter(|_| current > 0)
        .map_or(i64::MAX, |g| (current as f64 * g).floor() as i64);
    let mut cs: Vec<i64> = candidates.filter(|c| *c > current && *c <= limit).collect();
    cs.sort_unstable();
    cs.dedup();
    let base = value_at(current);
    cs.iter()
        .copied()
        .find(|c| value_at(*c) > base)
        .or_else(|| cs.first().copied())
}

fn with(f: &Facts, edit: impl FnOnce(&mut Facts)) -> Facts {
    let mut g = f.clone();
    edit(&mut g);
    g
}

fn tax_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let current = facts.annual_tax_yuan?;
    let mut p = Proposal::new(facts);
    // C/D grades block every tax product, so more tax alone would be worthless.
    if matches!(facts.tax_grade, Some(TaxGrade::C | TaxGrade::D)) {
        p.target.tax_grade = Some(TaxGrade::B);
        p.change(
            "tax_grade",
            facts.grade().label().to_owned(),
            TaxGrade::B.label().to_owned(),
        );
        p.sub_gaps.push("tax_grade");
    }
    let gates = env.gates().filter_map(|g| match g {
        Gate::MinAnnualTax { min_wan } => Some(wan_to_yuan(*min_wan)),
        _ => None,
    });
    let bands = band_thresholds(&env.rules.dimensions.invoice_tax.annual_tax);
    let base = p.target.clone();
    let growth = env.rules.plans.tax_increase.max_growth_ratio;
    if let Some(t) = next_target(current, growth, gates.chain(bands), |v| {
        env.recommended(&with(&base, |f| f.annual_tax_yuan = Some(v)))
    }) {
        p.target.annual_tax_yuan = Some(t);
        p.extra_cost_yuan = t - current;
        p.change("annual_tax_wan", fmt_wan(current), fmt_wan(t));
    }
    p.into_option()
}

fn invoice_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let current = facts.annual_invoice_yuan?;
    let mut p = Proposal::new(facts);
    let max_gap = env
        .gates()
        .filter_map(|g| match g {
            Gate::MaxInvoiceGapMonths { months } => Some(*months),
            _ => None,
        })
        .chain(
            env.rules
                .dimensions
                .invoice_tax
                .invoice_gap
                .tiers
                .iter()
                .map(|t| t.over.max(0.0) as u32),
        )
        .min();
    if let (Some(gap), Some(max)) = (facts.invoice_gap_months, max_gap)
        && gap > max
    {
        p.target.invoice_gap_months = Some(max);
        p.change(
            "invoice_gap_months",
            format!("{gap}个月"),
            format!("{max}个月以内"),
        );
        p.sub_gaps.push("invoice_gap");
    }
    let gates = env.gates().filter_map(|g| match g {
        Gate::MinAnnualInvoice { min_wan } => Some(wan_to_yuan(*min_wan)),
        _ => None,
    });
    let bands = band_thresholds(&env.rules.dimensions.invoice_tax.annual_invoice);
    let base = p.target.clone();
    let growth = env.rules.plans.invoice_increase.max_growth_ratio;
    if let Some(t) = next_target(current, growth, gates.chain(bands), |v| {
        env.recommended(&with(&base, |f| f.annual_invoice_yuan = Some(v)))
    }) {
        p.target.annual_invoice_yuan = Some(t);
        p.change("annual_invoice_wan", fmt_wan(current), fmt_wan(t));
    }
    p.into_option()
}

fn flow_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let current = facts.monthly_flow_yuan?;
    let r = &env.rules.dimensions.flow;
    let gates: Vec<i64> = env
        .gates()
        .filter_map(|g| match g {
            Gate::MinMonthlyFlow { min_wan } => Some(wan_to_yuan(*min_wan)),
            _ => None,
        })
        .collect();
    // Flow that makes the flow/invoice and demand-coverage penalties stop firing.
    let consistency = facts
        .annual_invoice_yuan
        .map(|inv| (r.flow_vs_invoice.ratio * inv as f64 / 12.0).ceil() as i64);
    let coverage = facts
        .loan_demand_yuan
        .filter(|_| r.demand_coverage.ratio > 0.0)
        .map(|d| (d as f64 / (r.demand_coverage.ratio * 12.0)).ceil() as i64);
    let candidates = gates
        .into_iter()
        .chain(band_thresholds(&r.monthly_flow))
        .chain(consistency)
        .chain(coverage);
    let growth = env.rules.plans.flow_increase.max_growth_ratio;
    let t = next_target(current, growth, candidates, |v| {
        env.recommended(&with(facts, |f| f.monthly_flow_yuan = Some(v)))
    })?;
    let mut p = Proposal::new(facts);
    p.target.monthly_flow_yuan = Some(t);
    p.change("monthly_flow_wan", fmt_wan(current), fmt_wan(t));
    Some(p)
}

/// Lowest inquiry limit for a window across caps and product gates.
fn inquiry_limit(env: &Env, w: InquiryWindow) -> Option<u32> {
    let caps = env.rules.caps.iter().filter_map(|c| match c.when {
        Trigger::InquiriesOver { window, max } if window == w => Some(max),
        _ => None,
    });
    let gates = env.gates().filter_map(|g| match g {
        Gate::MaxInquiries { window, max } if *window == w => Some(*max),
        _ => None,
    });
    caps.chain(gates).min()
}

/// Only legitimate steps: settle the overdue, stop applying, lower utilisation, close
/// surplus credit lines. Historic records (连三累六, 呆账) just age out and are not "planned".
fn credit_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let mut p = Proposal::new(facts);
    if facts.current_overdue == Some(true) {
        p.target.current_overdue = Some(false);
        p.change("current_overdue", "有".to_owned(), "已结清".to_owned());
        p.sub_gaps.push("current_overdue");
    }
    let windows = [
        (InquiryWindow::M1, facts.inquiries_1m, "inquiries_1m", 1),
        (InquiryWindow::M3, facts.inquiries_3m, "inquiries_3m", 3),
        (InquiryWindow::M6, facts.inquiries_6m, "inquiries_6m", 6),
    ];
    for (w, current, field, window_months) in windows {
        let (Some(n), Some(limit)) = (current, inquiry_limit(env, w)) else {
            continue;
        };
        if n > limit {
            match w {
                InquiryWindow::M1 => p.target.inquiries_1m = Some(limit),
                InquiryWindow::M3 => p.target.inquiries_3m = Some(limit),
                InquiryWindow::M6 => p.target.inquiries_6m = Some(limit),
            }
            p.change(field, format!("{n}次"), format!("{limit}次以内"));
            // Queries only leave the window by waiting its full length.
            p.months = Some(p.months.unwrap_or(0).max(window_months));
            if !p.sub_gaps.contains(&"inquiries") {
                p.sub_gaps.push("inquiries");
            }
        }
    }
    credit_util_and_institutions(facts, env, &mut p);
    p.into_option()
}

fn credit_util_and_institutions(facts: &Facts, env: &Env, p: &mut Proposal) {
    let r = &env.rules.dimensions.credit;
    let util_limit = r
        .card_utilization
        .tiers
        .iter()
        .map(|t| t.over)
        .reduce(f64::min);
    if let (Some(u), Some(limit)) = (facts.card_utilization_pct, util_limit)
        && u > limit
    {
        p.target.card_utilization_pct = Some(limit);
        p.change(
            "card_utilization_pct",
            format!("{}%", fmt_num(u)),
            format!("{}%以下", fmt_num(limit)),
        );
        p.sub_gaps.push("card_utilization");
    }
    let gate_max = env.gates().filter_map(|g| match g {
        Gate::MaxCreditInstitutions { max } => Some(*max),
        _ => None,
    });
    let tier_max = r
        .credit_institutions
        .tiers
        .iter()
        .map(|t| t.over.max(0.0) as u32);
    if let (Some(n), Some(limit)) = (facts.credit_institutions, gate_max.chain(tier_max).min())
        && n > limit
    {
        p.target.credit_institutions = Some(limit);
        p.change(
            "credit_institutions",
            format!("{n}家"),
            format!("{limit}家以内"),
        );
        p.sub_gaps.push("credit_institutions");
    }
}

/// Collateral held too briefly: the plan is to wait until the holding gate is met.
/// (Brand-new collateral is not invented: its value is unknown to the engine.)
fn collateral_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let required = env
        .gates()
        .filter_map(|g| match g {
            Gate::CollateralHeldMonths { months } => Some(*months),
            _ => None,
        })
        .max()?;
    let mut p = Proposal::new(facts);
    let mut wait = 0;
    for (i, c) in facts.collaterals.iter().enumerate() {
        let Some(since) = c.held_since else { continue };
        let held = super::facts::months_between(since, env.today);
        if held < required {
            let new_since = months_before(env.today, required);
            p.target.collaterals[i].held_since = Some(new_since);
            p.change_measure(
                &format!("collaterals[{i}].held_since"),
                &format!("{}持有期", c.kind.label()),
                format!("{held}个月"),
                format!("满{required}个月"),
            );
            wait = wait.max(required - held);
        }
    }
    if wait > 0 {
        p.months = Some(wait);
        p.sub_gaps.push("holding_period");
    }
    p.into_option()
}

fn qualification_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let mut p = Proposal::new(facts);
    if facts.business_status == Some(BusinessStatus::Abnormal) {
        p.target.business_status = Some(BusinessStatus::Normal);
        p.change(
            "business_status",
            BusinessStatus::Abnormal.label().to_owned(),
            BusinessStatus::Normal.label().to_owned(),
        );
        p.sub_gaps.push("business_status");
    }
    if facts.dishonest_debtor == Some(true) {
        p.target.dishonest_debtor = Some(false);
        p.change(
            "dishonest_debtor",
            "是".to_owned(),
            "已履行并移出".to_owned(),
        );
        p.sub_gaps.push("dishonest_debtor");
    }
    company_age_wait(facts, env, &mut p);
    p.into_option()
}

/// Longest wait for company age the plan proposes; beyond this it is not a plan.
const MAX_AGE_WAIT_MONTHS: u32 = 12;

fn company_age_wait(facts: &Facts, env: &Env, p: &mut Proposal) {
    let Some(age) = facts.company_age_months(env.today) else {
        return;
    };
    let next_gate = env
        .gates()
        .filter_map(|g| match g {
            Gate::MinCompanyAgeMonths { months } if *months > age => Some(*months),
            _ => None,
        })
        .min();
    let Some(gate) = next_gate.filter(|g| g - age <= MAX_AGE_WAIT_MONTHS) else {
        return;
    };
    p.target.established_on = Some(months_before(env.today, gate));
    p.change_measure(
        "established_on",
        "企业成立时长",
        format!("{age}个月"),
        format!("满{gate}个月"),
    );
    p.months = Some(gate - age);
    p.sub_gaps.push("company_age");
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::engine::testkit::*;
    use crate::domain::engine::validate::forbidden_phrases_in;

    /// A B-grade taxpayer whose only route is a tax loan (no invoices/flow/collateral known).
    fn tax_customer(tax_wan: f64) -> Facts {
        strong_with(|f| {
            f.tax_grade = Some(TaxGrade::B);
            f.annual_tax_yuan = w(tax_wan);
            f.annual_invoice_yuan = None;
            f.monthly_flow_yuan = None;
            f.collaterals.clear();
        })
    }

    fn plans(f: &Facts, ps: &[Product]) -> Vec<PlanDraft> {
        generate_plans(f, &rules(), ps, today())
    }

    fn find(ps: &[PlanDraft], k: PlanKind) -> &PlanDraft {
        ps.iter()
            .find(|p| p.kind == k)
            .unwrap_or_else(|| panic!("no {k:?} plan in {ps:#?}"))
    }

    #[test]
    fn tax_example_two_to_five_wan_is_zero_to_thirty() {
        let gp = generic_products();
        let rec = |f: &Facts| diagnose(f, &rules(), &gp, today()).recommended_wan;
        assert_eq!(rec(&tax_customer(2.0)), 0.0);
        assert_eq!(rec(&tax_customer(5.0)), 30.0);
    }

    #[test]
    fn tax_plan_targets_the_next_gate_with_a_step_jump() {
        let ps = plans(&tax_customer(2.0), &generic_products());
        let p = find(&ps, PlanKind::TaxIncrease);
        // Next threshold above 2万 is the 3万 gate: 0 → 3 × 6 = 18万.
        assert_eq!(p.target_facts.annual_tax_yuan, w(3.0));
        assert_eq!(p.estimated_increase_wan, 18.0);
        assert_eq!(p.product_changes[0].product_id, "tax_loan");
        assert_eq!(
            (
                p.product_changes[0].before_wan,
                p.product_changes[0].after_wan
            ),
            (0.0, 18.0)
        );
        assert_eq!((p.cost_min_wan, p.cost_max_wan), (1.3, 2.0)); // fee + 1万 extra tax
        assert_eq!(p.gap, "近12个月纳税额：2万元 → 3万元");
        assert_eq!(p.provider_category, ProviderCategory::TaxAgency);
        assert_eq!(p.months_to_effect, 12);
        // With the named examples 农行 (≥1万) already lends 12万, so the gain is smaller.
        let all = plans(&tax_customer(2.0), &products());
        assert_eq!(
            find(&all, PlanKind::TaxIncrease).estimated_increase_wan,
            6.0
        );
    }

    #[test]
    fn tax_plan_moves_to_the_next_band_above_the_gate() {
        let p = plans(&tax_customer(5.0), &generic_products());
        let t = find(&p, PlanKind::TaxIncrease);
        assert_eq!(t.target_facts.annual_tax_yuan, w(10.0));
        assert_eq!(t.estimated_increase_wan, 30.0);
    }

    #[test]
    fn grade_c_tax_plan_includes_the_grade() {
        let f = strong_with(|f| {
            f.tax_grade = Some(TaxGrade::C);
            f.collaterals.clear();
            f.annual_invoice_yuan = None;
            f.monthly_flow_yuan = None;
        });
        let p = plans(&f, &generic_products());
        let t = find(&p, PlanKind::TaxIncrease);
        assert_eq!(t.target_facts.tax_grade, Some(TaxGrade::B));
        assert!(t.tasks.iter().any(|x| x.contains("纳税信用修复")));
        assert_eq!(t.category_before, Category::B);
    }

    #[test]
    fn credit_plan_fixes_the_overdue_veto() {
        let ps = plans(
            &strong_with(|f| f.current_overdue = Some(true)),
            &products(),
        );
        let p = find(&ps, PlanKind::CreditRepair);
        assert_eq!(p.fixes_vetoes, vec!["V1".to_owned()]);
        assert_eq!(
            (p.category_before, p.category_after),
            (Category::C, Category::A)
        );
        assert_eq!(p.estimated_increase_wan, 350.0);
        assert!(p.tasks.iter().any(|t| t.contains("结清当前逾期")));
        assert_eq!(p.provider_category, ProviderCategory::CreditConsulting);
        assert_eq!((p.cost_min_wan, p.cost_max_wan), (0.0, 0.0));
        assert_eq!(ps[0].kind, PlanKind::CreditRepair);
    }

    #[test]
    fn credit_plan_waits_out_inquiries_and_lowers_utilisation() {
        let f = strong_with(|f| {
            f.inquiries_1m = Some(5);
            f.inquiries_6m = Some(12);
            f.card_utilization_pct = Some(95.0);
        });
        let ps = plans(&f, &products());
        let p = find(&ps, PlanKind::CreditRepair);
        assert_eq!(p.target_facts.inquiries_1m, Some(3));
        assert_eq!(p.target_facts.inquiries_6m, Some(10));
        assert_eq!(p.target_facts.card_utilization_pct, Some(70.0));
        assert_eq!(p.months_to_effect, 6);
        assert_eq!(p.category_after, Category::A);
        assert!(p.tasks.iter().any(|t| t.contains("不再申请新的贷款")));
    }

    #[test]
    fn invoice_and_flow_plans_cross_their_gates() {
        let f = Facts {
            established_on: Some(date(2020, 1, 1)),
            annual_invoice_yuan: w(50.0),
            invoice_gap_months: Some(5),
            monthly_flow_yuan: w(8.0),
            tax_grade: Some(TaxGrade::B),
            ..Facts::default()
        };
        let ps = plans(&f, &generic_products());
        let inv = find(&ps, PlanKind::InvoiceIncrease);
        assert_eq!(inv.target_facts.annual_invoice_yuan, w(60.0));
        assert_eq!(inv.target_facts.invoice_gap_months, Some(3));
        assert!(inv.tasks.iter().any(|t| t.contains("按月开票")));
        let flow = find(&ps, PlanKind::FlowIncrease);
        assert_eq!(flow.target_facts.monthly_flow_yuan, w(10.0));
        // 10 × 1.5 = 15, limited by the unsecured cap 0.25 × 50 = 12.5; before: 信用贷 50 × 5 % = 2.5.
        assert_eq!(flow.estimated_increase_wan, 10.0);
        assert!(
            ps.windows(2)
                .all(|w| w[0].estimated_increase_wan >= w[1].estimated_increase_wan)
        );
    }

    #[test]
    fn growth_targets_are_bounded() {
        let base = Facts {
            established_on: Some(date(2020, 1, 1)),
            tax_grade: Some(TaxGrade::B),
            ..Facts::default()
        };
        let invoice_only: Vec<Product> = generic_products()
            .into_iter()
            .filter(|p| p.id == "invoice_loan")
            .collect();
        let at = |wan: f64| {
            let f = Facts {
                annual_invoice_yuan: w(wan),
                ..base.clone()
            };
            plans(&f, &invoice_only)
        };
        // 100 → 200 (next band, ≤ 2×) doubles the invoice-loan estimate 10 → 20.
        let p = at(100.0);
        let inv = find(&p, PlanKind::InvoiceIncrease);
        assert_eq!(inv.target_facts.annual_invoice_yuan, w(200.0));
        assert_eq!(inv.estimated_increase_wan, 10.0);
        // 25 → 60 would be 2.4×: beyond the default max_growth_ratio 2, so no plan.
        assert!(at(25.0).iter().all(|p| p.kind != PlanKind::InvoiceIncrease));
    }

    #[test]
    fn collateral_plan_waits_for_the_holding_period() {
        let f = strong_with(|f| {
            f.collaterals[0].held_since = Some(date(2026, 3, 25)); // 8 months
            f.annual_invoice_yuan = None;
            f.monthly_flow_yuan = None;
            f.annual_tax_yuan = w(5.0);
        });
        let ps = plans(&f, &generic_products());
        let p = find(&ps, PlanKind::Collateral);
        assert_eq!(p.months_to_effect, 4);
        assert_eq!(p.estimated_increase_wan, 350.0 - 40.0);
        assert_eq!(p.provider_category, ProviderCategory::Appraisal);
    }

    #[test]
    fn qualification_plan_fixes_status_and_waits_for_age() {
        let ps = plans(
            &strong_with(|f| f.business_status = Some(BusinessStatus::Abnormal)),
            &products(),
        );
        let p = find(&ps, PlanKind::Qualification);
        assert_eq!(p.fixes_vetoes, vec!["V9".to_owned()]);
        assert!(p.tasks.iter().any(|t| t.contains("移出经营异常名录")));
        let young = strong_with(|f| {
            f.established_on = Some(date(2025, 3, 25)); // 20 months
            f.collaterals.clear();
        });
        let ps = plans(&young, &generic_products());
        let p = find(&ps, PlanKind::Qualification);
        assert_eq!(p.months_to_effect, 4);
        assert!(p.estimated_increase_wan > 0.0);
    }

    #[test]
    fn plans_without_gain_are_skipped() {
        for p in plans(&strong(), &products()) {
            assert!(
                p.estimated_increase_wan > 0.0 || p.category_after < p.category_before,
                "{p:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn generated_texts_never_contain_forbidden_phrases(f in arb_facts()) {
            for p in plans(&f, &products()) {
                for text in p.tasks.iter().chain([&p.title, &p.gap]) {
                    prop_assert!(forbidden_phrases_in(text).is_empty(), "{text}");
                }
                prop_assert!(p.estimated_increase_wan > 0.0
                    || !p.fixes_vetoes.is_empty()
                    || p.category_after < p.category_before);
            }
        }

        #[test]
        fn plan_generation_is_deterministic(f in arb_facts()) {
            prop_assert_eq!(plans(&f, &products()), plans(&f, &products()));
        }
    }
}
