//! White-label branding: name, colours and logo. Initial values come from the instance config;
//! an admin's changes are stored in the database and win over the config.

use std::path::{Path, PathBuf};

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi, ResponseContent};
use rusqlite::Connection;

use super::ApiTags;
use super::common::{actor, to_json};
use crate::auth::BearerAuth;
use crate::config::{Settings, is_hex_color};
use crate::db::audit::{self, Change};
use crate::db::files;
use crate::db::settings_kv;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct BrandingApi;

#[derive(Object, serde::Serialize, Clone)]
pub struct Branding {
    pub brand_name: String,
    pub primary_color: String,
    pub secondary_color: String,
    /// Where the logo is served, or null when there is none.
    #[oai(nullable)]
    pub logo_url: Option<String>,
}

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

/// The logo's name before logos were versioned files (still served when present).
const LEGACY_LOGO_FILE: &str = "logo";
const MAX_LOGO_PIXELS: u64 = 4096 * 4096;

/// The image type, recognised by content (never by file name).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// What the database holds about branding (overrides of the config, and the logo's file).
struct Stored {
    brand_name: Option<String>,
    primary_color: Option<String>,
    secondary_color: Option<String>,
    logo_version: Option<String>,
    logo_file: Option<String>,
}

fn stored(c: &Connection) -> rusqlite::Result<Stored> {
    Ok(Stored {
        brand_name: settings_kv::get(c, "brand_name")?,
        primary_color: settings_kv::get(c, "primary_color")?,
        secondary_color: settings_kv::get(c, "secondary_color")?,
        logo_version: settings_kv::get(c, "logo_version")?,
        logo_file: settings_kv::get(c, "logo_file")?,
    })
}

/// The uploaded logo (the file the database names: each upload is a new file, so a failed
/// upload never touches the current one), else the configured `logo_file`.
fn logo_source(settings: &Settings, logo_file: Option<&str>) -> Option<PathBuf> {
    let name = logo_file
        .filter(|n| Path::new(n).file_name().is_some_and(|f| f == *n))
        .unwrap_or(LEGACY_LOGO_FILE);
    let uploaded = settings.uploads_dir().join(name);
    if uploaded.is_file() {
        return Some(uploaded);
    }
    settings
        .logo_file
        .as_deref()
        .map(|p| settings.resolve(p))
        .filter(|p| p.is_file())
}

fn branding_of(settings: &Settings, s: Stored) -> Branding {
    let logo_url = logo_source(settings, s.logo_file.as_deref()).map(|_| {
        format!(
            "/api/branding/logo?v={}",
            s.logo_version.unwrap_or_else(|| "0".into())
        )
    });
    Branding {
        brand_name: s.brand_name.unwrap_or_else(|| settings.brand_name.clone()),
        primary_color: s
            .primary_color
            .unwrap_or_else(|| settings.primary_color.clone()),
        secondary_color: s
            .secondary_color
            .unwrap_or_else(|| settings.secondary_color.clone()),
        logo_url,
    }
}

/// The branding as stored in `c` (inside a write: the state this transaction sees).
fn branding_in(c: &Connection, settings: &Settings) -> ApiResult<Branding> {
    Ok(branding_of(settings, stored(c)?))
}

pub async fn current(state: &AppState) -> ApiResult<Branding> {
    let settings = state.settings.clone();
    state.db.read(move |c| branding_in(c, &settings)).await
}

#[OpenApi(prefix_path = "/api/branding", tag = "ApiTags::Branding")]
impl BrandingApi {
    /// Brand name, colours and logo (public: the login page needs them)
    #[oai(path = "/", method = "get", operation_id = "getBranding")]
    async fn get(&self, state: Data<&AppState>) -> ApiResult<Json<Branding>> {
        Ok(Json(current(&state).await?))
    }

    /// Change brand name and colours (admin)
    #[oai(path = "/", method = "put", operation_id = "updateBranding")]
    async fn update(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        body: Json<BrandingUpdate>,
    ) -> ApiResult<Json<Branding>> {
        let admin = auth.admin()?;
        let BrandingUpdate {
            brand_name,
            primary_color,
            secondary_color,
        } = body.0;
        let brand_name = brand_name.map(|n| n.trim().to_string());
        if brand_name.as_deref().is_some_and(str::is_empty) {
            return Err(ApiError::validation("brand_name", "品牌名称不能为空"));
        }
        for (field, value) in [
            ("primary_color", &primary_color),
            ("secondary_color", &secondary_color),
        ] {
            if value.as_deref().is_some_and(|v| !is_hex_color(v)) {
                return Err(ApiError::validation(
                    field,
                    "颜色须为 #RRGGBB 格式，例如 #1677ff",
                ));
            }
        }
        let who = actor(&state, req, Some(admin));
        let settings = state.settings.clone();
        let after = state
            .db
            .write(move |tx| {
                let before = branding_in(tx, &settings)?;
                for (key, value) in [
                    ("brand_name", brand_name),
                    ("primary_color", primary_color),
                    ("secondary_color", secondary_color),
                ] {
                    if let Some(v) = value {
                        settings_kv::set(tx, key, &v)?;
                    }
                }
                let after = branding_in(tx, &settings)?;
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "branding.update",
                        resource_type: "branding",
                        resource_id: None,
                        before: to_json(&before),
                        after: to_json(&after),
                    },
                )?;
                Ok(after)
            })
            .await?;
        Ok(Json(after))
    }

    /// Upload a logo (admin; PNG, JPEG or WebP, checked by content)
    #[oai(path = "/logo", method = "post", operation_id = "uploadLogo")]
    async fn upload_logo(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        upload: LogoUpload,
    ) -> ApiResult<Json<Branding>> {
        let admin = auth.admin()?;
        let limit = state.settings.max_logo_bytes;
        if upload.file.size() as u64 > limit {
            return Err(ApiError::too_large(format!(
                "Logo 不能超过 {} KB",
                limit / 1024
            )));
        }
        let bytes = upload
            .file
            .into_vec()
            .await
            .map_err(|_| ApiError::validation("file", "读取上传文件失败"))?;
        let mime = sniff_image(&bytes)
            .ok_or_else(|| ApiError::validation("file", "Logo 须为 PNG、JPEG 或 WebP 图片"))?;
        let size = imagesize::blob_size(&bytes)
            .map_err(|_| ApiError::validation("file", "无法识别图片尺寸，文件可能已损坏"))?;
        if size.width == 0
            || size.height == 0
            || (size.width as u64) * (size.height as u64) > MAX_LOGO_PIXELS
        {
            return Err(ApiError::validation(
                "file",
                "图片尺寸无效或过大（最大 4096×4096）",
            ));
        }
        let version = chrono::Utc::now().timestamp_millis().to_string();
        let name = format!("logo-{version}");
        let path = state.settings.uploads_dir().join(&name);
        let (written, size_bytes, current_name) = (path.clone(), bytes.len(), name.clone());
        tokio::task::spawn_blocking(move || files::write_private_atomically(&written, &bytes))
            .await
            .map_err(ApiError::internal)??;
        let who = actor(&state, req, Some(admin));
        let after = serde_json::json!({ "content_type": mime, "bytes": size_bytes, "width": size.width, "height": size.height });
        let settings = state.settings.clone();
        let saved = state
            .db
            .write(move |tx| {
                let previous = settings_kv::get(tx, "logo_file")?;
                settings_kv::set(tx, "logo_version", &version)?;
                settings_kv::set(tx, "logo_content_type", mime)?;
                settings_kv::set(tx, "logo_file", &name)?;
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "branding.logo",
                        resource_type: "branding",
                        resource_id: None,
                        before: None,
                        after: Some(after),
                    },
                )?;
                Ok((previous, branding_in(tx, &settings)?))
            })
            .await;
        let (previous, branding) = match saved {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                return Err(e);
            }
        };
        let old = previous.unwrap_or_else(|| LEGACY_LOGO_FILE.into());
        if old != current_name
            && Path::new(&old)
                .file_name()
                .is_some_and(|f| f == old.as_str())
        {
            let _ = tokio::fs::remove_file(state.settings.uploads_dir().join(old)).await;
        }
        Ok(Json(branding))
    }

    /// The logo image (public)
    #[oai(path = "/logo", method = "get", operation_id = "getLogo")]
    async fn logo(&self, state: Data<&AppState>) -> ApiResult<LogoResponse> {
        let logo_file = state
            .db
            .read(|c| Ok(settings_kv::get(c, "logo_file")?))
            .await?;
        let Some(path) = logo_source(&state.settings, logo_file.as_deref()) else {
            return Err(ApiError::not_found("未设置 Logo"));
        };
        let bytes = tokio::fs::read(&path).await?;
        let Some(mime) = sniff_image(&bytes) else {
            tracing::warn!(path = %path.display(), "the logo file is not a PNG, JPEG or WebP image");
            return Err(ApiError::not_found("Logo 文件无效"));
        };
        Ok(LogoResponse::Ok(
            LogoImage::new(bytes, mime),
            "public, max-age=300".into(),
        ))
    }
}
