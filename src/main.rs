//! The `cloudpartner-mock` binary: parse the config, start the server, stop on SIGINT/SIGTERM;
//! or, with `healthcheck`, ask a running server whether it is healthy.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cloudpartner_mock::{
    BUNDLED_FIXTURES, Config, MockServer, ca_certificate, healthcheck, init_telemetry,
    shutdown_signal, write_port_file,
};

/// Requests allocate and free many small buffers; mimalloc does that in a fraction of glibc's
/// time (see the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "cloudpartner-mock", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Exit 0 if the server at --host/--port answers /_mock/health with 200, else 1 (for
    /// container health checks; a wildcard host is checked on loopback).
    Healthcheck,
    /// Print the mock's CA certificate (PEM) from --ca-dir, making the CA first if there is
    /// none, for clients to trust; or write it to a file.
    Ca {
        /// Write the certificate here instead of printing it.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let Cli { config, command } = Cli::parse();
    if let Some(Command::Ca { out }) = command {
        let written = ca_certificate(&config).and_then(|pem| match out {
            Some(path) => std::fs::write(&path, pem)
                .map_err(|e| format!("cannot write {}: {e}", path.display())),
            None => {
                print!("{pem}");
                Ok(())
            }
        });
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cloudpartner-mock ca: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::Healthcheck) = command {
        return match healthcheck(&config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cloudpartner-mock healthcheck: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let logs = init_telemetry(config.log_format, config.log_level);
    let fixtures = match &config.fixtures {
        Some(dir) => dir.display().to_string(),
        None => BUNDLED_FIXTURES.to_owned(),
    };
    let port_file = config.port_file.clone();
    match MockServer::start_on_current_runtime(config).await {
        Ok(server) => {
            let https = server.https_addr().map(|addr| addr.to_string());
            tracing::info!(
                address = %server.base_url(),
                port = server.addr().port(),
                https = https.as_deref().unwrap_or("off"),
                fixtures = fixtures.as_str(),
                console = %format!("{}/_mock/ui", server.base_url()),
                "cloudpartner-mock listening"
            );
            // At once, not with the next batch: wrappers read the port from this line.
            logs.flush();
            if let Some(path) = port_file {
                if let Err(e) = write_port_file(&path, server.addr().port()) {
                    eprintln!(
                        "cloudpartner-mock: cannot write --port-file {}: {e}",
                        path.display()
                    );
                    server.shutdown().await;
                    return ExitCode::FAILURE;
                }
            }
            shutdown_signal().await;
            tracing::info!("shutting down");
            server.shutdown().await;
            ExitCode::SUCCESS
        }
        // Once, on standard error, whatever the log level: the log is not the place for it.
        Err(e) => {
            eprintln!("cloudpartner-mock: {e}");
            ExitCode::FAILURE
        }
    }
}
