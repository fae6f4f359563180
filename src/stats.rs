//! Run counters: a value that merges (`+=`) per block and prints once at the end.

use std::fmt::Write as _;
use std::ops::AddAssign;
use std::time::Duration;

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Inputs opened (files or stdin).
    pub inputs: u64,
    /// Inputs that could not be opened or broke (corrupt or truncated gzip, read errors).
    pub inputs_failed: u64,
    /// Bytes read from the inputs as stored (compressed bytes for gzip).
    pub bytes_in: u64,
    /// Bytes of log text (after decompression).
    pub bytes_decoded: u64,
    /// Lines read, empty ones included.
    pub lines: u64,
    /// Empty lines, skipped.
    pub empty_lines: u64,
    /// Events written (parsed lines plus failure events).
    pub events: u64,
    /// Events tagged `_grokparsefailure`.
    pub parse_failures: u64,
    /// Parsed lines left out by `--since`/`--until`.
    pub outside_window: u64,
    /// Bytes of NDJSON written.
    pub bytes_out: u64,
}

impl AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.inputs += o.inputs;
        self.inputs_failed += o.inputs_failed;
        self.bytes_in += o.bytes_in;
        self.bytes_decoded += o.bytes_decoded;
        self.lines += o.lines;
        self.empty_lines += o.empty_lines;
        self.events += o.events;
        self.parse_failures += o.parse_failures;
        self.outside_window += o.outside_window;
        self.bytes_out += o.bytes_out;
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

impl Stats {
    fn rate(count: u64, elapsed: Duration) -> f64 {
        let secs = elapsed.as_secs_f64();
        if secs > 0.0 {
            count as f64 / secs
        } else {
            0.0
        }
    }

    /// One line for people.
    pub fn to_text(&self, elapsed: Duration) -> String {
        let mut s = format!(
            "elbship: {} lines read, {} events ({} parse failures), {} in",
            self.lines,
            self.events,
            self.parse_failures,
            human_bytes(self.bytes_in)
        );
        if self.outside_window > 0 {
            let _ = write!(s, ", {} outside --since/--until", self.outside_window);
        }
        if self.bytes_decoded != self.bytes_in {
            let _ = write!(s, " ({} decompressed)", human_bytes(self.bytes_decoded));
        }
        let _ = write!(
            s,
            ", {} out, {:.2} s, {:.0} lines/s",
            human_bytes(self.bytes_out),
            elapsed.as_secs_f64(),
            Self::rate(self.lines, elapsed)
        );
        if self.inputs_failed > 0 {
            let _ = write!(
                s,
                ", {} of {} inputs failed",
                self.inputs_failed, self.inputs
            );
        }
        s
    }

    /// One JSON object for machines.
    pub fn to_json(&self, elapsed: Duration) -> String {
        format!(
            concat!(
                "{{\"inputs\":{},\"inputs_failed\":{},\"bytes_in\":{},\"bytes_decoded\":{},",
                "\"lines\":{},\"empty_lines\":{},\"events\":{},\"parse_failures\":{},",
                "\"outside_window\":{},",
                "\"bytes_out\":{},\"elapsed_seconds\":{:.6},\"lines_per_second\":{:.0}}}"
            ),
            self.inputs,
            self.inputs_failed,
            self.bytes_in,
            self.bytes_decoded,
            self.lines,
            self.empty_lines,
            self.events,
            self.parse_failures,
            self.outside_window,
            self.bytes_out,
            elapsed.as_secs_f64(),
            Self::rate(self.lines, elapsed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_prints() {
        let mut a = Stats {
            lines: 2,
            events: 2,
            bytes_in: 1500,
            bytes_decoded: 1500,
            ..Stats::default()
        };
        a += Stats {
            lines: 1,
            events: 1,
            parse_failures: 1,
            ..Stats::default()
        };
        assert_eq!((a.lines, a.events, a.parse_failures), (3, 3, 1));
        let text = a.to_text(Duration::from_secs(1));
        assert!(
            text.contains("3 lines read, 3 events (1 parse failures), 1.5 KB in"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&a.to_json(Duration::from_secs(2))).unwrap();
        assert_eq!(json["lines"], 3);
        assert_eq!(json["lines_per_second"], 2);
    }
}
