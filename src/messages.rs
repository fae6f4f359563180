//! Every diagnostic goes to stderr through here, and none can panic. `eprintln!` aborts the
//! process when stderr cannot be written (`2>/dev/full`, a closed pipe); like ripgrep,
//! elbship ignores a failed write to stderr, so the exit code still tells the truth.
//!
//! [`diag!`](crate::diag) writes one line as given; [`warn`] and [`error`] prefix it with
//! `elbship: `. What the messages say is decided where the problem is known (typed errors
//! carry their own `Display`); the texts that belong to no one module are here.

use std::fmt;
use std::io::Write;

/// Writes one line to stderr, ignoring any error.
pub fn line(args: fmt::Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_fmt(args);
    let _ = stderr.write_all(b"\n");
}

/// `eprintln!` that never panics: `diag!("elbship: {x}")`.
#[macro_export]
macro_rules! diag {
    ($($arg:tt)*) => {
        $crate::messages::line(format_args!($($arg)*))
    };
}

/// `elbship: MESSAGE`: something the user should know; the run goes on.
pub fn warn(message: &dyn fmt::Display) {
    line(format_args!("elbship: {message}"));
}

/// `elbship: MESSAGE`: something failed (the exit code says so too).
pub fn error(message: &dyn fmt::Display) {
    line(format_args!("elbship: {message}"));
}

/// When the only input is stdin and it is a terminal: say so instead of waiting silently.
pub const READING_A_TERMINAL: &str = "reading log lines from the terminal; pass log files, or \
     pipe them in (aws s3 cp s3://bucket/key.log.gz - | elbship). Ctrl-D ends, --help shows more.";
