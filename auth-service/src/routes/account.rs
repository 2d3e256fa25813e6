//! The account: `GET /api/auth/me`, `PUT /api/auth/password`, `DELETE /api/auth/me` and the
//! security log `GET /api/auth/events`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::auth::AuthUser;
use shared::http::{JsonBody, Query, RequestInfo};
use shared::{ApiError, ErrorBody};
use utoipa::ToSchema;
use validator::Validate;

use super::sign_in::UserResponse;
use crate::account;
use crate::events::{self, EventPage, EventParams};
use crate::state::AppState;

/// Me
///
/// The caller's account.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "My account", body = UserResponse),
        (status = 401, description = "Missing, invalid, expired or ended token", body = ErrorBody),
        (status = 503, description = "Database unavailable, or revocations not current; see Retry-After", body = ErrorBody),
    )
)]
pub async fn me(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(UserResponse::from(account::me(&state, caller.id).await?)))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128, example = "correct horse battery")]
    pub current_password: String,
    /// The register rules: 8 to 128 characters.
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters"))]
    #[schema(min_length = 8, max_length = 128, example = "staple battery horse correct")]
    pub new_password: String,
}

/// Change my password
///
/// Checks the current password as a login would (a wrong one counts as a failed login: the same
/// limits, the same 401), sets the new one and ends every other session of mine. This session stays.
#[utoipa::path(
    put,
    path = "/api/auth/password",
    tag = "account",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Password changed; every other session ended"),
        (status = 401, description = "Missing or ended token (`Unauthorized`), or wrong current password (`Invalid credentials`)", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing password, or a new one outside the register rules", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this account or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too many sign-ins in progress; see Retry-After", body = ErrorBody),
    )
)]
pub async fn change_password(
    state: web::Data<AppState>,
    request: RequestInfo,
    caller: AuthUser,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let PasswordChange { current_password, new_password } = body.0;
    account::change_password(&state, &request, caller, current_password, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct AccountDeletion {
    /// My password, to confirm.
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128, example = "correct horse battery")]
    pub password: String,
}

/// Delete my account
///
/// Confirmed by the password (checked as a login would check it). Every session ends and every
/// task of mine is invisible at once; the email can be registered again; the account and its
/// tasks are purged after 30 days.
#[utoipa::path(
    delete,
    path = "/api/auth/me",
    tag = "account",
    security(("bearer" = [])),
    request_body = AccountDeletion,
    responses(
        (status = 204, description = "Account deleted"),
        (status = 401, description = "Missing or ended token (`Unauthorized`), or wrong password (`Invalid credentials`)", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing password", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this account or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too many sign-ins in progress; see Retry-After", body = ErrorBody),
    )
)]
pub async fn delete(
    state: web::Data<AppState>,
    request: RequestInfo,
    caller: AuthUser,
    body: JsonBody<AccountDeletion>,
) -> Result<HttpResponse, ApiError> {
    account::delete(&state, &request, caller, body.0.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My security log
///
/// Sign-ins and failed attempts, refreshes, reused refresh tokens, ended sessions, password
/// changes: newest first, 90 days, paged by `cursor`.
#[utoipa::path(
    get,
    path = "/api/auth/events",
    tag = "account",
    security(("bearer" = [])),
    params(EventParams),
    responses(
        (status = 200, description = "A page of my security log", body = EventPage),
        (status = 401, description = "Missing, invalid, expired or ended token", body = ErrorBody),
        (status = 422, description = "Unknown parameter, limit outside 1-200, or a cursor this list did not make", body = ErrorBody),
        (status = 503, description = "Database unavailable, or revocations not current; see Retry-After", body = ErrorBody),
    )
)]
pub async fn events(
    state: web::Data<AppState>,
    caller: AuthUser,
    params: Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let page = state.db.run(move |conn| events::page(conn, caller.id, &params.0)).await?;
    Ok(HttpResponse::Ok().json(page))
}
