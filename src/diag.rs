//! Diagnostics on stderr that never panic. `eprintln!` aborts the process when stderr cannot
//! be written (`2>/dev/full`, a closed pipe); like ripgrep, elbship ignores a failed write to
//! stderr, so the exit code still tells the truth.

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
        $crate::diag::line(format_args!($($arg)*))
    };
}
