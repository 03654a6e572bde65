//! Thin glue between sea-query and rusqlite: every statement is built by sea-query and bound as parameters.

use rusqlite::{Connection, Row};
use sea_query::{QueryStatementWriter, SqliteQueryBuilder};
use sea_query_rusqlite::RusqliteBinder;

pub fn execute<Q: QueryStatementWriter + RusqliteBinder>(
    conn: &Connection,
    query: &Q,
) -> rusqlite::Result<usize> {
    let (sql, values) = query.build_rusqlite(SqliteQueryBuilder);
    conn.prepare_cached(&sql)?.execute(&*values.as_params())
}

/// Executes an insert and returns the new row id.
pub fn insert<Q: QueryStatementWriter + RusqliteBinder>(
    conn: &Connection,
    query: &Q,
) -> rusqlite::Result<i64> {
    execute(conn, query)?;
    Ok(conn.last_insert_rowid())
}

pub fn query_all<Q, T, F>(conn: &Connection, query: &Q, map: F) -> rusqlite::Result<Vec<T>>
where
    Q: QueryStatementWriter + RusqliteBinder,
    F: FnMut(&Row<'_>) -> rusqlite::Result<T>,
{
    let (sql, values) = query.build_rusqlite(SqliteQueryBuilder);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(&*values.as_params(), map)?;
    rows.collect()
}

pub fn query_opt<Q, T, F>(conn: &Connection, query: &Q, map: F) -> rusqlite::Result<Option<T>>
where
    Q: QueryStatementWriter + RusqliteBinder,
    F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
{
    use rusqlite::OptionalExtension;
    let (sql, values) = query.build_rusqlite(SqliteQueryBuilder);
    conn.prepare_cached(&sql)?
        .query_row(&*values.as_params(), map)
        .optional()
}

pub fn count<Q: QueryStatementWriter + RusqliteBinder>(
    conn: &Connection,
    query: &Q,
) -> rusqlite::Result<i64> {
    let (sql, values) = query.build_rusqlite(SqliteQueryBuilder);
    conn.prepare_cached(&sql)?
        .query_row(&*values.as_params(), |r| r.get(0))
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
