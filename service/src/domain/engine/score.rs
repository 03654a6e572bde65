//! Dimension scores (domain.md §2.4) and veto/cap triggers (§2.3), driven by `RuleSet` data.

use std::collections::BTreeMap;

use super::context::Ctx;
use super::diagnose::{Dimension, Finding, RuleHit, Scores};
use super::facts::{Facts, TaxGrade};
use super::money::{fmt_num, fmt_wan, round1};
use super::products::collateral_equity;
use super::rules::{
    BandTable, PointsMap, RangeTable, RatioRule, RuleSet, Threshold, TierTable, Trigger, TriggerRule,
};

/// Points for a value from a band table (`None` = unknown → neutral points).
pub fn band_points<B: Threshold>(t: &BandTable<B>, value: Option<f64>) -> f64 {
    let Some(v) = value else { return t.missing_points };
    if v == 0.0 {
        if let Some(z) = t.zero_points {
            return z;
        }
    }
    t.bands.iter().find(|b| v >= b.threshold()).map_or(t.below_points, Threshold::points)
}

/// Penalty of the highest tier the value exceeds (0 when none or unknown).
pub fn tier_points<T: Threshold>(t: &TierTable<T>, value: Option<f64>) -> f64 {
    let Some(v) = value else { return 0.0 };
    t.tiers.iter().rev().find(|x| v > x.threshold()).map_or(0.0, Threshold::points)
}

fn range_points(t: &RangeTable, value: Option<u32>) -> f64 {
    let Some(v) = value else { return t.missing_points };
    t.ranges.iter().find(|r| (r.min..=r.max).contains(&v)).map_or(t.else_points, |r| r.points)
}

fn map_points<K: Ord>(t: &PointsMap<K>, key: Option<K>) -> f64 {
    key.map_or(t.missing_points, |k| t.points.get(&k).copied().unwrap_or(0.0))
}

/// Explains a scored value: "对公流水月均35万元，得70分：…偏低" or "…资料待补充".
fn scored(
    id: &str,
    label: &str,
    dim: Dimension,
    points: f64,
    shown: Option<String>,
    low: (f64, &str),
) -> Finding {
    let reason = match shown {
        None => format!("{label}资料待补充，暂按中性{}分计", fmt_num(points)),
        Some(v) if points < low.0 => format!("{label}{v}，得{}分：{}", fmt_num(points), low.1),
        Some(v) => format!("{label}{v}，得{}分", fmt_num(points)),
    };
    Finding { rule_id: id.to_owned(), dimension: dim, points, reason }
}

fn band_finding<B: Threshold>(
    t: &BandTable<B>,
    dim: Dimension,
    value: Option<f64>,
    show: impl Fn(f64) -> String,
) -> Finding {
    let p = band_points(t, value);
    scored(&t.id, &t.label, dim, p, value.map(show), (t.low_below_points, &t.reason_low))
}

/// A fired penalty tier as a finding, or None.
fn tier_finding<T: Threshold>(
    t: &TierTable<T>,
    dim: Dimension,
    value: Option<f64>,
    show: impl Fn(f64) -> String,
) -> Option<Finding> {
    let p = tier_points(t, value);
    (p != 0.0).then(|| Finding {
        rule_id: t.id.clone(),
        dimension: dim,
        points: p,
        reason: format!("{}（{}{}）", t.reason, t.label, show(value.unwrap_or(0.0))),
    })
}

fn ratio_finding(r: &RatioRule, dim: Dimension, fired: bool) -> Option<Finding> {
    fired.then(|| Finding {
        rule_id: r.id.clone(),
        dimension: dim,
        points: r.points,
        reason: r.reason.clone(),
    })
}

fn money(v: Option<i64>) -> Option<f64> {
    v.map(|x| x as f64)
}

fn show_money(v: f64) -> String {
    fmt_wan(v as i64)
}

fn sum(findings: &[Finding]) -> f64 {
    findings.iter().map(|f| f.points).sum()
}

fn flow(rules: &RuleSet, f: &Facts) -> Vec<Finding> {
    let r = &rules.dimensions.flow;
    let d = Dimension::Flow;
    let mut out = vec![band_finding(&r.monthly_flow, d, money(f.monthly_flow_yuan), show_money)];
    if let (Some(flow), Some(inv)) = (f.monthly_flow_yuan, f.annual_invoice_yuan) {
        let fired = (flow as f64) * 12.0 < r.flow_vs_invoice.ratio * inv as f64;
        out.extend(ratio_finding(&r.flow_vs_invoice, d, fired));
    }
    if let (Some(flow), Some(demand)) = (f.monthly_flow_yuan, f.loan_demand_yuan) {
        let fired = demand as f64 > r.demand_coverage.ratio * (flow as f64) * 12.0;
        out.extend(ratio_finding(&r.demand_coverage, d, fired));
    }
    out
}

fn invoice_tax(rules: &RuleSet, f: &Facts) -> Vec<Finding> {
    let r = &rules.dimensions.invoice_tax;
    let d = Dimension::InvoiceTax;
    let grade = f.tax_grade.filter(|g| *g != TaxGrade::Unknown);
    let gp = map_points(&r.tax_grade, grade);
    let tg = &r.tax_grade;
    let mut out = vec![
        band_finding(&r.annual_invoice, d, money(f.annual_invoice_yuan), show_money),
        scored(&tg.id, &tg.label, d, gp, grade.map(|g| g.label().to_owned()), (tg.low_below_points, &tg.reason_low)),
        band_finding(&r.annual_tax, d, money(f.annual_tax_yuan), show_money),
    ];
    let gap = f.invoice_gap_months.map(f64::from);
    out.extend(tier_finding(&r.invoice_gap, d, gap, |v| format!("{}个月", fmt_num(v))));
    out
}

fn credit_known(f: &Facts) -> bool {
    f.current_overdue.is_some()
        || f.overdue_count_24m.is_some()
        || f.lian3lei6_24m.is_some()
        || f.severe_record_5y.is_some()
        || f.inquiries_1m.is_some()
        || f.inquiries_3m.is_some()
        || f.inquiries_6m.is_some()
        || f.card_utilization_pct.is_some()
        || f.credit_institutions.is_some()
        || f.business_loan_count.is_some()
        || f.business_loan_balance_yuan.is_some()
}

/// Credit starts from `base` and loses points; with no 征信 fact at all it is neutral
/// (below the A threshold on purpose: an A needs a seen credit report).
fn credit(rules: &RuleSet, f: &Facts) -> (f64, Vec<Finding>) {
    let r = &rules.dimensions.credit;
    let d = Dimension::Credit;
    if !credit_known(f) {
        let reason = format!("征信资料待补充，暂按中性{}分计", fmt_num(r.unknown_score));
        let fi = Finding { rule_id: "CREDIT_UNKNOWN".to_owned(), dimension: d, points: 0.0, reason };
        return (r.unknown_score, vec![fi]);
    }
    let count = |n: &str| move |v: f64| format!("{}{n}", fmt_num(v));
    let out: Vec<Finding> = [
        tier_finding(&r.overdue_count_24m, d, f.overdue_count_24m.map(f64::from), count("次")),
        tier_finding(&r.card_utilization, d, f.card_utilization_pct, count("%")),
        tier_finding(&r.credit_institutions, d, f.credit_institutions.map(f64::from), count("家")),
        tier_finding(&r.business_loan_count, d, f.business_loan_count.map(f64::from), count("笔")),
        tier_finding(&r.business_loan_balance, d, money(f.business_loan_balance_yuan), show_money),
    ]
    .into_iter()
    .flatten()
    .collect();
    (r.base + sum(&out), out)
}

fn assets(rules: &RuleSet, ctx: &Ctx) -> Finding {
    let r = &rules.dimensions.assets;
    let equity = collateral_equity(ctx, &r.ltv, None);
    let demand = ctx.facts.loan_demand_yuan;
    // Ratio of equity to demand; demand 0 means any equity covers it.
    let ratio = match (equity, demand) {
        (e, _) if e <= 0 => Some(0.0),
        (e, Some(d)) if d > 0 => Some(e as f64 / d as f64),
        (_, Some(_)) => Some(f64::INFINITY),
        (_, None) => None,
    };
    let p = band_points(&r.cover, ratio);
    let shown = match ratio {
        None => format!("抵押物净值{}，贷款需求待补充，暂按{}分计", fmt_wan(equity), fmt_num(p)),
        Some(x) if x == 0.0 => format!("无有效抵押物净值，得{}分：{}", fmt_num(p), r.cover.reason_low),
        Some(x) if x.is_infinite() => format!("抵押物净值{}，得{}分", fmt_wan(equity), fmt_num(p)),
        Some(x) => format!("抵押物净值{}，覆盖贷款需求{}倍，得{}分", fmt_wan(equity), fmt_num(x), fmt_num(p)),
    };
    Finding { rule_id: r.cover.id.clone(), dimension: Dimension::Assets, points: p, reason: shown }
}

fn qualification(rules: &RuleSet, ctx: &Ctx) -> Vec<Finding> {
    let r = &rules.dimensions.qualification;
    let f = ctx.facts;
    let d = Dimension::Qualification;
    let la = &r.legal_person_age;
    let st = &r.business_status;
    let age = ctx.company_age_m.map(f64::from);
    vec![
        band_finding(&r.company_age, d, age, |v| format!("{}个月", fmt_num(v))),
        scored(
            &la.id,
            &la.label,
            d,
            range_points(la, f.legal_person_age),
            f.legal_person_age.map(|a| format!("{a}岁")),
            (la.low_below_points, &la.reason_low),
        ),
        band_finding(&r.reg_capital, d, money(f.reg_capital_yuan), show_money),
        scored(
            &st.id,
            &st.label,
            d,
            map_points(st, f.business_status),
            f.business_status.map(|s| s.label().to_owned()),
            (st.low_below_points, &st.reason_low),
        ),
    ]
}

fn industry(rules: &RuleSet, ctx: &Ctx) -> Finding {
    let r = &rules.dimensions.industry;
    let p = map_points(r, ctx.industry_class);
    let shown = ctx.industry_class.map(|c| c.label().to_owned());
    scored(&r.id, &r.label, Dimension::Industry, p, shown, (r.low_below_points, &r.reason_low))
}

/// Whether a trigger fires; unknown facts never fire.
pub fn fires(t: &Trigger, ctx: &Ctx) -> bool {
    let f = ctx.facts;
    match t {
        Trigger::CurrentOverdue => f.current_overdue == Some(true),
        Trigger::SevereRecord5y => f.severe_record_5y == Some(true),
        Trigger::DishonestDebtor => f.dishonest_debtor == Some(true),
        Trigger::Lian3lei624m => f.lian3lei6_24m == Some(true),
        Trigger::TaxGradeIn { grades } => f.tax_grade.is_some_and(|g| grades.contains(&g)),
        Trigger::IndustryClassIn { classes } => ctx.industry_class.is_some_and(|c| classes.contains(&c)),
        Trigger::CompanyAgeBelowMonths { months } => ctx.company_age_m.is_some_and(|m| m < *months),
        Trigger::LegalPersonAgeOutside { min, max } => {
            f.legal_person_age.is_some_and(|a| a < *min || a > *max)
        }
        Trigger::LegalPersonAgeAbove { age } => f.legal_person_age.is_some_and(|a| a > *age),
        Trigger::BusinessStatusIn { statuses } => f.business_status.is_some_and(|s| statuses.contains(&s)),
        Trigger::InquiriesOver { window, max } => ctx.inquiries(*window).is_some_and(|n| n > *max),
        Trigger::CollateralHeldBelowMonths { months } => {
            f.collaterals.iter().any(|c| ctx.held_months(c).is_some_and(|h| h < *months))
        }
    }
}

fn fired(rules: &[TriggerRule], ctx: &Ctx) -> Vec<(RuleHit, Finding)> {
    rules
        .iter()
        .filter(|r| fires(&r.when, ctx))
        .map(|r| {
            let hit = RuleHit { id: r.id.clone(), reason: r.reason.clone() };
            let fi = Finding {
                rule_id: r.id.clone(),
                dimension: r.dimension,
                points: r.points,
                reason: r.reason.clone(),
            };
            (hit, fi)
        })
        .collect()
}

pub struct Scored {
    pub scores: Scores,
    pub total: f64,
    pub findings: Vec<Finding>,
    pub vetoes: Vec<RuleHit>,
    pub caps: Vec<RuleHit>,
}

/// All six dimensions plus vetoes/caps; trigger points are added to their dimension
/// before clamping to 0–100.
pub fn score(rules: &RuleSet, ctx: &Ctx) -> Scored {
    let f = ctx.facts;
    let mut raw: BTreeMap<Dimension, f64> = BTreeMap::new();
    let mut findings = Vec::with_capacity(24);
    let mut add = |dim: Dimension, base: f64, fs: Vec<Finding>| {
        *raw.entry(dim).or_default() += base;
        findings.extend(fs);
    };
    let fl = flow(rules, f);
    add(Dimension::Flow, sum(&fl), fl);
    let it = invoice_tax(rules, f);
    add(Dimension::InvoiceTax, sum(&it), it);
    let (c, cf) = credit(rules, f);
    add(Dimension::Credit, c, cf);
    let a = assets(rules, ctx);
    add(Dimension::Assets, a.points, vec![a]);
    let q = qualification(rules, ctx);
    add(Dimension::Qualification, sum(&q), q);
    let i = industry(rules, ctx);
    add(Dimension::Industry, i.points, vec![i]);

    let (vetoes, vf): (Vec<_>, Vec<_>) = fired(&rules.vetoes, ctx).into_iter().unzip();
    let (caps, cf): (Vec<_>, Vec<_>) = fired(&rules.caps, ctx).into_iter().unzip();
    for fi in vf.into_iter().chain(cf) {
        *raw.entry(fi.dimension).or_default() += fi.points;
        findings.push(fi);
    }
    let mut scores = Scores::default();
    for d in Dimension::ALL {
        scores.set(d, round1(raw.get(&d).copied().unwrap_or(0.0).clamp(0.0, 100.0)));
    }
    let total = round1(Dimension::ALL.iter().map(|d| scores.get(*d) * rules.weights.get(*d) / 100.0).sum());
    Scored { scores, total, findings, vetoes, caps }
}

/// Total unsecured credit allowed by the 流动资金贷款 formula; None when invoices are unknown.
pub fn unsecured_cap_yuan(rules: &RuleSet, f: &Facts) -> Option<i64> {
    let r = &rules.recommendation;
    let inv = f.annual_invoice_yuan?;
    let cap = (inv.max(0) as f64 * r.unsecured_cap_invoice_ratio).floor() as i64;
    let existing = if r.subtract_business_loan_balance { f.business_loan_balance_yuan.unwrap_or(0) } else { 0 };
    Some((cap - existing).max(0))
}
