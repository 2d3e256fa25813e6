//! task-service's one state value, built once in `build()`: the database, the token verifier
//! (keys and session revocations; also registered on its own, for the `AuthUser` extractor), the
//! list cursors' key, the per-user task cap and how long the trash keeps a task.

use actix_web::web;
use secrecy::ExposeSecret;
use shared::auth::{JwtKeys, Verifier};
use shared::db::Db;
use shared::health::Checks;
use shared::metrics::Metrics;
use shared::revocation::Revocations;

use crate::config::Config;
use crate::listing::CursorKey;

pub struct AppState {
    pub db: Db,
    pub verifier: web::Data<Verifier>,
    pub cursors: CursorKey,
    /// Live tasks one user may hold.
    pub max_tasks: i64,
    /// How long a deleted task stays in the trash before the purge removes it.
    pub trash_keep: chrono::Duration,
}

impl AppState {
    /// The state and the service's metrics (which watch its pool).
    pub fn new(config: &Config) -> (Self, Metrics) {
        let db = Db::new(&config.database);
        let metrics = Metrics::new("task-service", Some(Box::new(db.clone())));
        let revocations = Revocations::start(&config.database, &config.jwt, &config.revocation);
        let verifier = web::Data::new(Verifier { keys: JwtKeys::new(&config.jwt), revocations });
        let cursors = CursorKey::new(config.jwt.jwt_secret.expose_secret().as_bytes());
        let trash_keep = chrono::Duration::days(config.retention.deleted_task_retention_days.into());
        (Self { db, verifier, cursors, max_tasks: config.max_tasks_per_user, trash_keep }, metrics)
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
