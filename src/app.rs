//! The `elbship` command as a function: parsed arguments in, exit code out.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::checkpoint::Checkpoint;
use crate::cli::{Args, Command, RunArgs, StatsFormat, SummaryArgs};
use crate::error::{ExitCode, RunOutcome};
use crate::output::{HttpOptions, HttpSink};
use crate::pipeline::{self, Ending};
use crate::progress;
use crate::summary::Summary;

/// Runs the command; all diagnostics go to stderr, only events (or the report) to stdout.
pub fn run(args: Args) -> ExitCode {
    match args.command {
        Some(Command::Summary(summary)) => run_summary(summary),
        None => run_events(args.run),
    }
}

fn run_events(args: RunArgs) -> ExitCode {
    let started = Instant::now();
    let processing_time =
        crate::clock::processing_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref());
    let mut plan = match args.resolve(processing_time) {
        Ok(plan) => plan,
        Err(e) => {
            crate::diag!("elbship: {e}");
            return ExitCode::Usage;
        }
    };
    if !plan.quiet {
        for remark in &plan.remarks {
            crate::diag!("elbship: {remark}");
        }
    }
    for failure in &plan.failures {
        crate::diag!("elbship: {failure}");
    }
    let inputs_missing = !plan.failures.is_empty();
    let mut checkpoint = match &plan.checkpoint {
        None => None,
        Some((path, interval)) => match Checkpoint::load(path, *interval) {
            Ok(c) => {
                let skipped = c.skip_done(&mut plan.config.inputs);
                if skipped > 0 {
                    crate::diag!(
                        "elbship: {}: skipping {skipped} files already done",
                        path.display()
                    );
                }
                Some(c)
            }
            Err(e) => {
                crate::diag!(
                    "elbship: cannot read the checkpoint {}: {e}",
                    path.display()
                );
                return ExitCode::InputOrOutput;
            }
        },
    };
    hint_if_terminal(plan.stdin_only);
    if let Some(http) = plan.http.take() {
        return ship_http(plan, http, checkpoint, started);
    }
    let mut checkpoint_error: Option<std::io::Error> = None;
    let stderr_is_terminal = io::stderr().is_terminal();

    // stdout as a plain file: whole blocks go out in one write, with no line buffering
    let mut stdout = match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => std::fs::File::from(fd),
        Err(e) => {
            crate::diag!("elbship: cannot use stdout: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    let mut warn = |message: &str| crate::diag!("elbship: {message}");
    let mut done = |input: &crate::input::Finished| {
        if let Some(c) = checkpoint.as_mut() {
            if let Err(e) = c.finished(input) {
                checkpoint_error.get_or_insert(e);
            }
        }
    };
    let progress = show_progress(plan.progress, &mut plan.config, false);
    let result = pipeline::run_with_done(&plan.config, &mut stdout, &mut warn, &mut done);
    progress.finish();
    if let Some(c) = checkpoint.as_mut() {
        if let Err(e) = c.save() {
            checkpoint_error.get_or_insert(e);
        }
    }
    if let (Some(e), Some((path, _))) = (&checkpoint_error, &plan.checkpoint) {
        crate::diag!(
            "elbship: cannot write the checkpoint {}: {e}",
            path.display()
        );
    }
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            crate::diag!("elbship: cannot write to stdout: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    let _ = stdout.flush();

    let stats = report.stats;
    let format = plan
        .stats
        .or((stderr_is_terminal && !plan.quiet).then_some(StatsFormat::Text));
    if report.ending == Ending::Complete {
        match format {
            Some(StatsFormat::Text) => crate::diag!("{}", stats.to_text(started.elapsed())),
            Some(StatsFormat::Json) => crate::diag!("{}", stats.to_json(started.elapsed())),
            None => {}
        }
    }
    RunOutcome {
        output_closed: report.ending == Ending::OutputClosed,
        failed: stats.inputs_failed > 0 || checkpoint_error.is_some() || inputs_missing,
        strict_failures: plan.strict && stats.parse_failures > 0,
        ..RunOutcome::default()
    }
    .exit_code()
}

/// `--output URL`: events to Logstash or `_bulk`; the checkpoint follows acknowledgements, and
/// SIGINT / SIGTERM stop the reading and drain what is in flight.
fn ship_http(
    mut plan: crate::cli::Plan,
    mut http: HttpOptions,
    checkpoint: Option<Checkpoint>,
    started: Instant,
) -> ExitCode {
    let stop = match stop_on_signals() {
        Ok(stop) => stop,
        Err(e) => {
            crate::diag!("elbship: cannot handle signals: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    plan.config.stop = Some(Arc::clone(&stop));
    let dead_letter = http.dead_letter.clone();
    let progress = show_progress(plan.progress, &mut plan.config, true);
    http.progress = plan.config.progress.clone();

    // the checkpoint is written by the sink's thread, as acknowledgements come in
    let checkpoint = Arc::new(Mutex::new((checkpoint, None::<io::Error>)));
    let recorder = Arc::clone(&checkpoint);
    let delivered = Box::new(move |input: &crate::input::Finished| {
        if let Ok(mut guard) = recorder.lock() {
            let (c, error) = &mut *guard;
            if let Some(c) = c.as_mut() {
                if let Err(e) = c.finished(input) {
                    error.get_or_insert(e);
                }
            }
        }
    });
    let sink = match HttpSink::start(http, delivered) {
        Ok(sink) => sink,
        Err(e) => {
            progress.finish();
            crate::diag!("elbship: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    let mut warn = |message: &str| crate::diag!("elbship: {message}");
    let result = pipeline::run_events(
        &plan.config,
        &mut |block| sink.send(block, &stop, plan.drain_timeout),
        &mut warn,
        &mut |input| sink.input_done(input, &stop, plan.drain_timeout),
    );
    if stop.load(Ordering::Relaxed) {
        crate::diag!(
            "elbship: stopping: sending what was read (waiting at most {} s; a second signal aborts)",
            plan.drain_timeout.as_secs_f64()
        );
    }
    let sent = sink.finish(&stop, plan.drain_timeout);
    progress.finish();

    let mut failed = false;
    if let Ok(mut guard) = checkpoint.lock() {
        let (c, error) = &mut *guard;
        if let Some(c) = c.as_mut() {
            if let Err(e) = c.save() {
                error.get_or_insert(e);
            }
        }
        if let (Some(e), Some((path, _))) = (error.as_ref(), &plan.checkpoint) {
            crate::diag!(
                "elbship: cannot write the checkpoint {}: {e}",
                path.display()
            );
            failed = true;
        }
    }
    let stats = match result {
        Ok(report) => Some(report.stats),
        Err(e) => {
            if sent.fatal.is_none() {
                crate::diag!("elbship: {e}");
            }
            failed = true;
            None
        }
    };
    if let Some(fatal) = &sent.fatal {
        crate::diag!("elbship: {fatal}");
        failed = true;
    }
    if let Some(e) = &sent.dead_letter_error {
        crate::diag!("elbship: {e}");
        failed = true;
    }
    if sent.drain_timed_out {
        crate::diag!(
            "elbship: gave up waiting for the requests in flight after {} s (--drain-timeout)",
            plan.drain_timeout.as_secs_f64()
        );
    }
    let delivery = sent.delivery;
    let undelivered = delivery.undelivered();
    let complete = delivery.complete();
    // shown on a terminal, and wherever something went wrong or the run was stopped
    let interrupted = stop.load(Ordering::Relaxed);
    let format = plan.stats.or((io::stderr().is_terminal()
        || !complete
        || delivery.retried > 0
        || interrupted)
        .then_some(StatsFormat::Text));
    let format = if plan.quiet && complete {
        plan.stats
    } else {
        format
    };
    if let Some(format) = format {
        crate::diag!(
            "{}",
            shipping_summary(format, stats.as_ref(), &delivery, started.elapsed())
        );
    }
    if delivery.dead_lettered > 0 {
        if let Some(path) = &dead_letter {
            crate::diag!(
                "elbship: {} events were not delivered; they and the reasons are in {}",
                delivery.dead_lettered,
                path.display()
            );
        }
    }
    if undelivered > 0 {
        let why = match (&dead_letter, &sent.dead_letter_error) {
            (None, _) => "pass --dead-letter FILE to keep such events with the reasons",
            (Some(_), Some(_)) => "the dead-letter file could not be written",
            (Some(_), None) => "they were on the wire when the run gave up on them",
        };
        crate::diag!(
            "elbship: {undelivered} events were not delivered and are in no dead-letter file: {why}"
        );
    }
    RunOutcome {
        failed: failed || stats.is_some_and(|s| s.inputs_failed > 0) || !plan.failures.is_empty(),
        interrupted,
        undelivered: !complete,
        strict_failures: plan.strict && stats.is_some_and(|s| s.parse_failures > 0),
        ..RunOutcome::default()
    }
    .exit_code()
}

/// SIGINT and SIGTERM set the returned flag; a second one, with the flag already set, exits
/// at once with 130.
fn stop_on_signals() -> io::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// The end-of-run summary of an HTTP run: the pipeline's counts (when it got to the end of a
/// block) and the delivery's, as two lines of text or one JSON object.
fn shipping_summary(
    format: StatsFormat,
    stats: Option<&crate::stats::Stats>,
    delivery: &crate::output::Delivery,
    elapsed: std::time::Duration,
) -> String {
    match (format, stats) {
        (StatsFormat::Text, Some(stats)) => {
            format!("{}\n{}", stats.to_text(elapsed), delivery.to_text())
        }
        (StatsFormat::Text, None) => delivery.to_text(),
        (StatsFormat::Json, Some(stats)) => {
            let json = stats.to_json(elapsed);
            let inner = json.strip_suffix('}').unwrap_or(&json);
            format!("{inner},{}}}", delivery.json_fields())
        }
        (StatsFormat::Json, None) => format!("{{{}}}", delivery.json_fields()),
    }
}

/// `elbship summary`: the report on stdout, the gate's verdict on stderr and in the exit code.
fn run_summary(args: SummaryArgs) -> ExitCode {
    let inputs_missing;
    let mut config = match args.config() {
        Ok((config, remarks, failures)) => {
            for failure in &failures {
                crate::diag!("elbship: {failure}");
            }
            inputs_missing = !failures.is_empty();
            if !args.input.quiet {
                for remark in remarks {
                    crate::diag!("elbship: {remark}");
                }
            }
            config
        }
        Err(e) => {
            crate::diag!("elbship: {e}");
            return ExitCode::Usage;
        }
    };
    hint_if_terminal(args.input.is_stdin_only());
    let by = args.by.map(Into::into);
    let work = pipeline::SummarizeBlocks {
        by,
        max_line_bytes: config.max_line_bytes,
        window: config.window,
    };
    let mut total = Summary::default();
    let mut warn = |message: &str| crate::diag!("elbship: {message}");
    let progress = show_progress(args.input.progress_mode(), &mut config, false);
    let report = match pipeline::run_work(
        &config,
        work,
        &mut |part| {
            total.merge(part);
            Ok(())
        },
        &mut warn,
        &mut |_| {},
    ) {
        Ok(r) => r,
        Err(e) => {
            crate::diag!("elbship: {e}");
            return ExitCode::InputOrOutput;
        }
    };
    progress.finish();
    let metrics = total.metrics(report.stats.parse_failures);
    let text = crate::summary::render(&total, &metrics, args.format.into(), args.top, by);
    if let Err(e) = io::stdout().write_all(text.as_bytes()) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            crate::diag!("elbship: cannot write to stdout: {e}");
            return ExitCode::InputOrOutput;
        }
    }
    let failed: Vec<String> = args
        .fail_if
        .iter()
        .filter_map(|c| c.check(&metrics).err())
        .collect();
    for why in &failed {
        crate::diag!("elbship: {why}");
    }
    RunOutcome {
        failed: report.stats.inputs_failed > 0 || inputs_missing,
        gate_failed: !failed.is_empty(),
        ..RunOutcome::default()
    }
    .exit_code()
}

/// Starts the progress display for a run over `config`'s inputs (it sets their counters).
fn show_progress(
    mode: progress::Mode,
    config: &mut pipeline::Config,
    http: bool,
) -> progress::Progress {
    // a person typing lines into the terminal gets the hint, not a spinner drawn over them
    let typing = config.inputs == [crate::input::Input::Stdin] && io::stdin().is_terminal();
    let mode = if typing { progress::Mode::Never } else { mode };
    let counters = std::sync::Arc::new(progress::Counters::default());
    counters.http.store(http, Ordering::Relaxed);
    if mode != progress::Mode::Never {
        config.progress = Some(std::sync::Arc::clone(&counters));
    }
    let total_bytes = config
        .inputs
        .iter()
        .map(|input| match input {
            crate::input::Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            crate::input::Input::Stdin => None,
        })
        .sum::<Option<u64>>();
    progress::Progress::start(mode, counters, config.inputs.len() as u64, total_bytes)
}

/// When the only input is stdin and it is a terminal, say so instead of waiting silently.
fn hint_if_terminal(stdin_only: bool) {
    if stdin_only && io::stdin().is_terminal() {
        crate::diag!(
            "elbship: reading log lines from the terminal; pass log files, or pipe them in \
             (aws s3 cp s3://bucket/key.log.gz - | elbship). Ctrl-D ends, --help shows more."
        );
    }
}
