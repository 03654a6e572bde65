//! Improvement plans (改造方案), v2 (domain.md §2.6–2.7). Each plan proposes the smallest real
//! change that crosses a gate, evaluated at today + its time to take effect (the company ages,
//! holding periods and inquiry windows pass), valued by the combined amount, and kept only when
//! it unlocks a product or raises the combined amount at a cost that is a fair share of the gain.

pub use crate::domain::vocab::{PlanKind, ProviderCategory};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::diagnose::{Amounts, Category, CombinationItem, Diagnosis, amounts, assess};
use super::facts::{BusinessStatus, Facts, TaxGrade, months_between};
use super::products::{Gate, Product};
use super::rules::{InquiryWindow, RuleSet, Trigger};
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
    /// What the plan is worth in one line: "解锁：建行云税贷 0→18万；综合额度 +18万".
    #[serde(default)]
    pub headline: String,
    /// A revenue-driven target worded as a scenario ("若真实营收增长到…"), not a to-do.
    #[serde(default)]
    pub scenario: bool,
    /// current → target in words.
    pub gap: String,
    pub changes: Vec<FactChange>,
    /// The facts after the change, as of today + `months_to_effect` (stored with the plan; not
    /// part of the OpenAPI schema because it is in 元, see `changes` for the display form).
    #[oai(skip)]
    pub target_facts: Facts,
    pub tasks: Vec<String>,
    /// Providers of this category are recommended; None when the steps are free.
    #[oai(nullable)]
    pub provider_category: Option<ProviderCategory>,
    pub cost_min_wan: f64,
    pub cost_max_wan: f64,
    pub months_to_effect: u32,
    /// Combined amount after − before.
    pub estimated_increase_wan: f64,
    /// The part of the increase that waiting alone would bring (the rest is the change's).
    #[serde(default)]
    pub gain_from_waiting_wan: f64,
    pub recommended_before_wan: f64,
    pub recommended_after_wan: f64,
    pub category_before: Category,
    pub category_after: Category,
    pub total_before: f64,
    pub total_after: f64,
    /// Veto ids this plan removes.
    pub fixes_vetoes: Vec<String>,
    /// Every product whose estimate changes.
    pub product_changes: Vec<ProductDelta>,
    /// Products that are ineligible now and eligible after.
    #[serde(default)]
    pub unlocks: Vec<ProductDelta>,
    /// The combined amount after the plan.
    #[serde(default)]
    pub combination_after: Vec<CombinationItem>,
}

/// What a plan kind proposes before it is valued.
#[derive(Clone)]
struct Proposal {
    kind: PlanKind,
    /// The changed facts as of today (aging is applied when valued).
    changed: Facts,
    changes: Vec<FactChange>,
    /// Keys into the template's `extra_tasks` / `dated_tasks`.
    sub_gaps: Vec<&'static str>,
    /// Placeholder values for task texts ({target}, {card_limit} …).
    vars: Vec<(&'static str, String)>,
    /// Months until the change takes effect (the template's when None).
    months: Option<u32>,
    extra_cost_yuan: i64,
    scenario: bool,
    /// The plan is waiting (holding period, company age, inquiry windows): its gain is the wait's.
    waiting_only: bool,
}

impl Proposal {
    fn new(kind: PlanKind, facts: &Facts) -> Self {
        Proposal {
            kind,
            changed: facts.clone(),
            changes: Vec::new(),
            sub_gaps: Vec::new(),
            vars: Vec::new(),
            months: None,
            extra_cost_yuan: 0,
            scenario: false,
            waiting_only: false,
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

    fn var(&mut self, key: &'static str, value: String) {
        self.vars.push((key, value));
    }

    fn wait(&mut self, months: u32) {
        self.months = Some(self.months.unwrap_or(0).max(months));
    }

    fn sub_gap(&mut self, key: &'static str) {
        if !self.sub_gaps.contains(&key) {
            self.sub_gaps.push(key);
        }
    }

    fn into_option(self) -> Option<Self> {
        (!self.changes.is_empty()).then_some(self)
    }
}

/// Shared inputs of one generation run.
struct Env<'a> {
    facts: &'a Facts,
    rules: &'a RuleSet,
    products: &'a [Product],
    today: NaiveDate,
}

impl Env<'_> {
    fn gates(&self) -> impl Iterator<Item = &Gate> {
        self.products
            .iter()
            .filter(|p| p.active)
            .flat_map(|p| p.gates.iter())
    }

    fn months(&self, p: &Proposal) -> u32 {
        let t = self.rules.plans.get(p.kind);
        p.months.unwrap_or(t.months_to_effect)
    }
}

/// "Just wait" for some months: the baseline a plan's change must beat.
struct Baseline {
    months: u32,
    combined_yuan: i64,
    eligible: Vec<bool>,
}

/// A valued proposal.
struct Valued {
    proposal: Proposal,
    before_yuan: i64,
    months: u32,
    target: Facts,
    after: Diagnosis,
    after_yuan: i64,
    gain_yuan: i64,
    gain_from_waiting_yuan: i64,
    cost_min_yuan: i64,
    cost_max_yuan: i64,
    unlocks: Vec<ProductDelta>,
    /// Unlocks a product waiting alone would not, or adds to what waiting alone brings.
    beats_waiting: bool,
}

fn value(
    p: Proposal,
    before: &Diagnosis,
    before_yuan: i64,
    env: &Env,
    baselines: &mut Vec<Baseline>,
) -> Valued {
    let months = env.months(&p);
    let target = p.changed.aged(months);
    let after = assess(&target, env.rules, env.products, env.today);
    if !baselines.iter().any(|b| b.months == months) {
        let waited = assess(&env.facts.aged(months), env.rules, env.products, env.today);
        baselines.push(Baseline {
            months,
            combined_yuan: waited.combined_yuan,
            eligible: waited
                .diagnosis
                .products
                .iter()
                .map(|p| p.eligible)
                .collect(),
        });
    }
    let base = baselines
        .iter()
        .find(|b| b.months == months)
        .expect("baseline just computed");
    let unlocks: Vec<ProductDelta> = before
        .products
        .iter()
        .zip(&after.diagnosis.products)
        .filter(|(b, a)| !b.eligible && a.eligible)
        .map(|(b, a)| ProductDelta {
            product_id: b.product_id.clone(),
            name: b.name.clone(),
            before_wan: b.estimated_wan,
            after_wan: a.estimated_wan,
        })
        .collect();
    let unlocks_beyond_waiting = after
        .diagnosis
        .products
        .iter()
        .zip(&base.eligible)
        .any(|(a, waited)| a.eligible && !waited);
    let t = env.rules.plans.get(p.kind);
    let extra = p.extra_cost_yuan.max(0);
    Valued {
        months,
        before_yuan,
        after_yuan: after.combined_yuan,
        gain_yuan: after.combined_yuan - before_yuan,
        gain_from_waiting_yuan: (base.combined_yuan - before_yuan).max(0),
        beats_waiting: after.combined_yuan > base.combined_yuan || unlocks_beyond_waiting,
        cost_min_yuan: wan_to_yuan(t.cost_min_wan) + extra,
        cost_max_yuan: wan_to_yuan(t.cost_max_wan) + extra,
        unlocks,
        target,
        after: after.diagnosis,
        proposal: p,
    }
}

/// Keep a plan that unlocks a product or raises the combined amount (a change must do so beyond
/// what waiting alone brings), at a cost that is a fair share of its gain; 补资料 is kept
/// whenever deciding facts are missing.
fn keep(v: &Valued, env: &Env) -> bool {
    worth_keeping(
        &v.proposal,
        Worth {
            before_yuan: v.before_yuan,
            gain_yuan: v.gain_yuan,
            unlocks: !v.unlocks.is_empty(),
            beats_waiting: v.beats_waiting,
            cost_max_yuan: v.cost_max_yuan,
        },
        env,
    )
}

/// What the keep rule reads of a valued proposal (full or amounts-only).
struct Worth {
    before_yuan: i64,
    gain_yuan: i64,
    unlocks: bool,
    beats_waiting: bool,
    cost_max_yuan: i64,
}

fn worth_keeping(p: &Proposal, w: Worth, env: &Env) -> bool {
    if p.kind == PlanKind::SupplementInfo {
        return true;
    }
    // An unlock counts for a client with nothing now; otherwise only money counts (a product
    // unlocked under a binding cap adds nothing to what the client can file for).
    let useful = w.gain_yuan > 0 || (w.unlocks && w.before_yuan == 0);
    let own_effect = p.waiting_only || w.beats_waiting;
    let fair = w.gain_yuan <= 0
        || (w.cost_max_yuan as f64) <= env.rules.plan_policy.max_cost_share * w.gain_yuan as f64;
    useful && own_effect && fair && w.gain_yuan >= 0
}

/// The cost ceiling of a proposal: the template's fee plus its own extra cost.
fn cost_max_yuan(p: &Proposal, env: &Env) -> i64 {
    wan_to_yuan(env.rules.plans.get(p.kind).cost_max_wan) + p.extra_cost_yuan.max(0)
}

/// Plans ordered by value for cost and time; see the module comment for what is kept.
pub fn generate_plans(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
) -> Vec<PlanDraft> {
    let env = Env {
        facts,
        rules,
        products,
        today,
    };
    let before = assess(facts, rules, products, today);
    let kept = valued_plans(&env, &before.diagnosis, before.combined_yuan);
    let mut plans: Vec<(f64, PlanDraft)> = kept
        .into_iter()
        .map(|v| {
            (
                merit(&v, &before.diagnosis),
                build(v, &before.diagnosis, &env),
            )
        })
        .collect();
    // Stable sort: ties keep the fixed kind order, so output is deterministic.
    plans.sort_by(|a, b| b.0.total_cmp(&a.0));
    plans.into_iter().map(|(_, p)| p).collect()
}

/// For a C client: the months until the quickest kept plan unlocks something. Valued on amounts
/// only (the same keep rule as `generate_plans`), quickest first, stopping at the first.
pub fn months_to_first_unlock(
    facts: &Facts,
    rules: &RuleSet,
    products: &[Product],
    today: NaiveDate,
    before: &Diagnosis,
    before_yuan: i64,
) -> Option<u32> {
    let env = Env {
        facts,
        rules,
        products,
        today,
    };
    let mut proposals: Vec<Proposal> = PlanKind::ALL
        .iter()
        .flat_map(|&k| propose(k, &env, before))
        .collect();
    proposals.sort_by_key(|p| env.months(p));
    let was_eligible: Vec<bool> = before.products.iter().map(|p| p.eligible).collect();
    let mut waited: Vec<(u32, Amounts)> = Vec::new();
    proposals.into_iter().find_map(|p| {
        let months = env.months(&p);
        let after = amounts(&p.changed.aged(months), rules, products, today);
        if after.combined_yuan <= 0 {
            return None;
        }
        if !waited.iter().any(|(m, _)| *m == months) {
            waited.push((months, amounts(&facts.aged(months), rules, products, today)));
        }
        let base = &waited.iter().find(|(m, _)| *m == months)?.1;
        let worth = Worth {
            before_yuan,
            gain_yuan: after.combined_yuan - before_yuan,
            unlocks: after
                .eligible
                .iter()
                .zip(&was_eligible)
                .any(|(a, b)| *a && !b),
            beats_waiting: after.combined_yuan > base.combined_yuan
                || after
                    .eligible
                    .iter()
                    .zip(&base.eligible)
                    .any(|(a, w)| *a && !w),
            cost_max_yuan: cost_max_yuan(&p, &env),
        };
        worth_keeping(&p, worth, &env).then_some(months)
    })
}

/// Value for cost and time: gain per (1 + cost) per (1 + years to effect), halved for growth
/// scenarios. 补资料 comes first when the diagnosis is incomplete (nothing else can be judged
/// before it) and last otherwise.
fn merit(v: &Valued, before: &Diagnosis) -> f64 {
    if v.proposal.kind == PlanKind::SupplementInfo {
        return if before.category == Category::Incomplete {
            f64::INFINITY
        } else {
            0.0
        };
    }
    // What the client can do now comes before what depends on growth he may not have.
    let scenario = if v.proposal.scenario { 0.5 } else { 1.0 };
    let gain = v.gain_yuan.max(0) as f64 / 10_000.0;
    let unlock_bonus = v.unlocks.len() as f64 * 0.01;
    scenario * (gain + unlock_bonus)
        / (1.0 + v.cost_max_yuan as f64 / 10_000.0)
        / (1.0 + f64::from(v.months) / 12.0)
}

fn valued_plans(env: &Env, before: &Diagnosis, before_yuan: i64) -> Vec<Valued> {
    let mut baselines = Vec::new();
    let mut out = Vec::new();
    for &kind in PlanKind::ALL {
        let mut kept_of_kind: Vec<Valued> = Vec::new();
        for p in propose(kind, env, before) {
            let v = value(p, before, before_yuan, env, &mut baselines);
            if !keep(&v, env) {
                continue;
            }
            // A further target of the same kind must be worth more than the nearer one.
            if kept_of_kind
                .last()
                .is_some_and(|k| v.after_yuan <= k.after_yuan)
            {
                continue;
            }
            kept_of_kind.push(v);
            if kept_of_kind.len() >= env.rules.plan_policy.max_plans_per_kind.max(1) as usize {
                break;
            }
        }
        out.extend(kept_of_kind);
    }
    out
}

fn propose(kind: PlanKind, env: &Env, before: &Diagnosis) -> Vec<Proposal> {
    let f = env.facts;
    match kind {
        PlanKind::TaxIncrease => tax_plans(f, env),
        PlanKind::InvoiceIncrease => invoice_plans(f, env),
        PlanKind::FlowIncrease => flow_plans(f, env),
        PlanKind::CreditRepair => credit_plan(f, env).into_iter().collect(),
        PlanKind::Collateral => collateral_plan(f, env).into_iter().collect(),
        PlanKind::Qualification => qualification_plan(f, env).into_iter().collect(),
        PlanKind::DebtReduction => debt_plans(f, env, before),
        PlanKind::LegalPersonChange => legal_person_plan(f, env).into_iter().collect(),
        PlanKind::SupplementInfo => supplement_plan(f, before).into_iter().collect(),
        PlanKind::TaxCreditRepair => tax_credit_plan(f, env).into_iter().collect(),
    }
}

fn build(v: Valued, before: &Diagnosis, env: &Env) -> PlanDraft {
    let p = v.proposal;
    let t = env.rules.plans.get(p.kind);
    let fill = |text: &str| {
        let mut out = text.to_owned();
        for (k, val) in &p.vars {
            out = out.replace(&format!("{{{k}}}"), val);
        }
        out
    };
    // A task whose placeholder this plan cannot fill does not apply to it.
    let mut tasks: Vec<String> = t
        .tasks
        .iter()
        .map(|x| fill(x))
        .filter(|x| !x.contains('{'))
        .collect();
    for key in &p.sub_gaps {
        tasks.extend(
            t.extra_tasks
                .get(*key)
                .into_iter()
                .flatten()
                .map(|x| fill(x))
                .filter(|x| !x.contains('{')),
        );
        tasks.extend(
            t.dated_tasks
                .iter()
                .filter(|d| d.applies_to == *key && d.valid_on(env.today))
                .map(|d| format!("{}（适用条件：{}）", d.text, d.conditions)),
        );
    }
    if p.scenario {
        tasks.insert(
            0,
            "以下为按真实经营增长的情景测算，不是为达到贷款门槛而设的任务；收入、开票和纳税必须与真实业务一致"
                .to_owned(),
        );
    }
    let gap = p
        .changes
        .iter()
        .map(|c| format!("{}：{} → {}", c.label, c.from, c.to))
        .collect::<Vec<_>>()
        .join("；");
    let gap = if p.scenario {
        format!("情景：若真实经营增长，{gap}")
    } else {
        gap
    };
    let product_changes = product_deltas(before, &v.after);
    let increase = yuan_to_wan_rounded(v.gain_yuan);
    PlanDraft {
        kind: p.kind,
        title: t.title.clone(),
        headline: headline(&v.unlocks, increase, p.kind),
        scenario: p.scenario,
        gap,
        changes: p.changes,
        target_facts: v.target,
        tasks,
        provider_category: t.provider_category,
        cost_min_wan: yuan_to_wan_rounded(v.cost_min_yuan),
        cost_max_wan: yuan_to_wan_rounded(v.cost_max_yuan),
        months_to_effect: v.months,
        estimated_increase_wan: increase,
        gain_from_waiting_wan: yuan_to_wan_rounded(v.gain_from_waiting_yuan),
        recommended_before_wan: before.recommended_wan,
        recommended_after_wan: v.after.recommended_wan,
        category_before: before.category,
        category_after: v.after.category,
        total_before: before.total,
        total_after: v.after.total,
        fixes_vetoes: before
            .vetoes
            .iter()
            .filter(|x| !v.after.vetoes.iter().any(|a| a.id == x.id))
            .map(|x| x.id.clone())
            .collect(),
        product_changes,
        unlocks: v.unlocks,
        combination_after: v.after.combination,
    }
}

/// "解锁：建行云税贷 0→18万、农行纳税e贷 0→12万；综合额度 +18万".
fn headline(unlocks: &[ProductDelta], increase: f64, kind: PlanKind) -> String {
    let mut parts = Vec::new();
    if !unlocks.is_empty() {
        let names: Vec<String> = unlocks
            .iter()
            .take(2)
            .map(|u| format!("{} 0→{}万", u.name, fmt_num(u.after_wan)))
            .collect();
        let more = if unlocks.len() > 2 {
            format!("等{}个产品", unlocks.len())
        } else {
            String::new()
        };
        parts.push(format!("解锁：{}{more}", names.join("、")));
    }
    if increase > 0.0 {
        parts.push(format!("综合额度 +{}万", fmt_num(increase)));
    }
    if parts.is_empty() {
        return match kind {
            PlanKind::SupplementInfo => "补齐资料后才能判断能否准入和可贷额度".to_owned(),
            _ => "解锁的产品受信用类合计上限约束，综合额度不变".to_owned(),
        };
    }
    parts.join("；")
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

/// Rounds up to the unit a broker says aloud (0.5万, 10万, 1万).
fn round_up(yuan: i64, unit_wan: Option<f64>) -> i64 {
    match unit_wan.filter(|u| *u > 0.0) {
        None => yuan,
        Some(u) => {
            let unit = wan_to_yuan(u).max(1);
            (yuan + unit - 1).div_euclid(unit) * unit
        }
    }
}

/// Thresholds of one gate kind above `current`, rounded to the plan's unit, at most
/// `max_growth` × current (from zero any gate counts: the first real figure is the step).
fn gate_targets(
    current: i64,
    thresholds: impl Iterator<Item = i64>,
    unit: Option<f64>,
    max_growth: Option<f64>,
) -> Vec<i64> {
    let limit = max_growth
        .filter(|_| current > 0)
        .map_or(i64::MAX, |g| (current as f64 * g).floor() as i64);
    let mut out: Vec<i64> = thresholds
        .filter(|t| *t > current)
        .map(|t| round_up(t, unit))
        .filter(|t| *t <= limit)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Beyond this growth a real business does not get there on advice alone: the target is worded
/// as a scenario of real growth.
fn is_scenario(current: i64, target: i64, env: &Env) -> bool {
    current <= 0
        || target as f64 > current as f64 * (1.0 + env.rules.plan_policy.growth_scenario_ratio)
}

fn tax_plans(facts: &Facts, env: &Env) -> Vec<Proposal> {
    let Some(current) = facts.annual_tax_yuan else {
        return vec![];
    };
    let t = &env.rules.plans.tax_increase;
    let thresholds = env.gates().filter_map(|g| match g {
        Gate::MinAnnualTax { min_wan } => Some(wan_to_yuan(*min_wan)),
        _ => None,
    });
    gate_targets(current, thresholds, t.target_unit_wan, t.max_growth_ratio)
        .into_iter()
        .map(|target| {
            let mut p = Proposal::new(PlanKind::TaxIncrease, facts);
            p.changed.annual_tax_yuan = Some(target);
            p.extra_cost_yuan = ((target - current) as f64 * t.cost_per_wan_increase) as i64;
            p.scenario = is_scenario(current, target, env);
            p.change("annual_tax_wan", fmt_wan(current), fmt_wan(target));
            p.var("target", fmt_wan(target));
            p
        })
        .collect()
}

fn invoice_plans(facts: &Facts, env: &Env) -> Vec<Proposal> {
    let t = &env.rules.plans.invoice_increase;
    let max_gap = env
        .gates()
        .filter_map(|g| match g {
            Gate::MaxInvoiceGapMonths { months } => Some(*months),
            _ => None,
        })
        .min();
    let mut base = Proposal::new(PlanKind::InvoiceIncrease, facts);
    if let (Some(gap), Some(max)) = (facts.invoice_gap_months, max_gap)
        && gap > max
    {
        base.changed.invoice_gap_months = Some(max);
        base.change(
            "invoice_gap_months",
            format!("{gap}个月"),
            format!("{max}个月以内"),
        );
        base.sub_gap("invoice_gap");
        base.var("gap_limit", max.to_string());
    }
    let Some(current) = facts.annual_invoice_yuan else {
        return base.into_option().into_iter().collect();
    };
    let thresholds = env.gates().filter_map(|g| match g {
        Gate::MinAnnualInvoice { min_wan } => Some(wan_to_yuan(*min_wan)),
        _ => None,
    });
    let mut out: Vec<Proposal> = Vec::new();
    if !base.changes.is_empty() {
        out.push(base.clone());
    }
    for target in gate_targets(current, thresholds, t.target_unit_wan, t.max_growth_ratio) {
        let mut p = base.clone();
        p.changed.annual_invoice_yuan = Some(target);
        p.extra_cost_yuan = ((target - current) as f64 * t.cost_per_wan_increase) as i64;
        p.scenario = is_scenario(current, target, env);
        p.change("annual_invoice_wan", fmt_wan(current), fmt_wan(target));
        p.var("target", fmt_wan(target));
        out.push(p);
    }
    out
}

/// Flow grows realistically by routing receipts now taken on personal accounts to the company
/// account; without that fact, within the growth limit.
fn flow_plans(facts: &Facts, env: &Env) -> Vec<Proposal> {
    let Some(current) = facts.monthly_flow_yuan else {
        return vec![];
    };
    let t = &env.rules.plans.flow_increase;
    let reachable = facts
        .personal_receipts_yuan
        .filter(|p| *p > 0)
        .map(|p| current + p);
    let thresholds = env.gates().filter_map(|g| match g {
        Gate::MinMonthlyFlow { min_wan } => Some(wan_to_yuan(*min_wan)),
        _ => None,
    });
    let mut targets = gate_targets(current, thresholds, t.target_unit_wan, t.max_growth_ratio);
    if let Some(r) = reachable {
        targets.retain(|x| *x <= r);
        // Moving all of it raises formula-sized flow loans even without a gate.
        let all = r - r % wan_to_yuan(t.target_unit_wan.unwrap_or(1.0)).max(1);
        if all > current && !targets.contains(&all) {
            targets.push(all);
        }
    }
    targets
        .into_iter()
        .map(|target| {
            let mut p = Proposal::new(PlanKind::FlowIncrease, facts);
            p.changed.monthly_flow_yuan = Some(target);
            if let Some(personal) = facts.personal_receipts_yuan {
                let moved = (target - current).min(personal);
                p.changed.personal_receipts_yuan = Some(personal - moved);
                p.change(
                    "personal_receipts_wan",
                    fmt_wan(personal),
                    fmt_wan(personal - moved),
                );
            } else {
                p.scenario = is_scenario(current, target, env);
            }
            p.change("monthly_flow_wan", fmt_wan(current), fmt_wan(target));
            p.var("target", fmt_wan(target));
            p
        })
        .collect()
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

/// Only legitimate steps: settle the overdue, stop applying (queries age out of their windows),
/// lower utilisation, close surplus credit lines. Historic records (连三累六, 呆账) just age out
/// and are not "planned".
fn credit_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let mut p = Proposal::new(PlanKind::CreditRepair, facts);
    if facts.current_overdue == Some(true) {
        p.changed.current_overdue = Some(false);
        p.change("current_overdue", "有".to_owned(), "已结清".to_owned());
        p.sub_gap("current_overdue");
    }
    let windows = [
        (InquiryWindow::M1, facts.inquiries_1m, "inquiries_1m"),
        (InquiryWindow::M3, facts.inquiries_3m, "inquiries_3m"),
        (InquiryWindow::M6, facts.inquiries_6m, "inquiries_6m"),
    ];
    let mut wait = 0;
    for (w, current, field) in windows {
        let (Some(n), Some(limit)) = (current, inquiry_limit(env, w)) else {
            continue;
        };
        if n > limit {
            // The smallest wait after which the window holds no more than the limit.
            let months = (1..=w.months())
                .find(|m| {
                    let aged = facts.aged(*m);
                    let left = match w {
                        InquiryWindow::M1 => aged.inquiries_1m,
                        InquiryWindow::M3 => aged.inquiries_3m,
                        InquiryWindow::M6 => aged.inquiries_6m,
                    };
                    left.is_some_and(|x| x <= limit)
                })
                .unwrap_or(w.months());
            wait = wait.max(months);
            p.change(field, format!("{n}次"), format!("{limit}次以内"));
            p.sub_gap("inquiries");
        }
    }
    if wait > 0 {
        p.wait(wait);
        p.var("wait_months", wait.to_string());
    }
    let r = &env.rules.dimensions.credit;
    let util_limit = env
        .rules
        .haircuts
        .iter()
        .filter_map(|h| match h.when {
            Trigger::CardUtilizationOver { pct } => Some(pct),
            _ => None,
        })
        .chain(r.card_utilization.tiers.iter().map(|t| t.over))
        .reduce(f64::min);
    if let (Some(u), Some(limit)) = (facts.card_utilization_pct, util_limit)
        && u > limit
    {
        p.changed.card_utilization_pct = Some(limit);
        p.change(
            "card_utilization_pct",
            format!("{}%", fmt_num(u)),
            format!("{}%以下", fmt_num(limit)),
        );
        p.sub_gap("card_utilization");
        p.var("card_limit", format!("{}%", fmt_num(limit)));
    }
    let gate_max = env.gates().filter_map(|g| match g {
        Gate::MaxCreditInstitutions { max } => Some(*max),
        _ => None,
    });
    let cut_max = env.rules.haircuts.iter().filter_map(|h| match h.when {
        Trigger::CreditInstitutionsOver { max } => Some(max),
        _ => None,
    });
    if let (Some(n), Some(limit)) = (facts.credit_institutions, gate_max.chain(cut_max).min())
        && n > limit
    {
        p.changed.credit_institutions = Some(limit);
        p.change(
            "credit_institutions",
            format!("{n}家"),
            format!("{limit}家以内"),
        );
        p.sub_gap("credit_institutions");
        p.var("institutions_limit", format!("{limit}家"));
    }
    p.waiting_only = p.sub_gaps == ["inquiries"];
    p.into_option()
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
    let mut p = Proposal::new(PlanKind::Collateral, facts);
    let mut wait = 0;
    for (i, c) in facts.collaterals.iter().enumerate() {
        let Some(since) = c.held_since else { continue };
        let held = months_between(since, env.today);
        if held < required && c.appraisal_yuan.is_some_and(|a| a > 0) {
            p.change_measure(
                &format!("collaterals[{i}].held_since"),
                &format!("{}持有期", c.kind.label()),
                format!("{held}个月"),
                format!("满{required}个月"),
            );
            wait = wait.max(required - held);
        }
    }
    if wait == 0 || wait > env.rules.plan_policy.max_wait_months {
        return None;
    }
    p.wait(wait);
    p.sub_gap("holding_period");
    p.var("held_months", required.to_string());
    p.waiting_only = true;
    p.into_option()
}

fn qualification_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let mut p = Proposal::new(PlanKind::Qualification, facts);
    if facts.business_status == Some(BusinessStatus::Abnormal) {
        p.changed.business_status = Some(BusinessStatus::Normal);
        p.change(
            "business_status",
            BusinessStatus::Abnormal.label().to_owned(),
            BusinessStatus::Normal.label().to_owned(),
        );
        p.sub_gap("business_status");
    }
    if facts.dishonest_debtor == Some(true) {
        p.changed.dishonest_debtor = Some(false);
        p.change(
            "dishonest_debtor",
            "是".to_owned(),
            "已履行并移出".to_owned(),
        );
        p.sub_gap("dishonest_debtor");
    }
    let changed = !p.changes.is_empty();
    if let Some(age) = facts.company_age_months(env.today) {
        let next_gate = env
            .gates()
            .filter_map(|g| match g {
                Gate::MinCompanyAgeMonths { months } if *months > age => Some(*months),
                _ => None,
            })
            .min();
        if let Some(gate) = next_gate.filter(|g| g - age <= env.rules.plan_policy.max_wait_months) {
            p.change_measure(
                "established_on",
                "企业成立时长",
                format!("{age}个月"),
                format!("满{gate}个月"),
            );
            p.wait(gate - age);
            p.sub_gap("company_age");
            p.var("age_months", gate.to_string());
        }
    }
    p.waiting_only = !changed;
    p.into_option()
}

/// 压降负债: settle loans until their count is within what a product accepts. (Paying down a
/// balance only to borrow the same again is no plan: under a total or cap limit each 万 repaid
/// frees one 万, so it is not proposed.)
fn debt_plans(facts: &Facts, env: &Env, _before: &Diagnosis) -> Vec<Proposal> {
    let Some(n) = facts.business_loan_count else {
        return vec![];
    };
    let mut limits: Vec<u32> = env
        .gates()
        .filter_map(|g| match g {
            Gate::MaxBusinessLoanCount { max } => Some(*max),
            _ => None,
        })
        .filter(|m| *m < n)
        .collect();
    limits.sort_unstable_by(|a, b| b.cmp(a));
    limits.dedup();
    limits
        .into_iter()
        .map(|max| {
            let mut p = Proposal::new(PlanKind::DebtReduction, facts);
            p.changed.business_loan_count = Some(max);
            p.change(
                "business_loan_count",
                format!("{n}笔"),
                format!("{max}笔以内"),
            );
            p.var("debt_target", format!("{max}笔以内"));
            p
        })
        .collect()
}

/// A legal representative changed recently waits out the tenure gate; one over a product's age
/// limit can hand the role to a real operator within it (and then waits out the tenure gate).
fn legal_person_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let tenure_gate = env
        .gates()
        .filter_map(|g| match g {
            Gate::MinLegalPersonTenureMonths { months } => Some(*months),
            _ => None,
        })
        .chain(env.rules.caps.iter().filter_map(|c| match c.when {
            Trigger::LegalPersonChangedWithinMonths { months } => Some(months),
            _ => None,
        }))
        .max()
        .unwrap_or(6);
    let mut p = Proposal::new(PlanKind::LegalPersonChange, facts);
    p.var("tenure_months", tenure_gate.to_string());
    if let Some(changed) = facts.legal_person_changed_on {
        let tenure = months_between(changed, env.today);
        if tenure < tenure_gate {
            p.change_measure(
                "legal_person_changed_on",
                "法人任职时长",
                format!("{tenure}个月"),
                format!("满{tenure_gate}个月"),
            );
            p.wait(tenure_gate - tenure);
            p.sub_gap("recent_change");
            p.waiting_only = true;
            return p.into_option();
        }
    }
    let age = facts.legal_person_age?;
    let limit = env
        .gates()
        .filter_map(|g| match g {
            Gate::LegalPersonAgeBetween { min, max } if age > *max && *min <= *max => Some(*max),
            _ => None,
        })
        .max()?;
    p.changed.legal_person_age = Some(limit.min(55));
    p.changed.legal_person_changed_on = Some(env.today);
    p.change(
        "legal_person_age",
        format!("{age}岁"),
        format!("变更为{}岁以内的实际经营者", limit),
    );
    p.wait(tenure_gate);
    p.into_option()
}

/// 补资料: the deciding facts and the facts gates could not judge, as a checklist.
fn supplement_plan(facts: &Facts, before: &Diagnosis) -> Option<Proposal> {
    // Only an incomplete file needs a checklist before anything else can be judged; elsewhere
    // the missing facts are listed on the diagnosis itself.
    if before.category != Category::Incomplete {
        return None;
    }
    let mut missing: Vec<String> = before.incomplete_facts.clone();
    for p in &before.products {
        for b in &p.blockers {
            if b.kind == super::products::BlockerKind::Missing {
                let what = b
                    .reason
                    .trim_start_matches("资料待补充：未提供")
                    .split('，')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                if !what.is_empty() && !missing.contains(&what) {
                    missing.push(what);
                }
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let mut p = Proposal::new(PlanKind::SupplementInfo, facts);
    p.change_measure(
        "missing_fields",
        "待补充资料",
        format!("{}项未知", missing.len()),
        "补齐后复评".to_owned(),
    );
    p.var("missing", missing.join("、"));
    p.months = Some(0);
    Some(p)
}

/// 纳税信用修复: a C grade (or 欠税/非正常户) repaired by the next grade publication.
fn tax_credit_plan(facts: &Facts, env: &Env) -> Option<Proposal> {
    let mut p = Proposal::new(PlanKind::TaxCreditRepair, facts);
    let review = {
        let ctx = super::context::Ctx::new(facts, env.rules, env.today);
        ctx.months_to_grade_review()
    };
    if facts.tax_abnormal == Some(true) {
        p.changed.tax_abnormal = Some(false);
        p.change("tax_abnormal", "是".to_owned(), "已补缴并解除".to_owned());
    }
    if let Some(grade @ (TaxGrade::C | TaxGrade::D)) = facts.tax_grade {
        p.changed.tax_grade = Some(TaxGrade::B);
        p.change(
            "tax_grade",
            grade.label().to_owned(),
            TaxGrade::B.label().to_owned(),
        );
        if grade == TaxGrade::D {
            p.sub_gap("grade_d");
        }
        p.wait(review);
    }
    let month = env.rules.plan_policy.tax_grade_review_month;
    p.var("review", format!("{month}月"));
    p.into_option()
}
#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::engine::diagnose;
    use crate::domain::engine::testkit::*;
    use crate::domain::engine::validate::forbidden_phrases_in;

    fn plans(f: &Facts) -> Vec<PlanDraft> {
        generate_plans(f, &rules(), &products(), today())
    }

    /// The strong client with one edit and enough declared revenue that the unsecured cap does
    /// not bind (so unlocking a product adds to the combined amount).
    fn roomy(edit: impl FnOnce(&mut Facts)) -> Facts {
        strong_with(|f| {
            f.annual_revenue_yuan = w(5000.0);
            edit(f);
        })
    }

    fn find(ps: &[PlanDraft], k: PlanKind) -> &PlanDraft {
        ps.iter()
            .find(|p| p.kind == k)
            .unwrap_or_else(|| panic!("no {k:?} plan in {ps:#?}"))
    }

    /// A B-grade taxpayer without collateral or bank flow: tax products are the route.
    fn taxpayer(tax_wan: f64) -> Facts {
        strong_with(|f| {
            f.tax_grade = Some(TaxGrade::B);
            f.annual_tax_yuan = w(tax_wan);
            f.annual_invoice_yuan = w(50.0);
            f.annual_revenue_yuan = w(400.0);
            f.monthly_flow_yuan = None;
            f.collaterals.clear();
            f.business_loan_balance_yuan = Some(0);
        })
    }

    #[test]
    fn tax_just_under_a_gate_gets_the_unlock_plan() {
        let ps = plans(&taxpayer(2.7));
        let p = find(&ps, PlanKind::TaxIncrease);
        assert_eq!(p.target_facts.annual_tax_yuan, w(3.0));
        assert!(
            !p.scenario,
            "2.7 → 3 is a small real step, not a growth scenario"
        );
        assert!(
            p.unlocks.iter().any(|u| u.product_id == "ccb_yunshuidai"),
            "{p:#?}"
        );
        assert!(p.headline.starts_with("解锁："), "{}", p.headline);
        assert!(
            p.headline.contains("建行云税贷（示例） 0→18万"),
            "{}",
            p.headline
        );
        let delta = p.recommended_after_wan - p.recommended_before_wan;
        assert!((p.estimated_increase_wan - delta).abs() < 0.005, "{p:#?}");
        assert!(
            p.tasks.iter().any(|t| t.contains("近12个月纳税达到3万元")),
            "{:?}",
            p.tasks
        );
        assert_eq!(p.provider_category, Some(ProviderCategory::TaxAgency));
    }

    #[test]
    fn targets_are_the_smallest_crossing_in_units_a_broker_says() {
        // 2.26万: the 3万 gate; 0.5万 units keep it at 3万 (not 2.26 + something odd).
        assert_eq!(round_up(wan_to_yuan(2.26), Some(0.5)), wan_to_yuan(2.5));
        assert_eq!(round_up(wan_to_yuan(27.78), Some(1.0)), wan_to_yuan(28.0));
        assert_eq!(round_up(wan_to_yuan(250.0), Some(10.0)), wan_to_yuan(250.0));
        // Above every gate there is no tax target at all: no "5 → 10万 band" plans.
        assert!(
            plans(&taxpayer(5.0))
                .iter()
                .all(|p| p.kind != PlanKind::TaxIncrease)
        );
        // From zero, to a gate only, and worded as a scenario.
        let zero = plans(&taxpayer(0.0));
        if let Some(p) = zero.iter().find(|p| p.kind == PlanKind::TaxIncrease) {
            assert!(p.scenario);
            assert!(p.target_facts.annual_tax_yuan <= w(3.0));
            assert!(p.gap.starts_with("情景："), "{}", p.gap);
        }
    }

    #[test]
    fn a_plan_costing_more_than_its_share_of_the_gain_is_not_proposed() {
        let mut r = rules();
        r.plan_policy.max_cost_share = 0.05;
        let ps = generate_plans(&taxpayer(2.0), &r, &products(), today());
        assert!(
            ps.iter().all(|p| p.kind != PlanKind::TaxIncrease),
            "{ps:#?}"
        );
        let ps = plans(&taxpayer(2.0));
        let p = find(&ps, PlanKind::TaxIncrease);
        assert!(p.cost_max_wan <= 0.3 * p.estimated_increase_wan, "{p:#?}");
    }

    #[test]
    fn grade_c_with_tax_products_behind_it_gets_a_grade_repair_plan() {
        let f = roomy(|f| {
            f.tax_grade = Some(TaxGrade::C);
            f.collaterals.clear();
        });
        let ps = plans(&f);
        let p = find(&ps, PlanKind::TaxCreditRepair);
        assert_eq!(p.target_facts.tax_grade, Some(TaxGrade::B));
        // Grades are published each April: from 2026-11-25 that is 2027-04-01.
        assert_eq!(p.months_to_effect, 4);
        assert!(
            p.unlocks.iter().any(|u| u.product_id == "ccb_yunshuidai"),
            "{p:#?}"
        );
        assert!(
            p.tasks.iter().any(|t| t.contains("4月纳税信用评级更新")),
            "{:?}",
            p.tasks
        );
    }

    #[test]
    fn credit_plan_fixes_the_overdue_and_offers_only_free_help() {
        let f = strong_with(|f| f.current_overdue = Some(true));
        let ps = plans(&f);
        let p = find(&ps, PlanKind::CreditRepair);
        assert_eq!(p.fixes_vetoes, vec!["V1".to_owned()]);
        assert_eq!(
            (p.category_before, p.category_after),
            (Category::C, Category::A)
        );
        assert_eq!(p.provider_category, None);
        assert_eq!((p.cost_min_wan, p.cost_max_wan), (0.0, 0.0));
        assert!(p.tasks.iter().any(|t| t.contains("结清当前逾期")));
        // The PBOC one-time repair covers items repaid by 2026-03-31: not offered in Nov 2026 …
        assert!(
            p.tasks.iter().all(|t| !t.contains("一次性信用修复")),
            "{:?}",
            p.tasks
        );
        // … but offered while it was valid.
        let early = generate_plans(&f, &rules(), &products(), date(2026, 2, 1));
        let p = find(&early, PlanKind::CreditRepair);
        assert!(
            p.tasks.iter().any(|t| t.contains("一次性信用修复")),
            "{:?}",
            p.tasks
        );
        assert_eq!(ps[0].kind, PlanKind::CreditRepair);
    }

    #[test]
    fn inquiries_age_out_and_gap_and_task_name_the_same_threshold() {
        let f = strong_with(|f| {
            f.inquiries_1m = Some(2);
            f.inquiries_3m = Some(5);
            f.inquiries_6m = Some(12);
            f.card_utilization_pct = Some(95.0);
            f.credit_institutions = Some(5);
        });
        let ps = plans(&f);
        let p = find(&ps, PlanKind::CreditRepair);
        // After 3 months the 6-month window holds at most the 3-month count (5 ≤ 10).
        assert_eq!(p.months_to_effect, 3);
        assert_eq!(p.target_facts.inquiries_6m, Some(5));
        assert_eq!(p.target_facts.inquiries_1m, Some(0));
        let institutions = p
            .changes
            .iter()
            .find(|c| c.field == "credit_institutions")
            .unwrap();
        let limit = institutions.to.trim_end_matches("以内").to_owned();
        assert!(
            p.tasks
                .iter()
                .any(|t| t.contains(&format!("授信机构减少到{limit}以内"))),
            "gap says {limit}: {:?}",
            p.tasks
        );
        assert!(
            p.tasks.iter().any(|t| t.contains("降至70%以下")),
            "{:?}",
            p.tasks
        );
        assert!(
            p.tasks.iter().any(|t| t.contains("未来3个月不再申请")),
            "{:?}",
            p.tasks
        );
    }

    #[test]
    fn invoice_plans_fix_the_gap_and_round_to_ten_wan() {
        let f = Facts {
            established_on: Some(date(2020, 1, 1)),
            annual_invoice_yuan: w(52.0),
            annual_revenue_yuan: w(80.0),
            invoice_gap_months: Some(5),
            tax_grade: Some(TaxGrade::B),
            current_overdue: Some(false),
            ..Facts::default()
        };
        let ps = plans(&f);
        let inv = find(&ps, PlanKind::InvoiceIncrease);
        assert_eq!(inv.target_facts.invoice_gap_months, Some(3));
        assert!(
            inv.tasks
                .iter()
                .any(|t| t.contains("避免连续3个月以上无开票")),
            "{:?}",
            inv.tasks
        );
        for p in ps.iter().filter(|p| p.kind == PlanKind::InvoiceIncrease) {
            let t = p.target_facts.annual_invoice_yuan.unwrap();
            assert_eq!(t % wan_to_yuan(10.0), 0, "{t}");
        }
    }

    #[test]
    fn flow_grows_by_routing_personal_receipts() {
        let f = strong_with(|f| {
            f.monthly_flow_yuan = w(6.0);
            f.personal_receipts_yuan = w(8.5);
            f.collaterals.clear();
            f.annual_tax_yuan = w(1.0);
            f.annual_invoice_yuan = w(40.0);
            f.annual_revenue_yuan = w(300.0);
        });
        let ps = plans(&f);
        let p = find(&ps, PlanKind::FlowIncrease);
        let target = p.target_facts.monthly_flow_yuan.unwrap();
        assert!(
            target <= w(14.5).unwrap() && target >= w(10.0).unwrap(),
            "{target}"
        );
        assert!(!p.scenario);
        assert!(p.changes.iter().any(|c| c.field == "personal_receipts_wan"));
    }

    #[test]
    fn waiting_plans_are_evaluated_when_the_wait_is_over() {
        let f = roomy(|f| {
            f.collaterals[0].held_since = Some(date(2026, 6, 25)); // 5 months
        });
        let ps = plans(&f);
        let p = find(&ps, PlanKind::Collateral);
        assert_eq!(p.months_to_effect, 7);
        assert!(p.unlocks.iter().any(|u| u.product_id == "mortgage_loan"));
        let young = roomy(|f| {
            f.established_on = Some(date(2025, 3, 25)); // 20 months
            f.collaterals.clear();
        });
        let ps = plans(&young);
        let p = find(&ps, PlanKind::Qualification);
        assert_eq!(p.months_to_effect, 4);
        assert!(
            p.unlocks.iter().any(|u| u.product_id == "tax_loan"),
            "{p:#?}"
        );
    }

    #[test]
    fn a_recent_legal_person_change_waits_out_its_six_months() {
        // Invoice products are the route (no tax or flow figures), and 票贷 asks 6 months' tenure.
        let f = roomy(|f| {
            f.legal_person_changed_on = Some(date(2026, 8, 25));
            f.collaterals.clear();
            f.annual_tax_yuan = None;
            f.monthly_flow_yuan = None;
        });
        let ps = plans(&f);
        let p = find(&ps, PlanKind::LegalPersonChange);
        assert_eq!(p.months_to_effect, 3);
        assert!(
            p.unlocks.iter().any(|u| u.product_id == "invoice_loan"),
            "{p:#?}"
        );
    }

    #[test]
    fn settling_loans_over_a_count_gate_unlocks_the_product() {
        let f = roomy(|f| f.business_loan_count = Some(3));
        // A catalogue where 建行云税贷 (at most 2 business loans) is the only tax product.
        let catalogue: Vec<Product> = products()
            .into_iter()
            .filter(|p| matches!(p.id.as_str(), "ccb_yunshuidai" | "webank_weiyedai"))
            .collect();
        let ps = generate_plans(&f, &rules(), &catalogue, today());
        let p = find(&ps, PlanKind::DebtReduction);
        assert_eq!(p.target_facts.business_loan_count, Some(2));
        assert!(p.unlocks.iter().any(|u| u.product_id == "ccb_yunshuidai"));
    }

    #[test]
    fn an_incomplete_file_starts_with_the_checklist() {
        let f = Facts {
            established_on: Some(date(2021, 1, 1)),
            annual_tax_yuan: w(8.0),
            ..Facts::default()
        };
        let ps = plans(&f);
        assert_eq!(ps[0].kind, PlanKind::SupplementInfo, "{ps:#?}");
        assert!(ps[0].tasks[0].contains("征信"), "{:?}", ps[0].tasks);
    }

    #[test]
    fn a_strong_client_needs_no_plan() {
        assert!(plans(&strong()).is_empty(), "{:#?}", plans(&strong()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn generated_texts_never_contain_forbidden_phrases(f in arb_facts()) {
            for p in plans(&f) {
                for text in p.tasks.iter().chain([&p.title, &p.gap, &p.headline]) {
                    prop_assert!(forbidden_phrases_in(text).is_empty(), "{text}");
                    prop_assert!(!text.contains('{'), "unfilled placeholder: {text}");
                }
                prop_assert!(p.kind == PlanKind::SupplementInfo
                    || p.estimated_increase_wan > 0.0
                    || !p.unlocks.is_empty(), "{p:#?}");
            }
        }

        /// Each plan's target facts, run through the engine as the simulator does, give the
        /// plan's stated after-figures.
        #[test]
        fn plans_agree_with_simulating_their_target(f in arb_facts()) {
            for p in plans(&f) {
                let after = diagnose(&p.target_facts, &rules(), &products(), today());
                prop_assert_eq!(after.recommended_wan, p.recommended_after_wan);
                prop_assert_eq!(after.category, p.category_after);
                prop_assert_eq!(after.total, p.total_after);
                prop_assert_eq!(&after.combination, &p.combination_after);
            }
        }

        #[test]
        fn plan_generation_is_deterministic(f in arb_facts()) {
            prop_assert_eq!(plans(&f), plans(&f));
        }

        /// "C（可修复，约N个月）" names the quickest plan that unlocks something.
        #[test]
        fn repairable_months_match_the_quickest_unlocking_plan(f in arb_facts()) {
            let d = diagnose(&f, &rules(), &products(), today());
            if d.category == Category::C {
                let quickest = plans(&f)
                    .iter()
                    .filter(|p| p.recommended_after_wan > 0.0)
                    .map(|p| p.months_to_effect)
                    .min();
                prop_assert_eq!(d.repairable_in_months, quickest);
            }
        }
    }
}
