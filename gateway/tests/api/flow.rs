use serde_json::{Value, json};

use crate::helpers::{parts, spawn_stack};

#[actix_web::test]
async fn register_login_create_list_update_delete_through_the_gateway() {
    let stack = spawn_stack();
    let api = |path: &str| format!("{}{path}", stack.url);
    let client = &stack.client;
    let credentials = json!({"email": "ada@example.com", "password": "correct horse"});

    let (status, user) = parts(client.post(api("/api/auth/register")).json(&credentials).send().await.unwrap()).await;
    assert_eq!(status, 201);
    let (status, login) = parts(client.post(api("/api/auth/login")).json(&credentials).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let token = login["access_token"].as_str().unwrap();

    let (status, task) = parts(
        client.post(api("/api/tasks")).bearer_auth(token).json(&json!({"title": "Ship it"})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(task["user_id"], user["id"]);
    let item = api(&format!("/api/tasks/{}", task["id"]));

    let (status, list) = parts(client.get(api("/api/tasks")).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!((status, list), (200, json!({"tasks": [task.clone()]})));

    let (status, updated) =
        parts(client.put(&item).bearer_auth(token).json(&json!({"status": "completed"})).send().await.unwrap()).await;
    assert_eq!(
        (status, updated["status"].as_str(), updated["title"].as_str()),
        (200, Some("completed"), Some("Ship it"))
    );

    let response = client.delete(&item).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());

    let (status, body) = parts(client.get(&item).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!((status, body["detail"].as_str()), (404, Some("Task not found")));
}

#[actix_web::test]
async fn errors_pass_through_unchanged() {
    let stack = spawn_stack();
    let (status, body) = parts(stack.client.get(format!("{}/api/tasks", stack.url)).send().await.unwrap()).await;
    assert_eq!((status, body), (401, json!({"detail": "Unauthorized"})));

    let (status, body) = parts(
        stack
            .client
            .post(format!("{}/api/auth/register", stack.url))
            .json(&json!({"email": "x", "password": "correct horse"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["validation_errors"][0]["field"], "email");
}

#[actix_web::test]
async fn request_id_is_kept_forwarded_and_returned() {
    let stack = spawn_stack();
    let response = stack
        .client
        .get(format!("{}/api/tasks", stack.url))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    assert_eq!(response.headers().get_all("x-request-id").iter().count(), 1);

    let response =
        stack.client.get(format!("{}/api/tasks", stack.url)).header("x-request-id", "bad id!").send().await.unwrap();
    let minted = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(minted, "bad id!");
    assert_eq!(minted.len(), 36, "a UUID replaces an insane id");
}

#[actix_web::test]
async fn oversized_bodies_are_refused_at_the_gateway() {
    let stack = spawn_stack();
    let response = stack
        .client
        .post(format!("{}/api/auth/register", stack.url))
        .header("content-type", "application/json")
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    let (status, body) = parts(response).await;
    assert_eq!((status, body["error_code"].clone()), (413, Value::from("PAYLOAD_TOO_LARGE")));
}

#[actix_web::test]
async fn health_is_ok_when_both_services_are() {
    let stack = spawn_stack();
    let (status, body) = parts(stack.client.get(format!("{}/health", stack.url)).send().await.unwrap()).await;
    assert_eq!((status, body), (200, json!({"status": "ok", "database": "connected"})));
}

/// A 204 through the gateway is a bare status line and headers: no chunked terminator that a
/// strict client (Next.js's proxy) would take for a malformed response.
#[actix_web::test]
async fn no_content_answers_carry_no_body_bytes_on_the_wire() {
    use std::io::{Read, Write};
    let stack = spawn_stack();
    let credentials = json!({"email": "ada@example.com", "password": "correct horse"});
    stack.client.post(format!("{}/api/auth/register", stack.url)).json(&credentials).send().await.unwrap();
    let (_, login) =
        parts(stack.client.post(format!("{}/api/auth/login", stack.url)).json(&credentials).send().await.unwrap())
            .await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let (_, task) = parts(
        stack
            .client
            .post(format!("{}/api/tasks", stack.url))
            .bearer_auth(&token)
            .json(&json!({"title": "T"}))
            .send()
            .await
            .unwrap(),
    )
    .await;

    let addr = stack.url.trim_start_matches("http://").to_owned();
    let request =
        format!("DELETE /api/tasks/{} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n", task["id"]);
    let raw = actix_web::web::block(move || {
        // Keep-alive, as a proxy connects: read until the connection has been idle a moment.
        let mut socket = std::net::TcpStream::connect(addr).unwrap();
        socket.set_read_timeout(Some(std::time::Duration::from_millis(500))).unwrap();
        socket.write_all(request.as_bytes()).unwrap();
        let (mut raw, mut buf) = (Vec::new(), [0u8; 4096]);
        while let Ok(n @ 1..) = socket.read(&mut buf) {
            raw.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(raw).unwrap()
    })
    .await
    .unwrap();
    assert!(raw.starts_with("HTTP/1.1 204"), "{raw}");
    let (_, after_headers) = raw.split_once("\r\n\r\n").expect("a complete header block");
    assert_eq!(after_headers, "", "no bytes after a 204's headers: {raw:?}");
}

/// Issue 17's headers cross the gateway both ways: `If-Match`, `If-None-Match` and
/// `Idempotency-Key` up; `ETag` and `Idempotent-Replayed` down; the 304 and 412 unchanged.
#[actix_web::test]
async fn conditional_and_idempotent_requests_pass_through() {
    let stack = spawn_stack();
    let api = |path: &str| format!("{}{path}", stack.url);
    let client = &stack.client;
    let credentials = json!({"email": "ada@example.com", "password": "correct horse"});
    client.post(api("/api/auth/register")).json(&credentials).send().await.unwrap();
    let login: Value =
        client.post(api("/api/auth/login")).json(&credentials).send().await.unwrap().json().await.unwrap();
    let token = login["access_token"].as_str().unwrap();

    let create = || {
        client
            .post(api("/api/tasks"))
            .bearer_auth(token)
            .header("idempotency-key", "k-1")
            .json(&json!({"title": "Once"}))
    };
    let first = create().send().await.unwrap();
    assert_eq!((first.status().as_u16(), &first.headers()["etag"]), (201, &"\"1\"".parse().unwrap()));
    let task: Value = first.json().await.unwrap();
    let again = create().send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), task);

    let item = api(&format!("/api/tasks/{}", task["id"]));
    let unchanged = client.get(&item).bearer_auth(token).header("if-none-match", "\"1\"").send().await.unwrap();
    assert_eq!(unchanged.status(), 304);
    let stale = client
        .patch(&item)
        .bearer_auth(token)
        .header("if-match", "\"0\"")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!((stale.status().as_u16(), &stale.headers()["etag"]), (412, &"\"1\"".parse().unwrap()));
    let (status, body) =
        parts(client.get(api("/api/tasks?limit=1&sort=-created_at")).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!((status, body["tasks"][0]["id"].clone()), (200, task["id"].clone()));
}
