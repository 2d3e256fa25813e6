//! The one door to PostgreSQL: [`Db`], a lazily connecting r2d2 pool with one thread per pooled
//! connection that runs the Diesel work (never an Actix worker); [`Reads`], the pipelined read
//! connection task-service's cheap reads (plain list, get) share; and the embedded migrations.

mod reads;
pub mod schema;

pub use reads::{ReadConfig, Reads};

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::ExposeSecret;

use crate::config::DatabaseConfig;
use crate::error::ApiError;
use crate::metrics::PoolUse;
use crate::workers::Workers;

pub type DbPool = Pool<ConnectionManager<PgConnection>>;

/// The SQL migrations in `migrations/`, compiled into every binary that needs them.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Advisory lock key held while migrating, so concurrent `migrate` runs apply each migration once.
const MIGRATION_LOCK: i64 = 0x0074_6173_6b68_7562; // "taskhub"

/// What libpq is told about the link to PostgreSQL, unless the URL says otherwise: give up
/// connecting after 3 s; and on a link that goes silent (packets dropped, not refused), fail the
/// query instead of waiting out TCP's retransmissions (about 15 minutes): data unacknowledged for
/// 2 s (`tcp_user_timeout`, in ms), or an idle connection whose keepalive probes (after 2 s, then
/// every 1 s) go unanswered, is closed, and its request gets 503 + `Retry-After`. A query that is
/// merely slow is unaffected: its bytes are acknowledged, so only `statement_timeout` ends it.
const LINK_SETTINGS: [(&str, &str); 6] = [
    ("connect_timeout", "3"),
    ("keepalives", "1"),
    ("keepalives_idle", "2"),
    ("keepalives_interval", "1"),
    ("keepalives_count", "2"),
    ("tcp_user_timeout", "2000"),
];

/// Every connection's session settings: `statement_timeout` (from the configuration), an idle
/// transaction ends after 60 s, and `plan_cache_mode = force_generic_plan`. The last one because
/// the task list's prepared statement (`user_id = $1 ... ORDER BY id`) otherwise gets planned
/// again on every execution once some users have far more tasks than others: its generic plan is
/// costed for the average user's rows, a small user's custom plan looks cheaper, so PostgreSQL
/// keeps choosing custom plans. Measured (bench/README.md, issue 17): pgbench's list on the
/// bench's data set with 1,000-task users, 5,909 tps as is and 14,521 with this setting; every
/// statement the services run selects by user or by key, so the generic plan has the custom
/// plans' shape (checked with `EXPLAIN` for list, page, search, trash and get).
#[derive(Debug)]
struct SessionSettings {
    statement_timeout_ms: u64,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&session_settings(self.statement_timeout_ms)).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The SQL that gives a new connection [`SessionSettings`].
fn session_settings(statement_timeout_ms: u64) -> String {
    format!(
        "SET statement_timeout = {statement_timeout_ms}; SET idle_in_transaction_session_timeout = 60000; \
         SET plan_cache_mode = force_generic_plan"
    )
}

/// `url` with [`LINK_SETTINGS`] added where it does not set them itself.
pub fn with_link_settings(url: &str) -> String {
    let mut url = url.to_owned();
    for (name, value) in LINK_SETTINGS {
        if !url.contains(&format!("{name}=")) {
            let sep = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{sep}{name}={value}");
        }
    }
    url
}

/// Builds the pool without connecting: a service starts, and answers 503, while the database is
/// down, and recovers by itself when it returns.
pub fn build_pool(config: &DatabaseConfig) -> DbPool {
    // OpenSSL without its exit-time cleanup, before libpq's first connection initialises it with
    // one: that cleanup can free what a database thread still inside libpq uses while the process
    // exits (the crashes `testing::admin_url` describes). The read connection's OpenSSL is set up
    // the same way (`openssl::init`, which `SslConnector::builder` calls).
    openssl::init();
    let manager = ConnectionManager::<PgConnection>::new(with_link_settings(config.database_url.expose_secret()));
    Pool::builder()
        .max_size(config.db_pool_size.max(1))
        .min_idle(Some(0))
        .connection_timeout(pool_timeout(config))
        // No `SELECT 1` before every checkout: it doubled the round trips of every request and
        // halved what the pool carries (bench/README.md). A connection that died meanwhile fails its
        // query as 503 (retryable) and is discarded on return; fresh ones replace it.
        .test_on_check_out(false)
        .connection_customizer(Box::new(SessionSettings { statement_timeout_ms: config.db_statement_timeout_ms }))
        .error_handler(Box::new(diesel::r2d2::LoggingErrorHandler))
        .build_unchecked(manager)
}

/// The database as handlers see it: the pool, and as many threads as it has connections, which
/// run the Diesel work in the order it came. Diesel is synchronous, so no query and no checkout
/// ever runs on an async worker; and since no more threads run queries than there are connections,
/// none of them parks on the pool waiting for a connection another one holds (with Actix's shared
/// blocking pool, each request under load became such a thread: bench/README.md).
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    threads: Workers,
    timeout: Duration,
}

impl Db {
    /// The pool (not connected yet: see [`build_pool`]) and its threads, named `db-{n}`.
    pub fn new(config: &DatabaseConfig) -> Self {
        let pool = build_pool(config);
        let threads = Workers::new("db", pool.max_size() as usize, || {});
        Self { pool, threads, timeout: pool_timeout(config) }
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Requests whose work waits for a free database thread (the `db_pool_waiting` gauge).
    pub fn waiting(&self) -> usize {
        self.threads.queued()
    }

    /// Runs `work` with a pooled connection on a database thread; its error (Diesel's, or a data
    /// function's outcome) becomes the answer's. A request that cannot get a connection within the
    /// pool timeout (counted from now, queueing included) gets a 503; work whose request was
    /// abandoned meanwhile is skipped.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        E: Into<ApiError>,
        T: Send + 'static,
    {
        let (pool, deadline) = (self.pool.clone(), Instant::now() + self.timeout);
        // Queued behind threads that a silent database holds, a request gives up at the deadline
        // rather than waiting for them (503); once started, its checkout has what is left of it.
        let work = move || {
            let mut conn = pool.get_timeout(deadline.saturating_duration_since(Instant::now()))?;
            work(&mut conn).map_err(Into::into)
        };
        let _span = crate::telemetry::child("db");
        match self.threads.run_started_by(deadline, work).await {
            Some(answer) => answer?,
            None => Err(ApiError::Unavailable("Database unavailable")),
        }
    }
}

impl PoolUse for Db {
    fn pool_use(&self) -> (u32, u32, u32, usize) {
        let state = self.pool.state();
        (state.idle_connections, state.connections, self.pool.max_size(), self.waiting())
    }
}

fn pool_timeout(config: &DatabaseConfig) -> Duration {
    Duration::from_secs(config.db_pool_timeout_secs.max(1))
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn url_for_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// Creates the database that `url` names unless it exists, connecting to the server's `postgres`
/// database to do so. Returns whether it was created.
pub fn create_database_if_missing(url: &str) -> Result<bool, String> {
    use diesel::Connection;
    let name = url.split('?').next().and_then(|base| base.rsplit_once('/')).map(|(_, n)| n).unwrap_or_default();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("database name {name:?} must be letters, digits and underscores"));
    }
    if PgConnection::establish(url).is_ok() {
        return Ok(false);
    }
    let mut admin =
        PgConnection::establish(&url_for_database(url, "postgres")).map_err(|e| format!("cannot connect: {e}"))?;
    match admin.batch_execute(&format!("CREATE DATABASE {name}")) {
        Ok(()) => Ok(true),
        Err(e) if e.to_string().contains("already exists") => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// Applies pending migrations, holding an advisory lock so that concurrent runs do not race.
pub fn migrate_up(conn: &mut PgConnection) -> Result<Vec<String>, String> {
    with_migration_lock(conn, |conn| {
        conn.run_pending_migrations(MIGRATIONS)
            .map(|done| done.iter().map(ToString::to_string).collect())
            .map_err(|e| e.to_string())
    })
}

/// Reverts the most recent migration (the spec's `downgrade -1`).
pub fn migrate_down(conn: &mut PgConnection) -> Result<String, String> {
    with_migration_lock(conn, |conn| {
        conn.revert_last_migration(MIGRATIONS).map(|v| v.to_string()).map_err(|e| e.to_string())
    })
}

fn with_migration_lock<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, String>,
) -> Result<T, String> {
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).map_err(|e| e.to_string())?;
    let result = work(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).map_err(|e| e.to_string())?;
    result
}

#[cfg(test)]
mod tests {
    use super::{url_for_database, with_link_settings};

    #[test]
    fn database_name_is_swapped() {
        assert_eq!(url_for_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            url_for_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }

    #[test]
    fn link_settings_are_added_once() {
        let all = "connect_timeout=3&keepalives=1&keepalives_idle=2&keepalives_interval=1&keepalives_count=2&tcp_user_timeout=2000";
        assert_eq!(with_link_settings("postgres://h/db"), format!("postgres://h/db?{all}"));
        assert_eq!(
            with_link_settings("postgres://h/db?sslmode=require"),
            format!("postgres://h/db?sslmode=require&{all}")
        );
        let own = with_link_settings("postgres://h/db?connect_timeout=9&tcp_user_timeout=500");
        assert!(own.starts_with("postgres://h/db?connect_timeout=9&tcp_user_timeout=500&keepalives=1"), "{own}");
        assert_eq!(own.matches("connect_timeout=").count(), 1);
        assert_eq!(own.matches("tcp_user_timeout=").count(), 1);
    }
}
