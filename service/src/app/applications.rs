//! Applications per bank (进件 / 放款): create, change the status and the lender's figures, read
//! with the status history, list/export across customers, and the statistics of the dashboard.
//!
//! Every change writes the application, its history row (when the status changed), the customer's
//! pipeline stage (see [`stage_after`]) and the audit entry in one transaction. Who may see an
//! application is decided by the one customer visibility check, [`may_see_customer`].

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use poem_openapi::Object;
use rusqlite::Connection;
use serde_json::json;

use super::customers::{may_see_customer, may_see_record};
use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::db::applications::{self, Application, ApplicationEvent, Filter, Values};
use crate::db::audit::{Actor, Change, Resource};
use crate::db::{Db, UnitOfWork, catalog, customers};
use crate::domain::applications::{
    Figures, MAX_INSTITUTION_CHARS, MAX_TEXT_CHARS, Refusal, StageMove, check_past, check_rate,
    check_term, check_transition, check_wan, clean_text, needs, stage_after,
};
use crate::domain::ids::{ApplicationId, CustomerId, ProductId};
use crate::domain::money::round1;
use crate::domain::vocab::{ApplicationStatus, AuditAction};
use crate::io::export::{self, Cell};

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::validation(r.field, r.message)
    }
}

/// Today in the business's calendar (UTC+8).
pub fn business_today() -> NaiveDate {
    let east8 = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::Utc::now().with_timezone(&east8).date_naive()
}

/// A new application (`POST /api/customers/{id}/applications`).
#[derive(Object, Debug, Clone)]
pub struct NewApplication {
    /// A catalogue product; the institution is taken from it when `institution` is absent.
    pub product_id: Option<ProductId>,
    /// 放款机构 as free text; required when there is no `product_id`.
    pub institution: Option<String>,
    /// 申请金额 (万元), more than 0.
    pub amount_applied_wan: f64,
    /// Default `preparing`.
    pub status: Option<ApplicationStatus>,
    /// 进件日期; default today once the status is past 准备中.
    pub submitted_on: Option<NaiveDate>,
    pub approved_wan: Option<f64>,
    pub rate_pct: Option<f64>,
    pub term_months: Option<i64>,
    pub disbursed_wan: Option<f64>,
    pub disbursed_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// A change (`PATCH /api/applications/{id}`): only the fields present change.
#[derive(Object, Debug, Clone, Default)]
pub struct ApplicationPatch {
    pub status: Option<ApplicationStatus>,
    pub submitted_on: Option<NaiveDate>,
    pub approved_wan: Option<f64>,
    pub rate_pct: Option<f64>,
    pub term_months: Option<i64>,
    pub disbursed_wan: Option<f64>,
    pub disbursed_on: Option<NaiveDate>,
    /// Required when the status becomes `rejected`.
    pub reason: Option<String>,
    /// An empty text removes the note.
    pub note: Option<String>,
}

/// An application with its status history.
#[derive(Object, Debug, Clone)]
pub struct ApplicationDetail {
    #[oai(flatten)]
    pub application: Application,
    /// Oldest first.
    pub history: Vec<ApplicationEvent>,
}

/// Checks the figures of `v` (each present one in range) and dates against today.
fn check_values(v: &Values, today: NaiveDate) -> Result<()> {
    check_wan("amount_applied_wan", "申请金额", v.amount_applied_wan)?;
    if let Some(x) = v.approved_wan {
        check_wan("approved_wan", "批复金额", x)?;
    }
    if let Some(x) = v.disbursed_wan {
        check_wan("disbursed_wan", "放款金额", x)?;
    }
    if let Some(x) = v.rate_pct {
        check_rate(x)?;
    }
    if let Some(x) = v.term_months {
        check_term(x)?;
    }
    if let Some(d) = v.submitted_on {
        check_past("submitted_on", "进件日期", d, today)?;
    }
    if let Some(d) = v.disbursed_on {
        check_past("disbursed_on", "放款日期", d, today)?;
        if v.submitted_on.is_some_and(|s| d < s) {
            return Err(Error::validation(
                "disbursed_on",
                "放款日期 disbursed_on 不能早于进件日期 submitted_on",
            ));
        }
    }
    Ok(())
}

fn figures(v: &Values) -> Figures {
    Figures {
        approved_wan: v.approved_wan,
        disbursed_wan: v.disbursed_wan,
        disbursed_on: v.disbursed_on,
    }
}

/// Catalogue product names by id.
fn product_names(c: &Connection) -> Result<HashMap<ProductId, String>> {
    Ok(catalog::products(c)?
        .into_iter()
        .map(|p| (p.id, p.product.name))
        .collect())
}

fn named(mut a: Application, names: &HashMap<ProductId, String>) -> Application {
    a.product_name = a.product_id.and_then(|p| names.get(&p).cloned());
    a
}

fn load(c: &Connection, id: ApplicationId) -> Result<Application> {
    let a =
        applications::get(c, id)?.ok_or_else(|| Error::not_found(format!("进件 #{id} 不存在")))?;
    Ok(named(a, &product_names(c)?))
}

/// The application, if `user` may see its customer.
fn visible(c: &Connection, user: &CurrentUser, id: ApplicationId) -> Result<Application> {
    let a = load(c, id)?;
    may_see_record(c, user, a.customer_id, || {
        Error::not_found(format!("进件 #{id} 不存在"))
    })?;
    Ok(a)
}

/// Moves the customer's stage after one of its applications became `changed_to`; returns the
/// move for the audit entry.
fn follow_stage(
    c: &Connection,
    customer_id: CustomerId,
    changed_to: ApplicationStatus,
) -> Result<Option<serde_json::Value>> {
    let customer = super::customers::load(c, customer_id)?;
    let statuses: Vec<ApplicationStatus> = applications::for_customer(c, customer_id)?
        .into_iter()
        .map(|a| a.status)
        .collect();
    let current = customer.data.stage;
    Ok(match stage_after(current, &statuses, changed_to) {
        Some(StageMove { to, reason }) => {
            customers::set_stage(c, customer_id, to)?;
            Some(json!({"from": current, "to": to, "reason": reason}))
        }
        None => None,
    })
}

pub async fn create(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    customer_id: CustomerId,
    input: NewApplication,
) -> Result<ApplicationDetail> {
    let today = business_today();
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        may_see_customer(&uow, &user, customer_id)?;
        let status = input.status.unwrap_or(ApplicationStatus::Preparing);
        let typed = clean_text(
            "institution",
            "放款机构",
            input.institution,
            MAX_INSTITUTION_CHARS,
        )?;
        let institution = match input.product_id {
            Some(pid) => {
                let p = catalog::product(&uow, pid)?.ok_or_else(|| {
                    Error::validation("product_id", format!("产品 product_id #{pid} 不存在"))
                })?;
                typed
                    .or(p
                        .product
                        .institution
                        .clone()
                        .filter(|s| !s.trim().is_empty()))
                    .unwrap_or(p.product.name.clone())
            }
            None => typed.ok_or_else(|| {
                Error::validation(
                    "institution",
                    "请选择产品 product_id，或填写放款机构 institution",
                )
            })?,
        };
        let reason = clean_text("reason", "原因", input.reason, MAX_TEXT_CHARS)?;
        let submitted_on = input
            .submitted_on
            .or((status != ApplicationStatus::Preparing).then_some(today));
        let values = Values {
            product_id: input.product_id,
            institution,
            amount_applied_wan: input.amount_applied_wan,
            status,
            submitted_on,
            approved_wan: input.approved_wan,
            rate_pct: input.rate_pct,
            term_months: input.term_months,
            disbursed_wan: input.disbursed_wan,
            disbursed_on: input.disbursed_on,
            reason,
            note: clean_text("note", "备注", input.note, MAX_TEXT_CHARS)?,
        };
        check_values(&values, today)?;
        if status == ApplicationStatus::Rejected && values.reason.is_none() {
            return Err(Error::validation(
                "reason",
                "状态为「已拒绝」时须填写拒绝原因 reason",
            ));
        }
        needs(status, &figures(&values))?;
        let id = applications::insert(&uow, customer_id, &values, user_id(&uow))?;
        applications::add_event(&uow, id, status, values.reason.as_deref(), user_id(&uow))?;
        let stage = follow_stage(&uow, customer_id, status)?;
        let after = load(&uow, id)?;
        let history = applications::events(&uow, id)?;
        let change = Change::on(Resource::Application(id))
            .after(&json!({"application": after, "stage": stage}));
        Ok(uow.commit(
            AuditAction::ApplicationCreate,
            change,
            ApplicationDetail {
                application: after,
                history,
            },
        )?)
    })
    .await
}

fn user_id(uow: &UnitOfWork<'_>) -> Option<crate::domain::ids::UserId> {
    uow.actor().user_id
}

pub async fn update(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: ApplicationId,
    patch: ApplicationPatch,
) -> Result<ApplicationDetail> {
    let today = business_today();
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = visible(&uow, &user, id)?;
        let mut v = Values::of(&before);
        let reason = clean_text("reason", "原因", patch.reason, MAX_TEXT_CHARS)?;
        let to = patch.status.unwrap_or(before.status);
        let moved = to != before.status;
        if let Some(x) = patch.submitted_on {
            v.submitted_on = Some(x);
        }
        if let Some(x) = patch.approved_wan {
            v.approved_wan = Some(x);
        }
        if let Some(x) = patch.rate_pct {
            v.rate_pct = Some(x);
        }
        if let Some(x) = patch.term_months {
            v.term_months = Some(x);
        }
        if let Some(x) = patch.disbursed_wan {
            v.disbursed_wan = Some(x);
        }
        if let Some(x) = patch.disbursed_on {
            v.disbursed_on = Some(x);
        }
        if let Some(note) = patch.note {
            v.note = clean_text("note", "备注", Some(note), MAX_TEXT_CHARS)?;
        }
        if reason.is_some() {
            v.reason = reason.clone();
        }
        v.status = to;
        if moved && v.submitted_on.is_none() {
            v.submitted_on = Some(today);
        }
        if v == Values::of(&before) {
            return Err(Error::validation("status", "没有要修改的内容"));
        }
        check_values(&v, today)?;
        check_transition(before.status, to, &figures(&v), reason.as_deref())?;
        applications::update(&uow, id, &v)?;
        let mut stage = None;
        if moved {
            applications::add_event(&uow, id, to, reason.as_deref(), user_id(&uow))?;
            stage = follow_stage(&uow, before.customer_id, to)?;
        }
        let after = load(&uow, id)?;
        let history = applications::events(&uow, id)?;
        let change = Change::on(Resource::Application(id))
            .before(&before)
            .after(&json!({"application": after, "stage": stage}));
        Ok(uow.commit(
            AuditAction::ApplicationUpdate,
            change,
            ApplicationDetail {
                application: after,
                history,
            },
        )?)
    })
    .await
}

pub async fn get(db: &Db, user: &CurrentUser, id: ApplicationId) -> Result<ApplicationDetail> {
    let user = user.clone();
    db.read(move |c| {
        let application = visible(c, &user, id)?;
        Ok(ApplicationDetail {
            application,
            history: applications::events(c, id)?,
        })
    })
    .await
}

pub async fn for_customer(
    db: &Db,
    user: &CurrentUser,
    customer_id: CustomerId,
) -> Result<Vec<Application>> {
    let user = user.clone();
    db.read(move |c| {
        may_see_customer(c, &user, customer_id)?;
        let names = product_names(c)?;
        Ok(applications::for_customer(c, customer_id)?
            .into_iter()
            .map(|a| named(a, &names))
            .collect())
    })
    .await
}

/// Every matching application whose customer `user` may see, newest first.
fn visible_matching(c: &Connection, user: &CurrentUser, f: &Filter) -> Result<Vec<Application>> {
    let names = product_names(c)?;
    let mut seen: HashMap<CustomerId, bool> = HashMap::new();
    let mut out = vec![];
    for a in applications::matching(c, f)? {
        let ok = match seen.get(&a.customer_id) {
            Some(ok) => *ok,
            None => {
                let ok = match may_see_customer(c, user, a.customer_id) {
                    Ok(()) => true,
                    Err(Error::Refused { .. } | Error::NotFound(_) | Error::Forbidden { .. }) => {
                        false
                    }
                    Err(e) => return Err(e),
                };
                seen.insert(a.customer_id, ok);
                ok
            }
        };
        if ok {
            out.push(named(a, &names));
        }
    }
    Ok(out)
}

pub struct Page {
    pub items: Vec<Application>,
    pub total: i64,
}

pub async fn list(
    db: &Db,
    user: &CurrentUser,
    filter: Filter,
    limit: u64,
    offset: u64,
) -> Result<Page> {
    let user = user.clone();
    db.read(move |c| {
        let all = visible_matching(c, &user, &filter)?;
        let total = all.len() as i64;
        let items = all
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        Ok(Page { items, total })
    })
    .await
}

const EXPORT_HEADERS: [&str; 16] = [
    "进件编号",
    "客户",
    "产品",
    "放款机构",
    "申请金额（万元）",
    "状态",
    "进件日期",
    "批复金额（万元）",
    "年化利率（%）",
    "期限（月）",
    "放款金额（万元）",
    "放款日期",
    "原因",
    "备注",
    "录入人",
    "更新时间",
];

fn export_row(a: &Application) -> Vec<Cell> {
    let num = |v: Option<f64>| v.map(Cell::Money).unwrap_or(Cell::Empty);
    let text = |v: Option<String>| v.map(Cell::Text).unwrap_or(Cell::Empty);
    let day = |v: Option<NaiveDate>| v.map(|d| Cell::Text(d.to_string())).unwrap_or(Cell::Empty);
    vec![
        Cell::Number(a.id.get() as f64),
        Cell::Text(a.customer_name.clone()),
        text(a.product_name.clone()),
        Cell::Text(a.institution.clone()),
        Cell::Money(a.amount_applied_wan),
        Cell::Text(a.status.label().into()),
        day(a.submitted_on),
        num(a.approved_wan),
        a.rate_pct.map(Cell::Number).unwrap_or(Cell::Empty),
        a.term_months
            .map(|t| Cell::Number(t as f64))
            .unwrap_or(Cell::Empty),
        num(a.disbursed_wan),
        day(a.disbursed_on),
        text(a.reason.clone()),
        text(a.note.clone()),
        text(a.created_by_name.clone()),
        Cell::Text(a.updated_at.to_text()),
    ]
}

/// The matching applications as `.xlsx` or `.csv` (audited: who took which rows out).
pub async fn export(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    filter: Filter,
    format: super::transfer::Format,
) -> Result<Vec<u8>> {
    user.check_may_export()?;
    let user = user.clone();
    let rows = db
        .read(move |c| visible_matching(c, &user, &filter))
        .await?;
    let count = rows.len();
    let ids: Vec<i64> = rows.iter().map(|a| a.id.get()).collect();
    let table: Vec<Vec<Cell>> = rows.iter().map(export_row).collect();
    let bytes = tokio::task::spawn_blocking(move || match format {
        super::transfer::Format::Xlsx => {
            export::table_xlsx("进件", &EXPORT_HEADERS, &table).map_err(Error::internal)
        }
        super::transfer::Format::Csv => Ok(export::table_csv(&EXPORT_HEADERS, &table)),
    })
    .await
    .map_err(Error::internal)??;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let change = Change::on(Resource::Applications).after(&json!({"rows": count, "ids": ids}));
        Ok::<_, Error>(uow.commit(AuditAction::ApplicationExport, change, ())?)
    })
    .await?;
    Ok(bytes)
}

#[derive(Object, Debug, Clone, PartialEq)]
pub struct StatusCount {
    pub status: ApplicationStatus,
    pub count: i64,
}

#[derive(Object, Debug, Clone, PartialEq)]
pub struct MonthDisbursed {
    /// `YYYY-MM` (the business calendar, UTC+8).
    pub month: String,
    pub disbursed_wan: f64,
    pub count: i64,
}

#[derive(Object, Debug, Clone, PartialEq)]
pub struct ProductApproval {
    /// Null for applications to a free-text institution (grouped by `name`).
    #[oai(nullable)]
    pub product_id: Option<ProductId>,
    /// The product's name, or the free-text institution.
    pub name: String,
    /// 已批复 + 已放款 + 已结清.
    pub approved: i64,
    /// Decided by the lender: the approved ones plus 已拒绝 (客户放弃 is no decision).
    pub decided: i64,
    /// `approved / decided` in %, one decimal; null when nothing is decided yet.
    #[oai(nullable)]
    pub approval_rate_pct: Option<f64>,
}

#[derive(Object, Debug, Clone, PartialEq)]
pub struct ApplicationStats {
    pub total: i64,
    /// Every status, in the order of the vocabulary, with its count (zeros included).
    pub by_status: Vec<StatusCount>,
    /// The last 12 months, oldest first, the current month included (zeros included).
    pub disbursed_by_month: Vec<MonthDisbursed>,
    pub approval_by_product: Vec<ProductApproval>,
}

/// `YYYY-MM` of the 12 months ending with `today`'s, oldest first.
pub fn last_12_months(today: NaiveDate) -> Vec<String> {
    let mut y = today.year();
    let mut m = today.month() as i32;
    let mut out = vec![];
    for _ in 0..12 {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

pub fn stats_of(rows: &[Application], today: NaiveDate) -> ApplicationStats {
    let by_status = ApplicationStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: rows.iter().filter(|a| a.status == *s).count() as i64,
        })
        .collect();
    let months = last_12_months(today);
    let mut per_month: BTreeMap<String, (i64, i64)> =
        months.iter().map(|m| (m.clone(), (0, 0))).collect();
    for a in rows.iter().filter(|a| a.status.is_disbursed()) {
        if let (Some(on), Some(wan)) = (a.disbursed_on, a.disbursed_wan)
            && let Some(slot) = per_month.get_mut(&on.format("%Y-%m").to_string())
        {
            slot.0 += crate::domain::money::wan_to_yuan(wan);
            slot.1 += 1;
        }
    }
    let disbursed_by_month = months
        .iter()
        .map(|m| {
            let (yuan, count) = per_month[m];
            MonthDisbursed {
                month: m.clone(),
                disbursed_wan: crate::domain::money::yuan_to_wan(yuan),
                count,
            }
        })
        .collect();
    let mut groups: Vec<ProductApproval> = vec![];
    for a in rows {
        let name = a
            .product_name
            .clone()
            .unwrap_or_else(|| a.institution.clone());
        let key = (
            a.product_id,
            if a.product_id.is_some() {
                None
            } else {
                Some(name.clone())
            },
        );
        let slot = match groups.iter_mut().position(|g| {
            (
                g.product_id,
                if g.product_id.is_some() {
                    None
                } else {
                    Some(g.name.clone())
                },
            ) == key
        }) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(ProductApproval {
                    product_id: a.product_id,
                    name,
                    approved: 0,
                    decided: 0,
                    approval_rate_pct: None,
                });
                groups.last_mut().expect("just pushed")
            }
        };
        if a.status.is_approval() {
            slot.approved += 1;
        }
        if a.status.is_decided() {
            slot.decided += 1;
        }
    }
    for g in &mut groups {
        g.approval_rate_pct =
            (g.decided > 0).then(|| round1(g.approved as f64 * 100.0 / g.decided as f64));
    }
    groups.sort_by(|a, b| b.decided.cmp(&a.decided).then(a.name.cmp(&b.name)));
    ApplicationStats {
        total: rows.len() as i64,
        by_status,
        disbursed_by_month,
        approval_by_product: groups,
    }
}

pub async fn stats(db: &Db, user: &CurrentUser, filter: Filter) -> Result<ApplicationStats> {
    let user = user.clone();
    let today = business_today();
    db.read(move |c| Ok(stats_of(&visible_matching(c, &user, &filter)?, today)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_12_months_cross_the_year() {
        let m = last_12_months(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
        assert_eq!(m.len(), 12);
        assert_eq!(m[0], "2025-04");
        assert_eq!(m[11], "2026-03");
    }
}
