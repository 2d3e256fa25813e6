//! task-service configuration, read once from the environment.

use crate::retention::TaskRetention;
use serde::Deserialize;
use shared::config::{ConfigError, DatabaseConfig, HttpConfig, JwtConfig, RevocationConfig, from_env, listen_addr};

#[derive(Clone, Debug)]
pub struct Config {
    /// `TASK_SERVICE_ADDR`, default `127.0.0.1:8082`.
    pub addr: String,
    pub database: DatabaseConfig,
    pub jwt: JwtConfig,
    /// How the service follows the ended sessions (`DATABASE_LISTEN_URL`, `REVOCATION_RESYNC_SECS`).
    pub revocation: RevocationConfig,
    pub http: HttpConfig,
    /// `MAX_TASKS_PER_USER`: live tasks one user may hold, so one list response stays bounded.
    pub max_tasks_per_user: i64,
    /// `DELETED_TASK_RETENTION_DAYS`: how long the trash keeps a task (`migrate purge` removes it after).
    pub retention: TaskRetention,
}

/// The default cap on live tasks per user.
pub const DEFAULT_MAX_TASKS: i64 = 1000;

#[derive(Deserialize)]
struct TaskLimits {
    #[serde(default = "default_max_tasks")]
    max_tasks_per_user: i64,
}

fn default_max_tasks() -> i64 {
    DEFAULT_MAX_TASKS
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let database: DatabaseConfig = from_env()?;
        // Its connections are the read connection and a pool of at least one (ADR 0008).
        if database.db_pool_size < 2 {
            return Err(ConfigError(format!(
                "DB_POOL_SIZE={} is too small for task-service: it holds a read connection and a pool of at least one (at least 2)",
                database.db_pool_size
            )));
        }
        // The read connection reads the URL itself (not libpq): an option it cannot honour stops the start here.
        shared::db::ReadConfig::new(&database)?;
        Ok(Self {
            addr: listen_addr("TASK_SERVICE_ADDR", "127.0.0.1:8082")?,
            database,
            jwt: JwtConfig::from_env()?,
            revocation: from_env()?,
            http: from_env()?,
            max_tasks_per_user: from_env::<TaskLimits>()?.max_tasks_per_user,
            retention: from_env()?,
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
            max_tasks_per_user: DEFAULT_MAX_TASKS,
            retention: TaskRetention::default(),
        }
    }
}
