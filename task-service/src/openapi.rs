//! task-service's OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "taskhub task-service", description = "The caller's own tasks."),
    paths(
        crate::routes::create_task,
        crate::routes::list_tasks,
        crate::routes::get_task,
        crate::routes::update_task,
        crate::routes::patch_task,
        crate::routes::delete_task,
        crate::routes::bulk,
        crate::routes::list_trash,
        crate::routes::restore_task,
        crate::routes::purge_task,
        crate::routes::empty_trash,
        shared::health::health,
    ),
    components(schemas(shared::ErrorBody, shared::FieldError)),
    modifiers(&BearerAuth),
    tags((name = "tasks", description = "Task management"), (name = "trash", description = "Deleted tasks: restore within 7 days, or delete for good"), (name = "health", description = "Liveness and database health"))
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme (an HS256 JWT from `POST /api/auth/login`).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}
