//! Issue 20: replicas proven stateless. Two replicas of auth-service and two of task-service
//! behind one gateway, all of them on one PgBouncer (session pooling, the deployed mode: docs/
//! runbook.md "The connection budget") capped at the spec's 10 server connections. The gateway
//! takes the replicas in turn, so a client's consecutive requests land on different replicas;
//! every rule that keeps state (login throttles, idempotency keys, cursors, ETags, session
//! revocation) holds across them, and a replica stopped under load costs only the requests that
//! were in flight on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::config::RevocationFeed;
use shared::testing::{self, PgBouncer, TestDb};

const PASSWORD: &str = "correct horse battery";

/// The spec's cap on database connections, shared by every replica through PgBouncer.
const SERVER_CONNECTIONS: u32 = 10;

struct Replica {
    url: String,
    handle: ServerHandle,
}

struct Replicated {
    gateway: String,
    client: reqwest::Client,
    auth: Vec<Replica>,
    tasks: Vec<Replica>,
    bouncer: PgBouncer,
    db: TestDb,
}

/// Per replica a pool of 2 and the polled revocation feed (`REVOCATION_FEED=poll`, a connection
/// only for the moment of each poll): 4 replicas hold 8 of the 10, the other 2 serve the polls
/// (the runbook's formula).
fn replicated() -> Replicated {
    let db = TestDb::new();
    let bouncer = PgBouncer::start(&db, "session", SERVER_CONNECTIONS);
    let url = bouncer.url_for(&db);
    let start = |server: actix_web::dev::Server, url: String| {
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Replica { url, handle }
    };
    let auth: Vec<Replica> = (0..2)
        .map(|_| {
            let (listener, replica_url) = testing::listener();
            let mut config = auth_service::config::Config::for_tests(&url);
            config.database.db_pool_size = 2;
            config.revocation.revocation_feed = RevocationFeed::Poll;
            config.http.trusted_proxies = "127.0.0.1".into();
            start(auth_service::build(config, listener).unwrap(), replica_url)
        })
        .collect();
    let tasks: Vec<Replica> = (0..2)
        .map(|_| {
            let (listener, replica_url) = testing::listener();
            let mut config = task_service::config::Config::for_tests(&url);
            config.database.db_pool_size = 2;
            config.revocation.revocation_feed = RevocationFeed::Poll;
            config.http.trusted_proxies = "127.0.0.1".into();
            start(task_service::build(config, listener).unwrap(), replica_url)
        })
        .collect();
    let urls = |replicas: &[Replica]| replicas.iter().map(|r| r.url.as_str()).collect::<Vec<_>>().join(",");
    let config = gateway::config::Config::for_tests(&urls(&auth), &urls(&tasks));
    let gateway = crate::helpers::spawn_gateway_with(config);
    Replicated { gateway, client: reqwest::Client::new(), auth, tasks, bouncer, db }
}

impl Replicated {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        testing::call(&self.client, &self.gateway, method, path, token, body.as_ref()).await
    }

    async fn sign_up(&self, email: &str) -> String {
        let credentials = json!({"email": email, "password": PASSWORD});
        let response = self.call(reqwest::Method::POST, "/api/auth/register", None, Some(credentials.clone())).await;
        assert_eq!(response.status(), 201);
        let response = self.call(reqwest::Method::POST, "/api/auth/login", None, Some(credentials)).await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// Requests each replica served on `route` so far (its own `/metrics`).
    async fn served(&self, replicas: &[Replica], route: &str) -> Vec<u64> {
        let mut counts = Vec::new();
        for replica in replicas {
            let metrics =
                self.client.get(format!("{}/metrics", replica.url)).send().await.unwrap().text().await.unwrap();
            let needle = format!("route=\"{route}\"");
            counts.push(
                metrics
                    .lines()
                    .filter(|line| line.starts_with("http_requests_total{") && line.contains(&needle))
                    .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum::<f64>() as u64,
            );
        }
        counts
    }

    /// Waits until PgBouncer holds at most the cap (its queue may briefly hold more clients).
    fn assert_within_the_budget(&self) {
        let held = self.db.connections();
        assert!(held <= i64::from(SERVER_CONNECTIONS), "{held} server connections\n{}", self.bouncer.log());
    }
}

fn both_served(counts: &[u64], what: &str) {
    assert!(counts.iter().all(|&n| n > 0), "{what}: not every replica served one: {counts:?}");
}

#[actix_web::test]
async fn login_throttles_count_failures_on_every_replica() {
    let stack = replicated();
    stack.sign_up("ada@example.com").await;
    let wrong = json!({"email": "ada@example.com", "password": "not the password"});
    // The account's limit (10 in the window) counts failures whichever replica saw them.
    for attempt in 1..=10 {
        let response = stack.call(reqwest::Method::POST, "/api/auth/login", None, Some(wrong.clone())).await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    both_served(&stack.served(&stack.auth, "/api/auth/login").await, "failed logins");
    for _ in 0..2 {
        let response = stack.call(reqwest::Method::POST, "/api/auth/login", None, Some(wrong.clone())).await;
        assert_eq!(response.status(), 429);
        assert!(response.headers().contains_key("retry-after"));
    }
    stack.assert_within_the_budget();
}

#[actix_web::test]
async fn keys_cursors_and_etags_mean_the_same_on_every_replica() {
    let stack = replicated();
    let token = stack.sign_up("ada@example.com").await;
    let post = |key: String, title: &str| {
        let request = stack.client.post(format!("{}/api/tasks", stack.gateway)).json(&json!({"title": title}));
        request.bearer_auth(&token).header("Idempotency-Key", key).send()
    };
    let bearer = token.as_str();
    let token = Some(bearer);

    // An idempotency key: the replay lands on the other replica and answers the first create.
    let first = post("key-1".into(), "Water the plants").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let replay = post("key-1".into(), "Water the plants").await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], first["id"]);
    for title in ["b", "c", "d", "e"] {
        assert_eq!(post(format!("key-{title}"), title).await.unwrap().status(), 201);
    }
    both_served(&stack.served(&stack.tasks, "/api/tasks").await, "creates");

    // A cursor made by one replica continues on the other: every task once, in order.
    let mut seen = Vec::new();
    let mut path = "/api/tasks?limit=2&sort=created_at".to_owned();
    loop {
        let response = stack.call(reqwest::Method::GET, &path, token, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let page: Value = response.json().await.unwrap();
        seen.extend(page["tasks"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/tasks?limit=2&sort=created_at&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["Water the plants", "b", "c", "d", "e"]);

    // An ETag from one replica is current on the other, and a stale one is refused there.
    let task = format!("/api/tasks/{}", first["id"]);
    let response = stack.call(reqwest::Method::GET, &task, token, None).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    for _ in 0..2 {
        let response = stack
            .client
            .get(format!("{}{task}", stack.gateway))
            .bearer_auth(bearer)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    }
    let put = |etag: String| {
        let request = stack.client.put(format!("{}{task}", stack.gateway)).bearer_auth(bearer);
        request.header("If-Match", etag).json(&json!({"status": "completed"})).send()
    };
    assert_eq!(put(etag.clone()).await.unwrap().status(), 200);
    let stale = put(etag).await.unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    both_served(&stack.served(&stack.tasks, "/api/tasks/{task_id}").await, "gets and updates");
    stack.assert_within_the_budget();
}

#[actix_web::test]
async fn a_session_ended_on_one_replica_is_over_on_every_replica() {
    let stack = replicated();
    let token = stack.sign_up("ada@example.com").await;
    for _ in 0..2 {
        assert_eq!(stack.call(reqwest::Method::GET, "/api/tasks", Some(&token), None).await.status(), 200);
    }
    both_served(&stack.served(&stack.tasks, "/api/tasks").await, "lists");
    assert_eq!(stack.call(reqwest::Method::POST, "/api/auth/logout", Some(&token), None).await.status(), 204);
    // Every replica of either service learns it from its polled feed within a second: two
    // answers in a row are two replicas.
    let start = Instant::now();
    loop {
        let mut statuses = Vec::new();
        for path in ["/api/tasks", "/api/tasks", "/api/auth/me", "/api/auth/me"] {
            statuses.push(stack.call(reqwest::Method::GET, path, Some(&token), None).await.status().as_u16());
        }
        if statuses == [401, 401, 401, 401] {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "still {statuses:?} after {:?}", start.elapsed());
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    both_served(&stack.served(&stack.auth, "/api/auth/me").await, "me");
}

/// Load from 8 clients in a closed loop, one task-service replica stopped (its connections cut,
/// as a crashed process's are) in the middle: only requests in flight on it may fail, and every
/// request that starts 2 s after the stop (in fact at once: the next replica takes it) succeeds.
#[actix_web::test]
async fn stopping_a_replica_under_load_loses_only_its_requests_in_flight() {
    const CLIENTS: usize = 8;
    let stack = Arc::new(replicated());
    let token = Arc::new(stack.sign_up("ada@example.com").await);
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let loads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (stack, token, stop) = (stack.clone(), token.clone(), stop.clone());
            actix_web::rt::spawn(async move {
                let mut outcomes = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let started = t0.elapsed();
                    let status = stack
                        .client
                        .get(format!("{}/api/tasks", stack.gateway))
                        .bearer_auth(token.as_str())
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await
                        .map_or(0, |r| r.status().as_u16());
                    outcomes.push((started, status));
                }
                outcomes
            })
        })
        .collect();

    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let killed_at = t0.elapsed();
    stack.tasks[1].handle.stop(false).await;
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut outcomes = Vec::new();
    for load in loads {
        outcomes.extend(load.await.unwrap());
    }

    let before = outcomes.iter().filter(|(at, _)| *at < killed_at).count();
    let failed: Vec<_> = outcomes.iter().filter(|(_, status)| *status != 200).collect();
    let late: Vec<_> = failed.iter().filter(|(at, _)| *at >= killed_at + Duration::from_secs(2)).collect();
    assert!(before > 50, "too little load to judge: {before} requests before the stop");
    assert!(failed.len() <= CLIENTS, "{} failed, more than were in flight: {failed:?}", failed.len());
    assert!(late.is_empty(), "failures 2 s after the stop: {late:?}");
    let after = outcomes.iter().filter(|(at, _)| *at >= killed_at + Duration::from_secs(2)).count();
    assert!(after > 50, "too little load after the stop: {after}");
    stack.assert_within_the_budget();
}
