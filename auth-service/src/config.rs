//! auth-service configuration, read once from the environment.

use serde::Deserialize;
use shared::config::{ConfigError, DatabaseConfig, HttpConfig, JwtConfig, RevocationConfig, from_env, listen_addr};

#[derive(Clone, Debug)]
pub struct Config {
    /// `AUTH_SERVICE_ADDR`, default `127.0.0.1:8081`.
    pub addr: String,
    pub database: DatabaseConfig,
    pub jwt: JwtConfig,
    /// How the service follows the ended sessions (`DATABASE_LISTEN_URL`, `REVOCATION_RESYNC_SECS`).
    pub revocation: RevocationConfig,
    pub http: HttpConfig,
    pub limits: Limits,
    pub sessions: SessionLifetimes,
}

/// How long a session can be refreshed: `SESSION_MAX_AGE_DAYS` after it began (30), and
/// `SESSION_IDLE_DAYS` after its last use (14).
#[derive(Clone, Debug, Deserialize)]
pub struct SessionLifetimes {
    #[serde(default = "default_max_age_days")]
    pub session_max_age_days: u32,
    #[serde(default = "default_idle_days")]
    pub session_idle_days: u32,
}

fn default_max_age_days() -> u32 {
    30
}
fn default_idle_days() -> u32 {
    14
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        Self { session_max_age_days: default_max_age_days(), session_idle_days: default_idle_days() }
    }
}

impl SessionLifetimes {
    pub fn absolute(&self) -> chrono::Duration {
        chrono::Duration::days(self.session_max_age_days.into())
    }
    pub fn idle(&self) -> chrono::Duration {
        chrono::Duration::days(self.session_idle_days.into())
    }
    pub fn absolute_secs(&self) -> u64 {
        u64::from(self.session_max_age_days) * 86_400
    }
    pub fn idle_secs(&self) -> u64 {
        u64::from(self.session_idle_days) * 86_400
    }
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
    /// Refresh attempts with a token that is not current, per client address within the window,
    /// before 429 (0 disables). Refreshes never count against the login limits.
    #[serde(default = "default_per_addr")]
    pub refresh_max_failures_per_addr: i32,
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
            refresh_max_failures_per_addr: default_per_addr(),
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
            revocation: from_env()?,
            http: from_env()?,
            limits: from_env()?,
            sessions: from_env()?,
        })
    }

    /// The defaults against `database_url`, with the tests' token secret and one HTTP worker.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            addr: "127.0.0.1:0".to_owned(),
            database: DatabaseConfig::new(database_url),
            jwt: JwtConfig::for_tests(),
            revocation: RevocationConfig::default(),
            http: HttpConfig::for_tests(),
            limits: Limits::default(),
            sessions: SessionLifetimes::default(),
        }
    }
}
