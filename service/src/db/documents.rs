//! Customer documents (客户资料): one row per stored file. The bytes live in the documents
//! directory under `stored_name`; this table is the only place the client's file name is kept.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

use super::sql;
use crate::domain::ids::{CustomerId, DocumentId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::DocumentKind;

const TABLE: &str = "documents";
const COLUMNS: [&str; 11] = [
    "id",
    "customer_id",
    "kind",
    "file_name",
    "stored_name",
    "content_type",
    "size_bytes",
    "sha256",
    "note",
    "uploaded_by",
    "uploaded_at",
];

/// A stored document as the API shows it.
#[derive(Object, Serialize, Debug, Clone)]
pub struct Document {
    pub id: DocumentId,
    pub customer_id: CustomerId,
    pub kind: DocumentKind,
    /// The uploaded file's name, cleaned for display (no directories, no control characters).
    pub file_name: String,
    /// The type recognised from the content (never the one the client declared).
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    #[oai(nullable)]
    pub note: Option<String>,
    #[oai(nullable)]
    pub uploaded_by: Option<UserId>,
    /// The uploader's display name (null when the account is gone).
    #[oai(nullable)]
    pub uploaded_by_name: Option<String>,
    pub uploaded_at: Timestamp,
}

/// A row with the name of its file on disk (never sent to clients).
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub document: Document,
    pub stored_name: String,
}

pub struct NewDocument<'a> {
    pub customer_id: CustomerId,
    pub kind: DocumentKind,
    pub file_name: &'a str,
    pub stored_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub note: Option<&'a str>,
    pub uploaded_by: Option<UserId>,
}

fn row(r: &Row<'_>) -> rusqlite::Result<StoredDocument> {
    let id: DocumentId = r.get("id")?;
    sql::in_row(TABLE, id, {
        let kind: String = r.get("kind")?;
        let kind = DocumentKind::from_code(&kind)
            .ok_or_else(|| sql::bad_row(TABLE, id, format!("kind: unknown code {kind:?}")));
        kind.and_then(|kind| {
            Ok(StoredDocument {
                document: Document {
                    id,
                    customer_id: r.get("customer_id")?,
                    kind,
                    file_name: r.get("file_name")?,
                    content_type: r.get("content_type")?,
                    size_bytes: r.get("size_bytes")?,
                    sha256: r.get("sha256")?,
                    note: r.get("note")?,
                    uploaded_by: r.get("uploaded_by")?,
                    uploaded_by_name: r.get("uploader_name")?,
                    uploaded_at: r.get("uploaded_at")?,
                },
                stored_name: r.get("stored_name")?,
            })
        })
    })
}

fn select() -> sea_query::SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column((sea_query::Alias::new(TABLE), sea_query::Alias::new(c)));
    }
    q.expr_as(
        Expr::col((
            sea_query::Alias::new("users"),
            sea_query::Alias::new("display_name"),
        )),
        sea_query::Alias::new("uploader_name"),
    )
    .from(TABLE)
    .left_join(
        "users",
        Expr::col((sea_query::Alias::new("users"), sea_query::Alias::new("id"))).equals((
            sea_query::Alias::new(TABLE),
            sea_query::Alias::new("uploaded_by"),
        )),
    );
    q
}

pub fn insert(conn: &Connection, d: &NewDocument<'_>) -> rusqlite::Result<DocumentId> {
    let q = Query::insert()
        .into_table(TABLE)
        .columns(COLUMNS[1..].iter().copied())
        .values_panic([
            d.customer_id.into(),
            d.kind.code().into(),
            d.file_name.into(),
            d.stored_name.into(),
            d.content_type.into(),
            d.size_bytes.into(),
            d.sha256.into(),
            d.note.map(str::to_string).into(),
            d.uploaded_by.into(),
            Timestamp::now().into(),
        ])
        .to_owned();
    sql::insert(conn, &q).map(DocumentId)
}

pub fn get(conn: &Connection, id: DocumentId) -> rusqlite::Result<Option<StoredDocument>> {
    let mut q = select();
    q.and_where(Expr::col((sea_query::Alias::new(TABLE), sea_query::Alias::new("id"))).eq(id));
    sql::query_opt(conn, &q, row)
}

/// A customer's documents, newest first.
pub fn for_customer(
    conn: &Connection,
    customer_id: CustomerId,
) -> rusqlite::Result<Vec<StoredDocument>> {
    let mut q = select();
    q.and_where(
        Expr::col((
            sea_query::Alias::new(TABLE),
            sea_query::Alias::new("customer_id"),
        ))
        .eq(customer_id),
    )
    .order_by(
        (
            sea_query::Alias::new(TABLE),
            sea_query::Alias::new("uploaded_at"),
        ),
        Order::Desc,
    )
    .order_by(
        (sea_query::Alias::new(TABLE), sea_query::Alias::new("id")),
        Order::Desc,
    );
    sql::query_all(conn, &q, row)
}

/// Bytes held by all documents of the instance (the quota counts these).
pub fn total_bytes(conn: &Connection) -> rusqlite::Result<i64> {
    let q = Query::select()
        .expr(Expr::col("size_bytes").sum())
        .from(TABLE)
        .to_owned();
    let (text, values) =
        sea_query_rusqlite::RusqliteBinder::build_rusqlite(&q, sea_query::SqliteQueryBuilder);
    conn.prepare_cached(&text)?
        .query_row(&*values.as_params(), |r| r.get::<_, Option<i64>>(0))
        .map(Option::unwrap_or_default)
}

pub fn delete(conn: &Connection, id: DocumentId) -> rusqlite::Result<usize> {
    sql::execute(
        conn,
        &Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
}
