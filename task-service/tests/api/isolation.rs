//! Risk 1 of the spec: a user must never see or touch another user's task, on any endpoint.

use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn another_user_gets_404_on_every_task_endpoint_and_changes_nothing() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let eve = app.user("eve@example.com");
    let (_, task) = app.create(&ada, &json!({"title": "Ada's", "description": "private"})).await;
    let id = task["id"].as_i64().unwrap();

    assert!(app.list(&eve).await.is_empty());
    let patch = crate::helpers::parts(
        app.send(
            reqwest::Method::PATCH,
            &format!("/api/tasks/{id}"),
            &eve,
            Some(&json!({"title": "pwned"})),
            &[("if-match", "*")],
        )
        .await,
    )
    .await;
    for (status, body) in [
        app.get(&eve, id).await,
        app.update(&eve, id, &json!({"title": "pwned", "status": "completed"})).await,
        patch,
        app.delete(&eve, id).await,
    ] {
        assert_eq!(status, 404);
        assert_eq!(body["detail"], "Task not found");
    }
    assert_eq!(app.get(&ada, id).await.1, task, "Ada's task is untouched");
}

#[actix_web::test]
async fn lists_hold_only_the_callers_tasks() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    app.create(&ada, &json!({"title": "a1"})).await;
    app.create(&bob, &json!({"title": "b1"})).await;
    app.create(&ada, &json!({"title": "a2"})).await;
    let ada_tasks = app.list(&ada).await;
    let bob_tasks = app.list(&bob).await;
    assert_eq!(ada_tasks.len(), 2);
    assert_eq!(bob_tasks.len(), 1);
    assert!(ada_tasks.iter().all(|t| t["user_id"] == ada.id));
    assert_eq!(bob_tasks[0]["title"], "b1");
}
