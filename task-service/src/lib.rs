//! task-service owns the `tasks` table. It verifies access tokens itself and reaches the data only
//! through `tasks`, whose every query starts from the caller's own live rows. `build` is the app
//! factory that `main` and the tests share.

mod body;
pub mod config;
mod error;
mod idempotency;
mod listing;
mod model;
pub mod openapi;
mod preconditions;
pub mod retention;
mod routes;
mod state;
mod tasks;

use actix_web::{dev::Server, web};

use crate::config::Config;
use crate::state::AppState;

/// Starts the service on `listener` (tests bind port 0).
pub fn build(config: Config, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let (state, metrics) =
        AppState::new(&config).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let state = web::Data::new(state);
    shared::http::serve(listener, &config.http, metrics, move |cfg| routes::configure(cfg, &state))
}
