//! `Reads`, the pipelined read connection (ADR 0008): one connection for every read, opened with
//! the pool's session settings, over TLS as the URL asks, given up (and its statement cancelled)
//! when it breaks or stops answering, and opened again by the next read.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::config::DatabaseConfig;
use shared::db::{ReadConfig, Reads};
use shared::error::ApiError;
use shared::testing::{PgBouncer, TestDb};

fn reads(url: &str, tune: impl FnOnce(&mut DatabaseConfig)) -> Reads {
    let mut config = DatabaseConfig::new(url);
    tune(&mut config);
    Reads::new(ReadConfig::new(&config).expect("a URL the read connection honours"))
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

#[derive(QueryableByName, Debug)]
struct Backend {
    #[diesel(sql_type = Integer)]
    pid: i32,
    #[diesel(sql_type = Text)]
    statement_timeout: String,
    #[diesel(sql_type = Text)]
    plan_cache_mode: String,
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

async fn backend(conn: &AsyncPgConnection) -> Result<Backend, diesel::result::Error> {
    let query = diesel::sql_query(
        "SELECT pg_backend_pid() AS pid, current_setting('statement_timeout') AS statement_timeout, \
         current_setting('plan_cache_mode') AS plan_cache_mode, \
         coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl",
    );
    query.get_result(&mut &*conn).await
}

#[test]
fn concurrent_reads_share_one_connection_that_has_the_pools_session_settings() {
    let test_db = TestDb::new();
    let reads = reads(&test_db.url, |c| c.db_statement_timeout_ms = 1234);
    let answers =
        block_on(futures_util::future::join_all((0..40).map(|_| reads.run(async |conn| backend(conn).await))));
    let answers: Vec<Backend> = answers.into_iter().map(Result::unwrap).collect();
    let pids: BTreeSet<i32> = answers.iter().map(|b| b.pid).collect();
    assert_eq!(pids.len(), 1, "40 reads at once, one connection: {pids:?}");
    assert_eq!(answers[0].statement_timeout, "1234ms");
    assert_eq!(answers[0].plan_cache_mode, "force_generic_plan");
    assert!(!answers[0].ssl, "the tests' URL says sslmode=disable");
}

#[test]
fn concurrent_reads_pass_through_pgbouncer_in_session_mode() {
    let test_db = TestDb::new();
    let bouncer = PgBouncer::start(&test_db, "session", 2);
    let reads = reads(&bouncer.url_for(&test_db), |_| {});
    let answers =
        block_on(futures_util::future::join_all((0..40).map(|_| reads.run(async |conn| backend(conn).await))));
    let pids: BTreeSet<i32> =
        answers.into_iter().map(|b| b.map(|b| b.pid).unwrap_or_else(|e| panic!("{e:?}\n{}", bouncer.log()))).collect();
    assert_eq!(pids.len(), 1, "{pids:?}");
}

/// The tests' server has TLS on (Debian's default cluster, its snakeoil certificate): `require`
/// encrypts without checking the certificate, as libpq does; `verify-ca` checks it against
/// `sslrootcert`, and a certificate that authority did not sign stops the connection.
#[test]
fn the_urls_sslmode_encrypts_the_read_connection_and_verify_ca_checks_the_authority() {
    let test_db = TestDb::new();
    let ssl_on = diesel::RunQueryDsl::get_result::<Setting>(
        diesel::sql_query("SELECT current_setting('ssl') AS value"),
        &mut test_db.conn(),
    );
    assert_eq!(ssl_on.unwrap().value, "on", "the test server must have TLS on (Debian's cluster does)");
    let cert = diesel::RunQueryDsl::get_result::<Setting>(
        diesel::sql_query("SELECT current_setting('ssl_cert_file') AS value"),
        &mut test_db.conn(),
    )
    .unwrap()
    .value;
    let with = |options: &str| test_db.url.replace("sslmode=disable", options);

    let require = reads(&with("sslmode=require"), |_| {});
    assert!(block_on(require.run(async |conn| backend(conn).await)).unwrap().ssl);

    let trusted = reads(&with(&format!("sslmode=verify-ca&sslrootcert={cert}")), |_| {});
    assert!(block_on(trusted.run(async |conn| backend(conn).await)).unwrap().ssl);

    // The server's certificate is self-signed: the authorities in the bundle did not sign it.
    let untrusted = reads(&with("sslmode=verify-ca&sslrootcert=/etc/ssl/certs/ca-certificates.crt"), |_| {});
    let answer = block_on(untrusted.run(async |conn| backend(conn).await));
    assert!(matches!(answer, Err(ApiError::Unavailable(_))), "{answer:?}");

    // verify-full also checks the name: the certificate is issued to localhost, not to 127.0.0.1.
    assert_eq!(common_name(&cert), "localhost", "Debian's snakeoil certificate");
    let by_address = reads(&with(&format!("sslmode=verify-full&sslrootcert={cert}")), |_| {});
    let answer = block_on(by_address.run(async |conn| backend(conn).await));
    assert!(matches!(answer, Err(ApiError::Unavailable(_))), "{answer:?}");
    let by_name = with(&format!("sslmode=verify-full&sslrootcert={cert}")).replacen("127.0.0.1", "localhost", 1);
    assert!(block_on(reads(&by_name, |_| {}).run(async |conn| backend(conn).await)).unwrap().ssl);
}

fn common_name(pem_file: &str) -> String {
    let pem = std::fs::read(pem_file).expect("the server's certificate");
    let cert = openssl::x509::X509::from_pem(&pem).expect("a PEM certificate");
    let name = cert.subject_name().entries_by_nid(openssl::nid::Nid::COMMONNAME).next().expect("a common name");
    name.data().to_string().expect("a readable name")
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[test]
fn a_broken_read_connection_costs_503_and_the_next_read_opens_a_new_one() {
    let test_db = TestDb::new();
    let reads = reads(&test_db.url, |_| {});
    block_on(async {
        let first = reads.run(async |conn| backend(conn).await).await.unwrap().pid;
        TestDb::execute(&test_db, &format!("SELECT pg_terminate_backend({first})"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let broken = reads.run(async |conn| backend(conn).await).await;
        assert!(matches!(broken, Err(ApiError::Unavailable(_))), "{broken:?}");
        let next = reads.run(async |conn| backend(conn).await).await.unwrap().pid;
        assert_ne!(next, first);
    });
}

/// A read with no answer within the pool timeout gets 503 then, and the statement holding the
/// connection is cancelled rather than left running until the statement timeout.
#[test]
fn a_read_unanswered_within_the_pool_timeout_gets_503_and_its_statement_is_cancelled() {
    let test_db = TestDb::new();
    let reads = reads(&test_db.url, |c| {
        c.db_pool_timeout_secs = 1;
        c.db_statement_timeout_ms = 60_000;
    });
    block_on(async {
        let started = Instant::now();
        let slow =
            reads.run(async |conn| diesel::sql_query("SELECT pg_sleep(30) -- held").execute(&mut &*conn).await).await;
        assert!(matches!(slow, Err(ApiError::Unavailable(_))), "{slow:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        let running = || {
            TestDb::execute(
                &test_db,
                "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(30) -- held%'",
            )
        };
        let deadline = Instant::now() + Duration::from_secs(3);
        while running() > 0 {
            assert!(Instant::now() < deadline, "the held statement still runs");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(reads.run(async |conn| backend(conn).await).await.is_ok());
    });
}
