//! `elbship`: parse the command line, run, exit with the run's code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    elbship::app::run(elbship::cli::Args::parse()).into()
}
