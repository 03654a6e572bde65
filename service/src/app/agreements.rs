//! Fee agreements (委托协议): create, read, change, and the monthly income view (对账). Every
//! read and write of a customer's agreements goes through [`may_see_customer`]; the income view
//! leaves out the customers the user may not see.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use poem_openapi::Object;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;

use super::customers::{may_see_customer, may_see_record};
use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::db::agreements::{self as store, StoredAgreement};
use crate::db::audit::{Actor, Change, Resource};
use crate::db::{Db, UnitOfWork, customers};
use crate::domain::agreements::{
    AgreementInput, AgreementPatch, Computed, Disbursed, Terms, compute, month_of, months_ending,
};
use crate::domain::ids::{AgreementId, CustomerId, UserId};
use crate::domain::money::{opt_yuan_to_wan, yuan_to_wan};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::{AuditAction, FeeDue, FeeType};

/// One commission as entered, with its amount.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct RebateView {
    pub payer: String,
    #[oai(nullable)]
    pub rate_pct: Option<f64>,
    #[oai(nullable)]
    pub amount_wan: Option<f64>,
    /// The commission in 万元: `rate_pct` × the disbursed amount, or `amount_wan`.
    pub rebate_wan: f64,
}

/// An agreement with what follows from it.
#[derive(Object, Serialize, Debug, Clone)]
pub struct Agreement {
    pub id: AgreementId,
    pub customer_id: CustomerId,
    #[oai(nullable)]
    pub application_id: Option<i64>,
    /// The lender of `application_id`, for display.
    #[oai(nullable)]
    pub application_institution: Option<String>,
    pub fee_type: FeeType,
    #[oai(nullable)]
    pub fee_rate_pct: Option<f64>,
    #[oai(nullable)]
    pub fee_fixed_wan: Option<f64>,
    pub due_on: FeeDue,
    pub rebates: Vec<RebateView>,
    pub received_wan: f64,
    #[oai(nullable)]
    pub refund_terms: Option<String>,
    #[oai(nullable)]
    pub service_scope: Option<String>,
    #[oai(nullable)]
    pub signed_on: Option<NaiveDate>,
    #[oai(nullable)]
    pub note: Option<String>,
    /// The disbursed amount the percentages apply to (the application's, or the sum of the
    /// customer's disbursed applications when no application is named).
    pub disbursed_wan: f64,
    /// The service fee: `fee_rate_pct` × `disbursed_wan`, or `fee_fixed_wan`.
    pub fee_wan: f64,
    /// Whether the fee can be asked for: `signing` once signed, `disbursement` once disbursed.
    pub due: bool,
    /// The day it fell due (signing day or last disbursement day).
    #[oai(nullable)]
    pub due_date: Option<NaiveDate>,
    /// max(fee − received, 0) once due; 0 before.
    pub outstanding_wan: f64,
    pub rebates_total_wan: f64,
    #[oai(nullable)]
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The disbursed applications an agreement's fee is computed from, and its application's lender.
fn basis(conn: &Connection, a: &StoredAgreement) -> Result<(Vec<Disbursed>, Option<String>)> {
    Ok(match a.terms.application_id {
        Some(app_id) => match store::application(conn, app_id)? {
            Some(app) => (app.disbursed.into_iter().collect(), Some(app.institution)),
            None => (vec![], None),
        },
        None => (
            store::applications_of(conn, a.customer_id)?
                .into_iter()
                .filter_map(|app| app.disbursed)
                .collect(),
            None,
        ),
    })
}

fn view_of(a: StoredAgreement, c: &Computed, institution: Option<String>) -> Agreement {
    let t = a.terms;
    Agreement {
        id: a.id,
        customer_id: a.customer_id,
        application_id: t.application_id,
        application_institution: institution,
        fee_type: t.fee_type,
        fee_rate_pct: t.fee_rate_pct,
        fee_fixed_wan: opt_yuan_to_wan(t.fee_fixed_yuan),
        due_on: t.due_on,
        rebates: t
            .rebates
            .iter()
            .zip(&c.rebate_yuan)
            .map(|(r, y)| RebateView {
                payer: r.payer.clone(),
                rate_pct: r.rate_pct,
                amount_wan: opt_yuan_to_wan(r.amount_yuan),
                rebate_wan: yuan_to_wan(*y),
            })
            .collect(),
        received_wan: yuan_to_wan(t.received_yuan),
        refund_terms: t.refund_terms,
        service_scope: t.service_scope,
        signed_on: t.signed_on,
        note: t.note,
        disbursed_wan: yuan_to_wan(c.disbursed_yuan),
        fee_wan: yuan_to_wan(c.fee_yuan),
        due: c.due,
        due_date: c.due_date,
        outstanding_wan: yuan_to_wan(c.outstanding_yuan),
        rebates_total_wan: yuan_to_wan(c.rebates_total_yuan),
        created_by: a.created_by,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

pub(crate) fn view(conn: &Connection, a: StoredAgreement) -> Result<Agreement> {
    let (disbursed, institution) = basis(conn, &a)?;
    let c = compute(&a.terms, &disbursed);
    Ok(view_of(a, &c, institution))
}

/// The agreement, if `user` may see its customer.
fn visible(conn: &Connection, user: &CurrentUser, id: AgreementId) -> Result<StoredAgreement> {
    let a =
        store::get(conn, id)?.ok_or_else(|| Error::not_found(format!("委托协议 #{id} 不存在")))?;
    may_see_record(conn, user, a.customer_id, || {
        Error::not_found(format!("委托协议 #{id} 不存在"))
    })?;
    Ok(a)
}

fn checked(
    conn: &Connection,
    customer_id: CustomerId,
    input: AgreementInput,
    today: NaiveDate,
) -> Result<Terms> {
    let terms = input
        .validate(today)
        .map_err(|e| Error::validation(&e.field, e.message))?;
    if let Some(app_id) = terms.application_id {
        match store::application(conn, app_id)? {
            Some(app) if app.customer_id == customer_id => {}
            Some(_) => {
                return Err(Error::validation(
                    "application_id",
                    format!("进件 application_id #{app_id} 不属于该客户，请选择该客户自己的进件"),
                ));
            }
            None => {
                return Err(Error::validation(
                    "application_id",
                    format!("进件 application_id #{app_id} 不存在"),
                ));
            }
        }
    }
    Ok(terms)
}

pub async fn create(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    customer_id: CustomerId,
    input: AgreementInput,
    today: NaiveDate,
) -> Result<Agreement> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        may_see_customer(&uow, &user, customer_id)?;
        let terms = checked(&uow, customer_id, input, today)?;
        let id = store::insert(&uow, customer_id, &terms, Some(user.id))?;
        let stored =
            store::get(&uow, id)?.ok_or_else(|| Error::internal("inserted agreement not found"))?;
        let out = view(&uow, stored)?;
        let change = Change::on(Resource::Customer(customer_id))
            .after(&json!({"agreement_id": id, "terms": terms}));
        Ok(uow.commit(AuditAction::AgreementCreate, change, out)?)
    })
    .await
}

pub async fn update(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: AgreementId,
    patch: AgreementPatch,
    today: NaiveDate,
) -> Result<Agreement> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let current = visible(&uow, &user, id)?;
        let customer_id = current.customer_id;
        let terms = checked(&uow, customer_id, patch.applied_to(&current.terms), today)?;
        store::update(&uow, id, customer_id, &terms)?;
        let stored =
            store::get(&uow, id)?.ok_or_else(|| Error::internal("updated agreement not found"))?;
        let out = view(&uow, stored)?;
        let change = Change::on(Resource::Customer(customer_id))
            .before(&json!({"agreement_id": id, "terms": current.terms}))
            .after(&json!({"agreement_id": id, "terms": terms}));
        Ok(uow.commit(AuditAction::AgreementUpdate, change, out)?)
    })
    .await
}

pub async fn get(db: &Db, user: &CurrentUser, id: AgreementId) -> Result<Agreement> {
    let user = user.clone();
    db.read(move |c| {
        let a = visible(c, &user, id)?;
        view(c, a)
    })
    .await
}

pub async fn list(db: &Db, user: &CurrentUser, customer_id: CustomerId) -> Result<Vec<Agreement>> {
    let user = user.clone();
    db.read(move |c| {
        may_see_customer(c, &user, customer_id)?;
        store::for_customer(c, customer_id)?
            .into_iter()
            .map(|a| view(c, a))
            .collect()
    })
    .await
}

/// One month of the income view (UTC+8 calendar months, by the day each fee fell due).
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct IncomeMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Fees that fell due in the month.
    pub fee_wan: f64,
    /// Of those, what has been received.
    pub received_wan: f64,
    pub outstanding_wan: f64,
    /// Commissions (返佣) on the business of the month.
    pub rebates_wan: f64,
    /// received + rebates.
    pub income_wan: f64,
    pub agreements: u32,
}

/// One agreement in the chosen month (对账).
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct IncomeLine {
    pub agreement_id: AgreementId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    #[oai(nullable)]
    pub application_id: Option<i64>,
    #[oai(nullable)]
    pub institution: Option<String>,
    pub fee_type: FeeType,
    pub due_on: FeeDue,
    pub due_date: NaiveDate,
    pub disbursed_wan: f64,
    pub fee_wan: f64,
    pub received_wan: f64,
    pub outstanding_wan: f64,
    pub rebates_wan: f64,
}

#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct IncomeSummary {
    /// The chosen month, `YYYY-MM`.
    pub month: String,
    /// The 12 months ending with the chosen one, oldest first.
    pub months: Vec<IncomeMonth>,
    /// The chosen month's agreements.
    pub lines: Vec<IncomeLine>,
    /// Agreements whose fee is not due yet (not disbursed, or not signed).
    pub not_due: u32,
}

#[derive(Default)]
struct Sums {
    fee: i64,
    received: i64,
    outstanding: i64,
    rebates: i64,
    count: u32,
}

pub async fn income(db: &Db, user: &CurrentUser, month: NaiveDate) -> Result<IncomeSummary> {
    let user = user.clone();
    db.read(move |c| {
        let chosen = month_of(month);
        let months = months_ending(month, 12);
        let mut sums: BTreeMap<String, Sums> = months
            .iter()
            .map(|m| (m.clone(), Sums::default()))
            .collect();
        let mut lines = vec![];
        let mut not_due = 0;
        let mut names: BTreeMap<CustomerId, Option<String>> = BTreeMap::new();
        for a in store::all(c)? {
            let name = match names.get(&a.customer_id) {
                Some(n) => n.clone(),
                None => {
                    let n = match may_see_customer(c, &user, a.customer_id) {
                        Ok(()) => customers::get(c, a.customer_id)?.map(|cu| cu.data.name),
                        Err(
                            Error::NotFound(_) | Error::Refused { .. } | Error::Forbidden { .. },
                        ) => None,
                        Err(e) => return Err(e),
                    };
                    names.insert(a.customer_id, n.clone());
                    n
                }
            };
            let Some(customer_name) = name else { continue };
            let (disbursed, institution) = basis(c, &a)?;
            let comp = compute(&a.terms, &disbursed);
            let (true, Some(due_date)) = (comp.due, comp.due_date) else {
                not_due += 1;
                continue;
            };
            let m = month_of(due_date);
            let received = a.terms.received_yuan;
            if let Some(s) = sums.get_mut(&m) {
                s.fee += comp.fee_yuan;
                s.received += received;
                s.outstanding += comp.outstanding_yuan;
                s.rebates += comp.rebates_total_yuan;
                s.count += 1;
            }
            if m == chosen {
                lines.push(IncomeLine {
                    agreement_id: a.id,
                    customer_id: a.customer_id,
                    customer_name,
                    application_id: a.terms.application_id,
                    institution,
                    fee_type: a.terms.fee_type,
                    due_on: a.terms.due_on,
                    due_date,
                    disbursed_wan: yuan_to_wan(comp.disbursed_yuan),
                    fee_wan: yuan_to_wan(comp.fee_yuan),
                    received_wan: yuan_to_wan(received),
                    outstanding_wan: yuan_to_wan(comp.outstanding_yuan),
                    rebates_wan: yuan_to_wan(comp.rebates_total_yuan),
                });
            }
        }
        lines.sort_by_key(|l| (l.due_date, l.agreement_id));
        Ok(IncomeSummary {
            month: chosen,
            months: months
                .into_iter()
                .map(|m| {
                    let s = &sums[&m];
                    IncomeMonth {
                        fee_wan: yuan_to_wan(s.fee),
                        received_wan: yuan_to_wan(s.received),
                        outstanding_wan: yuan_to_wan(s.outstanding),
                        rebates_wan: yuan_to_wan(s.rebates),
                        income_wan: yuan_to_wan(s.received + s.rebates),
                        agreements: s.count,
                        month: m,
                    }
                })
                .collect(),
            lines,
            not_due,
        })
    })
    .await
}
