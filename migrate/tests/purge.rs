//! `migrate purge` removes exactly the rows past their retention and nothing younger.

use migrate::{Purged, Retention, purge};
use shared::testing::TestDb;

#[test]
fn purge_removes_exactly_what_is_past_retention() {
    let db = TestDb::new();
    db.execute(
        "INSERT INTO users (email, password_hash) VALUES ('live@x.io', 'h'), ('gone@x.io', 'h'), ('recent@x.io', 'h')",
    );
    db.execute("UPDATE users SET deleted_at = now() - interval '31 days' WHERE email = 'gone@x.io'");
    db.execute("UPDATE users SET deleted_at = now() - interval '29 days' WHERE email = 'recent@x.io'");
    db.execute(
        "INSERT INTO tasks (user_id, title, deleted_at) SELECT id, t, d FROM users, (VALUES \
           ('active', NULL::timestamptz), ('old', now() - interval '8 days'), ('young', now() - interval '6 days')) v(t, d) \
         WHERE email = 'live@x.io'",
    );
    db.execute("INSERT INTO tasks (user_id, title) SELECT id, 'owned by gone' FROM users WHERE email = 'gone@x.io'");
    db.execute(
        "INSERT INTO audit_events (action, outcome, occurred_at) VALUES \
           ('login', 'success', now() - interval '91 days'), ('login', 'success', now() - interval '89 days')",
    );
    db.execute(
        "INSERT INTO login_throttle (key, failures, window_start) VALUES \
           ('account:a', 3, now() - interval '2 days'), ('account:b', 3, now())",
    );
    db.execute(
        "INSERT INTO idempotency_keys (user_id, key, request, status, body, created_at) SELECT id, k, 'r', 201, '{}', c \
         FROM users, (VALUES ('old', now() - interval '25 hours'), ('fresh', now() - interval '23 hours')) v(k, c) \
         WHERE email = 'live@x.io'",
    );

    db.execute(
        "INSERT INTO sessions (user_id, expires_at, ended_at) SELECT id, e, x FROM users, (VALUES \
           (now() + interval '30 days', NULL::timestamptz), (now() + interval '20 days', now() - interval '8 days'), \
           (now() + interval '20 days', now() - interval '6 days'), (now() - interval '8 days', NULL)) v(e, x) \
         WHERE email = 'live@x.io'",
    );

    let purged = purge(&mut db.conn(), &Retention::default()).unwrap();
    let expected =
        Purged { tasks: 1, users: 1, audit_events: 1, throttle_windows: 1, idempotency_keys: 1, sessions: 2 };
    assert_eq!(purged, expected);
    assert_eq!(db.execute("SELECT 1 FROM sessions"), 2, "the live one and the one ended 6 days ago stay");
    assert_eq!(db.execute("SELECT 1 FROM idempotency_keys WHERE key = 'fresh'"), 1);

    assert_eq!(db.execute("SELECT 1 FROM users WHERE email IN ('live@x.io', 'recent@x.io')"), 2);
    assert_eq!(db.execute("SELECT 1 FROM tasks WHERE title IN ('active', 'young')"), 2);
    assert_eq!(db.execute("SELECT 1 FROM tasks"), 2, "the purged user's tasks went with it");
    assert_eq!(db.execute("SELECT 1 FROM audit_events"), 1);
    assert_eq!(db.execute("SELECT 1 FROM login_throttle WHERE key = 'account:b'"), 1);

    assert_eq!(purge(&mut db.conn(), &Retention::default()).unwrap(), Purged::default(), "idempotent");
}

#[test]
fn concurrent_purges_are_safe() {
    let db = TestDb::new();
    db.execute("INSERT INTO audit_events (action, outcome, occurred_at) SELECT 'login', 'success', now() - interval '100 days' FROM generate_series(1, 500)");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = db.conn();
            std::thread::spawn(move || purge(&mut conn, &Retention::default()).unwrap().audit_events)
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 500, "each row removed exactly once");
}
