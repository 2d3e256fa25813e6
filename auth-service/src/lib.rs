//! auth-service owns the `users` table: it registers accounts, hashes passwords with argon2id and
//! issues HS256 access tokens. `build` is the app factory that `main` and the tests share.

pub mod config;
pub mod openapi;
mod password;
mod routes;
mod users;

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
