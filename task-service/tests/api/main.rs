//! task-service over HTTP against a fresh PostgreSQL database per test.

mod crud;
mod degradation;
mod helpers;
mod isolation;
mod lifecycle;
mod listing;
mod operations;
mod planning;
mod retries;
mod silent_link;
mod tokens;
mod trash;
