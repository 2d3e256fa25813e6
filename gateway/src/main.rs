//! gateway: reads its configuration, binds its address and serves until SIGTERM.

use gateway::config::Config;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    shared::logging::init("gateway");
    let config = Config::from_env().unwrap_or_else(|e| {
        eprintln!("gateway: {e}");
        std::process::exit(2)
    });
    shared::telemetry::init_from_env("gateway").unwrap_or_else(|e| {
        eprintln!("gateway: {e}");
        std::process::exit(2)
    });
    let listener = std::net::TcpListener::bind(&config.addr)?;
    log::info!("gateway listening on http://{}", listener.local_addr()?);
    let server = gateway::build(config, listener).unwrap_or_else(|e| {
        eprintln!("gateway: {e}");
        std::process::exit(2)
    });
    let served = server.await;
    shared::telemetry::flush();
    served
}
