//! auth-service's OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "taskhub auth-service", description = "Accounts and access tokens."),
    paths(crate::routes::register, crate::routes::login, shared::health::health),
    components(schemas(shared::ErrorBody, shared::FieldError)),
    tags((name = "auth", description = "Registration and login"), (name = "health", description = "Liveness and database health"))
)]
pub struct ApiDoc;
