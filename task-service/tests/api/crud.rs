use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{invalid_fields, parts, spawn_app};

fn assert_task_shape(task: &Value) {
    let keys: Vec<&str> = task.as_object().unwrap().keys().map(String::as_str).collect();
    // The contract's seven fields, and issue 17's additions.
    let mut expected = vec![
        "id",
        "title",
        "description",
        "status",
        "user_id",
        "created_at",
        "updated_at",
        "due_at",
        "priority",
        "started_at",
        "completed_at",
        "version",
    ];
    let mut actual = keys.clone();
    expected.sort_unstable();
    actual.sort_unstable();
    assert_eq!(actual, expected, "{task}");
    for stamp in ["created_at", "updated_at"] {
        assert!(chrono::DateTime::parse_from_rfc3339(task[stamp].as_str().unwrap()).is_ok());
    }
}

#[actix_web::test]
async fn create_returns_the_task_with_defaults() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (status, task) = app.create(&ada, &json!({"title": "Write report"})).await;
    assert_eq!(status, 201);
    assert_task_shape(&task);
    assert_eq!(task["title"], "Write report");
    assert_eq!(task["description"], Value::Null);
    assert_eq!(task["status"], "pending");
    assert_eq!(task["user_id"], ada.id);
    assert_eq!(task["created_at"], task["updated_at"]);
}

#[actix_web::test]
async fn create_keeps_description_and_status() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (status, task) = app.create(&ada, &json!({"title": "T", "description": "D", "status": "in_progress"})).await;
    assert_eq!(status, 201);
    assert_eq!((task["description"].as_str(), task["status"].as_str()), (Some("D"), Some("in_progress")));
}

#[actix_web::test]
async fn create_ignores_ownership_and_id_fields_in_the_body() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let (status, task) = app
        .create(&ada, &json!({"title": "Mine", "user_id": bob.id, "id": 999, "created_at": "2000-01-01T00:00:00Z"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(task["user_id"], ada.id);
    assert_ne!(task["id"], 999);
    assert!(!task["created_at"].as_str().unwrap().starts_with("2000"));
    assert!(app.list(&bob).await.is_empty());
}

#[actix_web::test]
async fn create_validates_every_field() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let cases = [
        (json!({}), vec!["title"]),
        (json!({"title": ""}), vec!["title"]),
        (json!({"title": "   "}), vec!["title"]),
        (json!({"title": "t".repeat(201)}), vec!["title"]),
        (json!({"title": null}), vec!["title"]),
        (json!({"title": 7}), vec!["title"]),
        (json!({"title": "ok", "description": "d".repeat(2001)}), vec!["description"]),
        (json!({"title": "ok", "status": "done"}), vec!["status"]),
        // Characters drawn as nothing make a blank title too.
        (json!({"title": "\u{200b}"}), vec!["title"]),
        (json!({"title": "\u{2800}"}), vec!["title"]),
        (json!({"title": "\u{3164}"}), vec!["title"]),
        (json!({"title": "\u{feff}"}), vec!["title"]),
        (json!({"title": "\u{034f}"}), vec!["title"]),
        (json!({"title": "\u{115f}"}), vec!["title"]),
        (json!({"title": " \u{200d}\u{00ad} "}), vec!["title"]),
    ];
    for (input, fields) in cases {
        let (status, body) = app.create(&ada, &input).await;
        assert_eq!(status, 422, "{input}");
        assert_eq!(body["detail"], "Validation error");
        assert_eq!(invalid_fields(&body), fields, "{input}");
    }
    assert!(app.list(&ada).await.is_empty(), "nothing invalid was stored");
}

/// serde reads a JSON array into a struct field by field; every body must be an object instead.
#[actix_web::test]
async fn bodies_that_are_not_json_objects_are_refused() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, created) = app.create(&ada, &json!({"title": "T"})).await;
    let id = created["id"].as_i64().unwrap();
    for body in [json!(["t", "d", "completed"]), json!([]), json!("title"), json!(7)] {
        let (status, error) = app.create(&ada, &body).await;
        assert_eq!((status, invalid_fields(&error)), (422, vec!["body"]), "POST {body}");
        let (status, error) = app.update(&ada, id, &body).await;
        assert_eq!((status, invalid_fields(&error)), (422, vec!["body"]), "PUT {body}");
    }
    assert_eq!(app.list(&ada).await.len(), 1, "no task was made");
    assert_eq!(app.get(&ada, id).await.1, created, "updated_at did not move");
}

#[actix_web::test]
async fn limits_count_characters_not_bytes() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (status, task) = app.create(&ada, &json!({"title": "é".repeat(200), "description": "ß".repeat(2000)})).await;
    assert_eq!(status, 201);
    assert_eq!(task["title"].as_str().unwrap().chars().count(), 200);
}

#[actix_web::test]
async fn list_returns_own_tasks_oldest_first() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    for title in ["one", "two", "three"] {
        app.create(&ada, &json!({"title": title})).await;
    }
    let titles: Vec<Value> = app.list(&ada).await.iter().map(|t| t["title"].clone()).collect();
    assert_eq!(titles, vec!["one", "two", "three"]);
}

#[actix_web::test]
async fn get_returns_the_task() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, created) = app.create(&ada, &json!({"title": "T"})).await;
    let (status, task) = app.get(&ada, created["id"].as_i64().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(task, created);
}

#[actix_web::test]
async fn update_changes_only_the_fields_sent_and_moves_updated_at() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, created) = app.create(&ada, &json!({"title": "T", "description": "D"})).await;
    let id = created["id"].as_i64().unwrap();

    let (status, task) = app.update(&ada, id, &json!({"status": "completed"})).await;
    assert_eq!(status, 200);
    assert_eq!((task["title"].as_str(), task["description"].as_str()), (Some("T"), Some("D")));
    assert_eq!(task["status"], "completed");
    assert_eq!(task["created_at"], created["created_at"]);
    assert!(task["updated_at"].as_str() > created["updated_at"].as_str());

    let (_, task) = app.update(&ada, id, &json!({"title": "New", "description": null})).await;
    assert_eq!((task["title"].as_str(), task["description"].clone()), (Some("New"), Value::Null));
    assert_eq!(task["status"], "completed");
    assert_eq!(app.get(&ada, id).await.1, task);
}

#[actix_web::test]
async fn update_validates_fields_and_refuses_nulls() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, created) = app.create(&ada, &json!({"title": "T"})).await;
    let id = created["id"].as_i64().unwrap();
    let cases = [
        (json!({"title": null}), vec!["title"]),
        (json!({"status": null}), vec!["status"]),
        (json!({"title": " "}), vec!["title"]),
        (json!({"title": "\u{200b}\u{2800}"}), vec!["title"]),
        (json!({"title": "t".repeat(201)}), vec!["title"]),
        (json!({"description": "d".repeat(2001)}), vec!["description"]),
        (json!({"status": "archived"}), vec!["status"]),
    ];
    for (input, fields) in cases {
        let (status, body) = app.update(&ada, id, &input).await;
        assert_eq!(status, 422, "{input}");
        assert_eq!(invalid_fields(&body), fields, "{input}");
    }
    assert_eq!(app.get(&ada, id).await.1, created, "refused updates changed nothing");
}

#[actix_web::test]
async fn update_ignores_ownership_fields() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let (_, created) = app.create(&ada, &json!({"title": "T"})).await;
    let id = created["id"].as_i64().unwrap();
    let (status, task) = app.update(&ada, id, &json!({"user_id": bob.id, "id": 12345})).await;
    assert_eq!(status, 200);
    assert_eq!((task["user_id"].as_i64(), task["id"].as_i64()), (Some(ada.id), Some(id)));
    assert!(app.list(&bob).await.is_empty());
}

#[actix_web::test]
async fn delete_hides_the_task_from_every_endpoint() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, created) = app.create(&ada, &json!({"title": "T"})).await;
    let id = created["id"].as_i64().unwrap();

    let (status, body) = app.delete(&ada, id).await;
    assert_eq!((status, body), (204, Value::Null));
    assert!(app.list(&ada).await.is_empty());
    for (status, body) in
        [app.get(&ada, id).await, app.update(&ada, id, &json!({"title": "x"})).await, app.delete(&ada, id).await]
    {
        assert_eq!(status, 404);
        assert_eq!(body["detail"], "Task not found");
    }
    // Soft delete: the row is still there, marked.
    assert_eq!(app.db.execute(&format!("SELECT 1 FROM tasks WHERE id = {id} AND deleted_at IS NOT NULL")), 1);
}

#[actix_web::test]
async fn missing_and_malformed_ids() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    assert_eq!(app.get(&ada, 424242).await.0, 404);
    assert_eq!(app.get(&ada, -1).await.0, 404);
    for path in ["/api/tasks/abc", "/api/tasks/1.5", "/api/tasks/99999999999999999999"] {
        let (status, body) = parts(app.call(Method::GET, path, Some(&ada.token), None).await).await;
        assert_eq!(status, 422, "{path}");
        assert_eq!(invalid_fields(&body), vec!["task_id"]);
    }
}

#[actix_web::test]
async fn unsupported_methods_and_paths() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let response = app.call(Method::POST, "/api/tasks/1", Some(&ada.token), None).await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, PUT, PATCH, DELETE");
    for (method, path, allow) in [
        (Method::PUT, "/api/tasks/trash", "GET, DELETE"),
        (Method::GET, "/api/tasks/trash/1", "DELETE"),
        (Method::GET, "/api/tasks/bulk", "POST"),
        (Method::GET, "/api/tasks/1/restore", "POST"),
    ] {
        let response = app.call(method.clone(), path, Some(&ada.token), None).await;
        assert_eq!(
            (response.status().as_u16(), &response.headers()["allow"]),
            (405, &allow.parse().unwrap()),
            "{method} {path}"
        );
    }
    let response = app.call(Method::DELETE, "/api/tasks", Some(&ada.token), None).await;
    assert_eq!(response.headers()["allow"], "GET, POST");
    let (status, body) = parts(app.call(Method::GET, "/api/nothing", None, None).await).await;
    assert_eq!((status, body["detail"].as_str()), (404, Some("Not found")));
}

#[actix_web::test]
async fn responses_carry_nosniff_and_a_request_id() {
    let app = spawn_app();
    let response =
        app.client.get(format!("{}/health", app.url)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-request-id"], "abc-123");
}
