//! Diesel queries on `tasks`. Every function takes the owner's id and filters by it, and sees only
//! live (not soft-deleted) rows: there is no query path that could reach another user's task.

use chrono::Utc;
use diesel::prelude::*;
use shared::db::schema::tasks;

use crate::models::{NewTask, Task, TaskChanges};

/// The owner's live tasks, oldest first.
pub fn list(conn: &mut PgConnection, owner: i64) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::user_id.eq(owner))
        .filter(tasks::deleted_at.is_null())
        .order(tasks::id.asc())
        .select(Task::as_select())
        .load(conn)
}

/// One of the owner's live tasks.
pub fn find(conn: &mut PgConnection, owner: i64, id: i64) -> QueryResult<Option<Task>> {
    tasks::table
        .filter(tasks::id.eq(id))
        .filter(tasks::user_id.eq(owner))
        .filter(tasks::deleted_at.is_null())
        .select(Task::as_select())
        .first(conn)
        .optional()
}

/// Inserts a task unless its owner already has `max` live tasks (`None` then). Run it in a
/// transaction: the owner's advisory lock makes the count and the insert one step.
pub fn insert_capped(conn: &mut PgConnection, new: &NewTask, max: i64) -> QueryResult<Option<Task>> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(new.user_id)
        .execute(conn)?;
    let live: i64 = tasks::table
        .filter(tasks::user_id.eq(new.user_id))
        .filter(tasks::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    if live >= max {
        return Ok(None);
    }
    diesel::insert_into(tasks::table).values(new).returning(Task::as_returning()).get_result(conn).map(Some)
}

/// Applies `changes` to one of the owner's live tasks; `None` when there is no such task.
pub fn update(conn: &mut PgConnection, owner: i64, id: i64, changes: &TaskChanges) -> QueryResult<Option<Task>> {
    diesel::update(tasks::table)
        .filter(tasks::id.eq(id))
        .filter(tasks::user_id.eq(owner))
        .filter(tasks::deleted_at.is_null())
        .set(changes)
        .returning(Task::as_returning())
        .get_result(conn)
        .optional()
}

/// Soft-deletes one of the owner's live tasks; `false` when there is no such task.
pub fn soft_delete(conn: &mut PgConnection, owner: i64, id: i64) -> QueryResult<bool> {
    let now = Utc::now();
    let deleted = diesel::update(tasks::table)
        .filter(tasks::id.eq(id))
        .filter(tasks::user_id.eq(owner))
        .filter(tasks::deleted_at.is_null())
        .set((tasks::deleted_at.eq(now), tasks::updated_at.eq(now)))
        .execute(conn)?;
    Ok(deleted == 1)
}
