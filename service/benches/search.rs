//! The customer list's `q` search (issue 17): what one page of a 2-character Chinese query costs
//! (`customers::list`: count and page), against two candidate
//! indexes measured on the same data — a contentless FTS5 table of character unigrams and bigrams
//! (SQLite's trigram tokenizer cannot serve 2-character queries), and postings kept in memory.
//! The candidates live here only, to choose between them by measurement before one is built.
//!
//! Measured 2026-12-04 (2 cores, release), one count + one page of 20 ids for "科技":
//! | customers (matches) | LIKE scan | FTS5 grams + join | postings in memory |
//! |---|---|---|---|
//! | 10,000 (1,030)   | 1.88 ms | 0.98 ms | 0.9 µs |
//! | 100,000 (10,008) | 16.7 ms | 15.0 ms | 6.7 µs |
//! FTS5 finds the rows fast but the join back to `customers` (deleted_at, the sort for the page)
//! visits every match: it barely beats the scan at 100k. Postings in memory win by three orders of
//! magnitude, at 603k postings for 10k customers (6.1M for 100k) with unigrams included — so the
//! index to build keeps the filters and the page order in memory too, and packs its postings.
//!
//! First step taken (migration 014, `customers::indexed_count`): the count of a `q`-only search
//! comes from the contentless FTS5 gram table alone (only live customers are indexed, so no
//! join); the page still walks `LIKE`. `list_count_and_page` then measured 0.54 ms at 10k
//! (was 1.88 ms) and 0.85 ms at 100k (was 16.7 ms): the page and its 20 rows now dominate.

use std::collections::HashMap;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use loan_broker::db::customers::{self, ListFilter};
use loan_broker::db::{self, migrations};
use loan_broker::demo;
use rusqlite::Connection;

const QUERY: &str = "科技";

/// Every 1- and 2-character piece of each field, lowercased, as space-separated tokens.
fn grams(text: &str) -> String {
    let mut out = vec![];
    for field in text.split('\u{1}') {
        let chars: Vec<char> = field
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        for (i, c) in chars.iter().enumerate() {
            out.push(c.to_string());
            if let Some(n) = chars.get(i + 1) {
                out.push(format!("{c}{n}"));
            }
        }
    }
    out.join(" ")
}

fn seeded(n: u64) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = db::open(&dir.path().join("bench.db")).unwrap();
    migrations::run(&mut conn, dir.path()).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    demo::insert(&mut conn, n, 3, today).unwrap();
    conn.execute_batch(
        "CREATE VIRTUAL TABLE grams USING fts5(g, content='', contentless_delete=1, detail=none)",
    )
    .unwrap();
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT id, search_text FROM customers")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let tx = conn.transaction().unwrap();
    for (id, text) in &rows {
        tx.execute(
            "INSERT INTO grams (rowid, g) VALUES (?1, ?2)",
            rusqlite::params![id, grams(text)],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    (dir, conn)
}

/// Postings in memory: token → ids ascending; plus the live ids newest-updated first.
struct Postings {
    by_token: HashMap<String, Vec<u32>>,
    newest_first: Vec<u32>,
    max_id: usize,
}

fn postings(conn: &Connection) -> Postings {
    let mut by_token: HashMap<String, Vec<u32>> = HashMap::new();
    let mut newest_first = vec![];
    let mut stmt = conn
        .prepare("SELECT id, search_text FROM customers WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    let mut max_id = 0;
    for row in rows {
        let (id, text) = row.unwrap();
        newest_first.push(id as u32);
        max_id = max_id.max(id as usize);
        for g in grams(&text).split(' ') {
            let list = by_token.entry(g.to_string()).or_default();
            if list.last() != Some(&(id as u32)) {
                list.push(id as u32);
            }
        }
    }
    for list in by_token.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    Postings {
        by_token,
        newest_first,
        max_id,
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("search_2char");
    group.sample_size(20);
    for n in [10_000u64, 100_000] {
        let (_dir, conn) = seeded(n);
        let sort = customers::parse_sort("-updated_at").unwrap();
        let filter = ListFilter {
            q: Some(QUERY.into()),
            ..Default::default()
        };
        group.bench_with_input(BenchmarkId::new("list_count_and_page", n), &n, |b, _| {
            b.iter(|| customers::list(&conn, &filter, sort, 20, 0).unwrap())
        });
        let count_sql = "SELECT count(*) FROM customers WHERE deleted_at IS NULL \
                         AND id IN (SELECT rowid FROM grams WHERE grams MATCH ?1)";
        let page_sql = "SELECT id FROM customers WHERE deleted_at IS NULL \
                        AND id IN (SELECT rowid FROM grams WHERE grams MATCH ?1) \
                        ORDER BY updated_at DESC, id DESC LIMIT 20";
        let phrase = format!("\"{QUERY}\"");
        group.bench_with_input(
            BenchmarkId::new("fts5_grams_count_and_page_ids", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let total: i64 = conn.query_row(count_sql, [&phrase], |r| r.get(0)).unwrap();
                    let ids: Vec<i64> = conn
                        .prepare_cached(page_sql)
                        .unwrap()
                        .query_map([&phrase], |r| r.get(0))
                        .unwrap()
                        .collect::<Result<_, _>>()
                        .unwrap();
                    (total, ids)
                })
            },
        );
        let p = postings(&conn);
        group.bench_with_input(
            BenchmarkId::new("memory_postings_count_and_page_ids", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let list = p.by_token.get(QUERY).map(Vec::as_slice).unwrap_or(&[]);
                    let mut hit = vec![false; p.max_id + 1];
                    for id in list {
                        hit[*id as usize] = true;
                    }
                    let page: Vec<u32> = p
                        .newest_first
                        .iter()
                        .copied()
                        .filter(|id| hit[*id as usize])
                        .take(20)
                        .collect();
                    (list.len(), page)
                })
            },
        );
        let hits: i64 = conn
            .query_row(
                "SELECT count(*) FROM grams WHERE grams MATCH ?1",
                [&phrase],
                |r| r.get(0),
            )
            .unwrap();
        let tokens: usize = p.by_token.values().map(Vec::len).sum();
        eprintln!("{n} customers: {hits} match {QUERY:?}; {tokens} postings in memory");
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
