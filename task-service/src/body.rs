//! A task as the API sends and receives it: the response body (built from a `TaskRow`, naming
//! each field it shows) and the create and update bodies with their rules.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use shared::{ApiError, TaskId, UserId};
use utoipa::ToSchema;
use validator::Validate;

use crate::model::{NewTask, TaskChanges, TaskRow, TaskStatus};

/// A task as the API returns it.
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
}

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Self {
        let TaskRow { id, title, description, status, user_id, created_at, updated_at } = row;
        Self { id, title, description, status, user_id, created_at, updated_at }
    }
}

/// The text chrono's own `Serialize` writes (`2026-11-25T21:09:26.792658Z`), formatted in one
/// piece: chrono streams it to serde_json in fragments, each escaped on its own, which cost a list
/// of 20 tasks about 4 us of CPU (bench/README.md).
fn rfc3339<S: serde::Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// `GET /api/tasks`
#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<Task>,
}

impl From<Vec<TaskRow>> for TaskList {
    fn from(rows: Vec<TaskRow>) -> Self {
        Self { tasks: rows.into_iter().map(Task::from).collect() }
    }
}

/// `POST /api/tasks`. Fields not listed (`id`, `user_id`, timestamps) are ignored.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
    /// Defaults to `pending`.
    #[serde(default)]
    pub status: Option<TaskStatus>,
}

impl CreateTask {
    /// The row to insert for `owner`.
    pub fn into_new(self, owner: UserId) -> NewTask {
        NewTask {
            user_id: owner,
            title: self.title,
            description: self.description,
            status: self.status.unwrap_or_default(),
        }
    }
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PUT /api/tasks/{task_id}`: only the fields sent change. `description: null` clears it;
/// `title` and `status` cannot be null.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateTask {
    #[serde(default, deserialize_with = "present")]
    #[validate(
        length(max = 200, message = "must be at most 200 characters"),
        custom(function = "shared::text::not_blank")
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000\u0085\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000]*$")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[validate(
        length(max = 2000, message = "must be at most 2000 characters"),
        custom(function = "shared::text::no_nul")
    )]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = TaskStatus)]
    pub status: Option<Option<TaskStatus>>,
}

impl TryFrom<UpdateTask> for TaskChanges {
    type Error = ApiError;

    /// Refuses `null` for the fields that cannot be empty.
    fn try_from(body: UpdateTask) -> Result<Self, ApiError> {
        let title = match body.title {
            Some(None) => return Err(ApiError::invalid("title", "must not be null")),
            title => title.flatten(),
        };
        let status = match body.status {
            Some(None) => return Err(ApiError::invalid("status", "must not be null")),
            status => status.flatten(),
        };
        Ok(Self { title, description: body.description, status, updated_at: Utc::now() })
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
            };
            let json = serde_json::to_value(&task).unwrap();
            assert_eq!(json["created_at"], text);
            assert_eq!(json["updated_at"], serde_json::to_value(at).unwrap(), "chrono's own format");
        }
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
