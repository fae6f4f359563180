//! The encode job: each line of a block becomes one event (a parsed record, or a failure event
//! keeping the raw line), in the chosen schema, with the input's static fields, the
//! `--since/--until` window applied and, for `_bulk`, the action line before it.
//!
//! The engine (`pipeline`) runs this job on its worker threads; sinks (`output`) take the
//! [`EventBlock`]s it makes, in input order.

pub mod action;

use crate::clock::TimeWindow;
use crate::error::InputError;
use crate::format;
use crate::input::chunk::{Line, Piece};
use crate::input::{s3key, Input};
use crate::pipeline::Job;
use crate::schema::{self, EventOut, EventStyle, EventWriter, Failure, StaticFields};
use crate::stats::Stats;
use action::BulkAction;

/// A block's events as NDJSON, with where each one ends, so a sink that cuts batches never
/// looks for the newlines again. For `_bulk` an event is its action line and its document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventBlock {
    /// `event\n` after `event\n` (`action\nevent\n` for `_bulk`).
    pub ndjson: Vec<u8>,
    /// The offset just past each event's last `\n`, in order.
    pub ends: Vec<usize>,
}

impl EventBlock {
    /// Events in the block.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Each event, without its last `\n`.
    pub fn events(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| &self.ndjson[start..end - 1])
    }

    /// A block of the NDJSON lines in `ndjson` (`lines_per_event` lines each; a last line
    /// without its `\n` gets one), for tests and tools that start from text.
    pub fn from_ndjson(ndjson: &[u8], lines_per_event: usize) -> EventBlock {
        let mut block = EventBlock {
            ndjson: ndjson.to_vec(),
            ends: Vec::new(),
        };
        if block.ndjson.last().is_some_and(|&b| b != b'\n') {
            block.ndjson.push(b'\n');
        }
        let newlines = memchr::memchr_iter(b'\n', &block.ndjson).map(|nl| nl + 1);
        let mut ends: Vec<usize> = newlines
            .skip(lines_per_event.max(1) - 1)
            .step_by(lines_per_event.max(1))
            .collect();
        // an event cut short (a lone action line) still ends the block
        if ends.last() != Some(&block.ndjson.len()) && !block.ndjson.is_empty() {
            ends.push(block.ndjson.len());
        }
        block.ends = ends;
        block
    }
}

/// The keys every input may set from its name: they cannot also be `--add-field` objects.
pub const SOURCE_KEYS: [&str; 5] = [
    "log.file.path",
    "cloud.account.id",
    "cloud.region",
    "aws.s3.bucket.name",
    "aws.s3.object.key",
];

/// The static fields of one input: its name and the AWS metadata in it (from the file name,
/// else from an `AWSLogs/<account>/elasticloadbalancing/<region>/` path), the bucket and
/// key of an S3 object, then `--add-field`s.
pub fn static_fields(
    name: Option<&str>,
    object: Option<(&str, &str)>,
    add_fields: &[(String, String)],
) -> Result<StaticFields, schema::statics::KeyConflict> {
    let mut statics = StaticFields::default();
    let [path, account, region, bucket_key, object_key] = SOURCE_KEYS;
    if let Some(name) = name {
        statics.insert(path, name)?;
        let meta = s3key::parse(name)
            .map(|m| (m.account_id, m.region))
            .or_else(|| s3key::account_region_in_path(name));
        if let Some((account_id, region_name)) = meta {
            statics.insert(account, account_id)?;
            statics.insert(region, region_name)?;
        }
    }
    if let Some((bucket, key)) = object {
        statics.insert(bucket_key, bucket)?;
        statics.insert(object_key, key)?;
    }
    for (key, value) in add_fields {
        statics.insert(key, value)?;
    }
    Ok(statics)
}

/// Checks `--add-field` keys against each other and against every key an input's name can
/// set, before anything is read.
pub fn check_add_fields(
    add_fields: &[(String, String)],
) -> Result<(), schema::statics::KeyConflict> {
    let mut statics = StaticFields::default();
    for key in SOURCE_KEYS {
        statics.insert(key, "")?;
    }
    for (key, value) in add_fields {
        statics.insert(key, value)?;
    }
    Ok(())
}

/// Blocks to events: the main job.
#[derive(Clone, Debug)]
pub struct EncodeEvents {
    pub style: EventStyle,
    /// `@timestamp` of failure events.
    pub processing_time: String,
    /// Events outside it are not written (failure events, which have no log time, always are).
    pub window: TimeWindow,
    /// `_bulk` output: each event goes after its action line.
    pub bulk: Option<BulkAction>,
    /// `--add-field KEY=VALUE` pairs, in order.
    pub add_fields: Vec<(String, String)>,
    /// Name of stdin in `log.file.path` (and for S3 metadata), from `--source`.
    pub stdin_name: Option<String>,
}

impl Job for EncodeEvents {
    type PerInput = StaticFields;
    type Output = EventBlock;

    fn start_input(&self, input: &Input) -> Result<StaticFields, InputError> {
        let name = match input {
            Input::Stdin => self.stdin_name.clone(),
            Input::File(_) | Input::S3(_) => Some(input.display_name()),
        };
        let object = match input {
            Input::S3(o) => Some((o.bucket.as_str(), o.key.as_str())),
            Input::Stdin | Input::File(_) => None,
        };
        static_fields(name.as_deref(), object, &self.add_fields).map_err(|conflict| {
            InputError::FieldConflict {
                name: input.display_name(),
                key: conflict.0,
            }
        })
    }

    fn process(
        &self,
        piece: Piece,
        max_line: usize,
        statics: &StaticFields,
    ) -> (EventBlock, Stats) {
        let (block, mut stats) = self.encode(&piece, max_line, statics);
        stats.bytes_out = block.ndjson.len() as u64;
        (block, stats)
    }
}

impl EncodeEvents {
    /// Parses and encodes one piece of input.
    pub fn encode(
        &self,
        piece: &Piece,
        max_line: usize,
        statics: &StaticFields,
    ) -> (EventBlock, Stats) {
        let mut stats = Stats::default();
        let mut block = EventBlock::default();
        if let Piece::Lines(lines) = piece {
            // ALB events run about 3.7x the line's size (the message is one copy): room for 4x
            block.ndjson.reserve(lines.len() * 4 + 4096);
            // no log line is shorter than 64 bytes
            block.ends.reserve(lines.len() / 64 + 1);
        }
        let mut w = EventWriter::new(&mut block.ndjson, statics);
        let ends = &mut block.ends;
        piece.for_each_line(max_line, |line| {
            stats.lines += 1;
            if self.encode_line(&mut w, line, &mut stats) {
                ends.push(w.out().len());
            }
        });
        (block, stats)
    }

    /// Writes the event of one line; false when there is none (an empty line, or one outside
    /// the window).
    #[inline]
    fn encode_line(&self, w: &mut EventWriter<'_>, line: Line<'_>, stats: &mut Stats) -> bool {
        let (style, time) = (&self.style, self.processing_time.as_str());
        match line {
            // (matched by reference: moving the record out of the `Result` copied its kilobyte)
            Line::Text(text) => match &format::parse_line(text) {
                Ok(record) => {
                    if !in_window(&self.window, record) {
                        stats.outside_window += 1;
                        return false;
                    }
                    self.action(w, record.time(), text, text.len() as u64);
                    schema::write_record(w, record, style);
                    stats.events += 1;
                    return true;
                }
                Err(e) => {
                    self.action(w, time.as_bytes(), text, text.len() as u64);
                    schema::write_failure(w, text, &Failure::Parse(*e), style, time);
                }
            },
            Line::Empty => {
                stats.empty_lines += 1;
                return false;
            }
            Line::TooLong { prefix, len, limit } => {
                self.action(w, time.as_bytes(), prefix, len);
                let failure = Failure::TooLong { len, limit };
                schema::write_failure(w, prefix, &failure, style, time);
            }
            Line::Truncated(text) => {
                self.action(w, time.as_bytes(), text, text.len() as u64);
                schema::write_failure(w, text, &Failure::Truncated, style, time);
            }
        }
        stats.events += 1;
        stats.parse_failures += 1;
        true
    }

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
pub fn in_window(window: &TimeWindow, record: &format::Record<'_>) -> bool {
    !window.is_set()
        || crate::clock::parse_timestamp_micros(record.time()).is_some_and(|t| window.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoder() -> EncodeEvents {
        EncodeEvents {
            style: EventStyle::new(schema::Schema::Ecs, true, &[]),
            processing_time: "2020-01-01T00:00:00Z".into(),
            window: TimeWindow::default(),
            bulk: None,
            add_fields: Vec::new(),
            stdin_name: None,
        }
    }

    #[test]
    fn each_event_end_is_recorded() {
        let text = b"not a log\n\n\r\nalso not\nlast without newline";
        let (block, stats) = encoder().encode(
            &Piece::Lines(text.to_vec()),
            1 << 20,
            &StaticFields::default(),
        );
        assert_eq!((stats.lines, stats.empty_lines, stats.events), (5, 2, 3));
        assert_eq!(block.len(), 3);
        assert_eq!(block.ends.last(), Some(&block.ndjson.len()));
        assert_eq!(block, EventBlock::from_ndjson(&block.ndjson, 1));
        let messages: Vec<String> = block
            .events()
            .map(|e| serde_json::from_slice::<serde_json::Value>(e).unwrap()["message"].to_string())
            .collect();
        assert_eq!(
            messages,
            ["\"not a log\"", "\"also not\"", "\"last without newline\""]
        );
    }

    #[test]
    fn add_fields_are_checked_against_the_source_keys() {
        let field = |k: &str| vec![(k.to_string(), "x".to_string())];
        assert!(check_add_fields(&field("labels.env")).is_ok());
        for bad in ["log", "cloud.region.name", "cloud"] {
            assert!(check_add_fields(&field(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn from_ndjson_pairs_bulk_lines() {
        let block = EventBlock::from_ndjson(b"a1\ne1\na2\ne2\na3", 2);
        assert_eq!(block.ends, [6, 12, 15]);
        assert_eq!(
            block.events().collect::<Vec<_>>(),
            [&b"a1\ne1"[..], b"a2\ne2", b"a3"]
        );
    }
}
