//! `elbship lambda`: the function the S3-triggered Node.js Lambda should have been. It takes
//! invocations from the Lambda runtime API (the `lambda_runtime` crate), reads the objects
//! each event names (`events`) through the same engine, S3 reader and HTTP sink as the
//! command line, and answers only for what the sink confirmed: an object counts once every
//! event of it is stored, already there, or in the dead-letter object. Everything else is a
//! failure Lambda retries: the messages named in an SQS partial batch response, or the
//! whole invocation. Near the deadline it stops reading and drains; each invocation ends with
//! one JSON line of counts on stdout (CloudWatch Logs).

pub mod events;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::config::LambdaPlan;
use crate::error::RunOutcome;
use crate::input::{s3, s3::S3Object, Input};
use crate::messages::{error, warn};
use crate::output::{HttpSink, Sink, ToSink};
use crate::pipeline;
use crate::stats::{Delivery, Stats};

/// Serves invocations until the runtime API goes away (the function is shut down).
pub fn run(engine: &pipeline::Config, mut plan: LambdaPlan) -> RunOutcome {
    if let Err(e) = s3::client(&plan.s3) {
        error(&e);
        return failed();
    }
    // credentials stored in Secrets Manager or SSM are read once, at start: a function that
    // cannot read them fails its init with the reason, before it takes any event
    if let Err(e) = plan.http.authorize() {
        error(&e);
        return failed();
    }
    let function = Arc::new(Function {
        engine: engine.clone(),
        plan,
        warned_deadline: AtomicBool::new(false),
    });
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            error(&format_args!("cannot start the Lambda runtime client: {e}"));
            return failed();
        }
    };
    let served = runtime.block_on(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Value>| {
            let function = Arc::clone(&function);
            async move { function.invoke(event).await }
        },
    )));
    match served {
        Ok(()) => RunOutcome::default(),
        Err(e) => {
            error(&format_args!("the Lambda runtime API failed: {e}"));
            failed()
        }
    }
}

fn failed() -> RunOutcome {
    RunOutcome {
        failed: true,
        ..RunOutcome::default()
    }
}

struct Function {
    engine: pipeline::Config,
    plan: LambdaPlan,
    /// The runtime's deadline was unusable once: said once, not per invocation.
    warned_deadline: AtomicBool,
}

/// What shipping an invocation's objects came to.
struct Shipped {
    /// Objects whose every event is accounted for, by URL.
    settled: Vec<String>,
    stats: Stats,
    delivery: Delivery,
    dead_letter: Option<String>,
}

impl Function {
    /// One invocation, on its own thread: the engine, the S3 reader and the sink block.
    async fn invoke(
        self: Arc<Self>,
        event: LambdaEvent<Value>,
    ) -> Result<Value, lambda_runtime::Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("elbship-invocation".into())
            .spawn(move || {
                let answer = self.handle(&event.payload, &event.context);
                let _ = tx.send(answer);
            })?;
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(message)) => Err(message.into()),
            Err(_) => Err("the invocation's thread ended without an answer".into()),
        }
    }

    fn handle(&self, payload: &Value, context: &lambda_runtime::Context) -> Result<Value, String> {
        let started = Instant::now();
        let request = context.request_id.as_str();
        let work = events::parse(payload).map_err(|e| {
            let e = format!("{request}: cannot read the event: {e}");
            error(&e);
            e
        })?;
        let mut objects: Vec<S3Object> = Vec::new();
        let mut skipped = 0;
        for item in &work.items {
            for line in &item.skipped {
                warn(&format_args!("{request}: skipped {line}"));
                skipped += 1;
            }
            if let Some(e) = &item.error {
                let id = item.id.as_deref().unwrap_or("the event");
                error(&format_args!("{request}: message {id}: {e}"));
            }
            for o in &item.objects {
                if !objects.contains(o) {
                    objects.push(o.clone());
                }
            }
        }
        let stop_in = self.stop_in(context.deadline, started);
        let shipped = self.ship(&objects, stop_in, request);
        let settled = |o: &S3Object| shipped.settled.contains(&o.url());
        let failed_objects: Vec<String> = objects
            .iter()
            .filter(|o| !settled(o))
            .map(S3Object::url)
            .collect();
        let failed_items: Vec<&events::Item> = work
            .items
            .iter()
            .filter(|i| i.error.is_some() || i.objects.iter().any(|o| !settled(o)))
            .collect();
        let line = accounting(
            request,
            &objects,
            &failed_objects,
            skipped,
            &shipped,
            started,
        );
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
        drop(stdout);
        if work.sqs && failed_items.iter().all(|i| i.id.is_some()) {
            let failures: Vec<Value> = failed_items
                .iter()
                .map(|i| json!({ "itemIdentifier": i.id }))
                .collect();
            return Ok(json!({ "batchItemFailures": failures }));
        }
        if failed_items.is_empty() {
            return Ok(json!({ "objects": objects.len(), "events": shipped.stats.events }));
        }
        let mut why = format!(
            "{request}: {} of {} objects not delivered",
            failed_objects.len(),
            objects.len()
        );
        if !failed_objects.is_empty() {
            let shown: Vec<&str> = failed_objects.iter().take(5).map(String::as_str).collect();
            why.push_str(&format!(" ({})", shown.join(", ")));
        }
        if failed_items.iter().any(|i| i.error.is_some()) {
            why.push_str("; a message could not be read");
        }
        error(&why);
        Err(why)
    }

    /// How long the invocation may read: until `--deadline-margin` before the runtime's
    /// deadline, and at most `--time-limit`. `None`: no limit is known (a runtime that gave
    /// no usable deadline, and no --time-limit).
    fn stop_in(&self, deadline_ms: u64, started: Instant) -> Option<Duration> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        // Lambda's deadline is milliseconds since the epoch, always ahead; an emulator may
        // give something else (cargo-lambda's 600000), which is no deadline at all
        let from_deadline = if deadline_ms > now_ms {
            Some(Duration::from_millis(deadline_ms - now_ms).saturating_sub(self.plan.margin))
        } else {
            if !self.warned_deadline.swap(true, Ordering::Relaxed) {
                warn(&format_args!(
                    "the runtime's deadline ({deadline_ms}) is not a time ahead: reading is \
                     bounded by --time-limit only"
                ));
            }
            None
        };
        let limit = self
            .plan
            .time_limit
            .map(|t| t.saturating_sub(started.elapsed()));
        match (from_deadline, limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Ships `objects` through the engine and the sink, stopping reading after `stop_in`.
    fn ship(&self, objects: &[S3Object], stop_in: Option<Duration>, request: &str) -> Shipped {
        let mut shipped = Shipped {
            settled: Vec::new(),
            stats: Stats::default(),
            delivery: Delivery::default(),
            dead_letter: None,
        };
        if objects.is_empty() {
            return shipped;
        }
        let plan = &self.plan;
        let mut engine = self.engine.clone();
        engine.inputs = objects.iter().cloned().map(Input::S3).collect();
        let stop = Arc::new(AtomicBool::new(false));
        engine.stop = Some(Arc::clone(&stop));

        // each settled object, and whether reading had already been stopped by then
        let settled: Arc<Mutex<HashMap<String, bool>>> = Arc::default();
        let record = {
            let (settled, stop) = (Arc::clone(&settled), Arc::clone(&stop));
            Box::new(move |f: &crate::input::Finished| {
                if let (Input::S3(o), Ok(mut s)) = (&f.input, settled.lock()) {
                    s.insert(o.url(), stop.load(Ordering::Relaxed));
                }
            })
        };
        let mut http = plan.http.clone();
        let local_dead_letter = plan.dead_letter.as_ref().map(|_| {
            std::env::temp_dir().join(format!("elbship-dead-letter-{}.ndjson", safe(request)))
        });
        http.dead_letter.clone_from(&local_dead_letter);
        let drain = plan.drain_timeout.min(plan.margin / 2);
        let sink = HttpSink::start(http, record, Arc::clone(&stop), drain);
        let mut sink: Box<dyn Sink> = match sink {
            Ok(s) => Box::new(s),
            Err(e) => {
                error(&format_args!("{request}: {e}"));
                return shipped;
            }
        };

        // the clock: stop reading when the time is up (a finished run cancels it)
        let (cancel, cancelled) = mpsc::channel::<()>();
        let timer = stop_in.map(|after| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                if cancelled.recv_timeout(after) == Err(RecvTimeoutError::Timeout) {
                    stop.store(true, Ordering::Relaxed);
                }
            })
        });
        let result = pipeline::run(&engine, plan.encode.clone(), &mut ToSink(sink.as_mut()));
        let report = sink.finish();
        drop(cancel);
        if let Some(t) = timer {
            let _ = t.join();
        }
        s3::forget_fetched_ahead();
        let stopped = stop.load(Ordering::Relaxed);
        if stopped {
            warn(&format_args!(
                "{request}: stopped reading {} s before the deadline (--deadline-margin) or at \
                 --time-limit; the objects not finished are reported as failed",
                plan.margin.as_secs_f64()
            ));
        }
        match result {
            Ok(r) => shipped.stats = r.stats,
            Err(e) => error(&format_args!("{request}: {e}")),
        }
        for e in &report.errors {
            error(&format_args!("{request}: {e}"));
        }
        shipped.delivery = report.delivery.unwrap_or_default();
        let mut settled: Vec<(String, bool)> = settled
            .lock()
            .map(|s| s.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default();
        // once the drain ran out, what was given up went to the dead letter unsent: an object
        // settled after the stop may hold such events, and is read again instead
        if report.drain_timed_out {
            settled.retain(|(_, after_stop)| !after_stop);
        }
        shipped.settled = settled.into_iter().map(|(url, _)| url).collect();

        if let (Some((bucket, prefix)), Some(path)) = (&plan.dead_letter, &local_dead_letter) {
            match upload_dead_letter(bucket, prefix, path, request) {
                Ok(url) => shipped.dead_letter = url,
                Err(e) => {
                    // the records are nowhere now: nothing of this invocation counts as done
                    error(&format_args!("{request}: {e}"));
                    shipped.settled.clear();
                }
            }
        }
        shipped
    }
}

/// Puts the invocation's dead-letter file, if it holds anything, at
/// `s3://BUCKET/PREFIX<request id>.ndjson`; the URL written.
fn upload_dead_letter(
    bucket: &str,
    prefix: &str,
    path: &std::path::Path,
    request: &str,
) -> Result<Option<String>, String> {
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("the dead-letter file {}: {e}", path.display())),
    };
    let result = if size == 0 {
        Ok(None)
    } else {
        let key = format!("{prefix}{}.ndjson", safe(request));
        s3::put_file(bucket, &key, path)
            .map(|()| Some(format!("s3://{bucket}/{key}")))
            .map_err(|e| e.to_string())
    };
    let _ = std::fs::remove_file(path);
    result
}

/// A request id as a file or key name: letters, digits and `-` kept.
fn safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The invocation's line for CloudWatch Logs: what came in, what became of it, how long it
/// took and the most memory the process has held.
fn accounting(
    request: &str,
    objects: &[S3Object],
    failed: &[String],
    skipped: usize,
    shipped: &Shipped,
    started: Instant,
) -> Value {
    let (s, d) = (&shipped.stats, &shipped.delivery);
    json!({
        "request_id": request,
        "objects": objects.len(),
        "objects_failed": failed.len(),
        "skipped": skipped,
        "lines": s.lines,
        "empty_lines": s.empty_lines,
        "events": s.events,
        "parse_failures": s.parse_failures,
        "sent": d.events,
        "acknowledged": d.acknowledged,
        "duplicates": d.duplicates,
        "dead_lettered": d.dead_lettered,
        "undelivered": d.undelivered(),
        "retried": d.retried,
        "requests": d.requests,
        "bytes_in": s.bytes_in,
        "bytes_decoded": s.bytes_decoded,
        "dead_letter": shipped.dead_letter,
        "failed": failed,
        "duration_ms": started.elapsed().as_millis() as u64,
        "max_memory_mb": peak_memory_mb(),
    })
}

/// The process's peak resident memory (Linux `VmHWM`), in MB; `None` elsewhere.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1000)
}
