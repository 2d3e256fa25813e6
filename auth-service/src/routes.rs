//! `POST /api/auth/register` and `POST /api/auth/login`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Deserializer, Serialize};
use shared::audit::AuditEvent;
use shared::auth::JwtKeys;
use shared::db::Db;
use shared::http::{JsonBody, RequestInfo, method_not_allowed};
use shared::metrics::Metrics;
use shared::{ApiError, ErrorBody};
use utoipa::ToSchema;
use validator::Validate;

use crate::config::Limits;
use crate::password::{self, Hasher};
use crate::throttle;
use crate::users::{self, NewUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(shared::health::resource())
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
    #[schema(format = "email", max_length = 255, pattern = r"^[^\u0000]*$", example = "ada@example.com")]
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
        (status = 429, description = "Too many registrations from this address (when limited); see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too many sign-ins in progress; see Retry-After", body = ErrorBody),
    )
)]
pub async fn register(
    db: web::Data<Db>,
    hasher: web::Data<Hasher>,
    limits: web::Data<Limits>,
    request: RequestInfo,
    body: JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let RegisterRequest { email, password } = body.0;
    let addr_key = request.client_addr.map(|addr| format!("register:{addr}"));
    if let (Some(key), limit) = (addr_key.clone(), limits.register_max_per_addr)
        && limit > 0
    {
        let window = limits.login_window_secs;
        let blocked = db
            .run(move |conn| {
                let blocked = throttle::blocked_for(conn, &key, limit, window)?;
                throttle::record_failure(conn, &key, window)?;
                Ok(blocked)
            })
            .await?;
        if let Some(retry_after) = blocked {
            return Err(ApiError::TooManyRequests {
                detail: "Too many registrations; try again later",
                retry_after: retry_after as u64,
            });
        }
    }
    let hash = hasher.run(move || password::hash(&password)).await?.map_err(ApiError::internal)?;
    let event = AuditEvent::new("register", "success", &request);
    let (user, event) = db
        .run(move |conn| {
            Ok(conn.transaction(|conn| {
                let user = users::insert(conn, &NewUser { email: &email, password_hash: &hash })?;
                let event = user.as_ref().map(|u| event.user(u.id));
                if let Some(event) = &event {
                    event.insert(conn)?;
                }
                diesel::QueryResult::Ok((user, event))
            })?)
        })
        .await?;
    let user = user.ok_or(ApiError::BadRequest { detail: "Email already exists", code: "EMAIL_EXISTS" })?;
    if let Some(event) = event {
        event.log();
    }
    Ok(HttpResponse::Created().json(UserResponse { id: user.id, email: user.email, created_at: user.created_at }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[serde(deserialize_with = "normalized_email")]
    #[validate(
        length(min = 1, max = 255, message = "must be 1 to 255 characters"),
        custom(function = "shared::http::no_nul")
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
        (status = 429, description = "Too many failed logins for this account or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too many sign-ins in progress; see Retry-After", body = ErrorBody),
    )
)]
pub async fn login(
    db: web::Data<Db>,
    keys: web::Data<JwtKeys>,
    hasher: web::Data<Hasher>,
    limits: web::Data<Limits>,
    metrics: web::Data<Metrics>,
    request: RequestInfo,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let limits = limits.into_inner();
    let account_key = format!("account:{email}");
    let addr_key = request.client_addr.map(|addr| format!("addr:{addr}"));

    // One trip to the database: is this account or address throttled, and who is it?
    let (throttled, user) = {
        let (limits, account_key, addr_key) = (limits.clone(), account_key.clone(), addr_key.clone());
        db.run(move |conn| {
            let window = limits.login_window_secs;
            let mut throttled =
                throttle::blocked_for(conn, &account_key, limits.login_max_failures_per_account, window)?;
            if let Some(addr_key) = &addr_key {
                let by_addr = throttle::blocked_for(conn, addr_key, limits.login_max_failures_per_addr, window)?;
                throttled = throttled.max(by_addr);
            }
            let user = if throttled.is_none() { users::find_by_email(conn, &email)? } else { None };
            Ok((throttled, user))
        })
        .await?
    };
    if let Some(retry_after) = throttled {
        let event = AuditEvent::new("login", "throttled", &request);
        let logged = event.clone();
        db.run(move |conn| Ok(event.insert(conn)?)).await?;
        logged.log();
        metrics.auth_attempts.with_label_values(&["throttled"]).inc();
        return Err(ApiError::TooManyRequests {
            detail: "Too many failed logins; try again later",
            retry_after: retry_after as u64,
        });
    }

    let (user_id, stored) = user.map(|u| (u.id, u.password_hash)).unzip();
    let valid = hasher.run(move || password::verify_or_dummy(&password, stored.as_deref())).await?;
    let user_id = user_id.filter(|_| valid);
    let event = match user_id {
        Some(id) => AuditEvent::new("login", "success", &request).user(id),
        None => AuditEvent::new("login", "failure", &request),
    };
    let logged = event.clone();
    db.run(move |conn| {
        Ok(conn.transaction(|conn| {
            if event.user_id.is_some() {
                throttle::clear(conn, &account_key)?;
            } else {
                throttle::record_failure(conn, &account_key, limits.login_window_secs)?;
                if let Some(addr_key) = &addr_key {
                    throttle::record_failure(conn, addr_key, limits.login_window_secs)?;
                }
            }
            event.insert(conn)
        })?)
    })
    .await?;
    logged.log();
    metrics.auth_attempts.with_label_values(&[logged.outcome]).inc();

    let user_id = user_id.ok_or(ApiError::InvalidCredentials)?;
    let issued = keys.issue(user_id)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
    }))
}
