//! One error shape for every failure: `{"code", "message" (Chinese), "field"?}`.
//! Handlers return `ApiError`; framework errors (bad JSON, wrong types, unknown routes, auth) are
//! rewritten into the same shape by [`JsonErrors`]. Internals are logged, never sent to the client.

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

#[derive(Object, Debug, Clone, Serialize, PartialEq)]
pub struct ErrorBody {
    /// Machine-readable error code, e.g. `validation`, `not_found`, `duplicate`.
    pub code: String,
    /// Human-readable explanation in Chinese.
    pub message: String,
    /// The offending field, when one is to blame.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// The request is malformed or a value is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing, invalid, expired or revoked token; or wrong credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated but not allowed (role, or the password must be changed first).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Conflicts with existing data (e.g. a duplicate 统一社会信用代码).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body or upload is larger than allowed.
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
    /// The request body's Content-Type is not one the operation accepts (sent by [`JsonErrors`]).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Too many attempts; try later.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
    /// An unexpected server fault (details are in the server log).
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The service cannot answer now: disk full, database damaged or unreachable, or overloaded.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

pub type ApiResult<T> = Result<T, ApiError>;

fn body(code: &str, message: impl Into<String>, field: Option<&str>) -> Json<ErrorBody> {
    Json(ErrorBody {
        code: code.into(),
        message: message.into(),
        field: field.map(str::to_string),
    })
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::BadRequest(body("validation", message, Some(field)))
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::BadRequest(body(code, message, None))
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(body("unauthorized", message, None))
    }
    pub fn forbidden(code: &str, message: impl Into<String>) -> Self {
        Self::Forbidden(body(code, message, None))
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(body("not_found", message, None))
    }
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict(body("duplicate", message, Some(field)))
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::TooLarge(body("too_large", message, None))
    }
    pub fn too_many(message: impl Into<String>) -> Self {
        Self::TooManyRequests(body("locked", message, None))
    }
    /// Logs the cause and answers with a generic message.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        // Database errors quote the statement; a statement with thousands of parameters is noise.
        let text = err.to_string();
        let shown: String = text.chars().take(2000).collect();
        tracing::error!(error = %shown, "internal error");
        Self::Internal(body(
            "internal",
            "服务器内部错误，请稍后重试或联系管理员",
            None,
        ))
    }

    /// A fault the client cannot fix but the operator can (disk, database, load): 503 with a reason.
    pub fn unavailable(code: &str, message: impl Into<String>) -> Self {
        Self::Unavailable(body(code, message, None))
    }
    pub fn disk_full() -> Self {
        tracing::error!("disk full: a write failed for lack of space");
        Self::unavailable(
            "disk_full",
            "磁盘空间不足，数据未保存，请联系管理员清理磁盘",
        )
    }

    pub fn body(&self) -> &ErrorBody {
        match self {
            Self::BadRequest(b)
            | Self::Unauthorized(b)
            | Self::Forbidden(b)
            | Self::NotFound(b)
            | Self::Conflict(b)
            | Self::TooLarge(b)
            | Self::UnsupportedMediaType(b)
            | Self::TooManyRequests(b)
            | Self::Internal(b)
            | Self::Unavailable(b) => &b.0,
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::disk_full(),
            Some(
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::SystemIoFailure,
            ) => {
                tracing::error!(error = %e, "database unusable");
                Self::unavailable(
                    "database_unavailable",
                    "数据库暂时不可用（文件损坏或读写失败），请联系管理员",
                )
            }
            _ => Self::internal(format!("database: {e}")),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        Self::internal(format!("database pool: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal(format!("json: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            return Self::disk_full();
        }
        Self::internal(format!("io: {e}"))
    }
}

/// Rewrites every non-JSON error the framework produces into [`ErrorBody`].
pub struct JsonErrors;

impl<E: Endpoint> Middleware<E> for JsonErrors {
    type Output = JsonErrorsEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        JsonErrorsEndpoint(ep)
    }
}

pub struct JsonErrorsEndpoint<E>(E);

impl<E: Endpoint> Endpoint for JsonErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // Keep a copy of JSON bodies: poem-openapi's type errors name the bad value, not the field,
        // and the copy lets us find the field that holds it.
        let is_json = req
            .content_type()
            .is_some_and(|t| t.starts_with("application/json"));
        let body = if is_json {
            let bytes = req.take_body().into_bytes().await.unwrap_or_default();
            req.set_body(bytes.clone());
            Some(bytes)
        } else {
            None
        };
        match self.0.call(req).await {
            Ok(resp) => Ok(resp.into_response()),
            Err(err) => {
                // The matched route template, for the metrics labels.
                let pattern = err.data::<poem::PathPattern>().cloned();
                let mut resp = error_response(err, body.as_deref());
                if let Some(p) = pattern {
                    resp.set_data(p);
                }
                Ok(resp)
            }
        }
    }
}

fn error_response(err: poem::Error, body: Option<&[u8]>) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    let status = err.status();
    let described: Option<(&str, String, Option<String>)> =
        if let Some(e) = err.downcast_ref::<ParseParamError>() {
            Some((
                "invalid_parameter",
                format!("参数 {} 无效：{}", e.name, e.reason),
                Some(e.name.to_string()),
            ))
        } else if let Some(e) = err.downcast_ref::<ParsePathError>() {
            Some((
                "invalid_parameter",
                format!("路径参数 {} 无效：{}", e.name, e.reason),
                Some(e.name.to_string()),
            ))
        } else if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
            let field = payload_field(&e.reason)
                .or_else(|| body.and_then(|b| field_holding_bad_value(b, &e.reason)))
                .or_else(|| {
                    body.filter(|_| e.reason.contains("naive-date"))
                        .and_then(field_with_bad_date)
                })
                .or_else(|| {
                    body.filter(|_| e.reason.contains("invalid integer"))
                        .and_then(field_with_bad_integer)
                });
            // The reason quotes the offending value; the client sent it and the field names it, and
            // it may be a password: it stays out of the answer.
            let reason = without_value(&e.reason);
            let message = match &field {
                Some(f) => format!("字段 {f} 的值类型或格式不正确：{reason}"),
                None => format!("请求内容格式错误：{reason}"),
            };
            Some(("invalid_body", message, field))
        } else if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
            Some((
                "invalid_upload",
                format!("上传内容格式错误：{}", e.reason),
                payload_field(&e.reason),
            ))
        } else if err.is::<ContentTypeError>() {
            Some((
                "unsupported_media_type",
                "不支持的 Content-Type".to_string(),
                None,
            ))
        } else if err.is::<AuthorizationError>() {
            Some((
                "unauthorized",
                "未登录或登录已失效，请重新登录".to_string(),
                None,
            ))
        } else {
            None
        };
    if let Some((code, message, field)) = described {
        return json_response(status, code, message, field);
    }
    let resp = err.into_response();
    let is_json = resp
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let status = resp.status();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "请求的地址不存在"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "不支持该请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "请求内容过大"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "未登录或登录已失效，请重新登录"),
        s if s.is_client_error() => ("bad_request", "请求无效"),
        _ => ("internal", "服务器内部错误，请稍后重试或联系管理员"),
    };
    if status.is_server_error() {
        tracing::error!(%status, "framework error");
    }
    json_response(status, code, message.to_string(), None)
}

/// poem-openapi names the field in messages like "failed to parse \"X\": field `name` ...".
fn payload_field(reason: &str) -> Option<String> {
    let start = reason.find('`')? + 1;
    let len = reason[start..].find('`')?;
    Some(reason[start..start + len].to_string())
}

/// poem-openapi's reason without the value it quotes ("…, found \"x\". (occurred …)").
fn without_value(reason: &str) -> String {
    match reason.split_once(", found ") {
        Some((head, rest)) => match rest.split_once(". (occurred") {
            Some((_, tail)) => format!("{head} (occurred{tail}"),
            None => head.to_string(),
        },
        None => reason.to_string(),
    }
}

/// A value as poem-openapi prints it in messages (JSON text).
fn rendered(v: &serde_json::Value) -> String {
    v.to_string()
}

/// Finds the JSON path of the value poem-openapi complained about ("…, found \"abc\". …").
fn field_holding_bad_value(body: &[u8], reason: &str) -> Option<String> {
    let found = reason.split(", found ").nth(1)?;
    let found = found.split(". (occurred").next()?.trim_end_matches('.');
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    fn walk(v: &serde_json::Value, path: String, found: &str) -> Option<String> {
        match v {
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if rendered(v) == found {
                    Some(p)
                } else {
                    walk(v, p, found)
                }
            }),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
                let p = format!("{path}[{i}]");
                if rendered(v) == found {
                    Some(p)
                } else {
                    walk(v, p, found)
                }
            }),
            _ => None,
        }
    }
    walk(&value, String::new(), found)
}

/// poem-openapi's date errors carry no value; the field is the one whose date does not parse.
fn field_with_bad_date(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let bad = |v: &serde_json::Value| {
        v.as_str()
            .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err())
    };
    let obj = value.as_object()?;
    obj.iter().find_map(|(k, v)| {
        if bad(v) && (k.ends_with("_on") || k.ends_with("_since") || k.ends_with("_date")) {
            return Some(k.clone());
        }
        v.as_array()?.iter().enumerate().find_map(|(i, item)| {
            item.as_object()?
                .iter()
                .find(|(k2, v2)| bad(v2) && k2.ends_with("_since"))
                .map(|(k2, _)| format!("{k}[{i}].{k2}"))
        })
    })
}

/// poem-openapi's "invalid integer" names neither field nor value: the field is the one holding a
/// number that is no integer or out of range (`_wan` and `_pct` fields are decimals by convention).
fn field_with_bad_integer(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    fn walk(v: &serde_json::Value, path: String) -> Option<String> {
        match v {
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let decimal = k.ends_with("_wan") || k.ends_with("_pct");
                if v.is_number() && !decimal && v.as_i64().is_none() && v.as_u64().is_none() {
                    Some(p)
                } else {
                    walk(v, p)
                }
            }),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, format!("{path}[{i}]"))),
            _ => None,
        }
    }
    walk(&value, String::new())
}

pub fn json_response(
    status: StatusCode,
    code: &str,
    message: String,
    field: Option<String>,
) -> Response {
    let body = ErrorBody {
        code: code.into(),
        message,
        field,
    };
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(serde_json::to_vec(&body).unwrap_or_default())
}
