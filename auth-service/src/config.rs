//! auth-service configuration, read once from the environment.

use serde::Deserialize;
use shared::config::{ConfigError, DatabaseConfig, HttpConfig, JwtConfig, from_env, listen_addr};

#[derive(Clone, Debug)]
pub struct Config {
    /// `AUTH_SERVICE_ADDR`, default `127.0.0.1:8081`.
    pub addr: String,
    pub database: DatabaseConfig,
    pub jwt: JwtConfig,
    pub http: HttpConfig,
    pub limits: Limits,
}

/// Abuse limits on login and registration, and the bound on concurrent password hashing.
#[derive(Clone, Debug, Deserialize)]
pub struct Limits {
    /// Failed logins per account within the window before 429 (0 disables).
    #[serde(default = "default_per_account")]
    pub login_max_failures_per_account: i32,
    /// Failed logins per trusted device (one that signed in before and sends its device cookie)
    /// within the window before 429 (0 disables). These do not count against the account.
    #[serde(default = "default_per_account")]
    pub login_max_failures_per_device: i32,
    /// Failed logins per client address within the window before 429 (0 disables).
    #[serde(default = "default_per_addr")]
    pub login_max_failures_per_addr: i32,
    /// The throttling window, in seconds (15 minutes).
    #[serde(default = "default_window")]
    pub login_window_secs: u32,
    /// Registrations per client address within the window (0, the default, disables).
    #[serde(default)]
    pub register_max_per_addr: i32,
    /// Password hashes computed at once; each holds 19 MiB. Defaults to the number of cores.
    #[serde(default = "default_hash_concurrency")]
    pub hash_concurrency: usize,
    /// How long a login or registration waits for a hashing slot before a 503.
    #[serde(default = "default_hash_queue_timeout")]
    pub hash_queue_timeout_ms: u64,
}

fn default_per_account() -> i32 {
    10
}
fn default_per_addr() -> i32 {
    100
}
fn default_window() -> u32 {
    15 * 60
}
fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}
fn default_hash_queue_timeout() -> u64 {
    2_000
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_max_failures_per_account: default_per_account(),
            login_max_failures_per_device: default_per_account(),
            login_max_failures_per_addr: default_per_addr(),
            login_window_secs: default_window(),
            register_max_per_addr: 0,
            hash_concurrency: default_hash_concurrency(),
            hash_queue_timeout_ms: default_hash_queue_timeout(),
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            addr: listen_addr("AUTH_SERVICE_ADDR", "127.0.0.1:8081")?,
            database: from_env()?,
            jwt: JwtConfig::from_env()?,
            http: from_env()?,
            limits: from_env()?,
        })
    }

    /// The defaults against `database_url`, with the tests' token secret and one HTTP worker.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            addr: "127.0.0.1:0".to_owned(),
            database: DatabaseConfig::new(database_url),
            jwt: JwtConfig::for_tests(),
            http: HttpConfig::for_tests(),
            limits: Limits::default(),
        }
    }
}
