//! Retention (spec section 5): soft-deleted tasks are removed for good after 7 days, soft-deleted
//! users (with their tasks, by cascade) after 30, audit events after 90, expired login-throttle
//! windows after a day. `migrate purge` runs it; concurrent runs are safe (one waits its turn via
//! an advisory lock, and the deletes are idempotent).

use diesel::prelude::*;
use diesel::sql_types::Integer;
use serde::Deserialize;

const PURGE_LOCK: i64 = 0x0070_7572_6765; // "purge"

/// Ages after which rows are removed.
#[derive(Debug, Clone, Deserialize)]
pub struct RetentionConfig {
    #[serde(default = "default_task_days")]
    pub deleted_task_retention_days: i32,
    #[serde(default = "default_user_days")]
    pub deleted_user_retention_days: i32,
    #[serde(default = "default_audit_days")]
    pub audit_retention_days: i32,
}

fn default_task_days() -> i32 {
    7
}
fn default_user_days() -> i32 {
    30
}
fn default_audit_days() -> i32 {
    90
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            deleted_task_retention_days: default_task_days(),
            deleted_user_retention_days: default_user_days(),
            audit_retention_days: default_audit_days(),
        }
    }
}

/// Rows removed by one purge.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub tasks: usize,
    pub users: usize,
    pub audit_events: usize,
    pub throttle_windows: usize,
}

/// Removes every row past its retention, in one transaction.
pub fn purge(conn: &mut PgConnection, config: &RetentionConfig) -> QueryResult<Purged> {
    conn.transaction(|conn| {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({PURGE_LOCK})")).execute(conn)?;
        let older_than = |sql: &str, days: i32| {
            diesel::sql_query(format!("{sql} < now() - make_interval(days => $1)")).bind::<Integer, _>(days)
        };
        Ok(Purged {
            tasks: older_than("DELETE FROM tasks WHERE deleted_at", config.deleted_task_retention_days)
                .execute(conn)?,
            users: older_than("DELETE FROM users WHERE deleted_at", config.deleted_user_retention_days)
                .execute(conn)?,
            audit_events: older_than("DELETE FROM audit_events WHERE occurred_at", config.audit_retention_days)
                .execute(conn)?,
            throttle_windows: older_than("DELETE FROM login_throttle WHERE window_start", 1).execute(conn)?,
        })
    })
}
