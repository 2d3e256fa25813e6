//! Diesel queries on `tasks`. Every query starts from [`owned_live`], the caller's own live
//! (not soft-deleted) rows: there is no query path that could reach another user's task.

use chrono::Utc;
use diesel::dsl::auto_type;
use diesel::prelude::*;
use shared::db::schema::tasks;
use shared::{TaskId, UserId};

use crate::error::TaskError;
use crate::model::{NewTask, TaskChanges, TaskRow};

/// The rows of `owner` that are not soft-deleted: the filter every task query starts from.
#[auto_type]
fn owned_live(owner: UserId) -> _ {
    tasks::user_id.eq(owner).and(tasks::deleted_at.is_null())
}

/// One of the owner's live tasks, by id.
#[auto_type]
fn owned_live_task(owner: UserId, id: TaskId) -> _ {
    let owned: owned_live = owned_live(owner);
    owned.and(tasks::id.eq(id))
}

/// The owner's live tasks, oldest first.
pub fn list(conn: &mut PgConnection, owner: UserId) -> QueryResult<Vec<TaskRow>> {
    tasks::table.filter(owned_live(owner)).order(tasks::id.asc()).select(TaskRow::as_select()).load(conn)
}

/// One of the owner's live tasks.
pub fn find(conn: &mut PgConnection, owner: UserId, id: TaskId) -> Result<TaskRow, TaskError> {
    tasks::table
        .filter(owned_live_task(owner, id))
        .select(TaskRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(TaskError::NotFound)
}

/// Inserts a task unless its owner already has `max` live tasks, or is no live user (a
/// well-signed token can outlive its account). Run it in a transaction: the owner's advisory
/// lock, taken only when the owner's row is live, makes the count and the insert one step.
pub fn insert_capped(conn: &mut PgConnection, new: &NewTask, max: i64) -> Result<TaskRow, TaskError> {
    let locked = diesel::sql_query("SELECT pg_advisory_xact_lock(id) FROM users WHERE id = $1 AND deleted_at IS NULL")
        .bind::<diesel::sql_types::BigInt, _>(new.user_id)
        .execute(conn)?;
    if locked == 0 {
        return Err(TaskError::OwnerGone);
    }
    let live: i64 = tasks::table.filter(owned_live(new.user_id)).count().get_result(conn)?;
    if live >= max {
        return Err(TaskError::LimitReached { max });
    }
    diesel::insert_into(tasks::table).values(new).returning(TaskRow::as_returning()).get_result(conn).map_err(|e| {
        match e {
            // The account went between the check and the insert.
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _) => {
                TaskError::OwnerGone
            }
            other => TaskError::Database(other),
        }
    })
}

/// Applies `changes` to one of the owner's live tasks.
pub fn update(conn: &mut PgConnection, owner: UserId, id: TaskId, changes: &TaskChanges) -> Result<TaskRow, TaskError> {
    diesel::update(tasks::table.filter(owned_live_task(owner, id)))
        .set(changes)
        .returning(TaskRow::as_returning())
        .get_result(conn)
        .optional()?
        .ok_or(TaskError::NotFound)
}

/// Soft-deletes one of the owner's live tasks.
pub fn soft_delete(conn: &mut PgConnection, owner: UserId, id: TaskId) -> Result<(), TaskError> {
    let now = Utc::now();
    let deleted = diesel::update(tasks::table.filter(owned_live_task(owner, id)))
        .set((tasks::deleted_at.eq(now), tasks::updated_at.eq(now)))
        .execute(conn)?;
    if deleted == 1 { Ok(()) } else { Err(TaskError::NotFound) }
}
