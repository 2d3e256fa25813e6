//! Prometheus metrics, served as text at `/metrics` by every service: requests by route template
//! and status, latency histograms and, for a service with a database, the pool's use. A service
//! registers its own series (auth-service: login outcomes) with [`Metrics::register`].

use prometheus::core::Collector;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// A connection pool as the gauges see it, read when `/metrics` is scraped.
pub trait PoolUse: Send + Sync {
    /// (idle connections, open connections, the pool's size limit, requests waiting for one).
    fn pool_use(&self) -> (u32, u32, u32, usize);
}

struct PoolGauges {
    pool: Box<dyn PoolUse>,
    connections: IntGaugeVec,
    max_size: IntGauge,
    waiting: IntGauge,
}

/// One service's metrics. Every series carries a `service` label.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    pool: Option<PoolGauges>,
    service: &'static str,
}

impl Metrics {
    /// Metrics for `service`, watching `pool` when the service has one.
    pub fn new(service: &'static str, pool: Option<Box<dyn PoolUse>>) -> Self {
        let labels = [("service".to_owned(), service.to_owned())].into_iter().collect();
        let registry = Registry::new_custom(None, Some(labels)).expect("valid registry labels");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by method, route template and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by method and route template")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0]),
            &["method", "route"],
        )
        .expect("valid metric");
        let pool = pool.map(|pool| PoolGauges {
            pool,
            connections: IntGaugeVec::new(
                Opts::new("db_pool_connections", "Database pool connections by state"),
                &["state"],
            )
            .expect("valid metric"),
            max_size: IntGauge::new("db_pool_max_size", "Database pool size limit").expect("valid metric"),
            waiting: IntGauge::new("db_pool_waiting", "Requests queued for a database thread and connection")
                .expect("valid metric"),
        });
        let metrics = Self { registry, requests: requests.clone(), duration: duration.clone(), pool, service };
        metrics.register(requests);
        metrics.register(duration);
        if let Some(gauges) = &metrics.pool {
            metrics.register(gauges.connections.clone());
            metrics.register(gauges.max_size.clone());
            metrics.register(gauges.waiting.clone());
        }
        metrics
    }

    /// The service these metrics (and its log lines) are labelled with.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Adds a service's own series; it is rendered with the rest.
    pub fn register(&self, collector: impl Collector + 'static) {
        self.registry.register(Box::new(collector)).expect("each metric is registered once");
    }

    /// Records one finished request.
    pub fn observe(&self, method: &str, route: &str, status: &str, seconds: f64) {
        self.requests.with_label_values(&[method, route, status]).inc();
        self.duration.with_label_values(&[method, route]).observe(seconds);
    }

    /// The Prometheus text exposition, with the pool gauges read now.
    pub fn render(&self) -> String {
        if let Some(gauges) = &self.pool {
            let (idle, open, max, waiting) = gauges.pool.pool_use();
            gauges.connections.with_label_values(&["idle"]).set(i64::from(idle));
            gauges.connections.with_label_values(&["active"]).set(i64::from(open) - i64::from(idle));
            gauges.max_size.set(i64::from(max));
            gauges.waiting.set(i64::try_from(waiting).unwrap_or(i64::MAX));
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
