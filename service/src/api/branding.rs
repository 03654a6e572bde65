//! White-label branding: name, colours and logo. Initial values come from the instance config;
//! an admin's changes are stored in the database and win over the config.

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi, ResponseContent};

use super::ApiTags;
use super::common::actor;
use crate::app::Error;
use crate::app::branding::{self, BrandingChange};
use crate::auth::AdminAuth;
use crate::error::Fails;
use crate::error::status::{BODY, DB, GUARDED, NOT_FOUND};
use crate::state::AppState;

pub use crate::app::branding::{Branding, sniff_image};

pub struct BrandingApi;

#[derive(Object)]
pub struct BrandingUpdate {
    #[oai(validator(max_length = 40))]
    pub brand_name: Option<String>,
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
}

#[derive(Multipart)]
pub struct LogoUpload {
    /// PNG, JPEG or WebP.
    pub file: Upload,
}

/// The logo's bytes under the image type it was recognised as (documented as such in the spec).
#[derive(ResponseContent)]
pub enum LogoImage {
    #[oai(content_type = "image/png")]
    Png(Binary<Vec<u8>>),
    #[oai(content_type = "image/jpeg")]
    Jpeg(Binary<Vec<u8>>),
    #[oai(content_type = "image/webp")]
    Webp(Binary<Vec<u8>>),
}

impl LogoImage {
    fn new(bytes: Vec<u8>, mime: &str) -> Self {
        match mime {
            "image/png" => Self::Png(Binary(bytes)),
            "image/jpeg" => Self::Jpeg(Binary(bytes)),
            _ => Self::Webp(Binary(bytes)),
        }
    }
}

#[derive(ApiResponse)]
pub enum LogoResponse {
    #[oai(status = 200)]
    Ok(LogoImage, #[oai(header = "Cache-Control")] String),
}

pub async fn current(state: &AppState) -> Result<Branding, Error> {
    branding::current(&state.db, &state.settings).await
}

#[OpenApi(prefix_path = "/api/branding", tag = "ApiTags::Branding")]
impl BrandingApi {
    /// Brand name, colours and logo (public: the login page needs them)
    #[oai(path = "/", method = "get", operation_id = "getBranding")]
    async fn get(&self, state: Data<&AppState>) -> Result<Json<Branding>, Fails<DB>> {
        Ok(Json(current(&state).await?))
    }

    /// Change brand name and colours (admin)
    #[oai(path = "/", method = "put", operation_id = "updateBranding")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        body: Json<BrandingUpdate>,
    ) -> Result<Json<Branding>, Fails<{ GUARDED | BODY }>> {
        let BrandingUpdate {
            brand_name,
            primary_color,
            secondary_color,
        } = body.0;
        let change = BrandingChange {
            brand_name,
            primary_color,
            secondary_color,
        };
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            branding::update(&state.db, &state.settings, who, change).await?,
        ))
    }

    /// Upload a logo (admin; PNG, JPEG or WebP, checked by content)
    #[oai(path = "/logo", method = "post", operation_id = "uploadLogo")]
    async fn upload_logo(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: AdminAuth,
        upload: LogoUpload,
    ) -> Result<Json<Branding>, Fails<{ GUARDED | BODY }>> {
        let limit = state.settings.max_logo_bytes;
        if upload.file.size() as u64 > limit {
            return Err(Error::too_large(format!("Logo 不能超过 {} KB", limit / 1024)).into());
        }
        let bytes = upload
            .file
            .into_vec()
            .await
            .map_err(|_| Error::validation("file", "读取上传文件失败"))?;
        let who = actor(&state, req, Some(&auth.0));
        Ok(Json(
            branding::upload_logo(&state.db, &state.settings, who, bytes).await?,
        ))
    }

    /// The logo image (public)
    #[oai(path = "/logo", method = "get", operation_id = "getLogo")]
    async fn logo(
        &self,
        state: Data<&AppState>,
    ) -> Result<LogoResponse, Fails<{ DB | NOT_FOUND }>> {
        let (bytes, mime) = branding::logo(&state.db, &state.settings).await?;
        Ok(LogoResponse::Ok(
            LogoImage::new(bytes, mime),
            "public, max-age=300".into(),
        ))
    }
}
