//! Prometheus metrics: request counts and latencies by route and status, pool usage.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts,
    Registry,
};
use std::time::Instant;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    /// Reads routed to the read replica (see [`crate::db::replica`]).
    pub replica_reads: IntCounter,
    /// Replica-eligible reads served by the primary instead, by reason (`stale`, `unreachable`).
    pub read_fallbacks: IntCounterVec,
    /// The replica's staleness bound at the last measurement in seconds; -1 when unknown.
    pub replica_staleness: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and status",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("unique");
        registry
            .register(Box::new(latency.clone()))
            .expect("unique");
        registry.register(Box::new(pool.clone())).expect("unique");
        let replica_reads =
            IntCounter::new("db_replica_reads_total", "Reads served by the read replica")
                .expect("valid metric");
        let read_fallbacks = IntCounterVec::new(
            Opts::new(
                "db_read_fallbacks_total",
                "Replica-eligible reads served by the primary, by reason",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let replica_staleness = Gauge::new(
            "db_replica_staleness_seconds",
            "The read replica's staleness bound at the last measurement (-1: unknown)",
        )
        .expect("valid metric");
        replica_staleness.set(-1.0);
        for m in [
            Box::new(replica_reads.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(read_fallbacks.clone()),
            Box::new(replica_staleness.clone()),
        ] {
            registry.register(m).expect("unique");
        }
        Metrics {
            registry,
            requests,
            latency,
            pool,
            replica_reads,
            read_fallbacks,
            replica_staleness,
        }
    }

    /// The text exposition, with pool gauges read now.
    pub fn render(&self, pool: &crate::db::DbPool) -> String {
        let s = pool.status();
        self.pool.with_label_values(&["max"]).set(s.max_size as i64);
        self.pool.with_label_values(&["open"]).set(s.size as i64);
        self.pool
            .with_label_values(&["idle"])
            .set(s.available as i64);
        self.pool
            .with_label_values(&["in_use"])
            .set(s.size as i64 - s.available as i64);
        self.pool
            .with_label_values(&["waiting"])
            .set(s.waiting as i64);
        let mut buf = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding to a Vec cannot fail");
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The `method` label: the standard methods by name, every other method name (which a client
/// can invent freely) as `other`, so the label set stays bounded.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method as M;
    match *method {
        M::GET => "GET",
        M::HEAD => "HEAD",
        M::POST => "POST",
        M::PUT => "PUT",
        M::PATCH => "PATCH",
        M::DELETE => "DELETE",
        M::OPTIONS => "OPTIONS",
        M::CONNECT => "CONNECT",
        M::TRACE => "TRACE",
        _ => "other",
    }
}

/// True when `authorization` is `Bearer <token>` with the configured scrape token, compared in
/// constant time (over SHA-256 digests, so the length does not leak either). An empty configured
/// token never matches.
pub fn scraper_allowed(configured: &str, authorization: Option<&str>) -> bool {
    use sha2::{Digest, Sha256};
    let Some(sent) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
        return false;
    };
    if configured.is_empty() {
        return false;
    }
    let a = Sha256::digest(configured.as_bytes());
    let b = Sha256::digest(sent.trim().as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Middleware: counts and times every request under its route pattern (never the raw path,
/// so ids do not explode the label set; paths no route matches share `unmatched`) and its
/// [`method_label`].
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = crate::web::route_pattern(req.request());
    let metrics = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .map(|s| s.metrics.clone());
    let res = next.call(req).await;
    if let Some(m) = metrics {
        let status = match &res {
            Ok(r) => r.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        let labels = [
            method,
            route.as_deref().unwrap_or("unmatched"),
            status.as_str(),
        ];
        m.requests.with_label_values(&labels).inc();
        m.latency
            .with_label_values(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        let m = actix_web::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&m), "other");
        assert_eq!(method_label(&actix_web::http::Method::GET), "GET");
    }

    #[test]
    fn scrapers_need_the_exact_token() {
        assert!(scraper_allowed("s3cret-token", Some("Bearer s3cret-token")));
        assert!(!scraper_allowed(
            "s3cret-token",
            Some("Bearer s3cret-tokeN")
        ));
        assert!(!scraper_allowed("s3cret-token", Some("s3cret-token")));
        assert!(!scraper_allowed("s3cret-token", None));
        assert!(!scraper_allowed("", Some("Bearer ")));
    }
}
