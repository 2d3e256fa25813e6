//! auth-service: reads its configuration, binds its address and serves until SIGTERM.

use auth_service::config::Config;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    shared::logging::init("auth-service");
    let config = Config::from_env().unwrap_or_else(|e| {
        eprintln!("auth-service: {e}");
        std::process::exit(2)
    });
    shared::telemetry::init_from_env("auth-service").unwrap_or_else(|e| {
        eprintln!("auth-service: {e}");
        std::process::exit(2)
    });
    let listener = std::net::TcpListener::bind(&config.addr)?;
    log::info!("auth-service listening on http://{}", listener.local_addr()?);
    let served = auth_service::build(config, listener)?.await;
    shared::telemetry::flush();
    served
}
