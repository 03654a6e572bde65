//! The customer's rights under PIPL: access (Art. 45, 个人信息查阅) — everything held about the
//! customer as one document — and deletion (Art. 47, 个人信息删除) — every row removed for real,
//! the audit entries about them redacted, the document files deleted. Both admin only.

use std::path::PathBuf;

use poem_openapi::Object;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{Value, json};

use super::customers::{load, may_see_customer};
use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::applications::{Application, ApplicationEvent};
use crate::db::audit::{self, Actor, AuditEntry, Change, Resource};
use crate::db::diagnoses::{DiagnosisRecord, Plan};
use crate::db::documents::Document;
use crate::db::follow_ups::FollowUp;
use crate::db::shares::{Share, ShareOpen};
use crate::db::{
    Db, UnitOfWork, agreements, applications, diagnoses, documents, erasure, follow_ups, shares,
};
use crate::domain::customer::{Collateral, FIELDS};
use crate::domain::fields::{FieldGroup, Kind, Sensitivity};
use crate::domain::ids::CustomerId;
use crate::domain::timestamp::Timestamp;
use crate::domain::vocab::AuditAction;

/// One catalogue fact of the customer with its Chinese label.
#[derive(Object, Serialize, Debug, Clone)]
pub struct PersonalFact {
    pub key: String,
    pub label: String,
    pub group: FieldGroup,
    /// Personal information under PIPL (the legal person's and contacts' data).
    pub personal: bool,
    #[oai(skip_serializing_if_is_none)]
    pub unit: Option<String>,
    /// The recorded value as the API shows it; `null` when unknown.
    pub value: Value,
}

/// A diagnosis as stored: its result with every finding, veto and cap (the reasons of the
/// A/B/C decision, PIPL Art. 24), the facts it read, and the links that showed it to the client.
#[derive(Object, Serialize, Debug, Clone)]
pub struct PersonalDiagnosis {
    pub diagnosis: DiagnosisRecord,
    /// The input snapshot the engine read (money in 元).
    pub input_facts: Value,
    pub shares: Vec<PersonalShare>,
}

#[derive(Object, Serialize, Debug, Clone)]
pub struct PersonalShare {
    pub share: Share,
    pub opens: Vec<ShareOpen>,
}

#[derive(Object, Serialize, Debug, Clone)]
pub struct PersonalApplication {
    pub application: Application,
    pub events: Vec<ApplicationEvent>,
}

/// Everything held about one customer (PIPL Art. 45).
#[derive(Object, Serialize, Debug, Clone)]
pub struct PersonalData {
    pub customer_id: CustomerId,
    pub generated_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when the customer is in the recycle bin.
    #[oai(nullable)]
    pub deleted_at: Option<Timestamp>,
    /// Every catalogue fact, in form order (collaterals are listed below).
    pub facts: Vec<PersonalFact>,
    pub collaterals: Vec<Collateral>,
    pub diagnoses: Vec<PersonalDiagnosis>,
    pub plans: Vec<Plan>,
    pub follow_ups: Vec<FollowUp>,
    pub applications: Vec<PersonalApplication>,
    pub agreements: Vec<super::agreements::Agreement>,
    /// The consents (授权) the customer gave, withdrawn ones included.
    pub consents: Vec<super::consents::Consent>,
    /// Metadata only; the files' content is downloaded from the documents tab.
    pub documents: Vec<Document>,
    /// The audit entries about the customer and its records, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// The body of an erasure.
#[derive(Object, Debug, Clone)]
pub struct EraseRequest {
    /// Must equal the company name exactly.
    #[oai(validator(max_length = 200))]
    pub confirm_name: String,
}

/// What an erasure removed: counts per table, no personal values.
#[derive(Object, Serialize, Debug, Clone)]
pub struct Erased {
    pub customer_id: CustomerId,
    /// Rows deleted per table.
    pub rows: std::collections::BTreeMap<String, u64>,
    /// Audit entries whose before/after were replaced by a redacted summary.
    pub audit_entries_redacted: u64,
    /// Document files removed from the uploads directory.
    pub files_removed: u64,
    /// Whether the WAL was checkpointed and truncated. False: a long reader held it up, and old
    /// page images may stay in the `-wal` file until SQLite rewrites it (the erasure itself is
    /// committed; a restart of the service, closing the last connection, checkpoints and removes
    /// the `-wal` file).
    pub checkpointed: bool,
}

/// Admins may also reach a customer in the recycle bin (to answer a request or erase it); every
/// other refusal of the visibility check stands.
fn admin_may_reach(conn: &Connection, user: &CurrentUser, id: CustomerId) -> Result<()> {
    match may_see_customer(conn, user, id) {
        Err(Error::Refused {
            code: "deleted", ..
        }) => Ok(()),
        other => other,
    }
}

fn collect(conn: &Connection, id: CustomerId) -> Result<PersonalData> {
    let customer = load(conn, id)?;
    let values = serde_json::to_value(&customer.data).unwrap_or(Value::Null);
    let facts = FIELDS
        .iter()
        .filter(|f| !matches!(f.kind, Kind::Collaterals))
        .map(|f| PersonalFact {
            key: f.key.to_string(),
            label: f.label.to_string(),
            group: f.group,
            personal: f.sensitivity == Sensitivity::Personal,
            unit: f.unit.map(str::to_string),
            value: values.get(f.key).cloned().unwrap_or(Value::Null),
        })
        .collect();
    let mut found = vec![];
    for d in diagnoses::for_customer(conn, id, u32::MAX as u64)? {
        let input_facts = diagnoses::get(conn, d.id)?
            .and_then(|(_, facts)| serde_json::to_value(facts).ok())
            .unwrap_or(Value::Null);
        let mut links = vec![];
        for share in shares::for_diagnosis(conn, d.id)? {
            let opens = shares::opens(conn, share.id)?;
            links.push(PersonalShare { share, opens });
        }
        found.push(PersonalDiagnosis {
            diagnosis: d,
            input_facts,
            shares: links,
        });
    }
    let mut apps = vec![];
    for application in applications::for_customer(conn, id)? {
        let events = applications::events(conn, application.id)?;
        apps.push(PersonalApplication {
            application,
            events,
        });
    }
    let agreements = agreements::for_customer(conn, id)?
        .into_iter()
        .map(|a| super::agreements::view(conn, a))
        .collect::<Result<Vec<_>>>()?;
    let consents = crate::db::consents::for_customer(conn, id)?
        .into_iter()
        .map(|c| super::consents::view(conn, c))
        .collect::<Result<Vec<_>>>()?;
    let resources = erasure::audited_resources(conn, id)?;
    Ok(PersonalData {
        customer_id: id,
        generated_at: Timestamp::now(),
        created_at: customer.created_at,
        updated_at: customer.updated_at,
        deleted_at: customer.deleted_at,
        facts,
        collaterals: customer.data.collaterals.clone(),
        diagnoses: found,
        plans: diagnoses::plans_for_customer(conn, id)?,
        follow_ups: follow_ups::for_customer(conn, id)?,
        applications: apps,
        agreements,
        consents,
        documents: documents::for_customer(conn, id)?
            .into_iter()
            .map(|d| d.document)
            .collect(),
        audit: audit::matching(conn, erasure::audit_condition(&resources))?,
    })
}

/// Everything held about the customer (also in the recycle bin). The reading is audited first,
/// so the document lists its own entry.
pub async fn personal_data(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: CustomerId,
) -> Result<PersonalData> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        admin_may_reach(&uow, &user, id)?;
        let change = Change::on(Resource::Customer(id));
        Ok::<_, Error>(uow.commit(AuditAction::PersonalDataAccess, change, ())?)
    })
    .await?;
    db.read(move |c| collect(c, id)).await
}

/// Removes the customer and everything held about it, for real (PIPL Art. 47). `confirm_name`
/// must equal the company name. Also for a customer in the recycle bin.
pub async fn erase(
    db: &Db,
    settings: &Settings,
    actor: Actor,
    user: &CurrentUser,
    id: CustomerId,
    confirm_name: String,
) -> Result<Erased> {
    let user = user.clone();
    let (mut erased, files) = db
        .change(actor, move |uow: UnitOfWork<'_>| {
            admin_may_reach(&uow, &user, id)?;
            let customer = load(&uow, id)?;
            if confirm_name != customer.data.name {
                return Err(Error::validation(
                    "confirm_name",
                    "确认名称与企业名称不一致：请完整输入该客户的企业名称以确认彻底删除",
                ));
            }
            let resources = erasure::audited_resources(&uow, id)?;
            let files = erasure::stored_files(&uow, id)?;
            let rows = erasure::delete_held(&uow, id)?;
            let redacted = erasure::redact_audit(&uow, &resources)?;
            let erased = Erased {
                customer_id: id,
                rows: rows
                    .into_iter()
                    .map(|(t, n)| (t.to_string(), n as u64))
                    .collect(),
                audit_entries_redacted: redacted as u64,
                files_removed: 0,
                checkpointed: false,
            };
            // Who erased which customer id and when; the counts, no personal value.
            let change = Change::on(Resource::Customer(id))
                .after(&json!({"customer_id": id, "rows": erased.rows}));
            Ok::<_, Error>(uow.commit(AuditAction::CustomerErase, change, (erased, files))?)
        })
        .await?;
    for name in files {
        let path: PathBuf = settings.documents_dir().join(&name);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => erased.files_removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(customer = %id, path = %path.display(), error = %e, "erased customer's document file not removed");
            }
        }
    }
    erased.checkpointed = db.checkpoint().await?;
    if !erased.checkpointed {
        tracing::warn!(customer = %id, "WAL checkpoint after an erasure did not complete: old pages may stay in the -wal file until it is rewritten");
    }
    Ok(erased)
}
