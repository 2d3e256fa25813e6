//! What each request carries through a service: its id (from a sane `X-Request-Id` or a new
//! UUID, echoed on the answer), the client's address, and the log context every line written
//! for it carries. [`request_context`] sets them up and writes the access line and the metrics.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, Method};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use crate::error::ApiError;
use crate::logging::RequestScope;
use crate::metrics::Metrics;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What a handler may need to know about its request: its id (echoed as `X-Request-Id`) and the
/// client's address (the peer, or the `X-Forwarded-For` entry added by a trusted proxy).
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub id: Arc<str>,
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
pub(crate) struct TrustedProxies(pub Vec<ipnet::IpNet>);

fn new_request_id() -> Arc<str> {
    uuid::Uuid::new_v4().to_string().into()
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

/// The method as a metrics and log label: one of HTTP's own (RFC 9110, PATCH from RFC 5789), or
/// `OTHER`, so that no client-chosen method becomes a series. (Such a method still reaches the
/// routes, which answer 405 with `Allow` as for any method they do not take.)
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"];
    KNOWN.into_iter().find(|known| *known == method.as_str()).unwrap_or("OTHER")
}

/// Requests refused before any route sees them: a WebSocket upgrade, whose body actix reads
/// until the connection ends (no route takes one, so it would hang).
fn refusal(req: &ServiceRequest) -> Option<ApiError> {
    let upgrade = req.headers().get(header::UPGRADE).and_then(|v| v.to_str().ok());
    upgrade.is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket")).then_some(ApiError::BadRequest {
        detail: "Protocol upgrades are not supported",
        code: "UPGRADE_NOT_SUPPORTED",
    })
}

/// Middleware: assigns the request id, returns it on the response, runs the request in its log
/// context, records it in the metrics and writes one access line (method, route template,
/// status, duration, user id).
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id: Arc<str> = req.headers().get(X_REQUEST_ID).and_then(sane_request_id).map_or_else(new_request_id, Arc::from);
    let trusted = req.app_data::<web::Data<TrustedProxies>>().map(|t| t.0.as_slice()).unwrap_or_default();
    let forwarded: Vec<&str> = req.headers().get_all(header::X_FORWARDED_FOR).filter_map(|v| v.to_str().ok()).collect();
    let client = client_addr(req.peer_addr().map(|a| a.ip()), &forwarded, trusted);
    req.extensions_mut().insert(RequestInfo { id: id.clone(), client_addr: client });

    let service = req.app_data::<web::Data<Metrics>>().map(|m| m.service());
    let method = method_label(req.method());
    let trace = crate::telemetry::request_span(service.unwrap_or("taskhub"), method, req.path(), &id, req.headers());
    let scope = RequestScope::traced(service, id.clone(), trace.clone());
    let mut res = match refusal(&req) {
        None => scope.run(next.call(req)).await?.map_into_left_body(),
        Some(error) => {
            let mut response = error.error_response();
            // Whatever follows on this connection is not a request we could read.
            response.head_mut().set_connection_type(ConnectionType::Close);
            req.into_response(response).map_into_right_body()
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, value);
    }

    let request = res.request();
    // Labels come from fixed sets, so no request can add series: a method outside HTTP's own is
    // `OTHER`, a path no route matched is `<unmatched>`.
    let route = request.match_pattern().unwrap_or_else(|| "<unmatched>".to_owned());
    let elapsed = started.elapsed().as_secs_f64();
    let status = res.status();
    if let Some(metrics) = request.app_data::<web::Data<Metrics>>() {
        metrics.observe(method, &route, status.as_str(), elapsed);
    }
    if let Some(trace) = &trace {
        crate::telemetry::end_request(trace, method, &route, status.as_u16());
    }
    if log::log_enabled!(target: "access", log::Level::Info) {
        let duration_ms = (elapsed * 1e6).round() / 1e3;
        let mut fields: Vec<(&str, log::kv::Value)> = vec![
            ("service", service.unwrap_or_default().into()),
            ("request_id", id.as_ref().into()),
            ("method", method.into()),
            ("route", route.as_str().into()),
            ("status", status.as_u16().into()),
            ("duration_ms", duration_ms.into()),
        ];
        let user_id = scope.user_id();
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
