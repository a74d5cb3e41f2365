//! `Config`: every setting, as flags with environment twins; the defaults run the bundled
//! fixtures with no arguments.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// cloudpartner-mock: a local emulator of the Cloud Partner Portal publishing API
/// (api-version 2017-10-31).
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "cloudpartner-mock", version, about)]
pub struct Config {
    /// Address or host name to listen on (a name with several addresses: the first).
    #[arg(long, global = true, env = "CPPMOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on; 0 picks a free port.
    #[arg(long, global = true, env = "CPPMOCK_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Directory of fixture files (*.json, one publisher each) [default: the bundled set,
    /// built into the binary: the repository's fixtures/].
    #[arg(long, global = true, env = "CPPMOCK_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// Base URL that absolute Operation-Location values start with, e.g.
    /// http://cppmock:8080 [default: the request's scheme and Host header].
    #[arg(long, global = true, env = "CPPMOCK_PUBLIC_BASE_URL", value_parser = parse_base_url)]
    pub public_base_url: Option<String>,

    /// Form of the Operation-Location header on 202 answers (Location is always the
    /// host-relative path).
    #[arg(long, global = true, env = "CPPMOCK_OPERATION_LOCATION", value_enum, default_value_t = OperationLocationStyle::Absolute)]
    pub operation_location: OperationLocationStyle,

    /// Which bearer tokens are accepted: any non-empty token, or only those the fixtures
    /// list, each on the publishers that list it (403 elsewhere).
    #[arg(long, global = true, env = "CPPMOCK_AUTH", value_enum, default_value_t = AuthMode::Any)]
    pub auth: AuthMode,

    /// Multiplies every step duration of the fixtures: 0 ends operations at once, 0.01 runs
    /// them 100 times faster.
    #[arg(long, global = true, env = "CPPMOCK_TIME_SCALE", default_value_t = 1.0, value_parser = parse_time_scale)]
    pub time_scale: f64,

    /// Time from a cancel request to the operation's end (seconds, or 500ms, 2s, 1m), before the time scale (a fixture's
    /// cancelSeconds sets it per offer); meanwhile the operation says cancelRequested. With
    /// --cancel-mode sync, cancels take no time.
    #[arg(long, global = true, env = "CPPMOCK_CANCEL_DELAY", default_value_t = 2.0, value_parser = parse_delay)]
    pub cancel_delay: f64,

    /// How a cancel is answered: async answers 202 with the operation's Location and cancels
    /// it after the cancel delay (what clients saw); sync cancels at once and answers 200 (the
    /// 2018 docs).
    #[arg(long, global = true, env = "CPPMOCK_CANCEL_MODE", value_enum, default_value_t = CancelMode::Async)]
    pub cancel_mode: CancelMode,

    /// How an operation that succeeded spells its status.
    #[arg(long, global = true, env = "CPPMOCK_SUCCESS_STATUS", value_enum, default_value_t = SuccessStatus::Complete)]
    pub success_status: SuccessStatus,

    /// PUT rules: lenient accepts a missing If-Match and the read-only legacy core-VM keys
    /// (what clients saw after 2020); strict refuses both with 400, as the docs describe.
    #[arg(long, global = true, env = "CPPMOCK_PUT_MODE", value_enum, default_value_t = PutMode::Lenient)]
    pub put_mode: PutMode,

    /// How many /api requests the journal keeps (the oldest are dropped and counted); 0
    /// turns the journal off.
    #[arg(
        long,
        global = true,
        env = "CPPMOCK_JOURNAL_CAPACITY",
        default_value_t = 1000
    )]
    pub journal_capacity: usize,

    /// The most bytes one world's journal holds (targets, headers and bodies, already cut to
    /// 4 KiB, 16 KiB and 64 KiB a request); past it the oldest entries are dropped and counted.
    /// Bytes, or with a unit: 512KiB, 4MiB, 1GiB.
    #[arg(long, global = true, env = "CPPMOCK_JOURNAL_BYTES", default_value = "4MiB", value_parser = parse_bytes)]
    pub journal_bytes: usize,

    /// How many connections are served at once (kept below the descriptor limit); past it, a
    /// connection is served briefly for `/_mock/health` only (anything else is 503), then
    /// closed.
    #[arg(long, global = true, env = "CPPMOCK_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// The most bytes of request bodies read into memory at once, over every connection; a
    /// body that would go past it is refused with 503 and Retry-After before it is read.
    #[arg(long, global = true, env = "CPPMOCK_BODY_BYTES_IN_FLIGHT", default_value = "64MiB", value_parser = parse_bytes)]
    pub body_bytes_in_flight: usize,

    /// Protects the /_mock control plane (all but /_mock/health): callers must send
    /// `Authorization: Bearer <token>`. Off by default.
    #[arg(
        long,
        global = true,
        env = "CPPMOCK_CONTROL_TOKEN",
        hide_env_values = true
    )]
    pub control_token: Option<String>,

    /// Keep offers and operations in this file and the log beside it (PATH.N.log): each
    /// change appended and synced before it is answered, compacted in the background, read
    /// at start instead of the fixtures' state, so a restart loses nothing. A file that
    /// cannot be read or written stops start-up.
    #[arg(long, global = true, env = "CPPMOCK_STATE_FILE")]
    pub state_file: Option<PathBuf>,

    /// Time (seconds, or 500ms, 2s, 1m) a request's body may take to arrive (past it the answer is 408), and its request
    /// line and headers, or an idle keep-alive connection its next request (past it the
    /// connection closes).
    #[arg(long, global = true, env = "CPPMOCK_REQUEST_TIMEOUT", default_value_t = 60.0, value_parser = parse_timeout)]
    pub request_timeout: f64,

    /// Directory of the mock's certificate authority (made there on first start, reused after;
    /// its key never leaves it) [default: $XDG_DATA_HOME/cloudpartner-mock/ca, else
    /// ~/.local/share/cloudpartner-mock/ca].
    #[arg(long, global = true, env = "CPPMOCK_CA_DIR")]
    pub ca_dir: Option<PathBuf>,

    /// Hosts whose HTTPS the mock answers itself: a CONNECT to one of them (the mock as an
    /// HTTPS proxy) is served with a certificate from the mock's CA; a CONNECT to any other
    /// host is refused. Comma-separated.
    #[arg(
        long,
        global = true,
        env = "CPPMOCK_INTERCEPT_HOST",
        value_delimiter = ',',
        default_values_t = default_intercept_hosts()
    )]
    pub intercept_host: Vec<String>,

    /// Also listen for HTTPS on this port, with the intercepted hosts' certificates (chosen by
    /// SNI); off when absent.
    #[arg(long, global = true, env = "CPPMOCK_HTTPS_PORT")]
    pub https_port: Option<u16>,

    /// Log output: human-readable lines or one JSON object per line.
    #[arg(long, global = true, env = "CPPMOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Lowest level logged (requests are INFO, health checks DEBUG); RUST_LOG, when set,
    /// overrides it with tracing's filter syntax.
    #[arg(long, global = true, env = "CPPMOCK_LOG_LEVEL", value_enum, default_value_t = LogLevel::Info)]
    pub log_level: LogLevel,

    /// Makes operation ids, request ids and the sign-in's trace ids repeatable: each world's
    /// follow from this number and the world's name (docs/repeatable.md).
    #[arg(long, global = true, env = "CPPMOCK_SEED")]
    pub seed: Option<u64>,

    /// Stops the mock's clock at this instant (RFC 3339, e.g. 2026-01-01T00:00:00Z): every
    /// time it answers, the ETags and the Date header with it, stays put but for
    /// /_mock/clock/advance. With --seed, whole answers repeat byte for byte.
    #[arg(long, global = true, env = "CPPMOCK_FROZEN_CLOCK", value_parser = parse_instant)]
    pub frozen_clock: Option<u64>,

    /// How many named worlds (isolated copies of the mock, selected per request) may exist at
    /// once; a request for one more is refused with 429.
    #[arg(long, global = true, env = "CPPMOCK_MAX_WORLDS", default_value_t = 64)]
    pub max_worlds: usize,

    /// Once listening, write the port bound (with --port 0, the one picked) to this file,
    /// as a number and a newline, replacing it whole; `healthcheck` reads it too, so it checks
    /// the port the server was given.
    #[arg(long, global = true, env = "CPPMOCK_PORT_FILE")]
    pub port_file: Option<PathBuf>,
}

impl Config {
    /// A config for tests: a free port on 127.0.0.1, the bundled fixtures, operations that
    /// end as soon as they start (time scale 0), any bearer token accepted; the rest as
    /// [`Config::default`].
    ///
    /// ```
    /// let config = cloudpartner_mock::Config::for_tests();
    /// assert_eq!(config.port, 0);
    /// assert_eq!(config.time_scale, 0.0);
    /// ```
    pub fn for_tests() -> Self {
        Self {
            port: 0,
            time_scale: 0.0,
            ..Self::default()
        }
    }
}

impl Default for Config {
    /// The same values as running with no flags and no environment.
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 8080,
            fixtures: None,
            public_base_url: None,
            operation_location: OperationLocationStyle::Absolute,
            auth: AuthMode::Any,
            time_scale: 1.0,
            cancel_delay: 2.0,
            cancel_mode: CancelMode::Async,
            success_status: SuccessStatus::Complete,
            put_mode: PutMode::Lenient,
            journal_capacity: 1000,
            journal_bytes: 4 << 20,
            max_connections: 1024,
            body_bytes_in_flight: 64 << 20,
            control_token: None,
            state_file: None,
            request_timeout: 60.0,
            ca_dir: None,
            intercept_host: default_intercept_hosts(),
            https_port: None,
            log_format: LogFormat::Text,
            log_level: LogLevel::Info,
            port_file: None,
            max_worlds: 64,
            seed: None,
            frozen_clock: None,
        }
    }
}

/// The form of `Operation-Location` (docs/behaviour.md#location-and-operation-location).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OperationLocationStyle {
    /// The operation's URL on the mock's public base URL.
    Absolute,
    /// The same host-relative path as `Location` (for clients such as devigned/pub that
    /// prefix their own host).
    Relative,
    /// No Operation-Location header.
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    /// Any non-empty bearer token is accepted, on every publisher.
    Any,
    /// Only tokens listed in the fixtures, on the publishers that list them.
    Strict,
}

/// How a cancel is answered (docs/behaviour.md#e10-cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CancelMode {
    /// `202` with the operation's `Location`; canceled after the cancel delay.
    Async,
    /// `200`; canceled as the request is answered.
    Sync,
}

/// The operation status of success (docs/behaviour.md#enumerations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuccessStatus {
    Complete,
    Completed,
    Succeeded,
}

impl SuccessStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SuccessStatus::Complete => "complete",
            SuccessStatus::Completed => "completed",
            SuccessStatus::Succeeded => "succeeded",
        }
    }
}

/// How strictly PUT follows the docs (docs/behaviour.md#concurrency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PutMode {
    Lenient,
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Plain text, one line per event (`pretty` is an older name of it).
    #[value(alias = "pretty")]
    Text,
    /// One JSON object per line.
    Json,
}

/// The lowest level logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    /// The level as tracing's filter syntax spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// The hosts real CPP clients call: the API and Microsoft's identity platform.
fn default_intercept_hosts() -> Vec<String> {
    vec![
        "cloudpartner.azure.com".to_owned(),
        "login.microsoftonline.com".to_owned(),
    ]
}

fn parse_time_scale(value: &str) -> Result<f64, String> {
    let scale: f64 = value
        .parse()
        .map_err(|_| format!("'{value}' is not a number"))?;
    if scale.is_finite() && scale >= 0.0 {
        Ok(scale)
    } else {
        Err(format!("'{value}' is not a finite number ≥ 0"))
    }
}

/// A duration in seconds: a bare number of seconds (what the flags always took) or a number
/// with a unit — `ms`, `s`, `m` or `h` (`500ms`, `2s`, `1h`), as the README's Settings say.
fn seconds(value: &str) -> Result<f64, String> {
    let value = value.trim();
    let (number, scale) = [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)]
        .iter()
        .find_map(|(unit, scale)| value.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((value, 1.0));
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| n * scale)
        .ok_or_else(|| {
            format!("'{value}' is not a duration: seconds (2.5), or a number with ms, s, m or h")
        })
}

/// A size in bytes: a bare number, or one with a unit (`KiB`, `MiB`, `GiB`; `KB`, `MB`, `GB`
/// mean the same powers of 1024).
fn parse_bytes(value: &str) -> Result<usize, String> {
    let trimmed = value.trim();
    let units = [
        ("KiB", 1usize << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("KB", 1 << 10),
        ("MB", 1 << 20),
        ("GB", 1 << 30),
        ("B", 1),
    ];
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| trimmed.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((trimmed, 1));
    number
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{value}' is not a size above 0: bytes (65536), or a whole number with KiB, MiB or GiB"))
}

fn parse_delay(value: &str) -> Result<f64, String> {
    let secs = seconds(value)?;
    if (0.0..=86_400.0).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("'{value}' is not between 0 and 24h"))
    }
}

fn parse_timeout(value: &str) -> Result<f64, String> {
    let secs = seconds(value)?;
    if secs > 0.0 && secs <= 86_400.0 {
        Ok(secs)
    } else {
        Err(format!("'{value}' is not above 0 and at most 24h"))
    }
}

/// An RFC 3339 instant as nanoseconds since the Unix epoch (1970 to 2554).
fn parse_instant(value: &str) -> Result<u64, String> {
    let instant =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
            .map_err(|e| {
                format!("'{value}' is not an RFC 3339 instant such as 2026-01-01T00:00:00Z: {e}")
            })?;
    u64::try_from(instant.unix_timestamp_nanos())
        .map_err(|_| format!("'{value}' is before 1970 or after 2554"))
}

fn parse_base_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| format!("'{value}' must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(format!(
            "'{value}' must be a scheme, a host and an optional path, with no query"
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flags_gives_the_default_config() {
        // Assumes no CPPMOCK_* variable is set, as in CI.
        let parsed = Config::try_parse_from(["cloudpartner-mock"]).expect("parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn every_flag_parses() {
        let parsed = Config::try_parse_from([
            "cloudpartner-mock",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--fixtures",
            "/tmp/f",
            "--public-base-url",
            "http://cppmock:8080/",
            "--operation-location",
            "relative",
            "--auth",
            "strict",
            "--time-scale",
            "0.01",
            "--success-status",
            "succeeded",
            "--cancel-delay",
            "0.5",
            "--cancel-mode",
            "sync",
            "--log-format",
            "json",
            "--put-mode",
            "strict",
            "--journal-capacity",
            "5",
            "--journal-bytes",
            "512KiB",
            "--max-connections",
            "100",
            "--body-bytes-in-flight",
            "1048576",
            "--control-token",
            "secret",
            "--request-timeout",
            "2.5",
            "--state-file",
            "/tmp/state.json",
            "--ca-dir",
            "/tmp/ca",
            "--intercept-host",
            "a.example,b.example",
            "--https-port",
            "8443",
            "--log-level",
            "debug",
            "--port-file",
            "/tmp/port",
            "--seed",
            "7",
            "--frozen-clock",
            "2026-01-01T00:00:00Z",
        ])
        .expect("parses");
        assert_eq!(parsed.host, "0.0.0.0");
        assert_eq!(parsed.port, 0);
        assert_eq!(parsed.fixtures, Some(PathBuf::from("/tmp/f")));
        assert_eq!(
            parsed.public_base_url.as_deref(),
            Some("http://cppmock:8080")
        );
        assert_eq!(parsed.operation_location, OperationLocationStyle::Relative);
        assert_eq!(parsed.auth, AuthMode::Strict);
        assert!((parsed.time_scale - 0.01).abs() < f64::EPSILON);
        assert_eq!(parsed.success_status, SuccessStatus::Succeeded);
        assert!((parsed.cancel_delay - 0.5).abs() < f64::EPSILON);
        assert_eq!(parsed.cancel_mode, CancelMode::Sync);
        assert_eq!(parsed.log_format, LogFormat::Json);
        assert_eq!(parsed.put_mode, PutMode::Strict);
        assert_eq!(parsed.journal_capacity, 5);
        assert_eq!(parsed.journal_bytes, 512 << 10);
        assert_eq!(parsed.max_connections, 100);
        assert_eq!(parsed.body_bytes_in_flight, 1 << 20);
        assert_eq!(parsed.control_token.as_deref(), Some("secret"));
        assert!((parsed.request_timeout - 2.5).abs() < f64::EPSILON);
        assert_eq!(parsed.state_file, Some(PathBuf::from("/tmp/state.json")));
        assert_eq!(parsed.ca_dir, Some(PathBuf::from("/tmp/ca")));
        assert_eq!(parsed.intercept_host, ["a.example", "b.example"]);
        assert_eq!(parsed.https_port, Some(8443));
        assert_eq!(parsed.log_level, LogLevel::Debug);
        assert_eq!(parsed.port_file, Some(PathBuf::from("/tmp/port")));
        assert_eq!(parsed.seed, Some(7));
        assert_eq!(parsed.frozen_clock, Some(1_767_225_600_000_000_000));
    }

    #[test]
    fn durations_take_a_bare_number_of_seconds_or_a_unit() {
        for (given, secs) in [
            ("2", 2.0),
            ("2.5", 2.5),
            ("500ms", 0.5),
            ("2s", 2.0),
            ("1m", 60.0),
            ("1h", 3600.0),
        ] {
            let parsed = Config::try_parse_from(["cloudpartner-mock", "--request-timeout", given])
                .expect("parses");
            assert!((parsed.request_timeout - secs).abs() < 1e-9, "{given}");
            let parsed = Config::try_parse_from(["cloudpartner-mock", "--cancel-delay", given])
                .expect("parses");
            assert!((parsed.cancel_delay - secs).abs() < 1e-9, "{given}");
        }
        for wrong in ["2 days", "s", "1d", "-1s", "25h"] {
            assert!(
                Config::try_parse_from(["cloudpartner-mock", "--cancel-delay", wrong]).is_err(),
                "{wrong}"
            );
        }
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for args in [
            ["--time-scale", "-1"],
            ["--time-scale", "inf"],
            ["--public-base-url", "cppmock:8080"],
            ["--public-base-url", "http://x/?a=b"],
            ["--auth", "maybe"],
            ["--request-timeout", "0"],
            ["--cancel-delay", "-1"],
            ["--cancel-mode", "later"],
            ["--frozen-clock", "yesterday"],
            ["--frozen-clock", "1969-12-31T23:59:59Z"],
            ["--journal-bytes", "0"],
            ["--journal-bytes", "4TB"],
            ["--journal-bytes", "-1"],
            ["--body-bytes-in-flight", "1.5MiB"],
            ["--max-connections", "0"],
        ] {
            let err = Config::try_parse_from(std::iter::once("cloudpartner-mock").chain(args))
                .expect_err("refused");
            assert!(err.to_string().contains(args[1]), "{err}");
        }
    }
}
