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

use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::batch::{Batch, Batcher, Framing};
use super::bulk::{self, BulkError, ItemOutcome};
use super::retry::{self, Jitter, RetryPolicy, StatusClass};
use crate::input::Finished;
use crate::progress::Counters;

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
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
    pub progress: Option<Arc<Counters>>,
}

/// What became of the events handed to the sink.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Events handed to the sink.
    pub events: u64,
    /// Events put in a request at least once.
    pub sent: u64,
    /// Events the sink stored (2xx; `_bulk` items 200/201).
    pub acknowledged: u64,
    /// `_bulk` items that were already there (409 on `create`).
    pub duplicates: u64,
    /// Event sends after the first (an event sent three times counts 2).
    pub retried: u64,
    /// Events written to the dead-letter file.
    pub dead_lettered: u64,
    /// HTTP requests made.
    pub requests: u64,
}

impl Delivery {
    /// Events that are nowhere: neither stored, nor already there, nor in the dead-letter
    /// file (given up on the wire at the drain timeout, or with no dead-letter file to take
    /// them). `events = acknowledged + duplicates + dead_lettered + undelivered`.
    pub fn undelivered(&self) -> u64 {
        self.events
            .saturating_sub(self.acknowledged + self.duplicates + self.dead_lettered)
    }

    /// Whether every event is stored or already there.
    pub fn complete(&self) -> bool {
        self.dead_lettered == 0 && self.undelivered() == 0
    }

    pub fn to_text(&self) -> String {
        format!(
            "elbship: {} events sent in {} requests: {} acknowledged, {} duplicates, {} retried, \
             {} dead-lettered, {} undelivered",
            self.sent,
            self.requests,
            self.acknowledged,
            self.duplicates,
            self.retried,
            self.dead_lettered,
            self.undelivered()
        )
    }

    /// The fields to add to the `--stats json` object.
    pub fn json_fields(&self) -> String {
        format!(
            "\"delivery\":{{\"events\":{},\"sent\":{},\"acknowledged\":{},\"duplicates\":{},\
             \"retried\":{},\"dead_lettered\":{},\"undelivered\":{},\"requests\":{}}}",
            self.events,
            self.sent,
            self.acknowledged,
            self.duplicates,
            self.retried,
            self.dead_lettered,
            self.undelivered(),
            self.requests
        )
    }
}

/// How a run with the HTTP sink ended.
#[derive(Debug)]
pub struct SinkReport {
    pub delivery: Delivery,
    /// Why the run had to stop (a 401, an unreachable sink past the retry budget).
    pub fatal: Option<String>,
    /// The dead-letter file could not be written.
    pub dead_letter_error: Option<String>,
    /// The drain timeout ran out with requests still in flight.
    pub drain_timed_out: bool,
}

/// A running HTTP sink; [`HttpSink::finish`] drains it.
pub struct HttpSink {
    to_batcher: Option<SyncSender<ToBatcher>>,
    finished: Receiver<()>,
    shared: Arc<Shared>,
    batcher: Option<JoinHandle<()>>,
    /// When the stop flag was first seen: the drain timeout runs from there.
    stopped_at: Mutex<Option<Instant>>,
}

enum ToBatcher {
    Block(Vec<u8>),
    InputDone(Finished),
}

#[derive(Default)]
struct Tally {
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
    tally: Tally,
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
    /// been answered by the sink.
    pub fn start(
        options: HttpOptions,
        delivered: Box<dyn FnMut(&Finished) + Send>,
    ) -> Result<HttpSink, String> {
        let agent = agent(&options)?;
        let dead_letter = match &options.dead_letter {
            None => None,
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        format!("cannot open the dead-letter file {}: {e}", path.display())
                    })?,
            )),
        };
        let shared = Arc::new(Shared {
            shown_url: super::redact_url(&options.url),
            secrets: super::secrets_of(&options.url, &options.headers),
            options,
            agent,
            tally: Tally::default(),
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
                    run_batcher(&shared, from_main, delivered);
                    let _ = finished_tx.send(());
                })
                .map_err(|e| format!("cannot start the HTTP sink: {e}"))?
        };
        Ok(HttpSink {
            to_batcher: Some(to_batcher),
            finished,
            shared,
            batcher: Some(batcher),
            stopped_at: Mutex::new(None),
        })
    }

    /// Hands a block of NDJSON units to the sink; waits while the sink is busy. Once `stop`
    /// is set (a signal) it still waits, but not past the drain timeout: then the block is
    /// put in the dead-letter file unsent (and counted). Fails once the run has to stop (the
    /// reason is in [`SinkReport::fatal`]).
    pub fn send(&self, block: Vec<u8>, stop: &AtomicBool, drain: Duration) -> io::Result<()> {
        match self.hand_over(ToBatcher::Block(block), stop, drain)? {
            None => Ok(()),
            Some(ToBatcher::Block(block)) => {
                self.abandon(&block);
                Ok(())
            }
            Some(ToBatcher::InputDone(_)) => Ok(()),
        }
    }

    /// Every event of `input` has been handed to [`HttpSink::send`].
    pub fn input_done(&self, input: &Finished, stop: &AtomicBool, drain: Duration) {
        let _ = self.hand_over(ToBatcher::InputDone(input.clone()), stop, drain);
    }

    /// When the drain after a stop ends (`None` before a stop).
    fn drain_deadline(&self, stop: &AtomicBool, drain: Duration) -> Option<Instant> {
        if !stop.load(Ordering::Relaxed) {
            return None;
        }
        let mut at = self.stopped_at.lock().ok()?;
        Some(*at.get_or_insert_with(Instant::now) + drain)
    }

    /// Gives `message` to the batcher when it takes it, looking at fatal errors and at the
    /// drain deadline while it waits (a sink that is down can keep the batcher busy for
    /// ever). Hands the message back if the deadline passed first.
    fn hand_over(
        &self,
        mut message: ToBatcher,
        stop: &AtomicBool,
        drain: Duration,
    ) -> io::Result<Option<ToBatcher>> {
        let Some(tx) = &self.to_batcher else {
            return Err(io::Error::other("the HTTP sink is finished"));
        };
        let mut pause = Duration::from_micros(50);
        loop {
            if self.shared.has_fatal.load(Ordering::Relaxed) {
                return Err(io::Error::other("the HTTP sink stopped"));
            }
            if self
                .drain_deadline(stop, drain)
                .is_some_and(|d| Instant::now() >= d)
            {
                // senders waiting to retry give up too
                self.shared.abort();
                return Ok(Some(message));
            }
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
    fn abandon(&self, block: &[u8]) {
        let options = &self.shared.options;
        let mut batcher = Batcher::new(options.framing, usize::MAX, usize::MAX);
        let mut batches = Vec::new();
        let units = batcher.add(block, &mut |b| batches.push(b));
        let (last, rest) = batcher.flush();
        add(&self.shared.tally.events, units + rest);
        batches.extend(last);
        for batch in &batches {
            self.shared.dead_letter_all(
                batch,
                None,
                "not sent: the run was stopped and --drain-timeout ran out first",
            );
        }
    }

    /// Sends what is left and waits for every answer; once `stop` is set (a signal), waits at
    /// most `drain` more, then gives up what is still in flight (it counts as not delivered).
    pub fn finish(mut self, stop: &AtomicBool, drain: Duration) -> SinkReport {
        drop(self.to_batcher.take());
        let drained = loop {
            let now = Instant::now();
            let deadline = self.drain_deadline(stop, drain);
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
        SinkReport {
            delivery: Delivery {
                events: load(&t.events),
                sent: load(&t.sent),
                acknowledged: load(&t.acknowledged),
                duplicates: load(&t.duplicates),
                retried: load(&t.retried),
                dead_lettered: load(&t.dead_lettered),
                requests: load(&t.requests),
            },
            fatal: shared.fatal.lock().ok().and_then(|f| f.clone()),
            dead_letter_error: shared.dead_letter_error.lock().ok().and_then(|e| e.clone()),
            drain_timed_out: !drained,
        }
    }
}

/// The HTTP client: keep-alive pool sized to the requests in flight, statuses as values.
fn agent(options: &HttpOptions) -> Result<ureq::Agent, String> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder().disable_verification(options.insecure);
    if let Some(path) = &options.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read --ca-cert {}: {e}", path.display()))?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => return Err(format!("--ca-cert {}: {e}", path.display())),
            }
        }
        if certs.is_empty() {
            return Err(format!(
                "--ca-cert {}: no PEM certificate in the file",
                path.display()
            ));
        }
        tls = tls.root_certs(RootCerts::from(certs));
    }
    let connect = options.timeout.min(Duration::from_secs(10));
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // a redirect is an answer to report, never to follow: a 301/302/303 turns the POST
        // into a GET with no body, and any would carry the headers to another host
        .max_redirects(0)
        .timeout_global(Some(options.timeout))
        .timeout_connect(Some(connect))
        .max_idle_connections(options.max_in_flight)
        .max_idle_connections_per_host(options.max_in_flight)
        .user_agent(concat!("elbship/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .build();
    Ok(ureq::Agent::new_with_config(config))
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

    fn dead_letter_failed(&self, e: &io::Error) {
        if let Ok(mut slot) = self.dead_letter_error.lock() {
            slot.get_or_insert_with(|| {
                let path = self.options.dead_letter.as_deref().unwrap_or("".as_ref());
                format!("cannot write the dead-letter file {}: {e}", path.display())
            });
        }
    }

    /// Writes the events of `batch` at `indices` to the dead-letter file with `reason`, in one
    /// append, and syncs it. True when they are on disk (and counted as dead-lettered); false
    /// when there is no dead-letter file or it could not be written: then they are lost to
    /// this run, count as undelivered, and their input is not checkpointed.
    fn dead_letter(&self, batch: &Batch, entries: &[(usize, Option<u16>, String)]) -> bool {
        let Some(file) = &self.dead_letter else {
            return false;
        };
        let mut records = Vec::with_capacity(entries.len() * 1024);
        for (i, status, reason) in entries {
            let (i, status) = (*i, *status);
            records.extend_from_slice(b"{\"reason\":");
            crate::schema::json::write_str(&mut records, reason.as_bytes(), false);
            if let Some(s) = status {
                records.extend_from_slice(b",\"status\":");
                crate::schema::json::write_u64(&mut records, u64::from(s));
            }
            records.extend_from_slice(b",\"event\":");
            records.extend_from_slice(batch.event(i));
            records.extend_from_slice(b"}\n");
        }
        let Ok(mut f) = file.lock() else {
            return false;
        };
        if let Err(e) = f.write_all(&records).and_then(|()| f.sync_data()) {
            self.dead_letter_failed(&e);
            return false;
        }
        add(&self.tally.dead_lettered, entries.len());
        true
    }

    fn dead_letter_all(&self, batch: &Batch, status: Option<u16>, reason: &str) -> bool {
        let all: Vec<(usize, Option<u16>, String)> = (0..batch.len())
            .map(|i| (i, status, reason.to_string()))
            .collect();
        self.dead_letter(batch, &all)
    }
}

/// The batcher thread: cuts batches, hands them to the senders, tracks acknowledgements.
fn run_batcher(
    shared: &Arc<Shared>,
    from_main: Receiver<ToBatcher>,
    mut delivered: Box<dyn FnMut(&Finished) + Send>,
) {
    let options = &shared.options;
    let senders = options.max_in_flight.max(1);
    // a rendezvous: a batch leaves the batcher only when a sender is free to take it
    let (to_senders, from_batcher) = mpsc::sync_channel::<Batch>(0);
    let from_batcher = Arc::new(Mutex::new(from_batcher));
    let (ack_tx, acks) = mpsc::channel::<Answered>();
    let mut threads = Vec::with_capacity(senders);
    for i in 0..senders {
        let sender_shared = Arc::clone(shared);
        let from_batcher = Arc::clone(&from_batcher);
        let ack_tx = ack_tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("elbship-send-{i}"))
            .spawn(move || run_sender(&sender_shared, &from_batcher, &ack_tx, i as u64));
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) if threads.is_empty() => {
                shared.set_fatal(format!("cannot start the HTTP senders: {e}"));
                return;
            }
            Err(_) => break,
        }
    }
    drop(ack_tx);

    let mut batcher = Batcher::new(options.framing, options.batch_bytes, options.batch_events);
    let mut tracker = AckTracker::default();
    let mut opened: Option<(u64, Instant)> = None;
    let dispatch = |batch: Batch| {
        // fails only if every sender is gone, and then the batch counts as not delivered
        let _ = to_senders.send(batch);
    };
    loop {
        let message = match opened {
            Some((_, at)) => from_main.recv_timeout(options.linger.saturating_sub(at.elapsed())),
            None => from_main.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match message {
            Ok(ToBatcher::Block(block)) => {
                let units = batcher.add(&block, &mut |batch| dispatch(batch));
                add(&shared.tally.events, units);
                // the linger clock runs from the first event of the batch now open
                opened = match (batcher.open_seq(), opened) {
                    (Some(seq), Some((since, at))) if since == seq => Some((seq, at)),
                    (Some(seq), _) => Some((seq, Instant::now())),
                    (None, _) => None,
                };
            }
            Ok(ToBatcher::InputDone(input)) => tracker.input_done(input, batcher.seq_bound()),
            Err(RecvTimeoutError::Timeout) => {
                let (batch, units) = batcher.flush();
                add(&shared.tally.events, units);
                if let Some(batch) = batch {
                    dispatch(batch);
                }
                opened = None;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while let Ok(answered) = acks.try_recv() {
            tracker.ack(answered.seq, answered.complete);
            if let Some(buffer) = answered.buffer {
                batcher.recycle(buffer);
            }
        }
        tracker.release(&mut delivered);
    }
    let (batch, units) = batcher.flush();
    add(&shared.tally.events, units);
    if let Some(batch) = batch {
        dispatch(batch);
    }
    drop(to_senders);
    for answered in acks.iter() {
        tracker.ack(answered.seq, answered.complete);
        tracker.release(&mut delivered);
    }
    for t in threads {
        let _ = t.join();
    }
}

/// Which inputs have had every batch holding their events answered.
#[derive(Default)]
struct AckTracker {
    /// Every batch below this has been answered.
    watermark: u64,
    /// Answered batches above the watermark.
    answered: BTreeSet<u64>,
    /// Batches some of whose events were given up (not delivered, not permanently rejected).
    incomplete: BTreeSet<u64>,
    /// Inputs waiting for their batches: (input, first batch, end batch).
    waiting: VecDeque<(Finished, u64, u64)>,
    /// Where the previous input's batches ended.
    last_end: u64,
}

impl AckTracker {
    fn input_done(&mut self, input: Finished, end: u64) {
        // the previous input's last batch may also hold this input's first events
        let first = self.last_end.saturating_sub(1);
        self.waiting.push_back((input, first, end));
        self.last_end = end;
    }

    fn ack(&mut self, seq: u64, complete: bool) {
        if !complete {
            self.incomplete.insert(seq);
        }
        self.answered.insert(seq);
        while self.answered.remove(&self.watermark) {
            self.watermark += 1;
        }
    }

    fn release(&mut self, delivered: &mut dyn FnMut(&Finished)) {
        while let Some((_, first, end)) = self.waiting.front() {
            if *end > self.watermark {
                break;
            }
            let complete = self.incomplete.range(*first..*end).next().is_none();
            if let Some((input, _, _)) = self.waiting.pop_front() {
                if complete {
                    delivered(&input);
                }
            }
        }
    }
}

/// A sender's report on one batch.
struct Answered {
    seq: u64,
    /// Every event stored, already there, or permanently rejected (and dead-lettered).
    complete: bool,
    /// The batch's buffer, for the next batch.
    buffer: Option<Vec<u8>>,
}

/// A sender thread: takes a batch when free, delivers it (retrying), reports the answer.
fn run_sender(
    shared: &Shared,
    from_batcher: &Mutex<Receiver<Batch>>,
    acks: &Sender<Answered>,
    id: u64,
) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut jitter = Jitter::new(seed);
    loop {
        let next = match from_batcher.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(batch) = next else {
            return;
        };
        let seq = batch.seq;
        let (complete, buffer) = if let Some(why) = shared.fatal_message() {
            shared.dead_letter_all(&batch, None, &format!("not sent: the run stopped: {why}"));
            (false, None)
        } else if shared.aborted() {
            shared.dead_letter_all(&batch, None, "not sent: interrupted");
            (false, None)
        } else {
            add(&shared.tally.sent, batch.len());
            deliver(shared, batch, &mut jitter)
        };
        let answered = Answered {
            seq,
            complete,
            buffer,
        };
        if acks.send(answered).is_err() {
            return;
        }
    }
}

/// What one request came back with.
enum Answer {
    Status {
        status: u16,
        retry_after: Option<Duration>,
        /// Where a redirect points.
        location: Option<String>,
        body: Vec<u8>,
    },
    /// No answer: connection refused or reset, timeout, TLS failure.
    Failed(ureq::Error),
}

fn post(shared: &Shared, batch: &Batch) -> Answer {
    let options = &shared.options;
    let body = batch.body();
    let mut request = shared
        .agent
        .post(&options.url)
        .header("Content-Type", options.framing.content_type());
    for (name, value) in &options.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    add(&shared.tally.requests, 1);
    let progress = options.progress.as_deref();
    if let Some(p) = progress {
        p.in_flight.fetch_add(1, Ordering::Relaxed);
    }
    let answer = match request.send(body) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let retry_after = header("retry-after")
                .as_deref()
                .and_then(|v| retry::parse_retry_after(v, std::time::SystemTime::now()));
            let location = header("location");
            match response
                .body_mut()
                .with_config()
                .limit(1 << 30)
                .read_to_vec()
            {
                Ok(body) => Answer::Status {
                    status,
                    retry_after,
                    location,
                    body,
                },
                Err(e) => Answer::Failed(e),
            }
        }
        Err(e) => Answer::Failed(e),
    };
    if let Some(p) = progress {
        p.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
    answer
}

/// The TLS failure inside an error, if that is what it is (ureq wraps rustls's in I/O errors).
fn tls_error(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Rustls(tls) => Some(tls),
        ureq::Error::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref()),
        _ => None,
    }
}

/// Whether a request that got no answer is worth sending again: not after a TLS failure (a
/// certificate does not get valid by waiting).
fn retryable(e: &ureq::Error) -> bool {
    tls_error(e).is_none()
        && matches!(
            e,
            ureq::Error::Io(_)
                | ureq::Error::Timeout(_)
                | ureq::Error::HostNotFound
                | ureq::Error::ConnectionFailed
                | ureq::Error::Protocol(_)
                | ureq::Error::BodyStalled
        )
}

impl Shared {
    /// The start of a response body, for messages: one line of printable text, with every
    /// secret of the request hidden (a server may echo the request back).
    fn snippet(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
        let text: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if text.is_empty() {
            String::new()
        } else {
            format!(": {}", self.redact(&text))
        }
    }

    /// `text` with every secret of the request hidden.
    fn redact(&self, text: &str) -> String {
        super::redact(text, &self.secrets)
    }
}

/// Delivers one batch: true when every event was stored, already there, or permanently
/// rejected (and dead-lettered); false when some were given up. Also hands back the batch's
/// buffer when it went out whole.
fn deliver(shared: &Shared, batch: Batch, jitter: &mut Jitter) -> (bool, Option<Vec<u8>>) {
    let options = &shared.options;
    let policy = options.retry;
    let started = Instant::now();
    let mut pending = batch;
    let mut attempt = 0u32;
    // some documents were rejected and could not be put in the dead-letter file
    let mut lost = false;
    loop {
        // why this attempt failed, whether the sink answered at all, how long it asked to wait
        let (why, status, reachable, asked_wait) = match post(shared, &pending) {
            Answer::Status {
                status,
                retry_after,
                location,
                mut body,
            } => match retry::classify(status) {
                StatusClass::Accepted if options.framing == Framing::Bulk => {
                    let ids: Vec<Option<&[u8]>> = (0..pending.len())
                        .map(|i| bulk::action_id(pending.unit(i)))
                        .collect();
                    match bulk::parse_response(&mut body, &ids) {
                        Ok(items) => match settle_items(shared, &pending, &items) {
                            Settled::Done { kept } => {
                                return (kept && !lost, Some(pending.into_buffer()))
                            }
                            Settled::Retry { indices, why, kept } => {
                                lost |= !kept;
                                pending = pending.subset(indices);
                                (why, None, true, None)
                            }
                        },
                        // an answer to another request, or items out of order: nothing of it
                        // is counted, the whole batch goes again
                        Err(BulkError::Mismatch(why)) => (shared.redact(&why), None, true, None),
                        Err(BulkError::NotBulk(e)) => {
                            // not a _bulk endpoint (a Logstash input answers `ok`): retrying
                            // cannot help, and sending the rest would not either
                            let message = format!(
                                "{}: {}; check that --output names an Elasticsearch or \
                                 OpenSearch endpoint",
                                shared.shown_url,
                                shared.redact(&e)
                            );
                            shared.dead_letter_all(&pending, Some(status), &message);
                            shared.set_fatal(message);
                            return (false, None);
                        }
                    }
                }
                StatusClass::Accepted => {
                    add(&shared.tally.acknowledged, pending.len());
                    return (true, Some(pending.into_buffer()));
                }
                StatusClass::Retry => (
                    format!("HTTP {status}{}", shared.snippet(&body)),
                    Some(status),
                    false,
                    retry_after,
                ),
                StatusClass::TooLarge => {
                    if pending.len() > 1 {
                        let (left, right) = pending.split();
                        let (left, _) = deliver(shared, left, jitter);
                        let (right, _) = deliver(shared, right, jitter);
                        return (left && right, Some(pending.into_buffer()));
                    }
                    // given up for good: complete once it is on disk
                    let kept = shared.dead_letter_all(
                        &pending,
                        Some(413),
                        "the sink refused this event as too large (413), alone in its request",
                    );
                    return (kept && !lost, None);
                }
                StatusClass::Redirect => {
                    let to = location.map_or_else(
                        || "no Location given".to_string(),
                        |l| format!("to {}", shared.redact(&super::redact_url(&l))),
                    );
                    let message = format!(
                        "{} answered HTTP {status}, a redirect {to}; elbship does not follow \
                         redirects (a POST would turn into a GET, or the credentials would go \
                         to another host): put the URL it points to in --output",
                        shared.shown_url
                    );
                    shared.dead_letter_all(&pending, Some(status), &message);
                    shared.set_fatal(message);
                    return (false, None);
                }
                StatusClass::Fatal => {
                    let message = format!(
                        "{} answered HTTP {status}{}; {}",
                        shared.shown_url,
                        shared.snippet(&body),
                        retry::fatal_hint(status)
                    );
                    shared.dead_letter_all(&pending, Some(status), &message);
                    shared.set_fatal(message);
                    return (false, None);
                }
            },
            Answer::Failed(e) if retryable(&e) => {
                (shared.redact(&e.to_string()), None, false, None)
            }
            Answer::Failed(e) => {
                let hint = if tls_error(&e).is_some() {
                    " (to trust a private CA pass --ca-cert FILE; --insecure skips the check)"
                } else {
                    ""
                };
                let message = format!(
                    "cannot send to {}: {}{hint}",
                    shared.shown_url,
                    shared.redact(&e.to_string())
                );
                shared.dead_letter_all(&pending, None, &message);
                shared.set_fatal(message);
                return (false, None);
            }
        };
        if let Some(p) = &options.progress {
            p.retries.fetch_add(1, Ordering::Relaxed);
        }
        let elapsed = started.elapsed();
        let out_of_time = policy.max_time.is_some_and(|max| elapsed >= max);
        if out_of_time || shared.aborted() {
            let reason = if out_of_time {
                format!(
                    "gave up after {:.0} s of retries (--retry-max-time): {why}",
                    elapsed.as_secs_f64()
                )
            } else {
                shared.why_stopped(&why)
            };
            shared.dead_letter_all(&pending, status, &reason);
            if !reachable && out_of_time {
                shared.set_fatal(format!("{}: {reason}", shared.shown_url));
            }
            return (false, None);
        }
        let mut wait = policy.wait(attempt, jitter.draw(), asked_wait);
        if let Some(max) = policy.max_time {
            wait = wait.min(max.saturating_sub(elapsed));
        }
        attempt = attempt.saturating_add(1);
        if !shared.sleep(wait) {
            shared.dead_letter_all(&pending, status, &shared.why_stopped(&why));
            return (false, None);
        }
        add(&shared.tally.retried, pending.len());
    }
}

/// What a `_bulk` answer leaves to do.
enum Settled {
    /// Nothing more to send; `kept`: every rejected document is in the dead-letter file.
    Done { kept: bool },
    /// These documents go again, for this reason.
    Retry {
        indices: Vec<usize>,
        why: String,
        kept: bool,
    },
}

/// Counts a `_bulk` answer's items and dead-letters the rejected ones (in one append).
fn settle_items(shared: &Shared, batch: &Batch, items: &[ItemOutcome]) -> Settled {
    let mut retry = Vec::new();
    let mut why = String::new();
    let mut rejected: Vec<(usize, Option<u16>, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            ItemOutcome::Stored => add(&shared.tally.acknowledged, 1),
            ItemOutcome::Duplicate => add(&shared.tally.duplicates, 1),
            ItemOutcome::Retry { reason, .. } => {
                if why.is_empty() {
                    why = format!("bulk item {reason}");
                }
                retry.push(i);
            }
            ItemOutcome::Reject { status, reason } => {
                rejected.push((i, Some(*status), format!("rejected: {reason}")));
            }
        }
    }
    let kept = rejected.is_empty() || shared.dead_letter(batch, &rejected);
    if retry.is_empty() {
        Settled::Done { kept }
    } else {
        Settled::Retry {
            indices: retry,
            why,
            kept,
        }
    }
}
