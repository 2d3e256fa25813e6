//! How task-service's data work can fail, beside the database itself; each way maps to the
//! contract's answer.

use shared::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// No live task of the caller's has this id (missing, deleted or another user's: one 404).
    #[error("task not found")]
    NotFound,
    /// The token's user has no live account (deleted, or never was): the contract's 401.
    #[error("the caller's account is gone")]
    OwnerGone,
    /// The caller already holds `max` live tasks.
    #[error("task limit reached")]
    LimitReached { max: i64 },
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl From<TaskError> for ApiError {
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::NotFound => ApiError::NotFound("Task not found"),
            TaskError::OwnerGone => ApiError::Unauthorized,
            TaskError::LimitReached { max } => {
                ApiError::invalid("tasks", format!("a user may hold at most {max} tasks"))
            }
            TaskError::Database(error) => error.into(),
        }
    }
}
