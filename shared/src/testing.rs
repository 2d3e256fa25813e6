//! A fresh, migrated PostgreSQL database per test. The first test of a run migrates a template
//! database named after the migrations' content (under an advisory lock, so parallel test
//! processes wait for one another); each test then clones it and drops its clone on `Drop`.
//!
//! The server is `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::db;

const TEMPLATE_LOCK: i64 = 0x7461_736b_7465_7374; // "tasktest"

/// URL of the maintenance database the test databases are created from.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that lives as long as the value.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// Creates a database holding every migration and no rows.
    pub fn new() -> Self {
        let admin = admin_url();
        let template = ensure_template(&admin);
        let name = format!("taskhub_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin).expect("connect to the test PostgreSQL server");
        conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")).expect("create test database");
        Self { url: db::url_for_database(&admin, &name), name }
    }

    /// A direct connection, for arranging and inspecting rows in tests.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to the test database")
    }

    /// Runs SQL against this database.
    pub fn execute(&self, sql: &str) -> usize {
        diesel::sql_query(sql).execute(&mut self.conn()).expect("test SQL")
    }
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&admin_url()) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// Creates (once per set of migrations) the migrated template and returns its name.
fn ensure_template(admin: &str) -> String {
    let name = concat!("taskhub_tpl_", env!("MIGRATIONS_DIGEST"));
    let mut conn = PgConnection::establish(admin).expect("connect to the test PostgreSQL server");
    conn.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).expect("lock");
    let exists = diesel::sql_query(format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"))
        .execute(&mut conn)
        .expect("look up template")
        > 0;
    if !exists {
        let building = format!("{name}_building");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).expect("drop stale template");
        conn.batch_execute(&format!("CREATE DATABASE {building}")).expect("create template");
        {
            let mut tpl =
                PgConnection::establish(&db::url_for_database(admin, &building)).expect("connect to template");
            db::migrate_up(&mut tpl).expect("migrate template");
        }
        conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).expect("publish template");
    }
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).expect("unlock");
    name.to_owned()
}

/// The HS256 secret every test service signs and verifies with.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// Token settings for tests: the defaults with [`TEST_SECRET`].
pub fn jwt_config() -> crate::config::JwtConfig {
    crate::config::JwtConfig::new(TEST_SECRET)
}

/// HTTP settings for tests: one worker, so a test server costs one thread.
pub fn http_config() -> crate::config::HttpConfig {
    crate::config::HttpConfig { http_workers: Some(1), ..Default::default() }
}

/// A listener on a free port of 127.0.0.1 and its base URL.
pub fn listener() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    (listener, url)
}
