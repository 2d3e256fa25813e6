//! auth-service configuration, read once from the environment.

use serde::Deserialize;
use shared::config::{ConfigError, DatabaseConfig, HttpConfig, JwtConfig, from_env};

#[derive(Clone, Debug)]
pub struct Config {
    /// `AUTH_SERVICE_ADDR`, default `127.0.0.1:8081`.
    pub addr: String,
    pub database: DatabaseConfig,
    pub jwt: JwtConfig,
    pub http: HttpConfig,
}

#[derive(Deserialize)]
struct Addr {
    #[serde(default = "default_addr")]
    auth_service_addr: String,
}

fn default_addr() -> String {
    "127.0.0.1:8081".to_owned()
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            addr: from_env::<Addr>()?.auth_service_addr,
            database: from_env()?,
            jwt: JwtConfig::from_env()?,
            http: from_env()?,
        })
    }
}
