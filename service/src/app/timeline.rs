//! A customer's timeline (客户动态): what happened to the customer, newest first, merged from each
//! record kind's own table — not from the audit log, whose entries are about rows, not customers.
//! Each source contributes its newest entries; the merge keeps the newest overall.

use poem_openapi::Object;
use rusqlite::Connection;

use super::Result;
use crate::db::audit::{self, AuditFilter};
use crate::db::{
    Db, agreements, applications, consents, diagnoses, documents, follow_ups, shares, users,
};
use crate::domain::ids::CustomerId;
use crate::domain::money::fmt_num;
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::{AuditAction, TimelineKind};

pub const MAX_ITEMS: u64 = 200;

#[derive(Object, Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub at: Timestamp,
    pub kind: TimelineKind,
    /// One line in Chinese, e.g. "融资体检：B，综合可贷 80万".
    pub title: String,
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// The id of the record (diagnosis, plan, follow-up …) the entry opens.
    #[oai(skip_serializing_if_is_none)]
    pub ref_id: Option<i64>,
    /// Who did it, where known.
    #[oai(skip_serializing_if_is_none)]
    pub by: Option<String>,
}

#[derive(Object, Debug)]
pub struct Timeline {
    pub items: Vec<TimelineEvent>,
}

type Source = fn(&Connection, CustomerId, u64) -> rusqlite::Result<Vec<TimelineEvent>>;

/// Every kind of record that belongs to a customer.
const SOURCES: &[Source] = &[
    customer_changes,
    diagnosis_events,
    plan_events,
    share_events,
    document_events,
    follow_up_events,
    application_events,
    agreement_events,
    consent_events,
];

fn customer_changes(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    let filter = AuditFilter {
        resource_type: Some("customer".into()),
        resource_id: Some(id.to_string()),
        ..Default::default()
    };
    Ok(audit::list(c, &filter, limit, 0)?
        .0
        .into_iter()
        .filter(|e| {
            matches!(
                e.action,
                AuditAction::CustomerCreate
                    | AuditAction::CustomerUpdate
                    | AuditAction::CustomerDelete
                    | AuditAction::CustomerRestore
                    | AuditAction::CustomerImport
            )
        })
        .map(|e| TimelineEvent {
            at: e.at,
            kind: TimelineKind::Customer,
            title: e.action.label().to_string(),
            detail: None,
            ref_id: None,
            by: e.username,
        })
        .collect())
}

fn diagnosis_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    Ok(diagnoses::for_customer(c, id, limit)?
        .into_iter()
        .map(|d| TimelineEvent {
            at: d.created_at,
            kind: TimelineKind::Diagnosis,
            title: format!(
                "融资体检：{}，综合可贷 {}万元",
                d.result.category.label(),
                fmt_num(d.result.recommended_wan)
            ),
            detail: Some(d.result.verdict.clone()),
            ref_id: Some(d.id.get()),
            by: None,
        })
        .collect())
}

fn plan_events(c: &Connection, id: CustomerId, limit: u64) -> rusqlite::Result<Vec<TimelineEvent>> {
    let mut plans = diagnoses::plans_for_customer(c, id)?;
    plans.sort_by_key(|p| std::cmp::Reverse(p.updated_at));
    Ok(plans
        .into_iter()
        .take(limit as usize)
        .map(|p| TimelineEvent {
            at: p.updated_at,
            kind: TimelineKind::Plan,
            title: format!("改造方案「{}」：{}", p.title, p.status.label()),
            detail: Some(p.headline.clone()),
            ref_id: Some(p.id.get()),
            by: None,
        })
        .collect())
}

fn share_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    let mut out = vec![];
    for d in diagnoses::for_customer(c, id, limit)? {
        for s in shares::for_diagnosis(c, d.id)? {
            let opened = match s.open_count {
                0 => "尚未打开".to_string(),
                n => format!("客户已打开 {n} 次"),
            };
            let state = if s.revoked_at.is_some() {
                "，已撤销"
            } else {
                ""
            };
            out.push(TimelineEvent {
                at: s.created_at,
                kind: TimelineKind::Share,
                title: format!("分享报告给客户（{opened}{state}）"),
                detail: None,
                ref_id: Some(d.id.get()),
                by: None,
            });
        }
    }
    Ok(out)
}

fn document_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    Ok(documents::for_customer(c, id)?
        .into_iter()
        .take(limit as usize)
        .map(|d| {
            let d = d.document;
            TimelineEvent {
                at: d.uploaded_at,
                kind: TimelineKind::Document,
                title: format!("上传资料：{}（{}）", d.kind.label(), d.file_name),
                detail: d.note,
                ref_id: Some(d.id.get()),
                by: d.uploaded_by_name,
            }
        })
        .collect())
}

fn follow_up_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    Ok(follow_ups::for_customer(c, id)?
        .into_iter()
        .take(limit as usize)
        .map(|f| {
            let next = match (f.next_contact_at, f.done) {
                (Some(n), false) => format!(
                    "，下次联系 {}",
                    n.get()
                        .with_timezone(&crate::domain::timestamp::business_zone())
                        .format("%-m月%-d日 %H:%M")
                ),
                (Some(_), true) => "，已完成".to_string(),
                (None, _) => String::new(),
            };
            TimelineEvent {
                at: f.contacted_at,
                kind: TimelineKind::FollowUp,
                title: format!("{}跟进{next}", f.channel.label()),
                detail: Some(match &f.result {
                    Some(r) => format!("{}（结果：{r}）", f.content),
                    None => f.content.clone(),
                }),
                ref_id: Some(f.id.get()),
                by: f.created_by_name,
            }
        })
        .collect())
}

fn agreement_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    Ok(agreements::for_customer(c, id)?
        .into_iter()
        .take(limit as usize)
        .map(|a| {
            let t = &a.terms;
            let fee = match (t.fee_rate_pct, t.fee_fixed_yuan) {
                (Some(p), _) => format!("放款金额的 {}%", fmt_num(p)),
                (None, Some(y)) => crate::domain::money::fmt_wan(y),
                _ => String::new(),
            };
            TimelineEvent {
                at: a.updated_at,
                kind: TimelineKind::Agreement,
                title: format!("委托协议：服务费 {fee}（{}）", t.due_on.label()),
                detail: t.note.clone(),
                ref_id: Some(a.id.get()),
                by: None,
            }
        })
        .collect())
}

/// Each consent recorded, and its withdrawal: "登记客户授权：诊断评估（征信、银行流水）".
fn consent_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    let held = consents::for_customer(c, id)?;
    if held.is_empty() {
        return Ok(vec![]);
    }
    let names: std::collections::HashMap<_, _> = users::list(c)?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |u: Option<crate::domain::ids::UserId>| u.and_then(|u| names.get(&u).cloned());
    let mut out = vec![];
    for k in held.into_iter().take(limit as usize) {
        let t = &k.terms;
        let labels = |v: Vec<&str>| v.join("、");
        let what = format!(
            "{}（{}）",
            labels(t.purposes.iter().map(|p| p.label()).collect()),
            labels(t.data.iter().map(|d| d.label()).collect())
        );
        if let Some(at) = k.withdrawn_at {
            out.push(TimelineEvent {
                at,
                kind: TimelineKind::Consent,
                title: format!("撤回客户授权：{what}"),
                detail: k.withdraw_reason.clone(),
                ref_id: Some(k.id.get()),
                by: name(k.withdrawn_by),
            });
        }
        out.push(TimelineEvent {
            at: k.created_at,
            kind: TimelineKind::Consent,
            title: format!("登记客户授权：{what}"),
            detail: Some(format!("{}，{} 取得", t.method.label(), t.obtained_on)),
            ref_id: Some(k.id.get()),
            by: name(k.recorded_by),
        });
    }
    Ok(out)
}

/// Each application's creation and status changes (its history rows): "进件 工商银行：已放款".
fn application_events(
    c: &Connection,
    id: CustomerId,
    limit: u64,
) -> rusqlite::Result<Vec<TimelineEvent>> {
    let mut first_seen = std::collections::HashSet::new();
    // All of them (a customer has few), so that the first row of each application is its creation.
    let mut rows = applications::events_for_customer(c, id, u32::MAX as u64)?;
    rows.reverse();
    let mut out: Vec<TimelineEvent> = rows
        .into_iter()
        .map(|(app_id, institution, e)| {
            let verb = if first_seen.insert(app_id) {
                "新增进件"
            } else {
                "进件状态"
            };
            TimelineEvent {
                at: e.at,
                kind: TimelineKind::Application,
                title: format!("{verb}（{institution}）：{}", e.status.label()),
                detail: e.reason,
                ref_id: Some(app_id.get()),
                by: e.actor_name,
            }
        })
        .collect();
    out.reverse();
    out.truncate(limit as usize);
    Ok(out)
}

/// The customer's newest `limit` events across all sources.
pub fn merge(
    conn: &Connection,
    id: CustomerId,
    limit: u64,
    sources: &[Source],
) -> rusqlite::Result<Vec<TimelineEvent>> {
    let mut all = vec![];
    for source in sources {
        all.extend(source(conn, id, limit)?);
    }
    all.sort_by_key(|e| std::cmp::Reverse(e.at));
    all.truncate(limit as usize);
    Ok(all)
}

pub async fn for_customer(
    db: &Db,
    user: &crate::auth::CurrentUser,
    id: CustomerId,
    limit: u64,
) -> Result<Timeline> {
    let user = user.clone();
    db.read(move |c| {
        super::customers::load_visible(c, &user, id)?;
        Ok(Timeline {
            items: merge(c, id, limit.clamp(1, MAX_ITEMS), SOURCES)?,
        })
    })
    .await
}
