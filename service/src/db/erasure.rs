//! Erasure of a customer (PIPL Art. 47, 个人信息删除): every row held about one customer, found
//! through [`HELD`] — the one list of (table, how to find the customer's rows) — and the audit
//! entries about those rows, whose before/after values are replaced by a redacted summary.
//!
//! Deleting rows is not enough for "the file no longer contains the strings": SQLite leaves a
//! deleted cell's bytes in the page's free space, and the WAL keeps old page images. The pieces
//! that make the removal real, and why each is there:
//! - `PRAGMA secure_delete = ON` on every connection (see [`super::PRAGMAS`]): a freed cell or
//!   page is overwritten with zeros, also the older copies freed by earlier updates of a row
//!   (a changed phone number). `FAST` would skip freed overflow pages (long notes), so `ON`.
//! - [`checkpoint`] after the commit: copies the zeroed pages into the database file and
//!   truncates the WAL, whose earlier frames still hold the pages as they were before.
//! - No `VACUUM`: with secure_delete on, freed pages and cells hold zeros, so the freelist keeps
//!   no data (the erasure test reads the file's raw bytes to prove it).
//! - No FTS step: the list search (003_search.sql) is a plain `search_text` column with b-tree
//!   indexes (`customers_search`, `customers_name`, `customers_uscc`), whose deleted index cells
//!   secure_delete zeroes like table cells; there is no FTS5 segment to merge.
//!
//! Measured with `tests/api/erasure.rs`: without secure_delete the company name is still in
//! `loan-broker.db` after the deletion; without the checkpoint it is still in `loan-broker.db-wal`;
//! with both, neither file nor `-shm` holds any of the erased strings.

use rusqlite::Connection;
use sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use serde_json::{Value, json};

use super::sql;
use crate::domain::ids::CustomerId;

/// One table holding a customer's data, and the condition that selects the customer's rows.
pub struct Held {
    pub table: &'static str,
    pub rows: fn(CustomerId) -> SimpleExpr,
}

fn by_customer(c: CustomerId) -> SimpleExpr {
    Expr::col("customer_id").eq(c)
}

fn ids_of(table: &'static str, c: CustomerId) -> SelectStatement {
    Query::select()
        .column("id")
        .from(table)
        .and_where(by_customer(c))
        .to_owned()
}

fn shares_of(c: CustomerId) -> SelectStatement {
    Query::select()
        .column("id")
        .from("shares")
        .and_where(Expr::col("diagnosis_id").in_subquery(ids_of("diagnoses", c)))
        .to_owned()
}

/// Everything erased with a customer, children before their parents (the foreign keys cascade
/// too, but naming every table here keeps this list the one place that says what goes, and
/// gives the counts of the erasure's audit entry). A new table keyed by `customer_id` is one
/// more line `Held { table: "…", rows: by_customer }` before `customers`.
pub const HELD: &[Held] = &[
    Held {
        table: "share_opens",
        rows: |c| Expr::col("share_id").in_subquery(shares_of(c)),
    },
    Held {
        table: "shares",
        rows: |c| Expr::col("diagnosis_id").in_subquery(ids_of("diagnoses", c)),
    },
    Held {
        table: "application_events",
        rows: |c| Expr::col("application_id").in_subquery(ids_of("applications", c)),
    },
    Held {
        table: "agreement_rebates",
        rows: |c| Expr::col("agreement_id").in_subquery(ids_of("agreements", c)),
    },
    Held {
        table: "consents",
        rows: by_customer,
    },
    Held {
        table: "agreements",
        rows: by_customer,
    },
    Held {
        table: "applications",
        rows: by_customer,
    },
    Held {
        table: "follow_ups",
        rows: by_customer,
    },
    Held {
        table: "documents",
        rows: by_customer,
    },
    Held {
        table: "plans",
        rows: by_customer,
    },
    Held {
        table: "diagnoses",
        rows: by_customer,
    },
    Held {
        table: "collaterals",
        rows: by_customer,
    },
    // The search index of a live customer (a customer in the recycle bin has none).
    Held {
        table: "customer_grams",
        rows: |c| Expr::col("rowid").eq(c),
    },
    Held {
        table: "customers",
        rows: |c| Expr::col("id").eq(c),
    },
];

/// The audit `resource_type`s whose entries are about a customer's records, and how to find the
/// ids of the customer's records of that type.
type Ids = fn(CustomerId) -> SelectStatement;

const AUDITED: &[(&str, Ids)] = &[
    ("customer", |c| {
        Query::select()
            .column("id")
            .from("customers")
            .and_where(Expr::col("id").eq(c))
            .to_owned()
    }),
    ("plan", |c| ids_of("plans", c)),
    ("share", shares_of),
    ("follow_up", |c| ids_of("follow_ups", c)),
    ("application", |c| ids_of("applications", c)),
    ("consent", |c| ids_of("consents", c)),
];

/// What stands in for every personal value of an erased customer in the audit log.
pub const REDACTED: &str = "[已删除]";

fn ids(conn: &Connection, q: &SelectStatement) -> rusqlite::Result<Vec<String>> {
    Ok(sql::query_all(conn, q, |r| r.get::<_, i64>(0))?
        .into_iter()
        .map(|id| id.to_string())
        .collect())
}

/// The audit entries about the customer and its records: (resource_type, resource_id) pairs.
/// Read before the rows go (the ids are found through them).
pub fn audited_resources(
    conn: &Connection,
    c: CustomerId,
) -> rusqlite::Result<Vec<(&'static str, Vec<String>)>> {
    AUDITED
        .iter()
        .map(|(kind, find)| Ok((*kind, ids(conn, &find(c))?)))
        .collect()
}

/// The condition selecting the audit entries about `resources`.
pub fn audit_condition(resources: &[(&'static str, Vec<String>)]) -> sea_query::Condition {
    let mut any = sea_query::Cond::any();
    for (kind, ids) in resources {
        if !ids.is_empty() {
            any = any.add(
                Expr::col("resource_type")
                    .eq(*kind)
                    .and(Expr::col("resource_id").is_in(ids.clone())),
            );
        }
    }
    any
}

/// The top-level keys of a JSON object (none for anything else).
fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// What an entry keeps of its before/after: which fields it held or changed, never their values.
fn redacted(before: Option<&Value>, after: Option<&Value>) -> (Option<String>, Option<String>) {
    let summary = |fields: Vec<String>| json!({"redacted": REDACTED, "fields": fields}).to_string();
    match (before, after) {
        (Some(b), Some(a)) => {
            let changed: Vec<String> = keys(a)
                .into_iter()
                .filter(|k| b.get(k) != a.get(k))
                .collect();
            (Some(summary(keys(b))), Some(summary(changed)))
        }
        (b, a) => (b.map(|b| summary(keys(b))), a.map(|a| summary(keys(a)))),
    }
}

/// Replaces the before/after of the entries about `resources` by a redacted summary; who did
/// what and when stays. Returns how many entries were rewritten.
pub fn redact_audit(
    conn: &Connection,
    resources: &[(&'static str, Vec<String>)],
) -> rusqlite::Result<usize> {
    let q = Query::select()
        .columns(["id", "before_json", "after_json"])
        .from("audit_logs")
        .cond_where(audit_condition(resources))
        .and_where(
            Expr::col("before_json")
                .is_not_null()
                .or(Expr::col("after_json").is_not_null()),
        )
        .to_owned();
    let rows = sql::query_all(conn, &q, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let parse = |s: &Option<String>| {
        s.as_deref()
            .map(|s| serde_json::from_str(s).unwrap_or(Value::Null))
    };
    for (id, before, after) in &rows {
        let (b, a) = redacted(parse(before).as_ref(), parse(after).as_ref());
        sql::execute(
            conn,
            &Query::update()
                .table("audit_logs")
                .values([("before_json", b.into()), ("after_json", a.into())])
                .and_where(Expr::col("id").eq(*id))
                .to_owned(),
        )?;
    }
    Ok(rows.len())
}

/// The files on disk of the customer's documents (removed after the commit).
pub fn stored_files(conn: &Connection, c: CustomerId) -> rusqlite::Result<Vec<String>> {
    sql::query_all(
        conn,
        &Query::select()
            .column("stored_name")
            .from("documents")
            .and_where(by_customer(c))
            .to_owned(),
        |r| r.get(0),
    )
}

/// Deletes the customer's rows from every table of [`HELD`]; returns (table, rows deleted).
pub fn delete_held(
    conn: &Connection,
    c: CustomerId,
) -> rusqlite::Result<Vec<(&'static str, usize)>> {
    HELD.iter()
        .map(|h| {
            let n = sql::execute(
                conn,
                &Query::delete()
                    .from_table(h.table)
                    .cond_where((h.rows)(c))
                    .to_owned(),
            )?;
            Ok((h.table, n))
        })
        .collect()
}

/// Moves every page of the WAL into the database file and truncates the WAL to zero bytes, so
/// no old page image of an erased row stays in it. Returns whether it completed: a reader in
/// the middle of a transaction can keep it from finishing (SQLite then reports busy).
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<bool> {
    let (busy, _log, _done): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(busy == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redacted_entry_names_the_changed_fields_and_keeps_no_value() {
        let before = json!({"name": "甲公司", "contact_phone": "13800000000", "stage": "new"});
        let after = json!({"name": "甲公司", "contact_phone": "13900000000", "stage": "new"});
        let (b, a) = redacted(Some(&before), Some(&after));
        let (b, a) = (b.unwrap(), a.unwrap());
        for s in ["甲公司", "13800000000", "13900000000"] {
            assert!(!b.contains(s) && !a.contains(s), "{s} left in {b} / {a}");
        }
        let a: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(a["fields"], json!(["contact_phone"]));
        assert_eq!(a["redacted"], REDACTED);
        assert_eq!(redacted(None, None), (None, None));
    }
}
