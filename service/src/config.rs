//! One typed settings struct, layered: defaults → TOML file → `LOAN_BROKER__*` environment.
//! Secrets are never values in the config: only paths (or systemd credentials) that are read at start.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub const ENV_PREFIX: &str = "LOAN_BROKER__";
pub const DB_FILE: &str = "loan-broker.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub bind_address: IpAddr,
    pub port: u16,
    /// Database, uploads and generated secrets live here. Required, absolute.
    pub state_dir: Option<PathBuf>,
    /// The built frontend (`frontend/dist`). Optional: without it only the API and docs are served.
    pub static_dir: Option<PathBuf>,
    pub public_url: Option<String>,
    pub brand_name: String,
    pub primary_color: String,
    pub secondary_color: String,
    pub logo_file: Option<PathBuf>,
    pub jwt_secret_file: Option<PathBuf>,
    pub initial_admin_password_file: Option<PathBuf>,
    pub token_ttl_minutes: u32,
    pub max_body_bytes: u64,
    pub max_upload_bytes: u64,
    pub max_logo_bytes: u64,
    /// Largest customer document (客户资料) one upload may hold.
    pub max_document_bytes: u64,
    /// All customer documents of the instance together; an upload beyond it is refused.
    pub documents_quota_bytes: u64,
    pub import_max_rows: u32,
    pub log_format: LogFormat,
    pub log_level: String,
    /// Peers whose `X-Forwarded-For` header is believed (the local nginx).
    pub trusted_proxies: Vec<IpAddr>,
    /// Failed sign-ins per account from one client address before that pair is locked.
    pub login_max_failures: u32,
    /// Failed sign-ins per account over all clients before the account is locked for everyone
    /// (higher, so that one client cannot lock the legitimate user out).
    pub login_account_max_failures: u32,
    /// Sign-in attempts from one client address, over all usernames, before it is refused (429).
    pub login_client_max_failures: u32,
    /// How long the counting window and a lock last.
    pub lockout_minutes: u32,
    pub db_pool_size: u32,
    /// The bearer token Prometheus sends to `/metrics` (or the `metrics_token` credential).
    /// Unset: `/metrics` answers 404.
    pub metrics_token_file: Option<PathBuf>,
    /// Time a client has to send a request's headers (and the longest a kept-alive connection idles).
    pub header_read_timeout_secs: u32,
    /// Time a client has to send a request's whole body, counted from the end of its headers.
    pub body_read_timeout_secs: u32,
    /// Connections served at once; further ones wait in the listen queue. Below systemd's
    /// default limit of 1024 open files, which the database and uploads share.
    pub max_connections: u32,
    /// How often the daily follow-up digest checks whether a user's digest is due.
    pub follow_up_digest_check_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind_address: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            state_dir: None,
            static_dir: None,
            public_url: None,
            brand_name: "贷款助手".into(),
            primary_color: "#1677ff".into(),
            secondary_color: "#13c2c2".into(),
            logo_file: None,
            jwt_secret_file: None,
            initial_admin_password_file: None,
            token_ttl_minutes: 480,
            max_body_bytes: 2 * 1024 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            max_logo_bytes: 1024 * 1024,
            max_document_bytes: 20 * 1024 * 1024,
            documents_quota_bytes: 5 * 1024 * 1024 * 1024,
            import_max_rows: 50_000,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            trusted_proxies: vec![],
            login_max_failures: 5,
            login_account_max_failures: 50,
            login_client_max_failures: 30,
            lockout_minutes: 15,
            db_pool_size: 8,
            metrics_token_file: None,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            max_connections: 512,
            follow_up_digest_check_secs: 300,
        }
    }
}

impl Settings {
    /// Layers the sources and validates the result. `file` must exist when given.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(file, Env::prefixed(ENV_PREFIX))
    }

    pub fn load_from(file: Option<&Path>, env: Env) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                bail!("config file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let settings: Settings = figment
            .merge(env)
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        match &self.state_dir {
            None => {
                bail!("state_dir is not set (config key `state_dir` or LOAN_BROKER__STATE_DIR)")
            }
            Some(p) if !p.is_absolute() => {
                bail!("state_dir must be an absolute path, got {}", p.display())
            }
            _ => {}
        }
        for (key, value) in [
            ("primary_color", &self.primary_color),
            ("secondary_color", &self.secondary_color),
        ] {
            if !is_hex_color(value) {
                bail!("{key} must look like #1677ff, got {value:?}");
            }
        }
        if self.brand_name.trim().is_empty() || self.brand_name.chars().count() > 40 {
            bail!("brand_name must have 1 to 40 characters");
        }
        if !(5..=7 * 24 * 60).contains(&self.token_ttl_minutes) {
            bail!("token_ttl_minutes must be between 5 and 10080");
        }
        if self.max_body_bytes < 1024 || self.max_upload_bytes < 1024 || self.max_logo_bytes < 1024
        {
            bail!("max_body_bytes, max_upload_bytes and max_logo_bytes must be at least 1024");
        }
        if self.max_document_bytes < 1024 || self.documents_quota_bytes < self.max_document_bytes {
            bail!(
                "max_document_bytes must be at least 1024 and documents_quota_bytes at least max_document_bytes"
            );
        }
        if self.import_max_rows == 0 || self.db_pool_size == 0 || self.login_max_failures == 0 {
            bail!("import_max_rows, db_pool_size and login_max_failures must be positive");
        }
        if self.login_account_max_failures < self.login_max_failures
            || self.login_client_max_failures < self.login_max_failures
            || self.lockout_minutes == 0
        {
            bail!(
                "login_account_max_failures and login_client_max_failures must be at least \
                 login_max_failures, and lockout_minutes positive"
            );
        }
        if self.header_read_timeout_secs == 0
            || self.body_read_timeout_secs == 0
            || self.max_connections == 0
        {
            bail!(
                "header_read_timeout_secs, body_read_timeout_secs and max_connections must be positive"
            );
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!("public_url must start with http:// or https://");
        }
        Ok(())
    }

    pub fn state_dir(&self) -> &Path {
        self.state_dir.as_deref().expect("validated at load")
    }

    pub fn db_path(&self) -> PathBuf {
        self.state_dir().join(DB_FILE)
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.state_dir().join("uploads")
    }

    /// Customer documents, under the uploads the backup already covers.
    pub fn documents_dir(&self) -> PathBuf {
        self.uploads_dir().join("documents")
    }

    /// Paths in the config are absolute or relative to `state_dir`, never to the working directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.state_dir().join(path)
        }
    }

    pub fn static_dir(&self) -> Option<PathBuf> {
        self.static_dir.as_deref().map(|p| self.resolve(p))
    }
}

pub fn is_hex_color(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// A secret's source, in order: the configured `*_file` key, then the systemd credential of the
/// same name (`$CREDENTIALS_DIRECTORY/<name>`). `Ok(None)` when neither is configured.
pub fn read_secret(
    settings: &Settings,
    configured: Option<&Path>,
    credential: &str,
) -> anyhow::Result<Option<String>> {
    let path = match configured {
        Some(p) => Some(settings.resolve(p)),
        None => std::env::var_os("CREDENTIALS_DIRECTORY")
            .map(|dir| PathBuf::from(dir).join(credential))
            .filter(|p| p.is_file()),
    };
    let Some(path) = path else { return Ok(None) };
    check_secret_file_mode(&path)?;
    let value = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read secret file {}", path.display()))?;
    let value = value.trim().to_string();
    if value.is_empty() {
        bail!("secret file {} is empty", path.display());
    }
    Ok(Some(value))
}

/// A secret file others can read is refused; a group-readable one is accepted with a warning
/// (a group of the service's own, e.g. `root:loan-broker 0640` from a secrets manager, is common).
pub fn check_secret_file_mode(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("cannot read secret file {}", path.display()))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o007 != 0 {
        bail!(
            "secret file {} has mode {mode:04o}: every user of this machine can read it, so the \
             secret must be considered known. Run `chmod 600 {}` (or replace the secret), then start again",
            path.display(),
            path.display()
        );
    }
    if mode & 0o070 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:04o}"),
            "secret file is readable by its group: every member can read the secret; use mode 0600 unless the group holds only the service"
        );
    }
    Ok(())
}

/// Why a machine secret (JWT signing key, metrics token) is too guessable, if it is: few
/// distinct characters, a short string repeated, a run of consecutive characters, or too little
/// estimated entropy. Random secrets (`openssl rand -hex 32`) pass with a wide margin.
pub fn weak_secret_reason(secret: &str) -> Option<String> {
    let bytes = secret.as_bytes();
    let mut counts = [0usize; 256];
    for b in bytes {
        counts[*b as usize] += 1;
    }
    let distinct = counts.iter().filter(|c| **c > 0).count();
    if distinct < 8 {
        return Some(format!("it uses only {distinct} different characters"));
    }
    if let Some(period) =
        (1..=bytes.len() / 2).find(|p| bytes[*p..].iter().zip(bytes).all(|(a, b)| a == b))
    {
        return Some(format!("it repeats the same {period} characters"));
    }
    let steps = bytes
        .windows(2)
        .filter(|w| w[0].abs_diff(w[1]) <= 1)
        .count();
    if steps * 10 > (bytes.len() - 1) * 6 {
        return Some("it is mostly a run of repeated or consecutive characters".into());
    }
    let n = bytes.len() as f64;
    let bits: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2() * n
        })
        .sum();
    if bits < MIN_SECRET_BITS {
        return Some(format!(
            "its estimated entropy is {bits:.0} bits, below {MIN_SECRET_BITS:.0}"
        ));
    }
    None
}

const MIN_SECRET_BITS: f64 = 80.0;

#[cfg(test)]
mod secret_tests {
    use super::weak_secret_reason;

    #[test]
    fn guessable_secrets_are_named_and_random_ones_pass() {
        for weak in [
            "a".repeat(40),
            "ab".repeat(20),
            "changeme-".repeat(5),
            "abcdefghijklmnopqrstuvwxyz0123456789".into(),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefgh".into(),
        ] {
            assert!(
                weak_secret_reason(&weak).is_some(),
                "{weak} should be refused"
            );
        }
        for strong in [
            "jwt-secret-Zq7Rk2Lp9Xw4Vn8Tb3Hs6Md1",
            "a-very-long-jwt-secret-for-tests-0123456789",
            "3f9c1a7e5b2d8f4a6c0e9b1d7a3f5c2e",
        ] {
            assert_eq!(weak_secret_reason(strong), None, "{strong}");
        }
    }
}
