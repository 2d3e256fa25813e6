//! Forwarding to the services: method, path, query, end-to-end headers and body go up; status,
//! headers and a streamed body come back. Hop-by-hop headers are dropped, the request id and
//! `X-Forwarded-For` are set, and an unreachable or slow upstream becomes 503 or 504 in the
//! contract's error body.

use std::time::Duration;

use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use awc::error::SendRequestError;
use shared::ApiError;
use shared::health::Health;
use shared::http::{RequestInfo, X_REQUEST_ID, read_body};

use crate::config::Config;

/// The upstream services and this worker's pooled client.
pub struct Upstreams {
    client: awc::Client,
    auth: String,
    tasks: String,
}

impl Upstreams {
    pub fn new(config: &Config) -> Self {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(config.upstream_timeout_secs))
            .disable_redirects()
            .finish();
        Self {
            client,
            auth: config.auth_service_url.trim_end_matches('/').to_owned(),
            tasks: config.task_service_url.trim_end_matches('/').to_owned(),
        }
    }
}

/// Headers that describe one connection, not the message (RFC 9110 7.6.1), plus those the
/// client library sets itself.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
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
    forward(&req, body, &up, &up.auth).await
}

pub async fn to_tasks(
    req: HttpRequest,
    body: web::Payload,
    up: web::Data<Upstreams>,
) -> Result<HttpResponse, ApiError> {
    forward(&req, body, &up, &up.tasks).await
}

async fn forward(req: &HttpRequest, body: web::Payload, up: &Upstreams, base: &str) -> Result<HttpResponse, ApiError> {
    let body = read_body(req, body.into_inner()).await?;
    let path = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mut upstream = up.client.request(req.method().clone(), format!("{base}{path}")).no_decompress();
    for (name, value) in req.headers() {
        if !is_hop_by_hop(name) && name != X_REQUEST_ID && name != header::X_FORWARDED_FOR {
            upstream = upstream.append_header((name.clone(), value.clone()));
        }
    }
    if let Some(info) = req.extensions().get::<RequestInfo>() {
        upstream = upstream.insert_header((X_REQUEST_ID, info.id.clone()));
    }
    if let Some(forwarded_for) = forwarded_for(req) {
        upstream = upstream.insert_header((header::X_FORWARDED_FOR, forwarded_for));
    }
    let response = upstream.send_body(body).await.map_err(upstream_error)?;

    let mut out = HttpResponse::build(response.status());
    for (name, value) in response.headers() {
        // CORS is the gateway's own decision (its middleware sets these), not the service's.
        let cors = name.as_str().starts_with("access-control-") || name == header::VARY;
        if !is_hop_by_hop(name) && !cors {
            out.append_header((name.clone(), value.clone()));
        }
    }
    // 1xx, 204 and 304 have no body (RFC 9110 6.4.1), and a HEAD answer has none either: a
    // streamed empty body would still put a chunked terminator on the wire.
    let status = response.status();
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || req.method() == Method::HEAD
    {
        return Ok(out.finish());
    }
    if let Some(len) = response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok()) {
        out.no_chunking(len);
    }
    Ok(out.streaming(response))
}

/// The incoming `X-Forwarded-For` chain with this hop's peer appended.
fn forwarded_for(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip().to_string();
    Some(match req.headers().get(header::X_FORWARDED_FOR).and_then(|v| v.to_str().ok()) {
        Some(chain) => format!("{chain}, {peer}"),
        None => peer,
    })
}

fn upstream_error(error: SendRequestError) -> ApiError {
    log::warn!("upstream request failed: {error}");
    match error {
        SendRequestError::Connect(_) => ApiError::Unavailable("Upstream service unavailable"),
        SendRequestError::Timeout => ApiError::Timeout("Upstream service timed out"),
        _ => ApiError::BadGateway,
    }
}

/// Gateway health: healthy when both services (and so their database) are.
pub async fn health(up: web::Data<Upstreams>) -> HttpResponse {
    let check = |base: &str| {
        let request = up.client.get(format!("{base}/health")).timeout(Duration::from_secs(5));
        async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
    };
    let (auth, tasks) = futures_util::future::join(check(&up.auth), check(&up.tasks)).await;
    if auth && tasks { Health::OK } else { Health::DOWN }.respond()
}
