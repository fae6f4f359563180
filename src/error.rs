//! The errors a run reports, typed by where they come from (the command line, an input, the
//! sink), and the one function from how a run ended to its exit code.

use std::fmt;
use std::io;

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

impl ExitCode {
    /// Every code the process can end with, in order; `--help`, the man page and the README's
    /// table are checked against this list (tests/docs.rs).
    pub const ALL: [ExitCode; 6] = [
        ExitCode::Success,
        ExitCode::InputOrOutput,
        ExitCode::Usage,
        ExitCode::Incomplete,
        ExitCode::GateFailed,
        ExitCode::Interrupted,
    ];

    /// What the code tells the user, one paragraph for `--help` and the man page.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => {
                "everything read and written (lines that did not parse are written as failure \
                 events and count as written); also when the output was closed early \
                 (elbship ... | head)"
            }
            ExitCode::InputOrOutput => {
                "an input could not be opened, was corrupt or truncated, or a directory named on \
                 the command line holds no log files (the other inputs were still processed); or \
                 stdout could not be written; or, with --output URL, the sink refused the \
                 requests (400, 401, 403, 404, TLS), answered with a redirect (never followed) \
                 or stayed unreachable past --retry-max-time, or the dead-letter or checkpoint \
                 file could not be written"
            }
            ExitCode::Usage => {
                "usage error: unknown flag or subcommand, bad value, flags that cannot go \
                 together (nothing was read)"
            }
            ExitCode::Incomplete => {
                "some events were not delivered: with --output URL the sink did not take them \
                 (dead-lettered, or counted undelivered); or --strict was given and some lines \
                 did not parse"
            }
            ExitCode::GateFailed => {
                "summary --fail-if: a condition held (or could not be evaluated); an unreadable \
                 input (1) takes precedence"
            }
            ExitCode::Interrupted => {
                "stopped by SIGINT or SIGTERM with --output URL, after sending what was read and \
                 waiting --drain-timeout for the requests in flight (on stdout a signal ends the \
                 run at once, as for any filter)"
            }
        }
    }
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

/// A value on the command line that does not parse; says what the value should look like.
/// (clap prefixes it with the flag and the value.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue(pub String);

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadValue {}

impl From<BadValue> for UsageError {
    fn from(e: BadValue) -> Self {
        UsageError(e.0)
    }
}

/// Why one input was not read to its end. The others are still read, and the run exits 1.
#[derive(Debug)]
pub enum InputError {
    /// It could not be opened.
    Open { name: String, source: io::Error },
    /// It broke while being read (corrupt or truncated gzip, a read error).
    Read {
        name: String,
        gzip: bool,
        source: io::Error,
    },
    /// An `--add-field` key clashes with a field its name sets.
    FieldConflict { name: String, key: String },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Open { name, source } => {
                write!(f, "{name}: cannot open: {}", describe_io_error(source))
            }
            InputError::Read { name, gzip, source } => {
                let what = if *gzip {
                    "corrupt or truncated gzip data"
                } else {
                    "read error"
                };
                write!(f, "{name}: {what}: {}", describe_io_error(source))
            }
            InputError::FieldConflict { name, key } => {
                write!(f, "{name}: --add-field {key} conflicts with a source field")
            }
        }
    }
}

impl std::error::Error for InputError {}

/// An I/O error in words a user can act on.
pub fn describe_io_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::UnexpectedEof => "unexpected end of data (file cut short?)".to_string(),
        _ => e.to_string(),
    }
}

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
