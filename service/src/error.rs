//! One error shape for every failure: `{"code", "message" (Chinese), "field"?}`.
//! Use-cases fail with [`app::Error`]; this file alone turns one into a status and a body
//! ([`describe`]), and [`Fails`] declares per operation which statuses it can answer. Framework
//! errors (bad JSON, wrong types, unknown routes, auth) are rewritten into the same shape by
//! [`JsonErrors`]. Internals are logged, never sent to the client.

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

use crate::app;

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
