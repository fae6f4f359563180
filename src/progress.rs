//! Progress on stderr while a run goes: an indicatif bar on a terminal (files or S3 objects
//! done of total, bytes read or downloaded, MB/s, lines/s, ETA), a plain line every few seconds with `--progress always` on a pipe,
//! nothing otherwise. The pipeline only bumps atomic counters; a ticker thread draws.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What the pipeline reports as it goes.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes read from the inputs as stored (compressed for gzip).
    pub bytes: AtomicU64,
    /// Lines handed to the sink.
    pub lines: AtomicU64,
    /// Inputs finished (every event written).
    pub files_done: AtomicU64,
    /// HTTP output: requests waiting for their answer.
    pub in_flight: AtomicU64,
    /// HTTP output: requests that failed and will be (or were) sent again.
    pub retries: AtomicU64,
    /// HTTP output is on (show the two counters above).
    pub http: AtomicBool,
}

/// `--progress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// On a terminal, and not when `CI` is set.
    Auto,
    Always,
    Never,
}

/// A running progress display; [`Progress::finish`] stops it.
pub struct Progress {
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

const PLAIN_EVERY: Duration = Duration::from_secs(5);
const TICK: Duration = Duration::from_millis(100);

impl Progress {
    /// Starts showing progress for `files` inputs of `total_bytes` (None: unknown, e.g. stdin),
    /// which are S3 objects when `objects`.
    pub fn start(
        mode: Mode,
        counters: Arc<Counters>,
        files: u64,
        total_bytes: Option<u64>,
        objects: bool,
    ) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let (bar, plain) = match mode {
            Mode::Never => (false, false),
            Mode::Auto => (terminal && !in_ci, false),
            Mode::Always => (terminal, !terminal),
        };
        let stop = Arc::new(AtomicBool::new(false));
        if !bar && !plain {
            return Progress { stop, ticker: None };
        }
        let flag = Arc::clone(&stop);
        let shown = Shown {
            files,
            noun: if objects { "objects" } else { "files" },
            started: Instant::now(),
        };
        let ticker = std::thread::Builder::new()
            .name("elbship-progress".into())
            .spawn(move || {
                if bar {
                    draw_bar(&counters, &shown, total_bytes, &flag);
                } else {
                    draw_plain(&counters, &shown, &flag);
                }
            })
            .ok();
        Progress { stop, ticker }
    }

    /// Stops and clears the display.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

/// What the display says of the inputs.
struct Shown {
    files: u64,
    /// "files" or, for S3, "objects".
    noun: &'static str,
    started: Instant,
}

/// The counters in words; `bytes_rate` adds the read rate (the bar shows its own).
fn message(c: &Counters, shown: &Shown, bytes_rate: bool) -> String {
    let lines = c.lines.load(Ordering::Relaxed);
    let secs = shown.started.elapsed().as_secs_f64().max(1e-3);
    let mut text = format!(
        "{} {}/{}, {lines} lines, {:.0} lines/s",
        shown.noun,
        c.files_done.load(Ordering::Relaxed),
        shown.files,
        lines as f64 / secs
    );
    if bytes_rate {
        let bytes = c.bytes.load(Ordering::Relaxed) as f64;
        text.push_str(&format!(
            ", {:.1} MB read, {:.1} MB/s",
            bytes / 1e6,
            bytes / 1e6 / secs
        ));
    }
    if c.http.load(Ordering::Relaxed) {
        text.push_str(&format!(
            ", {} requests in flight, {} retries",
            c.in_flight.load(Ordering::Relaxed),
            c.retries.load(Ordering::Relaxed)
        ));
    }
    text
}

fn draw_bar(c: &Counters, shown: &Shown, total_bytes: Option<u64>, stop: &AtomicBool) {
    let bar = match total_bytes {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = if total_bytes.is_some() {
        "{spinner} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {msg} ETA {eta}"
    } else {
        "{spinner} {decimal_bytes} {decimal_bytes_per_sec} {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    loop {
        bar.set_position(c.bytes.load(Ordering::Relaxed));
        bar.set_message(message(c, shown, false));
        bar.tick();
        if stop.load(Ordering::Relaxed) {
            break;
        }
        std::thread::sleep(TICK);
    }
    bar.finish_and_clear();
}

fn draw_plain(c: &Counters, shown: &Shown, stop: &AtomicBool) {
    let mut last: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        if last.is_none_or(|t| t.elapsed() >= PLAIN_EVERY) {
            crate::diag!("elbship: progress: {}", message(c, shown, true));
            last = Some(Instant::now());
        }
        std::thread::sleep(TICK);
    }
}
