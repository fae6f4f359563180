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

/// How a run ended, as far as the exit code cares. Every command builds one and asks it for
/// the code, so the precedence is written once: a closed stdout (`| head`) is success; then
/// a failed input or output (1), a signal (130), events not delivered or `--strict` failures
/// (3), a failed gate (4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// The reader of stdout went away: the run stopped quietly.
    pub output_closed: bool,
    /// An input could not be read, or an output (stdout, the sink, the dead-letter or
    /// checkpoint file) could not be written or refused the requests.
    pub failed: bool,
    /// SIGINT or SIGTERM stopped the run.
    pub interrupted: bool,
    /// Some events were dead-lettered or are undelivered.
    pub undelivered: bool,
    /// `--strict`, and some lines did not parse.
    pub strict_failures: bool,
    /// `summary --fail-if`: a condition held.
    pub gate_failed: bool,
}

impl RunOutcome {
    pub fn exit_code(&self) -> ExitCode {
        if self.output_closed {
            ExitCode::Success
        } else if self.failed {
            ExitCode::InputOrOutput
        } else if self.interrupted {
            ExitCode::Interrupted
        } else if self.undelivered || self.strict_failures {
            ExitCode::Incomplete
        } else if self.gate_failed {
            ExitCode::GateFailed
        } else {
            ExitCode::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_precedence() {
        let none = RunOutcome::default();
        assert_eq!(none.exit_code(), ExitCode::Success);
        let all = RunOutcome {
            output_closed: false,
            failed: true,
            interrupted: true,
            undelivered: true,
            strict_failures: true,
            gate_failed: true,
        };
        assert_eq!(all.exit_code(), ExitCode::InputOrOutput);
        let stopped = RunOutcome {
            failed: false,
            ..all
        };
        assert_eq!(stopped.exit_code(), ExitCode::Interrupted);
        let incomplete = RunOutcome {
            interrupted: false,
            ..stopped
        };
        assert_eq!(incomplete.exit_code(), ExitCode::Incomplete);
        let strict = RunOutcome {
            undelivered: false,
            ..incomplete
        };
        assert_eq!(strict.exit_code(), ExitCode::Incomplete);
        let gate = RunOutcome {
            strict_failures: false,
            ..strict
        };
        assert_eq!(gate.exit_code(), ExitCode::GateFailed);
        // `| head` ends quietly whatever else happened
        let closed = RunOutcome {
            output_closed: true,
            ..all
        };
        assert_eq!(closed.exit_code(), ExitCode::Success);
        assert_eq!(
            std::process::ExitCode::from(ExitCode::Interrupted),
            std::process::ExitCode::from(130)
        );
    }
}
