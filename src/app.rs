//! The `elbship` command as a function: parsed arguments in, exit code out.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::time::Instant;

use crate::cli::{Args, StatsFormat};
use crate::error::ExitCode;
use crate::pipeline::{self, Ending};

/// Runs the command; all diagnostics go to stderr, only events to stdout.
pub fn run(args: Args) -> ExitCode {
    let started = Instant::now();
    let processing_time =
        crate::clock::processing_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref());
    let plan = match args.resolve(processing_time) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("elbship: {e}");
            return ExitCode::Usage;
        }
    };
    let stderr_is_terminal = io::stderr().is_terminal();
    if plan.stdin_only && io::stdin().is_terminal() {
        eprintln!(
            "elbship: reading log lines from the terminal; pass log files, or pipe them in \
             (aws s3 cp s3://bucket/key.log.gz - | elbship). Ctrl-D ends, --help shows more."
        );
    }

    // stdout as a plain file: whole blocks go out in one write, with no line buffering
    let mut stdout = match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => std::fs::File::from(fd),
        Err(e) => {
            eprintln!("elbship: cannot use stdout: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    let mut warn = |message: &str| eprintln!("elbship: {message}");
    let report = match pipeline::run(&plan.config, &mut stdout, &mut warn) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("elbship: cannot write to stdout: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    let _ = stdout.flush();

    let stats = report.stats;
    let format = plan
        .stats
        .or(stderr_is_terminal.then_some(StatsFormat::Text));
    if report.ending == Ending::Complete {
        match format {
            Some(StatsFormat::Text) => eprintln!("{}", stats.to_text(started.elapsed())),
            Some(StatsFormat::Json) => eprintln!("{}", stats.to_json(started.elapsed())),
            None => {}
        }
    }
    if report.ending == Ending::OutputClosed {
        ExitCode::Success
    } else if stats.inputs_failed > 0 {
        ExitCode::InputOrOutput
    } else if plan.strict && stats.parse_failures > 0 {
        ExitCode::ParseFailures
    } else {
        ExitCode::Success
    }
}
