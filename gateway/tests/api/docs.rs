use std::collections::BTreeSet;

use serde_json::Value;
use utoipa::OpenApi;

use crate::helpers::{parts, spawn_stack};

/// The services' documents merged, as `make openapi` writes them to `docs/openapi.json`.
fn generated() -> Value {
    let doc = gateway::docs::merged(auth_service::openapi::ApiDoc::openapi(), task_service::openapi::ApiDoc::openapi());
    serde_json::from_str(&doc.to_json().unwrap()).unwrap()
}

/// The committed document (`docs/openapi.json`), which the gateway serves, must be what the
/// services' code generates: run `make openapi` after changing an endpoint.
#[test]
fn committed_openapi_matches_the_code() {
    let committed: Value = serde_json::from_str(gateway::docs::OPENAPI_JSON).expect("docs/openapi.json is JSON");
    assert!(committed == generated(), "docs/openapi.json is stale: run `make openapi`");
}

#[actix_web::test]
async fn openapi_and_swagger_ui_are_served() {
    let stack = spawn_stack();
    let (status, doc) = parts(stack.client.get(format!("{}/api/openapi.json", stack.url)).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(doc["info"]["title"], "taskhub API");
    assert_eq!(doc, serde_json::from_str::<Value>(gateway::docs::OPENAPI_JSON).unwrap(), "the committed document");
    let response = stack.client.get(format!("{}/docs/", stack.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("swagger"));
}

/// Every documented operation is mounted (it never answers the router's 404/405) and every
/// mounted API route is documented.
#[actix_web::test]
async fn documented_and_mounted_routes_are_the_same() {
    let stack = spawn_stack();
    let doc = generated();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .collect();
    let mounted: BTreeSet<(String, String)> = [
        ("POST", "/api/auth/register"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/refresh"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/auth/logout-all"),
        ("GET", "/api/auth/sessions"),
        ("DELETE", "/api/auth/sessions/{session_id}"),
        ("GET", "/api/auth/me"),
        ("DELETE", "/api/auth/me"),
        ("PUT", "/api/auth/password"),
        ("GET", "/api/auth/events"),
        ("GET", "/api/tasks"),
        ("POST", "/api/tasks"),
        ("GET", "/api/tasks/{task_id}"),
        ("PUT", "/api/tasks/{task_id}"),
        ("PATCH", "/api/tasks/{task_id}"),
        ("DELETE", "/api/tasks/{task_id}"),
        ("POST", "/api/tasks/bulk"),
        ("GET", "/api/tasks/trash"),
        ("DELETE", "/api/tasks/trash"),
        ("DELETE", "/api/tasks/trash/{task_id}"),
        ("POST", "/api/tasks/{task_id}/restore"),
        ("GET", "/health"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    assert_eq!(documented, mounted);

    for (method, path) in &documented {
        let url = format!("{}{}", stack.url, path.replace("{task_id}", "1").replace("{session_id}", "1"));
        let request = stack.client.request(method.parse().unwrap(), url).header("content-type", "application/json");
        let response = request.body("{}").send().await.unwrap();
        let (status, body) = parts(response).await;
        assert!(status != 405 && body["detail"] != "Not found", "{method} {path} is documented but not mounted");
    }
    // And a method the document does not list is refused by the service.
    let response = stack.client.post(format!("{}/api/tasks/1", stack.url)).send().await.unwrap();
    assert_eq!(response.status(), 405);
}
