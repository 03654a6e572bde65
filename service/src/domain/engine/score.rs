//! Dimension scores (domain.md §2.4) and veto/cap triggers (§2.3), driven by `RuleSet` data.

use std::collections::BTreeMap;

use super::context::Ctx;
use super::diagnose::{Dimension, Finding, RuleHit, Scores};
use super::facts::{Facts, TaxGrade};
use super::products::collateral_equity;
use super::rules::{
    BandTable, PointsMap, RangeTable, RatioRule, RuleSet, Threshold, TierTable, Trigger,
    TriggerRule,
};
use crate::domain::money::{fmt_num, fmt_wan, round1, wan_to_yuan};

/// Points for a value from a band table (`None` = unknown → neutral points).
pub fn band_points<B: Threshold>(t: &BandTable<B>, value: Option<f64>) -> f64 {
    let Some(v) = value else {
        return t.missing_points;
    };
    if v == 0.0
        && let Some(z) = t.zero_points
    {
        return z;
    }
    t.bands
        .iter()
        .find(|b| v >= b.threshold())
        .map_or(t.below_points, Threshold::points)
}

/// Penalty of the highest tier the value exceeds (0 when none or unknown).
pub fn tier_points<T: Threshold>(t: &TierTable<T>, value: Option<f64>) -> f64 {
    let Some(v) = value else { return 0.0 };
    t.tiers
        .iter()
        .rev()
        .find(|x| v > x.threshold())
        .map_or(0.0, Threshold::points)
}

fn range_points(t: &RangeTable, value: Option<u32>) -> f64 {
    let Some(v) = value else {
        return t.missing_points;
    };
    t.ranges
        .iter()
        .find(|r| (r.min..=r.max).contains(&v))
        .map_or(t.else_points, |r| r.points)
}

fn map_points<K: Ord>(t: &PointsMap<K>, key: Option<K>) -> f64 {
    key.map_or(t.missing_points, |k| {
        t.points.get(&k).copied().unwrap_or(0.0)
    })
}

/// Explains a scored value: "对公流水月均35万元，…偏低" or "…资料待补充".
fn scored(
    id: &str,
    label: &str,
    dim: Dimension,
    points: f64,
    shown: Option<String>,
    low: (f64, &str),
) -> Finding {
    // Points stay in `points`: the reason is read by the client and carries no arithmetic.
    let reason = match shown {
        None => format!("{label}资料待补充"),
        Some(v) if points < low.0 => format!("{label}{v}，{}", low.1),
        Some(v) => format!("{label}{v}"),
    };
    Finding {
        rule_id: id.to_owned(),
        dimension: dim,
        points,
        reason,
    }
}

fn band_finding<B: Threshold>(
    t: &BandTable<B>,
    dim: Dimension,
    value: Option<f64>,
    show: impl Fn(f64) -> String,
) -> Finding {
    let p = band_points(t, value);
    scored(
        &t.id,
        &t.label,
        dim,
        p,
        value.map(show),
        (t.low_below_points, &t.reason_low),
    )
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
        reason: format!(
            "{}（{}：{}）",
            t.reason,
            t.label,
            show(value.unwrap_or(0.0))
        ),
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
    let mut out = vec![band_finding(
        &r.monthly_flow,
        d,
        money(f.monthly_flow_yuan),
        show_money,
    )];
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
        band_finding(
            &r.annual_invoice,
            d,
            money(f.annual_invoice_yuan),
            show_money,
        ),
        scored(
            &tg.id,
            &tg.label,
            d,
            gp,
            grade.map(|g| g.label().to_owned()),
            (tg.low_below_points, &tg.reason_low),
        ),
        band_finding(&r.annual_tax, d, money(f.annual_tax_yuan), show_money),
    ];
    let gap = f.invoice_gap_months.map(f64::from);
    out.extend(tier_finding(&r.invoice_gap, d, gap, |v| {
        format!("{}个月", fmt_num(v))
    }));
    out
}

/// Display helper for counts: "3次", "72%".
fn count(unit: &'static str) -> impl Fn(f64) -> String {
    move |v| format!("{}{unit}", fmt_num(v))
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
        let reason = "征信资料待补充".to_owned();
        let fi = Finding {
            rule_id: "CREDIT_UNKNOWN".to_owned(),
            dimension: d,
            points: 0.0,
            reason,
        };
        return (r.unknown_score, vec![fi]);
    }
    let out: Vec<Finding> = [
        tier_finding(
            &r.overdue_count_24m,
            d,
            f.overdue_count_24m.map(f64::from),
            count("次"),
        ),
        tier_finding(&r.card_utilization, d, f.card_utilization_pct, count("%")),
        tier_finding(
            &r.credit_institutions,
            d,
            f.credit_institutions.map(f64::from),
            count("家"),
        ),
        tier_finding(
            &r.business_loan_count,
            d,
            f.business_loan_count.map(f64::from),
            count("笔"),
        ),
        tier_finding(
            &r.business_loan_balance,
            d,
            money(f.business_loan_balance_yuan),
            show_money,
        ),
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
        None => format!("抵押物净值{}，贷款需求待补充", fmt_wan(equity)),
        Some(0.0) => format!("无有效抵押物净值，{}", r.cover.reason_low),
        Some(x) if x.is_infinite() => format!("抵押物净值{}", fmt_wan(equity)),
        Some(x) => format!(
            "抵押物净值{}，覆盖贷款需求{}倍",
            fmt_wan(equity),
            fmt_num(round1(x))
        ),
    };
    Finding {
        rule_id: r.cover.id.clone(),
        dimension: Dimension::Assets,
        points: p,
        reason: shown,
    }
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

/// The industry finding says what the class was read from, and flags 行业 and 主营业务
/// disagreeing so the broker checks which one the lender will believe.
fn industry(rules: &RuleSet, ctx: &Ctx) -> Finding {
    let r = &rules.dimensions.industry;
    let p = map_points(r, ctx.industry_class);
    let mut f = scored(
        &r.id,
        &r.label,
        Dimension::Industry,
        p,
        None,
        (r.low_below_points, &r.reason_low),
    );
    if let Some(v) = &ctx.industry {
        f.reason = v.basis.clone();
        if p < r.low_below_points {
            f.reason.push_str(&format!("；{}", r.reason_low));
        }
        if let Some(m) = &v.mismatch {
            f.reason.push_str(&format!("；{m}"));
        }
    }
    f
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
        Trigger::IndustryClassIn { classes } => {
            ctx.industry_class.is_some_and(|c| classes.contains(&c))
        }
        Trigger::CompanyAgeBelowMonths { months } => ctx.company_age_m.is_some_and(|m| m < *months),
        Trigger::LegalPersonAgeOutside { min, max } => {
            f.legal_person_age.is_some_and(|a| a < *min || a > *max)
        }
        Trigger::LegalPersonAgeAbove { age } => f.legal_person_age.is_some_and(|a| a > *age),
        Trigger::BusinessStatusIn { statuses } => {
            f.business_status.is_some_and(|s| statuses.contains(&s))
        }
        Trigger::InquiriesOver { window, max } => ctx.inquiries(*window).is_some_and(|n| n > *max),
        Trigger::CollateralHeldBelowMonths { months } => f
            .collaterals
            .iter()
            .any(|c| ctx.held_months(c).is_some_and(|h| h < *months)),
        Trigger::TaxAbnormal => f.tax_abnormal == Some(true),
        Trigger::LegalPersonChangedWithinMonths { months } => f
            .legal_person_changed_on
            .is_some_and(|d| super::facts::months_between(d, ctx.today) < *months),
        Trigger::TaxBurdenBelowPct { pct, min_scale_wan } => {
            let declared = f.annual_revenue_yuan.max(f.annual_invoice_yuan);
            match (f.annual_tax_yuan, declared) {
                (Some(tax), Some(base)) if base > 0 && base >= wan_to_yuan(*min_scale_wan) => {
                    (tax as f64) * 100.0 / (base as f64) < *pct
                }
                _ => false,
            }
        }
        Trigger::CardUtilizationOver { pct } => f.card_utilization_pct.is_some_and(|u| u > *pct),
        Trigger::CreditInstitutionsOver { max } => f.credit_institutions.is_some_and(|n| n > *max),
        Trigger::OverdueCountOver { max } => f.overdue_count_24m.is_some_and(|n| n > *max),
    }
}

fn fired(rules: &[TriggerRule], ctx: &Ctx) -> Vec<(RuleHit, Finding)> {
    rules
        .iter()
        .filter(|r| fires(&r.when, ctx))
        .map(|r| {
            let hit = RuleHit {
                id: r.id.clone(),
                reason: r.reason.clone(),
            };
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
    for &d in Dimension::ALL {
        scores.set(
            d,
            round1(raw.get(&d).copied().unwrap_or(0.0).clamp(0.0, 100.0)),
        );
    }
    let total = round1(
        Dimension::ALL
            .iter()
            .map(|d| scores.get(*d) * rules.weights.get(*d) / 100.0)
            .sum(),
    );
    Scored {
        scores,
        total,
        findings,
        vetoes,
        caps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::engine::diagnose::Category;
    use crate::domain::engine::facts::{BusinessStatus, TaxGrade};
    use crate::domain::engine::testkit::*;
    use crate::domain::money::wan_to_yuan;

    fn yuan(wan: Option<f64>) -> Option<f64> {
        wan.map(|x| wan_to_yuan(x) as f64)
    }

    fn check_bands<B: Threshold>(t: &BandTable<B>, money: bool, cases: &[(Option<f64>, f64)]) {
        for (v, want) in cases {
            let value = if money { yuan(*v) } else { *v };
            assert_eq!(band_points(t, value), *want, "{} at {v:?}", t.id);
        }
    }

    #[test]
    fn every_band_edge() {
        let r = rules();
        let d = &r.dimensions;
        check_bands(
            &d.flow.monthly_flow,
            true,
            &[
                (None, 50.0),
                (Some(0.0), 0.0),
                (Some(4.99), 15.0),
                (Some(5.0), 35.0),
                (Some(9.99), 35.0),
                (Some(10.0), 55.0),
                (Some(19.99), 55.0),
                (Some(20.0), 70.0),
                (Some(50.0), 85.0),
                (Some(99.99), 85.0),
                (Some(100.0), 100.0),
            ],
        );
        check_bands(
            &d.invoice_tax.annual_invoice,
            true,
            &[
                (None, 25.0),
                (Some(0.0), 0.0),
                (Some(0.01), 12.0),
                (Some(59.99), 12.0),
                (Some(60.0), 22.0),
                (Some(100.0), 30.0),
                (Some(200.0), 38.0),
                (Some(500.0), 45.0),
                (Some(999.99), 45.0),
                (Some(1000.0), 50.0),
            ],
        );
        check_bands(
            &d.invoice_tax.annual_tax,
            true,
            &[
                (None, 15.0),
                (Some(0.0), 0.0),
                (Some(0.99), 0.0),
                (Some(1.0), 8.0),
                (Some(2.99), 8.0),
                (Some(3.0), 15.0),
                (Some(5.0), 20.0),
                (Some(10.0), 25.0),
                (Some(19.99), 25.0),
                (Some(20.0), 30.0),
            ],
        );
        check_bands(
            &d.qualification.reg_capital,
            true,
            &[
                (None, 6.0),
                (Some(9.99), 3.0),
                (Some(10.0), 6.0),
                (Some(50.0), 9.0),
                (Some(100.0), 12.0),
                (Some(500.0), 15.0),
            ],
        );
        check_bands(
            &d.qualification.company_age,
            false,
            &[
                (None, 20.0),
                (Some(5.0), 0.0),
                (Some(6.0), 12.0),
                (Some(11.0), 12.0),
                (Some(12.0), 25.0),
                (Some(23.0), 25.0),
                (Some(24.0), 35.0),
                (Some(35.0), 35.0),
                (Some(36.0), 40.0),
            ],
        );
        check_bands(
            &d.assets.cover,
            false,
            &[
                (None, 60.0),
                (Some(0.0), 30.0),
                (Some(0.49), 60.0),
                (Some(0.5), 80.0),
                (Some(0.99), 80.0),
                (Some(1.0), 100.0),
            ],
        );
    }

    #[test]
    fn legal_person_age_ranges() {
        let t = &rules().dimensions.qualification.legal_person_age;
        let cases = [
            (None, 15.0),
            (Some(17), 0.0),
            (Some(18), 15.0),
            (Some(21), 15.0),
            (Some(22), 25.0),
            (Some(55), 25.0),
            (Some(56), 15.0),
            (Some(60), 15.0),
            (Some(61), 5.0),
            (Some(65), 5.0),
            (Some(66), 0.0),
        ];
        for (age, want) in cases {
            assert_eq!(range_points(t, age), want, "{age:?}");
        }
    }

    #[test]
    fn every_penalty_tier_edge() {
        let r = rules();
        let c = &r.dimensions.credit;
        let cases: [(&TierTable<_>, f64, f64); 15] = [
            (&c.overdue_count_24m, 0.0, 0.0),
            (&c.overdue_count_24m, 1.0, -10.0),
            (&c.overdue_count_24m, 2.0, -10.0),
            (&c.overdue_count_24m, 3.0, -20.0),
            (&c.overdue_count_24m, 5.0, -20.0),
            (&c.overdue_count_24m, 6.0, -35.0),
            (&c.card_utilization, 70.0, 0.0),
            (&c.card_utilization, 70.5, -10.0),
            (&c.card_utilization, 90.0, -10.0),
            (&c.card_utilization, 90.5, -20.0),
            (&c.credit_institutions, 2.0, 0.0),
            (&c.credit_institutions, 3.0, -10.0),
            (&c.business_loan_count, 2.0, 0.0),
            (&c.business_loan_count, 3.0, -10.0),
            (&r.dimensions.invoice_tax.invoice_gap, 4.0, -10.0),
        ];
        for (t, v, want) in cases {
            assert_eq!(tier_points(t, Some(v)), want, "{} at {v}", t.id);
        }
        assert_eq!(
            tier_points(&r.dimensions.invoice_tax.invoice_gap, Some(3.0)),
            0.0
        );
        assert_eq!(tier_points(&c.overdue_count_24m, None), 0.0);
        let bal = &c.business_loan_balance;
        assert_eq!(tier_points(bal, yuan(Some(500.0))), 0.0);
        assert_eq!(tier_points(bal, yuan(Some(500.01))), -10.0);
    }

    #[test]
    fn strong_customer_scores_full_marks() {
        let d = diag(&strong());
        assert_eq!(d.scores.flow, 100.0);
        assert_eq!(d.scores.invoice_tax, 100.0);
        assert_eq!(d.scores.credit, 100.0);
        assert_eq!(d.scores.assets, 100.0);
        assert_eq!(d.scores.qualification, 100.0);
        assert_eq!(d.scores.industry, 95.0);
        assert_eq!(d.total, 99.5);
        assert_eq!(d.category, Category::A);
    }

    #[test]
    fn every_veto_forces_c() {
        type Edit = fn(&mut crate::domain::engine::facts::Facts);
        let cases: [(&str, Edit); 12] = [
            ("V1", |f| f.current_overdue = Some(true)),
            ("V2", |f| f.severe_record_5y = Some(true)),
            ("V4", |f| f.dishonest_debtor = Some(true)),
            ("V5", |f| f.tax_grade = Some(TaxGrade::D)),
            ("V6", |f| f.industry = Some("房地产开发经营".into())),
            ("V6", |f| f.industry = Some("K7010".into())),
            ("V7", |f| f.established_on = Some(date(2026, 5, 26))),
            ("V8", |f| f.legal_person_age = Some(17)),
            ("V8", |f| f.legal_person_age = Some(66)),
            ("V9", |f| f.business_status = Some(BusinessStatus::Abnormal)),
            ("V9", |f| f.business_status = Some(BusinessStatus::Revoked)),
            ("V10", |f| f.tax_abnormal = Some(true)),
        ];
        for (id, edit) in cases {
            let d = diag(&strong_with(edit));
            assert!(d.vetoes.iter().any(|v| v.id == id), "{id} did not fire");
            assert_eq!(d.category, Category::C, "{id}");
            assert!(
                d.findings.iter().any(|f| f.rule_id == id),
                "{id} missing from findings"
            );
        }
    }

    #[test]
    fn veto_edges_do_not_fire_inside_the_limits() {
        type Edit = fn(&mut crate::domain::engine::facts::Facts);
        let cases: [Edit; 4] = [
            |f| f.established_on = Some(date(2026, 5, 25)), // exactly 6 months
            |f| f.legal_person_age = Some(18),
            |f| f.legal_person_age = Some(65),
            |f| f.current_overdue = None, // unknown never fires
        ];
        for edit in cases {
            assert!(diag(&strong_with(edit)).vetoes.is_empty());
        }
    }

    #[test]
    fn every_cap_limits_to_b() {
        type Edit = fn(&mut crate::domain::engine::facts::Facts);
        let cases: [(&str, Edit, f64); 9] = [
            ("K1", |f| f.lian3lei6_24m = Some(true), 60.0),
            ("K2_1M", |f| f.inquiries_1m = Some(4), 85.0),
            ("K2_3M", |f| f.inquiries_3m = Some(7), 85.0),
            ("K2_6M", |f| f.inquiries_6m = Some(11), 85.0),
            ("K3", |f| f.tax_grade = Some(TaxGrade::C), 100.0),
            ("K5", |f| f.legal_person_age = Some(61), 100.0),
            (
                "K4",
                |f| f.legal_person_changed_on = Some(date(2026, 8, 1)),
                100.0,
            ),
            (
                "K7",
                |f| {
                    f.annual_invoice_yuan = w(1500.0);
                    f.annual_tax_yuan = w(2.4);
                },
                100.0,
            ),
            ("K8", |f| f.established_on = Some(date(2026, 2, 1)), 100.0),
        ];
        for (id, edit, credit) in cases {
            let d = diag(&strong_with(edit));
            assert!(d.caps.iter().any(|c| c.id == id), "{id} did not fire");
            assert!(d.vetoes.is_empty(), "{id}");
            assert_eq!(d.category, Category::B, "{id}");
            assert_eq!(d.scores.credit, credit, "{id}");
        }
        let edges: [Edit; 5] = [
            |f| f.inquiries_1m = Some(3),
            |f| f.inquiries_3m = Some(6),
            |f| f.inquiries_6m = Some(10),
            |f| f.legal_person_age = Some(60),
            |f| f.collaterals[0].held_since = Some(date(2025, 11, 25)),
        ];
        for edit in edges {
            assert!(diag(&strong_with(edit)).caps.is_empty());
        }
    }

    #[test]
    fn ratio_rules_fire_on_inconsistency() {
        // 40万 × 12 = 480 < 0.5 × 1200 → −15; demand 500 > 0.3 × 480 → −10.
        let d = diag(&strong_with(|f| {
            f.monthly_flow_yuan = w(40.0);
            f.loan_demand_yuan = w(500.0);
        }));
        assert!(
            d.findings
                .iter()
                .any(|f| f.rule_id == "FLOW_VS_INVOICE" && f.points == -15.0)
        );
        assert!(
            d.findings
                .iter()
                .any(|f| f.rule_id == "FLOW_DEMAND" && f.points == -10.0)
        );
        assert_eq!(d.scores.flow, 70.0 - 25.0);
        let ok = diag(&strong_with(|f| f.monthly_flow_yuan = w(50.0)));
        assert!(!ok.findings.iter().any(|f| f.rule_id == "FLOW_VS_INVOICE"));
    }

    #[test]
    fn credit_deductions_and_unknown_report() {
        let d = diag(&strong_with(|f| {
            f.overdue_count_24m = Some(3);
            f.card_utilization_pct = Some(95.0);
            f.credit_institutions = Some(3);
            f.business_loan_count = Some(2);
            f.business_loan_balance_yuan = w(600.0);
        }));
        // Two business loans are within what gates allow: no deduction.
        assert_eq!(d.scores.credit, 100.0 - 20.0 - 20.0 - 10.0 - 10.0);
        let unknown = diag(&crate::domain::engine::facts::Facts::default());
        assert_eq!(unknown.scores.credit, 60.0);
        assert!(
            unknown
                .findings
                .iter()
                .any(|f| f.rule_id == "CREDIT_UNKNOWN")
        );
    }

    #[test]
    fn enum_points_grade_status_industry() {
        let grade = |g| diag(&strong_with(|f| f.tax_grade = g)).scores.invoice_tax;
        assert_eq!(grade(Some(TaxGrade::B)), 95.0);
        assert_eq!(grade(Some(TaxGrade::M)), 88.0);
        assert_eq!(grade(None), 88.0);
        assert_eq!(grade(Some(TaxGrade::C)), 80.0);
        let ind = |s: &str| {
            diag(&strong_with(|f| f.industry = Some(s.into())))
                .scores
                .industry
        };
        assert_eq!(ind("餐饮服务"), 75.0);
        assert_eq!(ind("道路货运"), 50.0);
        assert_eq!(ind("房地产"), 0.0);
        assert_eq!(
            diag(&strong_with(|f| f.industry = None)).scores.industry,
            75.0
        );
        let st = diag(&strong_with(|f| {
            f.business_status = Some(BusinessStatus::Abnormal)
        }));
        assert_eq!(st.scores.qualification, 80.0);
    }
}
