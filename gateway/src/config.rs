//! gateway configuration, read once from the environment.

use serde::Deserialize;
use shared::config::{ConfigError, HttpConfig, from_env};

#[derive(Clone, Debug, Deserialize)]
pub struct Config {
    /// `GATEWAY_ADDR`, default `127.0.0.1:8080`.
    #[serde(default = "default_addr", rename = "gateway_addr")]
    pub addr: String,
    /// Base URL of auth-service, default `http://127.0.0.1:8081`.
    #[serde(default = "default_auth_url")]
    pub auth_service_url: String,
    /// Base URL of task-service, default `http://127.0.0.1:8082`.
    #[serde(default = "default_task_url")]
    pub task_service_url: String,
    /// Longest wait for an upstream's answer before a 504.
    #[serde(default = "default_timeout")]
    pub upstream_timeout_secs: u64,
    #[serde(skip)]
    pub http: HttpConfig,
}

fn default_addr() -> String {
    "127.0.0.1:8080".to_owned()
}
fn default_auth_url() -> String {
    "http://127.0.0.1:8081".to_owned()
}
fn default_task_url() -> String {
    "http://127.0.0.1:8082".to_owned()
}
fn default_timeout() -> u64 {
    30
}

impl Config {
    /// The defaults, pointing at the given upstreams (for tests).
    pub fn new(auth_service_url: impl Into<String>, task_service_url: impl Into<String>) -> Self {
        Self {
            addr: default_addr(),
            auth_service_url: auth_service_url.into(),
            task_service_url: task_service_url.into(),
            upstream_timeout_secs: default_timeout(),
            http: HttpConfig::default(),
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self { http: from_env()?, ..from_env()? })
    }
}
