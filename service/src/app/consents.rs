//! Customer consents (授权, PIPL Art. 23/28/29): record, list, withdraw, and the one enforcement
//! function [`require`] every path that writes or passes on sensitive facts calls. Every read and
//! write of a customer's consents goes through [`may_see_customer`].

use chrono::NaiveDate;
use poem_openapi::Object;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;

use super::customers::{may_see_customer, may_see_record};
use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::db::audit::{Change, Resource};
use crate::db::consents::{self as store, StoredConsent};
use crate::db::{Db, UnitOfWork, customers, documents, users};
use crate::domain::consents::{
    ConsentInput, Held, MAX_REASON_CHARS, Terms, missing, missing_message, stored, written,
};
use crate::domain::customer::CustomerInput;
use crate::domain::ids::{ConsentId, CustomerId, DocumentId, UserId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::{AuditAction, ConsentData, ConsentMethod, ConsentPurpose};

/// The error code of a refusal for want of consent (HTTP 409).
pub const CONSENT_REQUIRED: &str = "consent_required";

/// A recorded consent.
#[derive(Object, Serialize, Debug, Clone)]
pub struct Consent {
    pub id: ConsentId,
    pub customer_id: CustomerId,
    pub purposes: Vec<ConsentPurpose>,
    pub data: Vec<ConsentData>,
    pub method: ConsentMethod,
    pub obtained_on: NaiveDate,
    #[oai(nullable)]
    pub document_id: Option<DocumentId>,
    /// The scanned form's file name, for display.
    #[oai(nullable)]
    pub document_name: Option<String>,
    #[oai(nullable)]
    pub note: Option<String>,
    #[oai(nullable)]
    pub recorded_by: Option<UserId>,
    #[oai(nullable)]
    pub recorded_by_name: Option<String>,
    pub created_at: Timestamp,
    #[oai(nullable)]
    pub withdrawn_at: Option<Timestamp>,
    #[oai(nullable)]
    pub withdrawn_by: Option<UserId>,
    #[oai(nullable)]
    pub withdraw_reason: Option<String>,
    /// Not withdrawn: the consent allows its purposes from `obtained_on` on.
    pub valid: bool,
}

/// `POST /api/consents/{id}/withdraw`.
#[derive(Object, Debug, Clone, Default)]
pub struct WithdrawInput {
    /// Why the customer withdrew (optional).
    #[oai(nullable)]
    pub reason: Option<String>,
}

fn name_of(conn: &Connection, user: Option<UserId>) -> Result<Option<String>> {
    Ok(match user {
        Some(u) => users::by_id(conn, u)?.map(|u| u.display_name),
        None => None,
    })
}

pub(crate) fn view(conn: &Connection, c: StoredConsent) -> Result<Consent> {
    let document_name = match c.terms.document_id {
        Some(d) => documents::get(conn, d)?.map(|d| d.document.file_name),
        None => None,
    };
    Ok(Consent {
        id: c.id,
        customer_id: c.customer_id,
        purposes: c.terms.purposes,
        data: c.terms.data,
        method: c.terms.method,
        obtained_on: c.terms.obtained_on,
        document_id: c.terms.document_id,
        document_name,
        note: c.terms.note,
        recorded_by_name: name_of(conn, c.recorded_by)?,
        recorded_by: c.recorded_by,
        created_at: c.created_at,
        valid: c.withdrawn_at.is_none(),
        withdrawn_at: c.withdrawn_at,
        withdrawn_by: c.withdrawn_by,
        withdraw_reason: c.withdraw_reason,
    })
}

/// The audit entry of a recorded consent.
pub(crate) fn created(id: ConsentId, customer_id: CustomerId, terms: &Terms) -> Change {
    Change::on(Resource::Consent(id))
        .after(&json!({"consent_id": id, "customer_id": customer_id, "terms": terms}))
}

/// Checks `input` and writes it for `customer_id` in the caller's transaction (which records
/// the audit entry, see [`created`]); the caller has checked the customer's visibility. `field`
/// prefixes field names (`consent.` for the inline consent of a new customer).
pub(crate) fn record(
    uow: &UnitOfWork<'_>,
    customer_id: CustomerId,
    input: &ConsentInput,
    today: NaiveDate,
    field: &str,
) -> Result<(ConsentId, Terms)> {
    // The form's calendar is the business day (UTC+8); a server clock behind it must not refuse
    // a consent signed "today".
    let today = today.max(crate::domain::agreements::business_today());
    let terms = input
        .validate(today)
        .map_err(|e| Error::validation(&format!("{field}{}", e.field), e.message))?;
    if let Some(doc) = terms.document_id {
        // One answer for another customer's document and a missing one: the id tells nothing
        // about customers the user may not see.
        let own = documents::get(uow, doc)?.is_some_and(|d| d.document.customer_id == customer_id);
        if !own {
            return Err(Error::validation(
                &format!("{field}document_id"),
                format!("资料 document_id #{doc} 不是该客户上传的资料，请选择该客户的授权书扫描件"),
            ));
        }
    }
    let id = store::insert(uow, customer_id, &terms, uow.actor().user_id)?;
    Ok((id, terms))
}

fn held(conn: &Connection, customer_id: CustomerId) -> Result<Vec<Held>> {
    Ok(store::for_customer(conn, customer_id)?
        .into_iter()
        .map(|c| Held {
            purposes: c.terms.purposes,
            data: c.terms.data,
            withdrawn: c.withdrawn_at.is_some(),
        })
        .collect())
}

/// The one enforcement point: refuses (409 `consent_required`) unless the customer's valid
/// consents allow `purpose` for every kind in `kinds`; the message names what is missing.
pub fn require(
    conn: &Connection,
    customer_id: CustomerId,
    purpose: ConsentPurpose,
    kinds: &[ConsentData],
) -> Result<()> {
    match missing(&held(conn, customer_id)?, purpose, kinds) {
        None => Ok(()),
        Some(lacking) => Err(Error::required(
            CONSENT_REQUIRED,
            missing_message(purpose, &lacking),
        )),
    }
}

/// Writing `after` over `before` (a new customer: `None`) needs an `assessment` consent for the
/// sensitive kinds it writes; clearing a fact, or changing only other fields, needs none.
pub fn require_for_write(
    conn: &Connection,
    customer_id: CustomerId,
    before: Option<&CustomerInput>,
    after: &CustomerInput,
) -> Result<()> {
    let kinds = written(before, after);
    if kinds.is_empty() {
        return Ok(());
    }
    require(conn, customer_id, ConsentPurpose::Assessment, &kinds)
}

/// Passing the customer on to a lender (a share link, an application submitted) needs a
/// `lender_submission` consent for whatever sensitive facts the customer has stored.
pub fn require_for_lender(conn: &Connection, customer_id: CustomerId) -> Result<()> {
    let kinds = match customers::get(conn, customer_id)? {
        Some(c) => stored(&c.data),
        None => return Err(Error::not_found(format!("客户 #{customer_id} 不存在"))),
    };
    require(conn, customer_id, ConsentPurpose::LenderSubmission, &kinds)
}

/// Whether the customer's consents (plus `extra`, one about to be recorded) allow an assessment
/// of `kinds`; the refusal message otherwise (for the import's per-row report).
pub fn assessment_gap(
    conn: &Connection,
    customer_id: Option<CustomerId>,
    kinds: &[ConsentData],
    extra: Option<&Terms>,
) -> Result<Option<String>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let mut h = match customer_id {
        Some(id) => held(conn, id)?,
        None => vec![],
    };
    if let Some(t) = extra {
        h.push(Held {
            purposes: t.purposes.clone(),
            data: t.data.clone(),
            withdrawn: false,
        });
    }
    let purpose = ConsentPurpose::Assessment;
    Ok(missing(&h, purpose, kinds).map(|lacking| missing_message(purpose, &lacking)))
}

pub async fn create(
    db: &Db,
    actor: crate::db::audit::Actor,
    user: &CurrentUser,
    customer_id: CustomerId,
    input: ConsentInput,
    today: NaiveDate,
) -> Result<Consent> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        may_see_customer(&uow, &user, customer_id)?;
        let (id, terms) = record(&uow, customer_id, &input, today, "")?;
        let stored =
            store::get(&uow, id)?.ok_or_else(|| Error::internal("inserted consent not found"))?;
        let out = view(&uow, stored)?;
        Ok(uow.commit(
            AuditAction::ConsentCreate,
            created(id, customer_id, &terms),
            out,
        )?)
    })
    .await
}

pub async fn list(db: &Db, user: &CurrentUser, customer_id: CustomerId) -> Result<Vec<Consent>> {
    let user = user.clone();
    db.read(move |c| {
        may_see_customer(c, &user, customer_id)?;
        store::for_customer(c, customer_id)?
            .into_iter()
            .map(|s| view(c, s))
            .collect()
    })
    .await
}

pub async fn withdraw(
    db: &Db,
    actor: crate::db::audit::Actor,
    user: &CurrentUser,
    id: ConsentId,
    input: WithdrawInput,
) -> Result<Consent> {
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if let Some(r) = &reason
        && r.chars().count() > MAX_REASON_CHARS
    {
        return Err(Error::validation(
            "reason",
            format!("撤回原因 reason 最多 {MAX_REASON_CHARS} 个字"),
        ));
    }
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let missing = || Error::not_found(format!("授权 #{id} 不存在"));
        let before = store::get(&uow, id)?.ok_or_else(missing)?;
        may_see_record(&uow, &user, before.customer_id, missing)?;
        if before.withdrawn_at.is_some() {
            return Err(Error::refused("withdrawn", "该授权已撤回"));
        }
        store::withdraw(&uow, id, uow.actor().user_id, reason.as_deref())?;
        let after =
            store::get(&uow, id)?.ok_or_else(|| Error::internal("withdrawn consent not found"))?;
        let out = view(&uow, after)?;
        let change = Change::on(Resource::Consent(id))
            .before(
                &json!({"consent_id": id, "customer_id": before.customer_id, "withdrawn_at": null}),
            )
            .after(&json!({
                "consent_id": id,
                "customer_id": before.customer_id,
                "withdrawn_at": out.withdrawn_at,
                "reason": reason,
            }));
        Ok(uow.commit(AuditAction::ConsentWithdraw, change, out)?)
    })
    .await
}
