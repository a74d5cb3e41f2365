//! `Config`: every setting, as flags with environment twins; the defaults run the bundled
//! fixtures with no arguments.

use std::path::PathBuf;

mod choices;
mod values;

pub use choices::{
    AuthMode, CancelMode, LogFormat, LogLevel, OperationLocationStyle, PutMode, ServiceProfile,
    SuccessStatus,
};

use clap::{CommandFactory, FromArgMatches, Parser};
use values::{
    default_intercept_hosts, parse_base_url, parse_bytes, parse_delay, parse_instant,
    parse_time_scale, parse_timeout,
};

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

    /// Which recorded behaviour of the service, where it changed over the years: 2022 (as it
    /// last answered: a PUT that creates answers 200, an unknown offer's GET Partner
    /// Center's 404 body) or 2018 (as the 2018 documentation says: 201, the CPP error).
    #[arg(long, global = true, env = "CPPMOCK_SERVICE_PROFILE", value_enum, default_value_t = ServiceProfile::Recorded2022)]
    pub service_profile: ServiceProfile,

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
    /// The same values as running with no flags and no environment: clap's own defaults,
    /// read with every flag's environment variable set aside, so they are written once.
    fn default() -> Self {
        let command = Config::command().mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from(["cloudpartner-mock"])
            .expect("every setting has a default or is optional");
        Config::from_arg_matches(&matches).expect("the defaults make a Config")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flags_gives_the_default_config() {
        // Assumes no CPPMOCK_* variable is set, as in CI.
        let parsed = Config::try_parse_from(["cloudpartner-mock"]).expect("parses");
        assert_eq!(parsed, Config::default());
        assert_eq!((parsed.host.as_str(), parsed.port), ("127.0.0.1", 8080));
        assert_eq!(parsed.fixtures, None, "the bundled set");
        assert_eq!(parsed.operation_location, OperationLocationStyle::Absolute);
        assert_eq!(parsed.auth, AuthMode::Any);
        assert_eq!((parsed.time_scale, parsed.cancel_delay), (1.0, 2.0));
        assert_eq!(parsed.cancel_mode, CancelMode::Async);
        assert_eq!(parsed.success_status, SuccessStatus::Complete);
        assert_eq!(parsed.put_mode, PutMode::Lenient);
        assert_eq!(parsed.service_profile, ServiceProfile::Recorded2022);
        assert_eq!(parsed.journal_capacity, 1000);
        assert_eq!(parsed.journal_bytes, 4 << 20);
        assert_eq!(parsed.max_connections, 1024);
        assert_eq!(parsed.body_bytes_in_flight, 64 << 20);
        assert_eq!(parsed.request_timeout, 60.0);
        assert_eq!(
            parsed.intercept_host,
            ["cloudpartner.azure.com", "login.microsoftonline.com"]
        );
        assert_eq!(parsed.max_worlds, 64);
        assert_eq!(
            (parsed.log_format, parsed.log_level),
            (LogFormat::Text, LogLevel::Info)
        );
        assert!(parsed.control_token.is_none() && parsed.state_file.is_none());
        assert!(parsed.seed.is_none() && parsed.frozen_clock.is_none());
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
            "--service-profile",
            "2018",
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
        assert_eq!(parsed.service_profile, ServiceProfile::Documented2018);
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
