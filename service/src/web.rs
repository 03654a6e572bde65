//! HTTP plumbing around the API: the single-page app, security headers, body limits, client IP.

use std::net::IpAddr;
use std::path::PathBuf;

use poem::endpoint::StaticFilesEndpoint;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response, handler};

use crate::error::json_response;

/// Serves the built frontend with deep links falling back to `index.html`.
pub fn spa(static_dir: Option<PathBuf>) -> poem::endpoint::BoxEndpoint<'static, Response> {
    match static_dir.filter(|d| d.join("index.html").is_file()) {
        Some(dir) => StaticFilesEndpoint::new(dir)
            .index_file("index.html")
            .fallback_to_index()
            .no_cache_index()
            .map_to_response()
            .boxed(),
        None => {
            tracing::warn!(
                "static_dir is not set or holds no index.html: the web UI is not served (API and /docs are)"
            );
            frontend_missing.map_to_response().boxed()
        }
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
        let h = resp.headers_mut();
        let csp = if path.starts_with("/docs") {
            CSP_DOCS
        } else {
            CSP_APP
        };
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
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
        } else if path.starts_with("/assets/") {
            // Vite puts a content hash in every asset name.
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
        }
        h.remove(header::SERVER);
        Ok(resp)
    }
}

/// Refuses bodies over the limit with 413: uploads get `upload_limit`, everything else `body_limit`.
/// Bodies without a Content-Length are read up to the limit before the handler sees them.
pub struct BodyLimit {
    pub body_limit: usize,
    pub upload_limit: usize,
}

pub fn is_upload_path(path: &str) -> bool {
    path.starts_with("/api/imports/")
        || path == "/api/branding/logo"
        || path.ends_with("/documents")
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            body_limit: self.body_limit,
            upload_limit: self.upload_limit,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    body_limit: usize,
    upload_limit: usize,
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
        let limit = if is_upload_path(req.uri().path()) {
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
