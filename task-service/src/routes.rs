//! The task endpoints. Each takes the authenticated caller (`AuthUser`) and hands its id to the
//! data layer; a task that is missing, deleted or another user's is the same 404 (for the trash:
//! one that is not in the caller's trash).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use shared::audit::{AuditEvent, Outcome};
use shared::auth::AuthUser;
use shared::http::{JsonBody, Query, RequestInfo, method_not_allowed};
use shared::{ApiError, ErrorBody, TaskId};

use crate::body::{BulkRequest, CreateTask, Task, TaskList, TrashList, TrashedTask, UpdateTask, etag};
use crate::idempotency::{self, Answer, IdempotencyKey};
use crate::listing::{ListParams, ListQuery, PageParams};
use crate::model::{BulkAction, TaskEdit};
use crate::preconditions::{IfMatch, IfNoneMatch};
use crate::state::AppState;
use crate::tasks;

/// Mounts the routes with the service's state. The fixed paths (`trash`, `bulk`) come before
/// `/api/tasks/{task_id}`, which would otherwise take them for an id.
pub fn configure(cfg: &mut web::ServiceConfig, state: &web::Data<AppState>) {
    AppState::register(state, cfg);
    cfg.app_data(
        web::PathConfig::default().error_handler(|_, _| ApiError::invalid("task_id", "must be an integer").into()),
    )
    .service(shared::health::resources(state.checks()))
    .service(
        web::resource("/api/tasks")
            .route(web::get().to(list_tasks))
            .route(web::post().to(create_task))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/tasks/trash")
            .route(web::get().to(list_trash))
            .route(web::delete().to(empty_trash))
            .default_service(method_not_allowed("GET, DELETE")),
    )
    .service(
        web::resource("/api/tasks/trash/{task_id}")
            .route(web::delete().to(purge_task))
            .default_service(method_not_allowed("DELETE")),
    )
    .service(web::resource("/api/tasks/bulk").route(web::post().to(bulk)).default_service(method_not_allowed("POST")))
    .service(
        web::resource("/api/tasks/{task_id}")
            .route(web::get().to(get_task))
            .route(web::put().to(update_task))
            .route(web::patch().to(patch_task))
            .route(web::delete().to(delete_task))
            .default_service(method_not_allowed("GET, PUT, PATCH, DELETE")),
    )
    .service(
        web::resource("/api/tasks/{task_id}/restore")
            .route(web::post().to(restore_task))
            .default_service(method_not_allowed("POST")),
    );
}

/// A single-task answer with the task's `ETag`.
fn task_response(status: StatusCode, task: Task) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag(task.version))).json(task)
}

/// Create a task
///
/// With an `Idempotency-Key`, a retry of the same request within 24 hours replays the first
/// answer (`Idempotent-Replayed: true`) and creates nothing.
#[utoipa::path(
    post,
    path = "/api/tasks",
    tag = "tasks",
    request_body = CreateTask,
    params(
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, description = "Makes the create safe to retry: the first answer is kept 24 hours for this user and key"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Task created (or, with `Idempotent-Replayed: true`, the first answer to this key)", body = Task,
            headers(("ETag" = String, description = "The task's version"), ("Idempotent-Replayed" = Option<String>, description = "`true` on a replayed answer"))),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 409, description = "A request with this Idempotency-Key is still being served", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Validation error, the per-user task limit (MAX_TASKS_PER_USER) is reached, or the Idempotency-Key was used for another request (`IDEMPOTENCY_KEY_REUSED`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn create_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    key: IdempotencyKey,
    body: JsonBody<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let fingerprint = format!("POST /api/tasks {}", serde_json::to_string(&body.0).map_err(ApiError::internal)?);
    let (new, max) = (body.0.into_new(user.id, chrono::Utc::now()), state.max_tasks);
    let event = AuditEvent::new("task_create", Outcome::Success, &request).user(user.id);
    let answer = state
        .db
        .audited(event, move |conn, event| {
            idempotency::once(conn, user.id, &key, &fingerprint, event, |conn, event| {
                let task = tasks::insert_capped(conn, &new, max)?;
                event.task_id = Some(task.id);
                Ok(Answer::task(StatusCode::CREATED, &Task::from(task)))
            })
        })
        .await?;
    Ok(answer.into_response())
}

/// List my tasks
///
/// Without parameters: every live task, oldest first, in one answer. Filters combine with AND;
/// a list parameter (`status`, `priority`) may repeat and matches any of its values. With
/// `limit`, the answer is a page with `next_cursor` unless it is the last one; pass it as
/// `cursor` (with the same filters and sort) for the next page.
#[utoipa::path(
    get,
    path = "/api/tasks",
    tag = "tasks",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's tasks", body = TaskList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 422, description = "An unknown, repeated or bad parameter, or a cursor of another list", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn list_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::new(params.0, user.id, &state.cursors)?;
    let (rows, query) = if query.is_everything() {
        (state.reads.run(async |conn| tasks::list_all(conn, user.id).await).await?, query)
    } else {
        state.db.run(move |conn| tasks::list(conn, user.id, &query).map(|rows| (rows, query))).await?
    };
    let (rows, next) = query.page(rows, user.id, &state.cursors);
    Ok(HttpResponse::Ok().json(TaskList::new(rows, next)))
}

/// Get one of my tasks
#[utoipa::path(
    get,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(
        ("task_id" = i64, Path, description = "Task id"),
        ("If-None-Match" = Option<String>, Header, description = "The task's `ETag` as last read: 304 while it is unchanged"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The task", body = Task, headers(("ETag" = String, description = "The task's version"))),
        (status = 304, description = "Unchanged since the `ETag` in `If-None-Match`", headers(("ETag" = String, description = "The task's version"))),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Task not found or not owned by the caller", body = ErrorBody),
        (status = 422, description = "task_id is not an integer", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn get_task(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<TaskId>,
    held: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let task = state.reads.run(async |conn| tasks::find(conn, user.id, id).await).await?;
    if held.holds(task.version) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag(task.version))).finish());
    }
    Ok(task_response(StatusCode::OK, Task::from(task)))
}

/// Update one of my tasks
///
/// Changes only the fields sent and moves `updated_at`. `description: null` and `due_at: null`
/// clear them. With `If-Match`, only if the task is still at that version.
#[utoipa::path(
    put,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(
        ("task_id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on: 412 when the task has changed since"),
    ),
    request_body = UpdateTask,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated task", body = Task, headers(("ETag" = String, description = "The task's new version"))),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Task not found or not owned by the caller", body = ErrorBody),
        (status = 412, description = "`If-Match` names another version (`PRECONDITION_FAILED`); `ETag` is the current one", body = ErrorBody, headers(("ETag" = String, description = "The task's current version"))),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Validation error", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn update_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<TaskId>,
    expected: IfMatch,
    body: JsonBody<UpdateTask>,
) -> Result<HttpResponse, ApiError> {
    edit(state, user, request, path.into_inner(), expected, body.0).await
}

/// Change some fields of one of my tasks
///
/// The same partial update as `PUT`, as `application/json` or `application/merge-patch+json`
/// (RFC 7396: `null` removes a field that may be empty).
#[utoipa::path(
    patch,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(
        ("task_id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on: 412 when the task has changed since"),
    ),
    request_body(content((UpdateTask = "application/json"), (UpdateTask = "application/merge-patch+json"))),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated task", body = Task, headers(("ETag" = String, description = "The task's new version"))),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Task not found or not owned by the caller", body = ErrorBody),
        (status = 412, description = "`If-Match` names another version (`PRECONDITION_FAILED`); `ETag` is the current one", body = ErrorBody, headers(("ETag" = String, description = "The task's current version"))),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Validation error", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn patch_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<TaskId>,
    expected: IfMatch,
    body: JsonBody<UpdateTask>,
) -> Result<HttpResponse, ApiError> {
    edit(state, user, request, path.into_inner(), expected, body.0).await
}

async fn edit(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    id: TaskId,
    expected: IfMatch,
    body: UpdateTask,
) -> Result<HttpResponse, ApiError> {
    let edit = TaskEdit::try_from(body)?;
    let event = AuditEvent::new("task_update", Outcome::Success, &request).user(user.id).task(id);
    let task = state.db.audited(event, move |conn, _| tasks::update(conn, user.id, id, &edit, &expected)).await?;
    Ok(task_response(StatusCode::OK, Task::from(task)))
}

/// Delete one of my tasks
///
/// A soft delete: the task leaves every list at once and waits in the trash, restorable, for
/// 7 days before it is purged.
#[utoipa::path(
    delete,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(
        ("task_id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the delete is based on: 412 when the task has changed since"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted (moved to the trash)", headers(("ETag" = String, description = "The task's version in the trash, for a restore with If-Match"))),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Task not found or not owned by the caller", body = ErrorBody),
        (status = 412, description = "`If-Match` names another version (`PRECONDITION_FAILED`)", body = ErrorBody, headers(("ETag" = String, description = "The task's current version"))),
        (status = 422, description = "task_id is not an integer", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn delete_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<TaskId>,
    expected: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let event = AuditEvent::new("task_delete", Outcome::Success, &request).user(user.id).task(id);
    let version = state.db.audited(event, move |conn, _| tasks::soft_delete(conn, user.id, id, &expected)).await?;
    // The version in the trash, for a restore with If-Match.
    Ok(HttpResponse::NoContent().insert_header((header::ETAG, etag(version))).finish())
}

/// List my trash
///
/// The caller's deleted tasks, most recently deleted first, each with when it was deleted and
/// when it will be purged; paged like the list.
#[utoipa::path(
    get,
    path = "/api/tasks/trash",
    tag = "trash",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's trash", body = TrashList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 422, description = "An unknown, repeated or bad parameter, or a cursor of another list", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn list_trash(
    state: web::Data<AppState>,
    user: AuthUser,
    params: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (query, keep) = (ListQuery::trash(params.0, user.id, &state.cursors)?, state.trash_keep);
    let (rows, query) =
        state.db.run(move |conn| tasks::trash(conn, user.id, &query, keep).map(|rows| (rows, query))).await?;
    let (rows, next_cursor) = query.page(rows, user.id, &state.cursors);
    let tasks = rows.into_iter().filter_map(|row| TrashedTask::new(row, keep)).collect();
    Ok(HttpResponse::Ok().json(TrashList { tasks, next_cursor }))
}

/// Restore a task from my trash
///
/// The task is live again with the same id. With `If-Match`, only if it is still at that version.
#[utoipa::path(
    post,
    path = "/api/tasks/{task_id}/restore",
    tag = "trash",
    params(
        ("task_id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the restore is based on: 412 when the task has changed since"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The restored task", body = Task, headers(("ETag" = String, description = "The task's new version"))),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Not in the caller's trash (never deleted, purged, or another user's)", body = ErrorBody),
        (status = 412, description = "`If-Match` names another version (`PRECONDITION_FAILED`)", body = ErrorBody, headers(("ETag" = String, description = "The task's current version"))),
        (status = 422, description = "task_id is not an integer, or the per-user task limit is reached", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn restore_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<TaskId>,
    expected: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (max, keep) = (state.max_tasks, state.trash_keep);
    let event = AuditEvent::new("task_restore", Outcome::Success, &request).user(user.id).task(id);
    let task = state.db.audited(event, move |conn, _| tasks::restore(conn, user.id, id, &expected, max, keep)).await?;
    Ok(task_response(StatusCode::OK, Task::from(task)))
}

/// Delete a task from my trash for good
#[utoipa::path(
    delete,
    path = "/api/tasks/trash/{task_id}",
    tag = "trash",
    params(("task_id" = i64, Path, description = "Task id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted for good"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Not in the caller's trash", body = ErrorBody),
        (status = 422, description = "task_id is not an integer", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn purge_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<TaskId>,
) -> Result<HttpResponse, ApiError> {
    let (id, keep) = (path.into_inner(), state.trash_keep);
    let event = AuditEvent::new("task_purge", Outcome::Success, &request).user(user.id).task(id);
    state.db.audited(event, move |conn, _| tasks::purge(conn, user.id, id, keep)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Empty my trash
///
/// Deletes every task in the caller's trash for good.
#[utoipa::path(
    delete,
    path = "/api/tasks/trash",
    tag = "trash",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The trash is empty"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn empty_trash(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
) -> Result<HttpResponse, ApiError> {
    let event = AuditEvent::new("trash_empty", Outcome::Success, &request).user(user.id);
    state.db.audited(event, move |conn, _| tasks::empty_trash(conn, user.id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change many of my tasks at once
///
/// One action on up to 100 tasks, all or nothing: when one id is not the caller's live task (or,
/// for `restore`, trashed task), nothing changes and the 404 names it. `update` and `restore`
/// answer the tasks in the order of `ids`; `delete` answers 204. Takes an `Idempotency-Key` like
/// the create.
#[utoipa::path(
    post,
    path = "/api/tasks/bulk",
    tag = "tasks",
    request_body = BulkRequest,
    params(
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, description = "Makes the request safe to retry: the first answer is kept 24 hours for this user and key"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated or restored tasks", body = TaskList,
            headers(("Idempotent-Replayed" = Option<String>, description = "`true` on a replayed answer"))),
        (status = 204, description = "The tasks are in the trash"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "The first id that is not one of the caller's tasks in the needed state", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is still being served", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Validation error, the task limit, or a reused Idempotency-Key", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn bulk(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    key: IdempotencyKey,
    body: JsonBody<BulkRequest>,
) -> Result<HttpResponse, ApiError> {
    let fingerprint = format!("POST /api/tasks/bulk {}", serde_json::to_string(&body.0).map_err(ApiError::internal)?);
    let (ids, action) = <(Vec<TaskId>, BulkAction)>::try_from(body.0)?;
    let name = match action {
        BulkAction::Update(_) => "task_bulk_update",
        BulkAction::Delete => "task_bulk_delete",
        BulkAction::Restore => "task_bulk_restore",
    };
    let (max, keep) = (state.max_tasks, state.trash_keep);
    let event = AuditEvent::new(name, Outcome::Success, &request).user(user.id);
    let answer = state
        .db
        .audited(event, move |conn, event| {
            idempotency::once(conn, user.id, &key, &fingerprint, event, |conn, event| {
                let rows = tasks::bulk(conn, user.id, &ids, &action, max, keep)?;
                event.tasks(&ids);
                Ok(match action {
                    BulkAction::Delete => Answer::empty(StatusCode::NO_CONTENT),
                    _ => Answer::json(StatusCode::OK, &TaskList::new(rows, None)),
                })
            })
        })
        .await?;
    Ok(answer.into_response())
}
