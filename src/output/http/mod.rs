//! The HTTP sink: events in, batches out over keep-alive connections, every answer read.
//!
//! ```text
//! blocks ──► batcher thread ──► max-in-flight sender threads ──► Logstash / _bulk
//!            (cuts batches,      (one request each at a time,       │
//!             linger, acks)       retries, dead-letter file)  ◄─────┘ acknowledgements
//! ```
//!
//! Every channel is bounded: when the sink is slow the senders are busy, the batcher waits
//! for one, the pipeline's writer waits for the batcher, and the readers stop reading. Memory
//! holds at most `max_in_flight + 1` batches here. An input counts as delivered (for the
//! checkpoint) once every batch holding its events has been answered.

//!
//! `client` makes one request, `sender` delivers one batch (retries, 413 splits, `_bulk`
//! items), `batcher` cuts batches and tracks answers through `ack`, `dead_letter` keeps what
//! cannot be delivered; this file holds the sink's face and what the threads share.

mod ack;
mod batcher;
mod client;
mod dead_letter;
mod sender;

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::batch::{Batcher, Framing};
use super::retry::RetryPolicy;
use super::{Delivered, Sink, SinkError, SinkReport};
use crate::event::EventBlock;
use crate::input::Finished;
use crate::progress::Counters;
use crate::stats::Delivery;

/// Everything the HTTP sink needs, resolved from the command line.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub url: String,
    pub framing: Framing,
    pub max_in_flight: usize,
    pub batch_bytes: usize,
    pub batch_events: usize,
    /// How long a batch with events may wait for more before it is sent.
    pub linger: Duration,
    /// Per request, connecting included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub dead_letter: Option<PathBuf>,
    /// Sent with every request (authorization included; never printed).
    pub headers: Vec<(String, String)>,
    /// Credentials not yet made into the `Authorization` header (see [`HttpOptions::authorize`]).
    pub credentials: Option<super::Credentials>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
    pub progress: Option<Arc<Counters>>,
}

impl HttpOptions {
    /// Turns the credentials into the `Authorization` header, reading those stored in Secrets
    /// Manager or SSM first; done once (a Lambda function does it at start, not per
    /// invocation), and by [`HttpSink::start`] if not done yet.
    pub fn authorize(&mut self) -> Result<(), String> {
        let Some(mut credentials) = self.credentials.clone() else {
            return Ok(());
        };
        credentials.read_stored()?;
        self.credentials = None;
        if let Some(value) = credentials.authorization() {
            self.headers.push(("Authorization".into(), value));
        }
        Ok(())
    }
}

/// A running HTTP sink; [`Sink::finish`] drains it.
pub struct HttpSink {
    to_batcher: Option<SyncSender<ToBatcher>>,
    finished: Receiver<()>,
    shared: Arc<Shared>,
    batcher: Option<JoinHandle<()>>,
    /// Set by a signal: from then on, wait at most `drain` for the sink.
    stop: Arc<AtomicBool>,
    drain: Duration,
    /// When the stop flag was first seen: the drain timeout runs from there.
    stopped_at: Option<Instant>,
}

enum ToBatcher {
    Block(EventBlock),
    InputDone(Finished),
}

/// [`Delivery`] as the threads count it.
#[derive(Default)]
struct DeliveryCounters {
    events: AtomicU64,
    sent: AtomicU64,
    acknowledged: AtomicU64,
    duplicates: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    requests: AtomicU64,
}

/// What the batcher and the senders share.
struct Shared {
    options: HttpOptions,
    /// `options.url` as messages show it (see [`super::redact_url`]).
    shown_url: String,
    /// What no message may show: header values, the URL's query values.
    secrets: Vec<String>,
    agent: ureq::Agent,
    tally: DeliveryCounters,
    fatal: Mutex<Option<String>>,
    has_fatal: AtomicBool,
    /// Give up everything now (the drain timeout ran out, or a fatal error): wakes senders
    /// waiting to retry.
    abort: Mutex<bool>,
    wake: Condvar,
    /// Appended to with one write per batch, then synced: a record counts once it is on disk.
    dead_letter: Option<Mutex<File>>,
    dead_letter_error: Mutex<Option<String>>,
}

/// Counter helper: adds `n` (as events, requests...).
fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

impl HttpSink {
    /// Builds the client (TLS roots, timeouts), opens the dead-letter file and starts the
    /// threads. `delivered` is called, in input order, with each input whose events have all
    /// been answered by the sink. Once `stop` is set (a signal), the sink waits at most
    /// `drain` for the requests in flight and the blocks still to come.
    pub fn start(
        options: HttpOptions,
        delivered: Delivered,
        stop: Arc<AtomicBool>,
        drain: Duration,
    ) -> Result<HttpSink, SinkError> {
        let mut options = options;
        options.authorize().map_err(SinkError::Start)?;
        let agent = client::agent(&options)?;
        let dead_letter = match &options.dead_letter {
            None => None,
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        SinkError::Start(format!(
                            "cannot open the dead-letter file {}: {e}",
                            path.display()
                        ))
                    })?,
            )),
        };
        let shared = Arc::new(Shared {
            shown_url: super::redact_url(&options.url),
            secrets: super::secrets_of(&options.url, &options.headers),
            options,
            agent,
            tally: DeliveryCounters::default(),
            fatal: Mutex::new(None),
            has_fatal: AtomicBool::new(false),
            abort: Mutex::new(false),
            wake: Condvar::new(),
            dead_letter,
            dead_letter_error: Mutex::new(None),
        });
        // one block may wait for the batcher; the pipeline waits for the rest
        let (to_batcher, from_main) = mpsc::sync_channel::<ToBatcher>(1);
        let (finished_tx, finished) = mpsc::channel();
        let batcher = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("elbship-batch".into())
                .spawn(move || {
                    batcher::run_batcher(&shared, from_main, delivered);
                    let _ = finished_tx.send(());
                })
                .map_err(|e| SinkError::Start(format!("cannot start the HTTP sink: {e}")))?
        };
        Ok(HttpSink {
            to_batcher: Some(to_batcher),
            finished,
            shared,
            batcher: Some(batcher),
            stop,
            drain,
            stopped_at: None,
        })
    }

    /// When the drain after a stop ends (`None` before a stop).
    fn drain_deadline(&mut self) -> Option<Instant> {
        if !self.stop.load(Ordering::Relaxed) {
            return None;
        }
        Some(*self.stopped_at.get_or_insert_with(Instant::now) + self.drain)
    }

    /// Gives `message` to the batcher when it takes it, looking at fatal errors and at the
    /// drain deadline while it waits (a sink that is down can keep the batcher busy for
    /// ever). Hands the message back if the deadline passed first.
    fn hand_over(&mut self, mut message: ToBatcher) -> io::Result<Option<ToBatcher>> {
        let mut pause = Duration::from_micros(50);
        loop {
            if self.shared.has_fatal.load(Ordering::Relaxed) {
                return Err(io::Error::other("the HTTP sink stopped"));
            }
            if self.drain_deadline().is_some_and(|d| Instant::now() >= d) {
                // senders waiting to retry give up too
                self.shared.abort();
                return Ok(Some(message));
            }
            let Some(tx) = &self.to_batcher else {
                return Err(io::Error::other("the HTTP sink is finished"));
            };
            match tx.try_send(message) {
                Ok(()) => return Ok(None),
                Err(mpsc::TrySendError::Full(back)) => message = back,
                Err(mpsc::TrySendError::Disconnected(_)) => {
                    return Err(io::Error::other("the HTTP sink stopped"))
                }
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }

    /// A block the drain timeout left unsent: its events are counted and dead-lettered.
    fn abandon(&self, block: &EventBlock) {
        let options = &self.shared.options;
        let mut batcher = Batcher::new(options.framing, usize::MAX, usize::MAX);
        batcher.add(block, &mut |_| {});
        add(&self.shared.tally.events, block.len());
        if let Some(batch) = batcher.flush() {
            self.shared.dead_letter_all(
                &batch,
                None,
                "not sent: the run was stopped and --drain-timeout ran out first",
            );
        }
    }
}

impl Sink for HttpSink {
    /// Hands a block of events to the batcher; waits while the sink is busy. Once the stop
    /// flag is set (a signal) it still waits, but not past the drain timeout: then the block
    /// is put in the dead-letter file unsent (and counted). Fails once the run has to stop
    /// (the reason is in the report's errors).
    fn send(&mut self, block: EventBlock) -> io::Result<()> {
        if let Some(ToBatcher::Block(block)) = self.hand_over(ToBatcher::Block(block))? {
            self.abandon(&block);
        }
        Ok(())
    }

    fn input_done(&mut self, input: &Finished) {
        let _ = self.hand_over(ToBatcher::InputDone(input.clone()));
    }

    /// Sends what is left and waits for every answer; once the stop flag is set (a signal),
    /// waits at most the drain timeout more, then gives up what is still in flight (it counts
    /// as not delivered).
    fn finish(mut self: Box<Self>) -> SinkReport {
        drop(self.to_batcher.take());
        let drained = loop {
            let now = Instant::now();
            let deadline = self.drain_deadline();
            let wait = deadline.map_or(Duration::from_millis(100), |d| {
                d.saturating_duration_since(now)
                    .min(Duration::from_millis(100))
            });
            match self.finished.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break true,
                Err(RecvTimeoutError::Timeout) => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        break false;
                    }
                }
            }
        };
        if drained {
            if let Some(b) = self.batcher.take() {
                let _ = b.join();
            }
        } else {
            // senders waiting to retry give up now and dead-letter their batches; a moment
            // for that (a request still on the wire is not waited for)
            self.shared.abort();
            let _ = self.finished.recv_timeout(Duration::from_secs(1));
        }
        let shared = &self.shared;
        let t = &shared.tally;
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let fatal = shared.fatal.lock().ok().and_then(|f| f.clone());
        let dead_letter = shared.dead_letter_error.lock().ok().and_then(|e| e.clone());
        let errors = fatal
            .map(SinkError::Fatal)
            .into_iter()
            .chain(dead_letter.map(SinkError::DeadLetter))
            .collect();
        SinkReport {
            delivery: Some(Delivery {
                events: load(&t.events),
                sent: load(&t.sent),
                acknowledged: load(&t.acknowledged),
                duplicates: load(&t.duplicates),
                retried: load(&t.retried),
                dead_lettered: load(&t.dead_lettered),
                requests: load(&t.requests),
            }),
            errors,
            drain_timed_out: !drained,
        }
    }
}

impl Shared {
    /// The run has to stop: remembers why (the first reason wins) and wakes the senders
    /// waiting to retry, so they give up too.
    fn set_fatal(&self, message: String) {
        if let Ok(mut f) = self.fatal.lock() {
            f.get_or_insert(message);
        }
        self.has_fatal.store(true, Ordering::Relaxed);
        self.abort();
    }

    /// The dead-letter reason for a batch given up before delivery (`why`: its last failure).
    fn why_stopped(&self, why: &str) -> String {
        match self.fatal_message() {
            Some(fatal) => format!("not delivered: the run stopped ({fatal}); last failure: {why}"),
            None => format!("interrupted before delivery: {why}"),
        }
    }

    fn fatal_message(&self) -> Option<String> {
        if !self.has_fatal.load(Ordering::Relaxed) {
            return None;
        }
        self.fatal.lock().ok().and_then(|f| f.clone())
    }

    fn abort(&self) {
        if let Ok(mut a) = self.abort.lock() {
            *a = true;
        }
        self.wake.notify_all();
    }

    fn aborted(&self) -> bool {
        self.abort.lock().map_or(true, |a| *a)
    }

    /// Sleeps `d` unless the run is aborted first; false if it was.
    fn sleep(&self, d: Duration) -> bool {
        let Ok(guard) = self.abort.lock() else {
            return false;
        };
        match self.wake.wait_timeout_while(guard, d, |aborted| !*aborted) {
            Ok((aborted, _)) => !*aborted,
            Err(_) => false,
        }
    }
}
