//! auth-service's retention rules (spec section 5): soft-deleted users go after 30 days (their
//! tasks and sessions with them, by the foreign keys' cascade), expired login-throttle windows
//! after a day, and sessions a week after they ended or expired (their refresh tokens with them).
//! `migrate purge` runs them.

use diesel::PgConnection;
use diesel::{QueryResult, RunQueryDsl};
use serde::Deserialize;
use shared::retention::delete_older_than;

/// How long soft-deleted accounts are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UserRetention {
    pub deleted_user_retention_days: i32,
}

impl Default for UserRetention {
    fn default() -> Self {
        Self { deleted_user_retention_days: 30 }
    }
}

/// Removes the accounts (and, by cascade, their tasks) deleted longer ago than the retention.
pub fn purge_deleted_users(conn: &mut PgConnection, retention: &UserRetention) -> QueryResult<usize> {
    delete_older_than(conn, "users", "deleted_at", retention.deleted_user_retention_days)
}

/// Removes throttle windows that started more than a day ago (every window is shorter).
pub fn purge_throttle_windows(conn: &mut PgConnection) -> QueryResult<usize> {
    delete_older_than(conn, "login_throttle", "window_start", 1)
}

/// Removes sessions (and, by cascade, their refresh tokens) a week after they ended or expired:
/// long past the last access token any of them issued, and the security log keeps their story.
pub fn purge_sessions(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM sessions WHERE ended_at < now() - interval '7 days' OR expires_at < now() - interval '7 days'",
    )
    .execute(conn)
}
