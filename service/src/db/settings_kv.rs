//! Small key/value settings owned by the instance (branding overrides, instance id).

use rusqlite::Connection;
use sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::sql;

const TABLE: &str = "app_settings";

pub fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    let q = Query::select()
        .column("value")
        .from(TABLE)
        .and_where(Expr::col("key").eq(key))
        .to_owned();
    sql::query_opt(conn, &q, |r| r.get("value"))
}

pub fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<usize> {
    let q = Query::insert()
        .into_table(TABLE)
        .columns(["key", "value"])
        .values_panic([key.into(), value.into()])
        .on_conflict(OnConflict::column("key").update_column("value").to_owned())
        .to_owned();
    sql::execute(conn, &q)
}

pub fn delete(conn: &Connection, key: &str) -> rusqlite::Result<usize> {
    sql::execute(
        conn,
        &Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("key").eq(key))
            .to_owned(),
    )
}
