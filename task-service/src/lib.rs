//! task-service owns the `tasks` table. It verifies access tokens itself and reaches the data only
//! through `tasks`, whose every function takes the caller's user id. `build` is the app factory
//! that `main` and the tests share.

pub mod config;
mod models;
pub mod openapi;
mod routes;
mod tasks;

use actix_web::{dev::Server, web};
use shared::auth::JwtKeys;
use shared::metrics::Metrics;

use crate::config::Config;

/// The cap on live tasks per user, as app data.
pub(crate) struct MaxTasks(pub i64);

/// Starts the service on `listener` (tests bind port 0).
pub fn build(config: Config, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let db = shared::db::Db::new(&config.database);
    let metrics = Metrics::new("task-service", Some(db.clone()));
    let db = web::Data::new(db);
    let keys = web::Data::new(JwtKeys::new(&config.jwt));
    let max_tasks = web::Data::new(MaxTasks(config.max_tasks_per_user));
    shared::http::serve(listener, &config.http, metrics, move |cfg| {
        cfg.app_data(db.clone()).app_data(keys.clone()).app_data(max_tasks.clone()).configure(routes::configure);
    })
}
