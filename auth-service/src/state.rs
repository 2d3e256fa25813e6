//! auth-service's one state value, built once in `build()` from the configuration: every handler
//! reaches the database, the token verifier (keys and session revocations; also registered on
//! its own, for the `AuthUser` extractor), the hasher and the limits through it.

use std::time::Duration;

use actix_web::web;
use prometheus::{IntCounterVec, Opts};
use secrecy::ExposeSecret;
use shared::auth::{JwtKeys, Verifier};
use shared::db::Db;
use shared::health::Checks;
use shared::metrics::Metrics;
use shared::revocation::Revocations;

use crate::config::{Config, Limits, SessionLifetimes};
use crate::device::DeviceKeys;
use crate::password::Hasher;

pub struct AppState {
    pub db: Db,
    pub verifier: web::Data<Verifier>,
    pub hasher: Hasher,
    pub limits: Limits,
    pub sessions: SessionLifetimes,
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
        let revocations = Revocations::start(&config.database, db.pool(), &config.jwt, &config.revocation);
        let verifier = web::Data::new(Verifier { keys: JwtKeys::new(&config.jwt), revocations });
        let sessions = config.sessions.clone();
        (Self { db, verifier, hasher, limits, sessions, devices, login_outcomes }, metrics)
    }

    /// What `/health` checks.
    pub fn checks(&self) -> Checks {
        Checks { db: self.db.clone(), revocations: self.verifier.revocations.clone() }
    }
}
