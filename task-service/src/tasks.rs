//! Diesel queries on `tasks`. Every query starts from [`owned_live`] (the caller's own live rows)
//! or [`owned_trashed`] (the caller's own rows in the trash): there is no query path that could
//! reach another user's task. Both also require the caller's account to be live, so a well-signed
//! token that outlived its account sees nothing; when a query finds nothing, [`missing`] (or
//! [`is_live_read`]) tells "no such task" (404) from "no such account" (the contract's 401), off
//! the success path.
//!
//! Which connection a query runs on is in its function's signature (ADR 0008): the cheap
//! statements every client sends (`list_all`, version 1's list, and `find`) are async on the
//! shared, pipelined read connection (`&AsyncPgConnection`), where many go out together; the
//! heavier ones (a filtered or sorted page, a search, the trash: 0.2-3 ms of PostgreSQL each, in
//! the bench) and everything that changes a row take `&mut PgConnection` on a pooled one, where
//! PostgreSQL runs them side by side on every core.
//!
//! A change to one task locks its row (`FOR UPDATE`), checks `If-Match` against the version it
//! read, and writes the new version: of two changes of one version, the second waits for the
//! first and then finds the version moved (412).

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{auto_type, exists, sql};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::AsyncPgConnection;
use shared::db::schema::{tasks, users};
use shared::{TaskId, UserId};

use crate::error::TaskError;
use crate::listing::{After, Filter, ListQuery, SortKey, SortValue};
use crate::model::{BulkAction, NewTask, TaskEdit, TaskRow, TaskStatus};
use crate::preconditions::IfMatch;

/// Whether `owner`'s account is live (PostgreSQL evaluates it once per query, as an init plan).
#[auto_type]
fn owner_live(owner: UserId) -> _ {
    exists(users::table.filter(users::id.eq(owner).and(users::deleted_at.is_null())))
}

/// The rows of `owner` that are not soft-deleted: the filter every live-task query starts from.
#[auto_type]
fn owned_live(owner: UserId) -> _ {
    let live: owner_live = owner_live(owner);
    tasks::user_id.eq(owner).and(tasks::deleted_at.is_null()).and(live)
}

/// One of the owner's live tasks, by id.
#[auto_type]
fn owned_live_task(owner: UserId, id: TaskId) -> _ {
    let owned: owned_live = owned_live(owner);
    owned.and(tasks::id.eq(id))
}

/// The rows of `owner` in the trash: deleted less than `keep` ago (older ones wait for the purge
/// and can no longer be restored).
#[auto_type]
fn owned_trashed(owner: UserId, since: DateTime<Utc>) -> _ {
    let live: owner_live = owner_live(owner);
    tasks::user_id.eq(owner).and(tasks::deleted_at.gt(since).assume_not_null()).and(live)
}

/// `error` (nothing found), or [`TaskError::OwnerGone`] when nothing was found because the
/// caller's account is gone.
fn missing(conn: &mut PgConnection, owner: UserId, error: TaskError) -> TaskError {
    match is_live(conn, owner) {
        Ok(true) => error,
        Ok(false) => TaskError::OwnerGone,
        Err(database) => database.into(),
    }
}

/// Whether `owner`'s account is live, asked on its own (only once a query has found nothing).
fn is_live(conn: &mut PgConnection, owner: UserId) -> QueryResult<bool> {
    diesel::select(owner_live(owner)).get_result(conn)
}

/// [`is_live`] on the read connection.
async fn is_live_read(conn: &AsyncPgConnection, owner: UserId) -> QueryResult<bool> {
    diesel_async::RunQueryDsl::get_result(diesel::select(owner_live(owner)), &mut &*conn).await
}

/// `rows`, unless there are none because the caller's account is gone.
fn unless_gone<T>(conn: &mut PgConnection, owner: UserId, rows: Vec<T>) -> Result<Vec<T>, TaskError> {
    if rows.is_empty() && !is_live(conn, owner)? {
        return Err(TaskError::OwnerGone);
    }
    Ok(rows)
}

type Condition = Box<dyn BoxableExpression<tasks::table, Pg, SqlType = Bool>>;

/// All of the owner's live tasks, oldest first: version 1's list, as one static statement, which
/// Diesel keeps prepared per connection (a boxed query is parsed and planned again each time).
pub async fn list_all(conn: &AsyncPgConnection, owner: UserId) -> Result<Vec<TaskRow>, TaskError> {
    let select = tasks::table.filter(owned_live(owner)).order(tasks::id.asc()).select(TaskRow::as_select());
    let rows = diesel_async::RunQueryDsl::load(select, &mut &*conn).await?;
    if rows.is_empty() && !is_live_read(conn, owner).await? {
        return Err(TaskError::OwnerGone);
    }
    Ok(rows)
}

/// The owner's live tasks that pass `query`'s filters, in its order, from after its cursor:
/// at most `limit + 1` rows (the extra one says a next page exists).
pub fn list(conn: &mut PgConnection, owner: UserId, query: &ListQuery) -> Result<Vec<TaskRow>, TaskError> {
    let mut select = tasks::table.filter(owned_live(owner)).into_boxed();
    for condition in filters(&query.filter, Utc::now()) {
        select = select.filter(condition);
    }
    let rows = page(select, query).select(TaskRow::as_select()).load(conn)?;
    unless_gone(conn, owner, rows)
}

/// The owner's trash, most recently deleted first, paged like the list.
pub fn trash(
    conn: &mut PgConnection,
    owner: UserId,
    query: &ListQuery,
    keep: Duration,
) -> Result<Vec<TaskRow>, TaskError> {
    let select = tasks::table.filter(owned_trashed(owner, Utc::now() - keep)).into_boxed();
    let rows = page(select, query).select(TaskRow::as_select()).load(conn)?;
    unless_gone(conn, owner, rows)
}

/// The filters as SQL conditions. `q` is matched case-insensitively under the ICU root collation
/// (whatever the database's locale), with `%`, `_` and `\` taken literally.
fn filters(filter: &Filter, now: DateTime<Utc>) -> Vec<Condition> {
    let mut conditions: Vec<Condition> = Vec::new();
    if !filter.status.is_empty() {
        conditions.push(Box::new(tasks::status.eq_any(filter.status.clone())));
    }
    if !filter.priority.is_empty() {
        conditions.push(Box::new(tasks::priority.eq_any(filter.priority.clone())));
    }
    if let Some(before) = filter.due_before {
        conditions.push(Box::new(tasks::due_at.lt(before).assume_not_null()));
    }
    if let Some(after) = filter.due_after {
        conditions.push(Box::new(tasks::due_at.ge(after).assume_not_null()));
    }
    match filter.overdue {
        Some(true) => conditions
            .push(Box::new(tasks::due_at.lt(now).assume_not_null().and(tasks::status.ne(TaskStatus::Completed)))),
        Some(false) => conditions.push(Box::new(
            tasks::due_at
                .is_null()
                .or(tasks::due_at.ge(now).assume_not_null())
                .or(tasks::status.eq(TaskStatus::Completed)),
        )),
        None => {}
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        conditions.push(Box::new(
            sql::<Bool>(r#"(tasks.title COLLATE "und-x-icu" ILIKE "#)
                .bind::<Text, _>(pattern.clone())
                .sql(r#" OR tasks.description COLLATE "und-x-icu" ILIKE "#)
                .bind::<Text, _>(pattern)
                .sql(")"),
        ));
    }
    conditions
}

/// Orders `select` by the query's sort (ties by id, the same way), starts it after the cursor and
/// limits it to one row more than the page.
fn page<'a>(mut select: tasks::BoxedQuery<'a, Pg>, query: &ListQuery) -> tasks::BoxedQuery<'a, Pg> {
    let desc = query.sort.descending;
    let title = || sql::<Text>(r#"tasks.title COLLATE "und-x-icu""#);
    macro_rules! order {
        ($column:expr) => {
            if desc {
                select.order(($column.desc(), tasks::id.desc()))
            } else {
                select.order(($column.asc(), tasks::id.asc()))
            }
        };
    }
    select = match query.sort.key {
        SortKey::Id => {
            if desc {
                select.order(tasks::id.desc())
            } else {
                select.order(tasks::id.asc())
            }
        }
        SortKey::CreatedAt => order!(tasks::created_at),
        SortKey::UpdatedAt => order!(tasks::updated_at),
        SortKey::Priority => order!(tasks::priority),
        SortKey::Title => order!(title()),
        SortKey::DeletedAt => order!(tasks::deleted_at),
        SortKey::DueAt if desc => select.order((tasks::due_at.desc().nulls_last(), tasks::id.desc())),
        SortKey::DueAt => select.order((tasks::due_at.asc().nulls_last(), tasks::id.asc())),
    };
    if let Some(after) = &query.after {
        select = select.filter(after_condition(query.sort.key, after, desc));
    }
    match query.limit {
        Some(limit) => select.limit(i64::from(limit) + 1),
        None => select,
    }
}

/// The rows that come after `after` in the order by `key`. `col >= v` is repeated beside the
/// exact condition so that the index scan starts at the cursor rather than filtering its way there.
fn after_condition(key: SortKey, after: &After, desc: bool) -> Condition {
    let id = after.id;
    macro_rules! keyset {
        ($column:expr, $value:expr) => {{
            let value = $value;
            if desc {
                Box::new(
                    $column
                        .le(value.clone())
                        .and($column.lt(value.clone()).or($column.eq(value).and(tasks::id.lt(id)))),
                )
            } else {
                Box::new(
                    $column
                        .ge(value.clone())
                        .and($column.gt(value.clone()).or($column.eq(value).and(tasks::id.gt(id)))),
                )
            }
        }};
    }
    let title = || sql::<Text>(r#"tasks.title COLLATE "und-x-icu""#);
    let later = || -> Condition { if desc { Box::new(tasks::id.lt(id)) } else { Box::new(tasks::id.gt(id)) } };
    match (&after.value, key) {
        (SortValue::Time(at), SortKey::CreatedAt) => keyset!(tasks::created_at, *at),
        (SortValue::Time(at), SortKey::UpdatedAt) => keyset!(tasks::updated_at, *at),
        (SortValue::Time(at), _) => {
            let at = Some(*at);
            if desc {
                Box::new(tasks::deleted_at.lt(at).or(tasks::deleted_at.eq(at).and(tasks::id.lt(id))).assume_not_null())
            } else {
                Box::new(tasks::deleted_at.gt(at).or(tasks::deleted_at.eq(at).and(tasks::id.gt(id))).assume_not_null())
            }
        }
        (SortValue::Rank(priority), _) => keyset!(tasks::priority, *priority),
        (SortValue::Text(text), _) => keyset!(title(), text.clone()),
        // Tasks without a due date come last either way: after one of them come only the others
        // without one; after a dated one come the later-dated ones and then all undated ones.
        (SortValue::MaybeTime(None), _) => Box::new(tasks::due_at.is_null().and(later())),
        (SortValue::MaybeTime(Some(at)), _) => {
            let at = *at;
            let beyond: Condition = if desc {
                Box::new(tasks::due_at.lt(at).assume_not_null())
            } else {
                Box::new(tasks::due_at.gt(at).assume_not_null())
            };
            let tie = tasks::due_at.eq(at).assume_not_null().and(later());
            Box::new(tasks::due_at.is_null().or(beyond).or(tie))
        }
        (SortValue::Id, _) => later(),
    }
}

/// One of the owner's live tasks.
pub async fn find(conn: &AsyncPgConnection, owner: UserId, id: TaskId) -> Result<TaskRow, TaskError> {
    let select = tasks::table.filter(owned_live_task(owner, id)).select(TaskRow::as_select());
    match diesel_async::RunQueryDsl::first(select, &mut &*conn).await.optional()? {
        Some(row) => Ok(row),
        None if is_live_read(conn, owner).await? => Err(TaskError::NotFound),
        None => Err(TaskError::OwnerGone),
    }
}

/// Takes the owner's advisory lock, which makes "count, then add" one step for the task cap,
/// and only when the owner's row is live: a well-signed token can outlive its account.
fn lock_owner(conn: &mut PgConnection, owner: UserId) -> Result<(), TaskError> {
    let locked = diesel::sql_query("SELECT pg_advisory_xact_lock(id) FROM users WHERE id = $1 AND deleted_at IS NULL")
        .bind::<diesel::sql_types::BigInt, _>(owner)
        .execute(conn)?;
    if locked == 0 { Err(TaskError::OwnerGone) } else { Ok(()) }
}

/// Fails unless `owner` has room for `adding` more live tasks under `max`. Call with the owner locked.
fn check_room(conn: &mut PgConnection, owner: UserId, adding: i64, max: i64) -> Result<(), TaskError> {
    let live: i64 = tasks::table.filter(owned_live(owner)).count().get_result(conn)?;
    if live + adding > max { Err(TaskError::LimitReached { max }) } else { Ok(()) }
}

/// Inserts a task unless its owner already has `max` live tasks, or is no live user. Run it in
/// a transaction.
pub fn insert_capped(conn: &mut PgConnection, new: &NewTask, max: i64) -> Result<TaskRow, TaskError> {
    lock_owner(conn, new.user_id)?;
    check_room(conn, new.user_id, 1, max)?;
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

/// The owner's tasks among `ids` that `which` selects, locked for the change, in `ids`' order;
/// fails naming the first id that is not one of them.
fn lock_each(
    conn: &mut PgConnection,
    owner: UserId,
    ids: &[TaskId],
    which: impl FnOnce() -> Condition,
) -> Result<Vec<TaskRow>, TaskError> {
    // Locked in id order, so that two bulk changes of overlapping tasks cannot deadlock.
    let rows: Vec<TaskRow> = tasks::table
        .filter(which())
        .filter(tasks::id.eq_any(ids))
        .order(tasks::id)
        .for_update()
        .select(TaskRow::as_select())
        .load(conn)?;
    let found: Result<Vec<TaskRow>, TaskError> =
        ids.iter().map(|id| rows.iter().find(|row| row.id == *id).cloned().ok_or(TaskError::NotFoundId(*id))).collect();
    found.map_err(|error| missing(conn, owner, error))
}

/// Applies `edit` to the locked `row` and writes its next version.
fn write_edit(conn: &mut PgConnection, row: &TaskRow, edit: &TaskEdit, now: DateTime<Utc>) -> QueryResult<TaskRow> {
    diesel::update(tasks::table.find(row.id))
        .set(edit.changes_for(row, now))
        .returning(TaskRow::as_returning())
        .get_result(conn)
}

/// Locks one of the owner's live tasks and checks `If-Match` against it.
fn lock_live(conn: &mut PgConnection, owner: UserId, id: TaskId, expected: &IfMatch) -> Result<TaskRow, TaskError> {
    let row = tasks::table.filter(owned_live_task(owner, id)).for_update().select(TaskRow::as_select()).first(conn);
    let row = row.optional()?.ok_or_else(|| missing(conn, owner, TaskError::NotFound))?;
    expected.check(row.version)?;
    Ok(row)
}

/// Applies `edit` to one of the owner's live tasks (PUT and PATCH).
pub fn update(
    conn: &mut PgConnection,
    owner: UserId,
    id: TaskId,
    edit: &TaskEdit,
    expected: &IfMatch,
) -> Result<TaskRow, TaskError> {
    let row = lock_live(conn, owner, id, expected)?;
    Ok(write_edit(conn, &row, edit, Utc::now())?)
}

/// Moves the locked `row` to the trash (a soft delete) as its next version, which it returns.
fn write_delete(conn: &mut PgConnection, row: &TaskRow, now: DateTime<Utc>) -> QueryResult<i64> {
    let version = row.version + 1;
    diesel::update(tasks::table.find(row.id))
        .set((tasks::deleted_at.eq(now), tasks::updated_at.eq(now), tasks::version.eq(version)))
        .execute(conn)
        .map(|_| version)
}

/// Soft-deletes one of the owner's live tasks: it goes to the trash. Returns its version there.
pub fn soft_delete(conn: &mut PgConnection, owner: UserId, id: TaskId, expected: &IfMatch) -> Result<i64, TaskError> {
    let row = lock_live(conn, owner, id, expected)?;
    Ok(write_delete(conn, &row, Utc::now())?)
}

/// Brings the locked, trashed `row` back to life as its next version.
fn write_restore(conn: &mut PgConnection, row: &TaskRow, now: DateTime<Utc>) -> QueryResult<TaskRow> {
    diesel::update(tasks::table.find(row.id))
        .set((
            tasks::deleted_at.eq(None::<DateTime<Utc>>),
            tasks::updated_at.eq(now),
            tasks::version.eq(row.version + 1),
        ))
        .returning(TaskRow::as_returning())
        .get_result(conn)
}

/// Restores one of the owner's trashed tasks, within the task cap.
pub fn restore(
    conn: &mut PgConnection,
    owner: UserId,
    id: TaskId,
    expected: &IfMatch,
    max: i64,
    keep: Duration,
) -> Result<TaskRow, TaskError> {
    lock_owner(conn, owner)?;
    let since = Utc::now() - keep;
    let row = tasks::table
        .filter(owned_trashed(owner, since).and(tasks::id.eq(id)))
        .for_update()
        .select(TaskRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(TaskError::NotFound)?;
    expected.check(row.version)?;
    check_room(conn, owner, 1, max)?;
    Ok(write_restore(conn, &row, Utc::now())?)
}

/// Deletes one of the owner's trashed tasks for good.
pub fn purge(conn: &mut PgConnection, owner: UserId, id: TaskId, keep: Duration) -> Result<(), TaskError> {
    let deleted = diesel::delete(tasks::table.filter(owned_trashed(owner, Utc::now() - keep).and(tasks::id.eq(id))))
        .execute(conn)?;
    if deleted == 1 { Ok(()) } else { Err(missing(conn, owner, TaskError::NotFound)) }
}

/// Deletes every task in the owner's trash for good (also those past the retention that the
/// purge has not removed yet); returns how many.
pub fn empty_trash(conn: &mut PgConnection, owner: UserId) -> Result<usize, TaskError> {
    let owned = tasks::user_id.eq(owner).and(tasks::deleted_at.is_not_null()).and(owner_live(owner));
    let deleted = diesel::delete(tasks::table.filter(owned)).execute(conn)?;
    if deleted == 0 && !is_live(conn, owner)? {
        return Err(TaskError::OwnerGone);
    }
    Ok(deleted)
}

/// Applies `action` to every one of `ids` (the owner's live tasks, or trashed ones for a
/// restore), or to none: the first id that is not such a task fails the whole request. Returns
/// the changed tasks in `ids`' order (none for a delete).
pub fn bulk(
    conn: &mut PgConnection,
    owner: UserId,
    ids: &[TaskId],
    action: &BulkAction,
    max: i64,
    keep: Duration,
) -> Result<Vec<TaskRow>, TaskError> {
    let now = Utc::now();
    match action {
        BulkAction::Update(edit) => {
            let rows = lock_each(conn, owner, ids, || Box::new(owned_live(owner)))?;
            Ok(rows.iter().map(|row| write_edit(conn, row, edit, now)).collect::<QueryResult<_>>()?)
        }
        BulkAction::Delete => {
            for row in lock_each(conn, owner, ids, || Box::new(owned_live(owner)))? {
                write_delete(conn, &row, now)?;
            }
            Ok(Vec::new())
        }
        BulkAction::Restore => {
            lock_owner(conn, owner)?;
            let rows = lock_each(conn, owner, ids, || Box::new(owned_trashed(owner, now - keep)))?;
            check_room(conn, owner, rows.len() as i64, max)?;
            Ok(rows.iter().map(|row| write_restore(conn, row, now)).collect::<QueryResult<_>>()?)
        }
    }
}
