//! Thin glue between sea-query and rusqlite: every statement is built by sea-query and bound as parameters.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Row};
use sea_query::{QueryStatementWriter, SqliteQueryBuilder};
use sea_query_rusqlite::RusqliteBinder;

use crate::domain::ids::{
    AgreementId, ApplicationId, ConsentId, CustomerId, DiagnosisId, DocumentId, FollowUpId, PlanId,
    ProductId, ProviderId, RulesVersion, ShareId, UserId,
};
use crate::domain::timestamp::{NotATimestamp, Timestamp};

/// Typed ids are stored as the integers they wrap.
macro_rules! id_columns {
    ($($name:ident),+ $(,)?) => {$(
        impl From<$name> for sea_query::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        impl sea_query::Nullable for $name {
            fn null() -> sea_query::Value {
                sea_query::Value::BigInt(None)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map(Self)
            }
        }
    )+};
}

id_columns!(
    UserId,
    CustomerId,
    DiagnosisId,
    PlanId,
    ProductId,
    ProviderId,
    RulesVersion,
    ShareId,
    DocumentId,
    FollowUpId,
    ApplicationId,
    AgreementId,
    ConsentId
);

/// Timestamps are stored in their wire form (RFC 3339, milliseconds, `Z`), which sorts by time.
impl From<Timestamp> for sea_query::Value {
    fn from(t: Timestamp) -> Self {
        t.to_text().into()
    }
}

impl sea_query::Nullable for Timestamp {
    fn null() -> sea_query::Value {
        sea_query::Value::String(None)
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_text()))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Timestamp::parse(text)
            .ok_or_else(|| FromSqlError::Other(Box::new(NotATimestamp(text.into()))))
    }
}

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

/// A stored row that does not decode. It is never replaced by a default or skipped: the error
/// names the table, the row and the problem, and reaches the client as a 500 (logged in full).
#[derive(Debug)]
pub struct BadRow {
    pub table: &'static str,
    pub id: String,
    pub problem: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {} of table {} does not decode: {}",
            self.id, self.table, self.problem
        )
    }
}

impl std::error::Error for BadRow {}

pub fn bad_row(
    table: &'static str,
    id: impl std::fmt::Display,
    problem: impl std::fmt::Display,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(BadRow {
            table,
            id: id.to_string(),
            problem: problem.to_string(),
        }),
    )
}

/// Names the row in any decoding error of `decoded` (wrong column types included).
pub fn in_row<T>(
    table: &'static str,
    id: impl std::fmt::Display,
    decoded: rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    decoded.map_err(|e| match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, ref inner) if inner.is::<BadRow>() => e,
        other => bad_row(table, id, other),
    })
}

/// A JSON column, decoded; a body that does not parse is a [`BadRow`].
pub fn json_column<T: serde::de::DeserializeOwned>(
    table: &'static str,
    id: impl std::fmt::Display,
    column: &str,
    text: &str,
) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| bad_row(table, id, format!("{column}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_columns_round_trip_and_bad_values_are_errors() {
        let conn = Connection::open_in_memory().unwrap();
        let id: UserId = conn
            .query_row("SELECT ?1", [UserId(42)], |r| r.get(0))
            .unwrap();
        assert_eq!(id, UserId(42));
        let t = Timestamp::parse("2026-03-01T08:30:00.123Z").unwrap();
        let back: Timestamp = conn.query_row("SELECT ?1", [t], |r| r.get(0)).unwrap();
        assert_eq!(back, t);
        let stored: String = conn.query_row("SELECT ?1", [t], |r| r.get(0)).unwrap();
        assert_eq!(stored, "2026-03-01T08:30:00.123Z");
        for bad in ["SELECT 'yesterday'", "SELECT 5", "SELECT NULL"] {
            let decoded = conn.query_row(bad, [], |r| r.get::<_, Timestamp>(0));
            assert!(decoded.is_err(), "{bad}");
        }
        assert!(
            conn.query_row("SELECT 'x'", [], |r| r.get::<_, UserId>(0))
                .is_err()
        );
    }
}
