//! task-service's one state value, built once in `build()`: the database (its pool for writes
//! and transactions, and the pipelined connection its plain lists and gets share), the token verifier
//! (keys and session revocations; also registered on its own, for the `AuthUser` extractor), the
//! list cursors' key, the per-user task cap and how long the trash keeps a task.

use actix_web::web;
use secrecy::ExposeSecret;
use shared::auth::{JwtKeys, Verifier};
use shared::config::ConfigError;
use shared::db::{Db, ReadConfig, Reads};
use shared::health::Checks;
use shared::metrics::Metrics;
use shared::revocation::Revocations;

use crate::config::Config;
use crate::listing::CursorKey;

pub struct AppState {
    /// Writes and everything in a transaction.
    pub db: Db,
    /// The cheap reads every client sends: version 1's list and get (ADR 0008).
    pub reads: Reads,
    pub verifier: web::Data<Verifier>,
    pub cursors: CursorKey,
    /// Live tasks one user may hold.
    pub max_tasks: i64,
    /// How long a deleted task stays in the trash before the purge removes it.
    pub trash_keep: chrono::Duration,
}

impl AppState {
    /// The state and the service's metrics (which watch its pool). Of the `DB_POOL_SIZE`
    /// connections (at least 2: `Config::from_env`), one is the read connection and the rest the pool's.
    pub fn new(config: &Config) -> Result<(Self, Metrics), ConfigError> {
        let reads = Reads::new(ReadConfig::new(&config.database)?);
        let pooled = shared::config::DatabaseConfig {
            db_pool_size: config.database.db_pool_size.saturating_sub(1).max(1),
            ..config.database.clone()
        };
        let db = Db::new(&pooled);
        let metrics = Metrics::new("task-service", Some(Box::new(db.clone())));
        let revocations = Revocations::start(&config.database, db.pool(), &config.jwt, &config.revocation);
        let verifier = web::Data::new(Verifier { keys: JwtKeys::new(&config.jwt), revocations });
        let cursors = CursorKey::new(config.jwt.jwt_secret.expose_secret().as_bytes());
        let trash_keep = chrono::Duration::days(config.retention.deleted_task_retention_days.into());
        Ok((Self { db, reads, verifier, cursors, max_tasks: config.max_tasks_per_user, trash_keep }, metrics))
    }

    /// Registers `state`, and its verifier for `AuthUser`, as the app's data.
    pub fn register(state: &web::Data<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(state.clone()).app_data(state.verifier.clone());
    }

    /// What `/health` checks.
    pub fn checks(&self) -> Checks {
        Checks { db: self.db.clone(), revocations: self.verifier.revocations.clone() }
    }
}
