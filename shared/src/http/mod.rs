//! The HTTP surface every service shares, by what it holds:
//! - [`extract`]: the JSON body and query-string extractors (422s that name the field), the body
//!   reader (64 KiB);
//! - [`context`]: request ids, the client's address and the per-request middleware (access line,
//!   metrics, log context);
//! - [`server`]: the server bootstrap with security headers, CORS, 404 and 405 in the contract's body.

pub mod context;
pub mod extract;
pub mod server;

pub use context::{RequestInfo, X_REQUEST_ID};

use actix_web::http::header::HeaderName;

/// A client's key for a request it may retry (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// `true` on an answer replayed for a retried `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub use extract::{JsonBody, MAX_BODY_BYTES, Query, parse_json, read_body};
pub use server::{method_not_allowed, not_found, serve};
