//! PostgreSQL unreachable: 503 with `Retry-After` in the contract's body, quickly, never a hang.

use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::{parts, spawn_app_with};

#[actix_web::test]
async fn database_down_gives_503_with_retry_after() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = spawn_app_with(|config| {
        config.database.database_url = format!("postgres://postgres@{dead}/nothing").into();
        config.database.db_pool_timeout_secs = 1;
    });
    let token = shared::auth::JwtKeys::new(&shared::config::JwtConfig::for_tests())
        .issue(shared::UserId(1), shared::SessionId(1))
        .unwrap()
        .token;

    let started = Instant::now();
    let response = app.call(Method::GET, "/api/tasks", Some(&token), None).await;
    assert!(started.elapsed() < Duration::from_secs(5), "answered within the pool timeout");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let (_, body) = parts(response).await;
    assert_eq!(body["detail"], "Database unavailable");

    let response = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(parts(response).await.1["database"], "disconnected");

    // Liveness does not depend on the database: a database blip restarts no pod and takes no
    // replica out of the gateway's rotation.
    let response = app.call(Method::GET, "/health/live", None, None).await;
    assert_eq!(parts(response).await, (200, serde_json::json!({"status": "ok"})));
    let response = app.call(Method::POST, "/health/live", None, None).await;
    assert_eq!(response.status(), 405);
}
