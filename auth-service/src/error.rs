//! How auth-service's data work can fail, beside the database itself; each way maps to the
//! contract's answer.

use shared::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A live account already has this email (the unique index `users_email_live_key`).
    #[error("email already exists")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::EmailTaken => ApiError::BadRequest { detail: "Email already exists", code: "EMAIL_EXISTS" },
            AuthError::Database(error) => error.into(),
        }
    }
}
