//! What a hostile or broken client finds at the edge: bodies trickled in are cut, WebSocket
//! upgrades and CONNECT are answered at once instead of hanging, odd methods leave no trace in
//! the metrics' labels, and a client cannot choose its address.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::helpers::spawn_stack;

/// Sends `head`, then `body` one byte every `pace`, and reads the answer until the connection
/// closes or goes quiet for a second. Returns the answer and when its first byte came.
async fn raw_exchange(url: &str, head: String, body: &'static [u8], pace: Duration) -> (String, Duration) {
    let addr = url.trim_start_matches("http://").to_owned();
    actix_web::web::block(move || {
        let started = Instant::now();
        let mut socket = std::net::TcpStream::connect(addr).unwrap();
        socket.write_all(head.as_bytes()).unwrap();
        let mut reader = socket.try_clone().unwrap();
        let trickle = std::thread::spawn(move || {
            for byte in body {
                std::thread::sleep(pace);
                if socket.write_all(&[*byte]).is_err() {
                    return;
                }
            }
        });
        reader.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let (mut raw, mut first, mut buf) = (Vec::new(), None, [0u8; 4096]);
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    first.get_or_insert(started.elapsed());
                    raw.extend_from_slice(&buf[..n]);
                }
                Err(_) if first.is_some() || started.elapsed() > Duration::from_secs(20) => break,
                Err(_) => {}
            }
        }
        drop(trickle);
        (String::from_utf8_lossy(&raw).into_owned(), first.unwrap_or(started.elapsed()))
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_body_trickled_in_is_cut_with_408() {
    let stack = spawn_stack();
    let head =
        "POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n";
    let (answer, after) = raw_exchange(&stack.url, head.to_owned(), &[b' '; 40], Duration::from_millis(500)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "the contract's error body: {answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    assert!(after < Duration::from_secs(10), "cut after the body timeout (5 s), not at the end: {after:?}");
}

#[actix_web::test]
async fn a_websocket_upgrade_is_refused_at_once() {
    let stack = spawn_stack();
    let head = "GET /api/tasks HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let (answer, after) = raw_exchange(&stack.url, head.to_owned(), b"", Duration::ZERO).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("UPGRADE_NOT_SUPPORTED"), "{answer}");
    assert!(after < Duration::from_secs(2), "answered, not left hanging: {after:?}");
}

/// Methods outside HTTP's own get the routes' 405 and are one label, `OTHER`: 40 of 200
/// characters each leave no trace in `/metrics` (2,000 took it from 11 KB to 4.4 MB before).
#[actix_web::test]
async fn unknown_methods_are_refused_and_never_a_metrics_label() {
    let stack = spawn_stack();
    for n in 0..40 {
        let method = reqwest::Method::from_bytes(format!("X{n:04}{}", "Y".repeat(200)).as_bytes()).unwrap();
        let response = stack.client.request(method, format!("{}/api/tasks", stack.url)).send().await.unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET, POST");
    }
    let metrics = stack.client.get(format!("{}/metrics", stack.url)).send().await.unwrap().text().await.unwrap();
    assert!(!metrics.contains("X0001"), "a client-chosen method became a label");
    assert!(metrics.contains(r#"method="OTHER""#), "{metrics}");
    assert!(metrics.len() < 20_000, "bounded: {} bytes", metrics.len());
}

/// A CONNECT's tunnel is not read as a body (actix would read it until the connection ends):
/// the route's 405 comes at once, through the gateway too.
#[actix_web::test]
async fn connect_is_answered_at_once() {
    let stack = spawn_stack();
    let head = "CONNECT /api/tasks HTTP/1.1\r\nHost: gw\r\n\r\n";
    let (answer, after) = raw_exchange(&stack.url, head.to_owned(), b"", Duration::ZERO).await;
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(after < Duration::from_secs(2), "answered, not left hanging: {after:?}");
}

/// The client address in the audit trail (and the throttle key) of a login made through the
/// gateway with `X-Forwarded-For: 203.0.113.66` from 127.0.0.1.
async fn audited_client_of_a_forged_login(stack: &crate::helpers::Stack) -> String {
    let response = stack
        .client
        .post(format!("{}/api/auth/login", stack.url))
        .header("x-forwarded-for", "203.0.113.66")
        .header("x-request-id", "forged-xff-1")
        .json(&serde_json::json!({"email": "ada@example.com", "password": "wrong horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let mut conn = stack._db.conn();
    use diesel::prelude::*;
    use shared::db::schema::audit_events::dsl;
    dsl::audit_events
        .filter(dsl::request_id.eq("forged-xff-1"))
        .select(dsl::client_addr)
        .first::<Option<String>>(&mut conn)
        .unwrap()
        .unwrap()
}

/// The gateway is the edge: what a client writes in `X-Forwarded-For` is not its address, even
/// though the services believe the gateway's.
#[actix_web::test]
async fn a_client_cannot_choose_its_address_through_the_gateway() {
    let stack = spawn_stack();
    assert_eq!(audited_client_of_a_forged_login(&stack).await, "127.0.0.1");
}

/// Behind a proxy the gateway is told to trust (nginx), the address that proxy saw is the client's.
#[actix_web::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let stack = crate::helpers::spawn_stack_with(|http| http.trusted_proxies = "127.0.0.1".into());
    assert_eq!(audited_client_of_a_forged_login(&stack).await, "203.0.113.66");
}

/// Reached without nginx, the gateway's answers, Swagger UI's included, still cannot be framed
/// or sniffed and send no referrer.
#[actix_web::test]
async fn answers_cannot_be_framed_without_nginx_in_front() {
    let stack = spawn_stack();
    for path in ["/docs/", "/api/openapi.json", "/api/tasks", "/health"] {
        let response = stack.client.get(format!("{}{path}", stack.url)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
}

/// `/metrics` answers only peers in METRICS_ALLOWED_NETWORKS (loopback and the private ranges
/// by default); to anyone else, whatever X-Forwarded-For says, it is not there.
#[actix_web::test]
async fn metrics_are_only_for_the_allowed_networks() {
    let open = spawn_stack();
    assert_eq!(open.client.get(format!("{}/metrics", open.url)).send().await.unwrap().status(), 200, "loopback");
    let closed = crate::helpers::spawn_stack_with(|http| http.metrics_allowed_networks = Some("10.0.0.0/8".into()));
    let response = closed
        .client
        .get(format!("{}/metrics", closed.url))
        .header("x-forwarded-for", "10.0.0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
