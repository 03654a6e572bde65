//! Spreadsheet import (dry run, then all rows or none) and export.

use std::collections::HashMap;

use serde_json::json;

use super::{Error, Result};
use crate::auth::CurrentUser;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::customers::{self, ListFilter};
use crate::db::{Db, UnitOfWork, users};
use crate::domain::customer::Customer;
use crate::domain::vocab::AuditAction;
use crate::io::import::{self, ImportReport};
use crate::io::{export, read};

/// Reads an uploaded or local file into a sheet; an unusable file is a `file` field error.
pub async fn read_sheet(
    bytes: Vec<u8>,
    file_name: Option<String>,
    sheet: Option<String>,
    max_rows: usize,
) -> Result<read::Sheet> {
    tokio::task::spawn_blocking(move || {
        read::read(&bytes, file_name.as_deref(), sheet.as_deref(), max_rows)
    })
    .await
    .map_err(Error::internal)?
    .map_err(|e| Error::validation("file", e.0))
}

/// Checks every row (`dry_run`), or writes all rows or none: a 统一社会信用代码 already known
/// updates that customer. A report with errors has written nothing (`committed` is false).
pub async fn import(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    sheet: read::Sheet,
    dry_run: bool,
    today: chrono::NaiveDate,
) -> Result<ImportReport> {
    let only_owner = user.scope().owner();
    if dry_run {
        return db
            .read(move |c| Ok(import::plan(c, &sheet, today, only_owner)?.0))
            .await;
    }
    let user = actor.user_id;
    let outcome = db
        .change(actor, move |uow: UnitOfWork<'_>| {
            let (mut report, rows) = import::plan(&uow, &sheet, today, only_owner)?;
            if !report.errors.is_empty() {
                // Nothing to commit: returning the report as an error rolls back the (empty)
                // transaction without an audit entry.
                return Err(Rejected::Invalid(Box::new(report)));
            }
            import::commit(&uow, &rows, user).map_err(Error::from)?;
            report.committed = true;
            let after = json!({"total": report.total, "inserted": report.inserted, "updated": report.updated});
            let change = Change {
                resource: Resource::Customers,
                before: None,
                after: Some(after),
            };
            Ok(uow
                .commit(AuditAction::CustomerImport, change, report)
                .map_err(Error::from)?)
        })
        .await;
    match outcome {
        Ok(report) => Ok(report),
        Err(Rejected::Invalid(report)) => Ok(*report),
        Err(Rejected::Failed(e)) => Err(e),
    }
}

/// An import that did not commit: its report (bad cells), or a failure.
enum Rejected {
    Invalid(Box<ImportReport>),
    Failed(Error),
}

impl From<crate::db::StoreError> for Rejected {
    fn from(e: crate::db::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<Error> for Rejected {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

impl From<rusqlite::Error> for Rejected {
    fn from(e: rusqlite::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl crate::db::StoreFailure for Rejected {
    fn fault(&self) -> Option<crate::db::Fault> {
        match self {
            Self::Failed(e) => e.fault(),
            Self::Invalid(_) => None,
        }
    }
}

pub use crate::io::read::Format;

/// The matching customers `user` sees, with their owners' names, as a file — a permission an
/// admin grants; others' phone and ID numbers stay 隐号 in it. The export is audited.
pub async fn export(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    filter: ListFilter,
    format: Format,
) -> Result<Exported> {
    user.check_may_export()?;
    let filter = super::customers::scoped(user, filter);
    let user = user.clone();
    let (rows, owners) = db
        .read(move |c| {
            let rows: Vec<Customer> = customers::all(c, &filter)?
                .into_iter()
                .map(|cu| super::customers::shown_to(&user, cu))
                .collect();
            let owners: HashMap<i64, String> = users::list(c)?
                .into_iter()
                .map(|u| (u.id.get(), u.username))
                .collect();
            Ok::<_, Error>((rows, owners))
        })
        .await?;
    let count = rows.len();
    let bytes = tokio::task::spawn_blocking(move || match format {
        Format::Xlsx => export::xlsx(&rows, &owners).map_err(Error::internal),
        Format::Csv => Ok(export::csv(&rows, &owners)),
    })
    .await
    .map_err(Error::internal)??;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let change = Change {
            resource: Resource::Customers,
            before: None,
            after: Some(json!({"rows": count})),
        };
        Ok::<_, Error>(uow.commit(AuditAction::CustomerExport, change, ())?)
    })
    .await?;
    Ok(Exported { bytes, rows: count })
}

pub struct Exported {
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// The import template: headers, an example row, drop-downs and an explanation sheet.
pub fn template(format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Xlsx => export::template_xlsx().map_err(Error::internal)?,
        Format::Csv => export::template_csv(),
    })
}
