//! `GET /api/tasks` with filters, sorts and cursor pages; without parameters, today's answer.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, invalid_fields, spawn_app};

async fn list(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let (status, body) = app.get_json(user, &format!("/api/tasks?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

async fn ids(app: &TestApp, user: &TestUser, query: &str) -> Vec<i64> {
    TestApp::ids(&list(app, user, query).await)
}

/// Every page of `query`, following the cursors; the ids in order.
async fn all_pages(app: &TestApp, user: &TestUser, query: &str) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_query = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_owned(),
        };
        let body = list(app, user, &page_query).await;
        seen.extend(TestApp::ids(&body));
        match body.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
        assert!(seen.len() < 10_000, "cursor loop");
    }
}

#[actix_web::test]
async fn without_parameters_the_list_is_todays_every_live_task_in_id_order() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let mut made = Vec::new();
    for (title, due) in [("b", Some("2026-01-01T00:00:00Z")), ("a", None), ("c", Some("2025-01-01T00:00:00Z"))] {
        made.push(app.task(&ada, json!({"title": title, "due_at": due})).await["id"].as_i64().unwrap());
    }
    app.delete(&ada, made[1]).await;
    let (status, body) = app.get_json(&ada, "/api/tasks").await;
    assert_eq!(status, 200);
    assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), ["tasks"], "no next_cursor without limit");
    assert_eq!(TestApp::ids(&body), [made[0], made[2]]);
}

#[actix_web::test]
async fn filters_combine_and_lists_match_any_value() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let past = "2020-06-01T00:00:00Z";
    let future = "2999-06-01T00:00:00Z";
    let specs = [
        json!({"title": "Buy Äpfel", "status": "pending", "priority": "high", "due_at": past}),
        json!({"title": "call bob", "description": "about 100% of it", "status": "in_progress", "priority": "low", "due_at": future}),
        json!({"title": "file_report", "status": "completed", "priority": "urgent", "due_at": past}),
        json!({"title": "Sweep", "description": "ÄPFEL under the table", "status": "pending"}),
    ];
    let mut id = Vec::new();
    for spec in specs {
        id.push(app.task(&ada, spec).await["id"].as_i64().unwrap());
    }
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("status=pending", vec![id[0], id[3]]),
        ("status=pending&status=completed", vec![id[0], id[2], id[3]]),
        ("priority=urgent&priority=low", vec![id[1], id[2]]),
        ("priority=normal", vec![id[3]]),
        ("due_before=2021-01-01T00:00:00Z", vec![id[0], id[2]]),
        ("due_after=2021-01-01T00:00:00%2B01:00", vec![id[1]]),
        ("due_after=2020-06-01T00:00:00Z&due_before=2020-06-01T00:00:01Z", vec![id[0], id[2]]),
        ("overdue=true", vec![id[0]]),
        ("overdue=false", vec![id[1], id[2], id[3]]),
        ("q=%C3%A4pfel", vec![id[0], id[3]]),
        ("q=BOB", vec![id[1]]),
        ("q=100%25", vec![id[1]]),
        ("q=%25", vec![id[1]]),
        ("q=_", vec![id[2]]),
        ("q=e_r", vec![id[2]]),
        ("q=nothing", vec![]),
        ("status=pending&q=sweep", vec![id[3]]),
        ("status=pending&priority=high&overdue=true", vec![id[0]]),
    ];
    for (query, expected) in cases {
        assert_eq!(ids(&app, &ada, query).await, expected, "{query}");
    }
}

#[actix_web::test]
async fn each_sort_orders_by_its_field_ties_by_id_and_undated_tasks_last() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let specs = [
        json!({"title": "banana", "priority": "high", "due_at": "2026-03-01T00:00:00Z"}),
        json!({"title": "Apple", "priority": "low"}),
        json!({"title": "cherry", "priority": "urgent", "due_at": "2026-01-01T00:00:00Z"}),
        json!({"title": "apple", "priority": "high", "due_at": "2026-03-01T00:00:00Z"}),
        json!({"title": "Éclair", "priority": "normal"}),
    ];
    let mut id = Vec::new();
    for spec in specs {
        id.push(app.task(&ada, spec).await["id"].as_i64().unwrap());
    }
    app.update(&ada, id[1], &json!({"description": "touched"})).await;
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("sort=due_at", vec![id[2], id[0], id[3], id[1], id[4]]),
        ("sort=-due_at", vec![id[3], id[0], id[2], id[4], id[1]]),
        ("sort=priority", vec![id[1], id[4], id[0], id[3], id[2]]),
        ("sort=-priority", vec![id[2], id[3], id[0], id[4], id[1]]),
        ("sort=title", vec![id[3], id[1], id[0], id[2], id[4]]),
        ("sort=-title", vec![id[4], id[2], id[0], id[1], id[3]]),
        ("sort=created_at", id.clone()),
        ("sort=-created_at", id.iter().rev().copied().collect()),
        ("sort=-updated_at", vec![id[1], id[4], id[3], id[2], id[0]]),
    ];
    for (query, expected) in cases {
        assert_eq!(ids(&app, &ada, query).await, expected, "{query}");
        for limit in [1, 2, 3] {
            assert_eq!(all_pages(&app, &ada, &format!("{query}&limit={limit}")).await, expected, "{query} by {limit}");
        }
    }
}

#[actix_web::test]
async fn pages_carry_a_cursor_until_the_last() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(app.task(&ada, json!({"title": format!("t{n}")})).await["id"].as_i64().unwrap());
    }
    let first = list(&app, &ada, "limit=2").await;
    assert_eq!(TestApp::ids(&first), made[..2]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = list(&app, &ada, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(TestApp::ids(&second), made[2..4]);
    let last = list(&app, &ada, &format!("limit=2&cursor={}", second["next_cursor"].as_str().unwrap())).await;
    assert_eq!(TestApp::ids(&last), made[4..]);
    assert!(last.get("next_cursor").is_none_or(Value::is_null), "{last}");
    let exact = list(&app, &ada, "limit=5").await;
    assert!(exact.get("next_cursor").is_none_or(Value::is_null), "a full last page has no cursor");
    assert_eq!(
        TestApp::ids(&list(&app, &ada, &format!("cursor={cursor}")).await),
        made[2..],
        "a cursor alone pages by 50"
    );
}

#[actix_web::test]
async fn unknown_repeated_and_bad_parameters_are_422s_naming_them() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    for (query, field) in [
        ("colour=red", "colour"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("limit=1&limit=2", "limit"),
        ("sort=title&sort=due_at", "sort"),
        ("q=a&q=b", "q"),
        ("cursor=a&cursor=b", "cursor"),
        ("overdue=true&overdue=false", "overdue"),
        ("due_before=2026-01-01T00:00:00Z&due_before=2027-01-01T00:00:00Z", "due_before"),
        ("status=done", "status"),
        ("priority=asap", "priority"),
        ("sort=id", "sort"),
        ("sort=--title", "sort"),
        ("overdue=yes", "overdue"),
        ("due_before=2026-01-01", "due_before"),
        ("due_after=2026-01-01T00:00:00", "due_after"),
        ("q=", "q"),
        ("cursor=nonsense", "cursor"),
    ] {
        let (status, body) = app.get_json(&ada, &format!("/api/tasks?{query}")).await;
        assert_eq!((status, invalid_fields(&body)), (422, vec![field]), "{query}: {body}");
    }
}

#[actix_web::test]
async fn a_cursor_works_only_for_its_own_user_sort_and_filters() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    for n in 0..3 {
        app.task(&ada, json!({"title": format!("t{n}"), "priority": "high"})).await;
        app.task(&bob, json!({"title": format!("t{n}"), "priority": "high"})).await;
    }
    let first = list(&app, &ada, "sort=title&priority=high&limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(ids(&app, &ada, &format!("sort=title&priority=high&limit=1&cursor={cursor}")).await.len(), 1);
    let (payload, mac) = cursor.split_once('.').unwrap();
    let tampered = format!("{}.{mac}", &payload[..payload.len() - 1]);
    for (who, query) in [
        (&bob, format!("sort=title&priority=high&limit=1&cursor={cursor}")),
        (&ada, format!("sort=-title&priority=high&limit=1&cursor={cursor}")),
        (&ada, format!("sort=title&priority=low&limit=1&cursor={cursor}")),
        (&ada, format!("sort=title&limit=1&cursor={cursor}")),
        (&ada, format!("sort=title&priority=high&q=t&limit=1&cursor={cursor}")),
        (&ada, format!("sort=title&priority=high&limit=1&cursor={tampered}")),
    ] {
        let (status, body) = app.get_json(who, &format!("/api/tasks?{query}")).await;
        assert_eq!((status, invalid_fields(&body)), (422, vec!["cursor"]), "{query}");
    }
    // The page size is not part of the list: a client may change it between pages.
    assert_eq!(ids(&app, &ada, &format!("sort=title&priority=high&limit=5&cursor={cursor}")).await.len(), 2);
}

/// A small deterministic generator, so that a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Pages through lists while tasks are created, changed and deleted between pages: every task that
/// matched the list throughout (existed before the first page and was never deleted or changed) is
/// seen exactly once: never repeated, never skipped.
#[actix_web::test]
async fn paging_while_tasks_change_never_repeats_or_skips_a_task() {
    let app = spawn_app();
    let ada = app.user("ada@example.com");
    let priorities = ["low", "normal", "high", "urgent"];
    let mut rng = Lcg(17);
    let due = |rng: &mut Lcg| match rng.below(4) {
        0 => Value::Null,
        n => json!(format!("2026-0{}-0{}T00:00:00Z", n, 1 + rng.below(3))),
    };
    for n in 0..40 {
        let spec = json!({
            "title": format!("task {}", rng.below(12)),
            "priority": priorities[rng.below(4) as usize],
            "due_at": due(&mut rng),
            "status": if n % 3 == 0 { "completed" } else { "pending" },
        });
        app.task(&ada, spec).await;
    }
    for query in ["sort=-due_at&status=pending", "sort=due_at", "sort=priority", "sort=-title", "sort=-created_at", ""]
    {
        let before: Vec<i64> = ids(&app, &ada, query).await;
        let mut untouched: HashSet<i64> = before.iter().copied().collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = list(
                &app,
                &ada,
                &format!("{query}&limit=4{}", cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default()),
            )
            .await;
            seen.extend(TestApp::ids(&page));
            let Some(next) = page.get("next_cursor").and_then(Value::as_str) else { break };
            cursor = Some(next.to_owned());
            // Between pages: a create, a change of a sort field and a delete.
            app.task(&ada, json!({"title": format!("new {}", rng.below(12)), "due_at": due(&mut rng), "priority": priorities[rng.below(4) as usize]})).await;
            let live = ids(&app, &ada, "").await;
            let changed = live[rng.below(live.len() as u64) as usize];
            app.update(&ada, changed, &json!({"title": format!("task {}", rng.below(12)), "due_at": due(&mut rng), "priority": priorities[rng.below(4) as usize], "status": "pending"})).await;
            untouched.remove(&changed);
            let deleted = live[rng.below(live.len() as u64) as usize];
            app.delete(&ada, deleted).await;
            untouched.remove(&deleted);
        }
        // A task whose sort field changed may move past the cursor and come again: that is its
        // new place. Every task that matched throughout comes exactly once.
        for id in &untouched {
            let times = seen.iter().filter(|seen| *seen == id).count();
            assert_eq!(times, 1, "{query}: task {id} came {times} times in {seen:?}");
        }
        assert!(untouched.len() > before.len() / 2, "{query}: the test still checks most of the list");
    }
}
