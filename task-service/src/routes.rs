//! The five task endpoints. Each takes the authenticated caller (`AuthUser`) and hands its id to
//! the data layer; a task that is missing, deleted or another user's is the same 404.

use actix_web::{HttpResponse, web};
use shared::audit::{AuditEvent, Outcome};
use shared::auth::AuthUser;
use shared::http::{JsonBody, RequestInfo, method_not_allowed};
use shared::{ApiError, ErrorBody, TaskId};

use crate::body::{CreateTask, Task, TaskList, UpdateTask};
use crate::error::TaskError;
use crate::model::TaskChanges;
use crate::state::AppState;
use crate::tasks;

/// Mounts the routes with the service's state.
pub fn configure(cfg: &mut web::ServiceConfig, state: &web::Data<AppState>) {
    AppState::register(state, cfg);
    cfg.app_data(
        web::PathConfig::default().error_handler(|_, _| ApiError::invalid("task_id", "must be an integer").into()),
    )
    .service(shared::health::resource(state.db.clone()))
    .service(
        web::resource("/api/tasks")
            .route(web::get().to(list_tasks))
            .route(web::post().to(create_task))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/tasks/{task_id}")
            .route(web::get().to(get_task))
            .route(web::put().to(update_task))
            .route(web::delete().to(delete_task))
            .default_service(method_not_allowed("GET, PUT, DELETE")),
    );
}

/// Create a task
#[utoipa::path(
    post,
    path = "/api/tasks",
    tag = "tasks",
    request_body = CreateTask,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Task created", body = Task),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 413, description = "Body larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Validation error, or the per-user task limit (MAX_TASKS_PER_USER) is reached", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn create_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    body: JsonBody<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let (new, max) = (body.0.into_new(user.id), state.max_tasks);
    let event = AuditEvent::new("task_create", Outcome::Success, &request).user(user.id);
    let task = state
        .db
        .audited(event, move |conn, event| {
            let task = tasks::insert_capped(conn, &new, max)?;
            event.task_id = Some(task.id);
            Ok::<_, TaskError>(task)
        })
        .await?;
    Ok(HttpResponse::Created().json(Task::from(task)))
}

/// List my tasks
///
/// The caller's tasks, oldest first. Deleted tasks are not listed.
#[utoipa::path(
    get,
    path = "/api/tasks",
    tag = "tasks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's tasks", body = TaskList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn list_tasks(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let tasks = state.db.run(move |conn| tasks::list(conn, user.id)).await?;
    Ok(HttpResponse::Ok().json(TaskList::from(tasks)))
}

/// Get one of my tasks
#[utoipa::path(
    get,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The task", body = Task),
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
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let task = state.db.run(move |conn| tasks::find(conn, user.id, id)).await?;
    Ok(HttpResponse::Ok().json(Task::from(task)))
}

/// Update one of my tasks
///
/// Changes only the fields sent and moves `updated_at`. `description: null` clears the description.
#[utoipa::path(
    put,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")),
    request_body = UpdateTask,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated task", body = Task),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Task not found or not owned by the caller", body = ErrorBody),
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
    body: JsonBody<UpdateTask>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let changes = TaskChanges::try_from(body.0)?;
    let event = AuditEvent::new("task_update", Outcome::Success, &request).user(user.id).task(id);
    let task = state.db.audited(event, move |conn, _| tasks::update(conn, user.id, id, &changes)).await?;
    Ok(HttpResponse::Ok().json(Task::from(task)))
}

/// Delete one of my tasks
///
/// A soft delete: the task disappears from every endpoint at once and is purged after 7 days.
#[utoipa::path(
    delete,
    path = "/api/tasks/{task_id}",
    tag = "tasks",
    params(("task_id" = i64, Path, description = "Task id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody, example = json!({"detail": "Unauthorized"})),
        (status = 404, description = "Task not found or not owned by the caller", body = ErrorBody),
        (status = 422, description = "task_id is not an integer", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn delete_task(
    state: web::Data<AppState>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<TaskId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let event = AuditEvent::new("task_delete", Outcome::Success, &request).user(user.id).task(id);
    state.db.audited(event, move |conn, _| tasks::soft_delete(conn, user.id, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
