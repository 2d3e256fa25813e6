//! Issue 17's task fields: due dates, priorities, progress times, versions and their ETags, PATCH
//! and lost-update protection with If-Match.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, invalid_fields, parts, spawn_app};

#[actix_web::test]
async fn a_due_date_is_answered_in_utc_and_priority_defaults_to_normal() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let response = app
        .send(
            Method::POST,
            "/api/tasks",
            &ada,
            Some(&json!({"title": "T", "due_at": "2026-12-24T18:00:00+01:00"})),
            &[],
        )
        .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let (status, task) = parts(response).await;
    assert_eq!(status, 201);
    assert_eq!(task["due_at"], "2026-12-24T17:00:00Z");
    assert_eq!(task["priority"], "normal");
    assert_eq!(task["version"], 1);
    assert_eq!((&task["started_at"], &task["completed_at"]), (&Value::Null, &Value::Null));
    let task = app.task(&ada, json!({"title": "U", "priority": "urgent"})).await;
    assert_eq!((&task["priority"], &task["due_at"]), (&json!("urgent"), &Value::Null));
}

#[actix_web::test]
async fn bad_due_dates_and_priorities_are_422s_naming_the_field() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    for due in
        ["2026-12-24T17:00:00", "2026-12-24", "2026-02-30T10:00:00Z", "1969-12-31T23:59:59Z", "10000-01-01T00:00:00Z"]
    {
        let (status, body) = app.create(&ada, &json!({"title": "T", "due_at": due})).await;
        assert_eq!((status, invalid_fields(&body)), (422, vec!["due_at"]), "{due}: {body}");
    }
    for body in [json!({"title": "T", "priority": "asap"}), json!({"title": "T", "priority": 2})] {
        let (status, answer) = app.create(&ada, &body).await;
        assert_eq!((status, invalid_fields(&answer)), (422, vec!["priority"]), "{body}");
    }
    let id = app.task(&ada, json!({"title": "T"})).await["id"].as_i64().unwrap();
    let (status, body) = app.update(&ada, id, &json!({"due_at": "tomorrow"})).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["due_at"]));
    let (status, body) = app.update(&ada, id, &json!({"priority": null})).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["priority"]));
    assert_eq!(app.get(&ada, id).await.1["version"], 1, "nothing changed");
}

#[actix_web::test]
async fn progress_times_follow_the_status_and_are_never_taken_from_the_client() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let task = app
        .task(&ada, json!({"title": "T", "started_at": "2020-01-01T00:00:00Z", "version": 9, "completed_at": "2020-01-01T00:00:00Z"}))
        .await;
    let id = task["id"].as_i64().unwrap();
    assert_eq!((&task["started_at"], &task["completed_at"], &task["version"]), (&Value::Null, &Value::Null, &json!(1)));

    let started = app.update(&ada, id, &json!({"status": "in_progress", "started_at": "2020-01-01T00:00:00Z"})).await.1;
    let started_at = started["started_at"].as_str().expect("started_at set").to_owned();
    assert!(!started_at.starts_with("2020"));
    assert_eq!(started["completed_at"], Value::Null);

    let done = app.update(&ada, id, &json!({"status": "completed"})).await.1;
    assert_eq!(done["started_at"], started_at.as_str());
    assert!(done["completed_at"].is_string());
    let again = app.update(&ada, id, &json!({"status": "completed", "title": "T2"})).await.1;
    assert_eq!(again["completed_at"], done["completed_at"], "staying completed keeps the completion time");

    let reopened = app.update(&ada, id, &json!({"status": "in_progress"})).await.1;
    assert_eq!((reopened["started_at"].as_str(), &reopened["completed_at"]), (Some(started_at.as_str()), &Value::Null));
    let back = app.update(&ada, id, &json!({"status": "pending"})).await.1;
    assert_eq!((&back["started_at"], &back["completed_at"]), (&Value::Null, &Value::Null));

    let begun = app.task(&ada, json!({"title": "Begun", "status": "in_progress"})).await;
    assert_eq!(begun["started_at"], begun["created_at"], "started as it was created, not before");
    let direct = app.task(&ada, json!({"title": "Done at once", "status": "completed"})).await;
    assert_eq!(direct["started_at"], Value::Null, "no anchor records when work started");
    assert!(direct["completed_at"].is_string());
}

#[actix_web::test]
async fn every_change_grows_the_version_and_the_etag_follows_it() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let id = app.task(&ada, json!({"title": "T"})).await["id"].as_i64().unwrap();
    for (n, change) in [json!({"title": "a"}), json!({"priority": "high"}), json!({"due_at": null})].iter().enumerate()
    {
        let response = app.send(Method::PUT, &format!("/api/tasks/{id}"), &ada, Some(change), &[]).await;
        assert_eq!(response.headers()["etag"], format!("\"{}\"", n + 2).as_str());
        assert_eq!(parts(response).await.1["version"], n as i64 + 2);
    }
    let response = app.send(Method::GET, &format!("/api/tasks/{id}"), &ada, None, &[]).await;
    assert_eq!(response.headers()["etag"], "\"4\"");
}

#[actix_web::test]
async fn if_none_match_makes_an_unchanged_read_a_304() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let id = app.task(&ada, json!({"title": "T"})).await["id"].as_i64().unwrap();
    let path = format!("/api/tasks/{id}");
    for held in ["\"1\"", "W/\"1\"", "\"7\", \"1\"", "*"] {
        let response = app.send(Method::GET, &path, &ada, None, &[("if-none-match", held)]).await;
        assert_eq!(response.status(), 304, "{held}");
        assert_eq!(response.headers()["etag"], "\"1\"");
        assert!(response.bytes().await.unwrap().is_empty());
    }
    app.update(&ada, id, &json!({"title": "changed"})).await;
    let response = app.send(Method::GET, &path, &ada, None, &[("if-none-match", "\"1\"")]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(parts(response).await.1["title"], "changed");
}

#[actix_web::test]
async fn patch_is_a_partial_update_in_json_or_merge_patch() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let task = app.task(&ada, json!({"title": "T", "description": "D", "due_at": "2026-12-24T17:00:00Z"})).await;
    let path = format!("/api/tasks/{}", task["id"]);
    let patched = app.send(Method::PATCH, &path, &ada, Some(&json!({"priority": "low"})), &[]).await;
    let (status, patched) = parts(patched).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&patched["priority"], &patched["title"], &patched["description"]),
        (&json!("low"), &json!("T"), &json!("D"))
    );

    let merge = app
        .client
        .patch(format!("{}{path}", app.url))
        .bearer_auth(&ada.token)
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"description": null, "due_at": null}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(merge.headers()["etag"], "\"3\"");
    let (status, merged) = parts(merge).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&merged["description"], &merged["due_at"], &merged["title"]),
        (&Value::Null, &Value::Null, &json!("T"))
    );

    let (status, body) = parts(app.send(Method::PATCH, &path, &ada, Some(&json!({"title": null})), &[]).await).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["title"]));
    let plain = app.client.patch(format!("{}{path}", app.url)).bearer_auth(&ada.token).body("{}").send().await.unwrap();
    assert_eq!(plain.status(), 415);
}

async fn change(
    app: &TestApp,
    user: &crate::helpers::TestUser,
    method: Method,
    path: &str,
    if_match: &str,
) -> (u16, Value, String) {
    let body = (method != Method::DELETE && method != Method::POST).then(|| json!({"title": "new"}));
    let response = app.send(method, path, user, body.as_ref(), &[("if-match", if_match)]).await;
    let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let (status, body) = parts(response).await;
    (status, body, etag)
}

#[actix_web::test]
async fn if_match_applies_a_change_only_to_the_version_read() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let id = app.task(&ada, json!({"title": "T"})).await["id"].as_i64().unwrap();
    let path = format!("/api/tasks/{id}");
    app.update(&ada, id, &json!({"title": "moved on"})).await; // now at version 2

    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        for stale in ["\"1\"", "W/\"2\"", "2", "\"nonsense\""] {
            let (status, body, etag) = change(&app, &ada, method.clone(), &path, stale).await;
            assert_eq!(status, 412, "{method} {stale}");
            assert_eq!((body["error_code"].as_str(), etag.as_str()), (Some("PRECONDITION_FAILED"), "\"2\""));
            assert!(body["detail"].is_string());
        }
    }
    assert_eq!(app.get(&ada, id).await.1["title"], "moved on", "no stale change applied");

    let (status, body, etag) = change(&app, &ada, Method::PATCH, &path, "\"2\"").await;
    assert_eq!((status, &body["version"], etag.as_str()), (200, &json!(3), "\"3\""));
    let (status, _, _) = change(&app, &ada, Method::PUT, &path, "\"1\", \"3\"").await;
    assert_eq!(status, 200, "any tag of the list may match");
    let (status, _, _) = change(&app, &ada, Method::DELETE, &path, "*").await;
    assert_eq!(status, 204);
    let (status, _, _) = change(&app, &ada, Method::PUT, &path, "*").await;
    assert_eq!(status, 404, "a task that is gone is a 404 whatever If-Match says");
}

#[actix_web::test]
async fn of_two_concurrent_changes_of_one_version_exactly_one_wins() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    for round in 0..5 {
        let id = app.task(&ada, json!({"title": format!("T{round}")})).await["id"].as_i64().unwrap();
        let path = format!("/api/tasks/{id}");
        let (a, b) = futures_util::future::join(
            app.send(Method::PATCH, &path, &ada, Some(&json!({"title": "from a"})), &[("if-match", "\"1\"")]),
            app.send(Method::PATCH, &path, &ada, Some(&json!({"title": "from b"})), &[("if-match", "\"1\"")]),
        )
        .await;
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
        let task = app.get(&ada, id).await.1;
        assert_eq!(task["version"], 2, "one change applied");
    }
}
