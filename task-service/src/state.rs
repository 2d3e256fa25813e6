//! task-service's one state value, built once in `build()`: the database, the token keys (also
//! registered on their own, for the `AuthUser` extractor) and the per-user task cap.

use actix_web::web;
use shared::auth::JwtKeys;
use shared::db::Db;
use shared::metrics::Metrics;

use crate::config::Config;

pub struct AppState {
    pub db: Db,
    pub keys: web::Data<JwtKeys>,
    /// Live tasks one user may hold.
    pub max_tasks: i64,
}

impl AppState {
    /// The state and the service's metrics (which watch its pool).
    pub fn new(config: &Config) -> (Self, Metrics) {
        let db = Db::new(&config.database);
        let metrics = Metrics::new("task-service", Some(Box::new(db.clone())));
        let keys = web::Data::new(JwtKeys::new(&config.jwt));
        (Self { db, keys, max_tasks: config.max_tasks_per_user }, metrics)
    }

    /// Registers `state`, and its keys for `AuthUser`, as the app's data.
    pub fn register(state: &web::Data<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(state.clone()).app_data(state.keys.clone());
    }
}
