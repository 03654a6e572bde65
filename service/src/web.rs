//! HTTP plumbing around the API: the single-page app, security headers, body limits and read
//! deadlines, client IP.

use std::net::IpAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use poem::endpoint::StaticFilesEndpoint;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response, handler};

use tokio::io::{AsyncRead, ReadBuf};

use crate::error::json_response;

/// Serves the built frontend: client routes (`/customers/12`) get `index.html` (never cached, so a
/// new release is picked up at once); a missing file (`/assets/…` or any name with an extension) is
/// a 404, never `index.html` under an asset's name and cache lifetime.
pub fn spa(static_dir: Option<PathBuf>) -> poem::endpoint::BoxEndpoint<'static, Response> {
    match static_dir.filter(|d| d.join("index.html").is_file()) {
        Some(dir) => Spa {
            files: StaticFilesEndpoint::new(&dir)
                .index_file("index.html")
                .no_cache_index(),
            app: StaticFilesEndpoint::new(dir)
                .index_file("index.html")
                .fallback_to_index()
                .no_cache_index(),
        }
        .boxed(),
        None => {
            tracing::warn!(
                "static_dir is not set or holds no index.html: the web UI is not served (API and /docs are)"
            );
            frontend_missing.map_to_response().boxed()
        }
    }
}

/// A path that names a file rather than a client route.
pub fn names_a_file(path: &str) -> bool {
    path.starts_with("/assets/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

struct Spa {
    files: StaticFilesEndpoint,
    app: StaticFilesEndpoint,
}

impl Endpoint for Spa {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let mut resp = if names_a_file(req.uri().path()) {
            self.files.call(req).await?
        } else {
            self.app.call(req).await?
        };
        let is_html = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if is_html {
            // `/index.html` asked for by name too: it names the hashed assets of one release.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        Ok(resp)
    }
}

#[handler]
fn frontend_missing() -> Response {
    Response::builder().status(StatusCode::SERVICE_UNAVAILABLE).content_type("text/html; charset=utf-8").body(
        "<!doctype html><meta charset=utf-8><title>贷款助手</title>\
         <h1>前端尚未构建</h1><p>The web UI has not been built or <code>static_dir</code> is not set. \
         Run <code>make frontend</code> and set <code>static_dir</code>. The API is at <a href=/docs>/docs</a>.</p>",
    )
}

const CSP_APP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";
/// Swagger UI is one page with inline scripts.
const CSP_DOCS: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
script-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

pub struct SecurityHeaders;

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        SecurityHeadersEndpoint(ep)
    }
}

pub struct SecurityHeadersEndpoint<E>(E);

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let path = req.uri().path().to_string();
        let mut resp = self.0.call(req).await?.into_response();
        let found = resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED;
        let h = resp.headers_mut();
        let csp = if path.starts_with("/docs") {
            CSP_DOCS
        } else {
            CSP_APP
        };
        // A stored document sets its own, stricter policy (`default-src 'none'; sandbox`).
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(csp),
            );
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(
            "permissions-policy",
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        );
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
        if path.starts_with("/api/") && !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        } else if path.starts_with("/assets/") && found {
            // Vite puts a content hash in every asset name; a 404 must not be remembered.
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
        }
        h.remove(header::SERVER);
        Ok(resp)
    }
}

/// Refuses bodies over the limit with 413: customer documents get `document_limit`, other
/// uploads `upload_limit`, everything else `body_limit`.
/// Bodies without a Content-Length are read up to the limit before the handler sees them.
pub struct BodyLimit {
    pub body_limit: usize,
    pub upload_limit: usize,
    pub document_limit: usize,
}

/// Room for the multipart framing around a document (boundaries, the `kind` and `note` fields),
/// so that a file of exactly `max_document_bytes` passes the body check and meets the handler's
/// own, precise size check.
pub const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn is_upload_path(path: &str) -> bool {
    path.starts_with("/api/imports/") || path == "/api/branding/logo"
}

/// `POST /api/customers/{id}/documents`.
pub fn is_document_upload_path(path: &str) -> bool {
    path.strip_prefix("/api/customers/")
        .and_then(|rest| rest.strip_suffix("/documents"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            body_limit: self.body_limit,
            upload_limit: self.upload_limit,
            document_limit: self.document_limit,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    body_limit: usize,
    upload_limit: usize,
    document_limit: usize,
}

fn too_large(limit: usize) -> Response {
    let mib = limit as f64 / 1024.0 / 1024.0;
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("请求内容超过大小上限（{mib:.1} MB）"),
        None,
    )
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        let limit = if is_document_upload_path(path) {
            self.document_limit
        } else if is_upload_path(path) {
            self.upload_limit
        } else {
            self.body_limit
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(len) if len > limit as u64 => return Ok(too_large(limit)),
            Some(_) => {}
            None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
                match req.take_body().into_bytes_limit(limit).await {
                    Ok(bytes) => req.set_body(Body::from_bytes(bytes)),
                    Err(poem::error::ReadBodyError::PayloadTooLarge) => {
                        return Ok(too_large(limit));
                    }
                    Err(_) => {
                        return Ok(json_response(
                            StatusCode::BAD_REQUEST,
                            "invalid_body",
                            "请求内容读取失败".into(),
                            None,
                        ));
                    }
                }
            }
            None => {}
        }
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(req: &Request, trusted: &[IpAddr]) -> Option<String> {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
        .map(|ip| ip.to_string())
}

/// Gives a client `timeout` from the end of its headers to deliver the whole body; one that
/// trickles gets 408 and the connection is closed. Handlers, [`BodyLimit`] and the error rewriter
/// all read through the deadline.
pub struct BodyReadTimeout(pub Duration);

impl<E: Endpoint> Middleware<E> for BodyReadTimeout {
    type Output = BodyReadTimeoutEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        BodyReadTimeoutEndpoint {
            inner: ep,
            timeout: self.0,
        }
    }
}

pub struct BodyReadTimeoutEndpoint<E> {
    inner: E,
    timeout: Duration,
}

fn has_body(req: &Request) -> bool {
    req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

impl<E: Endpoint> Endpoint for BodyReadTimeoutEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        if !has_body(&req) {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let expired = Arc::new(AtomicBool::new(false));
        let body = DeadlineReader {
            inner: Box::pin(req.take_body().into_async_read()),
            deadline: Box::pin(tokio::time::sleep(self.timeout)),
            expired: expired.clone(),
        };
        req.set_body(Body::from_async_read(body));
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        if expired.load(Ordering::Acquire) {
            tracing::info!(
                timeout_secs = self.timeout.as_secs(),
                "request body not received in time"
            );
            let mut resp = json_response(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!(
                    "请求内容未在 {} 秒内传完，连接已关闭，请检查网络后重试",
                    self.timeout.as_secs()
                ),
                None,
            );
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Ok(resp);
        }
        result
    }
}

/// A body that fails with `TimedOut` once its deadline has passed, however steadily it trickles.
struct DeadlineReader {
    inner: Pin<Box<dyn AsyncRead + Send>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

impl AsyncRead for DeadlineReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::Release);
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body not received in time",
            )));
        }
        self.inner.as_mut().poll_read(cx, buf)
    }
}
