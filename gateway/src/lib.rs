//! The gateway is taskhub's single API entry: it forwards `/api/auth/*` to auth-service and
//! `/api/tasks*` to task-service, and serves the merged OpenAPI document and Swagger UI. It holds
//! no database and no business rules; each service verifies tokens itself.

pub mod config;
pub mod docs;
mod pool;
mod proxy;
mod replicas;
mod roster;
mod target;

use std::time::Duration;

use actix_web::{dev::Server, web};

use crate::config::Config;
use crate::proxy::Upstreams;

/// Starts the gateway on `listener` (tests bind port 0). Call it inside an actix system: the
/// replicas' watchers run on its event loop.
pub fn build(config: Config, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let upstreams = &config.upstreams;
    let auth = roster::Roster::new(&target::Target::parse_list(&upstreams.auth_service_url).map_err(invalid)?);
    let tasks = roster::Roster::new(&target::Target::parse_list(&upstreams.task_service_url).map_err(invalid)?);
    roster::watch(&auth);
    roster::watch(&tasks);
    let timeout = Duration::from_secs(upstreams.upstream_timeout_secs);
    let swagger_ui = docs::swagger_ui().map_err(|e| invalid(format!("docs/openapi.json: {e}")))?;
    let metrics = shared::metrics::Metrics::new("gateway", None);
    shared::http::serve(listener, &config.http, metrics, move |cfg| {
        // Connections per worker: each worker keeps its own on its own thread.
        cfg.app_data(web::Data::new(Upstreams::new(&auth, &tasks, timeout)))
            .service(
                web::resource("/health")
                    .route(web::get().to(proxy::health))
                    .default_service(shared::http::method_not_allowed("GET")),
            )
            .service(web::redirect("/docs", "/docs/"))
            // Resources, not scopes, so that metrics and logs name a route template.
            .route("/api/auth/{path:.*}", web::to(proxy::to_auth))
            .route("/api/tasks", web::to(proxy::to_tasks))
            .route("/api/tasks/{path:.*}", web::to(proxy::to_tasks))
            .service(swagger_ui.clone());
    })
}
