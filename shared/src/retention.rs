//! Retention (spec section 5), the shared part: the lock that makes concurrent purges take turns,
//! and the audit trail's 90 days. Each service owns the retention of its own rows (task-service:
//! deleted tasks; auth-service: deleted users and throttle windows); `migrate purge` runs them all
//! in one transaction under [`lock`].

use diesel::prelude::*;
use diesel::sql_types::Integer;
use serde::Deserialize;

const PURGE_LOCK: i64 = 0x0070_7572_6765; // "purge"

/// Holds the purge lock until the transaction ends: a concurrent purge waits its turn.
pub fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({PURGE_LOCK})")).execute(conn).map(drop)
}

/// `DELETE FROM <table> WHERE <column> < now() - <days> days`: the rows past their retention.
pub fn delete_older_than(conn: &mut PgConnection, table: &str, column: &str, days: i32) -> QueryResult<usize> {
    diesel::sql_query(format!("DELETE FROM {table} WHERE {column} < now() - make_interval(days => $1)"))
        .bind::<Integer, _>(days)
        .execute(conn)
}

/// How long audit events are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuditRetention {
    pub audit_retention_days: i32,
}

impl Default for AuditRetention {
    fn default() -> Self {
        Self { audit_retention_days: 90 }
    }
}

/// Removes the audit events past their retention.
pub fn purge_audit_events(conn: &mut PgConnection, retention: &AuditRetention) -> QueryResult<usize> {
    delete_older_than(conn, "audit_events", "occurred_at", retention.audit_retention_days)
}
