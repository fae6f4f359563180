//! The fast way to write an ECS event: every key pre-rendered with the comma before it, and an
//! input's static fields planned once, per object, when the input starts.
//!
//! [`EventWriter`](super::EventWriter) asks at every field whether a static field sits at that
//! path, checks whether a comma is due, and keeps a stack of open objects. None of that is
//! needed when no static field can meet a field the mapping writes, which is every input but
//! those given an `--add-field` inside a mapped object: `log.file.path`, `event.dataset`,
//! `cloud.region`, `aws.s3.*` and `labels.*` go into objects every event has, after the
//! mapping's own fields, so each object's share is one string rendered up front ([`Plan`]).
//! For the other inputs the merging writer stays, and writes the same bytes.
//!
//! Every field is written `,"key":value`; an object is opened as `,"key":` and its first
//! field's comma becomes its `{` at close (an object nothing went into is cut back out), so
//! no comma is ever checked for.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::mapping;
use super::statics::{StaticFields, ROOT};
use super::writer::EventOut;
use super::Schema;
use crate::format::tokens::Token;
use crate::json::escape::{copy_short, escape_short_clean_inline, put, MAX_ESCAPED_LEN, SPILL};

/// The objects every ECS event has (beside the event itself), where static fields are merged
/// as planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    Event,
    Cloud,
    Aws,
    /// `aws.elb`
    Elb,
}

impl Attach {
    const ALL: [Attach; 4] = [Attach::Event, Attach::Cloud, Attach::Aws, Attach::Elb];

    /// The object's key in its parent.
    pub fn key(self) -> &'static str {
        match self {
            Attach::Event => "event",
            Attach::Cloud => "cloud",
            Attach::Aws => "aws",
            Attach::Elb => "elb",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Attach::Elb => "aws.elb",
            other => other.key(),
        }
    }
}

/// An input's static fields as the ECS events of that input write them: for the event and
/// each [`Attach`] object, the fields to add after the mapping's own, as `,"key":value`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    root: Vec<u8>,
    at: [Vec<u8>; 4],
}

/// The mapping's paths: the fields it writes, and the objects they are in.
struct Mapped {
    fields: HashSet<&'static str>,
    objects: HashSet<&'static str>,
}

fn ecs_mapped() -> &'static Mapped {
    static MAPPED: OnceLock<Mapped> = OnceLock::new();
    MAPPED.get_or_init(|| {
        let fields: HashSet<&'static str> = mapping::written(Schema::Ecs).collect();
        let objects = fields
            .iter()
            .flat_map(|path| path.match_indices('.').map(|(dot, _)| &path[..dot]))
            .collect();
        Mapped { fields, objects }
    })
}

impl Plan {
    /// The plan for `statics` under the ECS mapping, or `None` when a static field sits at a
    /// path the mapping writes, or inside an object not every event has: the event then decides
    /// which of the two is written, and where, so [`EventWriter`](super::EventWriter) does.
    pub fn ecs(statics: &StaticFields) -> Option<Plan> {
        let mut plan = Plan::default();
        plan.take(statics, ROOT, "", None, ecs_mapped())?;
        Some(plan)
    }

    fn take(
        &mut self,
        statics: &StaticFields,
        node: u32,
        path: &str,
        at: Option<Attach>,
        mapped: &Mapped,
    ) -> Option<()> {
        for &child in statics.children(node) {
            let child_node = statics.node(child);
            let child_path = match path {
                "" => child_node.key.clone(),
                _ => format!("{path}.{}", child_node.key),
            };
            if mapped.fields.contains(child_path.as_str()) {
                return None;
            }
            if mapped.objects.contains(child_path.as_str()) {
                // (a static value here has no children to take: the line's object wins, as
                // it does in the merging writer)
                let object = Attach::ALL.into_iter().find(|a| a.path() == child_path)?;
                self.take(statics, child, &child_path, Some(object), mapped)?;
                continue;
            }
            let out = match at {
                None => &mut self.root,
                Some(a) => &mut self.at[a as usize],
            };
            out.push(b',');
            out.extend_from_slice(&child_node.key_json);
            out.push(b':');
            out.extend_from_slice(&child_node.rendered);
        }
        Some(())
    }
}

/// Writes ECS events whose static fields were planned (see the module's documentation).
pub struct PlannedWriter<'w> {
    out: &'w mut Vec<u8>,
    plan: &'w Plan,
    /// Where the event being written starts.
    start: usize,
}

/// An object being written.
#[derive(Clone, Copy)]
pub struct Open {
    /// Where its `,"key":` starts.
    start: usize,
    /// Just after the `:`, where its first field's comma will be (and become the `{`).
    body: usize,
    /// Its planned static fields, if it is one of the objects that has them.
    at: Option<Attach>,
}

impl<'w> PlannedWriter<'w> {
    pub fn new(out: &'w mut Vec<u8>, plan: &'w Plan) -> Self {
        PlannedWriter {
            out,
            plan,
            start: 0,
        }
    }

    /// Reserves `room` bytes; returns where the next byte goes.
    #[inline(always)]
    fn room(&mut self, room: usize) -> *mut u8 {
        self.out.reserve(room);
        // SAFETY: `len` is within the allocation (at its end at most)
        unsafe { self.out.as_mut_ptr().add(self.out.len()) }
    }

    /// Marks `n` more bytes, written through [`room`](Self::room)'s pointer, as the buffer's.
    ///
    /// # Safety
    /// They must have been reserved and written.
    #[inline(always)]
    unsafe fn wrote(&mut self, n: usize) {
        // SAFETY: the caller's contract
        unsafe { self.out.set_len(self.out.len() + n) }
    }

    /// Appends `bytes` (static fields, `}`).
    #[inline(always)]
    fn append(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
}

/// Bytes of `,"key":` beside the key itself.
const KEY_FRAME: usize = 4;

/// Writes `,"key":` at `at`; returns its length.
///
/// # Safety
/// `at` must be writable for `key.len() + KEY_FRAME` bytes.
#[inline(always)]
unsafe fn put_key(at: *mut u8, key: &'static str) -> usize {
    let k = key.len();
    // SAFETY: the caller vouches for `k + KEY_FRAME` bytes
    unsafe {
        put(at, b",\"");
        put(at.add(2), key.as_bytes());
        put(at.add(2 + k), b"\":");
    }
    k + KEY_FRAME
}

impl EventOut for PlannedWriter<'_> {
    type Object = Open;

    #[inline(always)]
    fn begin(&mut self) {
        self.start = self.out.len();
    }

    /// The first field's comma becomes the event's `{`.
    #[inline(always)]
    fn end(&mut self) {
        debug_assert!(self.out.len() > self.start, "an event without fields");
        let plan = self.plan;
        if !plan.root.is_empty() {
            self.append(&plan.root);
        }
        self.out[self.start] = b'{';
        self.append(b"}\n");
    }

    #[inline(always)]
    fn open(&mut self, key: &'static str) -> Open {
        let start = self.out.len();
        self.key(key);
        Open {
            start,
            body: self.out.len(),
            at: None,
        }
    }

    #[inline(always)]
    fn open_at(&mut self, at: Attach) -> Open {
        Open {
            at: Some(at),
            ..self.open(at.key())
        }
    }

    #[inline(always)]
    fn close(&mut self, object: Open) {
        if let Some(at) = object.at {
            let plan = self.plan;
            if !plan.at[at as usize].is_empty() {
                self.append(&plan.at[at as usize]);
            }
        }
        if self.out.len() == object.body {
            self.out.truncate(object.start);
        } else {
            self.out[object.body] = b'{';
            self.append(b"}");
        }
    }

    #[inline(always)]
    fn key(&mut self, key: &'static str) {
        let at = self.room(key.len() + KEY_FRAME);
        // SAFETY: room was made for the key just above
        unsafe {
            let n = put_key(at, key);
            self.wrote(n);
        }
    }

    fn out(&mut self) -> &mut Vec<u8> {
        self.out
    }

    #[inline(always)]
    fn raw(&mut self, key: &'static str, json: &[u8]) {
        let at = self.room(key.len() + KEY_FRAME + json.len());
        // SAFETY: room was made for the key and the value just above
        unsafe {
            let n = put_key(at, key);
            copy_short(json, at.add(n));
            self.wrote(n + json.len());
        }
    }

    #[inline(always)]
    fn string(&mut self, key: &'static str, value: &[u8], aws_escaped: bool) {
        let at = self.room(key.len() + KEY_FRAME + 2 + value.len() * MAX_ESCAPED_LEN + SPILL);
        // SAFETY: room was made for the key, the quotes, the value escaped at its longest and
        // the escaper's spill; it initialises every byte it reports as written
        unsafe {
            let mut n = put_key(at, key);
            *at.add(n) = b'"';
            n += 1;
            n += escape_short_clean_inline(value, aws_escaped, at.add(n));
            *at.add(n) = b'"';
            self.wrote(n + 1);
        }
    }

    /// One reservation for the whole array. (The lists are a few bytes: a loop finds the
    /// separators faster than `memchr`'s set-up.)
    #[inline]
    fn split_list(&mut self, key: &'static str, list: Token<'_>, sep: u8) {
        let bytes = list.bytes;
        // each piece escaped at its longest, with its quotes and comma (a piece per byte at most)
        let room = key.len() + KEY_FRAME + 2 + bytes.len() * (MAX_ESCAPED_LEN + 3) + 3 + SPILL;
        let at = self.room(room);
        // SAFETY: room was made for the key, the brackets and every piece written as above; the
        // escaper's spill past a piece is overwritten by what follows it
        unsafe {
            let mut n = put_key(at, key);
            *at.add(n) = b'[';
            n += 1;
            let mut rest = bytes;
            loop {
                let (piece, next) = match rest.iter().position(|&b| b == sep) {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                };
                *at.add(n) = b'"';
                n += 1;
                n += escape_short_clean_inline(piece, list.quoted, at.add(n));
                *at.add(n) = b'"';
                n += 1;
                let Some(next) = next else { break };
                *at.add(n) = b',';
                n += 1;
                rest = next;
            }
            *at.add(n) = b']';
            self.wrote(n + 1);
        }
    }

    #[inline(always)]
    fn u64(&mut self, key: &'static str, value: u64) {
        let mut digits = [0u8; 20];
        let text = crate::json::u64_digits(value, &mut digits);
        self.raw(key, text);
    }

    #[inline(always)]
    fn plain(&mut self, key: &'static str, value: &str) {
        let at = self.room(key.len() + KEY_FRAME + 2 + value.len());
        // SAFETY: room was made for the key, the value and its quotes just above
        unsafe {
            let mut n = put_key(at, key);
            *at.add(n) = b'"';
            put(at.add(n + 1), value.as_bytes());
            n += 1 + value.len();
            *at.add(n) = b'"';
            self.wrote(n + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_line;
    use crate::schema::{ecs, write_record, EventStyle, EventWriter};

    /// Every parsed line of the bundled fixtures, of every format, and the first 500 of the
    /// generated sample (IPv6 clients, escaped URLs, every ALB type).
    fn fixture_lines() -> &'static [Vec<u8>] {
        static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        LINES.get_or_init(|| {
            use std::io::Read;
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");
            let mut texts = Vec::new();
            for name in ["alb", "classic", "nlb", "alb_connection", "malformed"] {
                texts.push(std::fs::read(format!("{dir}{name}.log")).unwrap());
            }
            let gz = std::fs::File::open(format!("{dir}sample-alb.log.gz")).unwrap();
            let mut sample = Vec::new();
            flate2::read::GzDecoder::new(gz)
                .read_to_end(&mut sample)
                .unwrap();
            texts.push(
                sample
                    .split(|&b| b == b'\n')
                    .take(500)
                    .collect::<Vec<_>>()
                    .join(&b'\n'),
            );
            let lines: Vec<Vec<u8>> = texts
                .iter()
                .flat_map(|text| text.split(|&b| b == b'\n'))
                .filter(|line| parse_line(line).is_ok())
                .map(<[u8]>::to_vec)
                .collect();
            assert!(lines.len() > 500, "{} lines", lines.len());
            lines
        })
    }

    fn statics(fields: &[(&str, &str)]) -> StaticFields {
        let mut statics = StaticFields::default();
        for (key, value) in fields {
            statics.insert(key, value).unwrap();
        }
        statics
    }

    /// The event of `line` through the merging writer, whatever the plan.
    fn merged(line: &[u8], statics: &StaticFields, style: &EventStyle) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = EventWriter::new(&mut out, statics);
        w.begin();
        ecs::write(&mut w, &parse_line(line).unwrap(), style);
        w.end();
        out
    }

    /// The event of `line` as elbship writes it (planned when it can be).
    fn written(line: &[u8], statics: &StaticFields, style: &EventStyle) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = EventWriter::new(&mut out, statics);
        write_record(&mut w, &parse_line(line).unwrap(), style);
        out
    }

    fn styles() -> [EventStyle; 3] {
        [
            EventStyle::new(Schema::Ecs, true, &[]),
            EventStyle::new(Schema::Ecs, false, &["a\"b".to_string(), "c".to_string()]),
            EventStyle::new(Schema::Ecs, true, &["t".to_string()]),
        ]
    }

    fn leaves(prefix: &str, value: &serde_json::Value, out: &mut HashSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let path = match prefix {
                        "" => key.clone(),
                        _ => format!("{prefix}.{key}"),
                    };
                    leaves(&path, v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string());
            }
        }
    }

    /// The plan's list of what the mapping writes is the mapping's: every field of every
    /// fixture event is on it. (A field missing from it could meet a static field unnoticed.)
    #[test]
    fn every_field_a_line_writes_is_on_the_list_the_plan_checks() {
        let none = StaticFields::default();
        let mut seen = HashSet::new();
        for line in fixture_lines() {
            for style in styles() {
                let event: serde_json::Value =
                    serde_json::from_slice(&merged(line, &none, &style)).unwrap();
                leaves("", &event, &mut seen);
            }
        }
        let listed = &ecs_mapped().fields;
        let missing: Vec<_> = seen
            .iter()
            .filter(|p| !listed.contains(p.as_str()))
            .collect();
        assert!(missing.is_empty(), "written but not listed: {missing:?}");
        assert!(seen.len() > 60, "{} fields seen", seen.len());
    }

    /// Static fields that go where every event has the object: planned.
    const PLANNED: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("event.dataset", "aws.elb"),
            ("log.file.path", "/logs/a \"b\".log"),
        ],
        &[
            (
                "log.file.path",
                "AWSLogs/123/elasticloadbalancing/eu-west-1/x.log.gz",
            ),
            ("cloud.account.id", "123"),
            ("cloud.region", "eu-west-1"),
            ("aws.s3.bucket.name", "logs"),
            ("aws.s3.object.key", "AWSLogs/x.log.gz"),
            ("event.dataset", "aws.elb"),
        ],
        &[
            ("labels.env", "prod"),
            ("labels.team", "web\n\u{1}"),
            ("service.name", "shop"),
        ],
        &[
            ("aws.elb.custom", "x"),
            ("event.module", "elb"),
            ("cloud.machine.type", "m5"),
        ],
        &[("k\"ey", "v"), ("event.x.y.z", "deep")],
    ];

    /// Static fields that meet the mapping's: merged field by field.
    const MERGED: &[&[(&str, &str)]] = &[
        &[("event.outcome", "unknown")],
        &[("source.geo.country_iso_code", "DE")],
        &[("url.fragment", "x")],
        &[("tls.client.ja3", "abc")],
        &[("message", "static")],
        &[("@timestamp", "2020-01-01T00:00:00Z")],
        &[("tags", "t")],
        &[("aws.elb.name", "override")],
        &[("aws.elb.backend.zone", "a")],
        &[("http.request.id", "1")],
        &[("cloud.provider", "gcp")],
        &[("event.category.x", "y")],
        &[("labels.env", "prod"), ("user_agent.name", "curl")],
    ];

    /// The planned writer writes what the merging writer does, byte for byte, for every
    /// fixture line, static fields and style; and the plan is there exactly when expected (so
    /// this compares two writers, not one with itself).
    #[test]
    fn planned_events_are_the_merged_events_byte_for_byte() {
        let lines = fixture_lines();
        for (fields, planned) in PLANNED
            .iter()
            .map(|f| (f, true))
            .chain(MERGED.iter().map(|f| (f, false)))
        {
            let statics = statics(fields);
            assert_eq!(statics.ecs_plan().is_some(), planned, "{fields:?}");
            for style in styles() {
                for line in lines {
                    let (want, got) = (
                        merged(line, &statics, &style),
                        written(line, &statics, &style),
                    );
                    assert_eq!(
                        String::from_utf8_lossy(&got),
                        String::from_utf8_lossy(&want),
                        "{fields:?}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any static fields made of the mapping's own key words: planned or merged, the same
        /// bytes as the merging writer.
        #[test]
        fn any_static_fields_are_written_as_the_merging_writer_does(
            keys in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec![
                        "event", "cloud", "aws", "elb", "source", "ip", "labels", "s3", "log",
                        "url", "tls", "dataset", "outcome", "backend", "name", "provider", "x",
                        "http", "request", "trace", "id", "file", "path",
                    ]),
                    1..5,
                ),
                1..5,
            ),
            line in 0usize..1000,
        ) {
            let lines = fixture_lines();
            let line = &lines[line % lines.len()];
            let mut statics = StaticFields::default();
            for key in keys {
                let _ = statics.insert(&key.join("."), "v");
            }
            for style in styles() {
                proptest::prop_assert_eq!(
                    written(line, &statics, &style),
                    merged(line, &statics, &style)
                );
            }
        }
    }
}
