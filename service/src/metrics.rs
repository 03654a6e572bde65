//! Request counters and a latency histogram, rendered in Prometheus' text format at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Collapses ids so the label set stays small: `/api/customers/42` → `/api/customers/{id}`.
pub fn route_label(path: &str) -> String {
    if !(path.starts_with("/api/") || path == "/health" || path == "/metrics") {
        return if path.starts_with("/docs") {
            "/docs".into()
        } else {
            "static".into()
        };
    }
    path.split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Metrics {
    pub fn observe(&self, method: &str, route: String, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry((method.to_string(), route, status))
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
                "loan_broker_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
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
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

/// Records every request (including errors, which are already responses by then).
pub struct RecordMetrics(pub std::sync::Arc<Metrics>);

impl<E: Endpoint> Middleware<E> for RecordMetrics {
    type Output = RecordMetricsEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        RecordMetricsEndpoint {
            inner: ep,
            metrics: self.0.clone(),
        }
    }
}

pub struct RecordMetricsEndpoint<E> {
    inner: E,
    metrics: std::sync::Arc<Metrics>,
}

impl<E: Endpoint> Endpoint for RecordMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let start = Instant::now();
        let method = req.method().to_string();
        let route = route_label(req.uri().path());
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let status = match &result {
            Ok(resp) => resp.status().as_u16(),
            Err(err) => err.status().as_u16(),
        };
        self.metrics
            .observe(&method, route, status, start.elapsed().as_secs_f64());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_labels_hide_ids_and_static_paths() {
        assert_eq!(route_label("/api/customers/42"), "/api/customers/{id}");
        assert_eq!(
            route_label("/api/customers/42/diagnoses"),
            "/api/customers/{id}/diagnoses"
        );
        assert_eq!(route_label("/assets/index-abc.js"), "static");
        assert_eq!(route_label("/health"), "/health");
    }
}
