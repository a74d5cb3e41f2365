//! The command line as a newcomer uses it: the binary run for real, its exit code and output.

use std::process::Command;

use crate::helpers::spawn_app;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"));
    // What a shell that set nothing would give it.
    for (name, _) in std::env::vars() {
        if name.starts_with("CPPMOCK_") {
            command.env_remove(name);
        }
    }
    command
}

// The server must answer while this test's thread waits for the child: a runtime of two threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_settings_are_taken_after_the_subcommand_too() {
    let app = spawn_app().await;
    let port = app.server.addr().port().to_string();

    let after = binary()
        .args(["healthcheck", "--port", &port])
        .output()
        .expect("runs");
    let before = binary()
        .args(["--port", &port, "healthcheck"])
        .output()
        .expect("runs");
    let help = binary()
        .args(["healthcheck", "--help"])
        .output()
        .expect("runs");

    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    assert!(before.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--port"), "{help}");
    assert!(help.contains("--host"), "{help}");
}

#[test]
fn help_shows_no_secret_from_the_environment() {
    let output = binary()
        .arg("--help")
        .env("CPPMOCK_CONTROL_TOKEN", "s3cret-value")
        .output()
        .expect("runs");

    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(help.contains("CPPMOCK_CONTROL_TOKEN"), "{help}");
    assert!(!help.contains("s3cret-value"), "{help}");
}

#[test]
fn log_formats_are_named_text_and_json_and_pretty_still_works() {
    let help = binary().arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("text"), "{help}");

    for format in ["text", "json", "pretty"] {
        let dir = tempfile::tempdir().expect("a directory");
        let output = binary()
            .args(["--log-format", format, "--ca-dir"])
            .arg(dir.path())
            .args(["ca", "--out"])
            .arg(dir.path().join("ca.pem"))
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let wrong = binary()
        .args(["--log-format", "fancy", "healthcheck"])
        .output()
        .expect("runs");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("text"));
}

#[tokio::test]
async fn a_host_name_is_resolved_and_its_address_bound() {
    let server = cloudpartner_mock::MockServer::start(cloudpartner_mock::Config {
        host: "localhost".to_owned(),
        ..crate::helpers::test_config()
    })
    .await
    .expect("starts on localhost");

    assert!(server.addr().ip().is_loopback(), "{}", server.addr());
    let health = reqwest::get(format!("{}/_mock/health", server.base_url()))
        .await
        .expect("answered");
    assert_eq!(health.status(), 200);
    server.shutdown().await;
}
