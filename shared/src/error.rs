//! The contract's error body (`{"detail", "error_code"?, "validation_errors"?}`) and the one error
//! type every service returns. Internal causes are logged, never sent to the client.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Seconds a client should wait before retrying after a 503 from this system.
pub const RETRY_AFTER_SECS: u64 = 5;

/// The error body of every 4xx and 5xx response.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct ErrorBody {
    /// Human-readable error message.
    #[schema(example = "Task not found")]
    pub detail: String,
    /// Stable machine-readable code; absent on the plain 401.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "NOT_FOUND")]
    pub error_code: Option<&'static str>,
    /// One entry per invalid field (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<FieldError>>,
}

/// One invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    #[schema(example = "title")]
    pub field: String,
    #[schema(example = "must be at most 200 characters")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every way a request can fail, named by what the client sees.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a fixed message, e.g. "Email already exists".
    #[error("{detail}")]
    BadRequest { detail: &'static str, code: &'static str },
    /// 401 exactly `{"detail": "Unauthorized"}`: missing, malformed, expired or forged token.
    #[error("Unauthorized")]
    Unauthorized,
    /// 401 `Invalid credentials`: wrong password and unknown email alike.
    #[error("Invalid credentials")]
    InvalidCredentials,
    /// 404 for a resource that is missing, deleted or another user's.
    #[error("{0}")]
    NotFound(std::borrow::Cow<'static, str>),
    /// 405 with the methods the resource does allow.
    #[error("Method not allowed")]
    MethodNotAllowed { allow: &'static str },
    /// 408: the body did not arrive in time; the connection is closed.
    #[error("Request body not received in time")]
    RequestTimeout,
    /// 409: the request conflicts with one still being served (an idempotent retry, say).
    #[error("{detail}")]
    Conflict { detail: &'static str, code: &'static str },
    /// 412 with the resource's current `ETag`: its `If-Match` names another version.
    #[error("The resource has changed since it was read: fetch it again")]
    PreconditionFailed { etag: String },
    /// 413: the body is larger than the service accepts.
    #[error("Request body too large")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// 422 with one entry per invalid field.
    #[error("Validation error")]
    Validation(Vec<FieldError>),
    /// 422 for a well-formed request that cannot be carried out, with its own code.
    #[error("{detail}")]
    Unprocessable { detail: &'static str, code: &'static str },
    /// 429 with `Retry-After`.
    #[error("{detail}")]
    TooManyRequests { detail: &'static str, retry_after: u64 },
    /// 502: an upstream answered with something unusable.
    #[error("Bad gateway")]
    BadGateway,
    /// 503 with `Retry-After`: the database or an upstream is unreachable, or capacity is spent.
    #[error("{0}")]
    Unavailable(&'static str),
    /// 504: a query or an upstream took longer than its timeout.
    #[error("{0}")]
    Timeout(&'static str),
    /// 500; the cause is logged, the client sees a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A single-field 422.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// This error with its fields named inside `parent` (`changes.title`).
    pub fn within(self, parent: &str) -> Self {
        match self {
            Self::Validation(errors) => Self::Validation(
                errors.into_iter().map(|e| FieldError::new(format!("{parent}.{}", e.field), e.message)).collect(),
            ),
            other => other,
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    fn code(&self) -> Option<&'static str> {
        Some(match self {
            Self::BadRequest { code, .. } => code,
            Self::Unauthorized => return None,
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::Conflict { code, .. } | Self::Unprocessable { code, .. } => code,
            Self::PreconditionFailed { .. } => "PRECONDITION_FAILED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::Validation(_) => "VALIDATION_ERROR",
            Self::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            Self::BadGateway => "BAD_GATEWAY",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Timeout(_) => "TIMEOUT",
            Self::Internal(_) => "INTERNAL_ERROR",
        })
    }

    /// The body this error is sent with.
    pub fn body(&self) -> ErrorBody {
        let detail = match self {
            Self::Internal(_) => "Internal server error".to_owned(),
            other => other.to_string(),
        };
        let validation_errors = match self {
            Self::Validation(errors) => Some(errors.clone()),
            _ => None,
        };
        ErrorBody { detail, error_code: self.code(), validation_errors }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway => StatusCode::BAD_GATEWAY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, *allow));
            }
            Self::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, *retry_after));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS));
            }
            Self::PreconditionFailed { etag } => {
                response.insert_header((header::ETAG, etag.as_str()));
            }
            Self::Unauthorized | Self::InvalidCredentials => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            // The rest of the body may still be on its way: this connection cannot carry another request.
            Self::RequestTimeout => {
                response.force_close();
            }
            _ => {}
        }
        response.json(self.body())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errs)| {
                errs.iter().map(move |e| {
                    let message = e.message.as_deref().unwrap_or("is invalid");
                    FieldError::new(field.as_ref(), message)
                })
            })
            .collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        Self::Validation(fields)
    }
}

/// How libpq and PostgreSQL say that the connection, not the query, failed.
#[cfg(feature = "db")]
const LINK_FAILURES: [&str; 7] = [
    "no connection to the server",
    "server closed the connection unexpectedly",
    "could not receive data from server",
    "could not send data to server",
    "terminating connection",
    "connection to server",
    "SSL SYSCALL error",
];

#[cfg(feature = "db")]
impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => {
                Self::Unavailable("Database unavailable")
            }
            // The connection broke under the query (libpq's words; Diesel files them as Unknown):
            // retryable, like a refused one, never a 500.
            Error::DatabaseError(_, info) if LINK_FAILURES.iter().any(|m| info.message().contains(m)) => {
                Self::Unavailable("Database unavailable")
            }
            // Diesel does not expose the SQLSTATE (57014 is every cancellation), so a statement
            // timeout is told apart by PostgreSQL's message: "canceling statement due to statement timeout".
            Error::DatabaseError(_, info) if info.message().contains("statement timeout") => {
                Self::Timeout("Database query timed out")
            }
            other => Self::internal(other),
        }
    }
}

#[cfg(feature = "db")]
impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        log::warn!("database pool checkout failed: {error}");
        Self::Unavailable("Database unavailable")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_body_is_exactly_the_contracts() {
        let body = serde_json::to_value(ApiError::Unauthorized.body()).unwrap();
        assert_eq!(body, serde_json::json!({"detail": "Unauthorized"}));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let body = ApiError::internal("relation \"users\" does not exist").body();
        assert_eq!(body.detail, "Internal server error");
    }

    #[cfg(feature = "db")]
    #[test]
    fn a_broken_link_is_503_whatever_diesel_calls_it() {
        use diesel::result::{DatabaseErrorKind, Error};
        for (kind, message) in [
            (DatabaseErrorKind::Unknown, "no connection to the server\n"),
            (DatabaseErrorKind::Unknown, "server closed the connection unexpectedly"),
            (DatabaseErrorKind::Unknown, "could not receive data from server: Connection timed out"),
            (DatabaseErrorKind::UnableToSendCommand, "anything"),
            (DatabaseErrorKind::ClosedConnection, "anything"),
        ] {
            let error = ApiError::from(Error::DatabaseError(kind, Box::new(message.to_owned())));
            assert!(matches!(error, ApiError::Unavailable(_)), "{message}: {error:?}");
        }
        let error =
            ApiError::from(Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new("syntax error".to_owned())));
        assert!(matches!(error, ApiError::Internal(_)));
    }

    #[test]
    fn validation_errors_list_each_field() {
        let body = serde_json::to_value(ApiError::invalid("title", "is required").body()).unwrap();
        assert_eq!(body["validation_errors"], serde_json::json!([{"field": "title", "message": "is required"}]));
        assert_eq!(body["error_code"], "VALIDATION_ERROR");
    }
}
