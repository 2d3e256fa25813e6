//! `Db` runs Diesel work on its own threads, never more than it has pooled connections.
//! (Panics and abandoned work: the unit tests of `shared::workers`.)

use std::collections::BTreeSet;

use diesel::RunQueryDsl;
use shared::config::DatabaseConfig;
use shared::db::Db;
use shared::testing::TestDb;

fn db(test_db: &TestDb, pool_size: u32) -> Db {
    let mut config = DatabaseConfig::new(&test_db.url);
    config.db_pool_size = pool_size;
    Db::new(&config)
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

#[test]
fn queries_run_on_no_more_threads_than_connections() {
    let test_db = TestDb::new();
    let db = db(&test_db, 2);
    let caller = std::thread::current().id();
    let threads = block_on(async {
        let mut running = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let db = db.clone();
            running.spawn(async move {
                db.run(|conn| {
                    diesel::sql_query("SELECT pg_sleep(0.002)").execute(conn)?;
                    let me = std::thread::current();
                    Ok::<_, diesel::result::Error>((me.id(), me.name().unwrap_or_default().to_owned()))
                })
                .await
            });
        }
        running.join_all().await
    });
    let names: BTreeSet<String> = threads.iter().map(|r| r.as_ref().unwrap().1.clone()).collect();
    assert!(threads.iter().all(|r| r.as_ref().unwrap().0 != caller), "no query on the caller's thread");
    assert!(names.iter().all(|n| n == "db-0" || n == "db-1"), "40 requests, 2 connections: threads {names:?}");
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The session settings every pooled connection starts with (why each: `SessionSettings`).
#[test]
fn every_connection_starts_with_the_session_settings() {
    let test_db = TestDb::new();
    let mut config = DatabaseConfig::new(&test_db.url);
    config.db_statement_timeout_ms = 1234;
    let db = Db::new(&config);
    let show = |name: &'static str| {
        let db = db.clone();
        block_on(db.run(move |conn| {
            diesel::sql_query(format!("SELECT current_setting('{name}') AS value")).get_result::<Setting>(conn)
        }))
        .unwrap()
        .value
    };
    assert_eq!(show("statement_timeout"), "1234ms");
    assert_eq!(show("idle_in_transaction_session_timeout"), "1min");
    assert_eq!(show("plan_cache_mode"), "force_generic_plan");
}
