//! The real binary: configuration refused at start-up, SIGTERM draining in-flight requests, and
//! key rotation as the operator does it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use reqwest::Method;
use shared::auth::JwtKeys;
use shared::config::JwtConfig;
use shared::testing::{self, TestDb};

use crate::helpers::{parts, spawn_app_with};

fn service(db: &TestDb, addr: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_task-service"));
    command
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", shared::config::TEST_SECRET)
        .env("TASK_SERVICE_ADDR", addr)
        .env("HTTP_WORKERS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Under `make coverage` the binary's profile goes where cargo-llvm-cov collects it, not to a
    // default_*.profraw in the working tree.
    if let Some(profile) = std::env::var_os("LLVM_PROFILE_FILE") {
        command.env("LLVM_PROFILE_FILE", profile);
    }
    command
}

#[test]
fn a_missing_or_short_secret_stops_the_service_with_a_clear_message() {
    let db = TestDb::new();
    for secret in [None, Some("too-short")] {
        let mut command = service(&db, "127.0.0.1:0");
        command.env_remove("JWT_SECRET");
        if let Some(secret) = secret {
            command.env("JWT_SECRET", secret);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("JWT_SECRET"), "{stderr}");
    }
}

/// The read connection reads `DATABASE_URL` itself (ADR 0008): an option it cannot honour stops
/// the start, naming it, rather than being dropped silently.
#[test]
fn a_database_url_option_the_read_connection_cannot_honour_stops_the_service() {
    let db = TestDb::new();
    let output = service(&db, "127.0.0.1:0").env("DATABASE_URL", format!("{}&gssencmode=disable", db.url)).output();
    let output = output.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("gssencmode"), "{stderr}");
}

/// Its connections are the read connection and at least one pooled one: a budget of one is refused.
#[test]
fn a_pool_too_small_for_the_read_connection_and_one_more_stops_the_service() {
    let db = TestDb::new();
    let output = service(&db, "127.0.0.1:0").env("DB_POOL_SIZE", "1").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DB_POOL_SIZE=1"), "{stderr}");
    let output = service(&db, "127.0.0.1:0").env("DB_POOL_SIZE", "2").env("TASK_SERVICE_ADDR", "256.0.0.1:1").output();
    let stderr = String::from_utf8_lossy(&output.unwrap().stderr).into_owned();
    assert!(!stderr.contains("DB_POOL_SIZE"), "2 is enough: {stderr}");
}

#[actix_web::test]
async fn sigterm_finishes_the_request_in_flight_then_exits() {
    let db = TestDb::new();
    let addr = testing::listener().0.local_addr().unwrap().to_string();
    let mut child = service(&db, &addr).spawn().unwrap();
    let url = format!("http://{addr}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{url}/health")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "service did not start");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    // Hold the tasks table so that the next list waits in PostgreSQL.
    let mut blocker = db.conn();
    blocker.batch_execute("BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE").unwrap();
    let token = crate::helpers::user_in(&db, "ada@example.com").token;
    let in_flight = actix_web::rt::spawn(client.get(format!("{url}/api/tasks")).bearer_auth(token).send());
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;

    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert!(child.try_wait().unwrap().is_none(), "still draining while a request is in flight");
    blocker.batch_execute("ROLLBACK").unwrap();

    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200, "the request in flight was answered");
    let status = actix_web::web::block(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "clean exit after draining: {status:?}");
}

#[actix_web::test]
async fn rotated_out_keys_verify_only_while_listed() {
    let old = JwtConfig::new("old-secret-old-secret-old-secret-0123");
    let new_secret = "new-secret-new-secret-new-secret-4567";
    let old_token = JwtKeys::new(&old).issue(shared::UserId(1), shared::SessionId(1)).unwrap().token;

    let rotating = spawn_app_with(|c| {
        c.jwt = JwtConfig::new(new_secret);
        c.jwt.jwt_previous_secrets = old.jwt_secret.clone();
    });
    assert_eq!(rotating.user("ada@example.com").id, 1, "the tokens' user exists");
    let new_token =
        JwtKeys::new(&JwtConfig::new(new_secret)).issue(shared::UserId(1), shared::SessionId(1)).unwrap().token;
    for token in [&old_token, &new_token] {
        assert_eq!(parts(rotating.call(Method::GET, "/api/tasks", Some(token), None).await).await.0, 200);
    }

    let rotated = spawn_app_with(|c| c.jwt = JwtConfig::new(new_secret));
    assert_eq!(rotated.user("ada@example.com").id, 1);
    assert_eq!(parts(rotated.call(Method::GET, "/api/tasks", Some(&old_token), None).await).await.0, 401);
    assert_eq!(parts(rotated.call(Method::GET, "/api/tasks", Some(&new_token), None).await).await.0, 200);
}

/// actix-http caps a request head at 128 KiB (and 96 headers); nginx, in front in compose, caps
/// each header line at 8 KiB.
#[actix_web::test]
async fn oversized_headers_are_refused() {
    let app = spawn_app_with(|_| {});
    let response =
        app.client.get(format!("{}/health", app.url)).header("x-filler", "a".repeat(200 * 1024)).send().await;
    match response {
        Ok(response) => assert_eq!(response.status(), 431),
        Err(error) => assert!(error.is_request() || error.is_connect(), "{error}"),
    }
}
