//! Exit codes and the user-facing errors that choose them.

use std::fmt;

/// What the process exit status means (documented in the README and `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything read and written; failure events count as written.
    Success = 0,
    /// An input could not be opened or was corrupt or truncated (the others were processed),
    /// or the output could not be written.
    InputOrOutput = 1,
    /// Bad usage: unknown flag, invalid value.
    Usage = 2,
    /// Some events did not make it: the HTTP sink did not take them (dead-lettered or given
    /// up), or `--strict` and some lines did not parse.
    Incomplete = 3,
    /// `summary --fail-if`: a condition failed (or could not be evaluated).
    GateFailed = 4,
    /// Stopped by SIGINT or SIGTERM (after draining what was in flight).
    Interrupted = 130,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// A mistake on the command line, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
