//! Follow-ups (跟进记录): one row per contact with a client, and the next contact it plans.

use poem_openapi::Object;
use rusqlite::{Connection, Row};
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

use super::sql;
use crate::domain::ids::{CustomerId, FollowUpId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::FollowUpChannel;

const TABLE: &str = "follow_ups";
const COLUMNS: [&str; 13] = [
    "id",
    "customer_id",
    "contacted_at",
    "channel",
    "content",
    "result",
    "next_contact_at",
    "assignee_id",
    "done_at",
    "done_by",
    "created_by",
    "created_at",
    "updated_at",
];

/// A follow-up as the API shows it.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    /// When the contact took place.
    pub contacted_at: Timestamp,
    pub channel: FollowUpChannel,
    pub content: String,
    #[oai(nullable)]
    pub result: Option<String>,
    /// When to contact the client next; an open follow-up is due from then until done.
    #[oai(nullable)]
    pub next_contact_at: Option<Timestamp>,
    #[oai(nullable)]
    pub assignee_id: Option<UserId>,
    #[oai(nullable)]
    pub assignee_name: Option<String>,
    pub done: bool,
    #[oai(nullable)]
    pub done_at: Option<Timestamp>,
    /// Open, with a next contact time already past.
    pub overdue: bool,
    #[oai(nullable)]
    pub created_by: Option<UserId>,
    #[oai(nullable)]
    pub created_by_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The fields a follow-up is written with (new or changed).
#[derive(Debug, Clone)]
pub struct FollowUpFields {
    pub contacted_at: Timestamp,
    pub channel: FollowUpChannel,
    pub content: String,
    pub result: Option<String>,
    pub next_contact_at: Option<Timestamp>,
    pub assignee_id: Option<UserId>,
}

fn t(column: &str) -> (Alias, Alias) {
    (Alias::new(TABLE), Alias::new(column))
}

fn row(r: &Row<'_>, now: Timestamp) -> rusqlite::Result<FollowUp> {
    let id: FollowUpId = r.get("id")?;
    sql::in_row(TABLE, id, {
        let channel: String = r.get("channel")?;
        FollowUpChannel::from_code(&channel)
            .ok_or_else(|| sql::bad_row(TABLE, id, format!("channel: unknown code {channel:?}")))
            .and_then(|channel| {
                let done_at: Option<Timestamp> = r.get("done_at")?;
                let next_contact_at: Option<Timestamp> = r.get("next_contact_at")?;
                Ok(FollowUp {
                    id,
                    customer_id: r.get("customer_id")?,
                    customer_name: r.get("customer_name")?,
                    contacted_at: r.get("contacted_at")?,
                    channel,
                    content: r.get("content")?,
                    result: r.get("result")?,
                    next_contact_at,
                    assignee_id: r.get("assignee_id")?,
                    assignee_name: r.get("assignee_name")?,
                    done: done_at.is_some(),
                    done_at,
                    overdue: done_at.is_none() && next_contact_at.is_some_and(|n| n < now),
                    created_by: r.get("created_by")?,
                    created_by_name: r.get("created_by_name")?,
                    created_at: r.get("created_at")?,
                    updated_at: r.get("updated_at")?,
                })
            })
    })
}

fn select() -> SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column(t(c));
    }
    q.expr_as(
        Expr::col((Alias::new("customers"), Alias::new("name"))),
        Alias::new("customer_name"),
    )
    .expr_as(
        Expr::col((Alias::new("assignee"), Alias::new("display_name"))),
        Alias::new("assignee_name"),
    )
    .expr_as(
        Expr::col((Alias::new("creator"), Alias::new("display_name"))),
        Alias::new("created_by_name"),
    )
    .from(TABLE)
    .inner_join(
        "customers",
        Expr::col((Alias::new("customers"), Alias::new("id"))).equals(t("customer_id")),
    )
    .join_as(
        sea_query::JoinType::LeftJoin,
        "users",
        Alias::new("assignee"),
        Expr::col((Alias::new("assignee"), Alias::new("id"))).equals(t("assignee_id")),
    )
    .join_as(
        sea_query::JoinType::LeftJoin,
        "users",
        Alias::new("creator"),
        Expr::col((Alias::new("creator"), Alias::new("id"))).equals(t("created_by")),
    );
    q
}

pub fn insert(
    conn: &Connection,
    customer_id: CustomerId,
    f: &FollowUpFields,
    created_by: Option<UserId>,
) -> rusqlite::Result<FollowUpId> {
    let now = Timestamp::now();
    let q = Query::insert()
        .into_table(TABLE)
        .columns([
            "customer_id",
            "contacted_at",
            "channel",
            "content",
            "result",
            "next_contact_at",
            "assignee_id",
            "created_by",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            customer_id.into(),
            f.contacted_at.into(),
            f.channel.code().into(),
            f.content.clone().into(),
            f.result.clone().into(),
            f.next_contact_at.into(),
            f.assignee_id.into(),
            created_by.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    sql::insert(conn, &q).map(FollowUpId)
}

pub fn get(conn: &Connection, id: FollowUpId) -> rusqlite::Result<Option<FollowUp>> {
    let now = Timestamp::now();
    let mut q = select();
    q.and_where(Expr::col(t("id")).eq(id));
    sql::query_opt(conn, &q, |r| row(r, now))
}

/// What a change does to the done state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DoneChange {
    Keep,
    Mark { at: Timestamp, by: UserId },
    Reopen,
}

/// Rewrites the fields, and the done state as `done` says.
pub fn update(
    conn: &Connection,
    id: FollowUpId,
    f: &FollowUpFields,
    done: DoneChange,
) -> rusqlite::Result<usize> {
    let mut q = Query::update();
    q.table(TABLE)
        .value("contacted_at", f.contacted_at)
        .value("channel", f.channel.code())
        .value("content", f.content.clone())
        .value("result", f.result.clone())
        .value("next_contact_at", f.next_contact_at)
        .value("assignee_id", f.assignee_id)
        .value("updated_at", Timestamp::now())
        .and_where(Expr::col("id").eq(id));
    match done {
        DoneChange::Keep => {}
        DoneChange::Mark { at, by } => {
            q.value("done_at", at).value("done_by", by);
        }
        DoneChange::Reopen => {
            q.value("done_at", None::<String>)
                .value("done_by", None::<i64>);
        }
    }
    sql::execute(conn, &q)
}

/// A customer's follow-ups, the latest contact first.
pub fn for_customer(conn: &Connection, customer_id: CustomerId) -> rusqlite::Result<Vec<FollowUp>> {
    let now = Timestamp::now();
    let mut q = select();
    q.and_where(Expr::col(t("customer_id")).eq(customer_id))
        .order_by(t("contacted_at"), Order::Desc)
        .order_by(t("id"), Order::Desc);
    sql::query_all(conn, &q, |r| row(r, now))
}

/// Open follow-ups of live customers due before `before` (no lower bound: overdue ones stay),
/// the most overdue first; for one assignee, or everyone's when `assignee` is `None`; of one
/// owner's customers when `owner` is set (the data scope).
pub fn due(
    conn: &Connection,
    assignee: Option<UserId>,
    owner: Option<UserId>,
    before: Timestamp,
    now: Timestamp,
) -> rusqlite::Result<Vec<FollowUp>> {
    let mut q = select();
    q.and_where(Expr::col(t("done_at")).is_null())
        .and_where(Expr::col(t("next_contact_at")).is_not_null())
        .and_where(Expr::col(t("next_contact_at")).lt(before))
        .and_where(Expr::col((Alias::new("customers"), Alias::new("deleted_at"))).is_null());
    if let Some(a) = assignee {
        q.and_where(Expr::col(t("assignee_id")).eq(a));
    }
    if let Some(o) = owner {
        q.and_where(Expr::col((Alias::new("customers"), Alias::new("owner_id"))).eq(o));
    }
    q.order_by(t("next_contact_at"), Order::Asc)
        .order_by(t("id"), Order::Asc);
    sql::query_all(conn, &q, |r| row(r, now))
}

/// Gives `from`'s open follow-ups to `to` (a handover); returns how many.
pub fn reassign_open(conn: &Connection, from: UserId, to: UserId) -> rusqlite::Result<usize> {
    let q = Query::update()
        .table(TABLE)
        .value("assignee_id", to)
        .value("updated_at", Timestamp::now())
        .and_where(Expr::col("assignee_id").eq(from))
        .and_where(Expr::col("done_at").is_null())
        .to_owned();
    sql::execute(conn, &q)
}

/// The last business day a user's digest went out (`YYYY-MM-DD`).
pub fn digest_sent_on(conn: &Connection, user: UserId) -> rusqlite::Result<Option<String>> {
    let q = Query::select()
        .column("last_sent_on")
        .from("follow_up_digests")
        .and_where(Expr::col("user_id").eq(user))
        .to_owned();
    sql::query_opt(conn, &q, |r| r.get(0))
}

pub fn mark_digest_sent(conn: &Connection, user: UserId, day: &str) -> rusqlite::Result<usize> {
    let q = Query::insert()
        .into_table("follow_up_digests")
        .columns(["user_id", "last_sent_on"])
        .values_panic([user.into(), day.into()])
        .on_conflict(
            sea_query::OnConflict::column("user_id")
                .update_column("last_sent_on")
                .to_owned(),
        )
        .to_owned();
    sql::execute(conn, &q)
}
