//! The merged OpenAPI document of both services, served at `/api/openapi.json`, and Swagger UI
//! at `/docs` (its assets are compiled in: nothing is downloaded at build or run time).

use utoipa::OpenApi;
use utoipa::openapi::{InfoBuilder, OpenApi as Document};
use utoipa_swagger_ui::SwaggerUi;

pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// auth-service's and task-service's documents as one API, as clients of the gateway see it.
pub fn openapi() -> Document {
    let mut doc = auth_service::openapi::ApiDoc::openapi();
    let tasks = task_service::openapi::ApiDoc::openapi();
    doc.merge(tasks);
    doc.info = InfoBuilder::new()
        .title("taskhub API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Multi-user task manager. Register, log in for a Bearer token, then manage your own tasks. \
             Every error body is `{detail, error_code?, validation_errors?}`.",
        ))
        .build();
    doc
}

pub fn swagger_ui(doc: Document) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_PATH, doc)
}
