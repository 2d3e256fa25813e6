//! How task-service's data work can fail, beside the database itself; each way maps to the
//! contract's answer.

use shared::{ApiError, TaskId};

use crate::body::etag;

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// No live task of the caller's has this id (missing, deleted or another user's: one 404).
    #[error("task not found")]
    NotFound,
    /// The token's user has no live account (deleted, or never was): the contract's 401.
    #[error("the caller's account is gone")]
    OwnerGone,
    /// A bulk request names an id that is not one of the caller's tasks in the state it needs.
    #[error("task {0} not found")]
    NotFoundId(TaskId),
    /// The caller already holds `max` live tasks.
    #[error("task limit reached")]
    LimitReached { max: i64 },
    /// `If-Match` names another version than the task's current one.
    #[error("the task is at version {current}")]
    VersionMismatch { current: i64 },
    /// A request with the same `Idempotency-Key` is still being served.
    #[error("idempotency key in use")]
    KeyInUse,
    /// The `Idempotency-Key` was first used for another request.
    #[error("idempotency key reused")]
    KeyReused,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl From<TaskError> for ApiError {
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::NotFound => ApiError::NotFound("Task not found".into()),
            TaskError::NotFoundId(id) => ApiError::NotFound(format!("Task {id} not found").into()),
            TaskError::VersionMismatch { current } => ApiError::PreconditionFailed { etag: etag(current) },
            TaskError::OwnerGone => ApiError::Unauthorized,
            TaskError::LimitReached { max } => {
                ApiError::invalid("tasks", format!("a user may hold at most {max} tasks"))
            }
            TaskError::KeyInUse => ApiError::Conflict {
                detail: "A request with this Idempotency-Key is still being served: retry later",
                code: "IDEMPOTENCY_KEY_IN_USE",
            },
            TaskError::KeyReused => ApiError::Unprocessable {
                detail: "This Idempotency-Key was used for another request",
                code: "IDEMPOTENCY_KEY_REUSED",
            },
            TaskError::Database(error) => error.into(),
        }
    }
}
