//! auth-service over HTTP against a fresh PostgreSQL database per test.

mod devices;
mod helpers;
mod login;
mod register;
mod revocation;
mod security;
mod sessions;
