//! Typed configuration pieces read once from the environment at start-up. Each service composes
//! the pieces it needs into its own `Config` (`Config::from_env`, or `Config::for_tests`).
//! Secrets are [`SecretString`]s: no `Debug`, log line or error message shows them.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A configuration value is missing or unusable; the service refuses to start and says which.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// Reads one configuration piece from the environment (field `jwt_secret` <- `JWT_SECRET`).
pub fn from_env<T: DeserializeOwned>() -> Result<T, ConfigError> {
    envy::from_env::<T>().map_err(|e| match e {
        envy::Error::MissingValue(field) => {
            ConfigError(format!("{} is not set (see .env.example)", field.to_uppercase()))
        }
        envy::Error::Custom(msg) => ConfigError(msg),
    })
}

/// The address a service listens on, the one way every service reads it: `variable` (such as
/// `TASK_SERVICE_ADDR`) or `default`.
pub fn listen_addr(variable: &str, default: &str) -> Result<String, ConfigError> {
    match std::env::var(variable) {
        Ok(addr) if !addr.trim().is_empty() => Ok(addr.trim().to_owned()),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(default.to_owned()),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError(format!("{variable} is not valid UTF-8"))),
    }
}

/// How a service reaches PostgreSQL.
#[derive(Clone, Debug, Deserialize)]
pub struct DatabaseConfig {
    /// `postgres://user:password@host:port/db` (a secret: it may hold the password).
    pub database_url: SecretString,
    /// Connections this service may hold for its requests (task-service: its read connection and
    /// a pool of the rest, so at least 2; auth-service: its pool). Both default to 4: with the revocation
    /// listener's connection each (`REVOCATION_FEED=listen`), 2 x (4 + 1) = 10, the spec's cap.
    #[serde(default = "default_pool_size")]
    pub db_pool_size: u32,
    /// How long a request waits for a free connection before it gets 503.
    #[serde(default = "default_pool_timeout")]
    pub db_pool_timeout_secs: u64,
    /// PostgreSQL `statement_timeout`: a longer query is cancelled and the request gets 504.
    #[serde(default = "default_statement_timeout")]
    pub db_statement_timeout_ms: u64,
}

fn default_pool_size() -> u32 {
    4
}
fn default_pool_timeout() -> u64 {
    3
}
fn default_statement_timeout() -> u64 {
    10_000
}

impl DatabaseConfig {
    pub fn new(database_url: &str) -> Self {
        Self {
            database_url: database_url.into(),
            db_pool_size: default_pool_size(),
            db_pool_timeout_secs: default_pool_timeout(),
            db_statement_timeout_ms: default_statement_timeout(),
        }
    }
}

/// Token signing and verification settings, shared by the issuer and the verifiers.
#[derive(Clone, Debug, Deserialize)]
pub struct JwtConfig {
    /// HS256 key that signs new tokens (and verifies them); at least 32 bytes.
    pub jwt_secret: SecretString,
    /// Comma-separated keys that still verify tokens during a rotation; empty by default.
    #[serde(default)]
    pub jwt_previous_secrets: SecretString,
    #[serde(default = "default_issuer")]
    pub jwt_issuer: String,
    #[serde(default = "default_audience")]
    pub jwt_audience: String,
    /// Token lifetime; the spec's default is 24 hours.
    #[serde(default = "default_ttl")]
    pub jwt_ttl_seconds: u64,
    /// Clock skew tolerated on `exp` and `nbf`.
    #[serde(default = "default_leeway")]
    pub jwt_leeway_seconds: u64,
}

/// The shortest secret accepted: HS256 wants a key as long as its 256-bit output (RFC 7518 3.2).
pub const MIN_SECRET_BYTES: usize = 32;

fn default_issuer() -> String {
    "taskhub-auth".to_owned()
}
fn default_audience() -> String {
    "taskhub".to_owned()
}
fn default_ttl() -> u64 {
    24 * 60 * 60
}
fn default_leeway() -> u64 {
    5
}

/// The HS256 secret of test services (`JwtConfig::for_tests`); public, so never deploy it.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

impl JwtConfig {
    pub fn new(secret: &str) -> Self {
        Self {
            jwt_secret: secret.into(),
            jwt_previous_secrets: SecretString::default(),
            jwt_issuer: default_issuer(),
            jwt_audience: default_audience(),
            jwt_ttl_seconds: default_ttl(),
            jwt_leeway_seconds: default_leeway(),
        }
    }

    /// The defaults with [`TEST_SECRET`], for tests and tools.
    pub fn for_tests() -> Self {
        Self::new(TEST_SECRET)
    }

    /// Reads and checks the token settings: a missing or short secret stops the service.
    pub fn from_env() -> Result<Self, ConfigError> {
        let config: Self = from_env()?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.expose_secret().len() < MIN_SECRET_BYTES {
            return Err(ConfigError(format!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (generate one with `openssl rand -hex 32`)"
            )));
        }
        if self.previous_secrets().any(|s| s.len() < MIN_SECRET_BYTES) {
            return Err(ConfigError(format!(
                "every key in JWT_PREVIOUS_SECRETS must be at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        Ok(())
    }

    /// The rotated-out keys that still verify.
    pub fn previous_secrets(&self) -> impl Iterator<Item = &str> {
        self.jwt_previous_secrets.expose_secret().split(',').map(str::trim).filter(|s| !s.is_empty())
    }
}

/// How a verifier keeps its session revocations current (ADR 0006, `shared::revocation`).
#[derive(Clone, Debug, Deserialize)]
pub struct RevocationConfig {
    /// `REVOCATION_FEED`: how revocations reach this instance.
    #[serde(default)]
    pub revocation_feed: RevocationFeed,
    /// The connection that `LISTEN`s for revocations; `DATABASE_URL` when unset (polls use the
    /// pool). Set it where `DATABASE_URL` goes through a pooler in transaction mode, which does not
    /// carry `LISTEN`.
    #[serde(default)]
    pub database_listen_url: Option<SecretString>,
    /// Seconds between full reloads of the revocations, the safety net for a lost notification.
    #[serde(default = "default_resync")]
    pub revocation_resync_secs: u64,
    /// With `REVOCATION_FEED=poll`: milliseconds between polls.
    #[serde(default = "default_poll_ms")]
    pub revocation_poll_ms: u64,
}

/// How revocations reach an instance.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RevocationFeed {
    /// A connection of the instance's own `LISTEN`s, for as long as the instance runs: a
    /// revocation arrives within 50 ms, and each instance holds one more database connection.
    #[default]
    Listen,
    /// Every `REVOCATION_POLL_MS`, one query on a connection of the instance's pool asks what
    /// ended since the last poll. Behind PgBouncer (session pooling), replicas then cost their
    /// pools only (docs/runbook.md, "The connection budget").
    Poll,
}

fn default_resync() -> u64 {
    30
}
fn default_poll_ms() -> u64 {
    250
}

impl Default for RevocationConfig {
    fn default() -> Self {
        Self {
            revocation_feed: RevocationFeed::default(),
            database_listen_url: None,
            revocation_resync_secs: default_resync(),
            revocation_poll_ms: default_poll_ms(),
        }
    }
}

/// HTTP surface settings every service shares.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HttpConfig {
    /// Comma-separated browser origins allowed by CORS; empty means same-origin only.
    #[serde(default)]
    pub cors_allowed_origins: String,
    /// Worker threads; defaults to the number of cores.
    #[serde(default)]
    pub http_workers: Option<usize>,
    /// Comma-separated proxies (IPs or CIDRs) whose `X-Forwarded-For` entries are believed when
    /// finding the client's address; empty means the TCP peer is the client.
    #[serde(default)]
    pub trusted_proxies: String,
    /// Comma-separated networks whose TCP peers may read `/metrics`; unset means loopback and
    /// the private ranges (where a Prometheus runs beside the services), never the public.
    #[serde(default)]
    pub metrics_allowed_networks: Option<String>,
}

/// Who may read `/metrics` when `METRICS_ALLOWED_NETWORKS` is unset.
const METRICS_DEFAULT_NETWORKS: &str = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

/// `list` (comma-separated IPs or CIDRs; a bare IP is a /32 or /128) as networks.
fn networks(variable: &str, list: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError(format!("{variable}: {s:?} is not an IP address or CIDR")))
        })
        .collect()
}

impl HttpConfig {
    /// The settings of test services: one worker, so a test server costs one thread.
    pub fn for_tests() -> Self {
        Self { http_workers: Some(1), ..Default::default() }
    }

    pub fn allowed_origins(&self) -> impl Iterator<Item = &str> {
        self.cors_allowed_origins.split(',').map(str::trim).filter(|s| !s.is_empty())
    }

    /// The trusted proxies as networks.
    pub fn trusted_networks(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        networks("TRUSTED_PROXIES", &self.trusted_proxies)
    }

    /// The networks whose peers may read `/metrics`.
    pub fn metrics_networks(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        networks(
            "METRICS_ALLOWED_NETWORKS",
            self.metrics_allowed_networks.as_deref().unwrap_or(METRICS_DEFAULT_NETWORKS),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secret_is_refused() {
        let err = JwtConfig::new("too-short").validate().unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"));
    }

    #[test]
    fn short_previous_secret_is_refused() {
        let mut config = JwtConfig::new(&"x".repeat(32));
        config.jwt_previous_secrets = format!("{}, short", "y".repeat(32)).into();
        assert!(config.validate().is_err());
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let mut config = JwtConfig::new("s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t");
        config.jwt_previous_secrets = "0ld-s3cr3t-0ld-s3cr3t-0ld-s3cr3t-0".into();
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let database = DatabaseConfig::new("postgres://taskhub:pa55w0rd@db:5432/taskhub");
        assert!(!format!("{database:?}").contains("pa55w0rd"));
    }
}
