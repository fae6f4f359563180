//! Property tests: for random field values, line → parse → event gives the values back; the
//! chunker gives the same lines for every block size; output is the same for every thread count
//! and block size; any bytes at all become valid JSON that keeps the line.

mod common;

use std::io::Cursor;

use common::{at, parse_event};
use elbship::clock::TimeWindow;
use elbship::event::{EncodeEvents, EventBlock};
use elbship::format::{self, Record};
use elbship::input::chunk::{Chunker, Piece};
use elbship::input::Input;
use elbship::pipeline::{self, Config};
use elbship::schema::{self, EventStyle, EventWriter, Failure, Schema, StaticFields};
use proptest::prelude::*;
use serde_json::Value;

/// Text AWS would put in a quoted field, and how it writes it (`"` and `\` backslash-escaped).
fn quoted_text() -> impl Strategy<Value = (String, String)> {
    "[ -~]{0,60}".prop_map(|s| {
        let logged = s.replace('\\', "\\\\").replace('"', "\\\"");
        (s, logged)
    })
}

fn ipv4() -> impl Strategy<Value = String> {
    (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
        .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}"))
}

fn ipv6() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u16>(), 8).prop_map(|parts| {
        parts
            .iter()
            .map(|p| format!("{p:x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

fn ip() -> impl Strategy<Value = String> {
    prop_oneof![ipv4(), ipv6()]
}

fn seconds() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0u32..100, 0u32..1000).prop_map(|(s, ms)| Some(format!("{s}.{ms:03}"))),
    ]
}

#[derive(Debug, Clone)]
struct AlbFields {
    kind: String,
    client: (String, u16),
    target: Option<(String, u16)>,
    times: [Option<String>; 3],
    status: u16,
    target_status: Option<u16>,
    received: u64,
    sent: u64,
    method: String,
    url_path: String,
    user_agent: (String, String),
    trace: (String, String),
    priority: i32,
    extra: Vec<String>,
}

fn alb_fields() -> impl Strategy<Value = AlbFields> {
    (
        prop_oneof![
            Just("http"),
            Just("https"),
            Just("h2"),
            Just("grpcs"),
            Just("ws"),
            Just("wss")
        ],
        (ip(), any::<u16>()),
        proptest::option::of((ip(), any::<u16>())),
        [seconds(), seconds(), seconds()],
        (100u16..600, proptest::option::of(100u16..600)),
        (any::<u32>(), any::<u32>()),
        "[A-Z]{1,7}",
        "/[a-zA-Z0-9 %/._~-]{0,40}",
        quoted_text(),
        quoted_text(),
        -1i32..50000,
        proptest::collection::vec("[a-zA-Z0-9:._/-]{1,12}", 0..3),
    )
        .prop_map(
            |(
                kind,
                client,
                target,
                times,
                (status, target_status),
                (r, s),
                method,
                url_path,
                ua,
                trace,
                priority,
                extra,
            )| {
                AlbFields {
                    kind: kind.to_string(),
                    client,
                    target,
                    times,
                    status,
                    target_status,
                    received: u64::from(r),
                    sent: u64::from(s),
                    method,
                    url_path,
                    user_agent: ua,
                    trace,
                    priority,
                    extra,
                }
            },
        )
}

impl AlbFields {
    /// The line as an ALB would log it (33 fields, then the extras).
    fn line(&self) -> String {
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-1".into());
        let target = self
            .target
            .as_ref()
            .map_or("-".to_string(), |(ip, port)| format!("{ip}:{port}"));
        let extra: String = self.extra.iter().map(|e| format!(" {e}")).collect();
        format!(
            "{kind} 2024-02-29T23:59:59.123456Z app/lb/0123456789abcdef {cip}:{cport} {target} {t0} {t1} {t2} {status} {tstatus} {r} {s} \"{method} https://example.com:443{path} HTTP/1.1\" \"{ua}\" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef \"{trace}\" \"example.com\" \"session-reused\" {priority} 2024-02-29T23:59:58.000000Z \"forward\" \"-\" \"-\" \"{target}\" \"{tstatus}\" \"-\" \"-\" TID_0123 \"-\" \"-\" \"-\"{extra}",
            kind = self.kind,
            cip = self.client.0,
            cport = self.client.1,
            t0 = dash(self.times[0].clone()),
            t1 = dash(self.times[1].clone()),
            t2 = dash(self.times[2].clone()),
            status = self.status,
            tstatus = self.target_status.map_or("-".to_string(), |s| s.to_string()),
            r = self.received,
            s = self.sent,
            method = self.method,
            path = self.url_path,
            ua = self.user_agent.1,
            trace = self.trace.1,
            priority = self.priority,
        )
    }
}

fn render(line: &[u8], schema: Schema) -> Value {
    let statics = StaticFields::default();
    let style = EventStyle::new(schema, true, &[]);
    let mut out = Vec::new();
    let mut w = EventWriter::new(&mut out, &statics);
    match format::parse_line(line) {
        Ok(record) => schema::write_record(&mut w, &record, &style),
        Err(e) => schema::write_failure(
            &mut w,
            line,
            &Failure::Parse(e),
            &style,
            "2024-01-01T00:00:00.000Z",
        ),
    }
    let text = String::from_utf8(out).expect("events are UTF-8");
    assert_eq!(text.matches('\n').count(), 1, "one event, one line: {text}");
    parse_event(text.trim_end())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn alb_fields_come_back(f in alb_fields()) {
        let line = f.line();
        let record = format::parse_line(line.as_bytes()).unwrap();
        let Record::Alb(r) = &record else { panic!("not ALB: {line}") };
        prop_assert_eq!(r.known_fields, 33);
        prop_assert_eq!(r.extra.len(), f.extra.len());
        let e = render(line.as_bytes(), Schema::Ecs);
        prop_assert!(at(&e, "tags").is_none(), "{}", line);
        prop_assert_eq!(at(&e, "aws.elb.type"), Some(&Value::from(f.kind.as_str())));
        prop_assert_eq!(at(&e, "source.ip"), Some(&Value::from(f.client.0.as_str())));
        prop_assert_eq!(at(&e, "source.port"), Some(&Value::from(f.client.1)));
        match &f.target {
            Some((ip, port)) => {
                prop_assert_eq!(at(&e, "aws.elb.backend.ip"), Some(&Value::from(ip.as_str())));
                prop_assert_eq!(at(&e, "aws.elb.backend.port"), Some(&Value::from(*port)));
                prop_assert_eq!(at(&e, "aws.elb.target_port"), Some(&serde_json::json!([format!("{ip}:{port}")])));
            }
            None => prop_assert!(at(&e, "aws.elb.backend.ip").is_none()),
        }
        let names = ["request_processing_time", "backend_processing_time", "response_processing_time"];
        for (name, value) in names.iter().zip(&f.times) {
            let got = at(&e, &format!("aws.elb.{name}.sec")).and_then(Value::as_f64);
            prop_assert_eq!(got, value.as_ref().map(|v| v.parse::<f64>().unwrap()));
        }
        if f.times.iter().all(Option::is_some) {
            let ns: u64 = f.times.iter().map(|t| {
                let (s, ms) = t.as_ref().unwrap().split_once('.').unwrap();
                s.parse::<u64>().unwrap() * 1_000_000_000 + ms.parse::<u64>().unwrap() * 1_000_000
            }).sum();
            prop_assert_eq!(at(&e, "event.duration"), Some(&Value::from(ns)));
        }
        prop_assert_eq!(at(&e, "http.response.status_code"), Some(&Value::from(f.status)));
        prop_assert_eq!(
            at(&e, "aws.elb.backend.http.response.status_code").cloned(),
            f.target_status.map(Value::from)
        );
        prop_assert_eq!(at(&e, "http.request.body.bytes"), Some(&Value::from(f.received)));
        prop_assert_eq!(at(&e, "http.response.body.bytes"), Some(&Value::from(f.sent)));
        prop_assert_eq!(at(&e, "http.request.method"), Some(&Value::from(f.method.as_str())));
        let url = format!("https://example.com:443{}", f.url_path);
        prop_assert_eq!(at(&e, "url.original"), Some(&Value::from(url.as_str())));
        let ua = &f.user_agent.0;
        if ua == "-" {
            prop_assert!(at(&e, "user_agent").is_none());
        } else {
            prop_assert_eq!(at(&e, "user_agent.original"), Some(&Value::from(ua.as_str())));
        }
        if f.trace.0 != "-" {
            prop_assert_eq!(at(&e, "trace.id"), Some(&Value::from(f.trace.0.as_str())));
        }
        prop_assert_eq!(at(&e, "aws.elb.matched_rule_priority"), Some(&Value::from(f.priority)));
        let extra: Vec<Value> = f.extra.iter().map(|x| Value::from(x.as_str())).collect();
        if extra.is_empty() {
            prop_assert!(at(&e, "aws.elb.extra_fields").is_none());
        } else {
            prop_assert_eq!(at(&e, "aws.elb.extra_fields"), Some(&Value::Array(extra)));
        }
        prop_assert_eq!(at(&e, "message"), Some(&Value::from(line.as_str())));
        let legacy = render(line.as_bytes(), Schema::Legacy);
        prop_assert_eq!(at(&legacy, "clientport"), Some(&Value::from(f.client.1)));
        prop_assert_eq!(at(&legacy, "response"), Some(&Value::from(f.status)));
    }

    #[test]
    fn any_bytes_become_one_valid_event_that_keeps_the_line(
        line in proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..400)
    ) {
        let e = render(&line, Schema::Ecs);
        prop_assert_eq!(at(&e, "message"), Some(&Value::from(String::from_utf8_lossy(&line).as_ref())));
        let l = render(&line, Schema::Legacy);
        prop_assert_eq!(at(&l, "message"), Some(&Value::from(String::from_utf8_lossy(&line).as_ref())));
    }

    #[test]
    fn mutated_real_lines_stay_valid_json(
        which in 0usize..35, at_byte in any::<prop::sample::Index>(), byte in any::<u8>()
    ) {
        let mut all = Vec::new();
        for f in ["alb.log", "classic.log", "nlb.log", "alb_connection.log"] {
            let text = std::fs::read(common::fixture(f)).unwrap();
            all.extend(text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec));
        }
        let mut line = all[which % all.len()].clone();
        let i = at_byte.index(line.len());
        if byte != b'\n' {
            line[i] = byte;
        }
        let e = render(&line, Schema::Ecs);
        prop_assert_eq!(at(&e, "message"), Some(&Value::from(String::from_utf8_lossy(&line).as_ref())));
    }

    #[test]
    fn the_chunker_gives_the_same_lines_for_every_block_size(
        lines in proptest::collection::vec("[^\n]{0,120}", 0..60),
        final_newline in any::<bool>(),
        block in 1usize..600,
    ) {
        let mut data = lines.join("\n").into_bytes();
        if final_newline && !data.is_empty() {
            data.push(b'\n');
        }
        let mut chunker = Chunker::new(Cursor::new(data.clone()), block, 1 << 20);
        let mut joined = Vec::new();
        while let Some(piece) = chunker.next_piece().unwrap() {
            match piece {
                Piece::Lines(b) => joined.extend_from_slice(&b),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(joined, data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn output_is_the_same_for_every_thread_count_and_block_size(
        picks in proptest::collection::vec(0usize..40, 1..300),
        threads in 2usize..9,
        block in 64usize..8192,
    ) {
        let mut pool = Vec::new();
        for f in ["alb.log", "classic.log", "nlb.log", "alb_connection.log", "malformed.log"] {
            let text = std::fs::read(common::fixture(f)).unwrap();
            pool.extend(text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec));
        }
        pool.push(b"\xff\xfe garbage".to_vec());
        let mut data = Vec::new();
        for p in picks {
            data.extend_from_slice(&pool[p % pool.len()]);
            data.push(b'\n');
        }
        // the same lines spread over 1 to 4 files, read by one reader per three threads
        let dir = std::env::temp_dir().join(format!("elbship-prop-{}-{threads}-{block}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = 1 + block % 4;
        let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
        let per_file = lines.len().div_ceil(files);
        let mut inputs = Vec::new();
        for (i, chunk) in lines.chunks(per_file.max(1)).enumerate() {
            let path = dir.join(format!("part-{i}.log"));
            std::fs::write(&path, chunk.concat()).unwrap();
            inputs.push(Input::File(path));
        }
        let run = |threads: usize, block: usize| {
            let mut config = Config::new(inputs.clone());
            config.threads = threads;
            config.block_size = block;
            let job = EncodeEvents {
                style: EventStyle::new(Schema::Ecs, true, &[]),
                processing_time: "2024-01-01T00:00:00.000Z".into(),
                window: TimeWindow::default(),
                bulk: None,
                add_fields: Vec::new(),
                stdin_name: None,
            };
            let mut out = Vec::new();
            let mut to = Collect(&mut out);
            let report = pipeline::run(&config, job, &mut to).unwrap();
            (out, report.stats)
        };
        let (reference, stats) = run(1, 1 << 20);
        let (out, _) = run(threads, block);
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert_eq!(stats.events as usize, data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count());
        prop_assert!(reference == out, "output differs at -j {} with {}-byte blocks", threads, block);
    }
}

/// Every block's NDJSON, in order; an input that fails fails the test (a file of only
/// malformed lines is said to be no log, which is no failure).
struct Collect<'a>(&'a mut Vec<u8>);

impl pipeline::Consumer<EventBlock> for Collect<'_> {
    fn block(&mut self, events: EventBlock) -> std::io::Result<()> {
        self.0.extend_from_slice(&events.ndjson);
        Ok(())
    }

    fn warn(&mut self, message: &dyn std::fmt::Display) {
        let message = message.to_string();
        assert!(message.ends_with("a load balancer log line"), "{message}");
    }
}
