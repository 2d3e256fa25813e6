//! What the gateway adds and refuses: request ids that reach the services' logs, headers that
//! cannot grant identity, and CORS only for configured origins.

use serde_json::json;
use shared::testing::LogCapture;

use crate::helpers::{parts, spawn_stack, spawn_stack_with};

async fn sign_up(stack: &crate::helpers::Stack, email: &str) -> (i64, String) {
    let credentials = json!({"email": email, "password": "correct horse"});
    let (_, user) =
        parts(stack.client.post(format!("{}/api/auth/register", stack.url)).json(&credentials).send().await.unwrap())
            .await;
    let (_, login) =
        parts(stack.client.post(format!("{}/api/auth/login", stack.url)).json(&credentials).send().await.unwrap())
            .await;
    (user["id"].as_i64().unwrap(), login["access_token"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn the_request_id_sent_to_the_gateway_appears_in_the_services_log() {
    let logs = LogCapture::install();
    let stack = spawn_stack();
    let (_, token) = sign_up(&stack, "ada@example.com").await;
    let response = stack
        .client
        .post(format!("{}/api/tasks", stack.url))
        .bearer_auth(&token)
        .header("x-request-id", "from-the-client-1")
        .json(&json!({"title": "T"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "from-the-client-1");
    let lines = logs.lines();
    let services: Vec<&str> = lines
        .iter()
        .filter(|l| l["request_id"] == "from-the-client-1" && l["message"] == "request")
        .map(|l| l["service"].as_str().unwrap())
        .collect();
    assert!(services.contains(&"gateway") && services.contains(&"task-service"), "{services:?}");
}

#[actix_web::test]
async fn identity_headers_from_the_client_have_no_effect() {
    let stack = spawn_stack();
    let (ada, ada_token) = sign_up(&stack, "ada@example.com").await;
    let (bob, _) = sign_up(&stack, "bob@example.com").await;
    let (status, task) = parts(
        stack
            .client
            .post(format!("{}/api/tasks", stack.url))
            .bearer_auth(&ada_token)
            .header("x-user-id", bob.to_string())
            .header("x-forwarded-user", bob.to_string())
            .json(&json!({"title": "mine", "user_id": bob}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, task["user_id"].as_i64()), (201, Some(ada)));
    let response =
        stack.client.get(format!("{}/api/tasks", stack.url)).header("x-user-id", ada.to_string()).send().await.unwrap();
    assert_eq!(response.status(), 401, "a header is no substitute for a token");
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let stack = spawn_stack_with(|http| http.cors_allowed_origins = "https://app.example".into());
    let preflight = |origin: &'static str| {
        stack
            .client
            .request(reqwest::Method::OPTIONS, format!("{}/api/tasks", stack.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("https://app.example").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example");
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));

    let default = spawn_stack();
    let response = default
        .client
        .get(format!("{}/health", default.url))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key("access-control-allow-origin"), "no cross-origin access by default");
}
