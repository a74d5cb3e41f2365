//! The `cloudpartner-mock` binary: parse the config, start the server, stop on SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use cloudpartner_mock::{Config, MockServer, init_telemetry, shutdown_signal};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    init_telemetry(config.log_format);
    let fixtures = config.fixtures.display().to_string();
    match MockServer::start(config).await {
        Ok(server) => {
            tracing::info!(address = %server.base_url(), %fixtures, "cloudpartner-mock listening");
            shutdown_signal().await;
            tracing::info!("shutting down");
            server.shutdown().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("cloudpartner-mock: {e}");
            ExitCode::FAILURE
        }
    }
}
