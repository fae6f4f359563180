//! What a run counts: [`Stats`] for reading and parsing (merged `+=` per block), [`Delivery`]
//! for what a sink did with the events, and the one end-of-run rendering of both, as text for
//! people or one JSON object for machines (`--stats`).

use std::fmt::Write as _;
use std::ops::AddAssign;
use std::time::Duration;

use crate::json::Object;

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

    fn write_json(&self, o: &mut Object<'_>, elapsed: Duration) {
        o.u64("inputs", self.inputs)
            .u64("inputs_failed", self.inputs_failed)
            .u64("bytes_in", self.bytes_in)
            .u64("bytes_decoded", self.bytes_decoded)
            .u64("lines", self.lines)
            .u64("empty_lines", self.empty_lines)
            .u64("events", self.events)
            .u64("parse_failures", self.parse_failures)
            .u64("outside_window", self.outside_window)
            .u64("bytes_out", self.bytes_out)
            .fixed("elapsed_seconds", elapsed.as_secs_f64(), 6)
            .fixed("lines_per_second", Self::rate(self.lines, elapsed), 0);
    }
}

/// What became of the events handed to a sink.
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

    fn write_json(&self, o: &mut Object<'_>) {
        o.u64("events", self.events)
            .u64("sent", self.sent)
            .u64("acknowledged", self.acknowledged)
            .u64("duplicates", self.duplicates)
            .u64("retried", self.retried)
            .u64("dead_lettered", self.dead_lettered)
            .u64("undelivered", self.undelivered())
            .u64("requests", self.requests);
    }
}

/// What the S3 client did (runs with `s3://` inputs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct S3Counts {
    /// ListObjectsV2 requests.
    pub list_requests: u64,
    /// GET requests (ranged resumes included).
    pub requests: u64,
    /// Resumes after a connection dropped mid-object (SDK retries of 5xx and throttling
    /// are not seen here).
    pub retries: u64,
    /// Body bytes downloaded.
    pub bytes: u64,
}

impl S3Counts {
    pub fn to_text(&self) -> String {
        format!(
            "elbship: S3: {} list requests, {} GET requests ({} resumed after a dropped \
             connection), {} downloaded",
            self.list_requests,
            self.requests,
            self.retries,
            human_bytes(self.bytes)
        )
    }

    fn write_json(&self, o: &mut Object<'_>) {
        o.u64("list_requests", self.list_requests)
            .u64("requests", self.requests)
            .u64("retries", self.retries)
            .u64("bytes", self.bytes);
    }
}

/// How `--stats` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A line for people (two with a sink).
    Text,
    /// One JSON object for machines; a sink's counts are under `delivery`.
    Json,
}

/// The end-of-run report: the reading's counts (absent when the run broke off before the end
/// of a block) and the sink's, when events went to one.
pub fn render(
    format: Format,
    stats: Option<&Stats>,
    delivery: Option<&Delivery>,
    s3: Option<&S3Counts>,
    elapsed: Duration,
) -> String {
    match format {
        Format::Text => {
            let lines: Vec<String> = stats
                .map(|s| s.to_text(elapsed))
                .into_iter()
                .chain(delivery.map(Delivery::to_text))
                .chain(s3.map(S3Counts::to_text))
                .collect();
            lines.join("\n")
        }
        Format::Json => {
            let mut out = Vec::new();
            {
                let mut o = Object::new(&mut out);
                if let Some(s) = stats {
                    s.write_json(&mut o, elapsed);
                }
                if let Some(d) = delivery {
                    d.write_json(&mut o.object("delivery"));
                }
                if let Some(s) = s3 {
                    s.write_json(&mut o.object("s3"));
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
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
        let json = render(Format::Json, Some(&a), None, None, Duration::from_secs(2));
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["lines"], 3);
        assert_eq!(json["lines_per_second"], 2);
        assert!(json.get("delivery").is_none());
    }

    #[test]
    fn delivery_adds_up_and_nests_under_its_own_key() {
        let d = Delivery {
            events: 10,
            sent: 9,
            acknowledged: 6,
            duplicates: 1,
            dead_lettered: 2,
            requests: 3,
            ..Delivery::default()
        };
        assert_eq!(d.undelivered(), 1);
        assert!(!d.complete());
        let json = render(Format::Json, None, Some(&d), None, Duration::ZERO);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["delivery"]["undelivered"], 1);
        assert_eq!(json.as_object().unwrap().len(), 1);
        let both = render(
            Format::Text,
            Some(&Stats::default()),
            Some(&d),
            None,
            Duration::ZERO,
        );
        assert_eq!(both.lines().count(), 2);
        assert!(both.ends_with("2 dead-lettered, 1 undelivered"), "{both}");
    }
}
