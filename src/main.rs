//! `elbship`: parse the command line, run, exit with the run's code.

fn main() -> std::process::ExitCode {
    elbship::app::run(elbship::cli::parse()).into()
}
