//! task-service's retention rule (spec section 5): soft-deleted tasks are removed for good after
//! 7 days. `migrate purge` runs it.

use diesel::{PgConnection, QueryResult};
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
