//! auth-service's HTTP surface: signing in (`sign_in`), sessions (`sessions`) and the account
//! (`account`). Each handler takes its typed input and hands it to its policy.

pub mod account;
pub mod sessions;
pub mod sign_in;

use actix_web::{HttpRequest, http::header, web};
use shared::http::{RequestInfo, method_not_allowed};

use crate::sessions::Client;
use crate::state::AppState;

/// The longest user agent a session keeps, in characters.
const USER_AGENT_CHARS: usize = 256;

/// Mounts the routes with the service's state.
pub fn configure(cfg: &mut web::ServiceConfig, state: &web::Data<AppState>) {
    cfg.app_data(state.clone())
        .app_data(state.verifier.clone())
        // `/api/auth/sessions/{id}` with a bad id: 404, as for another user's session.
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| shared::ApiError::NotFound("Session not found".into()).into()),
        )
        .service(shared::health::resources(state.checks()))
        .service(resource("/api/auth/register", "POST").route(web::post().to(sign_in::register)))
        .service(resource("/api/auth/login", "POST").route(web::post().to(sign_in::login)))
        .service(resource("/api/auth/refresh", "POST").route(web::post().to(sessions::refresh)))
        .service(resource("/api/auth/logout", "POST").route(web::post().to(sessions::logout)))
        .service(resource("/api/auth/logout-all", "POST").route(web::post().to(sessions::logout_all)))
        .service(resource("/api/auth/sessions", "GET").route(web::get().to(sessions::list)))
        .service(resource("/api/auth/sessions/{session_id}", "DELETE").route(web::delete().to(sessions::end)))
        .service(
            resource("/api/auth/me", "GET, DELETE")
                .route(web::get().to(account::me))
                .route(web::delete().to(account::delete)),
        )
        .service(resource("/api/auth/password", "PUT").route(web::put().to(account::change_password)))
        .service(resource("/api/auth/events", "GET").route(web::get().to(account::events)));
}

/// A resource that answers 405 with `allow` for the methods it has no route for.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(method_not_allowed(allow))
}

/// The client as a session records it.
fn client(req: &HttpRequest, request: &RequestInfo) -> Client {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().filter(|c| !c.is_control()).take(USER_AGENT_CHARS).collect::<String>())
        .filter(|ua| !ua.trim().is_empty());
    Client { user_agent, addr: request.client_addr.map(|ip| ip.to_string()) }
}
