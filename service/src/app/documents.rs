//! Customer documents (客户资料): upload, list, read, delete, and the document checklist per
//! product with what a customer still lacks for the products of its latest diagnosis.
//!
//! A file is written first (temporary name, fsync, rename to 128 random bits in hex under the
//! documents directory), then its row and audit entry are committed; when the commit fails the
//! file is removed, so the disk and the database never disagree for long. Deleting removes the
//! row first and the file after the commit.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::customers::{may_see_customer, may_see_record};
use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::documents::{self, Document, NewDocument, StoredDocument};
use crate::db::{Db, UnitOfWork, catalog, diagnoses, files, settings_kv};
use crate::domain::documents::{
    ACCEPTED_IN_WORDS, DocumentChecklist, KindMissing, ProductMissing, display_name, sniff,
};
use crate::domain::ids::{CustomerId, DiagnosisId, DocumentId};
use crate::domain::vocab::{AuditAction, DocumentKind, Role};

const CHECKLIST_KEY: &str = "document_checklist";
pub const MAX_NOTE_CHARS: usize = 500;

/// The document, if `user` may see its customer; another customer's id is simply not found.
fn visible(conn: &Connection, user: &CurrentUser, id: DocumentId) -> Result<StoredDocument> {
    let stored =
        documents::get(conn, id)?.ok_or_else(|| Error::not_found(format!("资料 #{id} 不存在")))?;
    may_see_record(conn, user, stored.document.customer_id, || {
        Error::not_found(format!("资料 #{id} 不存在"))
    })?;
    Ok(stored)
}

fn mib(bytes: u64) -> String {
    let v = bytes as f64 / 1024.0 / 1024.0;
    if v >= 1024.0 {
        format!("{:.1} GB", v / 1024.0)
    } else {
        format!("{v:.1} MB")
    }
}

pub struct Upload {
    pub customer_id: CustomerId,
    pub kind: DocumentKind,
    pub file_name: Option<String>,
    pub note: Option<String>,
    pub bytes: Vec<u8>,
}

fn stored_path(settings: &Settings, stored_name: &str) -> PathBuf {
    settings.documents_dir().join(stored_name)
}

fn quota_error(settings: &Settings) -> Error {
    Error::QuotaExceeded {
        field: "file".into(),
        message: format!(
            "资料存储空间已满（本实例上限 {}），请删除不需要的资料或联系管理员扩容",
            mib(settings.documents_quota_bytes)
        ),
    }
}

pub async fn upload(
    db: &Db,
    settings: &Arc<Settings>,
    actor: Actor,
    user: &CurrentUser,
    upload: Upload,
) -> Result<Document> {
    let Upload {
        customer_id,
        kind,
        file_name,
        note,
        bytes,
    } = upload;
    let size = bytes.len() as u64;
    if size > settings.max_document_bytes {
        return Err(Error::too_large(format!(
            "文件 file 超过单个资料的大小上限（{}）",
            mib(settings.max_document_bytes)
        )));
    }
    if bytes.is_empty() {
        return Err(Error::validation("file", "文件 file 为空"));
    }
    let content_type = sniff(&bytes).ok_or_else(|| {
        Error::validation(
            "file",
            format!("文件 file 的类型不受支持：只接受 {ACCEPTED_IN_WORDS}（按文件内容识别，与文件名无关）"),
        )
    })?;
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(Error::validation(
            "note",
            format!("备注 note 最多 {MAX_NOTE_CHARS} 个字符"),
        ));
    }
    let name = display_name(file_name.as_deref(), content_type);
    let user_check = user.clone();
    let quota = settings.documents_quota_bytes;
    // Refuse early (no write) when the customer is not visible or the quota cannot hold it.
    let used = db
        .read(move |c| {
            may_see_customer(c, &user_check, customer_id)?;
            Ok::<_, Error>(documents::total_bytes(c)? as u64)
        })
        .await?;
    if used.saturating_add(size) > quota {
        return Err(quota_error(settings));
    }
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let stored_name = format!("{:032x}", rand::random::<u128>());
    let path = stored_path(settings, &stored_name);
    let dir = settings.documents_dir();
    let target = path.clone();
    tokio::task::spawn_blocking(move || {
        files::private_dir_all(&dir)?;
        files::write_private_atomically(&target, &bytes)
    })
    .await
    .map_err(Error::internal)??;
    let user_check = user.clone();
    let shared = settings.clone();
    let saved = db
        .change(actor, move |uow: UnitOfWork<'_>| {
            may_see_customer(&uow, &user_check, customer_id)?;
            // Again inside the write lock: two uploads at once cannot both slip under the quota.
            if (documents::total_bytes(&uow)? as u64).saturating_add(size) > quota {
                return Err(quota_error(&shared));
            }
            let id = documents::insert(
                &uow,
                &NewDocument {
                    customer_id,
                    kind,
                    file_name: &name,
                    stored_name: &stored_name,
                    content_type,
                    size_bytes: size as i64,
                    sha256: &sha256,
                    note: note.as_deref(),
                    uploaded_by: Some(user_check.id),
                },
            )?;
            let doc = documents::get(&uow, id)?
                .ok_or_else(|| Error::internal("inserted document not found"))?
                .document;
            let change = Change::on(Resource::Customer(customer_id)).after(&json!({
                "document_id": id, "kind": kind, "file_name": doc.file_name,
                "content_type": content_type, "size_bytes": size, "sha256": doc.sha256,
            }));
            Ok(uow.commit(AuditAction::DocumentUpload, change, doc)?)
        })
        .await;
    if saved.is_err() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    saved
}

pub async fn list(db: &Db, user: &CurrentUser, customer_id: CustomerId) -> Result<Vec<Document>> {
    let user = user.clone();
    db.read(move |c| {
        may_see_customer(c, &user, customer_id)?;
        Ok(documents::for_customer(c, customer_id)?
            .into_iter()
            .map(|s| s.document)
            .collect())
    })
    .await
}

/// The document and its bytes; every read is audited (ID cards and credit reports are what an
/// intruder wants).
pub async fn content(
    db: &Db,
    settings: &Settings,
    actor: Actor,
    user: &CurrentUser,
    id: DocumentId,
    inline: bool,
) -> Result<(Document, Vec<u8>)> {
    let user = user.clone();
    let stored: StoredDocument = db
        .change(actor, move |uow: UnitOfWork<'_>| {
            let stored = visible(&uow, &user, id)?;
            let d = &stored.document;
            let change = Change::on(Resource::Customer(d.customer_id)).after(&json!({
                "document_id": id, "kind": d.kind, "file_name": d.file_name, "inline": inline,
            }));
            Ok::<_, Error>(uow.commit(AuditAction::DocumentDownload, change, stored)?)
        })
        .await?;
    let path = stored_path(settings, &stored.stored_name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok((stored.document, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(document = %id, path = %path.display(), "document file missing");
            Err(Error::not_found(format!(
                "资料 #{id} 的文件不存在（可能需要从备份恢复），请联系管理员"
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// Staff with the delete permission delete what they uploaded; an admin deletes any document.
pub async fn delete(
    db: &Db,
    settings: &Settings,
    actor: Actor,
    user: &CurrentUser,
    id: DocumentId,
) -> Result<()> {
    let user = user.clone();
    let stored = db
        .change(actor, move |uow: UnitOfWork<'_>| {
            let stored = visible(&uow, &user, id)?;
            user.check_may_delete()?;
            let d = &stored.document;
            if user.role != Role::Admin && d.uploaded_by != Some(user.id) {
                return Err(Error::forbidden(
                    "not_uploader",
                    "只能删除自己上传的资料；其他人上传的资料请联系管理员删除",
                ));
            }
            documents::delete(&uow, id)?;
            let change = Change::on(Resource::Customer(d.customer_id)).before(&json!({
                "document_id": id, "kind": d.kind, "file_name": d.file_name,
                "size_bytes": d.size_bytes, "sha256": d.sha256,
            }));
            Ok::<_, Error>(uow.commit(AuditAction::DocumentDelete, change, stored)?)
        })
        .await?;
    let path = stored_path(settings, &stored.stored_name);
    if let Err(e) = tokio::fs::remove_file(&path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(document = %id, path = %path.display(), error = %e, "deleted document's file not removed");
    }
    Ok(())
}

fn checklist_in(c: &Connection) -> Result<DocumentChecklist> {
    match settings_kv::get(c, CHECKLIST_KEY)? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::internal(format!("stored document checklist: {e}"))),
        None => Ok(DocumentChecklist::default()),
    }
}

pub async fn checklist(db: &Db) -> Result<DocumentChecklist> {
    db.read(checklist_in).await
}

pub async fn put_checklist(
    db: &Db,
    actor: Actor,
    checklist: DocumentChecklist,
) -> Result<DocumentChecklist> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let known: Vec<String> = catalog::products(&uow)?
            .into_iter()
            .map(|p| p.product.id)
            .collect();
        checklist
            .validate(&known)
            .map_err(|e| Error::validation(&e.field, e.message))?;
        let before = checklist_in(&uow)?;
        let text = serde_json::to_string(&checklist).map_err(Error::internal)?;
        settings_kv::set(&uow, CHECKLIST_KEY, &text)?;
        let change = Change::on(Resource::DocumentChecklist)
            .before(&before)
            .after(&checklist);
        Ok(uow.commit(AuditAction::DocumentChecklistUpdate, change, checklist)?)
    })
    .await
}

/// What the customer lacks for the products its latest diagnosis found eligible.
pub struct Missing {
    pub diagnosis_id: Option<DiagnosisId>,
    pub products: Vec<ProductMissing>,
    pub kinds: Vec<KindMissing>,
}

pub async fn missing(db: &Db, user: &CurrentUser, customer_id: CustomerId) -> Result<Missing> {
    let user = user.clone();
    db.read(move |c| {
        may_see_customer(c, &user, customer_id)?;
        let Some(latest) = diagnoses::for_customer(c, customer_id, 1)?
            .into_iter()
            .next()
        else {
            return Ok(Missing {
                diagnosis_id: None,
                products: vec![],
                kinds: vec![],
            });
        };
        let products: Vec<_> = latest
            .result
            .products
            .iter()
            .filter(|p| p.eligible)
            .map(|p| (p.product_id.clone(), p.name.clone(), p.family))
            .collect();
        let present: BTreeSet<DocumentKind> = documents::for_customer(c, customer_id)?
            .into_iter()
            .map(|d| d.document.kind)
            .collect();
        let (products, kinds) =
            crate::domain::documents::missing(&checklist_in(c)?, &products, &present);
        Ok(Missing {
            diagnosis_id: Some(latest.id),
            products,
            kinds,
        })
    })
    .await
}
