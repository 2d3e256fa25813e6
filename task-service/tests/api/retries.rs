//! Requests that are safe to retry (`Idempotency-Key`) and bulk changes that are all or nothing.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, invalid_fields, parts, spawn_app, spawn_app_with};

async fn create_keyed(app: &TestApp, user: &TestUser, key: &str, body: &Value) -> (u16, Value, Option<String>) {
    let response = app.send(Method::POST, "/api/tasks", user, Some(body), &[("idempotency-key", key)]).await;
    let replayed = response.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = parts(response).await;
    (status, body, replayed)
}

#[actix_web::test]
async fn a_retried_create_replays_the_first_answer_and_creates_nothing() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let body = json!({"title": "Pay rent", "due_at": "2026-12-31T12:00:00Z"});
    let (status, first, replayed) = create_keyed(&app, &ada, "8e03978e-40d5-43e8-bc93-6894a57f9324", &body).await;
    assert_eq!((status, replayed), (201, None));
    let retry = app
        .send(
            Method::POST,
            "/api/tasks",
            &ada,
            Some(&body),
            &[("idempotency-key", "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"")],
        )
        .await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["etag"], "\"1\"");
    assert_eq!(retry.headers()["content-type"], "application/json");
    assert_eq!(parts(retry).await, (201, first.clone()), "the same status and body (the quoted form is the same key)");
    assert_eq!(app.list(&ada).await.len(), 1);

    let (status, body, _) =
        create_keyed(&app, &ada, "8e03978e-40d5-43e8-bc93-6894a57f9324", &json!({"title": "Other"})).await;
    assert_eq!((status, body["error_code"].as_str()), (422, Some("IDEMPOTENCY_KEY_REUSED")));
    let (status, _, replayed) =
        create_keyed(&app, &ada, "another-key", &json!({"title": "Pay rent", "due_at": "2026-12-31T12:00:00Z"})).await;
    assert_eq!((status, replayed), (201, None), "another key is another create");
    assert_eq!(app.list(&ada).await.len(), 2);
    let audit: i64 = diesel::sql_query("SELECT count(*) AS n FROM audit_events WHERE action = 'idempotent_replay'")
        .get_result::<Count>(&mut app.db.conn())
        .unwrap()
        .n;
    assert_eq!(audit, 1, "the replay is audited as one");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn keys_are_per_user() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let body = json!({"title": "Same"});
    let (_, adas, _) = create_keyed(&app, &ada, "k1", &body).await;
    let (status, bobs, replayed) = create_keyed(&app, &bob, "k1", &body).await;
    assert_eq!((status, replayed), (201, None));
    assert_eq!(bobs["user_id"], bob.id);
    assert_ne!(adas["id"], bobs["id"]);
    let (status, _, _) = create_keyed(&app, &bob, "k1", &json!({"title": "Different"})).await;
    assert_eq!(status, 422, "Bob's own key is bound to Bob's request");
}

#[actix_web::test]
async fn a_bad_key_is_a_422_and_a_failed_create_keeps_nothing() {
    let app = spawn_app_with(|config| config.max_tasks_per_user = 1);
    let ada = app.user("ada@example.com");
    let longest = "k".repeat(255);
    for key in ["", "\"\"", &"k".repeat(256)] {
        let (status, body, _) = create_keyed(&app, &ada, key, &json!({"title": "T"})).await;
        assert_eq!((status, invalid_fields(&body)), (422, vec!["Idempotency-Key"]), "{key:?}");
    }
    let (status, _, _) = create_keyed(&app, &ada, &longest, &json!({"title": "T"})).await;
    assert_eq!(status, 201);
    let (status, _, _) = create_keyed(&app, &ada, "full", &json!({"title": "U"})).await;
    assert_eq!(status, 422, "the limit");
    app.delete(&ada, app.list(&ada).await[0]["id"].as_i64().unwrap()).await;
    let (status, _, replayed) = create_keyed(&app, &ada, "full", &json!({"title": "U"})).await;
    assert_eq!((status, replayed), (201, None), "the refused first try was not kept");
}

#[actix_web::test]
async fn concurrent_creates_with_one_key_make_one_task() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    for round in 0..3 {
        let key = format!("round-{round}");
        let body = json!({"title": format!("T{round}")});
        let answers = futures_util::future::join_all((0..4).map(|_| create_keyed(&app, &ada, &key, &body))).await;
        let created: Vec<&Value> = answers.iter().filter(|(s, _, _)| *s == 201).map(|(_, b, _)| b).collect();
        assert!(!created.is_empty(), "{answers:?}");
        assert!(created.iter().all(|b| *b == created[0]), "every 201 is the one task");
        for (status, body, _) in &answers {
            assert!(
                *status == 201 || (*status == 409 && body["error_code"] == "IDEMPOTENCY_KEY_IN_USE"),
                "{status} {body}"
            );
        }
        assert_eq!(app.list(&ada).await.len(), round + 1);
    }
}

async fn bulk(app: &TestApp, user: &TestUser, body: Value) -> (u16, Value) {
    parts(app.send(Method::POST, "/api/tasks/bulk", user, Some(&body), &[]).await).await
}

#[actix_web::test]
async fn bulk_changes_apply_to_every_task_or_to_none() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(app.task(&ada, json!({"title": format!("t{n}")})).await["id"].as_i64().unwrap());
    }
    let bobs = app.task(&bob, json!({"title": "bob's"})).await["id"].as_i64().unwrap();

    let (status, body) = bulk(
        &app,
        &ada,
        json!({"ids": [ids[2], ids[0]], "action": "update", "changes": {"status": "completed", "priority": "high"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(TestApp::ids(&body), [ids[2], ids[0]], "in the order asked");
    assert!(
        body["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "completed" && t["completed_at"].is_string() && t["version"] == 2)
    );

    let (status, body) =
        bulk(&app, &ada, json!({"ids": [ids[1], bobs, 999_999], "action": "update", "changes": {"title": "x"}})).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (404, Some(format!("Task {bobs} not found").as_str())),
        "the first such id"
    );
    assert_eq!(app.get(&ada, ids[1]).await.1["title"], "t1", "nothing changed");
    assert_eq!(app.get(&bob, bobs).await.1["title"], "bob's");

    let (status, _) = bulk(&app, &ada, json!({"ids": [ids[0], ids[1]], "action": "delete"})).await;
    assert_eq!(status, 204);
    assert_eq!(TestApp::ids(&json!({"tasks": app.list(&ada).await})), [ids[2]]);
    let (status, body) = bulk(&app, &ada, json!({"ids": [ids[0], ids[2]], "action": "restore"})).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (404, Some(format!("Task {} not found", ids[2]).as_str())),
        "a live task cannot be restored"
    );
    let (status, body) = bulk(&app, &ada, json!({"ids": [ids[1], ids[0]], "action": "restore"})).await;
    assert_eq!((status, TestApp::ids(&body)), (200, vec![ids[1], ids[0]]));
    assert_eq!(app.list(&ada).await.len(), 3);
    let audited: i64 = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'task_bulk_restore' AND task_id IN ({}, {})",
        ids[0], ids[1]
    ))
    .get_result::<Count>(&mut app.db.conn())
    .unwrap()
    .n;
    assert_eq!(audited, 2, "one audit row per task");
}

#[actix_web::test]
async fn bulk_requests_are_validated() {
    let app = spawn_app_with(|config| config.max_tasks_per_user = 2);
    let ada = app.user("ada@example.com");
    let a = app.task(&ada, json!({"title": "a"})).await["id"].as_i64().unwrap();
    let many: Vec<i64> = (1..=101).collect();
    for (body, field) in [
        (json!({"ids": [], "action": "delete"}), "ids"),
        (json!({"ids": many, "action": "delete"}), "ids"),
        (json!({"ids": [a, a], "action": "delete"}), "ids"),
        (json!({"ids": [a], "action": "archive"}), "action"),
        (json!({"ids": [a], "action": "update"}), "changes"),
        (json!({"ids": [a], "action": "delete", "changes": {"title": "x"}}), "changes"),
        (json!({"ids": [a], "action": "update", "changes": {"title": ""}}), "changes.title"),
        (json!({"ids": [a], "action": "update", "changes": {"status": null}}), "changes.status"),
        (json!({"ids": ["a"], "action": "delete"}), "ids[0]"),
    ] {
        let (status, answer) = bulk(&app, &ada, body.clone()).await;
        assert_eq!((status, invalid_fields(&answer)), (422, vec![field]), "{body}: {answer}");
    }
    let b = app.task(&ada, json!({"title": "b"})).await["id"].as_i64().unwrap();
    bulk(&app, &ada, json!({"ids": [a, b], "action": "delete"})).await;
    app.task(&ada, json!({"title": "c"})).await;
    let (status, body) = bulk(&app, &ada, json!({"ids": [a, b], "action": "restore"})).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["tasks"]), "the limit counts every restored task");
}

#[actix_web::test]
async fn a_retried_bulk_change_replays_its_answer() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let id = app.task(&ada, json!({"title": "a"})).await["id"].as_i64().unwrap();
    let body = json!({"ids": [id], "action": "delete"});
    for expected_replay in [false, true] {
        let response =
            app.send(Method::POST, "/api/tasks/bulk", &ada, Some(&body), &[("idempotency-key", "bulk-1")]).await;
        assert_eq!(response.status(), 204, "a retry of the delete is not a 404");
        assert_eq!(response.headers().contains_key("idempotent-replayed"), expected_replay);
    }
    let create = app
        .send(Method::POST, "/api/tasks", &ada, Some(&json!({"title": "a"})), &[("idempotency-key", "bulk-1")])
        .await;
    assert_eq!(create.status(), 422, "a key is bound to its endpoint too");
}

/// While a request with a key is being served (its transaction holds the key's lock), a retry
/// with that key is a 409 at once, not a wait and not a second task.
#[actix_web::test]
async fn a_retry_while_the_first_is_served_is_a_409() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let mut first = app.db.conn();
    // The lock the first request's transaction holds while it runs.
    diesel::sql_query(format!("SELECT pg_advisory_lock(hashtext('idempotency {}'), hashtext('busy'))", ada.id))
        .execute(&mut first)
        .unwrap();
    let (status, body, _) = create_keyed(&app, &ada, "busy", &json!({"title": "T"})).await;
    assert_eq!((status, body["error_code"].as_str()), (409, Some("IDEMPOTENCY_KEY_IN_USE")));
    assert!(app.list(&ada).await.is_empty());
    let (status, _, _) = create_keyed(&app, &ada, "other", &json!({"title": "T"})).await;
    assert_eq!(status, 201, "another key is not held up");
    diesel::sql_query("SELECT pg_advisory_unlock_all()").execute(&mut first).unwrap();
    let (status, _, replayed) = create_keyed(&app, &ada, "busy", &json!({"title": "T"})).await;
    assert_eq!((status, replayed), (201, None));
}
