//! The two Dockerfiles: the default one builds with any builder (no stage packs a file from
//! the host's build), and the no-registry one opens with the same base block.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The lines from `# ---- base ----` to `# ---- end of base ----`.
fn base_block(text: &str) -> &str {
    let start = text
        .find("# ---- base ----")
        .expect("the base block starts");
    let end = text
        .find("# ---- end of base ----")
        .expect("the base block ends");
    &text[start..end]
}

#[test]
fn the_default_dockerfile_packs_nothing_from_the_hosts_build() {
    let dockerfile = read("Dockerfile");
    // Docker's classic builder builds every stage before the target: one that copies the
    // host's static binary would fail the default build wherever it is absent.
    assert!(
        !dockerfile
            .lines()
            .any(|line| line.starts_with("COPY") && line.contains("target/")),
        "the Dockerfile copies from target/"
    );
    let last_stage = dockerfile
        .lines()
        .rfind(|line| line.starts_with("FROM "))
        .expect("a stage");
    assert_eq!(
        last_stage, "FROM base AS runtime",
        "the default image is runtime"
    );
}

#[test]
fn the_no_registry_dockerfile_shares_the_base_and_packs_the_hosts_binary() {
    let dockerfile = read("Dockerfile");
    let prebuilt = read("docker/prebuilt.Dockerfile");
    assert_eq!(base_block(&dockerfile), base_block(&prebuilt));
    assert!(prebuilt.contains("COPY target/static/cloudpartner-mock /cloudpartner-mock"));
    assert!(
        !prebuilt.lines().any(|line| line.starts_with("FROM rust")),
        "the no-registry route pulls no image"
    );
}
