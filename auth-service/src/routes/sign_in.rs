//! `POST /api/auth/register` and `POST /api/auth/login`: the bodies they take and give, and
//! handlers that hand them to their policy (`register`, `login`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use shared::http::{JsonBody, RequestInfo};
use shared::{ApiError, ErrorBody};
use utoipa::ToSchema;
use validator::Validate;

use crate::sessions::Renewed;
use crate::state::AppState;
use crate::users::UserRow;
use crate::{login, register};

/// A new account's email in its stored form (`email::normalize`): 422 when it has none.
fn normalized_email<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    crate::email::normalize(&raw).map_err(serde::de::Error::custom)
}

/// A login's email in the form accounts are looked up by.
fn lookup_email<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|raw| crate::email::lookup_form(&raw))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    /// Stored in one form per mailbox: trimmed, NFC, the local part lower-cased, the domain in
    /// its IDNA ASCII form; invisible and control characters are refused.
    #[serde(deserialize_with = "normalized_email")]
    #[validate(
        email(message = "must be a valid email address"),
        length(max = 255, message = "must be at most 255 characters")
    )]
    #[schema(format = "email", max_length = 255, pattern = r"^[^\u0000]*$", example = "grace@example.com")]
    pub email: String,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters"))]
    #[schema(min_length = 8, max_length = 128, example = "a long passphrase of my own")]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    #[schema(value_type = i64, example = 1)]
    pub id: shared::UserId,
    #[schema(example = "ada@example.com")]
    pub email: String,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for UserResponse {
    fn from(user: UserRow) -> Self {
        Self { id: user.id, email: user.email, created_at: user.created_at }
    }
}

/// Register an account
///
/// Creates a user. The email is trimmed and lower-cased; it must not belong to a live account.
#[utoipa::path(
    post,
    path = "/api/auth/register",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = UserResponse),
        (status = 400, description = "Email already exists", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid email or password", body = ErrorBody),
        (status = 429, description = "Too many registrations from this address (when limited); see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too many sign-ins in progress; see Retry-After", body = ErrorBody),
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    request: RequestInfo,
    body: JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let RegisterRequest { email, password } = body.0;
    let user = register::register(&state, &request, email, password).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(user)))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[serde(deserialize_with = "lookup_email")]
    #[validate(
        length(min = 1, max = 255, message = "must be 1 to 255 characters"),
        custom(function = "shared::text::no_nul")
    )]
    #[schema(min_length = 1, max_length = 255, pattern = r"^[^\u0000]*$", example = "ada@example.com")]
    pub email: String,
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128, example = "correct horse battery")]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 86400)]
    pub expires_in: u64,
    /// Single-use: `POST /api/auth/refresh` exchanges it for a new access token and a new refresh
    /// token. Presenting one that was already used ends the whole session. Keep it out of reach
    /// of scripts (the web app holds it in an HttpOnly cookie).
    #[schema(example = "mG4x7Qk2Vb9sN1pR8tYz3wLc6dHf0aJe5uKi2oPq7rS")]
    pub refresh_token: String,
    /// Seconds until the refresh token can no longer be used (it expires after 14 idle days, and
    /// the session after 30, unless configured otherwise).
    #[schema(example = 1209600)]
    pub refresh_expires_in: u64,
}

impl TokenResponse {
    pub fn new(access: shared::auth::IssuedToken, session: Renewed) -> Self {
        Self {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: access.expires_in,
            refresh_token: session.refresh_token.0,
            refresh_expires_in: session.refresh_expires_in,
        }
    }
}

/// Log in
///
/// Exchanges email and password for an access token and a session's refresh token. A wrong
/// password and an unknown email get the same 401 in the same time.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; `Set-Cookie` gives the client a device cookie for this account (HttpOnly, path /api/auth/login, 90 days): attempts that send it back are limited per device, not by the account's lockout", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "`taskhub_device_<tag>=<token>`"))),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing or oversized email or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this account, address or device; see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too many sign-ins in progress; see Retry-After", body = ErrorBody),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    request: RequestInfo,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let now = chrono::Utc::now().timestamp();
    let cookies = req.headers().get_all(header::COOKIE).filter_map(|v| v.to_str().ok());
    let device = state.devices.recognise(&email, cookies, now);
    let client = super::client(&req, &request);
    let signed_in = login::login(&state, &request, client, email.clone(), password, device).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::SET_COOKIE, state.devices.set_cookie(&email, now)))
        .json(TokenResponse::new(signed_in.access, signed_in.session)))
}
