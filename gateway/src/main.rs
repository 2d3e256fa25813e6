//! gateway: reads its configuration, binds its address and serves until SIGTERM.
//! `gateway --print-openapi` prints the merged OpenAPI document instead (`make openapi`).

use gateway::config::Config;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--print-openapi") {
        println!("{}", gateway::docs::openapi().to_pretty_json()?);
        return Ok(());
    }
    shared::logging::init("gateway");
    let config = Config::from_env().unwrap_or_else(|e| {
        eprintln!("gateway: {e}");
        std::process::exit(2)
    });
    let listener = std::net::TcpListener::bind(&config.addr)?;
    log::info!("gateway listening on http://{}", listener.local_addr()?);
    let server = gateway::build(config, listener).unwrap_or_else(|e| {
        eprintln!("gateway: {e}");
        std::process::exit(2)
    });
    server.await
}
