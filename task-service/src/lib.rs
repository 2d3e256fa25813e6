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

use crate::config::Config;

/// Starts the service on `listener` (tests bind port 0).
pub fn build(config: Config, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let pool = web::Data::new(shared::db::build_pool(&config.database));
    let keys = web::Data::new(JwtKeys::new(&config.jwt));
    shared::http::serve(listener, &config.http, move |cfg| {
        cfg.app_data(pool.clone()).app_data(keys.clone()).configure(routes::configure);
    })
}
