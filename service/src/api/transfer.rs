//! Spreadsheet import (dry run, then an atomic commit), the import template, and exports.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::{Attachment, AttachmentType, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, OpenApi};

use super::ApiTags;
use super::common::actor;
use super::customers::check_category;
use crate::app::transfer::{self, Format};
use crate::app::{self, Error};
use crate::auth::StaffAuth;
use crate::db::customers::ListFilter;
use crate::domain::customer::Stage;
use crate::domain::ids::UserId;
use crate::error::Fails;
use crate::error::status::{BODY, GUARDED, PARAMS};
use crate::io::import::ImportReport;
use crate::io::read;
use crate::state::AppState;

pub struct TransferApi;

#[derive(Multipart)]
pub struct ImportUpload {
    /// `.xlsx` (first sheet unless `sheet` is given) or `.csv` (UTF-8 or GB18030).
    pub file: Upload,
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

fn attachment(bytes: Vec<u8>, name: &str, format: Format) -> FileResponse {
    let ext = format.extension();
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
) -> Result<read::Sheet, Error> {
    let limit = state.settings.max_upload_bytes;
    if file.size() as u64 > limit {
        return Err(Error::too_large(format!(
            "文件超过 {} MB 上限",
            limit / 1024 / 1024
        )));
    }
    let name = file.file_name().map(str::to_string);
    let bytes = file
        .into_vec()
        .await
        .map_err(|_| Error::validation("file", "读取上传文件失败"))?;
    let max_rows = state.settings.import_max_rows as usize;
    transfer::read_sheet(bytes, name, sheet, max_rows).await
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
        auth: StaffAuth,
        dry_run: Query<Option<bool>>,
        /// The worksheet to read (default: the first one).
        #[oai(validator(max_length = 100))]
        sheet: Query<Option<String>>,
        upload: ImportUpload,
    ) -> Result<ImportResponse, Fails<{ GUARDED | BODY }>> {
        let sheet = read_upload(&state, upload.file, sheet.0).await?;
        let dry_run = dry_run.0.unwrap_or(true);
        let who = actor(&state, req, Some(&auth.0));
        let report =
            transfer::import(&state.db, who, &auth.0, sheet, dry_run, app::today()).await?;
        Ok(if dry_run || report.committed {
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
        _auth: StaffAuth,
        format: Query<Option<Format>>,
    ) -> Result<FileResponse, Fails<{ GUARDED | PARAMS }>> {
        let format = format.0.unwrap_or(Format::Xlsx);
        let bytes = transfer::template(format)?;
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
        auth: StaffAuth,
        format: Query<Option<Format>>,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        category: Query<Option<String>>,
        stage: Query<Option<Stage>>,
        #[oai(validator(max_length = 50))] industry: Query<Option<String>>,
        owner_id: Query<Option<UserId>>,
    ) -> Result<FileResponse, Fails<{ GUARDED | PARAMS }>> {
        check_category(&category.0)?;
        let filter = ListFilter {
            q: q.0,
            category: category.0,
            stage: stage.0,
            industry: industry.0,
            owner_id: owner_id.0,
            only_owner: None,
            deleted: false,
        };
        let format = format.0.unwrap_or(Format::Xlsx);
        let who = actor(&state, req, Some(&auth.0));
        let exported = transfer::export(&state.db, who, &auth.0, filter, format).await?;
        let name = format!("customers-{}", app::today().format("%Y%m%d"));
        Ok(attachment(exported.bytes, &name, format))
    }
}
