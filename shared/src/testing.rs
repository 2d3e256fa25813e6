//! A fresh, migrated PostgreSQL database per test. The first test of a run migrates a template
//! database named after the migrations' content (under an advisory lock, so parallel test
//! processes wait for one another); each test then clones it and drops its clone on `Drop`.
//!
//! The server is `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! Also: stand-ins for what a service talks to (a TCP proxy, PgBouncer, an HTTP upstream).

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::db;

const TEMPLATE_LOCK: i64 = 0x7461_736b_7465_7374; // "tasktest"

/// URL of the maintenance database the test databases are created from.
///
/// Tests talk to a local server without TLS (`sslmode=disable` unless the URL sets a mode): with
/// libpq's default `prefer`, every test connection ran OpenSSL, and OpenSSL's exit-time cleanup
/// raced with pool threads still inside libpq, crashing test processes after their test had
/// passed (SIGSEGV, "double free").
pub fn admin_url() -> String {
    let url =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if url.contains("sslmode=") {
        url
    } else {
        format!("{url}{}sslmode=disable", if url.contains('?') { '&' } else { '?' })
    }
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

/// A listener on a free port of 127.0.0.1 and its base URL.
pub fn listener() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    (listener, url)
}

/// Log lines written in this process, captured as JSON values. Install it before starting the
/// services; it replaces stdout for the whole test process (nextest runs each test in its own).
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn install() -> Self {
        let capture = Self::default();
        crate::logging::init_with_target("test", env_logger::Target::Pipe(Box::new(capture.clone())));
        capture
    }

    /// Every line so far, parsed (a line that is not JSON fails the test).
    pub fn lines(&self) -> Vec<serde_json::Value> {
        let raw = String::from_utf8(self.0.lock().expect("log buffer").clone()).expect("UTF-8 logs");
        raw.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l}")))
            .collect()
    }

    /// The raw text, for checking what must never appear.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("log buffer").clone()).expect("UTF-8 logs")
    }
}

/// A TCP proxy that a test can cut and restore, to put between a service and PostgreSQL.
pub struct TcpProxy {
    pub addr: std::net::SocketAddr,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    live: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl TcpProxy {
    /// Starts forwarding connections on a free port of 127.0.0.1 to `upstream`.
    pub fn start(upstream: std::net::SocketAddr) -> Self {
        Self::start_on(std::net::Ipv4Addr::LOCALHOST.into(), upstream)
    }

    /// Starts forwarding connections on a free port of `host` (a local address) to `upstream`.
    pub fn start_on(host: std::net::IpAddr, upstream: std::net::SocketAddr) -> Self {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind((host, 0)).expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let frozen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let live = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (accept_open, accept_frozen, accept_live) = (open.clone(), frozen.clone(), live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let server = match accept_open.load(Ordering::SeqCst) {
                    true => std::net::TcpStream::connect(upstream).ok(),
                    false => None,
                };
                let Some(server) = server else {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                };
                let mut live = accept_live.lock().expect("proxy state");
                for (mut from, mut to) in
                    [(client.try_clone(), server.try_clone()), (server.try_clone(), client.try_clone())]
                        .into_iter()
                        .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
                {
                    let frozen = accept_frozen.clone();
                    std::thread::spawn(move || {
                        use std::io::{Read, Write};
                        let mut buf = [0u8; 16 * 1024];
                        // While frozen, bytes are taken and dropped: the link goes silent.
                        while let Ok(n @ 1..) = from.read(&mut buf) {
                            if !frozen.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                live.extend([client, server]);
            }
        });
        Self { addr, open, frozen, live }
    }

    /// Keeps every connection open but lets nothing through, either way: a database that has
    /// gone silent (to the service's TCP stack the bytes still arrive, so only a deadline of
    /// its own can end a query).
    pub fn freeze(&self) {
        self.frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Drops every open connection and refuses new ones, as a database outage would.
    pub fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for stream in self.live.lock().expect("proxy state").drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.frozen.store(false, std::sync::atomic::Ordering::SeqCst);
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl TestDb {
    /// Connections to this database now, other than the one asking: with every service behind a
    /// [`PgBouncer`], the server connections it holds.
    pub fn connections(&self) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            self.name
        ))
        .get_result::<Count>(&mut self.conn())
        .expect("count connections")
        .n
    }

    /// This database's URL through `addr` (a [`TcpProxy`]) instead of the server's own address.
    pub fn url_via(&self, addr: std::net::SocketAddr) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("URL with a scheme");
        let (authority, path) = rest.split_once('/').expect("URL with a database");
        let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@")).unwrap_or_default();
        format!("{scheme}://{user}{addr}/{path}")
    }

    /// The server's address, for a [`TcpProxy`] to forward to.
    pub fn server_addr(&self) -> std::net::SocketAddr {
        use std::net::ToSocketAddrs;
        let rest = self.url.split_once("://").expect("URL with a scheme").1;
        let authority = rest.split('/').next().expect("authority");
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let host_port = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
        host_port.to_socket_addrs().expect("resolvable host").next().expect("an address")
    }
}

/// A PgBouncer (Debian's `pgbouncer`, on the `PATH`) of this test's own, on a free port of
/// 127.0.0.1, in front of the test server: session pooling, at most `server_connections`
/// connections to PostgreSQL whatever number of clients connect, as deployed
/// (deploy/kubernetes, docs/runbook.md "The connection budget"). Stopped on `Drop`.
pub struct PgBouncer {
    pub addr: std::net::SocketAddr,
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl PgBouncer {
    pub fn start(db: &TestDb, pool_mode: &str, server_connections: u32) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let server = db.server_addr();
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("port").port();
        let dir = std::env::temp_dir().join(format!("taskhub-pgbouncer-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("pgbouncer dir");
        let ini = dir.join("pgbouncer.ini");
        let users = dir.join("users.txt");
        std::fs::write(&users, "\"postgres\" \"\"\n").expect("users file");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = host={host} port={port_db}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 unix_socket_dir =\nauth_type = trust\nauth_file = {users}\nadmin_users = postgres\n\
                 pool_mode = {pool_mode}\nmax_db_connections = {server_connections}\n\
                 default_pool_size = {server_connections}\nmax_client_conn = 500\nlogfile = {log}\n\
                 pidfile = {pid}\n",
                host = server.ip(),
                port_db = server.port(),
                users = users.display(),
                log = dir.join("pgbouncer.log").display(),
                pid = dir.join("pgbouncer.pid").display(),
            ),
        )
        .expect("pgbouncer.ini");
        // PgBouncer refuses to run as root: as root (CI), it runs as `postgres`, which must read
        // its files and write its log.
        let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut command = std::process::Command::new("pgbouncer");
        if root {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&ini)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start pgbouncer (Debian package pgbouncer; make tools installs it)");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(std::time::Instant::now() < deadline, "pgbouncer did not listen on {addr}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self { addr, child, dir }
    }

    /// `db`'s URL through this PgBouncer.
    pub fn url_for(&self, db: &TestDb) -> String {
        db.url_via(self.addr)
    }

    /// PgBouncer's log, for a failure message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `method` on `base` + `path`, with a bearer `token` and a JSON `body` when given.
pub async fn call(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> reqwest::Response {
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

/// Status and JSON body of a response (`null` when there is none).
pub async fn parts(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// The distinct fields named by a 422 body, in order.
pub fn invalid_fields(body: &serde_json::Value) -> Vec<&str> {
    let mut fields: Vec<&str> = body["validation_errors"]
        .as_array()
        .expect("validation_errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.dedup();
    fields
}

/// A stand-in upstream on a free port (see [`fake_upstream`]).
pub struct FakeUpstream {
    pub url: String,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
    /// The request heads received so far, as text.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// While set, requests are read (and kept in `requests`) but not answered: a replica that
    /// accepts connections and hangs.
    pub silent: Arc<AtomicBool>,
}

/// Starts a [`FakeUpstream`]: it reads each request head and writes `answer` back (or nothing,
/// when `answer` is `None`), on one thread per connection.
pub fn fake_upstream(answer: Option<&'static str>) -> FakeUpstream {
    let (listener, _) = listener();
    fake_upstream_on(listener, answer)
}

/// A [`FakeUpstream`] on `listener` (a port the test chose, e.g. one that was down before).
pub fn fake_upstream_on(listener: std::net::TcpListener, answer: Option<&'static str>) -> FakeUpstream {
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = FakeUpstream { url, accepted: Arc::default(), requests: Arc::default(), silent: Arc::default() };
    let (accepted, requests, silent) = (upstream.accepted.clone(), upstream.requests.clone(), upstream.silent.clone());
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            accepted.fetch_add(1, Ordering::SeqCst);
            let (requests, silent) = (requests.clone(), silent.clone());
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while let Ok(1) = socket.read(&mut byte) {
                    head.push(byte[0]);
                    if head.ends_with(b"\r\n\r\n") {
                        requests.lock().unwrap().push(String::from_utf8_lossy(&head).into_owned());
                        head.clear();
                        match answer.filter(|_| !silent.load(Ordering::SeqCst)) {
                            Some(answer) if socket.write_all(answer.as_bytes()).is_ok() => {}
                            Some(_) => return,
                            None => {}
                        }
                    }
                }
            });
        }
    });
    upstream
}
