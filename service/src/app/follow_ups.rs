//! Follow-ups (跟进记录): record a contact, plan the next one, mark it done; the due lists of a
//! user; and the settings of the daily digest (sending it is `app::digest`).
//!
//! A follow-up's assignee is whoever must make the next contact: by default the customer's owner,
//! else the person who recorded it. Staff read and change the due list of their own; admins any.

use chrono::Duration;
use poem_openapi::Object;
use rusqlite::Connection;

use super::customers::{may_see_customer, may_see_record};
use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::follow_ups::{self, DoneChange, FollowUp, FollowUpFields};
use crate::db::{Db, UnitOfWork, customers, users};
use crate::domain::follow_ups::DueWindow;
use crate::domain::ids::{CustomerId, FollowUpId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::{AuditAction, FollowUpChannel, Role, Stage};

pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_RESULT_CHARS: usize = 500;
/// A contact recorded as happening later than this is a typo, not a plan (plans are next_contact_at).
const FUTURE_SLACK_MINUTES: i64 = 10;
const MAX_PLAN_DAYS: i64 = 3 * 366;

/// What a new follow-up is recorded with.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub contacted_at: Option<Timestamp>,
    pub channel: FollowUpChannel,
    pub content: String,
    pub result: Option<String>,
    pub next_contact_at: Option<Timestamp>,
    pub assignee_id: Option<UserId>,
}

/// A change: `None` keeps the field; `Some(None)` clears a clearable one.
#[derive(Debug, Clone, Default)]
pub struct FollowUpPatch {
    pub done: Option<bool>,
    pub contacted_at: Option<Timestamp>,
    pub channel: Option<FollowUpChannel>,
    pub content: Option<String>,
    pub result: Option<Option<String>>,
    pub next_contact_at: Option<Option<Timestamp>>,
    pub assignee_id: Option<UserId>,
}

fn text(field: &str, label: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("{label} {field} 最多 {max} 个字"),
        ));
    }
    Ok(v.to_string())
}

fn optional_text(
    field: &str,
    label: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => Ok(Some(text(field, label, &v, max)?).filter(|v| !v.is_empty())),
    }
}

/// Every rule a follow-up's fields obey, new or changed.
fn check(f: &FollowUpFields, now: Timestamp) -> Result<()> {
    if f.content.is_empty() {
        return Err(Error::validation("content", "跟进内容 content 不能为空"));
    }
    if f.contacted_at.get() > now.get() + Duration::minutes(FUTURE_SLACK_MINUTES) {
        return Err(Error::validation(
            "contacted_at",
            "跟进时间 contacted_at 不能晚于现在；计划中的联系请填下次联系时间 next_contact_at",
        ));
    }
    if let Some(next) = f.next_contact_at {
        if next <= f.contacted_at {
            return Err(Error::validation(
                "next_contact_at",
                "下次联系时间 next_contact_at 应晚于本次跟进时间",
            ));
        }
        if next.get() > now.get() + Duration::days(MAX_PLAN_DAYS) {
            return Err(Error::validation(
                "next_contact_at",
                "下次联系时间 next_contact_at 不能超过三年以后",
            ));
        }
    }
    Ok(())
}

/// An assignee must be an enabled account.
fn check_assignee(conn: &Connection, id: UserId) -> Result<()> {
    match users::by_id(conn, id)? {
        Some(u) if !u.disabled => Ok(()),
        Some(_) => Err(Error::validation(
            "assignee_id",
            "负责人 assignee_id 的账号已停用，请选择其他人",
        )),
        None => Err(Error::validation(
            "assignee_id",
            "负责人 assignee_id 不存在",
        )),
    }
}

fn load(conn: &Connection, user: &CurrentUser, id: FollowUpId) -> Result<FollowUp> {
    let f = follow_ups::get(conn, id)?
        .ok_or_else(|| Error::not_found(format!("跟进记录 #{id} 不存在")))?;
    may_see_record(conn, user, f.customer_id, || {
        Error::not_found(format!("跟进记录 #{id} 不存在"))
    })?;
    Ok(f)
}

pub async fn create(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    customer_id: CustomerId,
    new: NewFollowUp,
) -> Result<FollowUp> {
    let now = Timestamp::now();
    let content = text("content", "跟进内容", &new.content, MAX_CONTENT_CHARS)?;
    let result = optional_text("result", "跟进结果", new.result, MAX_RESULT_CHARS)?;
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        may_see_customer(&uow, &user, customer_id)?;
        let customer = super::customers::load(&uow, customer_id)?;
        let assignee_id = new
            .assignee_id
            .or(customer.data.owner_id)
            .unwrap_or(user.id);
        check_assignee(&uow, assignee_id)?;
        let fields = FollowUpFields {
            contacted_at: new.contacted_at.unwrap_or(now),
            channel: new.channel,
            content,
            result,
            next_contact_at: new.next_contact_at,
            assignee_id: Some(assignee_id),
        };
        check(&fields, now)?;
        let id = follow_ups::insert(&uow, customer_id, &fields, Some(user.id))?;
        // A first contact moves a new customer on in the pipeline; later stages are the broker's.
        if customer.data.stage == Stage::New {
            customers::set_stage(&uow, customer_id, Stage::Contacted)?;
        }
        let saved = follow_ups::get(&uow, id)?
            .ok_or_else(|| Error::internal("inserted follow-up not found"))?;
        let change = Change::on(Resource::FollowUp(id)).after(&saved);
        Ok(uow.commit(AuditAction::FollowUpCreate, change, saved)?)
    })
    .await
}

pub async fn list(db: &Db, user: &CurrentUser, customer_id: CustomerId) -> Result<Vec<FollowUp>> {
    let user = user.clone();
    db.read(move |c| {
        may_see_customer(c, &user, customer_id)?;
        Ok(follow_ups::for_customer(c, customer_id)?)
    })
    .await
}

pub async fn update(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: FollowUpId,
    patch: FollowUpPatch,
) -> Result<FollowUp> {
    let now = Timestamp::now();
    let content = match &patch.content {
        Some(c) => Some(text("content", "跟进内容", c, MAX_CONTENT_CHARS)?),
        None => None,
    };
    let result = match patch.result.clone() {
        Some(r) => Some(optional_text("result", "跟进结果", r, MAX_RESULT_CHARS)?),
        None => None,
    };
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = load(&uow, &user, id)?;
        let fields = FollowUpFields {
            contacted_at: patch.contacted_at.unwrap_or(before.contacted_at),
            channel: patch.channel.unwrap_or(before.channel),
            content: content.unwrap_or_else(|| before.content.clone()),
            result: result.unwrap_or_else(|| before.result.clone()),
            next_contact_at: patch.next_contact_at.unwrap_or(before.next_contact_at),
            assignee_id: patch.assignee_id.or(before.assignee_id),
        };
        if let Some(a) = patch.assignee_id {
            check_assignee(&uow, a)?;
        }
        check(&fields, now)?;
        let done = match (patch.done, before.done) {
            (Some(true), false) => DoneChange::Mark {
                at: now,
                by: user.id,
            },
            (Some(false), true) => DoneChange::Reopen,
            _ => DoneChange::Keep,
        };
        follow_ups::update(&uow, id, &fields, done)?;
        let after = load(&uow, &user, id)?;
        let change = Change::on(Resource::FollowUp(id))
            .before(&before)
            .after(&after);
        Ok(uow.commit(AuditAction::FollowUpUpdate, change, after)?)
    })
    .await
}

/// Whose due list a request reads: one's own, or (admin) anyone's.
fn whose(user: &CurrentUser, assignee: Option<UserId>) -> Result<UserId> {
    match assignee {
        Some(a) if a != user.id && user.role != Role::Admin => Err(Error::forbidden(
            "admin_required",
            "只有管理员可以查看其他人的待跟进",
        )),
        Some(a) => Ok(a),
        None => Ok(user.id),
    }
}

pub async fn due(
    db: &Db,
    user: &CurrentUser,
    when: DueWindow,
    assignee: Option<UserId>,
) -> Result<Vec<FollowUp>> {
    let who = whose(user, assignee)?;
    let owner = user.scope().owner();
    let now = Timestamp::now();
    db.read(move |c| Ok(follow_ups::due(c, Some(who), owner, when.before(now), now)?))
        .await
}

/// How many follow-ups are due, per window (the menu's badge and the workbench).
#[derive(Object, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueCounts {
    /// Open and past their next contact time.
    pub overdue: u64,
    /// Due before the end of today, the overdue included.
    pub today: u64,
    /// Due within seven days, the overdue included.
    pub week: u64,
}

pub async fn counts(db: &Db, user: &CurrentUser, assignee: Option<UserId>) -> Result<DueCounts> {
    let who = whose(user, assignee)?;
    let owner = user.scope().owner();
    let now = Timestamp::now();
    db.read(move |c| {
        let week = follow_ups::due(c, Some(who), owner, DueWindow::Week.before(now), now)?;
        let before_today_ends = DueWindow::Today.before(now);
        Ok(DueCounts {
            overdue: week.iter().filter(|f| f.overdue).count() as u64,
            today: week
                .iter()
                .filter(|f| f.next_contact_at.is_some_and(|n| n < before_today_ends))
                .count() as u64,
            week: week.len() as u64,
        })
    })
    .await
}
