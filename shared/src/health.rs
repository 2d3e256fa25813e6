//! `GET /health`: 200 `{"status": "ok", "database": "connected"}` after a real round trip to
//! PostgreSQL, otherwise 503 with `Retry-After` and `"database": "disconnected"`; also 503, with
//! `"revocations": "stale"`, while the service cannot vouch for its session revocations.
//!
//! `GET /health/live`: 200 `{"status": "ok"}` whenever the process answers HTTP at all, without
//! the database: what the gateway probes a replica with, and a liveness probe that a database
//! blip does not fail. Internal, like `/metrics`: the gateway does not route it.

use actix_web::{HttpResponse, http::header};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::RETRY_AFTER_SECS;

/// Health of a service and of its database.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency is down.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `connected` or `disconnected`.
    #[schema(example = "connected")]
    pub database: &'static str,
    /// Present when unhealthy, as in every error body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'static str>,
    /// `stale` while the service cannot keep its session revocations current (it then refuses
    /// tokens with 503); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocations: Option<&'static str>,
    /// The gateway's, when unhealthy: each service by name, `ok`, `unavailable` (it answered,
    /// unhealthy) or `unreachable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::BTreeMap<String, String>>)]
    pub upstreams: Option<std::collections::BTreeMap<&'static str, &'static str>>,
}

impl Health {
    pub const OK: Health =
        Health { status: "ok", database: "connected", detail: None, revocations: None, upstreams: None };
    pub const DOWN: Health = Health {
        status: "unavailable",
        database: "disconnected",
        detail: Some("Database unavailable"),
        revocations: None,
        upstreams: None,
    };
    pub const STALE: Health = Health {
        status: "unavailable",
        database: "connected",
        detail: Some("Session revocations cannot be verified"),
        revocations: Some("stale"),
        upstreams: None,
    };

    /// The response for this health: 200, or 503 with `Retry-After`.
    pub fn respond(self) -> HttpResponse {
        if self.detail.is_none() {
            HttpResponse::Ok().json(self)
        } else {
            HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS)).json(self)
        }
    }
}

/// What `/health` checks: the pool, and whether the revocations are current.
#[cfg(all(feature = "db", feature = "auth"))]
pub struct Checks {
    pub db: crate::db::Db,
    pub revocations: std::sync::Arc<crate::revocation::Revocations>,
}

/// Service health
///
/// Checks a pooled connection with `SELECT 1`, and that the service's session revocations are
/// current.
#[cfg(all(feature = "db", feature = "auth"))]
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses(
        (status = 200, description = "Service and database are up", body = Health),
        (status = 503, description = "Database unreachable, or session revocations not current; retry after the `Retry-After` seconds", body = Health),
    )
)]
pub async fn health(checks: actix_web::web::Data<Checks>) -> HttpResponse {
    use diesel::RunQueryDsl;
    let up = checks.db.run(|conn| diesel::sql_query("SELECT 1").execute(conn)).await.is_ok();
    match (up, checks.revocations.is_current_or_wait().await) {
        (false, _) => Health::DOWN,
        (true, false) => Health::STALE,
        (true, true) => Health::OK,
    }
    .respond()
}

/// `/health` with [`health`] on GET and `/health/live` with [`live`], and 405 for anything else.
#[cfg(all(feature = "db", feature = "auth"))]
pub fn resources(checks: Checks) -> impl actix_web::dev::HttpServiceFactory {
    use actix_web::web;
    (
        web::resource("/health")
            .app_data(web::Data::new(checks))
            .route(web::get().to(health))
            .default_service(crate::http::method_not_allowed("GET")),
        web::resource("/health/live")
            .route(web::get().to(live))
            .default_service(crate::http::method_not_allowed("GET")),
    )
}

/// The process answers: 200 `{"status": "ok"}`, whatever the database does.
pub async fn live() -> HttpResponse {
    #[derive(Serialize)]
    struct Live {
        status: &'static str,
    }
    HttpResponse::Ok().json(Live { status: "ok" })
}
