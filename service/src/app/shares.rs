//! Share links: a read-only report the client opens on the phone without signing in. The token is
//! 256 random bits shown once; only its SHA-256 is stored. An unknown, expired or revoked token, or
//! one whose customer is in the recycle bin, all answer the same 404, so a link tells nothing about
//! why it stopped working.

use chrono::Duration;
use poem_openapi::Object;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::diagnoses::{DiagnosisRecord, Plan};
use crate::db::shares::{self, NewShare, Share, ShareOpen};
use crate::db::{Db, UnitOfWork, customers, diagnoses, users};
use crate::domain::ids::{DiagnosisId, ShareId};
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::AuditAction;

pub const MAX_DAYS: u32 = 90;
pub const DEFAULT_DAYS: u32 = 7;
const MAX_CONTACT_CHARS: usize = 60;
const TOKEN_BYTES: usize = 32;
const GONE: &str = "分享链接无效、已过期或已被撤销，请联系您的客户经理重新获取";

/// A new link: the only time its token is seen.
#[derive(Object, Debug)]
pub struct CreatedShare {
    pub id: ShareId,
    /// `/r/<token>` under the instance's public address (relative when none is configured).
    pub url: String,
    pub token: String,
    pub expires_at: Timestamp,
    pub share: Share,
}

/// The company as the shared report names it: nothing else of the customer leaves.
#[derive(Object, Debug)]
pub struct SharedCompany {
    pub name: String,
    #[oai(nullable)]
    pub uscc: Option<String>,
    #[oai(nullable)]
    pub loan_demand_wan: Option<f64>,
}

/// What a share link shows: one diagnosis, its plans, the company's name and the broker's contact.
#[derive(Object, Debug)]
pub struct SharedReport {
    pub diagnosis: DiagnosisRecord,
    pub company: SharedCompany,
    /// The diagnosis' plans without the broker's providers and task lists.
    pub plans: Vec<Plan>,
    pub contact_line: String,
    pub expires_at: Timestamp,
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> String {
    hex(&rand::random::<[u8; TOKEN_BYTES]>())
}

fn is_token(text: &str) -> bool {
    text.len() == TOKEN_BYTES * 2 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn url_of(public_url: Option<&str>, token: &str) -> String {
    format!(
        "{}/r/{token}",
        public_url.unwrap_or("").trim_end_matches('/')
    )
}

fn live_diagnosis(
    conn: &Connection,
    user: &CurrentUser,
    id: DiagnosisId,
) -> Result<DiagnosisRecord> {
    let (d, _) = super::diagnoses::visible_diagnosis(conn, user, id)?;
    match customers::get(conn, d.customer_id)? {
        Some(c) if c.deleted_at.is_none() => Ok(d),
        Some(_) => Err(Error::refused("deleted", "客户在回收站中，不能分享其报告")),
        None => Err(Error::not_found(format!("诊断 #{id} 不存在"))),
    }
}

/// The link, if `user` may see the customer whose report it shares.
fn load(conn: &Connection, user: &CurrentUser, id: ShareId) -> Result<Share> {
    let missing = || Error::not_found(format!("分享链接 #{id} 不存在"));
    let share = shares::get(conn, id)?.ok_or_else(missing)?;
    let (d, _) = diagnoses::get(conn, share.diagnosis_id)?.ok_or_else(missing)?;
    super::customers::in_scope(conn, user, d.customer_id, missing)?;
    Ok(share)
}

pub struct ShareRequest {
    pub diagnosis_id: DiagnosisId,
    pub expires_in_days: Option<u32>,
    pub contact_line: Option<String>,
}

pub async fn create(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    req: ShareRequest,
    public_url: Option<String>,
) -> Result<CreatedShare> {
    let user = user.clone();
    let days = req.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::validation(
            "expires_in_days",
            format!("有效期应为 1 到 {MAX_DAYS} 天"),
        ));
    }
    let contact = req.contact_line.map(|c| c.trim().to_string());
    if let Some(c) = &contact
        && (c.chars().count() > MAX_CONTACT_CHARS || c.chars().any(char::is_control))
    {
        return Err(Error::validation(
            "contact_line",
            format!("联系方式最多 {MAX_CONTACT_CHARS} 个字，且不能含换行等控制字符"),
        ));
    }
    let token = new_token();
    let token_digest = digest(&token);
    let expires_at = Timestamp::at(Timestamp::now().get() + Duration::days(days.into()));
    db.change(actor, move |uow: UnitOfWork<'_>| {
        live_diagnosis(&uow, &user, req.diagnosis_id)?;
        let contact_line = match contact.filter(|c| !c.is_empty()) {
            Some(c) => c,
            None => match uow.actor().user_id {
                Some(u) => users::by_id(&uow, u)?
                    .map(|u| format!("客户经理：{}", u.display_name))
                    .unwrap_or_default(),
                None => String::new(),
            },
        };
        let id = shares::insert(
            &uow,
            &NewShare {
                diagnosis_id: req.diagnosis_id,
                token_sha256: &token_digest,
                created_by: uow.actor().user_id,
                expires_at,
                contact_line: &contact_line,
            },
        )?;
        let share = load(&uow, &user, id)?;
        let change = Change::on(Resource::Share(id)).after(&share);
        let created = CreatedShare {
            id,
            url: url_of(public_url.as_deref(), &token),
            token,
            expires_at,
            share,
        };
        Ok(uow.commit(AuditAction::ShareCreate, change, created)?)
    })
    .await
}

pub async fn list(db: &Db, user: &CurrentUser, diagnosis_id: DiagnosisId) -> Result<Vec<Share>> {
    let user = user.clone();
    db.read(move |c| {
        super::diagnoses::visible_diagnosis(c, &user, diagnosis_id)?;
        Ok(shares::for_diagnosis(c, diagnosis_id)?)
    })
    .await
}

pub async fn opens(db: &Db, user: &CurrentUser, id: ShareId) -> Result<Vec<ShareOpen>> {
    let user = user.clone();
    db.read(move |c| {
        load(c, &user, id)?;
        Ok(shares::opens(c, id)?)
    })
    .await
}

pub async fn revoke(db: &Db, actor: Actor, user: &CurrentUser, id: ShareId) -> Result<Share> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = load(&uow, &user, id)?;
        if before.revoked_at.is_some() {
            return Err(Error::refused("revoked", "分享链接已撤销"));
        }
        shares::revoke(&uow, id, Timestamp::now())?;
        let after = load(&uow, &user, id)?;
        let change = Change::on(Resource::Share(id))
            .before(&before)
            .after(&after);
        Ok(uow.commit(AuditAction::ShareRevoke, change, after)?)
    })
    .await
}

/// Who opened a link, as logged beside it.
pub struct Visitor {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

const MAX_USER_AGENT_CHARS: usize = 200;

/// The report behind a token, logging the open in the same transaction.
pub async fn open(db: &Db, token: String, visitor: Visitor) -> Result<SharedReport> {
    if !is_token(&token) {
        return Err(Error::not_found(GONE));
    }
    let token_digest = digest(&token);
    db.bookkeeping(move |tx| {
        let now = Timestamp::now();
        let share = shares::by_token(tx, &token_digest)?
            .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
            .ok_or_else(|| Error::not_found(GONE))?;
        let (diagnosis, _) =
            diagnoses::get(tx, share.diagnosis_id)?.ok_or_else(|| Error::not_found(GONE))?;
        let customer = customers::get(tx, diagnosis.customer_id)?
            .filter(|c| c.deleted_at.is_none())
            .ok_or_else(|| Error::not_found(GONE))?;
        let user_agent: Option<String> = visitor
            .user_agent
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        shares::record_open(
            tx,
            share.id,
            now,
            visitor.ip.as_deref(),
            user_agent.as_deref(),
        )?;
        let plans = diagnoses::plans_for_customer(tx, customer.id)?
            .into_iter()
            .filter(|p| p.diagnosis_id == diagnosis.id)
            .map(|mut p| {
                p.providers.clear();
                p.tasks.clear();
                p
            })
            .collect();
        Ok(SharedReport {
            diagnosis,
            company: SharedCompany {
                name: customer.data.name,
                uscc: customer.data.uscc,
                loan_demand_wan: customer.data.loan_demand_wan,
            },
            plans,
            contact_line: share.contact_line,
            expires_at: share.expires_at,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_hex_and_only_their_digest_is_kept() {
        let a = new_token();
        assert!(is_token(&a), "{a}");
        assert_ne!(a, new_token());
        assert_ne!(digest(&a), a);
        assert_eq!(digest(&a), digest(&a));
        for bad in [
            "",
            "abc",
            &a.to_uppercase(),
            &format!("{a}0"),
            &a.replace('a', "g"),
        ] {
            assert!(!is_token(bad) || bad == a, "{bad}");
        }
    }

    #[test]
    fn url_is_under_the_public_address() {
        assert_eq!(
            url_of(Some("https://x.example/"), "ab"),
            "https://x.example/r/ab"
        );
        assert_eq!(url_of(None, "ab"), "/r/ab");
    }
}
