//! Audit trail, metrics, logs, limits and database failure on task-service.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::testing::{LogCapture, TcpProxy};

use crate::helpers::{invalid_fields, parts, spawn_app, spawn_app_with, user_in};

#[actix_web::test]
async fn every_change_is_audited_with_its_user_task_and_request() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let eve = app.user("eve@example.com");
    let (_, task) = app.create(&ada, &json!({"title": "T"})).await;
    let id = task["id"].as_i64().unwrap();
    app.update(&ada, id, &json!({"status": "completed"})).await;
    // Eve's attempts on Ada's task change nothing and so record nothing.
    app.update(&eve, id, &json!({"title": "x"})).await;
    app.delete(&eve, id).await;
    let response = app
        .client
        .delete(format!("{}/api/tasks/{id}", app.url))
        .bearer_auth(&ada.token)
        .header("x-request-id", "del-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    use shared::db::schema::audit_events as audit;
    type Row = (String, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<Row> = audit::table
        .select((audit::action, audit::user_id, audit::task_id, audit::request_id))
        .order(audit::id)
        .load(&mut app.db.conn())
        .unwrap();
    let summary: Vec<(&str, Option<i64>, Option<i64>)> = rows.iter().map(|r| (r.0.as_str(), r.1, r.2)).collect();
    assert_eq!(
        summary,
        vec![
            ("task_create", Some(ada.id), Some(id)),
            ("task_update", Some(ada.id), Some(id)),
            ("task_delete", Some(ada.id), Some(id))
        ]
    );
    assert_eq!(rows[2].3.as_deref(), Some("del-1"));
    assert!(rows.iter().all(|r| r.3.is_some()));
}

#[actix_web::test]
async fn the_task_count_per_user_is_capped() {
    let app = spawn_app_with(|c| c.max_tasks_per_user = 2);
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    for title in ["1", "2"] {
        assert_eq!(app.create(&ada, &json!({"title": title})).await.0, 201);
    }
    let (status, body) = app.create(&ada, &json!({"title": "3"})).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["tasks"]));
    assert_eq!(app.create(&bob, &json!({"title": "b"})).await.0, 201, "the cap is per user");
    let first = app.list(&ada).await[0]["id"].as_i64().unwrap();
    app.delete(&ada, first).await;
    assert_eq!(app.create(&ada, &json!({"title": "3"})).await.0, 201, "deleted tasks free their place");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let (_, task) = app.create(&ada, &json!({"title": "T"})).await;
    app.get(&ada, task["id"].as_i64().unwrap()).await;
    app.get(&ada, 999_999).await;
    let text = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    for expected in [
        r#"http_requests_total{method="POST",route="/api/tasks",status="201",service="task-service"} 1"#,
        r#"http_requests_total{method="GET",route="/api/tasks/{task_id}",status="200",service="task-service"} 1"#,
        r#"http_requests_total{method="GET",route="/api/tasks/{task_id}",status="404",service="task-service"} 1"#,
        r#"db_pool_connections{state="idle",service="task-service"}"#,
        r#"db_pool_waiting{service="task-service"} 0"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
}

#[actix_web::test]
async fn access_and_audit_lines_carry_request_and_user_ids_but_no_token() {
    let logs = LogCapture::install();
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let response = app
        .client
        .post(format!("{}/api/tasks", app.url))
        .bearer_auth(&ada.token)
        .header("x-request-id", "trace-77")
        .json(&json!({"title": "T"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let lines = logs.lines();
    let mine: Vec<&Value> = lines.iter().filter(|l| l["request_id"] == "trace-77").collect();
    assert!(mine.iter().any(|l| l["message"] == "request" && l["status"] == 201 && l["route"] == "/api/tasks"));
    assert!(mine.iter().any(|l| l["message"] == "audit" && l["action"] == "task_create"));
    assert!(mine.iter().all(|l| l["user_id"] == ada.id && l["service"] == "task-service"), "{mine:?}");
    assert!(!logs.text().contains(&ada.token));
}

#[actix_web::test]
async fn a_query_past_the_statement_timeout_gets_504() {
    let app = spawn_app_with(|c| c.database.db_statement_timeout_ms = 300);
    let ada = app.user("ada@example.com");
    let mut blocker = app.db.conn();
    diesel::connection::SimpleConnection::batch_execute(
        &mut blocker,
        "BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE",
    )
    .unwrap();
    let response = app.call(Method::GET, "/api/tasks", Some(&ada.token), None).await;
    diesel::connection::SimpleConnection::batch_execute(&mut blocker, "ROLLBACK").unwrap();
    let (status, body) = parts(response).await;
    assert_eq!((status, body["detail"].as_str()), (504, Some("Database query timed out")));
    assert_eq!(parts(app.call(Method::GET, "/api/tasks", Some(&ada.token), None).await).await.0, 200);
}

/// The database goes away and comes back: 503 + Retry-After meanwhile, 200 after, no restart. The
/// service also starts while the database is unreachable.
#[actix_web::test]
async fn the_service_rides_out_a_database_outage() {
    let db = shared::testing::TestDb::new();
    let proxy = TcpProxy::start(db.server_addr());
    proxy.cut();
    let via_proxy = db.url_via(proxy.addr);
    let app = spawn_app_with(|c| {
        c.database.database_url = via_proxy.into();
        c.database.db_pool_timeout_secs = 1;
    });
    // The app has its own (unused) database; the proxied one is `db`: make the user there.
    let token = user_in(&db, "ada@example.com").token;
    let list = || app.call(Method::GET, "/api/tasks", Some(&token), None);

    let response = list().await;
    assert_eq!(response.status(), 503, "started while the database was down");
    assert_eq!(response.headers()["retry-after"], "5");

    proxy.restore();
    assert_eq!(list().await.status(), 200, "recovered without a restart");

    proxy.cut();
    let response = list().await;
    assert_eq!(response.status(), 503);
    assert_eq!(parts(response).await.1["detail"], "Database unavailable");
    assert_eq!(app.call(Method::GET, "/health", None, None).await.status(), 503);

    proxy.restore();
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(list().await.status(), 200);
    assert_eq!(app.call(Method::GET, "/health", None, None).await.status(), 200);
}

/// A database that goes silent holds the requests already on its connections: a read waits
/// for its answer on the read connection at most the pool timeout, as a request queued for a
/// pooled connection does, and then gets 503 + `Retry-After` instead of waiting as long as the
/// silence lasts.
#[actix_web::test]
async fn requests_queued_behind_a_silent_database_get_503_at_the_pool_timeout() {
    let db = shared::testing::TestDb::new();
    let proxy = TcpProxy::start(db.server_addr());
    let via_proxy = db.url_via(proxy.addr);
    let app = std::rc::Rc::new(spawn_app_with(|c| {
        c.database.database_url = via_proxy.into();
        c.database.db_pool_size = 2;
        c.database.db_pool_timeout_secs = 1;
    }));
    let token = user_in(&db, "ada@example.com").token;
    let list = || app.call(Method::GET, "/api/tasks", Some(&token), None);
    let title = json!({"title": "T"});
    let create = || app.call(Method::POST, "/api/tasks", Some(&token), Some(&title));
    assert_eq!(list().await.status(), 200);
    assert_eq!(create().await.status(), 201, "the pooled connection is open");

    proxy.freeze();
    let held_write = {
        let (app, token) = (app.clone(), token.clone());
        actix_web::rt::spawn(async move {
            app.call(Method::POST, "/api/tasks", Some(&token), Some(&json!({"title": "held"}))).await.status()
        })
    };
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let (read, queued_write) = futures_util::join!(list(), create());
    for response in [read, queued_write] {
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "5");
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    proxy.cut(); // the link breaks for good: the held write ends too, with 503
    assert_eq!(held_write.await.unwrap(), 503);
}
