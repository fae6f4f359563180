//! The command line: [`args`] declares it for clap (parsing, `--help`, the man page and the
//! completions all come from there), [`values`] parses the values. What the arguments mean
//! for a run is decided in `config`.

pub mod args;
pub mod env;
pub mod help;
pub mod values;

pub use args::*;

/// This process's command line, with a Lambda function's `ELBSHIP_*` variables (see [`env`]);
/// exits 2 with one line when a variable is wrong, as clap does for a wrong flag.
pub fn parse() -> Args {
    use clap::Parser;
    match env::arguments(std::env::args_os().collect(), std::env::vars_os()) {
        Ok(argv) => Args::parse_from(argv),
        Err(e) => {
            crate::messages::error(&e);
            std::process::exit(crate::error::ExitCode::Usage as i32)
        }
    }
}
