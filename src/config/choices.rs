//! The settings that choose among a few named behaviours.

use clap::ValueEnum;

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

/// Which of the service's recorded behaviours the mock has where they changed over its life
/// (docs/behaviour.md#profiles): as it last answered, or as its 2018 documentation says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceProfile {
    /// As the service last answered (recorded 2020–2022): a PUT that creates an offer answers
    /// `200`; `GET` of an unknown offer answers Partner Center's `{"Product": …}` 404.
    #[value(name = "2022")]
    Recorded2022,
    /// As the 2018 documentation describes it: `201` for a PUT that creates, the CPP error
    /// format for every 404.
    #[value(name = "2018")]
    Documented2018,
}
