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

/// The binary, started for real with `--port 0` and a port file; stopped with SIGTERM.
struct Running {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Running {
    /// Starts the binary with `args` from an empty directory (its working directory) and
    /// waits for the port file.
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let dir = tempfile::tempdir().expect("a directory");
        let port_file = dir.path().join("port");
        let mut command = binary();
        command
            .current_dir(dir.path())
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .arg("--ca-dir")
            .arg(crate::helpers::test_ca_dir())
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the binary starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse().expect("a port number and a newline");
            }
            if let Some(status) = child.try_wait().expect("waits") {
                panic!("the binary exited ({status}) before it wrote the port file");
            }
            assert!(std::time::Instant::now() < deadline, "no port file in 30 s");
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        Running {
            child,
            port,
            _dir: dir,
        }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the binary with SIGTERM; gives its exit status and all it wrote on stdout.
    fn stop(self) -> (std::process::ExitStatus, String) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(terminated.success());
        let output = self.child.wait_with_output().expect("the binary exits");
        (
            output.status,
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }
}

#[test]
fn from_an_empty_directory_the_binary_serves_its_built_in_fixtures() {
    let server = Running::start(&[], &[]);
    let offer = crate::helpers::raw_get(
        &server.base_url(),
        "/api/publishers/contoso/offers/ready-to-go-live?api-version=2017-10-31",
    );
    let port = server.port;
    let (status, logs) = server.stop();

    assert_eq!(offer, "200");
    assert!(status.success(), "{status}");
    let listening = logs
        .lines()
        .find(|line| line.contains("cloudpartner-mock listening"))
        .unwrap_or_else(|| panic!("no listening line: {logs}"));
    assert!(listening.contains(&format!(" port={port} ")), "{listening}");
    assert!(
        listening.contains("fixtures=\"bundled (built in)\""),
        "{listening}"
    );
}

#[test]
fn a_fixtures_directory_replaces_the_built_in_set_and_the_log_names_it() {
    let fixtures = tempfile::tempdir().expect("a directory");
    std::fs::write(
        fixtures.path().join("solo.json"),
        r#"{"id": "solo", "offers": [{"id": "only", "offerTypeId": "microsoft-azure-corevm"}]}"#,
    )
    .expect("writes");
    let dir = fixtures.path().to_str().expect("UTF-8");
    let server = Running::start(&["--fixtures", dir], &[]);
    let solo = crate::helpers::raw_get(
        &server.base_url(),
        "/api/publishers/solo/offers/only?api-version=2017-10-31",
    );
    let contoso = crate::helpers::raw_get(
        &server.base_url(),
        "/api/publishers/contoso/offers/ready-to-go-live?api-version=2017-10-31",
    );
    let (_, logs) = server.stop();

    assert_eq!((solo.as_str(), contoso.as_str()), ("200", "404"));
    assert!(logs.contains(&format!("fixtures={dir}")), "{logs}");
}

#[test]
fn health_checks_log_at_debug_and_log_level_and_rust_log_choose_the_level() {
    let lines_of = |args: &[&str], env: &[(&str, &str)]| {
        let server = Running::start(args, env);
        for path in ["/_mock/health", "/_mock/health", "/api/nothing"] {
            crate::helpers::raw_get(&server.base_url(), path);
        }
        server.stop().1
    };

    let info = lines_of(&[], &[]);
    let debug = lines_of(&["--log-level", "debug"], &[]);
    let overridden = lines_of(&["--log-level", "debug"], &[("RUST_LOG", "warn")]);

    let count = |logs: &str, path: &str| {
        logs.lines()
            .filter(|line| line.contains(&format!("path={path} ")))
            .count()
    };
    assert_eq!(count(&info, "/_mock/health"), 0, "{info}");
    assert_eq!(count(&info, "/api/nothing"), 1, "{info}");
    assert_eq!(count(&debug, "/_mock/health"), 2, "{debug}");
    assert!(debug.contains(" DEBUG request"), "{debug}");
    assert_eq!(count(&overridden, "/api/nothing"), 0, "{overridden}");
    assert!(!overridden.contains("listening"), "{overridden}");
}

/// An error's request line names its CPP error code; a fault rule's line names the request.
#[test]
fn error_lines_carry_the_error_code_and_fault_lines_the_request_id() {
    use crate::helpers::raw_request;
    let server = Running::start(&[], &[]);
    let base = server.base_url();
    let rule = r#"{"match": {"path": "/api/publishers/fabrikam/**"}, "respond": {"status": 503}}"#;
    let added = raw_request(&base, "POST", "/_mock/faults", &[], rule);
    let faulted = raw_request(
        &base,
        "GET",
        "/api/publishers/fabrikam/offers?api-version=2017-10-31",
        &[("x-request-id", "step-7")],
        "",
    );
    let fine = crate::helpers::raw_get(&base, "/api/publishers?api-version=2017-10-31");
    let (_, logs) = server.stop();

    assert_eq!(
        (added.as_str(), faulted.as_str(), fine.as_str()),
        ("201", "503", "200")
    );
    let line = |needle: &str| {
        logs.lines()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}: {logs}"))
            .to_owned()
    };
    assert!(
        line("fault rule fired").contains("request_id=step-7"),
        "{logs}"
    );
    let error_line = line("path=/api/publishers/fabrikam/offers ");
    assert!(
        error_line.contains("error_code=ServiceUnavailable"),
        "{error_line}"
    );
    assert!(
        !line("path=/api/publishers ").contains("error_code"),
        "{logs}"
    );
}

#[test]
fn healthcheck_follows_the_port_file_whatever_port_it_is_given() {
    let dir = tempfile::tempdir().expect("a directory");
    let port_file = dir.path().join("port");
    let server = Running::start(&[], &[]);
    crate::helpers::raw_get(&server.base_url(), "/_mock/health");
    std::fs::write(&port_file, format!("{}\n", server.port)).expect("writes");
    let healthcheck = |port_file: &std::path::Path| {
        binary()
            .args(["healthcheck", "--port", "1", "--port-file"])
            .arg(port_file)
            .output()
            .expect("runs")
    };

    let followed = healthcheck(&port_file);
    let without_file = healthcheck(&dir.path().join("absent"));
    server.stop();

    assert!(
        followed.status.success(),
        "{}",
        String::from_utf8_lossy(&followed.stderr)
    );
    assert!(!without_file.status.success());
    assert!(
        String::from_utf8_lossy(&without_file.stderr).contains(":1:"),
        "{}",
        String::from_utf8_lossy(&without_file.stderr)
    );
}
