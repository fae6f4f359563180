//! Parsed records → JSON events, in the ECS or the legacy Logstash schema (`SCHEMA.md`).
//!
//! Pure: writes into a caller's buffer, no I/O, no allocation per event.

pub mod ecs;
pub mod legacy;
pub mod mapping;
pub mod planned;
pub mod statics;
pub mod writer;

use crate::format::{ParseError, Record};
use planned::PlannedWriter;
pub use statics::StaticFields;
pub use writer::{EventOut, EventWriter};

/// Which field names events use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Schema {
    /// Filebeat `aws` module / Elastic Agent names (`source.ip`, `aws.elb.*`).
    #[default]
    Ecs,
    /// logstash-patterns-core `ELB_ACCESS_LOG` names, AWS's names for the rest.
    Legacy,
}

/// How events look, beyond the schema: message on or off, tags.
#[derive(Clone, Debug, Default)]
pub struct EventStyle {
    pub schema: Schema,
    /// Keep the raw line as `message`.
    pub message: bool,
    /// `--tag` values, rendered as a JSON array (`["a","b"]`).
    tags: Vec<u8>,
}

/// The tag Logstash's grok filter puts on lines it could not parse.
pub const PARSE_FAILURE_TAG: &str = "_grokparsefailure";

impl EventStyle {
    pub fn new(schema: Schema, message: bool, tags: &[String]) -> Self {
        let mut rendered = Vec::new();
        for (i, tag) in tags.iter().enumerate() {
            if i > 0 {
                rendered.push(b',');
            }
            crate::json::write_str(&mut rendered, tag.as_bytes(), false);
        }
        EventStyle {
            schema,
            message,
            tags: [b"[", &rendered[..], b"]"].concat(),
        }
    }

    /// `@timestamp`, `message` and `tags`: the head of every event.
    #[inline(always)]
    fn head(&self, w: &mut impl EventOut, timestamp: &[u8], zulu_suffix: bool, line: &[u8]) {
        if zulu_suffix {
            w.str_concat("@timestamp", timestamp, b"Z");
        } else {
            w.str("@timestamp", timestamp);
        }
        if self.message {
            w.str("message", line);
        }
        if self.has_tags() {
            w.raw("tags", &self.tags);
        }
    }

    /// (`tags` is empty in a default style, `[]` when no `--tag` was given)
    fn has_tags(&self) -> bool {
        self.tags.len() > 2
    }

    /// The tags without their brackets (`"a","b"`), to add one after them.
    fn tags_inside(&self) -> &[u8] {
        self.tags
            .get(1..self.tags.len().saturating_sub(1))
            .unwrap_or_default()
    }
}

/// Writes the event for a parsed line: ECS events through a [`PlannedWriter`] when the input's
/// static fields allow it (they nearly always do), else through `w`.
#[inline]
pub fn write_record(w: &mut EventWriter<'_>, record: &Record<'_>, style: &EventStyle) {
    match (style.schema, w.statics().ecs_plan()) {
        (Schema::Ecs, Some(plan)) => {
            let mut planned = PlannedWriter::new(w.out(), plan);
            planned.begin();
            ecs::write(&mut planned, record, style);
            planned.end();
        }
        (Schema::Ecs, None) => {
            w.begin();
            ecs::write(w, record, style);
            w.end();
        }
        (Schema::Legacy, _) => {
            w.begin();
            legacy::write(w, record, style);
            w.end();
        }
    }
}

/// Why a line became a failure event.
pub enum Failure<'a> {
    Parse(ParseError<'a>),
    /// The line is `len` bytes, over the `limit`; the message holds its first `limit` bytes.
    TooLong {
        len: u64,
        limit: usize,
    },
    /// The input ended (or broke) in the middle of this line.
    Truncated,
}

/// Writes the `_grokparsefailure` event for a line that could not be parsed: the raw line is
/// always kept as `message` (even with `--no-message`: it is all the event has).
#[cold]
pub fn write_failure(
    w: &mut EventWriter<'_>,
    line: &[u8],
    failure: &Failure<'_>,
    style: &EventStyle,
    processing_time: &str,
) {
    w.begin();
    w.plain("@timestamp", processing_time);
    w.str("message", line);
    w.key("tags");
    let out = w.out();
    out.push(b'[');
    out.extend_from_slice(style.tags_inside());
    if style.has_tags() {
        out.push(b',');
    }
    crate::json::write_str(out, PARSE_FAILURE_TAG.as_bytes(), false);
    out.push(b']');
    let reason = match failure {
        Failure::Parse(e) => e.to_string(),
        Failure::TooLong { len, limit } => format!(
            "line is {len} bytes, longer than --max-line-bytes {limit}; message holds its first {limit} bytes"
        ),
        Failure::Truncated => "input ended in the middle of this line (truncated or corrupt input)".into(),
    };
    w.object("error", |w| w.str("message", reason.as_bytes()));
    w.end();
}

/// `success` below 400, `failure` from 400 (ECS `event.outcome`).
fn outcome(status: u64) -> &'static str {
    if status < 400 {
        "success"
    } else {
        "failure"
    }
}
