//! What a use-case can fail with, in the domain's words. `error.rs` maps each kind to an HTTP
//! status and the JSON error body, in one place; the CLI prints the message.

use crate::db::{Fault, StoreError, StoreFailure};
use crate::domain::customer::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the caller sent is not acceptable; `field` names it.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The request is well-formed but cannot apply in the record's present state (e.g. a
    /// customer in the recycle bin); `code` says which state.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    /// Would duplicate existing data; `field` names the value that clashes.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// Something the law or the product requires first is missing (e.g. the customer's
    /// consent, `consent_required`); `code` says what. HTTP 409.
    #[error("{message}")]
    Required { code: &'static str, message: String },
    /// Storage set aside for a kind of data is used up (the documents quota); `field` names the
    /// upload that does not fit.
    #[error("{field}: {message}")]
    QuotaExceeded { field: String, message: String },
    /// Signed in but not allowed; `code` says why (`admin_required`, `password_change_required`).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Not signed in, or the sign-in was refused.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many attempts from this client.
    #[error("{0}")]
    TooMany(String),
    /// An upload or body larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// The service cannot do it now; the operator can fix it (`disk_full`,
    /// `database_unavailable`) or it passes by itself (`busy`).
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// A fault of ours; the text is for the log, never for the client.
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn required(code: &'static str, message: impl Into<String>) -> Self {
        Self::Required {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(message.into())
    }

    pub fn too_many(message: impl Into<String>) -> Self {
        Self::TooMany(message.into())
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::TooLarge(message.into())
    }

    pub fn busy() -> Self {
        Self::Unavailable {
            code: "busy",
            message: "登录请求过多，请稍后重试".into(),
        }
    }

    pub fn disk_full() -> Self {
        Self::Unavailable {
            code: "disk_full",
            message: "磁盘空间不足，数据未保存，请联系管理员清理磁盘".into(),
        }
    }

    pub fn database_unavailable() -> Self {
        Self::Unavailable {
            code: "database_unavailable",
            message: "数据库暂时不可用（文件损坏或读写失败），请联系管理员".into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::DiskFull => {
                tracing::error!("disk full: a write failed for lack of space");
                Self::disk_full()
            }
            StoreError::Unusable(cause) => {
                tracing::error!(error = %cause, "database unusable");
                Self::database_unavailable()
            }
            StoreError::Other(cause) => Self::Internal(cause),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Self::Validation {
            field: e.field,
            message: e.message,
        }
    }
}

impl StoreFailure for Error {
    fn fault(&self) -> Option<Fault> {
        match self {
            Self::Unavailable {
                code: "disk_full", ..
            } => Some(Fault::DiskFull),
            Self::Unavailable {
                code: "database_unavailable",
                ..
            } => Some(Fault::Unusable),
            _ => None,
        }
    }
}
