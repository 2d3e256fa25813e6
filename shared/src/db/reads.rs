//! The pipelined read connection (ADR 0008): one `diesel-async` connection per service that its
//! cheap single-statement reads share. Statements that arrive while others are in flight go out
//! on the wire behind them without waiting for their answers, so PostgreSQL and the service handle
//! several per wake-up and system call. Measured (bench/README.md, "Issue 21, third sitting"): a
//! get through the gateway cost PostgreSQL 57 us instead of 104 and task-service 66 instead of
//! 103, +36 % requests a second. They run one after another on one PostgreSQL backend, so only
//! statements of tens of microseconds belong here; heavier ones, writes and transactions (a
//! transaction must not share its connection with other requests' statements) stay on
//! [`super::Db::run`].
//!
//! The connection speaks for itself (tokio-postgres, not libpq), so [`ReadConfig`] translates the
//! URL's libpq options and adds the same link and session settings as the pool's.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::SimpleAsyncConnection;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;
use secrecy::ExposeSecret;

use crate::config::{ConfigError, DatabaseConfig};
use crate::error::ApiError;

/// How a read connection is opened: the server and its options (from `DATABASE_URL`), TLS, and
/// what every new connection is told first. Read once, at start-up: a URL it cannot honour stops
/// the service with a message naming the option.
#[derive(Clone)]
pub struct ReadConfig {
    server: tokio_postgres::Config,
    tls: MakeTlsConnector,
    session: String,
    /// How long a read waits for a connection, and then for its answer: the pool timeout.
    wait_at_most: Duration,
}

/// libpq options the read connection understands under the same name and meaning.
const SAME_OPTIONS: [&str; 15] = [
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// What libpq's `sslmode` asks of the server's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verify {
    /// `disable`, `allow`, `prefer`, `require`: encrypted (or not), the certificate unchecked, as libpq does.
    Nothing,
    /// `verify-ca`: signed by a trusted authority.
    Authority,
    /// `verify-full`: that, and issued for the host connected to.
    AuthorityAndHost,
}

impl ReadConfig {
    /// The read connection's settings for `config`'s URL, with the pool's link settings
    /// ([`super::with_link_settings`]) where the URL does not set them, and its session settings.
    pub fn new(config: &DatabaseConfig) -> Result<Self, ConfigError> {
        let url = super::with_link_settings(config.database_url.expose_secret());
        let (base, query) = url.split_once('?').unwrap_or((&url, ""));
        let mut kept = Vec::new();
        let (mut verify, mut root_cert, mut user_timeout) = (Verify::Nothing, None, None);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                _ if SAME_OPTIONS.contains(&name) => kept.push(pair.to_owned()),
                "keepalives_count" => kept.push(format!("keepalives_retries={value}")),
                // libpq counts it in milliseconds, tokio-postgres's URL in seconds.
                "tcp_user_timeout" => {
                    user_timeout = Some(value.parse::<u64>().map_err(|_| invalid(name, value))?);
                }
                "sslrootcert" => root_cert = Some(value.to_owned()),
                "sslmode" => {
                    let (mode, check) = match value {
                        "disable" => ("disable", Verify::Nothing),
                        "allow" | "prefer" => ("prefer", Verify::Nothing),
                        "require" => ("require", Verify::Nothing),
                        "verify-ca" => ("require", Verify::Authority),
                        "verify-full" => ("require", Verify::AuthorityAndHost),
                        _ => return Err(invalid(name, value)),
                    };
                    kept.push(format!("sslmode={mode}"));
                    verify = check;
                }
                _ => {
                    return Err(ConfigError(format!(
                        "DATABASE_URL option {name:?} is not supported by task-service's read connection \
                         (supported: {}, keepalives_count, tcp_user_timeout, sslmode, sslrootcert)",
                        SAME_OPTIONS.join(", ")
                    )));
                }
            }
        }
        let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let mut server: tokio_postgres::Config =
            url.parse().map_err(|e| ConfigError(format!("DATABASE_URL cannot be read: {e}")))?;
        if let Some(ms) = user_timeout.filter(|ms| *ms > 0) {
            server.tcp_user_timeout(Duration::from_millis(ms));
        }
        Ok(Self {
            server,
            tls: tls(verify, root_cert.as_deref())?,
            session: super::session_settings(config.db_statement_timeout_ms),
            wait_at_most: super::pool_timeout(config),
        })
    }
}

fn invalid(name: &str, value: &str) -> ConfigError {
    ConfigError(format!("DATABASE_URL option {name}={value:?} is not valid"))
}

/// The TLS connector for `verify`. As libpq's, `sslrootcert` names the only authorities trusted
/// (a PEM file); `sslrootcert=system`, or none, trusts the system's.
fn tls(verify: Verify, root_cert: Option<&str>) -> Result<MakeTlsConnector, ConfigError> {
    let tls_error = |e: openssl::error::ErrorStack| ConfigError(format!("TLS setup for PostgreSQL failed: {e}"));
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(tls_error)?;
    if let Some(file) = root_cert.filter(|file| *file != "system") {
        // The builder starts from the system's authorities: start from none instead.
        builder.set_cert_store(X509StoreBuilder::new().map_err(tls_error)?.build());
        builder.set_ca_file(file).map_err(|e| ConfigError(format!("sslrootcert {file:?} cannot be read: {e}")))?;
    }
    if verify == Verify::Nothing {
        builder.set_verify(SslVerifyMode::NONE);
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    if verify != Verify::AuthorityAndHost {
        connector.set_callback(|connect, _| {
            connect.set_verify_hostname(false);
            Ok(())
        });
    }
    Ok(connector)
}

/// The service's read connection, opened at the first read and again after one broke.
pub struct Reads {
    config: ReadConfig,
    /// The open connection; locked only to look at it, never across an `.await`.
    open: Mutex<Option<Arc<AsyncPgConnection>>>,
    /// Held while connecting, so that the reads arriving meanwhile wait for that one connection.
    connecting: tokio::sync::Mutex<()>,
}

impl Reads {
    pub fn new(config: ReadConfig) -> Self {
        Self { config, open: Mutex::new(None), connecting: tokio::sync::Mutex::new(()) }
    }

    /// Runs `work` on the read connection, beside the reads already in flight there; its error
    /// becomes the answer's. A read waits for a connection and then for its answer at most the
    /// pool timeout each, as a pooled read waits for its connection: past it, or when the
    /// connection broke, the read gets 503 and the next one opens a new connection. (A read here
    /// is a cheap statement, answered in milliseconds; one with no answer for seconds is held by
    /// a silent link or a lock, and the reads behind it on the same connection with it, so the
    /// connection is given up and its statement cancelled.)
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: AsyncFnOnce(&AsyncPgConnection) -> Result<T, E>,
        E: Into<ApiError>,
    {
        let _span = crate::telemetry::child("db");
        let conn = self.connection().await?;
        let answer = match tokio::time::timeout(self.config.wait_at_most, work(&conn)).await {
            Ok(answer) => answer.map_err(Into::into),
            Err(_) => {
                log::warn!("database read got no answer within {:?}", self.config.wait_at_most);
                self.cancel(&conn);
                Err(unavailable())
            }
        };
        if matches!(answer, Err(ApiError::Unavailable(_))) {
            self.discard(&conn);
        }
        answer
    }

    /// Asks the server (on a connection of its own, in the background) to stop what `conn` runs.
    fn cancel(&self, conn: &AsyncPgConnection) {
        let (token, tls, limit) = (conn.cancel_token(), self.config.tls.clone(), self.config.wait_at_most);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(limit, token.cancel_query(tls)).await;
        });
    }

    fn current(&self) -> Option<Arc<AsyncPgConnection>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn discard(&self, broken: &Arc<AsyncPgConnection>) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.as_ref().is_some_and(|conn| Arc::ptr_eq(conn, broken)) {
            *open = None;
        }
    }

    async fn connection(&self) -> Result<Arc<AsyncPgConnection>, ApiError> {
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        within(self.config.wait_at_most, async {
            let _one_at_a_time = self.connecting.lock().await;
            if let Some(conn) = self.current() {
                return Ok(conn);
            }
            let conn = Arc::new(self.connect().await?);
            *self.open.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
            Ok(conn)
        })
        .await
    }

    async fn connect(&self) -> Result<AsyncPgConnection, ApiError> {
        let unavailable = |error: &dyn std::fmt::Display| {
            log::warn!("database read connection failed: {error}");
            unavailable()
        };
        let (client, connection) =
            self.config.server.connect(self.config.tls.clone()).await.map_err(|e| unavailable(&e))?;
        let mut conn =
            AsyncPgConnection::try_from_client_and_connection(client, connection).await.map_err(|e| unavailable(&e))?;
        conn.batch_execute(&self.config.session).await.map_err(|e| unavailable(&e))?;
        Ok(conn)
    }
}

/// `work`, or 503 when it takes longer than `limit`.
async fn within<T>(limit: Duration, work: impl Future<Output = Result<T, ApiError>>) -> Result<T, ApiError> {
    tokio::time::timeout(limit, work).await.unwrap_or(Err(unavailable()))
}

fn unavailable() -> ApiError {
    ApiError::Unavailable("Database unavailable")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(url: &str) -> Result<ReadConfig, ConfigError> {
        ReadConfig::new(&DatabaseConfig::new(url))
    }

    #[test]
    fn the_pools_link_settings_reach_the_read_connection_in_its_own_terms() {
        let config = read("postgres://u@db.example:6432/tasks").unwrap().server;
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(2));
        assert_eq!(config.get_keepalives_interval(), Some(Duration::from_secs(1)));
        assert_eq!(config.get_keepalives_retries(), Some(2));
        assert_eq!(config.get_tcp_user_timeout(), Some(&Duration::from_millis(2000)));
        assert_eq!(config.get_dbname(), Some("tasks"));
        assert_eq!(config.get_ports(), &[6432]);
    }

    #[test]
    fn the_urls_own_options_win_and_sslmode_is_mapped() {
        let config = read("postgres://u@h/db?sslmode=verify-full&tcp_user_timeout=500&keepalives_count=7").unwrap();
        assert_eq!(config.server.get_ssl_mode(), tokio_postgres::config::SslMode::Require);
        assert_eq!(config.server.get_tcp_user_timeout(), Some(&Duration::from_millis(500)));
        assert_eq!(config.server.get_keepalives_retries(), Some(7));
        for (mode, expected) in [
            ("disable", tokio_postgres::config::SslMode::Disable),
            ("prefer", tokio_postgres::config::SslMode::Prefer),
            ("require", tokio_postgres::config::SslMode::Require),
        ] {
            let config = read(&format!("postgres://u@h/db?sslmode={mode}")).unwrap();
            assert_eq!(config.server.get_ssl_mode(), expected, "{mode}");
        }
    }

    #[test]
    fn an_option_it_cannot_honour_stops_the_start_naming_it() {
        for (url, named) in [
            ("postgres://u@h/db?gssencmode=disable", "gssencmode"),
            ("postgres://u@h/db?sslmode=sometimes", "sslmode"),
            ("postgres://u@h/db?tcp_user_timeout=soon", "tcp_user_timeout"),
            ("postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem", "sslrootcert"),
        ] {
            let error = read(url).err().unwrap_or_else(|| panic!("{url} was accepted"));
            assert!(error.0.contains(named), "{url}: {error}");
        }
    }
}
