//! `POST /api/auth/register` and `POST /api/auth/login`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use shared::auth::JwtKeys;
use shared::db::{self, DbPool};
use shared::http::{JsonBody, method_not_allowed};
use shared::{ApiError, ErrorBody};
use utoipa::ToSchema;
use validator::Validate;

use crate::password;
use crate::users::{self, NewUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(shared::health::health))
        .service(
            web::resource("/api/auth/register")
                .route(web::post().to(register))
                .default_service(method_not_allowed("POST")),
        )
        .service(
            web::resource("/api/auth/login").route(web::post().to(login)).default_service(method_not_allowed("POST")),
        );
}

/// Emails are compared trimmed and lower-cased.
fn normalized_email<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|e| e.trim().to_lowercase())
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    /// Stored trimmed and lower-cased.
    #[serde(deserialize_with = "normalized_email")]
    #[validate(
        email(message = "must be a valid email address"),
        length(max = 255, message = "must be at most 255 characters")
    )]
    #[schema(format = "email", max_length = 255, example = "ada@example.com")]
    pub email: String,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters"))]
    #[schema(min_length = 8, max_length = 128, example = "correct horse battery")]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "ada@example.com")]
    pub email: String,
    pub created_at: DateTime<Utc>,
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
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn register(pool: web::Data<DbPool>, body: JsonBody<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    let RegisterRequest { email, password } = body.0;
    let hash = web::block(move || password::hash(&password)).await?.map_err(ApiError::internal)?;
    let user = db::run(&pool, move |conn| Ok(users::insert(conn, &NewUser { email: &email, password_hash: &hash })?))
        .await?
        .ok_or(ApiError::BadRequest { detail: "Email already exists", code: "EMAIL_EXISTS" })?;
    log::info!(user_id = user.id; "user registered");
    Ok(HttpResponse::Created().json(UserResponse { id: user.id, email: user.email, created_at: user.created_at }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[serde(deserialize_with = "normalized_email")]
    #[validate(length(min = 1, max = 255, message = "must be 1 to 255 characters"))]
    #[schema(max_length = 255, example = "ada@example.com")]
    pub email: String,
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(max_length = 128, example = "correct horse battery")]
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
}

/// Log in
///
/// Exchanges email and password for an access token. A wrong password and an unknown email get
/// the same 401 in the same time.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing or oversized email or password", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn login(
    pool: web::Data<DbPool>,
    keys: web::Data<JwtKeys>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let user = db::run(&pool, move |conn| Ok(users::find_by_email(conn, &email)?)).await?;
    let (user_id, stored) = user.map(|u| (u.id, u.password_hash)).unzip();
    let valid = web::block(move || password::verify_or_dummy(&password, stored.as_deref())).await?;
    match user_id.filter(|_| valid) {
        Some(user_id) => {
            let issued = keys.issue(user_id)?;
            log::info!(user_id = user_id, outcome = "success"; "login");
            Ok(HttpResponse::Ok().json(TokenResponse {
                access_token: issued.token,
                token_type: "Bearer",
                expires_in: issued.expires_in,
            }))
        }
        None => {
            log::info!(outcome = "failure"; "login");
            Err(ApiError::InvalidCredentials)
        }
    }
}
