//! gateway configuration, read once from the environment.

use serde::Deserialize;
use shared::config::{ConfigError, HttpConfig, from_env, listen_addr};

#[derive(Clone, Debug)]
pub struct Config {
    /// `GATEWAY_ADDR`, default `127.0.0.1:8080`.
    pub addr: String,
    pub upstreams: UpstreamConfig,
    pub http: HttpConfig,
}

/// Where the services are and how long the gateway waits for them.
#[derive(Clone, Debug, Deserialize)]
pub struct UpstreamConfig {
    /// Base URL of auth-service, default `http://127.0.0.1:8081`.
    #[serde(default = "default_auth_url")]
    pub auth_service_url: String,
    /// Base URL of task-service, default `http://127.0.0.1:8082`.
    #[serde(default = "default_task_url")]
    pub task_service_url: String,
    /// Longest wait for an upstream's answer before a 504.
    #[serde(default = "default_timeout")]
    pub upstream_timeout_secs: u64,
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
    /// The gateway is the edge: it believes the `X-Forwarded-For` of no one, unless
    /// `GATEWAY_TRUSTED_PROXIES` names the proxies in front of it (nginx in compose).
    /// `TRUSTED_PROXIES` is the services' list, naming the gateway itself.
    pub fn from_env() -> Result<Self, ConfigError> {
        #[derive(Deserialize)]
        struct Edge {
            #[serde(default)]
            gateway_trusted_proxies: String,
        }
        let http = HttpConfig { trusted_proxies: from_env::<Edge>()?.gateway_trusted_proxies, ..from_env()? };
        Ok(Self { addr: listen_addr("GATEWAY_ADDR", "127.0.0.1:8080")?, upstreams: from_env()?, http })
    }

    /// The defaults in front of the given upstreams, with one HTTP worker (for tests).
    pub fn for_tests(auth_service_url: &str, task_service_url: &str) -> Self {
        Self {
            addr: "127.0.0.1:0".to_owned(),
            upstreams: UpstreamConfig {
                auth_service_url: auth_service_url.to_owned(),
                task_service_url: task_service_url.to_owned(),
                upstream_timeout_secs: default_timeout(),
            },
            http: HttpConfig::for_tests(),
        }
    }
}
