//! Prints the merged OpenAPI document of the services: `make openapi` writes it to
//! `docs/openapi.json`, which the gateway serves.

use utoipa::OpenApi;

fn main() -> Result<(), serde_json::Error> {
    let doc = gateway::docs::merged(auth_service::openapi::ApiDoc::openapi(), task_service::openapi::ApiDoc::openapi());
    println!("{}", doc.to_pretty_json()?);
    Ok(())
}
