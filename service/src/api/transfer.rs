//! Spreadsheet import (dry run, then an atomic commit), the import template, and exports.

use std::collections::HashMap;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::{Attachment, AttachmentType, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Enum, Multipart, OpenApi};

use super::ApiTags;
use super::common::{actor, today};
use crate::auth::BearerAuth;
use crate::db::audit::{self, Change};
use crate::db::customers::{self, ListFilter};
use crate::db::users;
use crate::domain::customer::Stage;
use crate::error::{ApiError, ApiResult};
use crate::io::import::{self, ImportReport};
use crate::io::{export, read};
use crate::state::AppState;

pub struct TransferApi;

#[derive(Multipart)]
pub struct ImportUpload {
    /// `.xlsx` (first sheet unless `sheet` is given) or `.csv` (UTF-8 or GB18030).
    pub file: Upload,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum FileFormat {
    Xlsx,
    Csv,
}

#[derive(ApiResponse)]
pub enum ImportResponse {
    /// The report (dry run), or the committed result.
    #[oai(status = 200)]
    Ok(Json<ImportReport>),
    /// The file has bad cells or duplicates; nothing was written.
    #[oai(status = 422)]
    Invalid(Json<ImportReport>),
}

#[derive(ApiResponse)]
pub enum FileResponse {
    #[oai(status = 200)]
    Ok(Attachment<Vec<u8>>),
}

fn attachment(bytes: Vec<u8>, name: &str, format: FileFormat) -> FileResponse {
    let ext = match format {
        FileFormat::Xlsx => "xlsx",
        FileFormat::Csv => "csv",
    };
    FileResponse::Ok(
        Attachment::new(bytes)
            .attachment_type(AttachmentType::Attachment)
            .filename(format!("{name}.{ext}")),
    )
}

/// Reads the upload into a sheet; 400/413 with a clear message for anything unusable.
pub async fn read_upload(
    state: &AppState,
    file: Upload,
    sheet: Option<String>,
) -> ApiResult<read::Sheet> {
    let limit = state.settings.max_upload_bytes;
    if file.size() as u64 > limit {
        return Err(ApiError::too_large(format!(
            "文件超过 {} MB 上限",
            limit / 1024 / 1024
        )));
    }
    let name = file.file_name().map(str::to_string);
    let bytes = file
        .into_vec()
        .await
        .map_err(|_| ApiError::validation("file", "读取上传文件失败"))?;
    let max_rows = state.settings.import_max_rows as usize;
    tokio::task::spawn_blocking(move || {
        read::read(&bytes, name.as_deref(), sheet.as_deref(), max_rows)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::validation("file", e.0))
}

#[OpenApi(tag = "ApiTags::Transfer")]
impl TransferApi {
    /// Import customers from .xlsx or .csv
    ///
    /// `dry_run=true` (the default) checks every cell and reports bad cells and duplicates without
    /// writing. `dry_run=false` writes all rows or none: a 统一社会信用代码 already known updates that
    /// customer (a row without one matches by name, reported in `matched_by_name`).
    #[oai(
        path = "/api/imports/customers",
        method = "post",
        operation_id = "importCustomers"
    )]
    async fn import(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        dry_run: Query<Option<bool>>,
        /// The worksheet to read (default: the first one).
        #[oai(validator(max_length = 100))]
        sheet: Query<Option<String>>,
        upload: ImportUpload,
    ) -> ApiResult<ImportResponse> {
        let user = auth.staff()?.clone();
        let sheet = read_upload(&state, upload.file, sheet.0).await?;
        let dry_run = dry_run.0.unwrap_or(true);
        let today = today();
        if dry_run {
            let (report, _) = state
                .db
                .read(move |c| Ok(import::plan(c, &sheet, today)?))
                .await?;
            return Ok(ImportResponse::Ok(Json(report)));
        }
        let who = actor(&state, req, Some(&user));
        let report = state
            .db
            .write(move |tx| {
                let (mut report, rows) = import::plan(tx, &sheet, today)?;
                if !report.errors.is_empty() {
                    return Ok(report);
                }
                import::commit(tx, &rows, Some(user.id))?;
                report.committed = true;
                let after = serde_json::json!({"total": report.total, "inserted": report.inserted, "updated": report.updated});
                audit::record(tx, &who, Change { action: "customer.import", resource_type: "customer", resource_id: None, before: None, after: Some(after) })?;
                Ok(report)
            })
            .await?;
        Ok(if report.committed {
            ImportResponse::Ok(Json(report))
        } else {
            ImportResponse::Invalid(Json(report))
        })
    }

    /// The import template: headers, an example row, drop-downs and an explanation sheet
    #[oai(
        path = "/api/imports/customers/template",
        method = "get",
        operation_id = "importTemplate"
    )]
    async fn template(
        &self,
        auth: BearerAuth,
        format: Query<Option<FileFormat>>,
    ) -> ApiResult<FileResponse> {
        auth.staff()?;
        let format = format.0.unwrap_or(FileFormat::Xlsx);
        let bytes = match format {
            FileFormat::Xlsx => export::template_xlsx().map_err(ApiError::internal)?,
            FileFormat::Csv => export::template_csv(),
        };
        Ok(attachment(bytes, "customer-import-template", format))
    }

    /// Export customers (same filters as the list) with their latest diagnosis
    #[oai(
        path = "/api/exports/customers",
        method = "get",
        operation_id = "exportCustomers"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        format: Query<Option<FileFormat>>,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        category: Query<Option<String>>,
        stage: Query<Option<Stage>>,
        #[oai(validator(max_length = 50))] industry: Query<Option<String>>,
        owner_id: Query<Option<i64>>,
    ) -> ApiResult<FileResponse> {
        let user = auth.staff()?;
        if let Some(c) = &category.0
            && !["A", "B", "C", "none"].contains(&c.as_str())
        {
            return Err(ApiError::validation(
                "category",
                "分类只能是 A、B、C 或 none",
            ));
        }
        let filter = ListFilter {
            q: q.0,
            category: category.0,
            stage: stage.0,
            industry: industry.0,
            owner_id: owner_id.0,
            deleted: false,
        };
        let format = format.0.unwrap_or(FileFormat::Xlsx);
        let who = actor(&state, req, Some(user));
        let bytes = state
            .db
            .read(move |c| {
                let rows = customers::all(c, &filter)?;
                let owners: HashMap<i64, String> = users::list(c)?
                    .into_iter()
                    .map(|u| (u.id, u.username))
                    .collect();
                let bytes = match format {
                    FileFormat::Xlsx => export::xlsx(&rows, &owners).map_err(ApiError::internal)?,
                    FileFormat::Csv => export::csv(&rows, &owners),
                };
                Ok((bytes, rows.len()))
            })
            .await?;
        let count = bytes.1;
        state
            .db
            .write(move |tx| {
                let after = serde_json::json!({"rows": count});
                Ok(audit::record(
                    tx,
                    &who,
                    Change {
                        action: "customer.export",
                        resource_type: "customer",
                        resource_id: None,
                        before: None,
                        after: Some(after),
                    },
                )?)
            })
            .await?;
        let name = format!("customers-{}", today().format("%Y%m%d"));
        Ok(attachment(bytes.0, &name, format))
    }
}
