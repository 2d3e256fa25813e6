//! The audit trail: authentication attempts and task changes, stored in `audit_events` and logged.
//! [`Db::audited`] is the one door for audited writes: the change and its audit row commit
//! together in one transaction, and the audit line is logged only once they have. No email,
//! password or token is kept.

use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::audit_events;
use crate::error::ApiError;
use crate::http::RequestInfo;
use crate::ids::{TaskId, UserId};

/// How an audited attempt ended (the `outcome` column's check constraint lists the same three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Throttled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Throttled => "throttled",
        }
    }
}

/// One audited action.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    /// `login`, `register`, `task_create`, `task_update`, `task_delete`, ...
    pub action: &'static str,
    /// An [`Outcome`], as text.
    outcome: &'static str,
    pub user_id: Option<UserId>,
    pub task_id: Option<TaskId>,
    request_id: Option<String>,
    client_addr: Option<String>,
    /// More tasks the same action changed (a bulk request): one audit row each, beside `task_id`.
    #[diesel(skip_insertion)]
    pub more_tasks: Vec<TaskId>,
}

impl AuditEvent {
    pub fn new(action: &'static str, outcome: Outcome, request: &RequestInfo) -> Self {
        Self {
            action,
            outcome: outcome.as_str(),
            user_id: None,
            task_id: None,
            request_id: Some(request.id.to_string()),
            client_addr: request.client_addr.map(|ip| ip.to_string()),
            more_tasks: Vec::new(),
        }
    }

    /// One event per task of `ids` (none: this event alone).
    pub fn tasks(&mut self, ids: &[TaskId]) {
        if let Some((first, more)) = ids.split_first() {
            self.task_id = Some(*first);
            self.more_tasks = more.to_vec();
        }
    }

    /// This event once per task it names.
    fn each(&self) -> impl Iterator<Item = Self> + '_ {
        let more = self.more_tasks.iter().map(|id| Self { task_id: Some(*id), more_tasks: Vec::new(), ..self.clone() });
        std::iter::once(Self { more_tasks: Vec::new(), ..self.clone() }).chain(more)
    }

    pub fn user(mut self, user_id: UserId) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn task(mut self, task_id: TaskId) -> Self {
        self.task_id = Some(task_id);
        self
    }

    pub fn outcome(&self) -> &'static str {
        self.outcome
    }

    /// Settles the outcome of an event created before it was known.
    pub fn set_outcome(&mut self, outcome: Outcome) {
        self.outcome = outcome.as_str();
    }

    fn insert(&self, conn: &mut PgConnection) -> QueryResult<()> {
        if self.more_tasks.is_empty() {
            return diesel::insert_into(audit_events::table).values(self).execute(conn).map(drop);
        }
        let rows: Vec<Self> = self.each().collect();
        diesel::insert_into(audit_events::table).values(&rows).execute(conn).map(drop)
    }

    fn log(&self) {
        self.each().for_each(|event| event.log_one());
    }

    fn log_one(&self) {
        let mut fields: Vec<(&str, log::kv::Value)> =
            vec![("action", self.action.into()), ("outcome", self.outcome.into())];
        if let Some(UserId(user_id)) = &self.user_id {
            fields.push(("user_id", user_id.into()));
        }
        if let Some(TaskId(task_id)) = &self.task_id {
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

impl Db {
    /// Runs `change` in one transaction that also stores `event`, which the change may complete
    /// (the id of a task it created, say); logs the event once the transaction has committed.
    /// When the change fails, nothing is stored and nothing is logged.
    pub async fn audited<T, E, F>(&self, event: AuditEvent, change: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut PgConnection, &mut AuditEvent) -> Result<T, E> + Send + 'static,
        E: From<diesel::result::Error> + Into<ApiError>,
        T: Send + 'static,
    {
        let (value, event) = self
            .run(move |conn| {
                conn.transaction(|conn| {
                    let mut event = event;
                    let value = change(conn, &mut event)?;
                    event.insert(conn)?;
                    Ok::<_, E>((value, event))
                })
            })
            .await?;
        event.log();
        Ok(value)
    }

    /// Stores and logs `event` alone (an attempt that changed nothing, such as a throttled login).
    pub async fn audit(&self, event: AuditEvent) -> Result<(), ApiError> {
        self.audited(event, |_, _| Ok::<_, diesel::result::Error>(())).await
    }
}
