//! Issue 18 across services: an ended session's tokens are refused by every running task-service
//! instance within a second, with no database round trip on the task path (ADR 0006); a service
//! that cannot follow the revocations refuses tokens with 503 and says so on `/health`, then
//! recovers by itself.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use shared::testing::{self, TcpProxy};

use crate::helpers::{TestApp, parts, spawn_app};

const PASSWORD: &str = "correct horse";

/// A task-service instance on `auth`'s database, adjusted by `adjust`.
fn task_service(auth: &TestApp, adjust: impl FnOnce(&mut task_service::config::Config)) -> String {
    let (listener, url) = testing::listener();
    let mut config = task_service::config::Config::for_tests(&auth.db.url);
    adjust(&mut config);
    actix_web::rt::spawn(task_service::build(config, listener).expect("start task-service"));
    url
}

async fn list_status(client: &reqwest::Client, service: &str, token: &str) -> u16 {
    client.get(format!("{service}/api/tasks")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

/// How long until every one of `services` answers `token` with `status`; panics after `limit`.
async fn until_all(client: &reqwest::Client, services: &[&str], token: &str, status: u16, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let mut all = true;
        for service in services {
            all &= list_status(client, service, token).await == status;
        }
        if all {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "not every service answered {status} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn access(body: &Value) -> &str {
    body["access_token"].as_str().unwrap()
}

#[actix_web::test]
async fn a_logout_reaches_every_task_service_instance_within_a_second() {
    let auth = spawn_app();
    let (one, two) = (task_service(&auth, |_| {}), task_service(&auth, |_| {}));
    let session = auth.signed_up("ada@example.com", PASSWORD).await;
    let other = auth.signed_in("ada@example.com", PASSWORD).await;
    let client = &auth.client;
    until_all(client, &[&one, &two], access(&session), 200, Duration::from_secs(5)).await;

    assert_eq!(auth.call(Method::POST, "/api/auth/logout", Some(access(&session)), None).await.status(), 204);
    let took = until_all(client, &[&one, &two], access(&session), 401, Duration::from_secs(1)).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(list_status(client, &one, access(&other)).await, 200, "the other session goes on");

    // A second instance started after the logout knows it from its start-up load.
    let three = task_service(&auth, |_| {});
    until_all(client, &[&three], access(&other), 200, Duration::from_secs(5)).await;
    assert_eq!(list_status(client, &three, access(&session)).await, 401);
}

/// `REVOCATION_FEED=poll` (each poll on a pooled connection, for replicas behind PgBouncer):
/// a logout and a logout-all reach the instance within a second all the same.
#[actix_web::test]
async fn a_polling_instance_learns_of_ended_sessions_within_a_second() {
    let auth = spawn_app();
    let polling = task_service(&auth, |config| {
        config.revocation.revocation_feed = shared::config::RevocationFeed::Poll;
        config.revocation.revocation_poll_ms = 100;
    });
    let session = auth.signed_up("ada@example.com", PASSWORD).await;
    let (one, two) =
        (auth.signed_in("ada@example.com", PASSWORD).await, auth.signed_in("ada@example.com", PASSWORD).await);
    let client = &auth.client;
    until_all(client, &[&polling], access(&session), 200, Duration::from_secs(5)).await;

    assert_eq!(auth.call(Method::POST, "/api/auth/logout", Some(access(&session)), None).await.status(), 204);
    let took = until_all(client, &[&polling], access(&session), 401, Duration::from_secs(1)).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(list_status(client, &polling, access(&one)).await, 200, "the other sessions go on");

    assert_eq!(auth.call(Method::POST, "/api/auth/logout-all", Some(access(&one)), None).await.status(), 204);
    until_all(client, &[&polling], access(&one), 401, Duration::from_secs(1)).await;
    until_all(client, &[&polling], access(&two), 401, Duration::from_secs(1)).await;
}

#[actix_web::test]
async fn a_reused_refresh_token_and_logout_all_reach_task_service() {
    let auth = spawn_app();
    let tasks = task_service(&auth, |_| {});
    let first = auth.signed_up("ada@example.com", PASSWORD).await;
    let (_, second) = parts(auth.refresh(first["refresh_token"].as_str().unwrap()).await).await;
    let client = &auth.client;
    until_all(client, &[&tasks], access(&second), 200, Duration::from_secs(5)).await;
    assert_eq!(auth.refresh(first["refresh_token"].as_str().unwrap()).await.status(), 401);
    until_all(client, &[&tasks], access(&second), 401, Duration::from_secs(1)).await;
    until_all(client, &[&tasks], access(&first), 401, Duration::from_secs(1)).await;

    let laptop = auth.signed_in("ada@example.com", PASSWORD).await;
    let phone = auth.signed_in("ada@example.com", PASSWORD).await;
    assert_eq!(auth.call(Method::POST, "/api/auth/logout-all", Some(access(&phone)), None).await.status(), 204);
    until_all(client, &[&tasks], access(&laptop), 401, Duration::from_secs(1)).await;
    until_all(client, &[&tasks], access(&phone), 401, Duration::from_secs(1)).await;
}

#[actix_web::test]
async fn a_deleted_accounts_token_is_refused_by_task_service_at_once() {
    let auth = spawn_app();
    let tasks = task_service(&auth, |_| {});
    let session = auth.signed_up("ada@example.com", PASSWORD).await;
    let client = &auth.client;
    let created = client
        .post(format!("{tasks}/api/tasks"))
        .bearer_auth(access(&session))
        .json(&json!({"title": "Water the plants"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let deletion = json!({"password": PASSWORD});
    assert_eq!(auth.call(Method::DELETE, "/api/auth/me", Some(access(&session)), Some(&deletion)).await.status(), 204);
    // At once: the account check on every task query refuses it even before the notification.
    assert_eq!(list_status(client, &tasks, access(&session)).await, 401);
    // The email is free, and the new account sees none of the old one's tasks.
    let fresh = auth.signed_up("ada@example.com", "another password").await;
    let (status, body) =
        parts(client.get(format!("{tasks}/api/tasks")).bearer_auth(access(&fresh)).send().await.unwrap()).await;
    assert_eq!((status, body), (200, json!({"tasks": []})));
}

#[actix_web::test]
async fn a_cut_revocation_feed_gives_503_then_recovers_by_itself() {
    let auth = spawn_app();
    let proxy = TcpProxy::start(auth.db.server_addr());
    let listen_url = auth.db.url_via(proxy.addr);
    let tasks = task_service(&auth, |c| c.revocation.database_listen_url = Some(listen_url.into()));
    let session = auth.signed_up("ada@example.com", PASSWORD).await;
    let client = &auth.client;
    until_all(client, &[&tasks], access(&session), 200, Duration::from_secs(5)).await;

    proxy.cut();
    until_all(client, &[&tasks], access(&session), 503, Duration::from_secs(10)).await;
    let response = client.get(format!("{tasks}/api/tasks")).bearer_auth(access(&session)).send().await.unwrap();
    assert!(response.headers().contains_key("retry-after"));
    let (status, health) = parts(client.get(format!("{tasks}/health")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!((health["revocations"].as_str(), health["database"].as_str()), (Some("stale"), Some("connected")));
    // Revoked meanwhile: never accepted, not even once the feed is back.
    assert_eq!(auth.call(Method::POST, "/api/auth/logout", Some(access(&session)), None).await.status(), 204);
    let other = auth.signed_in("ada@example.com", PASSWORD).await;

    proxy.restore();
    until_all(client, &[&tasks], access(&other), 200, Duration::from_secs(10)).await;
    assert_eq!(list_status(client, &tasks, access(&session)).await, 401);
    let (status, health) = parts(client.get(format!("{tasks}/health")).send().await.unwrap()).await;
    assert_eq!((status, health), (200, json!({"status": "ok", "database": "connected"})));
}
