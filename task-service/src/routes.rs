//! The five task endpoints. Each takes the authenticated caller (`AuthUser`) and hands its id to
//! the data layer; a task that is missing, deleted or another user's is the same 404.

use actix_web::{HttpResponse, web};
use diesel::Connection;
use shared::audit::AuditEvent;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::http::{JsonBody, RequestInfo, method_not_allowed};
use shared::{ApiError, ErrorBody};

use crate::models::{CreateTask, NewTask, Task, TaskChanges, TaskList, UpdateTask};
use crate::{MaxTasks, tasks};

const NOT_FOUND: ApiError = ApiError::NotFound("Task not found");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::PathConfig::default().error_handler(|_, _| ApiError::invalid("task_id", "must be an integer").into()),
    )
    .service(shared::health::resource())
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
    db: web::Data<Db>,
    max: web::Data<MaxTasks>,
    user: AuthUser,
    request: RequestInfo,
    body: JsonBody<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let CreateTask { title, description, status } = body.0;
    let new = NewTask { user_id: user.id, title, description, status: status.unwrap_or_default() };
    let (max, event) = (max.0, AuditEvent::new("task_create", "success", &request).user(user.id));
    let (task, event) = db
        .run(move |conn| {
            Ok(conn.transaction(|conn| {
                let Some(task) = tasks::insert_capped(conn, &new, max)? else { return Ok((None, event)) };
                let event = event.task(task.id);
                event.insert(conn)?;
                diesel::QueryResult::Ok((Some(task), event))
            })?)
        })
        .await?;
    let task = task.ok_or_else(|| ApiError::invalid("tasks", format!("a user may hold at most {max} tasks")))?;
    event.log();
    Ok(HttpResponse::Created().json(task))
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
pub async fn list_tasks(db: web::Data<Db>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let tasks = db.run(move |conn| Ok(tasks::list(conn, user.id)?)).await?;
    Ok(HttpResponse::Ok().json(TaskList { tasks }))
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
pub async fn get_task(db: web::Data<Db>, user: AuthUser, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let task = db.run(move |conn| Ok(tasks::find(conn, user.id, id)?)).await?.ok_or(NOT_FOUND)?;
    Ok(HttpResponse::Ok().json(task))
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
    db: web::Data<Db>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<i64>,
    body: JsonBody<UpdateTask>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let changes = TaskChanges::try_from(body.0)?;
    let event = AuditEvent::new("task_update", "success", &request).user(user.id).task(id);
    let logged = event.clone();
    let task = db
        .run(move |conn| {
            Ok(conn.transaction(|conn| {
                let task = tasks::update(conn, user.id, id, &changes)?;
                if task.is_some() {
                    event.insert(conn)?;
                }
                diesel::QueryResult::Ok(task)
            })?)
        })
        .await?
        .ok_or(NOT_FOUND)?;
    logged.log();
    Ok(HttpResponse::Ok().json(task))
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
    db: web::Data<Db>,
    user: AuthUser,
    request: RequestInfo,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let event = AuditEvent::new("task_delete", "success", &request).user(user.id).task(id);
    let logged = event.clone();
    let deleted = db
        .run(move |conn| {
            Ok(conn.transaction(|conn| {
                let deleted = tasks::soft_delete(conn, user.id, id)?;
                if deleted {
                    event.insert(conn)?;
                }
                diesel::QueryResult::Ok(deleted)
            })?)
        })
        .await?;
    if !deleted {
        return Err(NOT_FOUND);
    }
    logged.log();
    Ok(HttpResponse::NoContent().finish())
}
