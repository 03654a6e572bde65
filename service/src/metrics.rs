//! Request counters and a latency histogram, rendered in Prometheus' text format at `/metrics`,
//! which answers only to the operator's scraper (a bearer token from `metrics_token_file`).
//!
//! Every label value comes from a fixed set: the route *template* the router matched
//! (`/api/customers/{id}`), `static`, `/docs` or `unmatched`; the method, or `other`. A client
//! cannot add a label, so the page and the memory behind it stay small whatever it requests.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use poem::PathPattern;
use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use subtle::ConstantTimeEq;

use crate::config::{Settings, read_secret};
use crate::error::json_response;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Everything the router did not match: unknown paths, and requests refused before routing.
pub const UNMATCHED: &str = "unmatched";
/// Files and deep links of the single-page app.
pub const STATIC: &str = "static";
/// Swagger UI.
pub const DOCS: &str = "/docs";

type Key = (&'static str, Arc<str>, u16);

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<Key, u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// The route templates the service answers, keyed by their shape with parameter names erased
/// (`/api/customers/{}`): poem reports the matched pattern as `/api/customers/:param0`, the spec
/// and the operator read `/api/customers/{id}`.
pub struct RouteLabels {
    by_shape: HashMap<String, Arc<str>>,
    unmatched: Arc<str>,
    static_files: Arc<str>,
    docs: Arc<str>,
}

/// `/a/:x/b/{y}` → `/a/{}/b/{}`.
fn shape(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with(':') || (seg.starts_with('{') && seg.ends_with('}')) {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl RouteLabels {
    /// `templates`: the OpenAPI spec's paths plus the routes outside the API (`/health`, …).
    pub fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            by_shape: templates
                .into_iter()
                .map(|t| (shape(t), Arc::from(t)))
                .collect(),
            unmatched: Arc::from(UNMATCHED),
            static_files: Arc::from(STATIC),
            docs: Arc::from(DOCS),
        }
    }

    /// The templates of an OpenAPI document (`paths` keys).
    pub fn from_spec(spec: &serde_json::Value, others: &[&str]) -> Self {
        let mut templates: Vec<String> = spec["paths"]
            .as_object()
            .map(|paths| paths.keys().cloned().collect())
            .unwrap_or_default();
        templates.extend(others.iter().map(|s| s.to_string()));
        Self::new(templates.iter().map(String::as_str))
    }

    /// The label for the pattern poem's router matched (`None` when nothing was routed).
    /// A nest's own pattern (`/api` for an unknown `/api/...` path) is not a template: unmatched.
    pub fn label(&self, pattern: Option<&str>) -> Arc<str> {
        let Some(pattern) = pattern else {
            return self.unmatched.clone();
        };
        if let Some(template) = self.by_shape.get(&shape(pattern)) {
            template.clone()
        } else if pattern == "/docs" || pattern.starts_with("/docs/") {
            self.docs.clone()
        } else if pattern.is_empty() || pattern == "/" {
            // The single-page app is nested at the root.
            self.static_files.clone()
        } else {
            self.unmatched.clone()
        }
    }
}

/// Methods outside the standard set share one label: hyper accepts any token as a method.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A label value per the text format: backslash, double quote and line feed are escaped.
pub fn escape_label_value(value: &str) -> Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// HELP text per the text format: backslash and line feed are escaped (quotes are not).
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

impl Metrics {
    pub fn observe(&self, method: &'static str, route: Arc<str>, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry((method, route, status))
            .or_default() += 1;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// `gauges` are (name, help, value) computed by the caller (database size, customers, …).
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP loan_broker_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE loan_broker_http_requests_total counter\n");
        for ((method, route, status), n) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "loan_broker_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape_label_value(method),
                escape_label_value(route),
            );
        }
        out.push_str("# HELP loan_broker_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE loan_broker_http_request_duration_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let n = self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "loan_broker_http_request_duration_seconds_bucket{{le=\"{le}\"}} {n}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "loan_broker_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "loan_broker_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "loan_broker_http_request_duration_seconds_count {count}"
        );
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {}\n# TYPE {name} gauge\n{name} {value}",
                escape_help(help)
            );
        }
        out
    }
}

/// Records every request (including errors, which are already responses by then), labelled by
/// the route template poem's router leaves on the response.
pub struct RecordMetrics {
    pub metrics: Arc<Metrics>,
    pub labels: Arc<RouteLabels>,
}

impl<E: Endpoint> Middleware<E> for RecordMetrics {
    type Output = RecordMetricsEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        RecordMetricsEndpoint {
            inner: ep,
            metrics: self.metrics.clone(),
            labels: self.labels.clone(),
        }
    }
}

pub struct RecordMetricsEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
    labels: Arc<RouteLabels>,
}

impl<E: Endpoint> Endpoint for RecordMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let start = Instant::now();
        let method = method_label(req.method());
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let (status, pattern) = match &result {
            Ok(resp) => (resp.status(), resp.data::<PathPattern>()),
            Err(err) => (err.status(), err.data::<PathPattern>()),
        };
        let route = self.labels.label(pattern.map(|p| &*p.0));
        self.metrics.observe(
            method,
            route,
            status.as_u16(),
            start.elapsed().as_secs_f64(),
        );
        result
    }
}

/// The scraper's bearer token: `metrics_token_file`, else the systemd credential `metrics_token`.
/// `None` means `/metrics` is switched off.
pub fn load_token(settings: &Settings) -> anyhow::Result<Option<String>> {
    let token = read_secret(
        settings,
        settings.metrics_token_file.as_deref(),
        "metrics_token",
    )?;
    match &token {
        None => tracing::warn!(
            "/metrics is disabled (answers 404) until metrics_token_file or the metrics_token credential is set"
        ),
        Some(t) if t.chars().count() < 16 => tracing::warn!(
            "the metrics token is shorter than 16 characters: generate a longer one (e.g. `openssl rand -hex 32`)"
        ),
        Some(_) => {}
    }
    Ok(token)
}

/// Lets through only requests bearing the metrics token; without a token nobody gets through (404).
pub struct MetricsGate {
    token: Option<Arc<str>>,
}

impl MetricsGate {
    pub fn new(token: Option<String>) -> Self {
        Self {
            token: token.map(Arc::from),
        }
    }
}

impl<E: Endpoint> Middleware<E> for MetricsGate {
    type Output = MetricsGateEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        MetricsGateEndpoint {
            inner: ep,
            token: self.token.clone(),
        }
    }
}

pub struct MetricsGateEndpoint<E> {
    inner: E,
    token: Option<Arc<str>>,
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares in time independent of where the two differ (the length is not secret).
fn token_matches(presented: &str, expected: &str) -> bool {
    presented.as_bytes().ct_eq(expected.as_bytes()).into()
}

impl<E: Endpoint> Endpoint for MetricsGateEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let Some(expected) = &self.token else {
            return Ok(json_response(
                StatusCode::NOT_FOUND,
                "not_found",
                "请求的地址不存在".into(),
                None,
            ));
        };
        if !bearer(&req).is_some_and(|presented| token_matches(presented, expected)) {
            let mut resp = json_response(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "访问指标需要有效的令牌（Authorization: Bearer <metrics_token>）".into(),
                None,
            );
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"metrics\""),
            );
            return Ok(resp);
        }
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> RouteLabels {
        RouteLabels::new([
            "/api/customers",
            "/api/customers/{id}",
            "/api/customers/{id}/diagnoses",
            "/health",
        ])
    }

    #[test]
    fn matched_patterns_become_their_templates_and_the_rest_one_label() {
        let l = labels();
        assert_eq!(
            &*l.label(Some("/api/customers/:param0")),
            "/api/customers/{id}"
        );
        assert_eq!(
            &*l.label(Some("/api/customers/:param0/diagnoses")),
            "/api/customers/{id}/diagnoses"
        );
        assert_eq!(&*l.label(Some("/health")), "/health");
        assert_eq!(&*l.label(Some("/api")), UNMATCHED);
        assert_eq!(&*l.label(None), UNMATCHED);
        assert_eq!(&*l.label(Some("")), STATIC);
        assert_eq!(&*l.label(Some("/docs")), DOCS);
    }

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }

    #[test]
    fn label_values_are_escaped_per_the_text_format() {
        assert_eq!(escape_label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label_value("x\ny"), "x\\ny");
        assert_eq!(escape_label_value("/api/客户"), "/api/客户");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("secret-token", "secret-token"));
        assert!(!token_matches("secret-tokeN", "secret-token"));
        assert!(!token_matches("secret", "secret-token"));
        assert!(!token_matches("", "secret-token"));
    }
}
