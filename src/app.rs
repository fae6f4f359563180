//! The `elbship` command as a function, and its one run path: resolve the plan, say what is
//! worth saying before the run, run the job over the inputs into its sink, report, and turn
//! how it ended into the exit code. Only events (or the summary report) go to stdout.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::checkpoint::{Checkpoint, Recorder};
use crate::cli::Args;
use crate::config::{self, EventsPlan, JobPlan, Now, Output, Plan, SummaryPlan};
use crate::error::{ExitCode, RunOutcome};
use crate::input::Input;
use crate::messages::{self, error, warn};
use crate::output::{HttpSink, Sink, SinkReport, StdoutSink, ToSink};
use crate::pipeline::{self, Ending};
use crate::progress;
use crate::stats::{self, Delivery};
use crate::summary::Summary;

/// Runs the command; all diagnostics go to stderr.
pub fn run(args: Args) -> ExitCode {
    let started = Instant::now();
    tune_malloc();
    let plan = match config::resolve(args, &Now::read(), |k| std::env::var(k).ok()) {
        Ok(plan) => plan,
        Err(e) => {
            error(&e);
            return ExitCode::Usage;
        }
    };
    if !plan.quiet {
        for remark in &plan.remarks {
            warn(remark);
        }
    }
    for failure in &plan.failures {
        error(failure);
    }
    if plan.stdin_only && io::stdin().is_terminal() {
        warn(&messages::READING_A_TERMINAL);
    }
    let mut outcome = match plan.job.clone() {
        JobPlan::Events(events) => run_events(&plan, *events, started),
        JobPlan::Summary(summary) => run_summary(&plan, summary),
        JobPlan::Template {
            schema,
            index_pattern,
        } => print_template(schema, &index_pattern),
        JobPlan::Lambda(lambda) => crate::lambda::run(&plan.engine, *lambda),
    };
    outcome.failed |= !plan.failures.is_empty();
    outcome.exit_code()
}

/// glibc malloc, tuned for a program that allocates per block, not per line (each setting is
/// left to glibc when the user set its variable):
///
/// - `MALLOC_ARENA_MAX` 1: glibc gives each thread that meets a locked arena a new one, up to 8
///   per core, each reserving 64 MiB of address space: under `ulimit -v 128M` that reservation
///   was more than half the limit, and a 4 MiB allocation at the wrong moment aborted the run
///   (2 runs in 20 with the other core busy). One arena costs no measurable contention and the
///   address space stays near what is used (VmPeak 168 MB -> 63 MB for the debug build on
///   64 MB of stdin).
/// - `MALLOC_MMAP_THRESHOLD_` 32 MiB and `MALLOC_TRIM_THRESHOLD_` 64 MiB: with glibc's defaults a
///   freed block buffer (then 1 MiB in, 4 MiB out) went back to the kernel, and the next block's
///   buffer was faulted in again, page by page: 260,000 page faults and 0.9 s of system time
///   for the 1M-line benchmark file at `-j1`. Freed buffers now stay in the heap for the next
///   block (6,400 faults; 1.99 s -> 1.56 s, and 22 % off the 2-thread raw and gzip runs). The
///   peak is unchanged: memory is bounded by what the pipeline holds, and whatever is freed
///   above 64 MiB is still returned.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (variable, param, value) in [
        ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, 1),
        ("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, 32 << 20),
        ("MALLOC_TRIM_THRESHOLD_", libc::M_TRIM_THRESHOLD, 64 << 20),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: mallopt only sets a tunable; it is called before any thread is started
            unsafe {
                libc::mallopt(param, value);
            }
        }
    }
}

/// Events into stdout or an HTTP sink; the checkpoint follows deliveries, and for HTTP,
/// SIGINT / SIGTERM stop the reading and drain what is in flight.
fn run_events(plan: &Plan, events: EventsPlan, started: Instant) -> RunOutcome {
    let mut engine = plan.engine.clone();
    let checkpoint = match &events.checkpoint {
        None => None,
        Some((path, interval)) => match Checkpoint::load(path, *interval) {
            Ok(c) => {
                let skipped = c.skip_done(&mut engine.inputs);
                if skipped > 0 {
                    warn(&format_args!(
                        "{}: skipping {skipped} files already done",
                        path.display()
                    ));
                }
                Some(c)
            }
            Err(e) => {
                error(&format_args!(
                    "cannot read the checkpoint {}: {e}",
                    path.display()
                ));
                return failed();
            }
        },
    };
    let recorder = Recorder::new(checkpoint);
    let http = matches!(events.output, Output::Http(_));
    let stop = if http {
        match stop_on_signals() {
            Ok(stop) => Some(stop),
            Err(e) => {
                error(&format_args!("cannot handle signals: {e}"));
                return failed();
            }
        }
    } else {
        None
    };
    engine.stop = stop.clone();
    let progress = show_progress(plan.progress, &mut engine, http);
    let sink: Result<Box<dyn Sink>, _> = match events.output.clone() {
        Output::Stdout => StdoutSink::new(recorder.delivered()).map(|s| Box::new(s) as _),
        Output::Http(mut options) => {
            options.progress = engine.progress.clone();
            let stop = stop.clone().unwrap_or_default();
            HttpSink::start(*options, recorder.delivered(), stop, events.drain_timeout)
                .map(|s| Box::new(s) as _)
        }
    };
    let mut sink = match sink {
        Ok(sink) => sink,
        Err(e) => {
            progress.finish();
            error(&e);
            return failed();
        }
    };
    let encode = events.encode.clone();
    let result = pipeline::run(&engine, encode, &mut ToSink(sink.as_mut()));
    let interrupted = stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));
    if interrupted {
        error(&format_args!(
            "stopping: sending what was read (waiting at most {} s; a second signal aborts)",
            events.drain_timeout.as_secs_f64()
        ));
    }
    let sunk = sink.finish();
    progress.finish();

    let checkpoint_error = recorder.save();
    if let (Some(e), Some((path, _))) = (&checkpoint_error, &events.checkpoint) {
        error(&format_args!(
            "cannot write the checkpoint {}: {e}",
            path.display()
        ));
    }
    let report = match result {
        Ok(report) => Some(report),
        Err(e) => {
            // a sink that failed says why itself
            if sunk.errors.is_empty() {
                error(&e);
            }
            None
        }
    };
    for e in &sunk.errors {
        error(e);
    }
    if sunk.drain_timed_out {
        error(&format_args!(
            "gave up waiting for the requests in flight after {} s (--drain-timeout)",
            events.drain_timeout.as_secs_f64()
        ));
    }
    let stats = report.as_ref().map(|r| r.stats);
    let output_closed = report
        .as_ref()
        .is_some_and(|r| r.ending == Ending::OutputClosed);
    if !output_closed {
        report_end(plan, &events, stats.as_ref(), &sunk, interrupted, started);
    }
    RunOutcome {
        output_closed,
        failed: report.is_none()
            || !sunk.errors.is_empty()
            || checkpoint_error.is_some()
            || stats.is_some_and(|s| s.inputs_failed > 0),
        interrupted,
        undelivered: sunk.delivery.is_some_and(|d| !d.complete()),
        strict_failures: events.strict && stats.is_some_and(|s| s.parse_failures > 0),
        ..RunOutcome::default()
    }
}

/// The end-of-run counts on stderr: when asked for (`--stats`), on a terminal, and whenever
/// a sink did not deliver everything, retried, or was stopped; then where the events that
/// were not delivered are.
fn report_end(
    plan: &Plan,
    events: &EventsPlan,
    stats: Option<&stats::Stats>,
    sunk: &SinkReport,
    interrupted: bool,
    started: Instant,
) {
    let delivery = sunk.delivery.as_ref();
    let incomplete = delivery.is_some_and(|d| !d.complete());
    let trouble = incomplete || delivery.is_some_and(|d| d.retried > 0) || interrupted;
    let shown = if plan.quiet {
        incomplete
    } else {
        io::stderr().is_terminal() || trouble
    };
    let format = events.stats.or(shown.then_some(stats::Format::Text));
    if let Some(format) = format.filter(|_| stats.is_some() || delivery.is_some()) {
        crate::diag!(
            "{}",
            stats::render(
                format,
                stats,
                delivery,
                crate::input::s3::counters().as_ref(),
                started.elapsed()
            )
        );
    }
    if let Some(delivery) = delivery {
        report_losses(delivery, events, sunk);
    }
}

/// Where the events that were not delivered are, or that they are nowhere.
fn report_losses(delivery: &Delivery, events: &EventsPlan, sunk: &SinkReport) {
    let Output::Http(options) = &events.output else {
        return;
    };
    let dead_letter = options.dead_letter.as_ref();
    if delivery.dead_lettered > 0 {
        if let Some(path) = dead_letter {
            error(&format_args!(
                "{} events were not delivered; they and the reasons are in {}",
                delivery.dead_lettered,
                path.display()
            ));
        }
    }
    let undelivered = delivery.undelivered();
    if undelivered > 0 {
        let dead_letter_failed = sunk
            .errors
            .iter()
            .any(|e| matches!(e, crate::output::SinkError::DeadLetter(_)));
        let why = match (dead_letter, dead_letter_failed) {
            (None, _) => "pass --dead-letter FILE to keep such events with the reasons",
            (Some(_), true) => "the dead-letter file could not be written",
            (Some(_), false) => "they were on the wire when the run gave up on them",
        };
        error(&format_args!(
            "{undelivered} events were not delivered and are in no dead-letter file: {why}"
        ));
    }
}

/// `elbship summary`: the report on stdout, the gate's verdict on stderr and in the exit code.
fn run_summary(plan: &Plan, summary: SummaryPlan) -> RunOutcome {
    let mut engine = plan.engine.clone();
    let mut total = Summary::default();
    let progress = show_progress(plan.progress, &mut engine, false);
    let merge = &mut pipeline::each(|part| {
        total.merge(part);
        Ok(())
    });
    let result = pipeline::run(&engine, summary.job, merge);
    progress.finish();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            error(&e);
            return failed();
        }
    };
    let metrics = total.metrics(report.stats.parse_failures);
    let verdicts: Vec<_> = summary
        .fail_if
        .iter()
        .map(|c| (c, c.check(&metrics)))
        .collect();
    let text = crate::summary::render(
        &total,
        &metrics,
        &verdicts,
        summary.format,
        summary.top,
        summary.by,
    );
    let printed = print(&text);
    let mut gate_failed = false;
    for (_, why) in &verdicts {
        if let Err(why) = why {
            error(why);
            gate_failed = true;
        }
    }
    RunOutcome {
        failed: report.stats.inputs_failed > 0 || printed.failed,
        gate_failed,
        ..RunOutcome::default()
    }
}

fn print_template(schema: crate::schema::Schema, index_pattern: &str) -> RunOutcome {
    let template = crate::schema::mapping::template(schema, index_pattern);
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    print(&text)
}

/// Writes a report to stdout: a closed pipe is fine (`| head`), another error is a failure.
fn print(text: &str) -> RunOutcome {
    match io::stdout().write_all(text.as_bytes()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            error(&format_args!("cannot write to stdout: {e}"));
            failed()
        }
        _ => RunOutcome::default(),
    }
}

fn failed() -> RunOutcome {
    RunOutcome {
        failed: true,
        ..RunOutcome::default()
    }
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

/// Starts the progress display for a run over `engine`'s inputs (it sets their counters).
fn show_progress(
    mode: progress::Mode,
    engine: &mut pipeline::Config,
    http: bool,
) -> progress::Progress {
    // a person typing lines into the terminal gets the hint, not a spinner drawn over them
    let typing = engine.inputs == [Input::Stdin] && io::stdin().is_terminal();
    let mode = if typing { progress::Mode::Never } else { mode };
    let counters = Arc::new(progress::Counters::default());
    counters.http.store(http, Ordering::Relaxed);
    if mode != progress::Mode::Never {
        engine.progress = Some(Arc::clone(&counters));
    }
    let total_bytes = engine
        .inputs
        .iter()
        .map(|input| match input {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::S3(o) => Some(o.size),
            Input::Stdin => None,
        })
        .sum::<Option<u64>>();
    let objects =
        !engine.inputs.is_empty() && engine.inputs.iter().all(|i| matches!(i, Input::S3(_)));
    let files = engine.inputs.len() as u64;
    progress::Progress::start(mode, counters, files, total_bytes, objects)
}
