//! What every taskhub service shares: the API contract's error body, typed ids and configuration,
//! the HTTP surface, JSON logs and metrics; with the `auth` feature, token verification; with the
//! `db` feature, the one door to the database, the audit trail, `/health` and the migrations.
//! No service's business rules live here.

#[cfg(feature = "db")]
pub mod audit;
#[cfg(feature = "auth")]
pub mod auth;
pub mod config;
#[cfg(feature = "db")]
pub mod db;
pub mod error;
pub mod health;
pub mod http;
pub mod ids;
pub mod logging;
pub mod metrics;
#[cfg(feature = "db")]
pub mod retention;
#[cfg(all(feature = "db", feature = "auth"))]
pub mod revocation;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod workers;

pub use error::{ApiError, ErrorBody, FieldError};
pub use ids::{SessionId, TaskId, UserId};
