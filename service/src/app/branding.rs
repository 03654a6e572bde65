//! White-label branding: name, colours and logo. Initial values come from the instance config;
//! an admin's changes are stored in the database and win over the config.

use std::path::{Path, PathBuf};

use poem_openapi::Object;
use rusqlite::Connection;

use super::{Error, Result};
use crate::config::{Settings, is_hex_color};
use crate::db::audit::{Actor, Change, Resource};
use crate::db::{Db, UnitOfWork, files, settings_kv};
use crate::domain::vocab::AuditAction;

#[derive(Object, serde::Serialize, Clone)]
pub struct Branding {
    pub brand_name: String,
    pub primary_color: String,
    pub secondary_color: String,
    /// Where the logo is served, or null when there is none.
    #[oai(nullable)]
    pub logo_url: Option<String>,
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

/// The branding as stored in `c` (inside a change: the state this transaction sees).
fn branding_in(c: &Connection, settings: &Settings) -> Result<Branding> {
    Ok(branding_of(settings, stored(c)?))
}

pub async fn current(db: &Db, settings: &std::sync::Arc<Settings>) -> Result<Branding> {
    let settings = settings.clone();
    db.read(move |c| branding_in(c, &settings)).await
}

pub struct BrandingChange {
    pub brand_name: Option<String>,
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
}

pub async fn update(
    db: &Db,
    settings: &std::sync::Arc<Settings>,
    actor: Actor,
    change: BrandingChange,
) -> Result<Branding> {
    let BrandingChange {
        brand_name,
        primary_color,
        secondary_color,
    } = change;
    let brand_name = brand_name.map(|n| n.trim().to_string());
    if brand_name.as_deref().is_some_and(str::is_empty) {
        return Err(Error::validation("brand_name", "品牌名称不能为空"));
    }
    for (field, value) in [
        ("primary_color", &primary_color),
        ("secondary_color", &secondary_color),
    ] {
        if value.as_deref().is_some_and(|v| !is_hex_color(v)) {
            return Err(Error::validation(
                field,
                "颜色须为 #RRGGBB 格式，例如 #1677ff",
            ));
        }
    }
    let settings = settings.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = branding_in(&uow, &settings)?;
        for (key, value) in [
            ("brand_name", brand_name),
            ("primary_color", primary_color),
            ("secondary_color", secondary_color),
        ] {
            if let Some(v) = value {
                settings_kv::set(&uow, key, &v)?;
            }
        }
        let after = branding_in(&uow, &settings)?;
        let change = Change::on(Resource::Branding).before(&before).after(&after);
        Ok(uow.commit(AuditAction::BrandingUpdate, change, after)?)
    })
    .await
}

/// Checks and stores a new logo (PNG, JPEG or WebP, recognised by content). The file is written
/// first under a new name, then the database points at it; the old file goes last.
pub async fn upload_logo(
    db: &Db,
    settings: &std::sync::Arc<Settings>,
    actor: Actor,
    bytes: Vec<u8>,
) -> Result<Branding> {
    let mime = sniff_image(&bytes)
        .ok_or_else(|| Error::validation("file", "Logo 须为 PNG、JPEG 或 WebP 图片"))?;
    let size = imagesize::blob_size(&bytes)
        .map_err(|_| Error::validation("file", "无法识别图片尺寸，文件可能已损坏"))?;
    if size.width == 0
        || size.height == 0
        || (size.width as u64) * (size.height as u64) > MAX_LOGO_PIXELS
    {
        return Err(Error::validation(
            "file",
            "图片尺寸无效或过大（最大 4096×4096）",
        ));
    }
    let version = chrono::Utc::now().timestamp_millis().to_string();
    let name = format!("logo-{version}");
    let path = settings.uploads_dir().join(&name);
    let (written, size_bytes, current_name) = (path.clone(), bytes.len(), name.clone());
    tokio::task::spawn_blocking(move || files::write_private_atomically(&written, &bytes))
        .await
        .map_err(Error::internal)??;
    let after = serde_json::json!({ "content_type": mime, "bytes": size_bytes, "width": size.width, "height": size.height });
    let shared = settings.clone();
    let saved = db
        .change(actor, move |uow: UnitOfWork<'_>| {
            let previous = settings_kv::get(&uow, "logo_file")?;
            settings_kv::set(&uow, "logo_version", &version)?;
            settings_kv::set(&uow, "logo_content_type", mime)?;
            settings_kv::set(&uow, "logo_file", &name)?;
            let branding = branding_in(&uow, &shared)?;
            let change = Change {
                resource: Resource::Branding,
                before: None,
                after: Some(after),
            };
            Ok(uow.commit(AuditAction::BrandingLogo, change, (previous, branding))?)
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
        let _ = tokio::fs::remove_file(settings.uploads_dir().join(old)).await;
    }
    Ok(branding)
}

/// The logo's bytes and image type, or not found.
pub async fn logo(db: &Db, settings: &Settings) -> Result<(Vec<u8>, &'static str)> {
    let logo_file = db
        .read(|c| Ok::<_, Error>(settings_kv::get(c, "logo_file")?))
        .await?;
    let Some(path) = logo_source(settings, logo_file.as_deref()) else {
        return Err(Error::not_found("未设置 Logo"));
    };
    let bytes = tokio::fs::read(&path).await?;
    let Some(mime) = sniff_image(&bytes) else {
        tracing::warn!(path = %path.display(), "the logo file is not a PNG, JPEG or WebP image");
        return Err(Error::not_found("Logo 文件无效"));
    };
    Ok((bytes, mime))
}
