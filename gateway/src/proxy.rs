//! Forwarding to the services: method, path, query, end-to-end headers and body go up; status,
//! headers and a streamed body come back. Hop-by-hop headers are dropped, the request id and
//! `X-Forwarded-For` are set, and an unreachable or slow upstream becomes 503 or 504 in the
//! contract's error body.
//!
//! Each worker keeps its own keep-alive connections to each replica of each service
//! ([`crate::pool::Pool`], [`Service`]), so a request and its upstream connection stay on one thread. actix-web and hyper build on different major
//! versions of the `http` crate, so the method, status and headers are copied across by their text.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use http_body_util::Full;
use hyper::body::Body;
use shared::ApiError;
use shared::health::Health;
use shared::http::{RequestInfo, X_REQUEST_ID, read_body};

use crate::pool::{self, PooledBody};
use crate::replicas::Service;
use crate::roster::Roster;
use crate::target::Target;

/// The headers the gateway sets on the way up, as the client library spells header names.
const UP_REQUEST_ID: hyper::header::HeaderName = hyper::header::HeaderName::from_static("x-request-id");
const UP_FORWARDED_FOR: hyper::header::HeaderName = hyper::header::HeaderName::from_static("x-forwarded-for");

/// The services as one worker reaches them: their replicas and this worker's connections to each.
pub struct Upstreams {
    auth: Service,
    tasks: Service,
    timeout: Duration,
}

impl Upstreams {
    pub fn new(auth: &Arc<Roster>, tasks: &Arc<Roster>, timeout: Duration) -> Self {
        Self { auth: Service::new(auth), tasks: Service::new(tasks), timeout }
    }
}

/// The headers of a message that go on to the next hop, as name and value: not those that
/// describe a single connection (RFC 9110 7.6.1), by their name or because the message's
/// `Connection` header lists them, and not those the gateway sets itself (`ours`).
fn end_to_end<'a, I: Iterator<Item = (&'a str, &'a [u8])>>(
    headers: impl Fn() -> I,
    ours: impl Fn(&str) -> bool,
) -> impl Iterator<Item = (&'a str, &'a [u8])> {
    let listed = connection_options(headers().filter(|(name, _)| *name == "connection").map(|(_, value)| value));
    headers().filter(move |(name, _)| !ours(name) && !is_hop_by_hop(name) && !listed.iter().any(|l| l == name))
}

/// The header names a message's `Connection` header values list, in lower case. Nothing is
/// allocated for a message without one, which is every message between these services.
fn connection_options<'a>(values: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    values
        .filter_map(|value| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(|option| option.trim().to_ascii_lowercase())
        .filter(|option| !option.is_empty())
        .collect()
}

/// Headers that describe one connection, not the message (RFC 9110 7.6.1), plus those the
/// client library sets itself.
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

pub async fn to_auth(req: HttpRequest, body: web::Payload, up: web::Data<Upstreams>) -> Result<HttpResponse, ApiError> {
    forward(&req, body, &up.auth, up.timeout).await
}

pub async fn to_tasks(
    req: HttpRequest,
    body: web::Payload,
    up: web::Data<Upstreams>,
) -> Result<HttpResponse, ApiError> {
    forward(&req, body, &up.tasks, up.timeout).await
}

async fn forward(
    req: &HttpRequest,
    body: web::Payload,
    to: &Service,
    timeout: Duration,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(req, body.into_inner()).await?;
    let response = actix_web::rt::time::timeout(timeout, to.send(|target| upstream_request(req, target, body.clone())))
        .await
        .map_err(|_| {
            log::warn!("upstream request timed out after {timeout:?}");
            ApiError::Timeout("Upstream service timed out")
        })??
        .map_err(upstream_error)?;
    let (head, body) = response.into_parts();

    let status = StatusCode::from_u16(head.status.as_u16()).map_err(|_| ApiError::BadGateway)?;
    let mut out = HttpResponse::build(status);
    // CORS is the gateway's own decision (its middleware sets these), not the service's, and the
    // request id is the gateway's (the service echoes it back).
    let ours = |name: &str| name.starts_with("access-control-") || name == "vary" || name == "x-request-id";
    for (name, value) in end_to_end(|| head.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())), ours) {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            out.append_header((name, value));
        }
    }
    // 1xx, 204 and 304 have no body (RFC 9110 6.4.1), and a HEAD answer has none either: a
    // streamed empty body would still put a chunked terminator on the wire.
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || req.method() == Method::HEAD
    {
        return Ok(out.finish());
    }
    Ok(out.body(UpstreamBody::new(body)))
}

/// The request to send upstream: the client's method, path, query, end-to-end headers and body,
/// with this gateway's request id and `X-Forwarded-For` entry.
fn upstream_request(req: &HttpRequest, to: &Target, body: Bytes) -> Result<hyper::Request<Full<Bytes>>, ApiError> {
    let path = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mut upstream = to.request(path, body).map_err(|_| ApiError::BadGateway)?;
    *upstream.method_mut() =
        hyper::Method::from_bytes(req.method().as_str().as_bytes()).map_err(|_| ApiError::BadGateway)?;
    let headers = upstream.headers_mut();
    let ours = |name: &str| name == X_REQUEST_ID || name == header::X_FORWARDED_FOR;
    for (name, value) in end_to_end(|| req.headers().iter().map(|(n, v)| (n.as_str(), v.as_bytes())), ours) {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::from_bytes(name.as_bytes()), hyper::header::HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    if let Some(info) = req.extensions().get::<RequestInfo>()
        && let Ok(id) = hyper::header::HeaderValue::from_str(&info.id)
    {
        headers.insert(UP_REQUEST_ID, id);
    }
    if let Some(chain) = forwarded_for(req).and_then(|v| hyper::header::HeaderValue::from_str(&v).ok()) {
        headers.insert(UP_FORWARDED_FOR, chain);
    }
    // The gateway's span is the service's parent (it replaces the client's `traceparent`).
    shared::telemetry::inject(|name, value| {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::from_bytes(name.as_bytes()), hyper::header::HeaderValue::from_str(&value))
        {
            headers.insert(name, value);
        }
    });
    Ok(upstream)
}

/// An upstream answer's body, passed on frame by frame as it arrives. A known length is kept
/// (`Content-Length`); otherwise the answer goes out chunked.
struct UpstreamBody {
    body: PooledBody,
    size: BodySize,
}

impl UpstreamBody {
    fn new(body: PooledBody) -> Self {
        let size = body.size_hint().exact().map_or(BodySize::Stream, BodySize::Sized);
        Self { body, size }
    }
}

impl MessageBody for UpstreamBody {
    type Error = hyper::Error;

    fn size(&self) -> BodySize {
        self.size
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, hyper::Error>>> {
        loop {
            match ready!(Pin::new(&mut self.body).poll_frame(cx)) {
                // Trailers are dropped, and so are empty chunks: actix would read one as the end.
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                    _ => continue,
                },
                Some(Err(error)) => {
                    log::warn!("upstream body failed: {error}");
                    return Poll::Ready(Some(Err(error)));
                }
                None => return Poll::Ready(None),
            }
        }
    }
}

/// The `X-Forwarded-For` chain to pass on: this hop's peer, after the incoming chain only when
/// that peer is a proxy the gateway trusts (the request context found the client behind it).
/// A client's own `X-Forwarded-For` never reaches the services, which believe the gateway.
fn forwarded_for(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let behind_proxy = req.extensions().get::<RequestInfo>().is_some_and(|info| info.client_addr != Some(peer));
    Some(match req.headers().get(header::X_FORWARDED_FOR).and_then(|v| v.to_str().ok()) {
        Some(chain) if behind_proxy => format!("{chain}, {peer}"),
        _ => peer.to_string(),
    })
}

fn upstream_error(error: pool::Error) -> ApiError {
    log::warn!("upstream request failed: {error}");
    match error {
        pool::Error::Connect(_) => ApiError::Unavailable("Upstream service unavailable"),
        pool::Error::Http(_) => ApiError::BadGateway,
    }
}

/// Gateway health: healthy when both services (and so their database) are; otherwise each
/// service by name, so the answer says which part is down.
pub async fn health(up: web::Data<Upstreams>) -> HttpResponse {
    let (auth, tasks) = futures_util::future::join(up.auth.health(), up.tasks.health()).await;
    if auth == "ok" && tasks == "ok" {
        return Health::OK.respond();
    }
    let detail = match (auth, tasks) {
        ("ok", _) => "task-service unavailable",
        (_, "ok") => "auth-service unavailable",
        _ => "auth-service and task-service unavailable",
    };
    let upstreams = [("auth-service", auth), ("task-service", tasks)].into_iter().collect();
    Health { detail: Some(detail), upstreams: Some(upstreams), ..Health::DOWN }.respond()
}
