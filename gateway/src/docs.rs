//! The API's OpenAPI document, served at `/api/openapi.json`, and Swagger UI at `/docs` (its
//! assets are compiled in: nothing is downloaded at build or run time).
//!
//! The gateway serves the committed `docs/openapi.json`, compiled in, so it does not link the
//! services to generate it. [`merged`] is how that file is made from the services' own documents
//! (`make openapi` runs `examples/openapi.rs`), and a test fails when the two differ.

use utoipa::openapi::{InfoBuilder, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// `docs/openapi.json`, as committed.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// auth-service's and task-service's documents as one API, as clients of the gateway see it.
pub fn merged(auth: OpenApi, tasks: OpenApi) -> OpenApi {
    let mut doc = auth;
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

/// Swagger UI on the committed document, which it also serves at [`OPENAPI_PATH`].
pub fn swagger_ui() -> Result<SwaggerUi, serde_json::Error> {
    let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON)?;
    Ok(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked(OPENAPI_PATH, doc))
}
