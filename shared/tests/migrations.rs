//! Every migration has a working `down.sql`: up -> down to nothing -> up again leaves the schema
//! intact and usable.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use shared::db;
use shared::testing::TestDb;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn tables(conn: &mut PgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('users', 'tasks')",
    )
    .get_result::<Count>(conn)
    .unwrap()
    .n
}

#[test]
fn migrations_round_trip_up_down_up() {
    let test_db = TestDb::new();
    let mut conn = test_db.conn();
    assert_eq!(tables(&mut conn), 2);

    let mut reverted = Vec::new();
    while let Ok(version) = db::migrate_down(&mut conn) {
        reverted.push(version);
    }
    assert_eq!(reverted.len(), 7, "each migration reverted once: {reverted:?}");
    assert_eq!(tables(&mut conn), 0);

    let applied = db::migrate_up(&mut conn).unwrap();
    assert_eq!(applied.len(), 7);
    assert_eq!(tables(&mut conn), 2);
    assert!(db::migrate_up(&mut conn).unwrap().is_empty(), "a second run applies nothing");
    test_db.execute("INSERT INTO users (email, password_hash) VALUES ('a@b.c', 'x')");
    test_db.execute("INSERT INTO tasks (user_id, title) SELECT id, 't' FROM users");
}

#[test]
fn schema_rejects_what_the_api_would_never_store() {
    let test_db = TestDb::new();
    test_db.execute("INSERT INTO users (email, password_hash) VALUES ('a@b.c', 'x')");
    let mut conn = test_db.conn();
    for bad in [
        "INSERT INTO users (email, password_hash) VALUES ('A@B.C', 'x')",
        "INSERT INTO tasks (user_id, title, status) SELECT id, 't', 'done' FROM users",
        "INSERT INTO tasks (user_id, title) SELECT id, '  ' FROM users",
        "INSERT INTO tasks (user_id, title) VALUES (999, 't')",
        "INSERT INTO tasks (user_id, title, priority) SELECT id, 't', 4 FROM users",
        "INSERT INTO tasks (user_id, title, version) SELECT id, 't', 0 FROM users",
        "INSERT INTO idempotency_keys (user_id, key, request, status, body) VALUES (999, 'k', 'r', 201, '')",
    ] {
        assert!(diesel::sql_query(bad).execute(&mut conn).is_err(), "{bad}");
    }
}

#[test]
fn deleting_a_user_cascades_to_their_tasks() {
    let test_db = TestDb::new();
    test_db.execute("INSERT INTO users (email, password_hash) VALUES ('a@b.c', 'x')");
    test_db.execute("INSERT INTO tasks (user_id, title) SELECT id, 't' FROM users");
    test_db.execute("DELETE FROM users");
    assert_eq!(test_db.execute("SELECT 1 FROM tasks"), 0);
}
