//! Shared fixtures and proptest strategies for the engine's tests.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::facts::{BusinessStatus, Collateral, CollateralKind, Facts, TaxGrade};
use super::products::Product;
use super::rules::RuleSet;
use crate::domain::money::wan_to_yuan;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn w(x: f64) -> Option<i64> {
    Some(wan_to_yuan(x))
}

pub fn rules() -> RuleSet {
    RuleSet::default_rules()
}

pub fn products() -> Vec<Product> {
    Product::default_products()
}

pub fn diag(f: &super::facts::Facts) -> super::diagnose::Diagnosis {
    super::diagnose::diagnose(f, &rules(), &products(), today())
}

/// Strong facts with one edit applied.
pub fn strong_with(edit: impl FnOnce(&mut Facts)) -> Facts {
    let mut f = strong();
    edit(&mut f);
    f
}

/// A healthy manufacturer that scores A with every product open.
#[allow(clippy::needless_update)]
pub fn strong() -> Facts {
    Facts {
        established_on: Some(date(2020, 1, 1)),
        reg_capital_yuan: w(500.0),
        legal_person_age: Some(45),
        annual_invoice_yuan: w(1200.0),
        invoice_gap_months: Some(0),
        annual_tax_yuan: w(30.0),
        tax_grade: Some(TaxGrade::A),
        monthly_flow_yuan: w(120.0),
        current_overdue: Some(false),
        overdue_count_24m: Some(0),
        lian3lei6_24m: Some(false),
        severe_record_5y: Some(false),
        inquiries_1m: Some(0),
        inquiries_3m: Some(1),
        inquiries_6m: Some(2),
        card_utilization_pct: Some(20.0),
        credit_institutions: Some(1),
        business_loan_count: Some(1),
        business_loan_balance_yuan: w(100.0),
        dishonest_debtor: Some(false),
        business_status: Some(BusinessStatus::Normal),
        industry: Some("汽车零部件制造".to_owned()),
        collaterals: vec![Collateral {
            kind: CollateralKind::Residential,
            appraisal_yuan: w(500.0),
            lien_yuan: Some(0),
            held_since: Some(date(2018, 5, 1)),
        }],
        loan_demand_yuan: w(300.0),
        ..Default::default()
    }
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop::option::weighted(0.85, s).boxed()
}

fn money(max_wan: i64) -> BoxedStrategy<Option<i64>> {
    opt((0..=max_wan * 100).prop_map(|x| x * 100))
}

fn grade() -> impl Strategy<Value = TaxGrade> {
    prop::sample::select(vec![
        TaxGrade::A,
        TaxGrade::B,
        TaxGrade::M,
        TaxGrade::C,
        TaxGrade::D,
        TaxGrade::Unknown,
    ])
}

fn collateral() -> impl Strategy<Value = Collateral> {
    (
        prop::sample::select(CollateralKind::ALL.to_vec()),
        money(2000),
        money(800),
        opt(0u32..240),
    )
        .prop_map(|(kind, appraisal_yuan, lien_yuan, held)| Collateral {
            kind,
            appraisal_yuan,
            lien_yuan,
            held_since: held.map(|m| super::facts::months_before(today(), m)),
        })
}

/// Arbitrary facts over realistic (and some unrealistic) ranges, with unknowns.
#[allow(clippy::needless_update)]
pub fn arb_facts() -> impl Strategy<Value = Facts> {
    let company = (
        opt(0u32..400),
        money(5000),
        opt(10u32..80),
        money(20000),
        opt(0u32..12),
        money(500),
        opt(grade()),
        money(2000),
    );
    let credit = (
        opt(any::<bool>()),
        opt(0u32..12),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(0u32..8),
        opt(0u32..12),
        opt(0u32..20),
        opt(0.0f64..150.0),
    );
    let rest = (
        opt(0u32..8),
        opt(0u32..5),
        money(1500),
        opt(any::<bool>()),
        opt(prop::sample::select(vec![
            BusinessStatus::Normal,
            BusinessStatus::Abnormal,
            BusinessStatus::Revoked,
        ])),
        opt(prop::sample::select(vec![
            "汽车零部件制造",
            "餐饮服务",
            "建筑装饰工程",
            "房地产开发",
            "K7010",
            "",
        ])),
        prop::collection::vec(collateral(), 0..3),
        money(3000),
    );
    let v2 = (
        money(20000),
        money(100),
        opt(prop::bool::weighted(0.1)),
        opt(0u32..60),
        opt(prop::sample::select(vec![
            "C3110 炼钢",
            "洗浴用品批发",
            "软件开发",
            "餐饮业",
        ])),
    );
    (company, credit, rest, v2).prop_map(|(c, k, r, n)| Facts {
        annual_revenue_yuan: n.0,
        personal_receipts_yuan: n.1,
        tax_abnormal: n.2,
        legal_person_changed_on: n.3.map(|m| super::facts::months_before(today(), m)),
        industry: r.5.map(str::to_owned),
        main_business: n.4.map(str::to_owned),
        established_on: c.0.map(|m| super::facts::months_before(today(), m)),
        reg_capital_yuan: c.1,
        legal_person_age: c.2,
        annual_invoice_yuan: c.3,
        invoice_gap_months: c.4,
        annual_tax_yuan: c.5,
        tax_grade: c.6,
        monthly_flow_yuan: c.7,
        current_overdue: k.0,
        overdue_count_24m: k.1,
        lian3lei6_24m: k.2,
        severe_record_5y: k.3,
        inquiries_1m: k.4,
        inquiries_3m: k.5,
        inquiries_6m: k.6,
        card_utilization_pct: k.7,
        credit_institutions: r.0,
        business_loan_count: r.1,
        business_loan_balance_yuan: r.2,
        dishonest_debtor: r.3,
        business_status: r.4,
        collaterals: r.6,
        loan_demand_yuan: r.7,
        // A fact added to the catalogue stays unknown here until a rule needs it generated.
        ..Default::default()
    })
}

/// A diagnosis and its plans as a broker reads them (for test failures and the case report).
pub fn explain(d: &super::Diagnosis, plans: &[super::PlanDraft]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {} total {} | combined {}万 (single {}万) | cap {:?} {} | {}",
        d.category.label(),
        d.total,
        d.recommended_wan,
        d.single_best_wan,
        d.unsecured_cap_wan,
        d.unsecured_cap_arithmetic.as_deref().unwrap_or(""),
        d.verdict
    );
    for c in &d.combination {
        let _ = writeln!(out, "    + {} {}万", c.name, c.amount_wan);
    }
    for p in &d.products {
        let why = p.blocking_reason.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "    {} {} {}万 {why} {}",
            if p.eligible { "✓" } else { "✗" },
            p.name,
            p.estimated_wan,
            p.notes.join("；")
        );
    }
    for h in d.vetoes.iter().chain(&d.caps) {
        let _ = writeln!(out, "    ! {}", h.reason);
    }
    if !d.incomplete_facts.is_empty() {
        let _ = writeln!(out, "    ? {}", d.incomplete_facts.join("、"));
    }
    for p in plans {
        let _ = writeln!(
            out,
            "  plan {} [{}个月, {}–{}万] {} | {}",
            p.kind.code(),
            p.months_to_effect,
            p.cost_min_wan,
            p.cost_max_wan,
            p.headline,
            p.gap
        );
    }
    out
}
