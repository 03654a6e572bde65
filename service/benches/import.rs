//! The import parser: reading 10,000 rows of CSV and .xlsx and planning them against a database.

use criterion::{Criterion, criterion_group, criterion_main};
use loan_broker::db::{self, migrations};
use loan_broker::demo;
use loan_broker::domain::customer::Customer;
use loan_broker::io::{export, import, read};
use rand::SeedableRng;

fn sample(n: u64) -> Vec<Customer> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    (0..n)
        .map(|i| Customer::unsaved(i as i64, demo::customer(&mut rng, i, today)))
        .collect()
}

fn bench(c: &mut Criterion) {
    let customers = sample(10_000);
    let owners = Default::default();
    let csv = export::csv(&customers, &owners);
    let xlsx = export::xlsx(&customers, &owners).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut conn = db::open(&dir.path().join("bench.db")).unwrap();
    migrations::run(&mut conn, dir.path()).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();

    let mut group = c.benchmark_group("import_10k");
    group.sample_size(10);
    group.bench_function("read_csv", |b| {
        b.iter(|| read::read(&csv, Some("a.csv"), None, 100_000).unwrap())
    });
    group.bench_function("read_xlsx", |b| {
        b.iter(|| read::read(&xlsx, Some("a.xlsx"), None, 100_000).unwrap())
    });
    let sheet = read::read(&csv, Some("a.csv"), None, 100_000).unwrap();
    group.bench_function("plan_csv", |b| {
        b.iter(|| import::plan(&conn, &sheet, today, None).unwrap())
    });
    group.bench_function("export_xlsx", |b| {
        b.iter(|| export::xlsx(&customers, &owners).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
