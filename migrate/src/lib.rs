//! `migrate purge`'s one transaction: under the purge lock, each service's retention rules remove
//! its rows past their age (deleted tasks, deleted users with their tasks, audit events, expired
//! throttle windows, old sessions). Concurrent runs are safe: one waits for the other, and the deletes are
//! idempotent.

use auth_service::retention::UserRetention;
use diesel::prelude::*;
use shared::config::{ConfigError, from_env};
use shared::retention::AuditRetention;
use task_service::retention::TaskRetention;

/// Every service's retention settings (see `.env.example`).
#[derive(Debug, Clone, Default)]
pub struct Retention {
    pub tasks: TaskRetention,
    pub users: UserRetention,
    pub audit: AuditRetention,
}

impl Retention {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self { tasks: from_env()?, users: from_env()?, audit: from_env()? })
    }
}

/// Rows removed by one purge.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub tasks: usize,
    pub users: usize,
    pub audit_events: usize,
    pub throttle_windows: usize,
    pub idempotency_keys: usize,
    pub sessions: usize,
}

/// Removes every row past its retention, in one transaction.
pub fn purge(conn: &mut PgConnection, retention: &Retention) -> QueryResult<Purged> {
    conn.transaction(|conn| {
        shared::retention::lock(conn)?;
        Ok(Purged {
            tasks: task_service::retention::purge_deleted_tasks(conn, &retention.tasks)?,
            users: auth_service::retention::purge_deleted_users(conn, &retention.users)?,
            audit_events: shared::retention::purge_audit_events(conn, &retention.audit)?,
            throttle_windows: auth_service::retention::purge_throttle_windows(conn)?,
            idempotency_keys: task_service::retention::purge_idempotency_keys(conn)?,
            sessions: auth_service::retention::purge_sessions(conn)?,
        })
    })
}
