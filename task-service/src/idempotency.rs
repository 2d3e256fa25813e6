//! `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on the creating requests: the
//! first successful answer is kept 24 hours per user, and a retry of the same request with the
//! same key replays it instead of creating anything again.
//!
//! One transaction does it all: a try-lock on (user, key) (a second request while the first is
//! still being served gets a 409 at once), the lookup, the write and the stored answer. A failed
//! write rolls back with its key, so nothing but success is kept, and a crash leaves no stale
//! "in progress" mark behind: the lock goes with the connection.

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use serde::Serialize;
use shared::audit::AuditEvent;
use shared::db::schema::idempotency_keys;
use shared::http::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use shared::{ApiError, UserId};

use crate::body::{Task, etag};
use crate::error::TaskError;

/// Longest key accepted.
pub const MAX_KEY_CHARS: usize = 255;
/// How long an answer is kept for its key; `migrate purge` removes older ones.
pub const KEEP_HOURS: i32 = 24;

/// The request's `Idempotency-Key`, if it sent one: 1 to 255 visible characters, bare or as a
/// structured-field string (`"..."`, as the draft writes it).
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(Option<String>);

impl IdempotencyKey {
    fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        let mut fields = req.headers().get_all(IDEMPOTENCY_KEY);
        let Some(field) = fields.next() else { return Ok(Self(None)) };
        let refuse = |message: &str| ApiError::invalid("Idempotency-Key", message);
        if fields.next().is_some() {
            return Err(refuse("must be sent once"));
        }
        let text = field.to_str().map_err(|_| refuse("must be visible ASCII text"))?.trim();
        let key = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
        if key.is_empty() {
            return Err(refuse("must not be empty"));
        }
        if key.chars().count() > MAX_KEY_CHARS {
            return Err(refuse("must be at most 255 characters"));
        }
        Ok(Self(Some(key.to_owned())))
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::parse(req))
    }
}

/// An answer as it is sent and as it is kept for a key: its status, JSON body (if any) and, for
/// one task, its `ETag`.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Option<String>,
    pub etag: Option<String>,
    /// Whether this is a kept answer sent again.
    pub replayed: bool,
}

impl Answer {
    pub fn json(status: StatusCode, body: &impl Serialize) -> Self {
        let body = Some(serde_json::to_string(body).expect("answers serialize"));
        Self { status, body, etag: None, replayed: false }
    }

    pub fn task(status: StatusCode, task: &Task) -> Self {
        Self { etag: Some(etag(task.version)), ..Self::json(status, task) }
    }

    pub fn empty(status: StatusCode) -> Self {
        Self { status, body: None, etag: None, replayed: false }
    }

    /// A kept answer: a body that is one task (it has a `version`) carries that task's `ETag`.
    fn kept(status: StatusCode, body: String) -> Self {
        #[derive(serde::Deserialize)]
        struct Versioned {
            version: i64,
        }
        let etag = serde_json::from_str::<Versioned>(&body).ok().map(|v| etag(v.version));
        let body = (!body.is_empty()).then_some(body);
        Self { status, body, etag, replayed: true }
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.replayed {
            response.insert_header((IDEMPOTENT_REPLAYED, "true"));
        }
        if let Some(etag) = self.etag {
            response.insert_header((header::ETAG, etag));
        }
        match self.body {
            Some(body) => response.content_type("application/json").body(body),
            None => response.finish(),
        }
    }
}

#[derive(Queryable)]
struct Kept {
    request: String,
    status: i16,
    body: String,
}

/// Runs `write` unless `owner` already had it done under `key`: then the kept answer comes back
/// (and `event` is recorded as a replay). `request` names the request (endpoint and canonical
/// body) so that the key cannot be reused for another one. Run it in a transaction (`Db::audited`).
pub fn once<F>(
    conn: &mut PgConnection,
    owner: UserId,
    key: &IdempotencyKey,
    request: &str,
    event: &mut AuditEvent,
    write: F,
) -> Result<Answer, TaskError>
where
    F: FnOnce(&mut PgConnection, &mut AuditEvent) -> Result<Answer, TaskError>,
{
    let Some(key) = &key.0 else { return write(conn, event) };
    // The two-key form of the lock: its own space, apart from the per-user lock of the task cap.
    let locked: bool = diesel::select(
        diesel::dsl::sql::<Bool>("pg_try_advisory_xact_lock(hashtext(")
            .bind::<Text, _>(format!("idempotency {}", owner.0))
            .sql("), hashtext(")
            .bind::<Text, _>(key.as_str())
            .sql("))"),
    )
    .get_result(conn)?;
    if !locked {
        return Err(TaskError::KeyInUse);
    }
    let kept: Option<Kept> = idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(owner).and(idempotency_keys::key.eq(key)))
        .filter(
            diesel::dsl::sql::<Bool>("created_at > now() - make_interval(hours => ")
                .bind::<diesel::sql_types::Integer, _>(KEEP_HOURS)
                .sql(")"),
        )
        .select((idempotency_keys::request, idempotency_keys::status, idempotency_keys::body))
        .first(conn)
        .optional()?;
    if let Some(kept) = kept {
        if kept.request != request {
            return Err(TaskError::KeyReused);
        }
        event.action = "idempotent_replay";
        let status = u16::try_from(kept.status).ok().and_then(|s| StatusCode::from_u16(s).ok());
        return Ok(Answer::kept(status.unwrap_or(StatusCode::OK), kept.body));
    }
    let answer = write(conn, event)?;
    diesel::sql_query(
        "INSERT INTO idempotency_keys (user_id, key, request, status, body) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, key) DO UPDATE SET request = EXCLUDED.request, status = EXCLUDED.status, \
         body = EXCLUDED.body, created_at = now()",
    )
    .bind::<BigInt, _>(owner)
    .bind::<Text, _>(key.as_str())
    .bind::<Text, _>(request)
    .bind::<diesel::sql_types::SmallInt, _>(answer.status.as_u16() as i16)
    .bind::<Text, _>(answer.body.as_deref().unwrap_or_default())
    .execute(conn)?;
    Ok(answer)
}
