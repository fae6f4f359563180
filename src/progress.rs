//! Progress on stderr while a run goes: an indicatif bar on a terminal (files or S3 objects
//! done of total, bytes read or downloaded, MB/s, lines/s, ETA), a plain line every few
//! seconds with `--progress always` on a pipe, nothing otherwise. The pipeline only bumps
//! atomic counters; a ticker thread draws.
//!
//! The ETA is the average rate since the start applied to what is left, not indicatif's
//! recent-rate estimate: reading runs ahead in bursts (a block, an S3 object's read-ahead),
//! and a burst made the recent rate say 0 s with a fifth of the input left.

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
            total_bytes,
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
    /// Bytes of all the inputs, when known (not for stdin).
    total_bytes: Option<u64>,
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
    let done = c.bytes.load(Ordering::Relaxed);
    if let Some(left) = shown
        .total_bytes
        .and_then(|total| eta(shown.started.elapsed(), done, total))
    {
        text.push_str(&format!(", ETA {}", short_duration(left)));
    }
    text
}

/// Time left if the rest goes at the average rate so far: elapsed × left / done. None before
/// anything is done and once everything is.
fn eta(elapsed: Duration, done: u64, total: u64) -> Option<Duration> {
    if done == 0 || done >= total {
        return None;
    }
    let left = (total - done) as f64 / done as f64;
    Some(Duration::from_secs_f64(elapsed.as_secs_f64() * left))
}

/// `42s`, `3m 05s`, `2h 07m`: as precise as a person reads an ETA.
fn short_duration(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

fn draw_bar(c: &Counters, shown: &Shown, total_bytes: Option<u64>, stop: &AtomicBool) {
    let bar = match total_bytes {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = if total_bytes.is_some() {
        "{spinner} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {msg}"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_is_the_average_rate_applied_to_what_is_left() {
        let secs = |s| Duration::from_secs(s);
        // 80 % in 8 s: 2 s left, whatever the recent rate was
        assert_eq!(eta(secs(8), 80, 100), Some(secs(2)));
        assert_eq!(eta(secs(10), 1, 4), Some(secs(30)));
        assert_eq!(eta(secs(3), 0, 100), None, "nothing done: no estimate");
        assert_eq!(eta(secs(3), 100, 100), None);
        assert_eq!(eta(secs(3), 120, 100), None, "a file that grew");
    }

    #[test]
    fn durations_read_as_a_person_reads_them() {
        let d = Duration::from_secs_f64;
        assert_eq!(short_duration(d(0.2)), "0s");
        assert_eq!(short_duration(d(42.4)), "42s");
        assert_eq!(short_duration(d(59.6)), "1m 00s");
        assert_eq!(short_duration(d(185.0)), "3m 05s");
        assert_eq!(short_duration(d(7620.0)), "2h 07m");
    }

    #[test]
    fn the_message_carries_the_eta_when_the_size_is_known() {
        let counters = Counters::default();
        counters.bytes.store(800, Ordering::Relaxed);
        let started = Instant::now() - Duration::from_secs(40);
        let shown = |total_bytes| Shown {
            files: 1,
            total_bytes,
            noun: "files",
            started,
        };
        let text = message(&counters, &shown(Some(1000)), true);
        assert!(text.ends_with(", ETA 10s"), "{text}");
        let text = message(&counters, &shown(None), true);
        assert!(!text.contains("ETA"), "{text}");
    }
}
