//! Ended sessions, as every verifier knows them (ADR 0006). auth-service ends a session by writing
//! `sessions.ended_at` and announcing it with `NOTIFY taskhub_revocations` in the same
//! transaction ([`announce`]); each service keeps the revocations that can still matter (those of
//! the last access-token lifetime) in memory, loaded at start-up and followed on a `LISTEN`ing
//! connection of its own, with a full reload every `REVOCATION_RESYNC_SECS` as the safety net. So
//! judging a token ([`Revocations::judge`]) is a hash lookup, never a database round trip.
//!
//! When the listening connection is lost and cannot be made again (the reload fails), the state
//! cannot be vouched for: every token is then judged [`Verdict::Unknown`], which the `AuthUser`
//! extractor answers with 503 + `Retry-After`, and `/health` says so. Nothing revoked is accepted
//! meanwhile; the listener keeps trying and the service recovers by itself.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use secrecy::ExposeSecret;
use tokio::sync::Notify;

use crate::config::{DatabaseConfig, JwtConfig, RevocationConfig, RevocationFeed};
use crate::db::DbPool;
use crate::db::schema::{sessions, users};
use crate::ids::{SessionId, UserId};

/// The `LISTEN`/`NOTIFY` channel of revocations.
pub const CHANNEL: &str = "taskhub_revocations";

/// How often the listener asks its connection for notifications. Diesel's `notifications_iter`
/// reads without blocking and exposes no socket to wait on, so the listener polls: 20
/// non-blocking reads a second on one thread, against the 1 s within which a revocation must
/// reach every replica.
const POLL: Duration = Duration::from_millis(50);
/// The pause between attempts to reconnect while the database cannot be reached.
const RECONNECT: Duration = Duration::from_millis(500);
/// How far back a poll looks before the previous poll's start, by the database's clock: a
/// session is ended in one short transaction whose `ended_at` can be older than its commit, and
/// auth-service's clock may differ from the database's. The full reload catches anything older.
const POLL_OVERLAP: chrono::Duration = chrono::Duration::seconds(10);
/// How long a request waits for a verifier that is (re)connecting before it is answered 503:
/// covers the start-up load, so a service's first requests are not refused.
const WAIT_FOR_CURRENT: Duration = Duration::from_secs(1);

/// One revocation, as [`announce`]d and as loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// Every access token of this session.
    Session(SessionId),
    /// Every token of this user without a session (issued before sessions existed) issued at or
    /// before this instant, in Unix seconds.
    UserBefore(UserId, i64),
}

impl Revocation {
    fn payload(self) -> String {
        match self {
            Self::Session(SessionId(id)) => format!("s:{id}"),
            Self::UserBefore(UserId(id), before) => format!("u:{id}:{before}"),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        match payload.split(':').collect::<Vec<_>>().as_slice() {
            ["s", id] => Some(Self::Session(SessionId(id.parse().ok()?))),
            ["u", id, before] => Some(Self::UserBefore(UserId(id.parse().ok()?), before.parse().ok()?)),
            _ => None,
        }
    }
}

/// Tells every verifier about `revocation` when the current transaction commits (and never, if
/// it rolls back); returns it, for the caller to [`Revocations::learn`] once committed.
pub fn announce(conn: &mut PgConnection, revocation: Revocation) -> QueryResult<Revocation> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(revocation.payload())
        .execute(conn)
        .map(|_| revocation)
}

/// What a token is, given what this verifier knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Revoked,
    /// The revocations cannot be vouched for right now: refuse with 503, never accept.
    Unknown,
}

/// The revocations that can still matter (each full reload drops the older ones): the ended
/// sessions, and each user's "not before" instant in Unix seconds.
#[derive(Debug, Default)]
struct Known {
    ended: HashSet<SessionId>,
    not_before: HashMap<UserId, i64>,
}

/// A verifier's revocation state; see the module documentation.
pub struct Revocations {
    known: RwLock<Known>,
    current: AtomicBool,
    became_current: Notify,
    /// How long a revocation matters: an access token's lifetime plus the clock leeway.
    keep_secs: i64,
}

impl Revocations {
    /// An empty state that vouches for nothing until it is filled.
    fn new(keep_secs: i64) -> Self {
        Self { known: RwLock::default(), current: AtomicBool::new(false), became_current: Notify::new(), keep_secs }
    }

    /// The state, and the thread that fills it and keeps it current (it ends when the state is
    /// dropped): listening on a connection of its own, or polling on one of `pool`'s. Does not
    /// wait for the database: until the first load, tokens wait up to [`WAIT_FOR_CURRENT`],
    /// then get 503.
    pub fn start(database: &DatabaseConfig, pool: &DbPool, jwt: &JwtConfig, config: &RevocationConfig) -> Arc<Self> {
        let keep_secs = i64::try_from(jwt.jwt_ttl_seconds + jwt.jwt_leeway_seconds).unwrap_or(i64::MAX);
        let state = Arc::new(Self::new(keep_secs));
        let url = config
            .database_listen_url
            .as_ref()
            .filter(|url| !url.expose_secret().trim().is_empty())
            .unwrap_or(&database.database_url);
        let url = crate::db::with_link_settings(url.expose_secret());
        let resync = Duration::from_secs(config.revocation_resync_secs.max(1));
        let weak = Arc::downgrade(&state);
        let feed = config.revocation_feed;
        let interval = Duration::from_millis(config.revocation_poll_ms.max(10));
        let pool = pool.clone();
        std::thread::Builder::new()
            .name("revocations".into())
            .spawn(move || match feed {
                RevocationFeed::Listen => listen(&weak, &url, resync),
                RevocationFeed::Poll => poll(&weak, &pool, interval, resync),
            })
            .expect("spawn the revocation listener");
        state
    }

    /// The verdict on a token of `user`, of `session` (none for tokens from before sessions),
    /// issued at `issued_at` (Unix seconds).
    pub fn judge(&self, user: UserId, session: Option<SessionId>, issued_at: i64) -> Verdict {
        if !self.current.load(Ordering::Acquire) {
            return Verdict::Unknown;
        }
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let revoked = match session {
            Some(session) => known.ended.contains(&session),
            None => known.not_before.get(&user).is_some_and(|before| issued_at <= *before),
        };
        if revoked { Verdict::Revoked } else { Verdict::Valid }
    }

    /// [`Self::judge`], waiting up to [`WAIT_FOR_CURRENT`] for a state that is being (re)loaded.
    pub async fn judge_or_wait(&self, user: UserId, session: Option<SessionId>, issued_at: i64) -> Verdict {
        self.is_current_or_wait().await;
        self.judge(user, session, issued_at)
    }

    /// Whether the state can be vouched for.
    pub fn is_current(&self) -> bool {
        self.current.load(Ordering::Acquire)
    }

    /// [`Self::is_current`], waiting up to [`WAIT_FOR_CURRENT`] for a state being (re)loaded
    /// (also for `/health`, so that a service that has just started is not reported stale).
    pub async fn is_current_or_wait(&self) -> bool {
        let mut notified = std::pin::pin!(self.became_current.notified());
        notified.as_mut().enable();
        if !self.is_current() {
            let _ = tokio::time::timeout(WAIT_FOR_CURRENT, notified).await;
        }
        self.is_current()
    }

    /// Takes `revocations` into account at once: the instance that ended the sessions does not
    /// wait for its own notification (every other instance learns them from it).
    pub fn learn(&self, revocations: impl IntoIterator<Item = Revocation>) {
        revocations.into_iter().for_each(|revocation| self.apply(revocation));
    }

    fn apply(&self, revocation: Revocation) {
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        match revocation {
            Revocation::Session(session) => {
                known.ended.insert(session);
            }
            Revocation::UserBefore(user, before) => {
                let entry = known.not_before.entry(user).or_insert(before);
                *entry = (*entry).max(before);
            }
        }
    }

    fn replace(&self, loaded: Known) {
        *self.known.write().unwrap_or_else(PoisonError::into_inner) = loaded;
    }

    /// The state is current (again): requests waiting for it go on.
    fn vouch(&self) {
        if !self.current.swap(true, Ordering::AcqRel) {
            log::info!("revocations: following the database again; tokens are judged");
            self.became_current.notify_waiters();
        }
    }

    /// The state can no longer be vouched for, because of `why`.
    fn unvouch(&self, why: &str) {
        if self.current.swap(false, Ordering::AcqRel) {
            log::error!("revocations: cannot reach the database ({why}); tokens get 503 until it is back");
        }
    }

    /// Adds `known` to what is known (a poll's news).
    fn merge(&self, known: Known) {
        let sessions = known.ended.into_iter().map(Revocation::Session);
        let users = known.not_before.into_iter().map(|(user, before)| Revocation::UserBefore(user, before));
        self.learn(sessions.chain(users));
    }

    /// The revocations of the last `keep_secs`, from the database.
    fn load(&self, conn: &mut PgConnection) -> QueryResult<Known> {
        load_since(conn, Utc::now() - chrono::Duration::seconds(self.keep_secs))
    }
}

/// The revocations made after `since`.
fn load_since(conn: &mut PgConnection, since: DateTime<Utc>) -> QueryResult<Known> {
    let ended: Vec<SessionId> = sessions::table.filter(sessions::ended_at.gt(since)).select(sessions::id).load(conn)?;
    let not_before: Vec<(UserId, Option<DateTime<Utc>>)> = users::table
        .filter(users::tokens_not_before.gt(since))
        .select((users::id, users::tokens_not_before))
        .load(conn)?;
    Ok(Known {
        ended: ended.into_iter().collect(),
        not_before: not_before.into_iter().filter_map(|(id, at)| Some((id, at?.timestamp()))).collect(),
    })
}

/// The polling thread (`REVOCATION_FEED=poll`): every `interval`, one poll on a connection of the
/// service's pool, given back at once (a few milliseconds: no connection of its own, so the poll
/// costs the connection budget nothing); a full reload first and every `resync`, otherwise what
/// was revoked since the last poll (by the database's clock, less [`POLL_OVERLAP`]). A failed poll
/// leaves the state unvouched until one succeeds.
fn poll(state: &Weak<Revocations>, pool: &DbPool, interval: Duration, resync: Duration) {
    let mut reloaded_at: Option<Instant> = None;
    let mut since: Option<DateTime<Utc>> = None;
    loop {
        let Some(state) = state.upgrade() else { return };
        let polled = pool.get().map_err(|error| error.to_string()).and_then(|mut pooled| {
            let conn: &mut PgConnection = &mut pooled;
            let now: DateTime<Utc> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Timestamptz>("now()"))
                .get_result(conn)
                .map_err(|error| error.to_string())?;
            match since {
                Some(since) if reloaded_at.is_some_and(|at| at.elapsed() < resync) => {
                    state.merge(load_since(conn, since - POLL_OVERLAP).map_err(|error| error.to_string())?);
                }
                _ => {
                    state.replace(state.load(conn).map_err(|error| error.to_string())?);
                    reloaded_at = Some(Instant::now());
                }
            }
            Ok(now)
        });
        match polled {
            Ok(now) => {
                since = Some(now);
                state.vouch();
            }
            Err(error) => {
                since = None;
                state.unvouch(&error);
            }
        }
        drop(state);
        std::thread::sleep(interval);
    }
}

/// Why following stopped.
enum Stopped {
    /// The state was dropped: the service is gone.
    Dropped,
    /// Connecting, listening or loading failed: the state cannot be vouched for.
    Unreachable(String),
    /// The connection failed after the state was current: reconnect at once.
    Lost(String),
}

/// The listener thread: follows the database, reconnecting until the state is dropped.
fn listen(state: &Weak<Revocations>, url: &str, resync: Duration) {
    loop {
        match follow(state, url, resync) {
            Stopped::Dropped => return,
            Stopped::Lost(error) => log::warn!("revocations: the listening connection failed ({error}); reconnecting"),
            Stopped::Unreachable(error) => {
                let Some(state) = state.upgrade() else { return };
                state.unvouch(&error);
                drop(state);
                std::thread::sleep(RECONNECT);
            }
        }
    }
}

/// Connects, `LISTEN`s, then loads (in that order: a revocation committed in between is both
/// loaded and notified, never missed); then applies notifications as they come and reloads every
/// `resync`.
fn follow(state: &Weak<Revocations>, url: &str, resync: Duration) -> Stopped {
    let unreachable = |error: &dyn std::fmt::Display| Stopped::Unreachable(error.to_string());
    let mut conn = match PgConnection::establish(url) {
        Ok(conn) => conn,
        Err(error) => return unreachable(&error),
    };
    if let Err(error) = conn.batch_execute(&format!("LISTEN {CHANNEL}")) {
        return unreachable(&error);
    }
    let Some(first) = state.upgrade() else { return Stopped::Dropped };
    match first.load(&mut conn) {
        Ok(known) => first.replace(known),
        Err(error) => return unreachable(&error),
    }
    first.vouch();
    drop(first);
    let mut loaded_at = Instant::now();
    loop {
        std::thread::sleep(POLL);
        let Some(state) = state.upgrade() else { return Stopped::Dropped };
        for notification in conn.notifications_iter() {
            match notification {
                Ok(notification) => match Revocation::parse(&notification.payload) {
                    Some(revocation) => state.apply(revocation),
                    None => log::warn!("revocations: ignored a notification {:?}", notification.payload),
                },
                Err(error) => return Stopped::Lost(error.to_string()),
            }
        }
        if loaded_at.elapsed() >= resync {
            match state.load(&mut conn) {
                Ok(known) => state.replace(known),
                Err(error) => return Stopped::Lost(error.to_string()),
            }
            loaded_at = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back_as_they_were_written() {
        for revocation in [Revocation::Session(SessionId(42)), Revocation::UserBefore(UserId(7), 1_700_000_000)] {
            assert_eq!(Revocation::parse(&revocation.payload()), Some(revocation));
        }
        assert_eq!(Revocation::parse("s:x"), None);
        assert_eq!(Revocation::parse("x:1"), None);
    }

    #[test]
    fn a_state_judges_only_while_current() {
        let state = Revocations::new(60);
        assert_eq!(state.judge(UserId(1), Some(SessionId(1)), 0), Verdict::Unknown);
        state.vouch();
        assert_eq!(state.judge(UserId(1), Some(SessionId(1)), 0), Verdict::Valid);
        state.apply(Revocation::Session(SessionId(1)));
        state.apply(Revocation::UserBefore(UserId(1), 100));
        assert_eq!(state.judge(UserId(1), Some(SessionId(1)), 0), Verdict::Revoked);
        assert_eq!(state.judge(UserId(1), Some(SessionId(2)), 0), Verdict::Valid, "sessions are judged apart");
        assert_eq!(state.judge(UserId(1), None, 100), Verdict::Revoked, "no session: by the instant");
        assert_eq!(state.judge(UserId(1), None, 101), Verdict::Valid);
        assert_eq!(state.judge(UserId(2), None, 0), Verdict::Valid);
        state.unvouch("a test");
        assert_eq!(state.judge(UserId(2), None, 0), Verdict::Unknown);
    }
}
