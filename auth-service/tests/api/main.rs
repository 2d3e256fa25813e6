//! auth-service over HTTP against a fresh PostgreSQL database per test.

mod helpers;
mod login;
mod register;
mod security;
