//! Customer documents (客户资料) and the document checklist per product.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi, ResponseContent};

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::Error;
use crate::app::documents::{self, Upload as NewUpload};
use crate::auth::{AdminAuth, StaffAuth};
use crate::db::documents::Document;
use crate::domain::documents::{
    DocumentChecklist, JPEG, KindMissing, PDF, PNG, ProductMissing, WEBP, previewable,
};
use crate::domain::ids::{CustomerId, DiagnosisId, DocumentId};
use crate::domain::vocab::DocumentKind;
use crate::error::Fails;
use crate::error::status::{BAD_REQUEST, BODY, CONFLICT, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct DocumentsApi;

#[derive(Multipart)]
pub struct DocumentUpload {
    /// PDF, JPEG, PNG, WebP or xlsx, recognised by content (the name and declared type do not
    /// count).
    pub file: Upload,
    /// One of `business_license|id_card|credit_report|bank_statement|tax_certificate|
    /// financial_statement|property|contract|other` (see the `DocumentKind` vocabulary).
    pub kind: String,
    /// At most 500 characters.
    pub note: Option<String>,
}

/// The stored bytes under the type recognised at upload.
#[derive(ResponseContent)]
pub enum DocumentBytes {
    #[oai(content_type = "application/pdf")]
    Pdf(Binary<Vec<u8>>),
    #[oai(content_type = "image/png")]
    Png(Binary<Vec<u8>>),
    #[oai(content_type = "image/jpeg")]
    Jpeg(Binary<Vec<u8>>),
    #[oai(content_type = "image/webp")]
    Webp(Binary<Vec<u8>>),
    #[oai(content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(Binary<Vec<u8>>),
}

impl DocumentBytes {
    fn new(bytes: Vec<u8>, content_type: &str) -> Self {
        let b = Binary(bytes);
        match content_type {
            PDF => Self::Pdf(b),
            PNG => Self::Png(b),
            JPEG => Self::Jpeg(b),
            WEBP => Self::Webp(b),
            _ => Self::Xlsx(b),
        }
    }
}

/// Nothing in a stored file may run in our origin: no scripts, no plugins, sandboxed.
const CONTENT_CSP: &str = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
                           object-src 'none'; frame-ancestors 'self'; sandbox";

#[derive(ApiResponse)]
pub enum DocumentContent {
    #[oai(status = 200)]
    Ok(
        DocumentBytes,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Content-Security-Policy")] String,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "X-Content-Type-Options")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    NoContent,
}

/// What the customer lacks for the products its latest diagnosis found eligible.
#[derive(Object)]
pub struct MissingDocuments {
    /// The diagnosis the products come from; null when the customer has none yet.
    #[oai(nullable)]
    pub diagnosis_id: Option<DiagnosisId>,
    pub products: Vec<ProductMissing>,
    /// Each missing kind once, with the products that need it.
    pub kinds: Vec<KindMissing>,
}

/// `attachment; filename*=UTF-8''…` (RFC 6266 / 5987), with an ASCII fallback for old clients.
fn disposition(inline: bool, name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[OpenApi(tag = "ApiTags::Documents")]
impl DocumentsApi {
    /// Upload a document for a customer (multipart `file`, `kind`, optional `note`)
    #[oai(
        path = "/api/customers/:id/documents",
        method = "post",
        operation_id = "uploadDocument"
    )]
    async fn upload(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<CustomerId>,
        form: DocumentUpload,
    ) -> Result<Created<Document>, Fails<{ GUARDED | BODY | NOT_FOUND | CONFLICT }>> {
        let kind = DocumentKind::from_code(form.kind.trim()).ok_or_else(|| {
            let codes: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.code()).collect();
            Error::validation(
                "kind",
                format!("资料类型 kind 无效，可选值：{}", codes.join("、")),
            )
        })?;
        let limit = state.settings.max_document_bytes;
        if form.file.size() as u64 > limit {
            return Err(Error::too_large(format!(
                "文件 file 超过单个资料的大小上限（{:.1} MB）",
                limit as f64 / 1024.0 / 1024.0
            ))
            .into());
        }
        let file_name = form.file.file_name().map(str::to_string);
        let bytes = form
            .file
            .into_vec()
            .await
            .map_err(|_| Error::validation("file", "读取上传文件 file 失败"))?;
        let who = actor(&state, req, Some(&auth.0));
        let upload = NewUpload {
            customer_id: id.0,
            kind,
            file_name,
            note: form.note,
            bytes,
        };
        let doc = documents::upload(&state.db, &state.settings, who, &auth.0, upload).await?;
        Ok(Created::at(format!("/api/documents/{}", doc.id), doc))
    }

    /// A customer's documents, newest first
    #[oai(
        path = "/api/customers/:id/documents",
        method = "get",
        operation_id = "listDocuments"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Vec<Document>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(documents::list(&state.db, &auth.0, id.0).await?))
    }

    /// Which documents the customer still lacks for the products of its latest diagnosis
    #[oai(
        path = "/api/customers/:id/documents/missing",
        method = "get",
        operation_id = "getMissingDocuments"
    )]
    async fn missing(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<MissingDocuments>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let m = documents::missing(&state.db, &auth.0, id.0).await?;
        Ok(Json(MissingDocuments {
            diagnosis_id: m.diagnosis_id,
            products: m.products,
            kinds: m.kinds,
        }))
    }

    /// The document's bytes: a download, or with `inline=true` a preview (images and PDF only)
    #[oai(
        path = "/api/documents/:id/content",
        method = "get",
        operation_id = "getDocumentContent"
    )]
    async fn content(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<DocumentId>,
        inline: Query<Option<bool>>,
    ) -> Result<DocumentContent, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let inline = inline.0.unwrap_or(false);
        let who = actor(&state, req, Some(&auth.0));
        let (doc, bytes) =
            documents::content(&state.db, &state.settings, who, &auth.0, id.0, inline).await?;
        let inline = inline && previewable(&doc.content_type);
        Ok(DocumentContent::Ok(
            DocumentBytes::new(bytes, &doc.content_type),
            disposition(inline, &doc.file_name),
            CONTENT_CSP.into(),
            "private, no-store".into(),
            "nosniff".into(),
        ))
    }

    /// Delete a document (staff: those they uploaded; admin: any); the file is removed
    #[oai(
        path = "/api/documents/:id",
        method = "delete",
        operation_id = "deleteDocument"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<DocumentId>,
    ) -> Result<Deleted, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        documents::delete(&state.db, &state.settings, who, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// Which document kinds each product family and product needs
    #[oai(
        path = "/api/document-checklist",
        method = "get",
        operation_id = "getDocumentChecklist"
    )]
    async fn checklist(
        &self,
        state: Data<&AppState>,
        _auth: StaffAuth,
    ) -> Result<Json<DocumentChecklist>, Fails<GUARDED>> {
        Ok(Json(documents::checklist(&state.db).await?))
    }

    /// Replace the document checklist (admin)
    #[oai(
        path = "/api/document-checklist",
        method = "put",
        operation_id = "putDocumentChecklist"
    )]
    async fn put_checklist(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        body: Json<DocumentChecklist>,
    ) -> Result<Json<DocumentChecklist>, Fails<{ GUARDED | BODY | BAD_REQUEST }>> {
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            documents::put_checklist(&state.db, who, body.0).await?,
        ))
    }
}
