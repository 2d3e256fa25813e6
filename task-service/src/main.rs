//! task-service: reads its configuration, binds its address and serves until SIGTERM.

use task_service::config::Config;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    shared::logging::init("task-service");
    let config = Config::from_env().unwrap_or_else(|e| {
        eprintln!("task-service: {e}");
        std::process::exit(2)
    });
    shared::telemetry::init_from_env("task-service").unwrap_or_else(|e| {
        eprintln!("task-service: {e}");
        std::process::exit(2)
    });
    let listener = std::net::TcpListener::bind(&config.addr)?;
    log::info!("task-service listening on http://{}", listener.local_addr()?);
    let served = task_service::build(config, listener)?.await;
    shared::telemetry::flush();
    served
}
