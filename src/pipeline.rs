//! The one data path: inputs → blocks → parse + encode in parallel → in input order → sink.
//!
//! A reader thread opens the inputs in order, decompresses, and cuts blocks at line ends; each
//! block is parsed and encoded on the rayon pool into its own buffer; the calling thread writes
//! the buffers in block order. A fixed number of slots bounds the blocks between reading and
//! writing, so memory stays flat whatever the input size, and a slow sink stops the reading.
//! This is the only module that sees inputs, formats, schemas and the sink together.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;

use memchr::memchr_iter;

use crate::clock::TimeWindow;
use crate::format;
use crate::input::chunk::{Chunker, Idle, Piece};
use crate::input::{self, s3key, Finished, Input, Stamp};
use crate::output::bulk::BulkAction;
use crate::schema::{self, EventStyle, EventWriter, Failure, StaticFields};
use crate::stats::Stats;
use crate::summary::{GroupBy, Summary};

/// Everything a run needs, resolved from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub inputs: Vec<Input>,
    /// Name for stdin in `log.file.path` (and for S3 metadata), from `--source`.
    pub stdin_name: Option<String>,
    pub style: EventStyle,
    /// `--add-field KEY=VALUE` pairs, in order.
    pub add_fields: Vec<(String, String)>,
    pub threads: usize,
    pub block_size: usize,
    pub max_line_bytes: usize,
    /// Blocks between the reader and the writer (bounds memory).
    pub blocks_in_flight: usize,
    /// `@timestamp` of failure events.
    pub processing_time: String,
    /// `--since`/`--until`.
    pub window: TimeWindow,
    /// Counters for a progress display, bumped as the run goes.
    pub progress: Option<Arc<crate::progress::Counters>>,
    /// `_bulk` output: the action line written before each event.
    pub bulk: Option<BulkAction>,
    /// Set (by a signal) to stop reading: each reader ends its input at the next block (a
    /// pipe at once), what was read is still parsed and handed on, and the run ends as
    /// [`Ending::Interrupted`].
    pub stop: Option<Arc<AtomicBool>>,
    /// An input that can stay open (a pipe, a FIFO) hands on its whole lines once nothing
    /// has come for this long.
    pub idle_after: std::time::Duration,
}

impl Config {
    /// Defaults for everything but the inputs.
    pub fn new(inputs: Vec<Input>) -> Self {
        Config {
            inputs,
            stdin_name: None,
            style: EventStyle::new(schema::Schema::Ecs, true, &[]),
            add_fields: Vec::new(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            block_size: DEFAULT_BLOCK_SIZE,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            blocks_in_flight: 0,
            processing_time: crate::clock::processing_time(None),
            window: TimeWindow::default(),
            progress: None,
            bulk: None,
            stop: None,
            idle_after: DEFAULT_IDLE_AFTER,
        }
    }

    /// Reader threads: one per input, up to one per three cores. A reader inflates gzip input
    /// on its own thread, and inflating costs roughly half as much as parsing and encoding the
    /// same text (for the 1M-line ALB file: zlib-rs 1.6 s, parse and encode at `-j1` 2.4-3.8 s
    /// on this machine), so about a third of the cores inflate. On 2 cores that is one reader:
    /// two inflating readers beside two parsers took 13 % longer on the 50-file gzip set
    /// (median of 6 interleaved runs each).
    fn readers(&self) -> usize {
        self.threads.div_ceil(3).min(self.inputs.len()).max(1)
    }

    fn slots(&self) -> usize {
        if self.blocks_in_flight > 0 {
            self.blocks_in_flight
        } else {
            (self.threads * 3).max(4)
        }
    }
}

pub const DEFAULT_BLOCK_SIZE: usize = 1 << 20;
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
/// Short enough that `tail -F | elbship` shows each line at once to a person; long enough
/// that a steady pipe is still read in whole blocks.
pub const DEFAULT_IDLE_AFTER: std::time::Duration = std::time::Duration::from_millis(100);

/// The static fields of one input: its name and S3 metadata, then `--add-field`s.
pub fn static_fields(
    name: Option<&str>,
    add_fields: &[(String, String)],
) -> Result<StaticFields, schema::statics::KeyConflict> {
    let mut statics = StaticFields::default();
    if let Some(name) = name {
        statics.insert("log.file.path", name)?;
        if let Some(meta) = s3key::parse(name) {
            statics.insert("cloud.account.id", meta.account_id)?;
            statics.insert("cloud.region", meta.region)?;
        }
    }
    for (key, value) in add_fields {
        statics.insert(key, value)?;
    }
    Ok(statics)
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every input was read and every event written.
    Complete,
    /// The reader of our output went away (`| head`): stopped quietly.
    OutputClosed,
    /// `Config::stop` was set: stopped reading; every line read was handed on.
    Interrupted,
}

/// The outcome of [`run`].
#[derive(Debug, Clone)]
pub struct Report {
    pub stats: Stats,
    pub ending: Ending,
}

/// What a block becomes: NDJSON for the event stream, a partial report for `summary`.
pub trait BlockWork: Send + Sync + 'static {
    type Output: Send + 'static;
    /// Parses one piece of one input (whose static fields are `statics`).
    fn process(&self, piece: Piece, statics: &StaticFields) -> (Self::Output, Stats);
}

/// Blocks to NDJSON events: the main job.
#[derive(Clone, Debug)]
pub struct EncodeEvents {
    pub style: EventStyle,
    pub max_line_bytes: usize,
    /// `@timestamp` of failure events.
    pub processing_time: String,
    /// Events outside it are not written (failure events, which have no log time, always are).
    pub window: TimeWindow,
    /// `_bulk` output: each event goes after its action line.
    pub bulk: Option<BulkAction>,
}

impl EncodeEvents {
    pub fn from_config(config: &Config) -> Self {
        EncodeEvents {
            style: config.style.clone(),
            max_line_bytes: config.max_line_bytes,
            processing_time: config.processing_time.clone(),
            window: config.window,
            bulk: config.bulk.clone(),
        }
    }
}

impl BlockWork for EncodeEvents {
    type Output = Vec<u8>;
    fn process(&self, piece: Piece, statics: &StaticFields) -> (Vec<u8>, Stats) {
        let (ndjson, mut stats) = self.encode(piece, statics);
        stats.bytes_out = ndjson.len() as u64;
        (ndjson, stats)
    }
}

/// Blocks to partial [`Summary`] reports, for `elbship summary`.
pub struct SummarizeBlocks {
    pub by: Option<GroupBy>,
    pub max_line_bytes: usize,
    pub window: TimeWindow,
}

impl BlockWork for SummarizeBlocks {
    type Output = Summary;
    fn process(&self, piece: Piece, _statics: &StaticFields) -> (Summary, Stats) {
        let mut summary = Summary::default();
        let mut stats = Stats::default();
        match piece {
            Piece::Lines(block) => each_line(&block, |line| {
                stats.lines += 1;
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    stats.empty_lines += 1;
                    return;
                }
                match format::parse_line(line) {
                    Ok(record) if line.len() <= self.max_line_bytes => {
                        if in_window(&self.window, &record) {
                            summary.add(&record, self.by);
                        } else {
                            stats.outside_window += 1;
                        }
                    }
                    _ => stats.parse_failures += 1,
                }
            }),
            Piece::TooLong { .. } | Piece::Truncated(_) => {
                stats.lines += 1;
                stats.parse_failures += 1;
            }
        }
        (summary, stats)
    }
}

/// Calls `f` with each line of `block` (without its `\n`; the last may lack one).
#[inline]
fn each_line(block: &[u8], mut f: impl FnMut(&[u8])) {
    let mut start = 0;
    for nl in memchr_iter(b'\n', block) {
        f(&block[start..nl]);
        start = nl + 1;
    }
    if start < block.len() {
        f(&block[start..]);
    }
}

/// What a block became.
enum Outcome<O> {
    Block {
        output: O,
        stats: Stats,
    },
    /// An input could not be opened or broke; reported at its place in the order.
    InputFailed(String),
    /// An input was left before its end because of `Config::stop` (never checkpointed).
    InputStopped,
    /// An input was read to its end.
    InputDone {
        /// Index of the input in `Config::inputs`.
        input: usize,
        bytes_in: u64,
        bytes_decoded: u64,
        /// The file as it was opened.
        stamp: Option<Stamp>,
    },
}

struct Done<O> {
    /// Index of the input in `Config::inputs`.
    input: usize,
    /// Block number within the input; the input's last message (done or failed) comes last.
    block: u64,
    /// The reader thread that took a slot for this message (it gets the slot back).
    reader: usize,
    outcome: Outcome<O>,
}

/// Runs the pipeline, writing NDJSON to `out` and input problems to `warn`.
///
/// Returns an error only when writing to `out` fails (other than it being closed).
pub fn run(config: &Config, out: &mut dyn Write, warn: &mut dyn FnMut(&str)) -> io::Result<Report> {
    run_with_done(config, out, warn, &mut |_| {})
}

/// [`run`], calling `done` with each input once every event from it has been written to `out`
/// (for checkpoints).
pub fn run_with_done(
    config: &Config,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
    done: &mut dyn FnMut(&Finished),
) -> io::Result<Report> {
    let report = run_events(config, &mut |ndjson| out.write_all(&ndjson), warn, done)?;
    if report.ending == Ending::Complete {
        out.flush()?;
    }
    Ok(report)
}

/// The event stream to any sink: `consume` gets each block's NDJSON in input order, `done`
/// each input once all its events went to `consume`.
pub fn run_events(
    config: &Config,
    consume: &mut dyn FnMut(Vec<u8>) -> io::Result<()>,
    warn: &mut dyn FnMut(&str),
    done: &mut dyn FnMut(&Finished),
) -> io::Result<Report> {
    run_work(
        config,
        EncodeEvents::from_config(config),
        consume,
        warn,
        done,
    )
}

/// Runs the pipeline with any [`BlockWork`], handing each block's output to `consume` in input
/// order. An error from `consume` stops the run (`BrokenPipe` quietly, as `OutputClosed`).
pub fn run_work<W: BlockWork>(
    config: &Config,
    work: W,
    consume: &mut dyn FnMut(W::Output) -> io::Result<()>,
    warn: &mut dyn FnMut(&str),
    done: &mut dyn FnMut(&Finished),
) -> io::Result<Report> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads.max(1))
        .thread_name(|i| format!("elbship-parse-{i}"))
        .build()
        .map_err(|e| io::Error::other(format!("cannot start worker threads: {e}")))?;
    let pool = Arc::new(pool);
    let work = Arc::new(work);

    // several readers take the inputs in turn (decompressing files in parallel); each has its
    // own slots, so the reader of the input being written can always go on
    let readers = config.readers();
    let per_reader = (config.slots() / readers).max(2);
    let next_input = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel::<Done<W::Output>>();
    let mut slot_txs = Vec::with_capacity(readers);
    let mut reader_threads = Vec::with_capacity(readers);
    for reader in 0..readers {
        let (slot_tx, slot_rx) = mpsc::sync_channel::<()>(per_reader);
        for _ in 0..per_reader {
            let _ = slot_tx.send(());
        }
        slot_txs.push(slot_tx);
        let config = config.clone();
        let pool = Arc::clone(&pool);
        let work = Arc::clone(&work);
        let next_input = Arc::clone(&next_input);
        let done_tx = done_tx.clone();
        reader_threads.push(
            std::thread::Builder::new()
                .name(format!("elbship-read-{reader}"))
                .spawn(move || {
                    read_inputs(
                        &config,
                        reader,
                        &next_input,
                        &pool,
                        &work,
                        &slot_rx,
                        &done_tx,
                    )
                })?,
        );
    }
    drop(done_tx);

    let mut stats = Stats::default();
    let inputs = &config.inputs;
    let progress = config.progress.clone();
    let mut input_done = |i: usize, stamp: Option<Stamp>| {
        if let Some(p) = &progress {
            p.files_done.fetch_add(1, Ordering::Relaxed);
        }
        done(&Finished {
            input: inputs[i].clone(),
            stamp,
        })
    };
    let block_progress = config.progress.clone();
    let mut consume = |output: W::Output, lines: u64| {
        if let Some(p) = &block_progress {
            p.lines.fetch_add(lines, Ordering::Relaxed);
        }
        consume(output)
    };
    match consume_in_order(
        &config.inputs,
        &done_rx,
        &slot_txs,
        &mut consume,
        warn,
        &mut input_done,
        &mut stats,
    ) {
        Ok(()) => {}
        // the reader threads stop at their next block: their slot channels are gone
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(Report {
                stats,
                ending: Ending::OutputClosed,
            });
        }
        Err(e) => return Err(e),
    }
    for reader in reader_threads {
        let _ = reader.join();
    }
    let stopped = config
        .stop
        .as_ref()
        .is_some_and(|s| s.load(Ordering::Relaxed));
    Ok(Report {
        stats,
        ending: if stopped {
            Ending::Interrupted
        } else {
            Ending::Complete
        },
    })
}

/// Hands outputs to `consume` input by input, block by block, whatever order they come in.
fn consume_in_order<O>(
    inputs: &[Input],
    done_rx: &Receiver<Done<O>>,
    slot_txs: &[SyncSender<()>],
    consume: &mut dyn FnMut(O, u64) -> io::Result<()>,
    warn: &mut dyn FnMut(&str),
    input_done: &mut dyn FnMut(usize, Option<Stamp>),
    stats: &mut Stats,
) -> io::Result<()> {
    let mut waiting: BTreeMap<(usize, u64), (usize, Outcome<O>)> = BTreeMap::new();
    let (mut input, mut block) = (0usize, 0u64);
    // the counts of the input being written, for the "not a log" warning
    let mut this_input = Stats::default();
    loop {
        // after a stop the readers end their inputs at the next block, and what they read
        // still comes through here
        let Ok(done) = done_rx.recv() else {
            break;
        };
        waiting.insert((done.input, done.block), (done.reader, done.outcome));
        while let Some((reader, outcome)) = waiting.remove(&(input, block)) {
            let last = match outcome {
                Outcome::Block { output, stats: s } => {
                    consume(output, s.lines)?;
                    *stats += s;
                    this_input += s;
                    false
                }
                Outcome::InputFailed(message) => {
                    warn(&message);
                    stats.inputs += 1;
                    stats.inputs_failed += 1;
                    true
                }
                Outcome::InputStopped => {
                    stats.inputs += 1;
                    warn_if_not_a_log(&inputs[input], &this_input, warn);
                    true
                }
                Outcome::InputDone {
                    input: index,
                    bytes_in,
                    bytes_decoded,
                    stamp,
                } => {
                    warn_if_not_a_log(&inputs[index], &this_input, warn);
                    input_done(index, stamp);
                    stats.bytes_in += bytes_in;
                    stats.bytes_decoded += bytes_decoded;
                    stats.inputs += 1;
                    true
                }
            };
            let _ = slot_txs[reader].send(());
            if last {
                input += 1;
                block = 0;
                this_input = Stats::default();
            } else {
                block += 1;
            }
        }
    }
    Ok(())
}

/// An input none of whose lines is a load balancer log line (a PNG, a JSON file, the wrong
/// directory) says so once: its lines are failure events, which is no reason to be silent.
fn warn_if_not_a_log(input: &Input, counts: &Stats, warn: &mut dyn FnMut(&str)) {
    let lines = counts.lines - counts.empty_lines;
    if lines > 0 && counts.parse_failures == lines {
        let what = if lines == 1 {
            "its one line is not".to_string()
        } else {
            format!("none of its {lines} lines is")
        };
        warn(&format!(
            "{}: {what} a load balancer log line",
            input.display_name()
        ));
    }
}

/// How often a reader waiting for stdin's first bytes looks at the stop flag.
const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// A reader thread: takes the next input not yet taken, cuts it into blocks, sends each to
/// the pool; every message takes one of this reader's slots.
fn read_inputs<W: BlockWork>(
    config: &Config,
    reader: usize,
    next_input: &AtomicUsize,
    pool: &rayon::ThreadPool,
    work: &Arc<W>,
    slot_rx: &Receiver<()>,
    done_tx: &Sender<Done<W::Output>>,
) {
    loop {
        let index = next_input.fetch_add(1, Ordering::Relaxed);
        let Some(input) = config.inputs.get(index) else {
            return;
        };
        let mut block = 0u64;
        // one message of this input; false when the writer has stopped
        let send = |outcome: Outcome<W::Output>, block: &mut u64| -> bool {
            if slot_rx.recv().is_err() {
                return false;
            }
            let sent = done_tx.send(Done {
                input: index,
                block: *block,
                reader,
                outcome,
            });
            *block += 1;
            sent.is_ok()
        };
        let name = input.display_name();
        let source_name = match input {
            Input::Stdin => config.stdin_name.clone(),
            Input::File(_) => Some(name.clone()),
        };
        let statics = match static_fields(source_name.as_deref(), &config.add_fields) {
            Ok(s) => Arc::new(s),
            Err(conflict) => {
                let message = format!(
                    "{name}: --add-field {} conflicts with a source field",
                    conflict.0
                );
                if !send(Outcome::InputFailed(message), &mut block) {
                    return;
                }
                continue;
            }
        };
        let stop = config.stop.as_deref();
        let stopped = || stop.is_some_and(|s| s.load(Ordering::Relaxed));
        // stdin that stays open: wait for its first bytes here, where a stop is seen (the
        // gzip sniff would block)
        if *input == Input::Stdin && stop.is_some() {
            use std::os::fd::AsRawFd;
            let fd = std::io::stdin().as_raw_fd();
            while !stopped() {
                if matches!(input::chunk::readable(fd, STOP_POLL), Ok(true) | Err(_)) {
                    break;
                }
            }
        }
        if stopped() {
            let _ = send(Outcome::InputStopped, &mut block);
            return;
        }
        let opened = match input::open(input) {
            Ok(o) => o,
            Err(e) => {
                let message = format!("{name}: cannot open: {}", describe_io_error(&e));
                if !send(Outcome::InputFailed(message), &mut block) {
                    return;
                }
                continue;
            }
        };
        let gzip = opened.gzip;
        let stamp = opened.stamp;
        let compressed_bytes = opened.compressed_bytes.clone();
        let mut chunker = Chunker::new(opened.reader, config.block_size, config.max_line_bytes);
        if let Some(fd) = opened.idle_fd {
            chunker = chunker.idle(Idle {
                fd,
                after: config.idle_after,
                stop: config.stop.clone(),
            });
        }
        let mut reported = 0u64;
        loop {
            // the slot is taken before reading, so a block in memory always holds one
            if slot_rx.recv().is_err() {
                return;
            }
            let this_block = block;
            block += 1;
            let reply = move |outcome| Done {
                input: index,
                block: this_block,
                reader,
                outcome,
            };
            if stopped() && opened.idle_fd.is_none() {
                // a file is left where it is (and read again on a re-run)
                let _ = done_tx.send(reply(Outcome::InputStopped));
                return;
            }
            let piece = match chunker.next_piece() {
                Ok(Some(piece)) => piece,
                Ok(None) if chunker.stopped() => {
                    let _ = done_tx.send(reply(Outcome::InputStopped));
                    return;
                }
                Ok(None) => {
                    let _ = done_tx.send(reply(Outcome::InputDone {
                        input: index,
                        bytes_in: compressed_bytes
                            .as_ref()
                            .map_or(chunker.bytes_read(), |c| c.load(Ordering::Relaxed)),
                        bytes_decoded: chunker.bytes_read(),
                        stamp,
                    }));
                    break;
                }
                Err(e) => {
                    let what = if gzip {
                        "corrupt or truncated gzip data"
                    } else {
                        "read error"
                    };
                    let message = format!("{name}: {what}: {}", describe_io_error(&e));
                    let _ = done_tx.send(reply(Outcome::InputFailed(message)));
                    break;
                }
            };
            if let Some(p) = &config.progress {
                let read = compressed_bytes
                    .as_ref()
                    .map_or(chunker.bytes_read(), |c| c.load(Ordering::Relaxed));
                p.bytes
                    .fetch_add(read.saturating_sub(reported), Ordering::Relaxed);
                reported = read;
            }
            let done_tx = done_tx.clone();
            let statics = Arc::clone(&statics);
            let work = Arc::clone(work);
            pool.spawn(move || {
                let (output, stats) = work.process(piece, &statics);
                let _ = done_tx.send(reply(Outcome::Block { output, stats }));
            });
        }
    }
}

fn describe_io_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::UnexpectedEof => "unexpected end of data (file cut short?)".to_string(),
        _ => e.to_string(),
    }
}

impl EncodeEvents {
    /// Parses and encodes one piece of input into NDJSON.
    pub fn encode(&self, piece: Piece, statics: &StaticFields) -> (Vec<u8>, Stats) {
        let mut stats = Stats::default();
        let mut out = Vec::new();
        let (style, time) = (&self.style, self.processing_time.as_str());
        match piece {
            Piece::Lines(block) => {
                // ALB events run about 3.7x the line's size (the message is one copy): room for 4x
                out.reserve(block.len() * 4 + 4096);
                let mut w = EventWriter::new(&mut out, statics);
                each_line(&block, |line| self.encode_line(&mut w, line, &mut stats));
            }
            Piece::TooLong { prefix, len } => {
                let mut w = EventWriter::new(&mut out, statics);
                self.action(&mut w, time.as_bytes(), &prefix, len);
                let failure = Failure::TooLong {
                    len,
                    limit: self.max_line_bytes,
                };
                schema::write_failure(&mut w, &prefix, &failure, style, time);
                stats.lines += 1;
                stats.events += 1;
                stats.parse_failures += 1;
            }
            Piece::Truncated(bytes) => {
                let mut w = EventWriter::new(&mut out, statics);
                let line = bytes.strip_suffix(b"\r").unwrap_or(&bytes);
                self.action(&mut w, time.as_bytes(), line, line.len() as u64);
                schema::write_failure(&mut w, line, &Failure::Truncated, style, time);
                stats.lines += 1;
                stats.events += 1;
                stats.parse_failures += 1;
            }
        }
        (out, stats)
    }

    #[inline]
    fn encode_line(&self, w: &mut EventWriter<'_>, line: &[u8], stats: &mut Stats) {
        stats.lines += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            stats.empty_lines += 1;
            return;
        }
        let (style, time, max_line) = (
            &self.style,
            self.processing_time.as_str(),
            self.max_line_bytes,
        );
        if line.len() > max_line {
            let failure = Failure::TooLong {
                len: line.len() as u64,
                limit: max_line,
            };
            self.action(w, time.as_bytes(), &line[..max_line], line.len() as u64);
            schema::write_failure(w, &line[..max_line], &failure, style, time);
            stats.events += 1;
            stats.parse_failures += 1;
            return;
        }
        match format::parse_line(line) {
            Ok(record) => {
                if !in_window(&self.window, &record) {
                    stats.outside_window += 1;
                    return;
                }
                self.action(w, record.time(), line, line.len() as u64);
                schema::write_record(w, &record, style);
                stats.events += 1;
            }
            Err(e) => {
                self.action(w, time.as_bytes(), line, line.len() as u64);
                schema::write_failure(w, line, &Failure::Parse(e), style, time);
                stats.events += 1;
                stats.parse_failures += 1;
            }
        }
    }
}

impl EncodeEvents {
    /// The `_bulk` action line before an event, when the output is `_bulk`.
    #[inline]
    fn action(&self, w: &mut EventWriter<'_>, timestamp: &[u8], line: &[u8], line_len: u64) {
        if let Some(bulk) = &self.bulk {
            bulk.write(w.out(), timestamp, line, line_len);
        }
    }
}

/// Whether a parsed line's time is inside `--since`/`--until` (always, when none is set).
#[inline]
fn in_window(window: &TimeWindow, record: &format::Record<'_>) -> bool {
    !window.is_set()
        || crate::clock::parse_timestamp_micros(record.time()).is_some_and(|t| window.contains(t))
}
