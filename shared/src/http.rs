//! The HTTP surface every service shares: the JSON body extractor (64 KiB, JSON only, field-level
//! 422s), request ids and the access log line, CORS, security headers, 404 and 405 in the
//! contract's error body.

use std::cell::Cell;
use std::net::IpAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Condition, DefaultHeaders, Next, from_fn};
use actix_web::{App, FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpServer, Route, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::config::HttpConfig;
use crate::error::{ApiError, FieldError};
use crate::metrics::Metrics;

/// Largest JSON body accepted: a maximal task is about 10 KB even in 4-byte characters.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A JSON request body, parsed and validated: 415 unless JSON, 413 past [`MAX_BODY_BYTES`],
/// 422 naming the field for malformed JSON, wrong types, missing fields and failed rules.
/// Unknown fields (`id`, `user_id`, ...) are ignored, so they can never be mass-assigned.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mime = req.content_type().to_ascii_lowercase();
        let is_json = mime == "application/json" || mime.ends_with("+json");
        let body = read_body(req, payload.take());
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let value: T = parse_json(&body.await?)?;
            value.validate()?;
            Ok(JsonBody(value))
        })
    }
}

/// The request body, at most [`MAX_BODY_BYTES`]: 413 as soon as `Content-Length` or the bytes
/// received say it is larger.
pub fn read_body(
    req: &HttpRequest,
    mut payload: Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + use<> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    async move {
        if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
            return Err(ApiError::PayloadTooLarge);
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| ApiError::invalid("body", "could not read the request body"))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

/// Parses `body` as `T`, turning serde's error into a 422 that names the offending field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        ApiError::Validation(vec![field_error(&path, &inner)])
    })?;
    de.end().map_err(|err| ApiError::Validation(vec![field_error(".", &err)]))?;
    Ok(value)
}

fn field_error(path: &str, err: &serde_json::Error) -> FieldError {
    let text = err.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    if err.is_syntax() || err.is_eof() {
        return FieldError::new("body", format!("malformed JSON: {message}"));
    }
    // serde names a missing field only in its message: "missing field `title`".
    if let Some(name) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        let field = if path == "." { name.to_owned() } else { format!("{path}.{name}") };
        return FieldError::new(field, "field required");
    }
    let field = if path == "." { "body" } else { path };
    FieldError::new(field, message)
}

/// Runs an HTTP server on `listener` with what every service shares (request ids, access log
/// and metrics, `/metrics`, security headers, CORS, 404 in the contract's body, slow-client
/// timeouts, graceful SIGTERM); `configure` mounts the service's own routes and data.
pub fn serve<F>(
    listener: std::net::TcpListener,
    config: &HttpConfig,
    metrics: Metrics,
    configure: F,
) -> std::io::Result<Server>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let trusted = web::Data::new(TrustedProxies(
        config.trusted_networks().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
    ));
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
            .configure(self::configure)
            .service(
                web::resource("/metrics")
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

async fn render_metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(metrics.render())
}

/// A validator rule for text that PostgreSQL will store: it cannot hold NUL characters.
pub fn no_nul(value: &str) -> Result<(), validator::ValidationError> {
    if value.contains('\0') {
        return Err(validator::ValidationError::new("nul").with_message("must not contain NUL characters".into()));
    }
    Ok(())
}

/// Registers the error handlers that keep path and query failures in the contract's body.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|err, _| ApiError::invalid("path", err.to_string()).into()))
        .app_data(
            web::QueryConfig::default().error_handler(|err, _| ApiError::invalid("query", err.to_string()).into()),
        );
}

/// The fallback for unknown paths: 404 in the contract's body.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not found"))
}

/// A route answering 405 with `Allow`, for the methods a resource does not support.
pub fn method_not_allowed(allow: &'static str) -> Route {
    web::route().to(move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) })
}

/// CORS: only the configured origins (none by default: the web app is same-origin).
pub fn cors(config: &HttpConfig) -> Cors {
    config
        .allowed_origins()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, X_REQUEST_ID])
        .expose_headers([X_REQUEST_ID, header::RETRY_AFTER])
        .max_age(600)
}

/// Headers every response carries.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")).add((header::CACHE_CONTROL, "no-store"))
}

/// What a handler may need to know about its request: its id (echoed as `X-Request-Id`) and the
/// client's address (the peer, or the `X-Forwarded-For` entry added by a trusted proxy).
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub id: String,
    pub client_addr: Option<IpAddr>,
}

impl FromRequest for RequestInfo {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let info = req.extensions().get::<RequestInfo>().cloned();
        std::future::ready(Ok(info.unwrap_or_else(|| RequestInfo { id: new_request_id(), client_addr: None })))
    }
}

/// The proxies whose `X-Forwarded-For` entries are believed.
struct TrustedProxies(Vec<ipnet::IpNet>);

/// Request-scoped values that every log line written while handling the request carries.
struct LogContext {
    service: Option<&'static str>,
    request_id: String,
    user_id: Cell<Option<i64>>,
}

tokio::task_local! {
    static LOG_CONTEXT: Rc<LogContext>;
}

/// The service, request id and user id of the request being handled on this task, if any.
pub fn log_context() -> Option<(Option<&'static str>, String, Option<i64>)> {
    LOG_CONTEXT.try_with(|c| (c.service, c.request_id.clone(), c.user_id.get())).ok()
}

/// Notes the authenticated user for the rest of the request's log lines.
pub(crate) fn set_log_user(user_id: i64) {
    let _ = LOG_CONTEXT.try_with(|c| c.user_id.set(Some(user_id)));
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn sane_request_id(value: &HeaderValue) -> Option<&str> {
    let id = value.to_str().ok()?;
    let ok = (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then_some(id)
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
fn client_addr(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if !is_trusted(&client) {
        return Some(client);
    }
    for entry in forwarded_for.iter().flat_map(|v| v.split(',')).rev() {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

/// Middleware: assigns the request id, returns it on the response, records the request in the
/// metrics and writes one access line (method, route template, status, duration, user id).
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req.headers().get(X_REQUEST_ID).and_then(sane_request_id).map_or_else(new_request_id, str::to_owned);
    let trusted = req.app_data::<web::Data<TrustedProxies>>().map(|t| t.0.as_slice()).unwrap_or_default();
    let forwarded: Vec<&str> = req.headers().get_all(header::X_FORWARDED_FOR).filter_map(|v| v.to_str().ok()).collect();
    let client = client_addr(req.peer_addr().map(|a| a.ip()), &forwarded, trusted);
    req.extensions_mut().insert(RequestInfo { id: id.clone(), client_addr: client });

    let service = req.app_data::<web::Data<Metrics>>().map(|m| m.service());
    let context = Rc::new(LogContext { service, request_id: id.clone(), user_id: Cell::new(None) });
    let mut res = LOG_CONTEXT.scope(context.clone(), next.call(req)).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, value);
    }

    let request = res.request();
    let route = request.match_pattern().unwrap_or_else(|| "<unmatched>".to_owned());
    let elapsed = started.elapsed().as_secs_f64();
    let status = res.status();
    if let Some(metrics) = request.app_data::<web::Data<Metrics>>() {
        metrics.observe(request.method().as_str(), &route, status.as_str(), elapsed);
    }
    if log::log_enabled!(target: "access", log::Level::Info) {
        let duration_ms = (elapsed * 1e6).round() / 1e3;
        let mut fields: Vec<(&str, log::kv::Value)> = vec![
            ("service", service.unwrap_or_default().into()),
            ("request_id", id.as_str().into()),
            ("method", request.method().as_str().into()),
            ("route", route.as_str().into()),
            ("status", status.as_u16().into()),
            ("duration_ms", duration_ms.into()),
        ];
        let user_id = context.user_id.get();
        if let Some(user_id) = &user_id {
            fields.push(("user_id", user_id.into()));
        }
        crate::logging::emit(log::Level::Info, "access", "request", &fields);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[allow(dead_code)]
        title: String,
    }

    fn error_of(body: &str) -> FieldError {
        match parse_json::<Body>(body.as_bytes()) {
            Err(ApiError::Validation(mut errs)) => errs.remove(0),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn missing_field_is_named() {
        assert_eq!(error_of("{}"), FieldError::new("title", "field required"));
    }

    #[test]
    fn wrong_type_is_named() {
        assert_eq!(error_of(r#"{"title": 5}"#).field, "title");
    }

    #[test]
    fn malformed_json_is_a_body_error() {
        assert_eq!(error_of(r#"{"title": "#).field, "body");
        assert_eq!(error_of(r#"{"title": "a"} trailing"#).field, "body");
    }

    #[test]
    fn request_ids_are_checked() {
        assert_eq!(sane_request_id(&HeaderValue::from_static("abc-123")), Some("abc-123"));
        assert_eq!(sane_request_id(&HeaderValue::from_static("a b")), None);
        assert_eq!(sane_request_id(&HeaderValue::from_str(&"x".repeat(129)).unwrap()), None);
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn client_is_the_peer_unless_the_peer_is_trusted() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(client_addr(Some(ip("203.0.113.9")), &["1.2.3.4"], &trusted), Some(ip("203.0.113.9")));
        assert_eq!(client_addr(Some(ip("10.0.0.2")), &["1.2.3.4"], &trusted), Some(ip("1.2.3.4")));
        // A client cannot hide behind an entry it wrote itself: the right-most untrusted one wins.
        assert_eq!(client_addr(Some(ip("10.0.0.2")), &["6.6.6.6, 1.2.3.4", "10.0.0.3"], &trusted), Some(ip("1.2.3.4")));
        assert_eq!(client_addr(Some(ip("10.0.0.2")), &["garbage"], &trusted), Some(ip("10.0.0.2")));
    }
}
