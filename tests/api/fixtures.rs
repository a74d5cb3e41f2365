//! Broken fixtures stop start-up with an error naming the file, the JSON path and the reason;
//! no server starts half-loaded.

use std::process::Command;

use cloudpartner_mock::{Config, MockServer, StartError};

use crate::helpers::test_data;

async fn start_error(config: Config) -> StartError {
    match MockServer::start(config).await {
        Ok(server) => panic!("a server started on {}", server.base_url()),
        Err(e) => e,
    }
}

fn config_for(case: &str) -> Config {
    Config {
        port: 0,
        fixtures: Some(test_data(case)),
        ..Config::default()
    }
}

/// (case, file, JSON path, a fragment of the reason)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "syntax",
        "contoso.json",
        "offers",
        "expected `,` or `]` at line 5",
    ),
    (
        "unknown-field",
        "contoso.json",
        "offers[0].stat",
        "unknown field `stat`",
    ),
    (
        "bad-fail-at",
        "contoso.json",
        "offers[1].goLive.failAt",
        "'displaycertify' is not a step of a goLive operation (expected one of: publisher-signoff, live)",
    ),
    (
        "negative-duration",
        "contoso.json",
        "offers[0].goLive.stepSeconds.live",
        "-5 is not a duration in seconds",
    ),
    (
        "duplicate-offer",
        "contoso.json",
        "offers[1].id",
        "offer 'SAME' is defined twice",
    ),
    (
        "duplicate-publisher",
        "b.json",
        "id",
        "publisher 'Contoso' is already defined in",
    ),
    (
        "wrong-type",
        "contoso.json",
        "offers[0].version",
        "invalid type: string \"three\", expected a whole number from 0",
    ),
    (
        "golive-on-draft",
        "contoso.json",
        "offers[0].lastOperation.submissionType",
        "a go-live needs a version waiting in preview",
    ),
    (
        "unknown-state",
        "contoso.json",
        "offers[0].state",
        "unknown variant `published`, expected one of `draft`, `preview`, `live`",
    ),
    (
        "missing-field",
        "contoso.json",
        "offers[0]",
        "missing field `offerTypeId`",
    ),
    (
        "bad-offer-id",
        "contoso.json",
        "offers[0].id",
        "'my offer' is not a valid offer id",
    ),
    (
        "message-without-step",
        "contoso.json",
        "offers[0].publish.failureMessage",
        "needs failAt",
    ),
    (
        "trailing-garbage",
        "contoso.json",
        "",
        "trailing characters at line 2",
    ),
];

#[tokio::test]
async fn every_broken_fixture_is_refused_naming_file_path_and_reason() {
    for &(case, file, path, reason) in CASES {
        let error = start_error(config_for(case)).await;

        let StartError::Fixtures(fixture) = &error else {
            panic!("{case}: not a fixture error: {error}");
        };
        assert!(
            fixture.file.ends_with(&format!("{case}/{file}")),
            "{case}: file {}",
            fixture.file
        );
        assert_eq!(fixture.path, path, "{case}: {error}");
        assert!(fixture.reason.contains(reason), "{case}: {error}");
        let shown = error.to_string();
        assert!(
            shown.contains(file) && shown.contains(reason),
            "{case}: {shown}"
        );
    }
}

#[tokio::test]
async fn a_missing_fixtures_directory_is_refused() {
    let error = start_error(config_for("no-such-directory")).await;

    let shown = error.to_string();
    assert!(shown.contains("no-such-directory"), "{shown}");
    assert!(
        shown.contains("cannot read the fixtures directory"),
        "{shown}"
    );
}

#[tokio::test]
async fn an_empty_fixtures_directory_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");

    let error = start_error(Config {
        port: 0,
        fixtures: Some(dir.path().to_owned()),
        ..Config::default()
    })
    .await;

    assert!(
        error.to_string().contains("holds no *.json fixture file"),
        "{error}"
    );
}

#[test]
fn a_missing_fixtures_directory_is_reported_once_naming_it_and_the_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"))
        .args(["--port", "0", "--fixtures", "/no/such/fixtures"])
        .output()
        .expect("the binary runs");

    assert!(!output.status.success());
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(printed.matches("cannot read").count(), 1, "{printed}");
    assert!(printed.contains("/no/such/fixtures"), "{printed}");
    assert!(printed.contains("--fixtures"), "{printed}");
    assert!(!printed.contains("(document)"), "{printed}");
}

#[test]
fn the_binary_exits_non_zero_and_names_the_file_and_field() {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"))
        .args(["--port", "0", "--fixtures"])
        .arg(test_data("bad-fail-at"))
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad-fail-at/contoso.json"), "{stderr}");
    assert!(stderr.contains("offers[1].goLive.failAt"), "{stderr}");
}
