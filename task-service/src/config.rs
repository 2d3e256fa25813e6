//! task-service configuration, read once from the environment.

use serde::Deserialize;
use shared::config::{ConfigError, DatabaseConfig, HttpConfig, JwtConfig, from_env};

#[derive(Clone, Debug)]
pub struct Config {
    /// `TASK_SERVICE_ADDR`, default `127.0.0.1:8082`.
    pub addr: String,
    pub database: DatabaseConfig,
    pub jwt: JwtConfig,
    pub http: HttpConfig,
    /// `MAX_TASKS_PER_USER`: live tasks one user may hold, so one list response stays bounded.
    pub max_tasks_per_user: i64,
}

#[derive(Deserialize)]
struct Addr {
    #[serde(default = "default_addr")]
    task_service_addr: String,
    #[serde(default = "default_max_tasks")]
    max_tasks_per_user: i64,
}

/// The default cap on live tasks per user.
pub const DEFAULT_MAX_TASKS: i64 = 1000;

fn default_max_tasks() -> i64 {
    DEFAULT_MAX_TASKS
}

fn default_addr() -> String {
    "127.0.0.1:8082".to_owned()
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let Addr { task_service_addr: addr, max_tasks_per_user } = from_env()?;
        Ok(Self { addr, max_tasks_per_user, database: from_env()?, jwt: JwtConfig::from_env()?, http: from_env()? })
    }
}
