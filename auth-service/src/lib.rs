//! auth-service owns the `users` and `sessions` tables: it registers accounts, hashes passwords
//! with argon2id, starts, refreshes and ends sessions, and issues HS256 access tokens. `build` is the app factory that `main` and the tests share.

mod account;
pub mod config;
mod device;
pub mod email;
mod error;
mod events;
mod login;
pub mod openapi;
mod password;
mod refresh;
mod register;
pub mod retention;
mod routes;
pub mod sessions;
mod state;
mod throttle;
pub mod users;

use actix_web::{dev::Server, web};

use crate::config::Config;
use crate::state::AppState;

/// Starts the service on `listener` (tests bind port 0).
pub fn build(config: Config, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let (state, metrics) = AppState::new(&config);
    let state = web::Data::new(state);
    shared::http::serve(listener, &config.http, metrics, move |cfg| routes::configure(cfg, &state))
}
