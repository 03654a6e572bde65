//! Diagnosis engine benchmarks: one customer, a 100k re-diagnose batch, and plan generation.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use loan_broker::domain::engine::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
}

fn bench_engine(c: &mut Criterion) {
    let rules = RuleSet::default_rules();
    let products = Product::default_products();
    let one = sample_facts(42, today());

    c.bench_function("diagnose_one", |b| {
        b.iter(|| diagnose(black_box(&one), &rules, &products, today()))
    });

    let customers: Vec<Facts> = (0..100_000).map(|i| sample_facts(i, today())).collect();
    let mut group = c.benchmark_group("batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("diagnose_100k", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|f| diagnose(f, &rules, &products, today()).recommended_wan)
                .sum::<f64>()
        })
    });
    group.finish();

    c.bench_function("generate_plans_one", |b| {
        b.iter(|| generate_plans(black_box(&one), &rules, &products, today()))
    });
}

criterion_group!(benches, bench_engine);
criterion_main!(benches);
