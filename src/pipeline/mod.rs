//! The engine: inputs → blocks → a [`Job`] on a thread pool → outputs in input order → a
//! [`Consumer`].
//!
//! Reader threads open the inputs in turn, decompress, and cut blocks at line ends
//! (`read.rs`); each block is processed on the rayon pool; the calling thread hands the
//! outputs on in input and block order, whatever order they finish in (`order.rs`). A fixed
//! number of slots bounds the blocks between reading and consuming, so memory stays flat
//! whatever the input size, and a slow consumer stops the reading.
//!
//! The engine knows nothing of events, schemas or sinks: the encode job lives in `event`,
//! the summary job in `summary`, the sinks in `output`.

mod order;
mod read;

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use crate::error::InputError;
use crate::input::chunk::Piece;
use crate::input::{Finished, Input};
use crate::stats::Stats;

/// What the engine needs, resolved from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub inputs: Vec<Input>,
    pub threads: usize,
    pub block_size: usize,
    /// `--max-line-bytes`: the chunker cuts longer lines; jobs see them as `Line::TooLong`.
    pub max_line_bytes: usize,
    /// Blocks between the readers and the consumer, per thread (at least 4 in all): with
    /// `block_size`, this bounds memory.
    pub blocks_per_thread: usize,
    /// Counters for a progress display, bumped as the run goes.
    pub progress: Option<Arc<crate::progress::Counters>>,
    /// Set (by a signal) to stop reading: each reader ends its input at the next block (a
    /// pipe at once), what was read is still processed and handed on, and the run ends as
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
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            block_size: DEFAULT_BLOCK_SIZE,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            blocks_per_thread: DEFAULT_BLOCKS_PER_THREAD,
            progress: None,
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
        (self.threads * self.blocks_per_thread).max(4)
    }

    fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

/// 6 blocks of 512 KiB a thread: the same 3 MiB of log in flight per thread as 3 of 1 MiB,
/// cut finer, so a block that waits for an earlier one to finish (output is in input order)
/// holds up less of the reading. On the 2-core machine, against 3 x 1 MiB (4 alternating
/// rounds, medians): raw file 0.92 -> 0.89 s, gzip stdin 1.45 -> 1.42 s, 50 gzip files
/// 1.50 -> 1.45 s, CPU used on gzip 177 % -> 186 %, peak RSS 45-50 -> 35-40 MB.
pub const DEFAULT_BLOCK_SIZE: usize = 512 * 1024;
pub const DEFAULT_BLOCKS_PER_THREAD: usize = 6;
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
/// Short enough that `tail -F | elbship` shows each line at once to a person; long enough
/// that a steady pipe is still read in whole blocks.
pub const DEFAULT_IDLE_AFTER: std::time::Duration = std::time::Duration::from_millis(100);

/// What is done to each block, on the worker threads: encode events (`event`), or
/// accumulate a summary (`summary`).
pub trait Job: Send + Sync + 'static {
    /// What the job keeps per input (the encode job: the input's static fields).
    type PerInput: Send + Sync + 'static;
    /// What a block becomes.
    type Output: Send + 'static;
    /// Called once per input before its first block; an error skips the input.
    fn start_input(&self, input: &Input) -> Result<Self::PerInput, InputError>;
    /// Processes one piece of an input; lines over `max_line` bytes are to be treated as such.
    fn process(
        &self,
        piece: Piece,
        max_line: usize,
        per_input: &Self::PerInput,
    ) -> (Self::Output, Stats);
}

/// Where the outputs go, in input order, on the thread that called [`run`].
pub trait Consumer<O> {
    /// One block's output. An error stops the run (`BrokenPipe` quietly, as
    /// [`Ending::OutputClosed`]).
    fn block(&mut self, output: O) -> io::Result<()>;
    /// Every block of this input went to [`Consumer::block`] (for checkpoints).
    fn input_done(&mut self, _input: &Finished) {}
    /// Something about an input the user should know (it failed, it is not a log), at its
    /// place in the order.
    fn warn(&mut self, message: &dyn fmt::Display) {
        crate::messages::warn(message);
    }
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every input was read and every output consumed.
    Complete,
    /// The reader of our output went away (`| head`): stopped quietly.
    OutputClosed,
    /// `Config::stop` was set: stopped reading; every line read was handed on.
    Interrupted,
}

/// What [`run`] did.
#[derive(Debug, Clone)]
pub struct Report {
    pub stats: Stats,
    pub ending: Ending,
}

/// Runs `job` over `config.inputs`, handing each block's output to `to` in input order.
///
/// Returns an error only when the consumer fails (other than with `BrokenPipe`), or the
/// threads cannot be started.
pub fn run<J: Job>(
    config: &Config,
    job: J,
    to: &mut dyn Consumer<J::Output>,
) -> io::Result<Report> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads.max(1))
        .thread_name(|i| format!("elbship-parse-{i}"))
        .start_handler(|_| yield_to_the_other_stages())
        .build()
        .map_err(|e| io::Error::other(format!("cannot start worker threads: {e}")))?;
    let pool = Arc::new(pool);
    let job = Arc::new(job);

    // several readers take the inputs in turn (decompressing files in parallel); each has its
    // own slots, so the reader of the input being consumed can always go on
    let readers = config.readers();
    let per_reader = (config.slots() / readers).max(2);
    let next_input = Arc::new(AtomicUsize::new(0));
    let (message_tx, messages) = mpsc::channel::<order::Message<J::Output>>();
    let mut slot_txs = Vec::with_capacity(readers);
    let mut reader_threads = Vec::with_capacity(readers);
    for reader in 0..readers {
        let (slot_tx, slot_rx) = mpsc::sync_channel::<()>(per_reader);
        for _ in 0..per_reader {
            let _ = slot_tx.send(());
        }
        slot_txs.push(slot_tx);
        let shared = read::Reader {
            config: config.clone(),
            id: reader,
            next_input: Arc::clone(&next_input),
            pool: Arc::clone(&pool),
            job: Arc::clone(&job),
            slots: slot_rx,
            messages: message_tx.clone(),
        };
        reader_threads.push(
            std::thread::Builder::new()
                .name(format!("elbship-read-{reader}"))
                .spawn(move || shared.read_inputs())?,
        );
    }
    drop(message_tx);

    let mut stats = Stats::default();
    let result = order::consume_in_order(
        &config.inputs,
        &messages,
        &slot_txs,
        &mut Counted {
            to,
            progress: config.progress.as_deref(),
        },
        &mut stats,
    );
    match result {
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
    Ok(Report {
        stats,
        ending: if config.stopped() {
            Ending::Interrupted
        } else {
            Ending::Complete
        },
    })
}

/// How much nicer than the rest of the process the parse workers run.
const WORKER_NICENESS: i32 = 10;

/// Lowers the calling worker thread's priority by [`WORKER_NICENESS`] (Linux, where niceness
/// is per thread; relative to what it was, so a run under `nice` stays below it; a failure
/// changes nothing).
///
/// The workers are the one stage with as many threads as cores. The others (a reader inflating
/// gzip, the in-order writer, the senders) are one thread each, and each holds up the whole
/// pipeline when it runs late: with the workers at the same priority, a reader inflating
/// beside two workers on two cores shared them three ways, and a gzip run took 8 % longer
/// (README, Performance). Nicer workers take what the other stages leave.
fn yield_to_the_other_stages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `gettid`, `getpriority` and `setpriority` on the calling thread, no memory passed
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        if *libc::__errno_location() == 0 {
            libc::setpriority(libc::PRIO_PROCESS, tid, (now + WORKER_NICENESS).min(19));
        }
    }
}

/// A consumer that also bumps the progress counters.
struct Counted<'a, O> {
    to: &'a mut dyn Consumer<O>,
    progress: Option<&'a crate::progress::Counters>,
}

impl<O> order::Ordered<O> for Counted<'_, O> {
    fn block(&mut self, output: O, lines: u64) -> io::Result<()> {
        if let Some(p) = self.progress {
            p.lines.fetch_add(lines, Ordering::Relaxed);
        }
        self.to.block(output)
    }

    fn input_done(&mut self, input: &Finished) {
        if let Some(p) = self.progress {
            p.files_done.fetch_add(1, Ordering::Relaxed);
        }
        self.to.input_done(input);
    }

    fn warn(&mut self, message: &dyn fmt::Display) {
        self.to.warn(message);
    }
}

/// A [`Consumer`] made of a closure for the blocks (inputs done and warnings take the
/// defaults): `pipeline::run(&config, job, &mut pipeline::each(|block| ...))`.
pub fn each<O, F: FnMut(O) -> io::Result<()>>(f: F) -> Each<F> {
    Each(f)
}

/// See [`each`].
pub struct Each<F>(F);

impl<O, F: FnMut(O) -> io::Result<()>> Consumer<O> for Each<F> {
    fn block(&mut self, output: O) -> io::Result<()> {
        (self.0)(output)
    }
}
