//! The server every service runs: request context, access log and metrics, `/metrics`, security
//! headers, CORS, 404 and 405 in the contract's body, slow-client timeouts, graceful SIGTERM.

use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Condition, DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, Route, web};

use super::context::{TrustedProxies, X_REQUEST_ID, request_context};
use super::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use crate::config::HttpConfig;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Runs an HTTP server on `listener` with what every service shares; `configure` mounts the
/// service's own routes and its state.
pub fn serve<F>(
    listener: std::net::TcpListener,
    config: &HttpConfig,
    metrics: Metrics,
    configure: F,
) -> std::io::Result<Server>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let invalid = |e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let trusted = web::Data::new(TrustedProxies(config.trusted_networks().map_err(invalid)?));
    let metrics_readers = web::Data::new(MetricsReaders(config.metrics_networks().map_err(invalid)?));
    let metrics = web::Data::new(metrics);
    let http = config.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            // Without allowed origins (the default: the web app is same-origin) there is nothing for
            // CORS to grant, and no `Vary`/`Access-Control-Expose-Headers` to add to every answer.
            .wrap(Condition::new(http.allowed_origins().next().is_some(), cors(&http)))
            .wrap(security_headers())
            .wrap(from_fn(request_context))
            .app_data(trusted.clone())
            .app_data(metrics.clone())
            .configure(extractor_errors)
            .service(
                web::resource("/metrics")
                    .app_data(metrics_readers.clone())
                    .route(web::get().to(render_metrics))
                    .default_service(method_not_allowed("GET")),
            )
            .configure(configure.clone())
            .default_service(web::to(not_found))
    })
    .client_request_timeout(Duration::from_secs(5))
    .client_disconnect_timeout(Duration::from_secs(1))
    .shutdown_timeout(30);
    if let Some(workers) = config.http_workers {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.run())
}

/// The networks whose TCP peers may read `/metrics` (the address the connection comes from, not
/// what `X-Forwarded-For` claims).
struct MetricsReaders(Vec<ipnet::IpNet>);

/// `/metrics` for a peer in [`MetricsReaders`]; to anyone else it is not there (404).
async fn render_metrics(
    req: actix_web::HttpRequest,
    metrics: web::Data<Metrics>,
    readers: web::Data<MetricsReaders>,
) -> Result<HttpResponse, ApiError> {
    let peer = req.peer_addr().map(|a| a.ip());
    if !peer.is_some_and(|ip| readers.0.iter().any(|net| net.contains(&ip))) {
        return Err(ApiError::NotFound("Not found".into()));
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(metrics.render()))
}

/// Keeps actix's own path and query extractors' failures in the contract's body.
fn extractor_errors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|err, _| ApiError::invalid("path", err.to_string()).into()))
        .app_data(
            web::QueryConfig::default().error_handler(|err, _| ApiError::invalid("query", err.to_string()).into()),
        );
}

/// The fallback for unknown paths: 404 in the contract's body.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not found".into()))
}

/// A route answering 405 with `Allow`, for the methods a resource does not support.
pub fn method_not_allowed(allow: &'static str) -> Route {
    web::route().to(move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) })
}

/// CORS: only the configured origins (none by default: the web app is same-origin).
fn cors(config: &HttpConfig) -> Cors {
    config
        .allowed_origins()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            IDEMPOTENCY_KEY,
            X_REQUEST_ID,
        ])
        .expose_headers([X_REQUEST_ID, header::RETRY_AFTER, header::ETAG, IDEMPOTENT_REPLAYED])
        .max_age(600)
}

/// Headers every response carries, also when no proxy in front adds its own (nginx replaces
/// the last three with its per-area policies): no sniffing, no caching, no framing anywhere
/// (Swagger UI at `/docs` included), no referrer.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}
