//! auth-service owns the `users` table: it registers accounts, hashes passwords with argon2id and
//! issues HS256 access tokens. `build` is the app factory that `main` and the tests share.

pub mod config;
pub mod openapi;
mod password;
mod routes;
mod throttle;
mod users;

use std::time::Duration;

use actix_web::{dev::Server, web};
use shared::auth::JwtKeys;
use shared::metrics::Metrics;

use crate::config::Config;
use crate::password::Hasher;

/// Starts the service on `listener` (tests bind port 0).
pub fn build(config: Config, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let db = shared::db::Db::new(&config.database);
    let metrics = Metrics::new("auth-service", Some(db.clone()));
    let db = web::Data::new(db);
    let keys = web::Data::new(JwtKeys::new(&config.jwt));
    let hasher = web::Data::new(Hasher::new(
        config.limits.hash_concurrency,
        Duration::from_millis(config.limits.hash_queue_timeout_ms),
    ));
    let limits = web::Data::new(config.limits);
    shared::http::serve(listener, &config.http, metrics, move |cfg| {
        cfg.app_data(db.clone())
            .app_data(keys.clone())
            .app_data(hasher.clone())
            .app_data(limits.clone())
            .configure(routes::configure);
    })
}
