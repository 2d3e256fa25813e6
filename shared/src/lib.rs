//! What every taskhub service shares: the API contract's error body, typed configuration, token
//! verification, the one door to the database, the health check, JSON logs and the test database.
//! No service's business rules live here.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod retention;
#[cfg(feature = "testing")]
pub mod testing;
pub mod workers;

pub use error::{ApiError, ErrorBody, FieldError};
