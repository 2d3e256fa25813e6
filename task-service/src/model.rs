//! A task as PostgreSQL stores it: the row read back, the row inserted, the columns an update
//! sets, and the status as its column holds it. The API's own shapes are in `body`, so a column
//! (`deleted_at`, say) reaches a response only when `body::Task` names it.

use std::io::Write;

use chrono::{DateTime, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{SmallInt, Text};
use serde::{Deserialize, Serialize};
use shared::db::schema::tasks;
use shared::{TaskId, UserId};
use utoipa::ToSchema;

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
#[serde(rename_all = "snake_case")]
#[diesel(sql_type = Text)]
pub enum TaskStatus {
    #[default]
    Pending,
    InProgress,
    Completed,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }
}

impl ToSql<Text, Pg> for TaskStatus {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.as_str().as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<Text, Pg> for TaskStatus {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes() {
            b"pending" => Ok(Self::Pending),
            b"in_progress" => Ok(Self::InProgress),
            b"completed" => Ok(Self::Completed),
            other => Err(format!("unknown task status {:?}", String::from_utf8_lossy(other)).into()),
        }
    }
}

/// How urgent a task is. The column holds its rank, so sorting by priority sorts by urgency.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
    AsExpression,
    FromSqlRow,
)]
#[serde(rename_all = "snake_case")]
#[diesel(sql_type = SmallInt)]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn rank(self) -> i16 {
        self as i16
    }

    pub fn from_rank(rank: i16) -> Option<Self> {
        [Self::Low, Self::Normal, Self::High, Self::Urgent].get(usize::try_from(rank).ok()?).copied()
    }
}

impl ToSql<SmallInt, Pg> for Priority {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&self.rank().to_be_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<SmallInt, Pg> for Priority {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let rank = <i16 as FromSql<SmallInt, Pg>>::from_sql(bytes)?;
        Self::from_rank(rank).ok_or_else(|| format!("unknown priority rank {rank}").into())
    }
}

/// A task as read from `tasks`, live or in the trash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks, check_for_backend(Pg))]
pub struct TaskRow {
    pub id: TaskId,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What a bulk request does to each of its tasks.
#[derive(Debug, Clone)]
pub enum BulkAction {
    Update(TaskEdit),
    Delete,
    Restore,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask {
    pub user_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The same instant as the progress times, so that none comes before the creation.
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a client may change on a task (PUT, PATCH and bulk updates): `None` leaves a field as
/// it is, `Some(None)` clears a field that may be empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEdit {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub status: Option<TaskStatus>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub priority: Option<Priority>,
}

/// The progress times a task has after a status change (issue 17): entering `in_progress` sets
/// `started_at` if it is unset; entering `completed` sets `completed_at`; leaving `completed`
/// clears it; returning to `pending` clears both. Staying in a status changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Progress {
    /// The times of a task created in `status` at `now`.
    pub fn new(status: TaskStatus, now: DateTime<Utc>) -> Self {
        Self { started_at: None, completed_at: None }.after(TaskStatus::Pending, status, now)
    }

    /// These times once a task moves `from` one status `to` another at `now`.
    pub fn after(self, from: TaskStatus, to: TaskStatus, now: DateTime<Utc>) -> Self {
        if from == to {
            return self;
        }
        match to {
            TaskStatus::Pending => Self { started_at: None, completed_at: None },
            TaskStatus::InProgress => Self { started_at: self.started_at.or(Some(now)), completed_at: None },
            TaskStatus::Completed => Self { started_at: self.started_at, completed_at: Some(now) },
        }
    }
}

/// The columns an update sets; `None` leaves a column as it is. Built from a [`TaskEdit`] and
/// the row it applies to, so that progress times and the version follow the rules in one place.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub status: Option<TaskStatus>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub priority: Option<Priority>,
    pub started_at: Option<Option<DateTime<Utc>>>,
    pub completed_at: Option<Option<DateTime<Utc>>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TaskEdit {
    /// The columns to set on `row` at `now`.
    pub fn changes_for(&self, row: &TaskRow, now: DateTime<Utc>) -> TaskChanges {
        let before = Progress { started_at: row.started_at, completed_at: row.completed_at };
        let after = before.after(row.status, self.status.unwrap_or(row.status), now);
        TaskChanges {
            title: self.title.clone(),
            description: self.description.clone(),
            status: self.status,
            due_at: self.due_at,
            priority: self.priority,
            started_at: Some(after.started_at),
            completed_at: Some(after.completed_at),
            updated_at: now,
            version: row.version + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use TaskStatus::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, hour, 0, 0).unwrap()
    }

    #[test]
    fn progress_times_follow_the_status() {
        let created = Progress::new(Pending, at(1));
        assert_eq!(created, Progress { started_at: None, completed_at: None });
        let started = created.after(Pending, InProgress, at(2));
        assert_eq!(started, Progress { started_at: Some(at(2)), completed_at: None });
        let done = started.after(InProgress, Completed, at(3));
        assert_eq!(done, Progress { started_at: Some(at(2)), completed_at: Some(at(3)) });
        // Reopened: the start stays, the completion goes; a second start keeps the first one.
        let reopened = done.after(Completed, InProgress, at(4));
        assert_eq!(reopened, Progress { started_at: Some(at(2)), completed_at: None });
        assert_eq!(done.after(Completed, Pending, at(4)), Progress { started_at: None, completed_at: None });
        // Completed without ever being started: nothing says when work began.
        assert_eq!(created.after(Pending, Completed, at(5)), Progress { started_at: None, completed_at: Some(at(5)) });
        assert_eq!(done.after(Completed, Completed, at(6)), done, "staying completed keeps the first completion");
        assert_eq!(Progress::new(Completed, at(7)).completed_at, Some(at(7)));
        assert_eq!(Progress::new(InProgress, at(7)).started_at, Some(at(7)));
    }

    #[test]
    fn priorities_sort_by_urgency() {
        assert!(Priority::Low < Priority::Normal && Priority::High < Priority::Urgent);
        for priority in [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent] {
            assert_eq!(Priority::from_rank(priority.rank()), Some(priority));
        }
        assert_eq!(Priority::from_rank(4), None);
        assert_eq!(Priority::from_rank(-1), None);
    }
}
