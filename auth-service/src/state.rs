//! auth-service's one state value, built once in `build()` from the configuration: every handler
//! reaches the database, the keys, the hasher and the limits through it.

use std::time::Duration;

use prometheus::{IntCounterVec, Opts};
use secrecy::ExposeSecret;
use shared::auth::JwtKeys;
use shared::db::Db;
use shared::metrics::Metrics;

use crate::config::{Config, Limits};
use crate::device::DeviceKeys;
use crate::password::Hasher;

pub struct AppState {
    pub db: Db,
    pub keys: JwtKeys,
    pub hasher: Hasher,
    pub limits: Limits,
    /// Signs and reads the device cookies of trusted sign-ins.
    pub devices: DeviceKeys,
    /// `auth_attempts_total{outcome}`: login outcomes (`success`, `failure`, `throttled`).
    pub login_outcomes: IntCounterVec,
}

impl AppState {
    /// The state and the service's metrics (which watch its pool and count its logins).
    pub fn new(config: &Config) -> (Self, Metrics) {
        let db = Db::new(&config.database);
        let metrics = Metrics::new("auth-service", Some(Box::new(db.clone())));
        let login_outcomes =
            IntCounterVec::new(Opts::new("auth_attempts_total", "Login attempts by outcome"), &["outcome"])
                .expect("valid metric");
        metrics.register(login_outcomes.clone());
        let limits = config.limits.clone();
        let hasher = Hasher::new(limits.hash_concurrency, Duration::from_millis(limits.hash_queue_timeout_ms));
        let devices = DeviceKeys::new(config.jwt.jwt_secret.expose_secret().as_bytes());
        (Self { db, keys: JwtKeys::new(&config.jwt), hasher, limits, devices, login_outcomes }, metrics)
    }
}
