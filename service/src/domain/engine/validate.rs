//! Validation of admin-edited rule sets and products: schema (via serde) and meaning.
//! Errors carry a JSON path and a Chinese message so the UI can point at the bad cell.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::industry::{GbCode, TEXT_PLACEHOLDERS};
use super::products::{AmountFormula, Gate, Product};
use super::rules::{
    BandTable, PlanTemplate, PointsMap, RangeTable, RatioRule, RuleSet, Threshold, TierTable,
    Trigger,
};

/// Phrases no plan text may contain (domain.md §5): faked flows, fake/inflated invoices,
/// "包装", and paid "征信洗白/修复" services that promise to delete true records.
pub const FORBIDDEN_PHRASES: &[&str] = &[
    "刷流水",
    "刷单",
    "假流水",
    "美化流水",
    "走账",
    "对敲",
    "虚开",
    "虚增",
    "假合同",
    "包装",
    "洗白",
    "征信洗白",
    "修复征信",
    "征信修复",
    "删除逾期",
    "消除逾期",
    "删除不良",
    "内部渠道",
    "代还",
];

/// The forbidden phrases contained in `text` (empty when clean).
pub fn forbidden_phrases_in(text: &str) -> Vec<&'static str> {
    FORBIDDEN_PHRASES
        .iter()
        .copied()
        .filter(|p| text.contains(p))
        .collect()
}

#[derive(Serialize, Deserialize, poem_openapi::Object, Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// JSON path of the offending value, e.g. `dimensions.credit.card_utilization.tiers[1].over`.
    pub path: String,
    /// 中文说明.
    pub message: String,
}

/// Collects errors with path prefixes.
#[derive(Default)]
struct Errs(Vec<RuleError>);

impl Errs {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(RuleError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn check(&mut self, ok: bool, path: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.push(path, message);
        }
    }

    fn text(&mut self, s: &str, path: &str) {
        self.check(!s.trim().is_empty(), path, "不能为空");
    }

    fn range(&mut self, v: f64, lo: f64, hi: f64, path: &str) {
        self.check(
            v.is_finite() && (lo..=hi).contains(&v),
            path,
            format!("取值须在 {lo} 到 {hi} 之间"),
        );
    }

    fn finish(self) -> Result<(), Vec<RuleError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Parses rule JSON (e.g. a `PUT /api/rules` body) and validates it.
pub fn parse_rules(json: &str) -> Result<RuleSet, Vec<RuleError>> {
    let rules: RuleSet = serde_json::from_str(json).map_err(|e| vec![json_error(&e)])?;
    validate(&rules)?;
    Ok(rules)
}

/// Parses one product's JSON and validates it.
pub fn parse_product(json: &str) -> Result<Product, Vec<RuleError>> {
    let p: Product = serde_json::from_str(json).map_err(|e| vec![json_error(&e)])?;
    validate_product(&p)?;
    Ok(p)
}

fn json_error(e: &serde_json::Error) -> RuleError {
    RuleError {
        path: String::new(),
        message: format!("JSON 结构错误（第{}行第{}列）：{e}", e.line(), e.column()),
    }
}

/// Meaning checks for a rule set; every problem is reported, not just the first.
pub fn validate(r: &RuleSet) -> Result<(), Vec<RuleError>> {
    let mut e = Errs::default();
    weights(&mut e, r);
    category(&mut e, r);
    dimensions(&mut e, r);
    triggers(&mut e, &r.vetoes, "vetoes");
    triggers(&mut e, &r.caps, "caps");
    unique_ids(&mut e, r);
    industry(&mut e, r);
    recommendation_and_verdict(&mut e, r);
    for (kind, t) in r.plans.all() {
        let key = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        plan_template(&mut e, t, &format!("plans.{key}"));
    }
    e.finish()
}

fn weights(e: &mut Errs, r: &RuleSet) {
    let w = &r.weights;
    let all = [
        ("flow", w.flow),
        ("invoice_tax", w.invoice_tax),
        ("credit", w.credit),
        ("assets", w.assets),
        ("qualification", w.qualification),
        ("industry", w.industry),
    ];
    for (k, v) in all {
        e.range(v, 0.0, 100.0, &format!("weights.{k}"));
    }
    let total: f64 = all.iter().map(|(_, v)| v).sum();
    e.check(
        (total - 100.0).abs() < 1e-6,
        "weights",
        format!("六个维度权重之和须为100，当前为{total}"),
    );
}

fn category(e: &mut Errs, r: &RuleSet) {
    let c = &r.category;
    e.range(c.a_min_total, 0.0, 100.0, "category.a_min_total");
    e.range(c.a_min_credit, 0.0, 100.0, "category.a_min_credit");
    let known: Vec<&str> = crate::domain::customer::FIELDS
        .iter()
        .map(|f| f.key)
        .collect();
    for (i, g) in c.deciding_facts.iter().enumerate() {
        let path = format!("category.deciding_facts[{i}]");
        e.text(&g.label, &format!("{path}.label"));
        e.check(!g.fields.is_empty(), format!("{path}.fields"), "不能为空");
        for (j, f) in g.fields.iter().enumerate() {
            e.check(
                known.contains(&f.as_str()),
                format!("{path}.fields[{j}]"),
                format!("未知的客户字段“{f}”"),
            );
        }
    }
    for (i, h) in r.haircuts.iter().enumerate() {
        let path = format!("haircuts[{i}]");
        e.check(
            h.factor > 0.0 && h.factor <= 1.0,
            format!("{path}.factor"),
            "折扣系数须大于0且不超过1",
        );
        e.text(&h.reason, &format!("{path}.reason"));
        phrases(e, &h.reason, &format!("{path}.reason"));
    }
    let p = &r.plan_policy;
    e.range(p.max_cost_share, 0.0, 10.0, "plan_policy.max_cost_share");
    e.range(
        p.growth_scenario_ratio,
        0.0,
        10.0,
        "plan_policy.growth_scenario_ratio",
    );
    e.check(
        (1..=12).contains(&p.tax_grade_review_month),
        "plan_policy.tax_grade_review_month",
        "月份须在1到12之间",
    );
    e.check(
        (1..=10).contains(&p.max_plans_per_kind),
        "plan_policy.max_plans_per_kind",
        "须在1到10之间",
    );
}

fn dimensions(e: &mut Errs, r: &RuleSet) {
    let d = &r.dimensions;
    band_table(e, &d.flow.monthly_flow, "dimensions.flow.monthly_flow");
    ratio(
        e,
        &d.flow.flow_vs_invoice,
        "dimensions.flow.flow_vs_invoice",
    );
    ratio(
        e,
        &d.flow.demand_coverage,
        "dimensions.flow.demand_coverage",
    );
    band_table(
        e,
        &d.invoice_tax.annual_invoice,
        "dimensions.invoice_tax.annual_invoice",
    );
    tier_table(
        e,
        &d.invoice_tax.invoice_gap,
        "dimensions.invoice_tax.invoice_gap",
    );
    points_map(
        e,
        &d.invoice_tax.tax_grade,
        "dimensions.invoice_tax.tax_grade",
    );
    band_table(
        e,
        &d.invoice_tax.annual_tax,
        "dimensions.invoice_tax.annual_tax",
    );
    let c = &d.credit;
    e.range(c.base, 0.0, 100.0, "dimensions.credit.base");
    e.range(
        c.unknown_score,
        0.0,
        100.0,
        "dimensions.credit.unknown_score",
    );
    tier_table(
        e,
        &c.overdue_count_24m,
        "dimensions.credit.overdue_count_24m",
    );
    tier_table(e, &c.card_utilization, "dimensions.credit.card_utilization");
    tier_table(
        e,
        &c.credit_institutions,
        "dimensions.credit.credit_institutions",
    );
    tier_table(
        e,
        &c.business_loan_count,
        "dimensions.credit.business_loan_count",
    );
    tier_table(
        e,
        &c.business_loan_balance,
        "dimensions.credit.business_loan_balance",
    );
    band_table(e, &d.assets.cover, "dimensions.assets.cover");
    for (k, v) in &d.assets.ltv {
        let key = serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        e.range(*v, 0.0, 1.0, &format!("dimensions.assets.ltv.{key}"));
    }
    let q = &d.qualification;
    band_table(e, &q.company_age, "dimensions.qualification.company_age");
    range_table(
        e,
        &q.legal_person_age,
        "dimensions.qualification.legal_person_age",
    );
    band_table(e, &q.reg_capital, "dimensions.qualification.reg_capital");
    points_map(
        e,
        &q.business_status,
        "dimensions.qualification.business_status",
    );
    points_map(e, &d.industry, "dimensions.industry");
}

/// Bands must be non-empty, strictly descending in threshold and never reward less for
/// more (so more tax/invoice/flow can never lower a score).
fn band_table<B: Threshold>(e: &mut Errs, t: &BandTable<B>, path: &str) {
    e.text(&t.id, &format!("{path}.id"));
    e.text(&t.label, &format!("{path}.label"));
    e.text(&t.reason_low, &format!("{path}.reason_low"));
    e.check(
        !t.bands.is_empty(),
        format!("{path}.bands"),
        "至少需要一个分档",
    );
    for (i, b) in t.bands.iter().enumerate() {
        let p = format!("{path}.bands[{i}]");
        e.range(b.points(), 0.0, 100.0, &format!("{p}.points"));
        e.check(
            b.threshold().is_finite() && b.threshold() >= 0.0,
            format!("{p}.{}", B::KEY),
            "门槛不能为负数",
        );
        if let Some(prev) = i.checked_sub(1).map(|j| &t.bands[j]) {
            e.check(
                b.threshold() < prev.threshold(),
                format!("{p}.{}", B::KEY),
                "分档门槛须从高到低严格递减",
            );
            e.check(
                b.points() <= prev.points(),
                format!("{p}.points"),
                "门槛更低的分档得分不能更高",
            );
        }
    }
    e.range(t.below_points, 0.0, 100.0, &format!("{path}.below_points"));
    e.range(
        t.missing_points,
        0.0,
        100.0,
        &format!("{path}.missing_points"),
    );
    e.range(
        t.low_below_points,
        0.0,
        100.0,
        &format!("{path}.low_below_points"),
    );
    if let Some(last) = t.bands.last() {
        e.check(
            t.below_points <= last.points(),
            format!("{path}.below_points"),
            "低于最低档的得分不能高于最低档",
        );
    }
    if let Some(z) = t.zero_points {
        e.range(z, 0.0, 100.0, &format!("{path}.zero_points"));
        e.check(
            z <= t.below_points,
            format!("{path}.zero_points"),
            "为0时的得分不能高于低于最低档的得分",
        );
    }
}

/// Tiers ascend in threshold and penalise at least as much for worse values.
fn tier_table<T: Threshold>(e: &mut Errs, t: &TierTable<T>, path: &str) {
    e.text(&t.id, &format!("{path}.id"));
    e.text(&t.label, &format!("{path}.label"));
    e.text(&t.reason, &format!("{path}.reason"));
    for (i, x) in t.tiers.iter().enumerate() {
        let p = format!("{path}.tiers[{i}]");
        e.range(x.points(), -100.0, 0.0, &format!("{p}.points"));
        e.check(
            x.threshold().is_finite() && x.threshold() >= 0.0,
            format!("{p}.{}", T::KEY),
            "门槛不能为负数",
        );
        if let Some(prev) = i.checked_sub(1).map(|j| &t.tiers[j]) {
            e.check(
                x.threshold() > prev.threshold(),
                format!("{p}.{}", T::KEY),
                "扣分档门槛须从低到高严格递增",
            );
            e.check(
                x.points() <= prev.points(),
                format!("{p}.points"),
                "更严重的档位扣分不能更少",
            );
        }
    }
}

fn ratio(e: &mut Errs, r: &RatioRule, path: &str) {
    e.text(&r.id, &format!("{path}.id"));
    e.text(&r.reason, &format!("{path}.reason"));
    e.range(r.ratio, 0.0, 10.0, &format!("{path}.ratio"));
    e.range(r.points, -100.0, 0.0, &format!("{path}.points"));
}

fn range_table(e: &mut Errs, t: &RangeTable, path: &str) {
    e.text(&t.id, &format!("{path}.id"));
    e.text(&t.reason_low, &format!("{path}.reason_low"));
    e.range(t.else_points, 0.0, 100.0, &format!("{path}.else_points"));
    e.range(
        t.missing_points,
        0.0,
        100.0,
        &format!("{path}.missing_points"),
    );
    for (i, r) in t.ranges.iter().enumerate() {
        let p = format!("{path}.ranges[{i}]");
        e.check(r.min <= r.max, format!("{p}.min"), "区间下限不能大于上限");
        e.range(r.points, 0.0, 100.0, &format!("{p}.points"));
        let overlaps = t.ranges[..i]
            .iter()
            .any(|o| r.min <= o.max && o.min <= r.max);
        e.check(!overlaps, format!("{p}.min"), "区间与前面的区间重叠");
    }
}

fn points_map<K: Ord>(e: &mut Errs, t: &PointsMap<K>, path: &str) {
    e.text(&t.id, &format!("{path}.id"));
    e.text(&t.reason_low, &format!("{path}.reason_low"));
    e.range(
        t.missing_points,
        0.0,
        100.0,
        &format!("{path}.missing_points"),
    );
    for (i, v) in t.points.values().enumerate() {
        e.range(*v, 0.0, 100.0, &format!("{path}.points[{i}]"));
    }
}

fn triggers(e: &mut Errs, list: &[super::rules::TriggerRule], path: &str) {
    for (i, r) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        e.text(&r.id, &format!("{p}.id"));
        e.text(&r.reason, &format!("{p}.reason"));
        e.range(r.points, -100.0, 0.0, &format!("{p}.points"));
        match &r.when {
            Trigger::LegalPersonAgeOutside { min, max } => {
                e.check(min <= max, format!("{p}.when.min"), "年龄下限不能大于上限");
                e.check(*max <= 120, format!("{p}.when.max"), "年龄上限不合理");
            }
            Trigger::LegalPersonAgeAbove { age } => {
                e.check(*age <= 120, format!("{p}.when.age"), "年龄不合理")
            }
            Trigger::CompanyAgeBelowMonths { months }
            | Trigger::CollateralHeldBelowMonths { months } => {
                e.check(*months <= 600, format!("{p}.when.months"), "月数不合理");
            }
            Trigger::TaxGradeIn { grades } => {
                e.check(!grades.is_empty(), format!("{p}.when.grades"), "不能为空")
            }
            Trigger::IndustryClassIn { classes } => {
                e.check(!classes.is_empty(), format!("{p}.when.classes"), "不能为空");
            }
            Trigger::BusinessStatusIn { statuses } => {
                e.check(
                    !statuses.is_empty(),
                    format!("{p}.when.statuses"),
                    "不能为空",
                );
            }
            _ => {}
        }
    }
}

/// Rule ids identify findings in stored diagnoses, so they must be unique.
fn unique_ids(e: &mut Errs, r: &RuleSet) {
    let mut seen = BTreeSet::new();
    for (path, list) in [("vetoes", &r.vetoes), ("caps", &r.caps)] {
        for (i, t) in list.iter().enumerate() {
            e.check(
                seen.insert(t.id.clone()),
                format!("{path}[{i}].id"),
                format!("规则编号“{}”重复", t.id),
            );
        }
    }
}

fn industry(e: &mut Errs, r: &RuleSet) {
    let m = &r.industry;
    let mut seen = BTreeMap::new();
    for (i, c) in m.codes.iter().enumerate() {
        let p = format!("industry.codes[{i}]");
        match GbCode::parse(&c.code) {
            Ok(code) => {
                let key = code.to_string();
                if let Some(first) = seen.insert(key.clone(), i) {
                    e.push(
                        format!("{p}.code"),
                        format!("行业代码 {key} 与第{}条重复", first + 1),
                    );
                }
            }
            Err(msg) => e.push(format!("{p}.code"), msg),
        }
        e.text(&c.name, &format!("{p}.name"));
    }
    for (i, en) in m.entries.iter().enumerate() {
        let p = format!("industry.entries[{i}]");
        e.check(
            !(en.keywords.is_empty() && en.code_prefixes.is_empty()),
            format!("{p}.keywords"),
            "关键词和行业代码不能同时为空",
        );
        for (j, k) in en.keywords.iter().enumerate() {
            e.text(k, &format!("{p}.keywords[{j}]"));
        }
        for (j, c) in en.code_prefixes.iter().enumerate() {
            if let Err(msg) = GbCode::parse(c) {
                e.push(format!("{p}.code_prefixes[{j}]"), msg);
            }
        }
    }
    for (key, list) in [
        ("supplier_suffixes", &m.supplier_suffixes),
        ("supplier_prefixes", &m.supplier_prefixes),
    ] {
        for (j, w) in list.iter().enumerate() {
            e.text(w, &format!("industry.{key}[{j}]"));
        }
    }
    e.check(
        m.supplier_max_gap <= MAX_SUPPLIER_GAP,
        "industry.supplier_max_gap",
        format!("取值须在 0 到 {MAX_SUPPLIER_GAP} 之间"),
    );
    for ((key, text), (_, needed)) in m.texts.by_key().into_iter().zip(TEXT_PLACEHOLDERS) {
        let path = format!("industry.texts.{key}");
        e.text(text, &path);
        let missing: Vec<String> = needed
            .iter()
            .filter(|n| !text.contains(&format!("{{{n}}}")))
            .map(|n| format!("{{{n}}}"))
            .collect();
        e.check(
            missing.is_empty() || text.trim().is_empty(),
            path,
            format!("须包含 {}", missing.join("、")),
        );
    }
}

/// A supplier suffix further than this from its keyword is about something else.
const MAX_SUPPLIER_GAP: u32 = 10;

fn recommendation_and_verdict(e: &mut Errs, r: &RuleSet) {
    let rec = &r.recommendation;
    e.range(
        rec.unsecured_cap_ratio,
        0.0,
        2.0,
        "recommendation.unsecured_cap_ratio",
    );
    e.check(
        (1..=10).contains(&rec.max_products),
        "recommendation.max_products",
        "组合产品数须在1到10之间",
    );
    e.range(
        rec.verdict_range_low_ratio,
        0.0,
        1.0,
        "recommendation.verdict_range_low_ratio",
    );
    let v = &r.verdict;
    let need = [
        (
            "verdict.eligible",
            &v.eligible,
            &["{families}", "{low}", "{high}"][..],
        ),
        (
            "verdict.eligible_with_veto",
            &v.eligible_with_veto,
            &["{families}", "{high}"][..],
        ),
        ("verdict.vetoed", &v.vetoed, &["{veto}"][..]),
        (
            "verdict.none_eligible",
            &v.none_eligible,
            &["{blocker}"][..],
        ),
    ];
    for (path, text, placeholders) in need {
        e.text(text, path);
        for ph in placeholders {
            e.check(text.contains(ph), path, format!("须包含占位符 {ph}"));
        }
        phrases(e, text, path);
    }
}

fn phrases(e: &mut Errs, text: &str, path: &str) {
    for ph in forbidden_phrases_in(text) {
        e.push(
            path,
            format!("含有违规表述“{ph}”（不得建议刷流水、虚开发票、包装或征信洗白）"),
        );
    }
}

fn plan_template(e: &mut Errs, t: &PlanTemplate, path: &str) {
    e.text(&t.title, &format!("{path}.title"));
    phrases(e, &t.title, &format!("{path}.title"));
    e.check(
        !t.tasks.is_empty(),
        format!("{path}.tasks"),
        "任务清单不能为空",
    );
    for (i, task) in t.tasks.iter().enumerate() {
        e.text(task, &format!("{path}.tasks[{i}]"));
        phrases(e, task, &format!("{path}.tasks[{i}]"));
    }
    for (key, tasks) in &t.extra_tasks {
        for (i, task) in tasks.iter().enumerate() {
            let p = format!("{path}.extra_tasks.{key}[{i}]");
            e.text(task, &p);
            phrases(e, task, &p);
        }
    }
    e.range(t.cost_min_wan, 0.0, 1000.0, &format!("{path}.cost_min_wan"));
    e.range(t.cost_max_wan, 0.0, 1000.0, &format!("{path}.cost_max_wan"));
    e.check(
        t.cost_min_wan <= t.cost_max_wan,
        format!("{path}.cost_min_wan"),
        "费用下限不能高于上限",
    );
    if let Some(g) = t.max_growth_ratio {
        e.range(g, 1.0, 100.0, &format!("{path}.max_growth_ratio"));
    }
    e.check(
        t.months_to_effect <= 60,
        format!("{path}.months_to_effect"),
        "见效月数须在0到60之间",
    );
    if let Some(u) = t.target_unit_wan {
        e.range(u, 0.01, 1000.0, &format!("{path}.target_unit_wan"));
    }
    e.range(
        t.cost_per_wan_increase,
        0.0,
        10.0,
        &format!("{path}.cost_per_wan_increase"),
    );
    let texts = t
        .tasks
        .iter()
        .enumerate()
        .map(|(i, x)| (format!("{path}.tasks[{i}]"), x))
        .chain(t.extra_tasks.iter().flat_map(|(key, list)| {
            list.iter()
                .enumerate()
                .map(move |(i, x)| (format!("{path}.extra_tasks.{key}[{i}]"), x))
        }));
    for (p, text) in texts {
        for name in placeholders(text) {
            e.check(
                PLAN_PLACEHOLDERS.contains(&name),
                &p,
                format!(
                    "未知的占位符 {{{name}}}，可用：{}",
                    PLAN_PLACEHOLDERS.join("、")
                ),
            );
        }
    }
    for (i, d) in t.dated_tasks.iter().enumerate() {
        let p = format!("{path}.dated_tasks[{i}]");
        e.text(&d.text, &format!("{p}.text"));
        phrases(e, &d.text, &format!("{p}.text"));
        e.text(&d.conditions, &format!("{p}.conditions"));
        e.check(
            d.valid_from <= d.valid_until,
            format!("{p}.valid_until"),
            "有效期结束日期不能早于开始日期",
        );
    }
}

/// Values a plan fills into its task texts.
pub const PLAN_PLACEHOLDERS: &[&str] = &[
    "target",
    "gap_limit",
    "wait_months",
    "card_limit",
    "institutions_limit",
    "held_months",
    "age_months",
    "debt_target",
    "tenure_months",
    "missing",
    "review",
];

/// Names inside `{…}` in a text.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Validates a whole catalogue: each product plus unique ids.
pub fn validate_products(products: &[Product]) -> Result<(), Vec<RuleError>> {
    let mut e = Errs::default();
    let mut seen = BTreeSet::new();
    for (i, p) in products.iter().enumerate() {
        let prefix = format!("[{i}]");
        e.check(
            seen.insert(p.id.clone()),
            format!("{prefix}.id"),
            format!("产品编号“{}”重复", p.id),
        );
        product_into(&mut e, p, &prefix);
    }
    e.finish()
}

/// Validates one product; paths are relative to the product (`gates[1].min_wan`).
pub fn validate_product(p: &Product) -> Result<(), Vec<RuleError>> {
    let mut e = Errs::default();
    product_into(&mut e, p, "");
    e.finish()
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn product_into(e: &mut Errs, p: &Product, prefix: &str) {
    let id_ok = !p.id.is_empty()
        && p.id.len() <= 64
        && p.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    e.check(
        id_ok,
        join(prefix, "id"),
        "产品编号须为小写字母、数字或下划线",
    );
    e.text(&p.name, &join(prefix, "name"));
    e.range(p.min_wan, 0.0, 100_000.0, &join(prefix, "min_wan"));
    e.range(p.max_wan, 0.0, 100_000.0, &join(prefix, "max_wan"));
    e.check(
        p.min_wan <= p.max_wan,
        join(prefix, "min_wan"),
        "起贷金额不能高于最高额度",
    );
    if let Some(m) = p.max_total_business_loans_wan {
        e.range(
            m,
            0.0,
            100_000.0,
            &join(prefix, "max_total_business_loans_wan"),
        );
    }
    let mut ids = BTreeSet::new();
    for (i, g) in p.gates.iter().enumerate() {
        let path = join(prefix, &format!("gates[{i}]"));
        e.check(
            ids.insert(g.id()),
            format!("{path}.kind"),
            format!("准入条件“{}”重复", g.id()),
        );
        gate(e, g, &path);
    }
    formula(e, &p.amount, &join(prefix, "amount"));
    quote(e, p, prefix);
}

/// The quote fields (利率、期限、放款时效、联系人): optional, each in range, ranges ordered.
fn quote(e: &mut Errs, p: &Product, prefix: &str) {
    for (key, v) in [
        ("rate_min_pct", p.rate_min_pct),
        ("rate_max_pct", p.rate_max_pct),
    ] {
        if let Some(v) = v {
            e.range(v, 0.0, 100.0, &join(prefix, key));
        }
    }
    if let (Some(lo), Some(hi)) = (p.rate_min_pct, p.rate_max_pct) {
        e.check(
            lo <= hi,
            join(prefix, "rate_max_pct"),
            "年化利率上限不能低于下限",
        );
    }
    for (key, v) in [
        ("term_months_min", p.term_months_min),
        ("term_months_max", p.term_months_max),
    ] {
        if let Some(v) = v {
            e.check(
                (1..=600).contains(&v),
                join(prefix, key),
                "期限须在 1 到 600 个月之间",
            );
        }
    }
    if let (Some(lo), Some(hi)) = (p.term_months_min, p.term_months_max) {
        e.check(
            lo <= hi,
            join(prefix, "term_months_max"),
            "最长期限不能短于最短期限",
        );
    }
    for (key, v, max) in [
        ("term_text", &p.term_text, 100),
        ("disbursement_time", &p.disbursement_time, 100),
        ("contact", &p.contact, 200),
        ("institution", &p.institution, 100),
    ] {
        if let Some(v) = v {
            e.check(
                v.chars().count() <= max,
                join(prefix, key),
                format!("最多 {max} 个字符"),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for m in &p.repayment_methods {
        e.check(
            seen.insert(*m),
            join(prefix, "repayment_methods"),
            format!("还款方式“{}”重复", m.label()),
        );
    }
}

fn gate(e: &mut Errs, g: &Gate, p: &str) {
    match g {
        Gate::MinAnnualTax { min_wan }
        | Gate::MinAnnualInvoice { min_wan }
        | Gate::MinMonthlyFlow { min_wan } => {
            e.range(*min_wan, 0.0, 100_000.0, &format!("{p}.min_wan"));
        }
        Gate::LegalPersonAgeBetween { min, max } => {
            e.check(min <= max, format!("{p}.min"), "年龄下限不能大于上限");
            e.check(*max <= 120, format!("{p}.max"), "年龄上限不合理");
        }
        Gate::TaxGradeIn { grades } | Gate::TaxGradeNotIn { grades } => {
            e.check(!grades.is_empty(), format!("{p}.grades"), "不能为空");
        }
        Gate::IndustryNotIn { classes } => {
            e.check(!classes.is_empty(), format!("{p}.classes"), "不能为空")
        }
        Gate::MinCompanyAgeMonths { months }
        | Gate::CollateralHeldMonths { months }
        | Gate::MinLegalPersonTenureMonths { months } => {
            e.check(*months <= 600, format!("{p}.months"), "月数不合理");
        }
        Gate::MaxInvoiceGapMonths { months } => e.check(
            *months <= 12,
            format!("{p}.months"),
            "断票月数须在0到12之间",
        ),
        _ => {}
    }
}

fn formula(e: &mut Errs, f: &AmountFormula, p: &str) {
    match f {
        AmountFormula::TaxMultiple { multiples } => {
            multiples_in(e, multiples, 30.0, &format!("{p}.multiples"))
        }
        AmountFormula::InvoiceRatio { ratio } => e.range(*ratio, 0.0, 1.0, &format!("{p}.ratio")),
        AmountFormula::FlowMultiple { multiple } => {
            e.range(*multiple, 0.0, 24.0, &format!("{p}.multiple"))
        }
        AmountFormula::ScaleRatio { ratio } => e.range(*ratio, 0.0, 1.0, &format!("{p}.ratio")),
        AmountFormula::CollateralLtv {
            ltv,
            min_held_months,
            max_scale_multiple,
        } => {
            if let Some(m) = max_scale_multiple {
                e.range(*m, 0.0, 20.0, &format!("{p}.max_scale_multiple"));
            }
            multiples_in(e, ltv, 1.0, &format!("{p}.ltv"));
            e.check(
                *min_held_months <= 600,
                format!("{p}.min_held_months"),
                "月数不合理",
            );
        }
    }
}

fn multiples_in<K: Serialize>(e: &mut Errs, m: &BTreeMap<K, f64>, max: f64, path: &str) {
    e.check(!m.is_empty(), path, "不能为空");
    for (k, v) in m {
        let key = serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        e.range(*v, 0.0, max, &format!("{path}.{key}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::engine::testkit::*;

    fn errors_of(edit: impl FnOnce(&mut RuleSet)) -> Vec<RuleError> {
        let mut r = rules();
        edit(&mut r);
        validate(&r).expect_err("should be invalid")
    }

    fn has(errs: &[RuleError], path: &str) -> bool {
        errs.iter().any(|e| e.path == path && !e.message.is_empty())
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(validate(&rules()), Ok(()));
        assert_eq!(validate_products(&products()), Ok(()));
        assert!(parse_rules(RuleSet::default_rules_json()).is_ok());
    }

    #[test]
    fn bad_rule_sets_report_paths() {
        type Edit = fn(&mut RuleSet);
        let cases: &[(Edit, &str)] = &[
            (|r| r.weights.flow = 20.0, "weights"),
            (|r| r.weights.credit = -5.0, "weights.credit"),
            (|r| r.category.a_min_total = 120.0, "category.a_min_total"),
            (
                |r| r.dimensions.flow.monthly_flow.bands[2].min_wan = 60.0,
                "dimensions.flow.monthly_flow.bands[2].min_wan",
            ),
            (
                |r| r.dimensions.invoice_tax.annual_tax.bands[1].points = 40.0,
                "dimensions.invoice_tax.annual_tax.bands[1].points",
            ),
            (
                |r| r.dimensions.invoice_tax.annual_tax.bands[0].points = 120.0,
                "dimensions.invoice_tax.annual_tax.bands[0].points",
            ),
            (
                |r| r.dimensions.flow.monthly_flow.bands.clear(),
                "dimensions.flow.monthly_flow.bands",
            ),
            (
                |r| r.dimensions.flow.monthly_flow.below_points = 60.0,
                "dimensions.flow.monthly_flow.below_points",
            ),
            (
                |r| r.dimensions.credit.card_utilization.tiers[1].over = 50.0,
                "dimensions.credit.card_utilization.tiers[1].over",
            ),
            (
                |r| r.dimensions.credit.overdue_count_24m.tiers[0].points = 5.0,
                "dimensions.credit.overdue_count_24m.tiers[0].points",
            ),
            (
                |r| r.dimensions.qualification.legal_person_age.ranges[1].max = 30,
                "dimensions.qualification.legal_person_age.ranges[1].min",
            ),
            (
                |r| {
                    let land = crate::domain::engine::facts::CollateralKind::Land;
                    r.dimensions.assets.ltv.insert(land, 1.5);
                },
                "dimensions.assets.ltv.land",
            ),
            (|r| r.caps[0].id = "V1".into(), "caps[0].id"),
            (|r| r.vetoes[0].reason.clear(), "vetoes[0].reason"),
            (
                |r| r.industry.entries[0].code_prefixes.push("C70".into()),
                "industry.entries[0].code_prefixes[0]",
            ),
            (
                |r| r.industry.codes[1].code = "B6".into(),
                "industry.codes[1].code",
            ),
            (
                |r| r.industry.codes[2].code = "B".into(),
                "industry.codes[2].code",
            ),
            (
                |r| r.industry.codes[0].name.clear(),
                "industry.codes[0].name",
            ),
            (
                |r| r.industry.supplier_suffixes.push(" ".into()),
                "industry.supplier_suffixes[23]",
            ),
            (
                |r| r.industry.texts.by_keyword = "按关键词判断".into(),
                "industry.texts.by_keyword",
            ),
            (
                |r| r.plans.tax_increase.tasks.clear(),
                "plans.tax_increase.tasks",
            ),
            (
                |r| {
                    r.plans
                        .flow_increase
                        .tasks
                        .push("通过刷流水提高月均".into())
                },
                "plans.flow_increase.tasks[4]",
            ),
            (
                |r| r.plans.invoice_increase.tasks[0] = "适当虚开部分发票".into(),
                "plans.invoice_increase.tasks[0]",
            ),
            (
                |r| {
                    let bad = vec!["找机构征信洗白".to_owned()];
                    r.plans.credit_repair.extra_tasks.insert("x".into(), bad);
                },
                "plans.credit_repair.extra_tasks.x[0]",
            ),
            (
                |r| r.plans.collateral.cost_min_wan = 5.0,
                "plans.collateral.cost_min_wan",
            ),
            (
                |r| r.plans.flow_increase.max_growth_ratio = Some(0.5),
                "plans.flow_increase.max_growth_ratio",
            ),
            (
                |r| r.plans.qualification.months_to_effect = 61,
                "plans.qualification.months_to_effect",
            ),
            (
                |r| r.plans.tax_increase.tasks[0] = "纳税达到{目标}".into(),
                "plans.tax_increase.tasks[0]",
            ),
            (|r| r.haircuts[0].factor = 0.0, "haircuts[0].factor"),
            (
                |r| r.category.deciding_facts[0].fields = vec!["founded".into()],
                "category.deciding_facts[0].fields[0]",
            ),
            (
                |r| {
                    let d = &mut r.plans.credit_repair.dated_tasks[0];
                    d.valid_until = d.valid_from.pred_opt().unwrap();
                },
                "plans.credit_repair.dated_tasks[0].valid_until",
            ),
            (
                |r| r.recommendation.max_products = 0,
                "recommendation.max_products",
            ),
            (
                |r| r.verdict.eligible = "可以申请".into(),
                "verdict.eligible",
            ),
            (
                |r| r.recommendation.verdict_range_low_ratio = 1.5,
                "recommendation.verdict_range_low_ratio",
            ),
        ];
        for (edit, path) in cases {
            let errs = errors_of(*edit);
            assert!(has(&errs, path), "expected {path}, got {errs:#?}");
        }
    }

    #[test]
    fn schema_errors_are_reported_in_chinese() {
        let errs = parse_rules("{\"weights\": 1}").unwrap_err();
        assert!(errs[0].message.starts_with("JSON 结构错误"));
        let typo = RuleSet::default_rules_json().replacen("\"weights\"", "\"weight\"", 1);
        assert!(parse_rules(&typo).is_err());
    }

    #[test]
    fn bad_products_report_paths() {
        type Edit = fn(&mut Product);
        let cases: &[(Edit, &str)] = &[
            (|p| p.id = "Tax Loan".into(), "id"),
            (|p| p.name.clear(), "name"),
            (|p| p.min_wan = 500.0, "min_wan"),
            (|p| p.gates.push(Gate::NoCurrentOverdue), "gates[14].kind"),
            (
                |p| p.gates[2] = Gate::MinAnnualTax { min_wan: -1.0 },
                "gates[2].min_wan",
            ),
            (
                |p| p.gates[3] = Gate::LegalPersonAgeBetween { min: 60, max: 18 },
                "gates[3].min",
            ),
            (
                |p| p.amount = AmountFormula::InvoiceRatio { ratio: 1.5 },
                "amount.ratio",
            ),
            (
                |p| {
                    p.amount = AmountFormula::TaxMultiple {
                        multiples: BTreeMap::new(),
                    }
                },
                "amount.multiples",
            ),
        ];
        for (edit, path) in cases {
            let mut p = products().remove(0);
            edit(&mut p);
            let errs = validate_product(&p).expect_err(path);
            assert!(has(&errs, path), "expected {path}, got {errs:#?}");
        }
        let mut dup = products();
        dup[1].id = dup[0].id.clone();
        assert!(has(&validate_products(&dup).unwrap_err(), "[1].id"));
        assert!(parse_product(&serde_json::to_string(&products()[0]).unwrap()).is_ok());
        assert!(parse_product("{\"id\":\"x\"}").is_err());
    }

    #[test]
    fn forbidden_phrase_check() {
        assert_eq!(
            forbidden_phrases_in("帮你刷流水、包装资料"),
            vec!["刷流水", "包装"]
        );
        assert!(forbidden_phrases_in("将真实经营回款归集到对公账户").is_empty());
        for (_, t) in rules().plans.all() {
            for task in t.tasks.iter().chain(t.extra_tasks.values().flatten()) {
                assert!(forbidden_phrases_in(task).is_empty(), "{task}");
            }
        }
    }
}
