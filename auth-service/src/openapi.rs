//! auth-service's OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "taskhub auth-service", description = "Accounts, sessions and access tokens."),
    paths(
        crate::routes::sign_in::register,
        crate::routes::sign_in::login,
        crate::routes::sessions::refresh,
        crate::routes::sessions::logout,
        crate::routes::sessions::logout_all,
        crate::routes::sessions::list,
        crate::routes::sessions::end,
        crate::routes::account::me,
        crate::routes::account::change_password,
        crate::routes::account::delete,
        crate::routes::account::events,
        shared::health::health
    ),
    components(schemas(shared::ErrorBody, shared::FieldError)),
    tags(
        (name = "auth", description = "Registration and login"),
        (name = "sessions", description = "Refresh, sign out, and my sessions"),
        (name = "account", description = "My account, password and security log"),
        (name = "health", description = "Liveness and database health")
    )
)]
pub struct ApiDoc;
