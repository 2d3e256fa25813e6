//! `Db` runs Diesel work on its own threads, never more than it has pooled connections, and one
//! failed or abandoned request does not cost the others anything.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use diesel::RunQueryDsl;
use futures_util::FutureExt;
use shared::ApiError;
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
                    Ok((me.id(), me.name().unwrap_or_default().to_owned()))
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

#[test]
fn a_panic_fails_its_own_request_and_the_thread_serves_the_next() {
    let test_db = TestDb::new();
    let db = db(&test_db, 1);
    let panicked = block_on(db.run(|_| -> Result<(), ApiError> { panic!("a bug in one handler") }));
    assert!(matches!(panicked, Err(ApiError::Internal(_))), "{panicked:?}");
    let next = block_on(db.run(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?)));
    assert_eq!(next.unwrap(), 1);
}

#[test]
fn work_of_an_abandoned_request_is_skipped() {
    let test_db = TestDb::new();
    let db = db(&test_db, 1);
    // Keep the only thread busy until told otherwise.
    let (started, wait_started) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    let mut busy = Box::pin(db.run(move |_| {
        started.send(()).unwrap();
        let _ = wait_release.recv();
        Ok(())
    }));
    assert!(busy.as_mut().now_or_never().is_none());
    wait_started.recv().unwrap();

    // Queued behind it, then abandoned (a client that hung up): its future is dropped.
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    assert!(db.run(move |_| Ok(flag.store(true, Ordering::SeqCst))).now_or_never().is_none());

    release.send(()).unwrap();
    block_on(busy).unwrap();
    block_on(db.run(|_| Ok(()))).unwrap(); // queued after the abandoned one: it has been passed
    assert!(!ran.load(Ordering::SeqCst), "the abandoned request's work ran");
}
