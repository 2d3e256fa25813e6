//! task-service's retention rules: soft-deleted tasks are removed for good after 7 days (spec
//! section 5), and the answers kept for idempotency keys after 24 hours. `migrate purge` runs them.

use diesel::{PgConnection, QueryResult, RunQueryDsl};
use serde::Deserialize;
use shared::retention::delete_older_than;

/// How long soft-deleted tasks are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TaskRetention {
    pub deleted_task_retention_days: i32,
}

impl Default for TaskRetention {
    fn default() -> Self {
        Self { deleted_task_retention_days: 7 }
    }
}

/// Removes the tasks deleted longer ago than the retention.
pub fn purge_deleted_tasks(conn: &mut PgConnection, retention: &TaskRetention) -> QueryResult<usize> {
    delete_older_than(conn, "tasks", "deleted_at", retention.deleted_task_retention_days)
}

/// Removes the answers kept for idempotency keys longer than a day (a retry after that is a new request).
pub fn purge_idempotency_keys(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)")
        .bind::<diesel::sql_types::Integer, _>(crate::idempotency::KEEP_HOURS)
        .execute(conn)
}
