//! The command line: [`args`] declares it for clap (parsing, `--help`, the man page and the
//! completions all come from there), [`values`] parses the values. What the arguments mean
//! for a run is decided in `config`.

pub mod args;
pub mod help;
pub mod values;

pub use args::*;
