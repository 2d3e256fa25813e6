//! Prometheus metrics, served as text at `/metrics` by every service: requests by route template
//! and status, latency histograms, database pool use and authentication outcomes.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::Db;

/// One service's metrics. Every series carries a `service` label.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max_size: IntGauge,
    pool_waiting: IntGauge,
    /// Login outcomes (`success`, `failure`, `throttled`); auth-service counts them.
    pub auth_attempts: IntCounterVec,
    db: Option<Db>,
    service: &'static str,
}

impl Metrics {
    /// The service these metrics (and its log lines) are labelled with.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Metrics for `service`, watching `db` when the service has one.
    pub fn new(service: &'static str, db: Option<Db>) -> Self {
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
        let pool_connections =
            IntGaugeVec::new(Opts::new("db_pool_connections", "Database pool connections by state"), &["state"])
                .expect("valid metric");
        let pool_max_size = IntGauge::new("db_pool_max_size", "Database pool size limit").expect("valid metric");
        let pool_waiting = IntGauge::new("db_pool_waiting", "Requests queued for a database thread and connection")
            .expect("valid metric");
        let auth_attempts =
            IntCounterVec::new(Opts::new("auth_attempts_total", "Login attempts by outcome"), &["outcome"])
                .expect("valid metric");
        let mut collectors: Vec<Box<dyn prometheus::core::Collector>> =
            vec![Box::new(requests.clone()), Box::new(duration.clone()), Box::new(auth_attempts.clone())];
        if db.is_some() {
            collectors.push(Box::new(pool_connections.clone()));
            collectors.push(Box::new(pool_max_size.clone()));
            collectors.push(Box::new(pool_waiting.clone()));
        }
        for collector in collectors {
            registry.register(collector).expect("metric registered once");
        }
        Self { registry, requests, duration, pool_connections, pool_max_size, pool_waiting, auth_attempts, db, service }
    }

    /// Records one finished request.
    pub fn observe(&self, method: &str, route: &str, status: &str, seconds: f64) {
        self.requests.with_label_values(&[method, route, status]).inc();
        self.duration.with_label_values(&[method, route]).observe(seconds);
    }

    /// The Prometheus text exposition, with the pool gauges read now.
    pub fn render(&self) -> String {
        if let Some(db) = &self.db {
            let pool = db.pool();
            let state = pool.state();
            let idle = i64::from(state.idle_connections);
            self.pool_connections.with_label_values(&["idle"]).set(idle);
            self.pool_connections.with_label_values(&["active"]).set(i64::from(state.connections) - idle);
            self.pool_max_size.set(i64::from(pool.max_size()));
            self.pool_waiting.set(i64::try_from(db.waiting()).unwrap_or(i64::MAX));
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
