//! Sessions: `POST /api/auth/refresh`, `POST /api/auth/logout`, `POST /api/auth/logout-all`,
//! `GET /api/auth/sessions` and `DELETE /api/auth/sessions/{session_id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use shared::audit::{AuditEvent, Outcome};
use shared::auth::AuthUser;
use shared::http::{JsonBody, RequestInfo};
use shared::{ApiError, ErrorBody, SessionId};
use utoipa::ToSchema;
use validator::Validate;

use super::sign_in::TokenResponse;
use crate::sessions::{self, EndReason, Ended, LOGOUT, LOGOUT_ALL, SESSION_END, SessionRow};
use crate::state::AppState;

#[derive(Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    /// The `refresh_token` of the last login or refresh.
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128, example = "mG4x7Qk2Vb9sN1pR8tYz3wLc6dHf0aJe5uKi2oPq7rS")]
    pub refresh_token: String,
}

/// Refresh the access token
///
/// Exchanges a refresh token (single-use) for a new access token and a new refresh token. A
/// refresh token that was already used ends its whole session (someone else has its successor)
/// and is audited as `refresh_reused`. Not subject to the login failure limits: it has its own
/// per-address limit.
#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token and refresh token", body = TokenResponse),
        (status = 401, description = "Unknown, used, expired or ended refresh token: exactly `{\"detail\": \"Unauthorized\"}`", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing or oversized refresh_token", body = ErrorBody),
        (status = 429, description = "Too many failed refreshes from this address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable; see Retry-After", body = ErrorBody),
    )
)]
pub async fn refresh(
    state: web::Data<AppState>,
    request: RequestInfo,
    req: HttpRequest,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = super::client(&req, &request);
    let (access, session) = crate::refresh::refresh(&state, &request, client, body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::new(access, session)))
}

/// Ends the sessions of `ending` for `caller` and audits it; 404 (and nothing audited) when the
/// one session named is not a live session of the caller's.
async fn end_sessions(
    state: &AppState,
    request: &RequestInfo,
    caller: AuthUser,
    ending: Ending,
) -> Result<(), ApiError> {
    let event = AuditEvent::new(ending.action(), Outcome::Success, request).user(caller.id);
    let ended = state
        .db
        .audited(event, move |conn, _| {
            Ok(match (ending, caller.session) {
                (Ending::One(session), _) => match sessions::end(conn, caller.id, session, EndReason::Ended)? {
                    Ended(none) if none.is_empty() => return Err(ApiError::NotFound("Session not found".into())),
                    ended => ended,
                },
                (Ending::Mine, Some(session)) => sessions::end(conn, caller.id, session, EndReason::Logout)?,
                (Ending::Mine, None) => Ended(vec![sessions::end_sessionless(conn, caller.id)?]),
                (Ending::All, _) => sessions::end_all(conn, caller.id, None, EndReason::LogoutAll)?,
            })
        })
        .await?;
    state.verifier.revocations.learn(ended.0);
    Ok(())
}

/// Which sessions a request ends.
#[derive(Clone, Copy)]
enum Ending {
    /// The caller's own (for a token from before sessions: every such token of theirs).
    Mine,
    All,
    One(SessionId),
}

impl Ending {
    /// The audit action of this ending.
    fn action(self) -> &'static str {
        match self {
            Self::Mine => LOGOUT,
            Self::All => LOGOUT_ALL,
            Self::One(_) => SESSION_END,
        }
    }
}

/// Sign out
///
/// Ends the caller's session: its access tokens are refused by every service at once, and its
/// refresh token can no longer be used.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Missing, invalid, expired or ended token", body = ErrorBody),
        (status = 503, description = "Database unavailable, or revocations not current; see Retry-After", body = ErrorBody),
    )
)]
pub async fn logout(
    state: web::Data<AppState>,
    request: RequestInfo,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    end_sessions(&state, &request, caller, Ending::Mine).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere
///
/// Ends every session of the caller, this one included.
#[utoipa::path(
    post,
    path = "/api/auth/logout-all",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, description = "Missing, invalid, expired or ended token", body = ErrorBody),
        (status = 503, description = "Database unavailable, or revocations not current; see Retry-After", body = ErrorBody),
    )
)]
pub async fn logout_all(
    state: web::Data<AppState>,
    request: RequestInfo,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    end_sessions(&state, &request, caller, Ending::All).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One of my sessions.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    #[serde(flatten)]
    #[schema(inline)]
    pub session: SessionRow,
    /// Whether this is the session of the token that asked.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

/// My sessions
///
/// The caller's sessions that can still be refreshed, most recently used first, with the one the
/// request came from marked `current`.
#[utoipa::path(
    get,
    path = "/api/auth/sessions",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "My sessions", body = SessionList),
        (status = 401, description = "Missing, invalid, expired or ended token", body = ErrorBody),
        (status = 503, description = "Database unavailable, or revocations not current; see Retry-After", body = ErrorBody),
    )
)]
pub async fn list(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let lifetimes = state.sessions.clone();
    let rows = state.db.run(move |conn| sessions::list(conn, caller.id, &lifetimes)).await?;
    let sessions =
        rows.into_iter().map(|session| SessionView { current: Some(session.id) == caller.session, session }).collect();
    Ok(HttpResponse::Ok().json(SessionList { sessions }))
}

/// End one of my sessions
///
/// Ends the session (a lost laptop's, say): its tokens are refused at once. 404 for a session
/// that is not the caller's or has already ended.
#[utoipa::path(
    delete,
    path = "/api/auth/sessions/{session_id}",
    tag = "sessions",
    security(("bearer" = [])),
    params(("session_id" = i64, Path, description = "Session id, from `GET /api/auth/sessions`")),
    responses(
        (status = 204, description = "Session ended"),
        (status = 401, description = "Missing, invalid, expired or ended token", body = ErrorBody),
        (status = 404, description = "No such live session of mine", body = ErrorBody),
        (status = 503, description = "Database unavailable, or revocations not current; see Retry-After", body = ErrorBody),
    )
)]
pub async fn end(
    state: web::Data<AppState>,
    request: RequestInfo,
    caller: AuthUser,
    path: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    end_sessions(&state, &request, caller, Ending::One(path.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}
