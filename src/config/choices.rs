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
