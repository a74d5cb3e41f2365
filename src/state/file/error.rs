//! Why a state file cannot be used.

use std::io;

/// A state file that cannot be used: the server does not start rather than replace it.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{path}: cannot read the state file: {source}")]
    Read { path: String, source: io::Error },
    #[error("{path}: cannot write the state file: {source}")]
    Write { path: String, source: io::Error },
    #[error(
        "{path}: the state file is not a state this server wrote ({reason}); move it and its log (the files beside it named after it and ending in .log) away to start from the fixtures"
    )]
    Corrupt { path: String, reason: String },
}
