//! The broker case suite (`tests/cases/broker-cases.toml`): realistic companies with the
//! category, combined range and first plan an experienced broker expects, written from
//! domain.md before the engine ran. An expectation the engine disagrees with is either fixed in
//! the model or argued in the file (`[case.argued]`, which then is what the engine must give).
//!
//! `CASES_REPORT=1 cargo test -p loan-broker --lib broker_cases -- --nocapture` prints every
//! case as the engine sees it.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Deserialize;

use super::testkit::{explain, products, rules};
use super::{Category, PlanKind, diagnose, generate_plans};
use crate::domain::customer::{CustomerInput, facts_of};

#[derive(Deserialize)]
struct Suite {
    today: NaiveDate,
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    city: String,
    story: String,
    facts: toml::Table,
    expect: Expect,
    /// The engine's answer where it differs from the broker's first expectation, with the
    /// argument why the engine is right.
    argued: Option<Argued>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Expect {
    category: Category,
    combined_wan: [f64; 2],
    first_plan: String,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Argued {
    category: Option<Category>,
    combined_wan: Option<[f64; 2]>,
    first_plan: Option<String>,
    why: String,
}

fn suite_path() -> PathBuf {
    std::env::var_os("BROKER_CASES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/broker-cases.toml"),
        PathBuf::from,
    )
}

fn load() -> Suite {
    let path = suite_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the broker case suite {} is missing: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn input(case: &Case, today: NaiveDate) -> CustomerInput {
    let json = serde_json::to_value(&case.facts).expect("toml facts are json");
    let mut input: CustomerInput = serde_json::from_value(json)
        .unwrap_or_else(|e| panic!("{}: facts do not fit the customer fields: {e}", case.id));
    input
        .validate(today)
        .unwrap_or_else(|e| panic!("{}: invalid facts: {e:?}", case.id));
    input
}

#[test]
fn broker_cases() {
    let suite = load();
    let (rules, products) = (rules(), products());
    let report = std::env::var_os("CASES_REPORT").is_some();
    let mut ids = std::collections::HashSet::new();
    let mut failures = Vec::new();
    let minimum = if std::env::var_os("BROKER_CASES").is_some() {
        1
    } else {
        30
    };
    assert!(
        suite.case.len() >= minimum,
        "the suite needs at least {minimum} cases"
    );
    for case in &suite.case {
        assert!(ids.insert(case.id.clone()), "duplicate case id {}", case.id);
        assert!(!case.story.trim().is_empty() && !case.city.trim().is_empty());
        assert!(
            !case.expect.why.trim().is_empty(),
            "{}: why is empty",
            case.id
        );
        let facts = facts_of(&input(case, suite.today));
        let d = diagnose(&facts, &rules, &products, suite.today);
        let plans = generate_plans(&facts, &rules, &products, suite.today);
        let mut want = case.expect.clone();
        if let Some(a) = &case.argued {
            assert!(
                !a.why.trim().is_empty(),
                "{}: an argument needs its why",
                case.id
            );
            want.category = a.category.unwrap_or(want.category);
            want.combined_wan = a.combined_wan.unwrap_or(want.combined_wan);
            want.first_plan = a.first_plan.clone().unwrap_or(want.first_plan);
        }
        let first = plans.first().map_or("none", |p| p.kind.code());
        let [lo, hi] = want.combined_wan;
        let mut wrong = Vec::new();
        if d.category != want.category {
            wrong.push(format!(
                "category {} (want {})",
                d.category.code(),
                want.category.code()
            ));
        }
        if !(lo - 1e-6..=hi + 1e-6).contains(&d.recommended_wan) {
            wrong.push(format!("combined {}万 (want {lo}–{hi})", d.recommended_wan));
        }
        if want.first_plan != "none" && PlanKind::from_code(&want.first_plan).is_none() {
            wrong.push(format!("unknown plan kind {}", want.first_plan));
        }
        if first != want.first_plan {
            wrong.push(format!("first plan {first} (want {})", want.first_plan));
        }
        if report || !wrong.is_empty() {
            let status = if wrong.is_empty() { "ok" } else { "DIFFERS" };
            let text = format!(
                "=== {} ({}) {status}: {}\n{}",
                case.id,
                case.city,
                wrong.join("; "),
                explain(&d, &plans)
            );
            if report {
                println!("{text}");
            }
            if !wrong.is_empty() {
                failures.push(text);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} broker cases differ:\n{}",
        failures.len(),
        suite.case.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore]
fn sample_profile() {
    let (r, p) = (rules(), products());
    let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut counts = std::collections::BTreeMap::new();
    let start = std::time::Instant::now();
    for i in 0..2000 {
        let f = super::sample_facts(i, t);
        *counts
            .entry(diagnose(&f, &r, &p, t).category.code())
            .or_insert(0) += 1;
    }
    let full = start.elapsed();
    let start = std::time::Instant::now();
    for i in 0..2000 {
        let f = super::sample_facts(i, t);
        let _ = super::diagnose::assess(&f, &r, &p, t);
    }
    println!("{counts:?} diagnose {full:?} assess {:?}", start.elapsed());
}
