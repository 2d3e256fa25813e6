//! The trash: deleted tasks wait 7 days, restorable, before the purge; they can also be deleted
//! for good, one at a time or all at once.

use chrono::{DateTime, Duration};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, invalid_fields, parts, spawn_app, spawn_app_with};

async fn trash(app: &TestApp, user: &crate::helpers::TestUser, query: &str) -> Value {
    let (status, body) = app.get_json(user, &format!("/api/tasks/trash?{query}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn at(value: &Value) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time")).unwrap()
}

#[actix_web::test]
async fn deleted_tasks_wait_in_the_trash_most_recent_first_with_their_purge_time() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let mut made = Vec::new();
    for n in 0..3 {
        made.push(app.task(&ada, json!({"title": format!("t{n}"), "priority": "high"})).await);
    }
    for task in [&made[1], &made[0], &made[2]] {
        assert_eq!(app.delete(&ada, task["id"].as_i64().unwrap()).await.0, 204);
    }
    let body = trash(&app, &ada, "").await;
    assert_eq!(
        TestApp::ids(&body),
        [made[2]["id"].as_i64().unwrap(), made[0]["id"].as_i64().unwrap(), made[1]["id"].as_i64().unwrap()]
    );
    let first = &body["tasks"][0];
    assert_eq!((&first["title"], &first["priority"], &first["version"]), (&json!("t2"), &json!("high"), &json!(2)));
    assert_eq!(at(&first["purge_at"]) - at(&first["deleted_at"]), Duration::days(7));
    assert!(app.list(&ada).await.is_empty(), "the trash is not the list");

    let page = trash(&app, &ada, "limit=2").await;
    assert_eq!(page["tasks"].as_array().unwrap().len(), 2);
    let rest = trash(&app, &ada, &format!("limit=2&cursor={}", page["next_cursor"].as_str().unwrap())).await;
    assert_eq!(TestApp::ids(&rest), [made[1]["id"].as_i64().unwrap()]);
    assert!(rest.get("next_cursor").is_none());
    let (status, body) = app.get_json(&ada, "/api/tasks/trash?sort=title").await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["sort"]));
}

#[actix_web::test]
async fn restore_brings_a_task_back_with_its_id_once() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let task =
        app.task(&ada, json!({"title": "Oops", "description": "keep me", "due_at": "2026-12-24T17:00:00Z"})).await;
    let id = task["id"].as_i64().unwrap();
    let restore = format!("/api/tasks/{id}/restore");
    let (status, body) = parts(app.send(Method::POST, &restore, &ada, None, &[]).await).await;
    assert_eq!((status, &body["detail"]), (404, &json!("Task not found")), "a live task is not in the trash");

    let deleted = app.send(Method::DELETE, &format!("/api/tasks/{id}"), &ada, None, &[]).await;
    assert_eq!(
        (deleted.status().as_u16(), &deleted.headers()["etag"]),
        (204, &"\"2\"".parse().unwrap()),
        "the version in the trash"
    );
    let response = app.send(Method::POST, &restore, &ada, None, &[]).await;
    assert_eq!(response.headers()["etag"], "\"3\"");
    let (status, restored) = parts(response).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&restored["id"], &restored["description"], &restored["due_at"]),
        (&task["id"], &task["description"], &task["due_at"])
    );
    assert_eq!(restored["version"], 3);
    assert_eq!(app.get(&ada, id).await.0, 200);
    assert!(trash(&app, &ada, "").await["tasks"].as_array().unwrap().is_empty());
    assert_eq!(app.send(Method::POST, &restore, &ada, None, &[]).await.status(), 404, "restored once");
}

#[actix_web::test]
async fn restore_honours_if_match_and_the_task_limit() {
    let app = spawn_app_with(|config| config.max_tasks_per_user = 2);
    let ada = app.user("ada@example.com");
    let id = app.task(&ada, json!({"title": "a"})).await["id"].as_i64().unwrap();
    app.delete(&ada, id).await; // version 2 in the trash
    let restore = format!("/api/tasks/{id}/restore");
    let response = app.send(Method::POST, &restore, &ada, None, &[("if-match", "\"1\"")]).await;
    assert_eq!((response.status().as_u16(), &response.headers()["etag"]), (412, &"\"2\"".parse().unwrap()));
    app.task(&ada, json!({"title": "b"})).await;
    app.task(&ada, json!({"title": "c"})).await;
    let (status, body) = parts(app.send(Method::POST, &restore, &ada, None, &[("if-match", "\"2\"")]).await).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["tasks"]), "the limit is full");
    assert_eq!(trash(&app, &ada, "").await["tasks"].as_array().unwrap().len(), 1, "still in the trash");
}

#[actix_web::test]
async fn a_task_past_its_retention_is_no_longer_in_the_trash() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let id = app.task(&ada, json!({"title": "old"})).await["id"].as_i64().unwrap();
    app.delete(&ada, id).await;
    app.sql(&format!("UPDATE tasks SET deleted_at = now() - interval '7 days 1 minute' WHERE id = {id}"));
    assert!(trash(&app, &ada, "").await["tasks"].as_array().unwrap().is_empty());
    assert_eq!(app.send(Method::POST, &format!("/api/tasks/{id}/restore"), &ada, None, &[]).await.status(), 404);
    assert_eq!(app.send(Method::DELETE, &format!("/api/tasks/trash/{id}"), &ada, None, &[]).await.status(), 404);
}

#[actix_web::test]
async fn tasks_can_be_deleted_for_good_one_by_one_or_all_at_once() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = app.task(&ada, json!({"title": format!("t{n}")})).await["id"].as_i64().unwrap();
        app.delete(&ada, id).await;
        ids.push(id);
    }
    let live = app.task(&ada, json!({"title": "live"})).await["id"].as_i64().unwrap();
    let bobs = app.task(&bob, json!({"title": "bob's"})).await["id"].as_i64().unwrap();
    app.delete(&bob, bobs).await;

    let purge = |id: i64| format!("/api/tasks/trash/{id}");
    assert_eq!(app.send(Method::DELETE, &purge(ids[0]), &ada, None, &[]).await.status(), 204);
    assert_eq!(app.send(Method::DELETE, &purge(ids[0]), &ada, None, &[]).await.status(), 404, "gone for good");
    assert_eq!(
        app.send(Method::DELETE, &purge(live), &ada, None, &[]).await.status(),
        404,
        "a live task is not in the trash"
    );
    assert_eq!(app.send(Method::DELETE, &purge(bobs), &ada, None, &[]).await.status(), 404, "another user's");
    assert_eq!(app.send(Method::POST, &format!("/api/tasks/{}/restore", ids[0]), &ada, None, &[]).await.status(), 404);
    assert_eq!(TestApp::ids(&trash(&app, &ada, "").await), [ids[2], ids[1]]);

    assert_eq!(app.send(Method::DELETE, "/api/tasks/trash", &ada, None, &[]).await.status(), 204);
    assert!(trash(&app, &ada, "").await["tasks"].as_array().unwrap().is_empty());
    assert_eq!(TestApp::ids(&trash(&app, &bob, "").await), [bobs], "only the caller's trash is emptied");
    assert_eq!(app.get(&ada, live).await.0, 200, "live tasks stay");
}

#[actix_web::test]
async fn another_users_trash_is_out_of_reach() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let eve = app.user("eve@example.com");
    let id = app.task(&ada, json!({"title": "Ada's"})).await["id"].as_i64().unwrap();
    app.delete(&ada, id).await;
    assert!(trash(&app, &eve, "").await["tasks"].as_array().unwrap().is_empty());
    for (method, path) in
        [(Method::POST, format!("/api/tasks/{id}/restore")), (Method::DELETE, format!("/api/tasks/trash/{id}"))]
    {
        let (status, body) = parts(app.send(method, &path, &eve, None, &[]).await).await;
        assert_eq!((status, &body["detail"]), (404, &json!("Task not found")), "{path}");
    }
    app.send(Method::DELETE, "/api/tasks/trash", &eve, None, &[]).await;
    assert_eq!(TestApp::ids(&trash(&app, &ada, "").await), [id], "Ada's trash is untouched");
}
