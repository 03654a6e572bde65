//! One error shape for every failure: `{"code", "message" (Chinese), "field"?}`.
//! Handlers return `ApiError`; framework errors (bad JSON, wrong types, unknown routes, auth) are
//! rewritten into the same shape by [`JsonErrors`]. Internals are logged, never sent to the client.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

use crate::body_check;
use crate::metrics::RouteLabels;
use crate::spec::Contract;

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

/// Rewrites every non-JSON error the framework produces into [`ErrorBody`]. It knows the served
/// document ([`Contract`]) and the route templates ([`RouteLabels`]): a refused JSON body is
/// explained by the operation's request-body schema ([`body_check`]), and a 405 lists the
/// methods the path has in `Allow`.
pub struct JsonErrors {
    contract: Arc<Contract>,
    labels: Arc<RouteLabels>,
}

impl JsonErrors {
    pub fn new(contract: Arc<Contract>, labels: Arc<RouteLabels>) -> Self {
        Self { contract, labels }
    }
}

impl<E: Endpoint> Middleware<E> for JsonErrors {
    type Output = JsonErrorsEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        JsonErrorsEndpoint {
            inner: ep,
            contract: self.contract.clone(),
            labels: self.labels.clone(),
        }
    }
}

pub struct JsonErrorsEndpoint<E> {
    inner: E,
    contract: Arc<Contract>,
    labels: Arc<RouteLabels>,
}

/// Where a failed request was going: its method, the spec path its route matched, its JSON body.
struct Attempt<'r> {
    method: Method,
    template: Option<Arc<str>>,
    body: Option<&'r [u8]>,
}

impl<E: Endpoint> Endpoint for JsonErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // Keep a copy of JSON bodies: poem-openapi's type errors seldom name the field, and the
        // copy is checked against the operation's schema to find it.
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
        let method = req.method().clone();
        match self.inner.call(req).await {
            Ok(resp) => Ok(resp.into_response()),
            Err(err) => {
                // The matched route template, for the metrics labels and the spec lookups.
                let pattern = err.data::<poem::PathPattern>().cloned();
                let template = pattern
                    .as_ref()
                    .map(|p| self.labels.label(Some(&p.0)))
                    .filter(|t| self.contract.value()["paths"].get(&**t).is_some());
                let attempt = Attempt {
                    method,
                    template,
                    body: body.as_deref(),
                };
                let mut resp = error_response(err, &attempt, &self.contract);
                if let Some(p) = pattern {
                    resp.set_data(p);
                }
                Ok(resp)
            }
        }
    }
}

/// Every route outside the API (`/health`, `/metrics`, the spec, the web app's files) is
/// read-only; API paths list what the spec declares for them.
const READ_ONLY: [Method; 2] = [Method::GET, Method::HEAD];

fn allow_header(attempt: &Attempt<'_>, contract: &Contract) -> String {
    let methods = match &attempt.template {
        Some(t) => contract.methods(t),
        None => READ_ONLY.to_vec(),
    };
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What is wrong with a body poem-openapi refused; `reason` is poem's text, used only when the
/// schema finds nothing (and never shown: it can quote the value).
fn body_problem(attempt: &Attempt<'_>, contract: &Contract, reason: &str) -> body_check::Problem {
    let found = attempt.body.and_then(|body| {
        let template = attempt.template.as_deref()?;
        let schema = contract.json_body_schema(template, &attempt.method)?;
        body_check::explain(contract.value(), schema, body)
    });
    found.unwrap_or_else(|| {
        tracing::debug!(reason = %without_value(reason), "request body refused; the schema shows no problem");
        body_check::Problem {
            field: None,
            message: "请求内容不符合接口定义，请对照接口文档（/docs）检查字段与类型".to_string(),
        }
    })
}

fn error_response(err: poem::Error, attempt: &Attempt<'_>, contract: &Contract) -> Response {
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
            let problem = body_problem(attempt, contract, &e.reason);
            Some(("invalid_body", problem.message, problem.field))
        } else if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
            Some((
                "invalid_upload",
                format!("上传内容格式错误：{}", e.reason),
                multipart_field(&e.reason),
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
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "该地址不支持此请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "请求内容过大"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "未登录或登录已失效，请重新登录"),
        s if s.is_client_error() => ("bad_request", "请求无效"),
        _ => ("internal", "服务器内部错误，请稍后重试或联系管理员"),
    };
    if status.is_server_error() {
        tracing::error!(%status, "framework error");
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        // RFC 9110: a 405 lists the methods the resource has.
        let allow = allow_header(attempt, contract);
        let message = format!("该地址不支持此请求方法，可用方法：{allow}");
        let mut out = json_response(status, code, message, None);
        if let Ok(v) = HeaderValue::from_str(&allow) {
            out.headers_mut().insert(header::ALLOW, v);
        }
        return out;
    }
    json_response(status, code, message.to_string(), None)
}

/// poem-openapi names the multipart field in backticks ("field `file` is required").
fn multipart_field(reason: &str) -> Option<String> {
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
