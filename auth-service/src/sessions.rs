//! Diesel queries on `sessions` and `refresh_tokens` (ADR 0006): a sign-in starts a session with
//! a refresh token; refreshing rotates the token (a used one presented again ends the session:
//! RFC 9700 4.14); ending a session announces it to every verifier in the same transaction.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use shared::db::schema::{refresh_tokens, sessions, users};
use shared::revocation::{Revocation, announce};
use shared::{SessionId, UserId};
use utoipa::ToSchema;

use crate::config::SessionLifetimes;

/// The audit actions of ending sessions.
pub const LOGOUT: &str = "logout";
pub const LOGOUT_ALL: &str = "logout_all";
pub const SESSION_END: &str = "session_end";

/// Live sessions one account may hold; signing in past it ends the least recently used.
pub const MAX_SESSIONS_PER_USER: i64 = 100;

/// Why a session ended (the `end_reason` column's check constraint lists the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Logout,
    LogoutAll,
    /// Ended from the session list.
    Ended,
    PasswordChanged,
    AccountDeleted,
    RefreshReused,
    /// The operator's `reset-password`.
    Reset,
    /// Past [`MAX_SESSIONS_PER_USER`].
    Evicted,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::LogoutAll => "logout_all",
            Self::Ended => "ended",
            Self::PasswordChanged => "password_changed",
            Self::AccountDeleted => "account_deleted",
            Self::RefreshReused => "refresh_reused",
            Self::Reset => "reset",
            Self::Evicted => "evicted",
        }
    }
}

/// An opaque refresh token: 256 random bits, base64url. Only its SHA-256 is stored.
pub struct RefreshToken(pub String);

impl RefreshToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the system's random source");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }
}

/// The stored form of a refresh token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Who is signing in, as the session list shows it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub user_agent: Option<String>,
    pub addr: Option<String>,
}

/// A session and its refresh token, fresh from [`start`] or [`rotate`].
pub struct Renewed {
    pub user: UserId,
    pub session: SessionId,
    pub refresh_token: RefreshToken,
    /// Seconds until the refresh token can no longer be used (idle or absolute limit, whichever
    /// comes first).
    pub refresh_expires_in: u64,
    /// Sessions this sign-in pushed past [`MAX_SESSIONS_PER_USER`].
    pub evicted: Ended,
}

/// Starts a session for `user` with its first refresh token, ending the least recently used ones
/// past [`MAX_SESSIONS_PER_USER`].
pub fn start(
    conn: &mut PgConnection,
    user: UserId,
    client: &Client,
    lifetimes: &SessionLifetimes,
) -> QueryResult<Renewed> {
    let surplus: Vec<SessionId> = sessions::table
        .filter(sessions::user_id.eq(user).and(sessions::ended_at.is_null()))
        .order((sessions::last_used_at.desc(), sessions::id.desc()))
        .offset(MAX_SESSIONS_PER_USER - 1)
        .select(sessions::id)
        .load(conn)?;
    let evicted = end_these(conn, &surplus, EndReason::Evicted)?;
    let now = Utc::now();
    let session: SessionId = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user),
            sessions::created_at.eq(now),
            sessions::last_used_at.eq(now),
            sessions::expires_at.eq(now + lifetimes.absolute()),
            sessions::user_agent.eq(client.user_agent.as_deref()),
            sessions::client_addr.eq(client.addr.as_deref()),
        ))
        .returning(sessions::id)
        .get_result(conn)?;
    let refresh_token = issue_refresh_token(conn, session)?;
    let refresh_expires_in = lifetimes.idle_secs().min(lifetimes.absolute_secs());
    Ok(Renewed { user, session, refresh_token, refresh_expires_in, evicted })
}

fn issue_refresh_token(conn: &mut PgConnection, session: SessionId) -> QueryResult<RefreshToken> {
    let token = RefreshToken::generate();
    diesel::insert_into(refresh_tokens::table)
        .values((refresh_tokens::token_hash.eq(token_hash(&token.0)), refresh_tokens::session_id.eq(session)))
        .execute(conn)?;
    Ok(token)
}

/// What presenting a refresh token came to.
pub enum Rotation {
    /// The token was current: it is used up and here is its successor.
    Renewed(Renewed),
    /// The token had been used before: someone else holds its successor, so the session is
    /// ended (theft detection) and every token of it refused.
    Reused { user: UserId, ended: Ended },
    /// Unknown, or its session has ended, expired or belongs to a deleted account.
    Refused { user: Option<UserId> },
}

/// Exchanges the refresh token whose hash is `hash` for a new one, in the caller's transaction.
pub fn rotate(
    conn: &mut PgConnection,
    hash: &[u8],
    client: &Client,
    lifetimes: &SessionLifetimes,
) -> QueryResult<Rotation> {
    type Found = (SessionId, Option<DateTime<Utc>>, UserId, Option<DateTime<Utc>>, DateTime<Utc>, DateTime<Utc>, bool);
    let found: Option<Found> = refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((
            sessions::id,
            refresh_tokens::used_at,
            sessions::user_id,
            sessions::ended_at,
            sessions::expires_at,
            sessions::last_used_at,
            users::deleted_at.is_null(),
        ))
        .for_update()
        .first(conn)
        .optional()?;
    let Some((session, used_at, user, ended_at, expires_at, last_used_at, live_account)) = found else {
        return Ok(Rotation::Refused { user: None });
    };
    if used_at.is_some() {
        let ended = end_these(conn, &[session], EndReason::RefreshReused)?;
        return Ok(Rotation::Reused { user, ended });
    }
    let now = Utc::now();
    if ended_at.is_some() || expires_at <= now || last_used_at + lifetimes.idle() <= now || !live_account {
        return Ok(Rotation::Refused { user: Some(user) });
    }
    diesel::update(refresh_tokens::table.find(hash)).set(refresh_tokens::used_at.eq(now)).execute(conn)?;
    diesel::update(sessions::table.find(session))
        .set((
            sessions::last_used_at.eq(now),
            sessions::user_agent.eq(client.user_agent.as_deref()),
            sessions::client_addr.eq(client.addr.as_deref()),
        ))
        .execute(conn)?;
    let refresh_token = issue_refresh_token(conn, session)?;
    let left = (expires_at - now).num_seconds().max(0).unsigned_abs();
    let refresh_expires_in = lifetimes.idle_secs().min(left);
    Ok(Rotation::Renewed(Renewed { user, session, refresh_token, refresh_expires_in, evicted: Ended::default() }))
}

/// What ending sessions revoked: to [`shared::revocation::Revocations::learn`] once committed.
/// Empty when nothing was ended.
#[derive(Debug, Default)]
#[must_use]
pub struct Ended(pub Vec<Revocation>);

impl Ended {
    /// How many sessions were ended.
    pub fn sessions(&self) -> usize {
        self.0.iter().filter(|r| matches!(r, Revocation::Session(_))).count()
    }
}

/// Ends `session` if it is a live session of `user` (nothing ended otherwise).
pub fn end(conn: &mut PgConnection, user: UserId, session: SessionId, reason: EndReason) -> QueryResult<Ended> {
    let mine = sessions::table
        .filter(sessions::id.eq(session).and(sessions::user_id.eq(user)).and(sessions::ended_at.is_null()))
        .select(sessions::id)
        .for_update()
        .first::<SessionId>(conn)
        .optional()?;
    match mine {
        Some(session) => end_these(conn, &[session], reason),
        None => Ok(Ended::default()),
    }
}

/// Ends every live session of `user` except `keep`, and refuses the user's tokens from before
/// sessions existed.
pub fn end_all(
    conn: &mut PgConnection,
    user: UserId,
    keep: Option<SessionId>,
    reason: EndReason,
) -> QueryResult<Ended> {
    let live: Vec<SessionId> = sessions::table
        .filter(sessions::user_id.eq(user).and(sessions::ended_at.is_null()))
        .select(sessions::id)
        .for_update()
        .load::<SessionId>(conn)?
        .into_iter()
        .filter(|id| Some(*id) != keep)
        .collect();
    let mut ended = end_these(conn, &live, reason)?;
    ended.0.push(end_sessionless(conn, user)?);
    Ok(ended)
}

/// Refuses every token of `user` issued so far without a session (from before sessions existed).
pub fn end_sessionless(conn: &mut PgConnection, user: UserId) -> QueryResult<Revocation> {
    let second = Utc::now().timestamp();
    let at = DateTime::from_timestamp(second, 0).unwrap_or_else(Utc::now);
    diesel::update(users::table.find(user)).set(users::tokens_not_before.eq(at)).execute(conn)?;
    announce(conn, Revocation::UserBefore(user, second))
}

/// Marks `ids` ended and announces each.
fn end_these(conn: &mut PgConnection, ids: &[SessionId], reason: EndReason) -> QueryResult<Ended> {
    if ids.is_empty() {
        return Ok(Ended::default());
    }
    diesel::update(sessions::table.filter(sessions::id.eq_any(ids)))
        .set((sessions::ended_at.eq(Utc::now()), sessions::end_reason.eq(reason.as_str())))
        .execute(conn)?;
    ids.iter().map(|id| announce(conn, Revocation::Session(*id))).collect::<QueryResult<_>>().map(Ended)
}

/// One of my sessions, as `GET /api/auth/sessions` lists it.
#[derive(Debug, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    #[schema(value_type = i64, example = 12)]
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    /// The last sign-in or refresh.
    pub last_used_at: DateTime<Utc>,
    /// As the client sent it, cut at 256 characters.
    #[schema(example = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")]
    pub user_agent: Option<String>,
    #[schema(example = "203.0.113.7")]
    pub client_addr: Option<String>,
}

/// `user`'s sessions that can still be refreshed, most recently used first.
pub fn list(conn: &mut PgConnection, user: UserId, lifetimes: &SessionLifetimes) -> QueryResult<Vec<SessionRow>> {
    let now = Utc::now();
    sessions::table
        .filter(sessions::user_id.eq(user).and(sessions::ended_at.is_null()))
        .filter(sessions::expires_at.gt(now).and(sessions::last_used_at.gt(now - lifetimes.idle())))
        .order((sessions::last_used_at.desc(), sessions::id.desc()))
        .select(SessionRow::as_select())
        .load(conn)
}
