//! One error shape for every failure: `{"code", "message" (Chinese), "field"?}`.
//! Use-cases fail with [`app::Error`]; this file alone turns one into a status and a body
//! ([`describe`]), and [`Fails`] declares per operation which statuses it can answer. Framework
//! errors (bad JSON, wrong types, unknown routes, auth) are rewritten into the same shape by
//! [`JsonErrors`]. Internals are logged, never sent to the client.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

use crate::app;
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

fn body(code: &str, message: impl Into<String>, field: Option<&str>) -> ErrorBody {
    ErrorBody {
        code: code.into(),
        message: message.into(),
        field: field.map(str::to_string),
    }
}

/// The status and body of a domain error. Internal causes are logged here and replaced by a
/// generic message.
pub fn describe(e: &app::Error) -> (StatusCode, ErrorBody) {
    use app::Error as E;
    match e {
        E::Validation { field, message } => (
            StatusCode::BAD_REQUEST,
            body("validation", message, Some(field)),
        ),
        E::Refused { code, message } => (StatusCode::BAD_REQUEST, body(code, message, None)),
        E::NotFound(message) => (StatusCode::NOT_FOUND, body("not_found", message, None)),
        E::Conflict { field, message } => (
            StatusCode::CONFLICT,
            body("duplicate", message, Some(field)),
        ),
        E::Required { code, message } => (StatusCode::CONFLICT, body(code, message, None)),
        E::QuotaExceeded { field, message } => (
            StatusCode::CONFLICT,
            body("quota_exceeded", message, Some(field)),
        ),
        E::Forbidden { code, message } => (StatusCode::FORBIDDEN, body(code, message, None)),
        E::Unauthorized(message) => (
            StatusCode::UNAUTHORIZED,
            body("unauthorized", message, None),
        ),
        E::TooMany(message) => (StatusCode::TOO_MANY_REQUESTS, body("locked", message, None)),
        E::TooLarge(message) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            body("too_large", message, None),
        ),
        E::Unavailable { code, message } => {
            (StatusCode::SERVICE_UNAVAILABLE, body(code, message, None))
        }
        E::Internal(cause) => {
            // Database errors quote the statement; one with thousands of parameters is noise.
            let shown: String = cause.chars().take(2000).collect();
            tracing::error!(error = %shown, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, internal_body())
        }
    }
}

fn internal_body() -> ErrorBody {
    body("internal", "服务器内部错误，请稍后重试或联系管理员", None)
}

fn error_json(status: StatusCode, b: &ErrorBody) -> Response {
    let mut resp = Json(b.clone()).into_response();
    resp.set_status(status);
    resp
}

impl From<app::Error> for poem::Error {
    fn from(e: app::Error) -> Self {
        let (status, b) = describe(&e);
        poem::Error::from_response(error_json(status, &b))
    }
}

/// The error statuses an operation declares, as bits of the `M` in [`Fails<M>`].
pub mod status {
    pub const BAD_REQUEST: u32 = 1 << 0;
    pub const UNAUTHORIZED: u32 = 1 << 1;
    pub const FORBIDDEN: u32 = 1 << 2;
    pub const NOT_FOUND: u32 = 1 << 3;
    pub const CONFLICT: u32 = 1 << 4;
    pub const TOO_LARGE: u32 = 1 << 5;
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 1 << 6;
    pub const TOO_MANY_REQUESTS: u32 = 1 << 7;
    pub const INTERNAL: u32 = 1 << 8;
    pub const UNAVAILABLE: u32 = 1 << 9;

    /// Anything can fail on our side.
    pub const ANY: u32 = INTERNAL;
    /// Reads or writes the database: it may be full, damaged or unreachable.
    pub const DB: u32 = INTERNAL | UNAVAILABLE;
    /// Query or path parameters that may not parse.
    pub const PARAMS: u32 = BAD_REQUEST;
    /// A request body: malformed, too large, or of the wrong media type.
    pub const BODY: u32 = BAD_REQUEST | TOO_LARGE | UNSUPPORTED_MEDIA_TYPE;
    /// Any signed-in account (the token check reads the account).
    pub const SIGNED_IN: u32 = UNAUTHORIZED | DB;
    /// [`crate::auth::StaffAuth`] / [`crate::auth::AdminAuth`]: a role or a password change
    /// may be missing.
    pub const GUARDED: u32 = SIGNED_IN | FORBIDDEN;
}

/// (bit, status, what it means) for the spec.
const STATUSES: [(u32, u16, &str); 10] = [
    (
        status::BAD_REQUEST,
        400,
        "The request is malformed or a value is invalid.",
    ),
    (
        status::UNAUTHORIZED,
        401,
        "Missing, invalid, expired or revoked token; or wrong credentials.",
    ),
    (
        status::FORBIDDEN,
        403,
        "Authenticated but not allowed (role, or the password must be changed first).",
    ),
    (status::NOT_FOUND, 404, "No such resource."),
    (
        status::CONFLICT,
        409,
        "Conflicts with existing data (e.g. a duplicate 统一社会信用代码).",
    ),
    (
        status::TOO_LARGE,
        413,
        "The body or upload is larger than allowed.",
    ),
    (
        status::UNSUPPORTED_MEDIA_TYPE,
        415,
        "The request body's Content-Type is not one the operation accepts.",
    ),
    (
        status::TOO_MANY_REQUESTS,
        429,
        "Too many attempts; try later.",
    ),
    (
        status::INTERNAL,
        500,
        "An unexpected server fault (details are in the server log).",
    ),
    (
        status::UNAVAILABLE,
        503,
        "The service cannot answer now: disk full, database damaged or unreachable, or overloaded.",
    ),
];

fn bit_of(status: StatusCode) -> Option<u32> {
    STATUSES
        .iter()
        .find(|(_, code, _)| *code == status.as_u16())
        .map(|(bit, _, _)| *bit)
}

/// The error half of an operation's result: the statuses in `M` (bits of [`status`]) are the
/// only ones it declares in the spec. An error whose status is not declared is logged; in debug
/// builds (tests, the fuzzer) it becomes a 500, so an undeclared status cannot go unnoticed.
#[derive(Debug)]
pub struct Fails<const M: u32> {
    status: StatusCode,
    body: ErrorBody,
}

impl<const M: u32> Fails<M> {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn body(&self) -> &ErrorBody {
        &self.body
    }
}

impl<const M: u32> From<app::Error> for Fails<M> {
    fn from(e: app::Error) -> Self {
        let (status, body) = describe(&e);
        if bit_of(status).is_none_or(|bit| M & bit == 0) {
            tracing::error!(%status, code = %body.code, "an operation answered a status it does not declare");
            if cfg!(debug_assertions) {
                return Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: internal_body(),
                };
            }
        }
        Self { status, body }
    }
}

impl<const M: u32> IntoResponse for Fails<M> {
    fn into_response(self) -> Response {
        error_json(self.status, &self.body)
    }
}

impl<const M: u32> From<Fails<M>> for poem::Error {
    fn from(f: Fails<M>) -> Self {
        poem::Error::from_response(f.into_response())
    }
}

impl<const M: u32> ApiResponse for Fails<M> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: STATUSES
                .iter()
                .filter(|(bit, _, _)| M & bit != 0)
                .map(|(_, code, description)| MetaResponse {
                    description,
                    status: Some(*code),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: <Json<ErrorBody> as Payload>::CONTENT_TYPE,
                        schema: <Json<ErrorBody> as Payload>::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        <ErrorBody as poem_openapi::types::Type>::register(registry);
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

#[cfg(test)]
mod fails_tests {
    use super::*;

    #[test]
    fn an_operation_declares_exactly_the_statuses_of_its_mask() {
        type F = Fails<{ status::NOT_FOUND | status::DB }>;
        let declared: Vec<u16> = F::meta()
            .responses
            .iter()
            .filter_map(|r| r.status)
            .collect();
        assert_eq!(declared, [404, 500, 503]);
        let found = F::from(app::Error::not_found("客户 #1 不存在"));
        assert_eq!(found.status(), StatusCode::NOT_FOUND);
        let undeclared = F::from(app::Error::conflict("uscc", "重复"));
        assert_eq!(
            undeclared.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "debug builds turn undeclared statuses into 500"
        );
        assert_eq!(undeclared.body().code, "internal");
    }
}
