//! The audit trail: authentication attempts and task changes, stored in `audit_events` (in the
//! same transaction as the change they record) and logged. No email, password or token is kept.

use diesel::prelude::*;

use crate::db::schema::audit_events;
use crate::http::RequestInfo;

/// One audited action.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    /// `login`, `register`, `task_create`, `task_update` or `task_delete`.
    pub action: &'static str,
    /// `success`, `failure` or `throttled`.
    pub outcome: &'static str,
    pub user_id: Option<i64>,
    pub task_id: Option<i64>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
}

impl AuditEvent {
    pub fn new(action: &'static str, outcome: &'static str, request: &RequestInfo) -> Self {
        Self {
            action,
            outcome,
            user_id: None,
            task_id: None,
            request_id: Some(request.id.clone()),
            client_addr: request.client_addr.map(|ip| ip.to_string()),
        }
    }

    pub fn user(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn task(mut self, task_id: i64) -> Self {
        self.task_id = Some(task_id);
        self
    }

    /// Stores the event; call it inside the transaction that makes the change.
    pub fn insert(&self, conn: &mut PgConnection) -> QueryResult<()> {
        diesel::insert_into(audit_events::table).values(self).execute(conn).map(drop)
    }

    /// Writes the event's log line; call it once the change is committed.
    pub fn log(&self) {
        let mut fields: Vec<(&str, log::kv::Value)> =
            vec![("action", self.action.into()), ("outcome", self.outcome.into())];
        if let Some(user_id) = &self.user_id {
            fields.push(("user_id", user_id.into()));
        }
        if let Some(task_id) = &self.task_id {
            fields.push(("task_id", task_id.into()));
        }
        if let Some(request_id) = &self.request_id {
            fields.push(("request_id", request_id.as_str().into()));
        }
        if let Some(client_addr) = &self.client_addr {
            fields.push(("client_addr", client_addr.as_str().into()));
        }
        crate::logging::emit(log::Level::Info, "audit", "audit", &fields);
    }
}
