use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::helpers::{fake_upstream, fake_upstream_on, parts, spawn_gateway, spawn_gateway_with};

/// A URL where nothing listens: bind a port, then free it.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[actix_web::test]
async fn an_upstream_that_is_down_gives_503_with_retry_after() {
    let gateway = spawn_gateway(&dead_url(), &dead_url());
    let client = reqwest::Client::new();
    for path in ["/api/tasks", "/api/auth/login"] {
        let response = client.get(format!("{gateway}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers()["retry-after"], "5");
        let (_, body) = parts(response).await;
        assert_eq!(body["detail"], "Upstream service unavailable");
    }
    let response = client.get(format!("{gateway}/health")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let (_, body) = parts(response).await;
    assert_eq!(body["database"], "disconnected");
    assert_eq!(body["upstreams"], serde_json::json!({"auth-service": "unreachable", "task-service": "unreachable"}));
}

/// With one service down, the gateway's health names it, not the database.
#[actix_web::test]
async fn health_names_the_service_that_is_down() {
    let auth = fake_upstream(Some("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"));
    let gateway = spawn_gateway(&auth.url, &dead_url());
    let (status, body) = parts(reqwest::get(format!("{gateway}/health")).await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!(body["detail"], "task-service unavailable");
    assert_eq!(body["upstreams"], serde_json::json!({"auth-service": "ok", "task-service": "unreachable"}));
}

#[actix_web::test]
async fn an_upstream_that_does_not_answer_in_time_gives_504() {
    let silent = fake_upstream(None).url;
    let mut config = gateway::config::Config::for_tests(&silent, &silent);
    config.upstreams.upstream_timeout_secs = 1;
    let gateway = spawn_gateway_with(config);
    let response = reqwest::get(format!("{gateway}/api/tasks")).await.unwrap();
    let (status, body) = parts(response).await;
    assert_eq!((status, body["detail"].as_str()), (504, Some("Upstream service timed out")));
}

#[actix_web::test]
async fn an_answer_that_is_not_http_gives_502() {
    let garbage = fake_upstream(Some("SSH-2.0-OpenSSH_9.2\r\n\r\n")).url;
    let gateway = spawn_gateway(&garbage, &garbage);
    let (status, body) = parts(reqwest::get(format!("{gateway}/api/tasks")).await.unwrap()).await;
    assert_eq!((status, body["detail"].as_str()), (502, Some("Bad gateway")));
}

/// A connection the service closed after answering (its keep-alive ran out, or it restarted)
/// is not used again: each next request gets a new one, and an answer.
#[actix_web::test]
async fn a_connection_the_service_closed_is_not_used_again() {
    let (listener, url) = shared::testing::listener();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            // A keep-alive answer, then the connection is closed without notice.
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]");
        }
    });
    let gateway = spawn_gateway(&url, &url);
    let client = reqwest::Client::new();
    for round in 1..=3 {
        let response = client.get(format!("{gateway}/api/tasks")).send().await.unwrap();
        assert_eq!((response.status().as_u16(), response.text().await.unwrap().as_str()), (200, "[]"), "round {round}");
        // Time for the gateway to see the close, as it would between a service's idle requests.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

/// The gateway keeps its upstream connections open: ten requests, one connection.
#[actix_web::test]
async fn upstream_connections_are_kept_alive_and_reused() {
    let upstream =
        fake_upstream(Some("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]"));
    let gateway = spawn_gateway(&upstream.url, &upstream.url);
    let client = reqwest::Client::new();
    for _ in 0..10 {
        let response = client.get(format!("{gateway}/api/tasks")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "[]");
    }
    assert_eq!(upstream.accepted.load(Ordering::SeqCst), 1);
}

/// Answers without a body (a DELETE's 204, a HEAD) give their connection back too.
#[actix_web::test]
async fn connections_come_back_after_answers_without_a_body() {
    let upstream = fake_upstream(Some("HTTP/1.1 204 No Content\r\n\r\n"));
    let gateway = spawn_gateway(&upstream.url, &upstream.url);
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let response = client.delete(format!("{gateway}/api/tasks/1")).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }
    assert_eq!(upstream.accepted.load(Ordering::SeqCst), 1);
}

/// A chunked upstream answer is passed on whole, its end-to-end headers kept and its
/// hop-by-hop ones dropped, also those its `Connection` header names (RFC 9110 7.6.1).
#[actix_web::test]
async fn a_chunked_answer_streams_through_with_end_to_end_headers_only() {
    let upstream = fake_upstream(Some(concat!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-custom: kept\r\n",
        "keep-alive: timeout=5\r\nconnection: keep-alive, X-Hop\r\nx-hop: this link only\r\n",
        "transfer-encoding: chunked\r\n\r\n",
        "5\r\n{\"a\":\r\n3\r\n[1]\r\n1\r\n}\r\n0\r\n\r\n",
    )));
    let gateway = spawn_gateway(&upstream.url, &upstream.url);
    let response = reqwest::get(format!("{gateway}/api/tasks")).await.unwrap();
    assert_eq!(response.status(), 201);
    let headers = response.headers().clone();
    assert_eq!(headers["x-custom"], "kept");
    assert!(headers.get("keep-alive").is_none());
    assert!(headers.get("x-hop").is_none());
    assert_eq!(response.text().await.unwrap(), "{\"a\":[1]}");
}

/// What the client's `Connection` header names stays between the client and the gateway.
#[actix_web::test]
async fn headers_the_client_names_in_connection_are_not_forwarded() {
    let upstream =
        fake_upstream(Some("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]"));
    let gateway = spawn_gateway(&upstream.url, &upstream.url);
    let response = reqwest::Client::new()
        .get(format!("{gateway}/api/tasks?page=2"))
        .header("connection", "keep-alive, X-Link-Secret")
        .header("x-link-secret", "for the gateway only")
        .header("x-end-to-end", "for the service")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let head = upstream.requests.lock().unwrap().concat().to_ascii_lowercase();
    assert!(head.starts_with("get /api/tasks?page=2 http/1.1\r\n"), "{head}");
    assert!(head.contains("x-end-to-end: for the service\r\n"), "{head}");
    assert!(!head.contains("x-link-secret"), "{head}");
    assert!(!head.contains("connection:"), "{head}");
}

#[test]
fn an_upstream_url_the_client_cannot_use_stops_the_gateway_at_start() {
    for bad in ["https://tasks:8082", "tasks:8082", "http://", "http://tasks:8082/?q=1", "http://user:pw@tasks:8082"] {
        let (listener, _) = shared::testing::listener();
        let config = gateway::config::Config::for_tests("http://127.0.0.1:1", bad);
        let error = gateway::build(config, listener).err().unwrap_or_else(|| panic!("{bad} was accepted"));
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
    }
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]";

fn requests_to(upstream: &shared::testing::FakeUpstream) -> usize {
    upstream.requests.lock().unwrap().iter().filter(|head| head.starts_with("GET /api/tasks ")).count()
}

/// Several URLs for a service are its replicas, taken in turn.
#[actix_web::test]
async fn requests_are_spread_over_the_replicas_in_turn() {
    let (one, two) = (fake_upstream(Some(OK)), fake_upstream(Some(OK)));
    let gateway = spawn_gateway(&dead_url(), &format!("{}, {}", one.url, two.url));
    for _ in 0..10 {
        assert_eq!(reqwest::get(format!("{gateway}/api/tasks")).await.unwrap().status(), 200);
    }
    assert_eq!((requests_to(&one), requests_to(&two)), (5, 5));
}

/// A replica that refuses connections costs no request an error: each goes on to the next
/// replica, and the dead one is out of rotation; a second after it is back, it takes requests
/// again.
#[actix_web::test]
async fn a_replica_that_is_down_is_skipped_and_back_within_a_second_of_recovering() {
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_addr = down.local_addr().unwrap();
    drop(down);
    let live = fake_upstream(Some(OK));
    let gateway = spawn_gateway(&dead_url(), &format!("http://{down_addr},{}", live.url));
    let client = reqwest::Client::new();
    for _ in 0..10 {
        assert_eq!(client.get(format!("{gateway}/api/tasks")).send().await.unwrap().status(), 200);
    }
    assert_eq!(requests_to(&live), 10);

    let revived = fake_upstream_on(std::net::TcpListener::bind(down_addr).unwrap(), Some(OK));
    let recovered = std::time::Instant::now();
    while requests_to(&revived) == 0 {
        assert!(recovered.elapsed() < std::time::Duration::from_millis(1500), "not back in rotation");
        assert_eq!(client.get(format!("{gateway}/api/tasks")).send().await.unwrap().status(), 200);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for _ in 0..10 {
        assert_eq!(client.get(format!("{gateway}/api/tasks")).send().await.unwrap().status(), 200);
    }
    assert!(requests_to(&revived) >= 5, "the recovered replica takes its turn again");
}

/// With every replica down, the answer is the single service's: 503 with Retry-After.
#[actix_web::test]
async fn with_every_replica_down_the_answer_is_503() {
    let gateway = spawn_gateway(&dead_url(), &format!("{},{}", dead_url(), dead_url()));
    let response = reqwest::get(format!("{gateway}/api/tasks")).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let (_, body) = parts(reqwest::get(format!("{gateway}/health")).await.unwrap()).await;
    assert_eq!(body["upstreams"]["task-service"], "unreachable");
}

/// A replica that accepts connections but stops answering (hung, paused, stalled) is found by the
/// gateway's probes: within a second no request goes to it, so none waits for the upstream
/// timeout; once it answers again it takes its turn again.
#[actix_web::test]
async fn a_replica_that_stops_answering_is_out_of_rotation_within_a_second_and_back_when_it_answers() {
    let (stalling, steady) = (fake_upstream(Some(OK)), fake_upstream(Some(OK)));
    let gateway = spawn_gateway(&dead_url(), &format!("{},{}", stalling.url, steady.url));
    // Far below the gateway's 30 s upstream timeout: a request sent to the stalled replica fails.
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build().unwrap();
    let get = || async { client.get(format!("{gateway}/api/tasks")).send().await.expect("an answer").status() };
    for _ in 0..4 {
        assert_eq!(get().await, 200);
    }
    assert_eq!((requests_to(&stalling), requests_to(&steady)), (2, 2));

    stalling.silent.store(true, Ordering::SeqCst);
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
    for _ in 0..10 {
        assert_eq!(get().await, 200);
    }
    assert_eq!((requests_to(&stalling), requests_to(&steady)), (2, 12), "nothing went to the stalled replica");

    stalling.silent.store(false, Ordering::SeqCst);
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
    for _ in 0..10 {
        assert_eq!(get().await, 200);
    }
    assert_eq!(requests_to(&stalling), 7, "back in rotation: every other request");
}
