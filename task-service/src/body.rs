//! A task as the API sends and receives it: the response body (built from a `TaskRow`, naming
//! each field it shows) and the create and update bodies with their rules.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use shared::{ApiError, TaskId, UserId};
use utoipa::ToSchema;
use validator::Validate;

use crate::model::{BulkAction, NewTask, Priority, Progress, TaskEdit, TaskRow, TaskStatus};

/// The entity tag of a task at `version`: `"<version>"`, a strong validator.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A task as the API returns it. Its `ETag` header is derived from `version`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    #[schema(value_type = i64, example = 1)]
    pub id: TaskId,
    #[schema(example = "Write the report")]
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    #[schema(value_type = i64, example = 1)]
    pub user_id: UserId,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// When the task is due, in UTC; `null` when it has no due date.
    #[serde(serialize_with = "rfc3339_or_null")]
    #[schema(example = "2026-12-24T17:00:00Z")]
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    /// Set by the server when the task first enters `in_progress`; cleared when it returns to `pending`.
    #[serde(serialize_with = "rfc3339_or_null")]
    pub started_at: Option<DateTime<Utc>>,
    /// Set by the server when the task enters `completed`; cleared when it leaves it.
    #[serde(serialize_with = "rfc3339_or_null")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Grows by one on every change; `ETag` is `"<version>"`.
    #[schema(example = 1)]
    pub version: i64,
}

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Self {
        let TaskRow {
            id,
            title,
            description,
            status,
            user_id,
            created_at,
            updated_at,
            due_at,
            priority,
            started_at,
            completed_at,
            version,
            deleted_at: _,
        } = row;
        Self {
            id,
            title,
            description,
            status,
            user_id,
            created_at,
            updated_at,
            due_at,
            priority,
            started_at,
            completed_at,
            version,
        }
    }
}

/// A task in the trash: the task as it was deleted, when, and when it will be purged for good.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashedTask {
    #[serde(flatten)]
    pub task: Task,
    #[serde(serialize_with = "rfc3339")]
    pub deleted_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub purge_at: DateTime<Utc>,
}

impl TrashedTask {
    /// `row` as the trash shows it, purged `keep` after its deletion; `None` for a live row.
    pub fn new(row: TaskRow, keep: chrono::Duration) -> Option<Self> {
        let deleted_at = row.deleted_at?;
        Some(Self { task: Task::from(row), deleted_at, purge_at: deleted_at + keep })
    }
}

/// The text chrono's own `Serialize` writes (`2026-11-25T21:09:26.792658Z`), formatted in one
/// piece: chrono streams it to serde_json in fragments, each escaped on its own, which cost a list
/// of 20 tasks about 4 us of CPU (bench/README.md).
fn rfc3339<S: serde::Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

fn rfc3339_or_null<S: serde::Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// A date-time a client sends (`due_at`, `due_before`, `due_after`): RFC 3339 with an offset
/// (`Z` or `+01:00`), a possible date, in the years 1970 to 9999 once in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl std::str::FromStr for Timestamp {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const MESSAGE: &str = "must be an RFC 3339 date-time with an offset, e.g. 2026-12-24T17:00:00Z";
        let at = DateTime::parse_from_rfc3339(text).map_err(|_| MESSAGE)?.with_timezone(&Utc);
        if !(1970..=9999).contains(&chrono::Datelike::year(&at)) {
            return Err("must be in the years 1970 to 9999");
        }
        Ok(Self(at))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `GET /api/tasks` (and a bulk update's or restore's answer).
#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<Task>,
    /// With `limit`: the cursor of the next page; absent on the last page and without `limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl TaskList {
    pub fn new(rows: Vec<TaskRow>, next_cursor: Option<String>) -> Self {
        Self { tasks: rows.into_iter().map(Task::from).collect(), next_cursor }
    }
}

/// `POST /api/tasks`. Fields not listed (`id`, `user_id`, timestamps) are ignored.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "title": "Write the quarterly report",
    "description": "Revenue, churn and the plan for next year; draft to Grace by Thursday.",
    "due_at": "2026-12-24T17:00:00+01:00",
    "priority": "high"
}))]
pub struct CreateTask {
    #[validate(
        length(max = 200, message = "must be at most 200 characters"),
        custom(function = "shared::text::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000\u0085\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000]*$",
        example = "Write the report"
    )]
    pub title: String,
    #[validate(
        length(max = 2000, message = "must be at most 2000 characters"),
        custom(function = "shared::text::no_nul")
    )]
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$", example = "Revenue, churn and the plan for next year.")]
    pub description: Option<String>,
    /// Defaults to `pending`.
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// RFC 3339 with an offset; answered in UTC.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-9][0-9]{3})-", example = "2026-12-24T18:00:00+01:00")]
    pub due_at: Option<Timestamp>,
    /// Defaults to `normal`.
    #[serde(default)]
    pub priority: Option<Priority>,
}

impl CreateTask {
    /// The row to insert for `owner` at `now`.
    pub fn into_new(self, owner: UserId, now: DateTime<Utc>) -> NewTask {
        let status = self.status.unwrap_or_default();
        let progress = Progress::new(status, now);
        NewTask {
            user_id: owner,
            title: self.title,
            description: self.description,
            status,
            due_at: self.due_at.map(|t| t.0),
            priority: self.priority.unwrap_or_default(),
            started_at: progress.started_at,
            completed_at: progress.completed_at,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PUT` and `PATCH /api/tasks/{task_id}` (and a bulk update's `changes`): only the fields sent
/// change. `description: null` and `due_at: null` clear them; `title`, `status` and `priority`
/// cannot be null. Server-set fields (`started_at`, `version`, ...) are ignored.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"status": "in_progress", "priority": "urgent", "due_at": "2026-12-23T12:00:00Z"}))]
pub struct UpdateTask {
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[validate(
        length(max = 200, message = "must be at most 200 characters"),
        custom(function = "shared::text::not_blank")
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000\u0085\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000]*$")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[validate(
        length(max = 2000, message = "must be at most 2000 characters"),
        custom(function = "shared::text::no_nul")
    )]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = TaskStatus)]
    pub status: Option<Option<TaskStatus>>,
    /// RFC 3339 with an offset, or `null` to clear it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-9][0-9]{3})-", example = "2026-12-24T17:00:00Z")]
    pub due_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Priority)]
    pub priority: Option<Option<Priority>>,
}

/// `POST /api/tasks/bulk`: one action on up to 100 of the caller's tasks, all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"ids": [12, 15, 19], "action": "update", "changes": {"status": "completed"}}))]
pub struct BulkRequest {
    /// The tasks, each once: live ones for `update` and `delete`, trashed ones for `restore`.
    #[validate(length(min = 1, max = 100, message = "must list 1 to 100 task ids"))]
    #[schema(schema_with = task_ids_schema, example = json!([1, 2]))]
    pub ids: Vec<TaskId>,
    pub action: BulkActionName,
    /// For `update` only: the fields to change, as in `PATCH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<UpdateTask>,
}

/// 1 to 100 distinct task ids (utoipa's attributes have no `uniqueItems`).
fn task_ids_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let id =
        ObjectBuilder::new().schema_type(Type::Integer).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
    ArrayBuilder::new().items(id).min_items(Some(1)).max_items(Some(100)).unique_items(true).build()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkActionName {
    Update,
    Delete,
    Restore,
}

impl TryFrom<BulkRequest> for (Vec<TaskId>, BulkAction) {
    type Error = ApiError;

    fn try_from(body: BulkRequest) -> Result<Self, ApiError> {
        let mut seen = std::collections::HashSet::new();
        if let Some(id) = body.ids.iter().find(|id| !seen.insert(**id)) {
            return Err(ApiError::invalid("ids", format!("lists task {id} more than once")));
        }
        let action = match (body.action, body.changes) {
            (BulkActionName::Update, Some(changes)) => {
                changes.validate().map_err(|errors| ApiError::from(errors).within("changes"))?;
                BulkAction::Update(TaskEdit::try_from(changes).map_err(|error| error.within("changes"))?)
            }
            (BulkActionName::Update, None) => return Err(ApiError::invalid("changes", "field required")),
            (_, Some(_)) => return Err(ApiError::invalid("changes", "only an update takes changes")),
            (BulkActionName::Delete, None) => BulkAction::Delete,
            (BulkActionName::Restore, None) => BulkAction::Restore,
        };
        Ok((body.ids, action))
    }
}

/// `GET /api/tasks/trash`: trashed tasks, a page at a time.
#[derive(Serialize, ToSchema)]
pub struct TrashList {
    pub tasks: Vec<TrashedTask>,
    /// The cursor of the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        rfc3339(&self.0, serializer)
    }
}

impl TryFrom<UpdateTask> for TaskEdit {
    type Error = ApiError;

    /// Refuses `null` for the fields that cannot be empty.
    fn try_from(body: UpdateTask) -> Result<Self, ApiError> {
        fn required<T>(field: &str, value: Option<Option<T>>) -> Result<Option<T>, ApiError> {
            match value {
                Some(None) => Err(ApiError::invalid(field, "must not be null")),
                value => Ok(value.flatten()),
            }
        }
        Ok(Self {
            title: required("title", body.title)?,
            description: body.description,
            status: required("status", body.status)?,
            due_at: body.due_at.map(|due| due.map(|t| t.0)),
            priority: required("priority", body.priority)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{SubsecRound, TimeZone};

    use super::*;

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 21, 9, 26).unwrap() + chrono::Duration::microseconds(792_658);
        for (at, text) in [
            (at, "2026-11-25T21:09:26.792658Z"),
            (at.trunc_subsecs(3), "2026-11-25T21:09:26.792Z"),
            (at.trunc_subsecs(0), "2026-11-25T21:09:26Z"),
        ] {
            let task = Task {
                id: TaskId(1),
                title: "t".into(),
                description: None,
                status: TaskStatus::Pending,
                user_id: UserId(1),
                created_at: at,
                updated_at: at,
                due_at: Some(at),
                priority: Priority::Normal,
                started_at: None,
                completed_at: None,
                version: 1,
            };
            let json = serde_json::to_value(&task).unwrap();
            assert_eq!(json["created_at"], text);
            assert_eq!(json["updated_at"], serde_json::to_value(at).unwrap(), "chrono's own format");
            assert_eq!(json["due_at"], text);
            assert_eq!(json["started_at"], serde_json::Value::Null);
        }
    }

    #[test]
    fn timestamps_need_an_offset_a_real_date_and_a_year_from_1970_to_9999() {
        let ok: Timestamp = "2026-12-24T18:00:00+01:00".parse().unwrap();
        assert_eq!(ok.0, Utc.with_ymd_and_hms(2026, 12, 24, 17, 0, 0).unwrap());
        assert!("2026-12-24T17:00:00.123456Z".parse::<Timestamp>().is_ok());
        for bad in [
            "2026-12-24T17:00:00",
            "2026-12-24",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:00:00-05:00",
            "10000-01-01T00:00:00Z",
            "tomorrow",
            "",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        assert!("1970-01-01T00:00:00Z".parse::<Timestamp>().is_ok());
        assert!("9999-12-31T23:59:59Z".parse::<Timestamp>().is_ok());
    }

    /// The document promises what `not_blank` enforces: the title patterns are the shared one.
    #[test]
    fn title_patterns_are_the_visible_text_pattern() {
        use utoipa::PartialSchema;
        for schema in [CreateTask::schema(), UpdateTask::schema()] {
            let json = serde_json::to_value(schema).unwrap();
            assert_eq!(json["properties"]["title"]["pattern"], shared::text::VISIBLE_PATTERN);
        }
    }
}
