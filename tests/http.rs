//! HTTP output against real servers on 127.0.0.1 that behave as Logstash's `http` input and the
//! `_bulk` API do, and fail the ways they fail in production. Each test checks that the sink
//! ends up with every event exactly once (or the documented exceptions), the counters, the
//! exit code, and the number of TCP connections.

mod common;

use std::io::Write;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::sink::{Api, Behaviour, Reply, Sink};
use common::{elbship, wait_within, TempDir};
use serde_json::Value;

/// `n` distinct ALB lines (the client address tells them apart) and one line that does not
/// parse.
fn log_lines(n: usize) -> Vec<u8> {
    log_lines_from(0, n)
}

/// Lines `start..start + n` of the same endless log: different ranges share no line (and so
/// no line-hash id).
fn log_lines_from(start: usize, n: usize) -> Vec<u8> {
    let template = std::fs::read_to_string(common::fixture("alb.log")).unwrap();
    let first = template.lines().next().unwrap();
    let mut out = Vec::new();
    for i in start..start + n {
        let client = format!(
            "10.{}.{}.{}:{}",
            i / 62500,
            i / 250 % 250,
            i % 250,
            1024 + i % 60000
        );
        out.extend_from_slice(first.replace("192.168.131.39:2817", &client).as_bytes());
        out.push(b'\n');
        if i == start + n / 2 {
            out.extend_from_slice(format!("line {start} is not a load balancer log\n").as_bytes());
        }
    }
    out
}

/// The events elbship writes to stdout for `input` (what the sink must end up with).
fn expected_events(input: &str, extra: &[&str]) -> Vec<Value> {
    let out = elbship().arg(input).args(extra).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    common::events(&out)
}

/// Sorted canonical texts, to compare multisets of documents.
fn canonical(docs: &[Value]) -> Vec<String> {
    let mut texts: Vec<String> = docs.iter().map(Value::to_string).collect();
    texts.sort();
    texts
}

/// The run succeeded and the sink holds every event of `input` exactly once.
#[track_caller]
fn assert_all_delivered(out: &Output, sink: &Sink, input: &str) {
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(out));
    let expected = expected_events(input, &[]);
    assert_exactly_once(&sink.docs(), &expected);
    assert_accounted(out, Some(sink), None, &expected);
}

/// The sink holds exactly `expected`, each once (says what is missing or extra, not everything).
#[track_caller]
fn assert_exactly_once(stored: &[Value], expected: &[Value]) {
    let (stored, expected) = (canonical(stored), canonical(expected));
    if stored != expected {
        let missing = expected.iter().filter(|e| !stored.contains(e)).count();
        let mut dups = stored.clone();
        dups.dedup();
        panic!(
            "the sink holds {} documents ({} distinct) for {} events; {} events missing; first stored: {}",
            stored.len(),
            dups.len(),
            expected.len(),
            missing,
            stored.first().map_or("none", |s| &s[..s.len().min(300)])
        );
    }
}

fn ship(args: &[&str]) -> Output {
    elbship()
        .args(args)
        .arg("--stats=json")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The `delivery` object of `--stats=json`.
fn delivery(out: &Output) -> Value {
    common::stats_json(out)["delivery"].clone()
}

/// The events in a dead-letter file (each record's `event`), as canonical texts.
fn dead_lettered(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let record = common::parse_event(l);
            assert!(record["reason"].is_string(), "{l}");
            record["event"].to_string()
        })
        .collect()
}

/// The accounting invariant of a run with `--stats=json`, checked against what the sink and
/// the dead-letter file hold:
/// - lines read = events + empty lines + lines outside --since/--until;
/// - events handed to the sink = events made;
/// - events = acknowledged + duplicates + dead-lettered + undelivered;
/// - every expected event is at the sink or in the dead-letter file, but for at most
///   `undelivered` of them, and the dead-letter file holds `dead_lettered` records;
/// - exit 0 only when nothing was dead-lettered or left undelivered.
#[track_caller]
fn assert_accounted(
    out: &Output,
    sink: Option<&Sink>,
    dead_letter: Option<&str>,
    expected: &[Value],
) {
    let stats = common::stats_json(out);
    let d = &stats["delivery"];
    let n = |v: &Value, k: &str| {
        v[k].as_u64()
            .unwrap_or_else(|| panic!("no {k} in {v}: {}", common::stderr(out)))
    };
    assert_eq!(
        n(&stats, "lines"),
        n(&stats, "events") + n(&stats, "empty_lines") + n(&stats, "outside_window"),
        "{stats}"
    );
    assert_eq!(n(d, "events"), n(&stats, "events"), "{stats}");
    assert_eq!(
        n(d, "events"),
        n(d, "acknowledged") + n(d, "duplicates") + n(d, "dead_lettered") + n(d, "undelivered"),
        "{d}"
    );
    let stored: std::collections::HashSet<String> = sink
        .map(Sink::docs)
        .unwrap_or_default()
        .iter()
        .map(Value::to_string)
        .collect();
    let dead = dead_letter.map(dead_lettered).unwrap_or_default();
    if dead_letter.is_some() {
        assert_eq!(dead.len() as u64, n(d, "dead_lettered"), "{d}");
    }
    let dead: std::collections::HashSet<String> = dead.into_iter().collect();
    let missing = expected
        .iter()
        .map(Value::to_string)
        .filter(|e| !stored.contains(e) && !dead.contains(e))
        .count() as u64;
    assert!(
        missing <= n(d, "undelivered"),
        "{missing} events neither at the sink nor dead-lettered, {} counted undelivered: {}",
        n(d, "undelivered"),
        common::stderr(out)
    );
    if out.status.code() == Some(0) {
        assert_eq!((n(d, "undelivered"), n(d, "dead_lettered")), (0, 0), "{d}");
        assert_eq!(missing, 0);
    }
}

fn fast_retries() -> Vec<&'static str> {
    vec![
        "--retry-initial-delay",
        "20ms",
        "--retry-max-delay",
        "200ms",
    ]
}

/// [`ship`] with retries 20 ms to 200 ms apart (the defaults wait seconds).
fn ship_retrying_fast(args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(fast_retries());
    ship(&all)
}

/// `input` to `sink` in batches of `events`, `in_flight` requests at once, retrying fast.
fn ship_in_batches(input: &str, sink: &Sink, events: &str, in_flight: &str) -> Output {
    ship_retrying_fast(&[
        input,
        "-o",
        sink.url(),
        "--batch-events",
        events,
        "--max-in-flight",
        in_flight,
    ])
}

#[test]
fn logstash_json_array_exactly_once_over_kept_alive_connections() {
    let dir = TempDir::new("http-json");
    let input = dir.file("in.log", &log_lines(3000));
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let out = ship(&[
        &input,
        "-o",
        sink.url(),
        "--batch-events",
        "200",
        "--max-in-flight",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let expected = expected_events(&input, &[]);
    assert_eq!(expected.len(), 3001);
    assert_exactly_once(&sink.docs(), &expected);
    assert_accounted(&out, Some(&sink), None, &expected);
    assert_eq!(sink.requests(), 16, "3001 events in batches of 200");
    assert!(
        sink.connections() <= 2,
        "{} connections",
        sink.connections()
    );
    sink.store(|s| assert!(s.content_types.iter().all(|c| c == "application/json")));
    let d = delivery(&out);
    assert_eq!(
        (d["events"].as_u64(), d["acknowledged"].as_u64()),
        (Some(3001), Some(3001))
    );
    assert_eq!(
        (d["undelivered"].as_u64(), d["retried"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn the_proxy_variables_are_honoured_and_no_proxy_bypasses_them() {
    let dir = TempDir::new("http-proxy");
    let input = dir.file("in.log", &log_lines(500));
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let proxy = common::proxy::ForwardProxy::start();
    let through = |no_proxy: &str| {
        elbship()
            .args([&input, "-o", sink.url(), "--stats=json"])
            .env("HTTP_PROXY", &proxy.url)
            .env("NO_PROXY", no_proxy)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = through("");
    assert_all_delivered(&out, &sink, &input);
    let seen = proxy.seen();
    assert!(!seen.is_empty(), "no request went through HTTP_PROXY");
    let sink_address = sink.url().trim_start_matches("http://");
    assert!(seen.iter().all(|l| l.contains(sink_address)), "{seen:?}");

    let before = proxy.seen().len();
    let out = through("127.0.0.1");
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(
        proxy.seen().len(),
        before,
        "NO_PROXY=127.0.0.1 still used the proxy"
    );
}

#[test]
fn logstash_ndjson_and_batches_by_bytes() {
    let dir = TempDir::new("http-ndjson");
    let input = dir.file("in.log", &log_lines(1000));
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let args = [
        input.as_str(),
        "-o",
        sink.url(),
        "--http-format",
        "ndjson",
        "--batch-bytes",
        "64K",
        "--schema",
        "legacy",
    ];
    let out = ship(&args);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_exactly_once(
        &sink.docs(),
        &expected_events(&input, &["--schema", "legacy"]),
    );
    sink.store(|s| assert!(s.content_types.iter().all(|c| c == "application/x-ndjson")));
    // ~1.5 KB per event: 64 KB batches make more than 20 requests
    assert!(sink.requests() > 20, "{} requests", sink.requests());
}

#[test]
fn retries_429_with_backoff_then_delivers_everything_once() {
    let dir = TempDir::new("http-429");
    let input = dir.file("in.log", &log_lines(1000));
    let behaviour = Behaviour::replying(|n| {
        if n < 3 {
            Reply::Status(429, Vec::new(), "{\"error\":\"queue full\"}".into())
        } else {
            Reply::Normal
        }
    });
    let sink = Sink::start(Api::Logstash, behaviour);
    let out = ship_in_batches(&input, &sink, "250", "1");
    assert_all_delivered(&out, &sink, &input);
    let d = delivery(&out);
    assert_eq!(
        d["retried"].as_u64(),
        Some(750),
        "the first batch sent 3 more times"
    );
    assert_eq!(d["requests"].as_u64(), Some(5 + 3));
    assert_eq!(sink.connections(), 1, "a 429 keeps the connection");
}

#[test]
fn honours_retry_after_on_503() {
    let dir = TempDir::new("http-503");
    let input = dir.file("in.log", &log_lines(10));
    let behaviour = Behaviour::replying(|n| {
        if n == 0 {
            Reply::Status(503, vec![("Retry-After", "1".into())], "busy".into())
        } else {
            Reply::Normal
        }
    });
    let sink = Sink::start(Api::Logstash, behaviour);
    let started = Instant::now();
    let out = ship(&[
        input.as_str(),
        "-o",
        sink.url(),
        "--retry-initial-delay",
        "20ms",
        "--retry-max-delay",
        "2s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    // backoff alone would have waited at most 20 ms
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sink.docs().len(), 11);
}

#[test]
fn bulk_reads_every_item_retrying_only_the_failed_ones() {
    let dir = TempDir::new("bulk-mixed");
    let lines = log_lines(2000);
    let input = dir.file("in.log", &lines);
    // the first 100 lines are already in the index: 409 on create
    let head: Vec<u8> = lines
        .split_inclusive(|&b| b == b'\n')
        .take(100)
        .flatten()
        .copied()
        .collect();

    let behaviour = Behaviour {
        item: Some(Box::new(|id: &str, seen: usize| {
            let bucket = u8::from_str_radix(&id[id.len() - 1..], 16).unwrap_or(0);
            match bucket {
                // rejected once or twice, then taken (es_rejected_execution_exception)
                0 | 1 if seen < 2 => Some((429, "es_rejected_execution_exception")),
                2 if seen < 1 => Some((503, "unavailable_shards_exception")),
                // a mapping error: never stored
                3 => Some((400, "mapper_parsing_exception")),
                _ => None,
            }
        })),
        ..Behaviour::default()
    };
    let sink = Sink::start(Api::Bulk, behaviour);
    let dead = dir.path("dead.ndjson");
    // the same lines from stdin, named as the file: the same events
    let mut pre = vec!["-o", sink.url(), "--source", &input];
    pre.extend(fast_retries());
    let out = common::run(&pre, &head);
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
    let stored_before = sink.docs().len();
    let out = ship_retrying_fast(&[
        input.as_str(),
        "-o",
        sink.url(),
        "--dead-letter",
        &dead,
        "--batch-events",
        "300",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "mapping errors are not delivered: {}",
        common::stderr(&out)
    );
    assert!(common::stderr(&out).contains("were not delivered"));

    let expected = expected_events(&input, &[]);
    assert_accounted(&out, Some(&sink), Some(&dead), &expected);
    let dead_letters: Vec<Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for d in &dead_letters {
        assert_eq!(d["status"], 400);
        assert!(
            d["reason"]
                .as_str()
                .unwrap()
                .contains("mapper_parsing_exception"),
            "{d}"
        );
    }
    let rejected: Vec<Value> = dead_letters.iter().map(|d| d["event"].clone()).collect();
    // stored + rejected = every event, each once
    let mut all = sink.docs();
    all.extend(rejected.iter().cloned());
    assert_exactly_once(&all, &expected);
    let d = delivery(&out);
    let dups = d["duplicates"].as_u64().unwrap();
    assert!(
        dups >= 90,
        "the first 100 lines (less the rejected ones) were there: {dups}"
    );
    assert_eq!(d["dead_lettered"].as_u64(), Some(rejected.len() as u64));
    assert_eq!(
        d["acknowledged"].as_u64().unwrap() + dups + rejected.len() as u64,
        expected.len() as u64
    );
    assert_eq!(
        d["acknowledged"].as_u64().unwrap() as usize,
        sink.docs().len() - stored_before
    );
    assert!(d["retried"].as_u64().unwrap() > 0);
}

#[test]
fn bulk_413_splits_the_batch_and_dead_letters_a_document_too_big_alone() {
    let dir = TempDir::new("bulk-413");
    let mut lines = log_lines(400);
    let huge_agent = "A".repeat(40_000);
    let template = std::fs::read_to_string(common::fixture("alb.log")).unwrap();
    lines.extend_from_slice(
        template
            .lines()
            .next()
            .unwrap()
            .replace("curl/7.46.0", &huge_agent)
            .as_bytes(),
    );
    lines.push(b'\n');
    let input = dir.file("in.log", &lines);
    let behaviour = Behaviour {
        max_body: Some(32 * 1024),
        ..Behaviour::default()
    };
    let sink = Sink::start(Api::Bulk, behaviour);
    let dead = dir.path("dead.ndjson");
    let out = ship_retrying_fast(&[
        input.as_str(),
        "-o",
        sink.url(),
        "--dead-letter",
        &dead,
        "--batch-events",
        "100",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
    let expected = expected_events(&input, &[]);
    let dead_letters: Vec<Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0]["status"], 413);
    let mut all = sink.docs();
    all.push(dead_letters[0]["event"].clone());
    assert_exactly_once(&all, &expected);
    assert_eq!(
        delivery(&out)["retried"].as_u64(),
        Some(0),
        "a split is not a retry"
    );
}

#[test]
fn connection_reset_mid_body_is_retried() {
    let dir = TempDir::new("http-reset");
    let input = dir.file("in.log", &log_lines(1000));
    let behaviour = Behaviour::replying(|n| {
        if n == 1 || n == 3 {
            Reply::ResetMidBody
        } else {
            Reply::Normal
        }
    });
    let sink = Sink::start(Api::Logstash, behaviour);
    let out = ship_in_batches(&input, &sink, "100", "2");
    assert_all_delivered(&out, &sink, &input);
    assert!(
        sink.connections() <= 2 + 2,
        "{} connections for 2 resets",
        sink.connections()
    );
    assert_eq!(delivery(&out)["retried"].as_u64(), Some(200));
}

/// A broken proxy answers request 0 twice, and refuses request 1 with a 503. A client that sent
/// request 1 on the same kept-alive connection and read the stray `200` waiting there as its
/// answer would count its 100 events as delivered and lose them with exit 0. (ureq drops a
/// connection with bytes left over: request 1 goes on a second one.)
#[test]
fn a_stray_second_answer_is_never_taken_as_the_next_requests_answer() {
    for api in [Api::Logstash, Api::Bulk] {
        let dir = TempDir::new("http-stray");
        let input = dir.file("in.log", &log_lines(300));
        let behaviour = Behaviour::replying(|n| match n {
            0 => Reply::AnswerTwice,
            1 => Reply::Status(503, Vec::new(), "busy".into()),
            _ => Reply::Normal,
        });
        let sink = Sink::start(api, behaviour);
        let out = ship_in_batches(&input, &sink, "100", "1");
        assert_all_delivered(&out, &sink, &input);
        assert_eq!(delivery(&out)["retried"].as_u64(), Some(100), "{api:?}");
    }
}

/// `_bulk` stores a batch but its answer is cut short: the items were never read, so the batch
/// is sent again, and its documents come back 409 (counted as duplicates, stored once).
#[test]
fn a_bulk_answer_cut_short_is_sent_again_and_its_documents_count_as_duplicates() {
    let dir = TempDir::new("bulk-cut");
    let input = dir.file("in.log", &log_lines(300));
    let behaviour = Behaviour::replying(|n| {
        if n == 1 {
            Reply::TruncatedAnswer
        } else {
            Reply::Normal
        }
    });
    let sink = Sink::start(Api::Bulk, behaviour);
    let out = ship_in_batches(&input, &sink, "100", "1");
    assert_all_delivered(&out, &sink, &input);
    let d = delivery(&out);
    assert_eq!(d["retried"].as_u64(), Some(100), "{d}");
    assert_eq!(d["duplicates"].as_u64(), Some(100), "{d}");
}

#[test]
fn a_stalled_request_times_out_and_is_sent_again() {
    let dir = TempDir::new("http-stall");
    let input = dir.file("in.log", &log_lines(300));
    let behaviour = Behaviour::replying(|n| {
        if n == 0 {
            Reply::Stall(Duration::from_secs(4))
        } else {
            Reply::Normal
        }
    });
    let sink = Sink::start(Api::Logstash, behaviour);
    let started = Instant::now();
    let out = ship_retrying_fast(&[input.as_str(), "-o", sink.url(), "--timeout", "500ms"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "did not wait for the stalled sink"
    );
    assert_exactly_once(&sink.docs(), &expected_events(&input, &[]));
    assert_accounted(&out, Some(&sink), None, &expected_events(&input, &[]));
    assert_eq!(sink.connections(), 2, "one stalled, one new");
}

#[test]
fn a_sink_killed_and_restarted_mid_run_gets_everything_once() {
    let dir = TempDir::new("bulk-restart");
    let input = dir.file("in.log", &log_lines(6000));
    let behaviour = Behaviour::replying(|_| {
        std::thread::sleep(Duration::from_millis(20));
        Reply::Normal
    });
    let mut sink = Sink::start(Api::Bulk, behaviour);
    let mut args = vec![
        input.as_str(),
        "-o",
        sink.url(),
        "--batch-events",
        "100",
        "--stats=json",
    ];
    args.extend([
        "--retry-initial-delay",
        "50ms",
        "--retry-max-delay",
        "300ms",
    ]);
    let child = elbship()
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.requests() < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    sink.kill();
    std::thread::sleep(Duration::from_millis(800));
    sink.restart();
    let out = child.wait_with_output().unwrap();
    assert_all_delivered(&out, &sink, &input);
    let d = delivery(&out);
    assert!(d["retried"].as_u64().unwrap() > 0, "{d}");
    assert_eq!(d["undelivered"].as_u64(), Some(0));
}

#[test]
fn an_unreachable_sink_fails_after_the_retry_budget_with_everything_dead_lettered() {
    let dir = TempDir::new("http-unreachable");
    let input = dir.file("in.log", &log_lines(50));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = dir.path("dead.ndjson");
    let url = format!("http://127.0.0.1:{port}");
    let out = ship_retrying_fast(&[
        input.as_str(),
        "-o",
        &url,
        "--retry-max-time",
        "1s",
        "--dead-letter",
        &dead,
    ]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("gave up after") && stderr.contains(&url),
        "{stderr}"
    );
    let dead_letters = std::fs::read_to_string(&dead).unwrap();
    assert_eq!(dead_letters.lines().count(), 51);
    let d = delivery(&out);
    assert_eq!(
        (d["dead_lettered"].as_u64(), d["undelivered"].as_u64()),
        (Some(51), Some(0)),
        "{d}"
    );
    assert_accounted(&out, None, Some(&dead), &expected_events(&input, &[]));
}

#[test]
fn a_401_stops_at_once_and_secrets_stay_out_of_messages() {
    let dir = TempDir::new("http-401");
    let input = dir.file("in.log", &log_lines(50));
    let behaviour = Behaviour::replying(|_| {
        Reply::Status(
            401,
            Vec::new(),
            "{\"error\":\"missing authentication\"}".into(),
        )
    });
    let sink = Sink::start(Api::Bulk, behaviour);
    let out = elbship()
        .args([input.as_str(), "-o", sink.url()])
        .env("ELBSHIP_API_KEY", "s3cr3t-key")
        .output()
        .unwrap();
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("401") && stderr.contains("ELBSHIP_API_KEY"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    assert_eq!(sink.requests(), 1, "no retry of a 401");
    sink.store(|s| {
        assert!(s
            .last_headers
            .contains(&("authorization".into(), "ApiKey s3cr3t-key".into())));
    });
}

#[test]
fn basic_auth_from_env_and_custom_headers() {
    let dir = TempDir::new("http-basic");
    let input = dir.file("in.log", &log_lines(5));
    let password = dir.file("password", b"p4ss\n");
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let out = elbship()
        .args([
            input.as_str(),
            "-o",
            sink.url(),
            "--password-file",
            &password,
            "--header",
            "X-Team: edge",
        ])
        .env("ELBSHIP_USER", "shipper")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    sink.store(|s| {
        assert!(s
            .last_headers
            .contains(&("authorization".into(), "Basic c2hpcHBlcjpwNHNz".into())));
        assert!(s.last_headers.contains(&("x-team".into(), "edge".into())));
    });
}

#[test]
fn rerunning_a_backfill_with_line_hash_ids_adds_nothing() {
    let dir = TempDir::new("bulk-rerun");
    let input = dir.file("in.log", &log_lines(500));
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let first = ship(&[&input, "-o", sink.url(), "--index", "elb-%{+yyyy.MM}"]);
    assert_eq!(first.status.code(), Some(0), "{}", common::stderr(&first));
    let second = ship(&[&input, "-o", sink.url(), "--index", "elb-%{+yyyy.MM}"]);
    assert_eq!(second.status.code(), Some(0), "{}", common::stderr(&second));
    assert_eq!(delivery(&second)["duplicates"].as_u64(), Some(501));
    assert_exactly_once(&sink.docs(), &expected_events(&input, &[]));
    assert_accounted(&second, Some(&sink), None, &expected_events(&input, &[]));
    // --id none: the sink picks ids, so a third run duplicates
    let third = ship(&[&input, "-o", sink.url(), "--id", "none"]);
    assert_eq!(delivery(&third)["acknowledged"].as_u64(), Some(501));
    assert_eq!(sink.docs().len(), 1002);
}

#[test]
fn bulk_actions_name_the_index_from_the_event_time() {
    let dir = TempDir::new("bulk-index");
    let input = dir.file("in.log", &log_lines(3));
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let out = ship(&[&input, "-o", sink.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_accounted(&out, Some(&sink), None, &expected_events(&input, &[]));
    // ids are the XXH3-128 of the raw line, so the index keys are known
    let first = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let id = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(first.as_bytes()));
    sink.store(|s| {
        assert!(
            s.ids.contains_key(&id),
            "{:?}",
            s.ids.keys().collect::<Vec<_>>()
        )
    });
}

#[test]
fn pipeline_names_the_ingest_pipeline_of_every_bulk_request() {
    let dir = TempDir::new("bulk-pipeline");
    let input = dir.file("in.log", &log_lines(50));
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let out = ship(&[
        &input,
        "-o",
        sink.url(),
        "--pipeline",
        "elb-geoip v2",
        "--batch-events",
        "10",
    ]);
    assert_all_delivered(&out, &sink, &input);
    let targets = sink.store(|s| s.targets.clone());
    let batches = expected_events(&input, &[]).len().div_ceil(10);
    assert_eq!(targets.len(), batches, "{targets:?}");
    // the name is a query value: the space escaped, `-` kept
    assert!(
        targets
            .iter()
            .all(|t| t == "/_bulk?pipeline=elb-geoip%20v2"),
        "{targets:?}"
    );
}

#[test]
fn checkpoint_records_a_file_only_once_the_sink_acknowledged_it() {
    let dir = TempDir::new("http-checkpoint");
    let a = dir.file("a.log", &log_lines(100));
    let b = dir.file("b.log", &log_lines(120));
    let checkpoint = dir.path("done.txt");
    let refusing = Sink::start(
        Api::Logstash,
        Behaviour::replying(|_| Reply::Status(503, Vec::new(), "down".into())),
    );
    let out = ship_retrying_fast(&[
        a.as_str(),
        b.as_str(),
        "-o",
        refusing.url(),
        "--checkpoint",
        &checkpoint,
        "--retry-max-time",
        "300ms",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert_accounted(&out, Some(&refusing), None, &[]);
    let recorded = std::fs::read_to_string(&checkpoint).unwrap_or_default();
    assert!(
        !recorded.contains("a.log") && !recorded.contains("b.log"),
        "{recorded}"
    );

    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let out = ship(&[&a, &b, "-o", sink.url(), "--checkpoint", &checkpoint]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let recorded = std::fs::read_to_string(&checkpoint).unwrap();
    assert!(
        recorded.contains("a.log") && recorded.contains("b.log"),
        "{recorded}"
    );
    assert_eq!(sink.docs().len(), 101 + 121);
    assert_accounted(&out, Some(&sink), None, &expected_events_of(&[&a, &b]));
    // a re-run skips both
    let again = ship(&[&a, &b, "-o", sink.url(), "--checkpoint", &checkpoint]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(sink.docs().len(), 101 + 121);
}

/// Starts elbship on stdin (kept open), with small blocks so events flow before the end.
fn spawn_on_stdin(args: &[&str]) -> Child {
    elbship()
        .args(args)
        .args(["--block-size", "4K", "--stats=json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn linger_sends_a_partial_batch_while_the_input_is_still_open() {
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let mut child = spawn_on_stdin(&["-o", sink.url(), "--linger", "100ms"]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&log_lines(20)).unwrap();
    stdin.flush().unwrap();
    // 20 events are far from 2,000 or 5 MB: only the linger time sends them
    wait_for("events sent by linger", || sink.docs().len() >= 10);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(sink.docs().len(), 21);
    assert_accounted(&out, Some(&sink), None, &[]);
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigterm_stops_reading_and_drains_what_is_in_flight() {
    let behaviour = Behaviour::replying(|_| {
        std::thread::sleep(Duration::from_millis(200));
        Reply::Normal
    });
    let sink = Sink::start(Api::Bulk, behaviour);
    let mut child = spawn_on_stdin(&["-o", sink.url(), "--batch-events", "10", "--linger", "50ms"]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&log_lines(200)).unwrap();
    wait_for("the first request", || sink.requests() >= 1);
    signal(&child, "TERM");
    let out = wait_within(child, Duration::from_secs(20));
    drop(stdin);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");
    // every line read before the signal was parsed, sent and acknowledged
    let d = delivery(&out);
    assert_accounted(&out, Some(&sink), None, &[]);
    assert!(!sink.docs().is_empty());
    assert_eq!(d["acknowledged"], d["events"], "{d}");
    assert_eq!(
        d["acknowledged"].as_u64().unwrap() as usize,
        sink.docs().len(),
        "{d}"
    );
}

/// A run on stdin (kept open) whose first request the sink never answers; returns once
/// that request is in the sink.
fn run_into_a_stalled_sink(drain_timeout: &str) -> (Sink, Child, std::process::ChildStdin) {
    let behaviour = Behaviour::replying(|_| Reply::Stall(Duration::from_secs(30)));
    let sink = Sink::start(Api::Logstash, behaviour);
    let args = [
        "-o",
        sink.url(),
        "--linger",
        "50ms",
        "--drain-timeout",
        drain_timeout,
    ];
    let mut child = spawn_on_stdin(&args);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&log_lines(50)).unwrap();
    wait_for("the stalled request", || sink.requests() >= 1);
    (sink, child, stdin)
}

#[test]
fn a_second_signal_aborts_the_drain() {
    let (_sink, child, stdin) = run_into_a_stalled_sink("60s");
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    signal(&child, "INT");
    let out = wait_within(child, Duration::from_secs(20));
    drop(stdin);
    assert_eq!(out.status.code(), Some(130), "{}", common::stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn bad_http_settings_are_usage_errors() {
    for (args, says) in [
        (vec!["-o", "ftp://x"], "expected - (stdout)"),
        (
            vec!["-o", "http://u:p@127.0.0.1:1"],
            "no credentials in the URL",
        ),
        (
            vec!["-o", "http://127.0.0.1:1", "--index", "x"],
            "--index, --id and --pipeline apply to _bulk",
        ),
        (
            vec!["-o", "http://127.0.0.1:1", "--pipeline", "geoip"],
            "--index, --id and --pipeline apply to _bulk",
        ),
        (
            vec!["-o", "es+http://127.0.0.1:1", "--pipeline", ""],
            "--pipeline needs the name",
        ),
        (
            vec!["-o", "es+http://127.0.0.1:1", "--http-format", "ndjson"],
            "--http-format applies",
        ),
        (
            vec!["-o", "es+http://127.0.0.1:1", "--index", "Bad"],
            "not allowed in an index name",
        ),
        (
            vec!["-o", "http://127.0.0.1:1", "--linger", "5 days"],
            "unknown unit",
        ),
        (
            vec!["--dead-letter", "x.ndjson"],
            "--dead-letter applies to HTTP output",
        ),
        (
            vec!["-o", "-", "--insecure"],
            "--insecure applies to HTTP output",
        ),
    ] {
        let out = elbship().args(&args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            common::stderr(&out).contains(says),
            "{args:?}: {}",
            common::stderr(&out)
        );
    }
    let out = elbship()
        .args(["-o", "https://127.0.0.1:1", "--ca-cert", "/nonexistent.pem"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("cannot read --ca-cert /nonexistent.pem"));
}

#[test]
fn https_verifies_the_certificate_against_ca_cert_or_not_with_insecure() {
    let dir = TempDir::new("https");
    let input = dir.file("in.log", &log_lines(20));
    let (sink, ca_pem) = Sink::start_tls(Api::Bulk, Behaviour::default());
    let ca = dir.file("ca.pem", ca_pem.as_bytes());
    assert!(sink.url().starts_with("es+https://127.0.0.1:"));

    // not signed by a known CA: fails at once, with a message about the certificate
    let out = ship(&[&input, "-o", sink.url()]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(sink.docs().is_empty());

    let out = ship(&[&input, "-o", sink.url(), "--ca-cert", &ca]);
    assert_all_delivered(&out, &sink, &input);

    let out = ship(&[&input, "-o", sink.url(), "--insecure"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(delivery(&out)["duplicates"].as_u64(), Some(21));
}

#[test]
fn killed_mid_backfill_and_resumed_every_event_is_stored_once() {
    let dir = TempDir::new("bulk-resume");
    let files: Vec<String> = (0..4)
        .map(|i| dir.file(&format!("part-{i}.log"), &log_lines_from(i * 2000, 1500)))
        .collect();
    let checkpoint = dir.path("done.txt");
    let behaviour = Behaviour::replying(|_| {
        std::thread::sleep(Duration::from_millis(10));
        Reply::Normal
    });
    let sink = Sink::start(Api::Bulk, behaviour);
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["-o", sink.url(), "--batch-events", "100", "-j", "1"]);
    args.extend(["--checkpoint", &checkpoint, "--checkpoint-interval", "0"]);
    let mut child = elbship()
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("40 requests", || sink.requests() >= 40);
    child.kill().unwrap();
    child.wait().unwrap();
    // requests that were in the sink when the client died still finish there
    std::thread::sleep(Duration::from_millis(300));
    let stored_at_kill = sink.docs().len();
    assert!(
        stored_at_kill < 6004,
        "the kill came too late to test anything"
    );

    let out = ship(&args);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("skipping 1 files already done") || stderr.contains("skipping 2 files"),
        "{stderr}"
    );
    let all: Vec<&str> = files.iter().map(String::as_str).collect();
    assert_exactly_once(&sink.docs(), &expected_events_of(&all));
    assert_accounted(&out, Some(&sink), None, &expected_events_of(&all));
    // what the killed run had sent again came back as duplicates, not as second copies
    let d = delivery(&out);
    assert_eq!(
        d["acknowledged"].as_u64().unwrap() as usize,
        sink.docs().len() - stored_at_kill
    );
}

/// The events elbship writes to stdout for several inputs.
fn expected_events_of(inputs: &[&str]) -> Vec<Value> {
    let out = elbship().args(inputs).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    common::events(&out)
}

#[test]
fn progress_shows_requests_in_flight_and_retries() {
    let dir = TempDir::new("http-progress");
    let input = dir.file("in.log", &log_lines(10));
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let out = elbship()
        .args([input.as_str(), "-o", sink.url(), "--progress", "always"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = common::stderr(&out);
    assert!(
        stderr.contains("requests in flight") && stderr.contains("retries"),
        "{stderr}"
    );
}

#[test]
fn the_drain_after_a_signal_is_bounded_by_drain_timeout() {
    let (_sink, child, stdin) = run_into_a_stalled_sink("1s");
    let started = Instant::now();
    signal(&child, "TERM");
    let out = wait_within(child, Duration::from_secs(20));
    drop(stdin);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(stderr.contains("--drain-timeout"), "{stderr}");
    assert!(stderr.contains("were not delivered"), "{stderr}");
}

#[test]
fn requests_the_sink_refuses_fail_fast_with_what_to_check() {
    let dir = TempDir::new("http-4xx");
    let input = dir.file("in.log", &log_lines(30));
    for (status, says) in [
        (400, "malformed"),
        (403, "privilege"),
        (404, "check the --output URL"),
    ] {
        let sink = Sink::start(
            Api::Logstash,
            Behaviour::replying(move |_| Reply::Status(status, Vec::new(), "no".into())),
        );
        let dead = dir.path(&format!("dead-{status}.ndjson"));
        let out = ship(&[&input, "-o", sink.url(), "--dead-letter", &dead]);
        let stderr = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{status}: {stderr}");
        assert!(
            stderr.contains(&format!("HTTP {status}")) && stderr.contains(says),
            "{stderr}"
        );
        assert_eq!(sink.requests(), 1, "{status} is not retried");
        let dead_letters = std::fs::read_to_string(&dead).unwrap();
        assert_eq!(dead_letters.lines().count(), 31, "{status}");
        assert!(dead_letters.contains(&format!("\"status\":{status}")));
        assert_accounted(
            &out,
            Some(&sink),
            Some(&dead),
            &expected_events(&input, &[]),
        );
    }
}

#[test]
fn a_signal_while_the_sink_is_down_still_ends_within_the_drain_timeout() {
    // nothing listens: every sender waits to retry (for ever), the batcher waits for a sender,
    // and the pipeline waits for the batcher
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = TempDir::new("http-down-signal");
    let dead = dir.path("dead.ndjson");
    let mut child = spawn_on_stdin(&[
        "-o",
        &url,
        "--batch-events",
        "5",
        "--retry-max-time",
        "0",
        "--retry-initial-delay",
        "10s",
        "--retry-max-delay",
        "10s",
        "--drain-timeout",
        "1s",
        "--dead-letter",
        &dead,
    ]);
    let mut stdin = child.stdin.take().unwrap();
    // more than the pipe and the pipeline hold: the writer blocks, as `aws s3 cp` would
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&log_lines(2000));
        stdin
    });
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    signal(&child, "TERM");
    let out = wait_within(child, Duration::from_secs(20));
    drop(writer.join().unwrap());
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}: {stderr}",
        started.elapsed()
    );
    // the batches waiting to be retried were given up into the dead-letter file
    let dead_letters = std::fs::read_to_string(&dead).unwrap();
    assert!(dead_letters.contains("interrupted"), "{dead_letters}");
    assert_eq!(delivery(&out)["acknowledged"].as_u64(), Some(0));
}

#[test]
fn a_bulk_url_that_does_not_answer_like_bulk_stops_at_once() {
    let dir = TempDir::new("bulk-not-bulk");
    let input = dir.file("in.log", &log_lines(30));
    // a Logstash input answers 200 "ok" to anything
    let logstash = Sink::start(Api::Logstash, Behaviour::default());
    let url = logstash.url().replace("http://", "es+http://");
    let started = Instant::now();
    let out = ship(&[&input, "-o", &url]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_accounted(&out, Some(&logstash), None, &[]);
    assert!(
        stderr.contains("Elasticsearch or OpenSearch endpoint"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "retried: {stderr}"
    );
}

#[test]
fn a_redirect_is_reported_and_never_followed() {
    let dir = TempDir::new("http-redirect");
    let input = dir.file("in.log", &log_lines(300));
    for status in [301, 302, 303, 307, 308] {
        // where the redirect points: it must see no request, and so no header
        let elsewhere = Sink::start(Api::Logstash, Behaviour::default());
        let location = format!("{}/moved?token=LOCATION-SECRET", elsewhere.url());
        let redirecting = Sink::start(
            Api::Logstash,
            Behaviour::replying(move |_| {
                Reply::Status(status, vec![("Location", location.clone())], String::new())
            }),
        );
        let dead = dir.path(&format!("dead-{status}.ndjson"));
        let checkpoint = dir.path(&format!("ckpt-{status}"));
        let out = ship(&[
            &input,
            "-o",
            redirecting.url(),
            "--dead-letter",
            &dead,
            "--checkpoint",
            &checkpoint,
            "--header",
            "X-Custom: HEADER-SECRET",
        ]);
        let stderr = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{status}: {stderr}");
        assert_eq!(elsewhere.requests(), 0, "{status} was followed");
        assert!(
            stderr.contains(&format!("HTTP {status}"))
                && stderr.contains(&format!("{}/moved", elsewhere.url()))
                && stderr.contains("--output"),
            "{stderr}"
        );
        assert!(!stderr.contains("SECRET"), "{stderr}");
        let dead_letters = std::fs::read_to_string(&dead).unwrap();
        assert_eq!(dead_letters.lines().count(), 301, "{status}");
        assert_accounted(
            &out,
            Some(&redirecting),
            Some(&dead),
            &expected_events(&input, &[]),
        );
        let recorded = std::fs::read_to_string(&checkpoint).unwrap_or_default();
        assert!(recorded.is_empty(), "{status}: checkpointed {recorded}");
    }
}

/// How long a run took whose first `failures` requests were answered 503 with
/// `Retry-After: value`.
fn time_with_retry_after(
    value: &str,
    failures: usize,
    extra: &[&str],
) -> (Output, Duration, usize) {
    let dir = TempDir::new("http-retry-after");
    let input = dir.file("in.log", &log_lines(10));
    let value = value.to_string();
    let sink = Sink::start(
        Api::Logstash,
        Behaviour::replying(move |n| {
            if n < failures {
                Reply::Status(503, vec![("Retry-After", value.clone())], "busy".into())
            } else {
                Reply::Normal
            }
        }),
    );
    let started = Instant::now();
    let mut args = vec![input.as_str(), "-o", sink.url()];
    args.extend_from_slice(extra);
    let out = ship(&args);
    let took = started.elapsed();
    assert_accounted(&out, Some(&sink), None, &expected_events(&input, &[]));
    (out, took, sink.requests())
}

#[test]
fn retry_after_is_bounded_by_the_backoff_and_the_max_delay() {
    // 0 does not turn the retries into a busy loop: the backoff still applies. 16 retries
    // with ceilings 50, 100, then 200 ms, full jitter: 1.5 s expected, under 0.3 s 5 standard
    // deviations away (and about 0 s when 0 is taken as given)
    let backoff = [
        "--retry-initial-delay",
        "50ms",
        "--retry-max-delay",
        "200ms",
    ];
    let (out, took, requests) = time_with_retry_after("0", 16, &backoff);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(requests, 17);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    // a huge one is capped by --retry-max-delay (without the cap, the retry budget of 4 s
    // runs out and the run fails)
    let capped = [
        "--retry-initial-delay",
        "50ms",
        "--retry-max-delay",
        "300ms",
        "--retry-max-time",
        "4s",
    ];
    let (out, took, _) = time_with_retry_after("999999", 3, &capped);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(took >= Duration::from_millis(900), "{took:?}");
    // the HTTP-date form (1 s resolution): 2 s from now, asked once
    let when = httpdate_in(Duration::from_secs(2));
    let (out, took, _) = time_with_retry_after(&when, 1, &["--retry-initial-delay", "10ms"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(took >= Duration::from_millis(1000), "{took:?}");
}

/// An IMF-fixdate `d` from now.
fn httpdate_in(d: Duration) -> String {
    let at = std::time::SystemTime::now() + d;
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{secs}"),
            "+%a, %d %b %Y %H:%M:%S GMT",
        ])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn bulk_items_out_of_order_leave_the_batch_unanswered_and_it_goes_again() {
    let dir = TempDir::new("bulk-reordered");
    let input = dir.file("in.log", &log_lines(99));
    // the first answer comes back reversed, with some documents refused for now (429): read
    // by position, the wrong documents would be sent again and the refused ones never
    let behaviour = Behaviour {
        item: Some(Box::new(|id: &str, seen: usize| {
            (seen == 0 && id.ends_with(['0', '1', '2', '3']))
                .then_some((429, "es_rejected_execution_exception"))
        })),
        reverse_items: Some(Box::new(|n| n == 0)),
        ..Behaviour::default()
    };
    let sink = Sink::start(Api::Bulk, behaviour);
    let out = ship_retrying_fast(&[input.as_str(), "-o", sink.url(), "--batch-events", "100"]);
    let expected = expected_events(&input, &[]);
    assert_accounted(&out, Some(&sink), None, &expected);
    assert_all_delivered(&out, &sink, &input);
    let d = delivery(&out);
    // the reversed answer counted nothing: its stored documents came back as duplicates
    assert!(d["duplicates"].as_u64().unwrap() > 50, "{d}");
    assert_eq!(sink.requests(), 2, "the whole batch went again, once");
}

#[test]
fn a_file_appended_to_while_in_flight_is_read_again() {
    let dir = TempDir::new("http-appended");
    let input = dir.file("in.log", &log_lines(100));
    let checkpoint = dir.path("ckpt");
    // the first answer takes a second: the file is read, its batch in flight, and then it grows
    let sink = Sink::start(
        Api::Bulk,
        Behaviour::replying(|n| {
            if n == 0 {
                Reply::Delay(Duration::from_secs(1))
            } else {
                Reply::Normal
            }
        }),
    );
    let args = [
        input.as_str(),
        "-o",
        sink.url(),
        "--checkpoint",
        &checkpoint,
        "--checkpoint-interval",
        "0",
        "--stats=json",
    ];
    let child = common::spawn_without_stdin(&args);
    wait_for("the first request", || sink.requests() >= 1);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&input)
        .unwrap();
    file.write_all(&log_lines_from(1000, 20)).unwrap();
    drop(file);
    let out = wait_within(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    // the checkpoint holds the file as it was read, so the re-run reads it again
    let again = ship(&args[..5]);
    assert_eq!(again.status.code(), Some(0), "{}", common::stderr(&again));
    assert_accounted(&again, Some(&sink), None, &expected_events(&input, &[]));
    assert!(
        !common::stderr(&again).contains("skipping"),
        "{}",
        common::stderr(&again)
    );
    assert_exactly_once(&sink.docs(), &expected_events(&input, &[]));
    // and now it is done
    let third = ship(&args[..5]);
    assert!(common::stderr(&third).contains("skipping 1 files"));
}

#[test]
fn a_dead_letter_file_that_cannot_be_written_is_not_counted_as_holding_anything() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let dir = TempDir::new("http-dead-full");
    let input = dir.file("in.log", &log_lines(20));
    let sink = Sink::start(
        Api::Logstash,
        Behaviour::replying(|_| Reply::Status(400, Vec::new(), "bad".into())),
    );
    let out = ship(&[&input, "-o", sink.url(), "--dead-letter", "/dev/full"]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("are in /dev/full"), "{stderr}");
    assert!(
        stderr.contains("cannot write the dead-letter file /dev/full"),
        "{stderr}"
    );
    assert!(
        stderr.contains("21 events were not delivered and are in no dead-letter file"),
        "{stderr}"
    );
    let d = delivery(&out);
    assert_eq!(
        (d["dead_lettered"].as_u64(), d["undelivered"].as_u64()),
        (Some(0), Some(21)),
        "{d}"
    );
    assert_accounted(&out, Some(&sink), None, &expected_events(&input, &[]));
}

#[test]
fn no_message_shows_a_secret() {
    let dir = TempDir::new("http-secrets");
    let input = dir.file("in.log", &log_lines(5));
    let run = |args: &[&str]| {
        let out = elbship().args(args).stdin(Stdio::null()).output().unwrap();
        (out.status.code(), common::stderr(&out))
    };
    // usage errors about headers and URLs (clap would quote the argument)
    for args in [
        vec![
            "-o",
            "http://127.0.0.1:1",
            "--header",
            "Authorization Bearer SECRET",
        ],
        vec!["-o", "http://127.0.0.1:1", "--header", "Bearer SECRET: x"],
        vec!["-o", "http://u:SECRET@127.0.0.1:1"],
        vec!["-o", "ftp://127.0.0.1/?token=SECRET"],
        vec!["-o", "es+ftp://u:SECRET@h"],
    ] {
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("SECRET"), "{args:?}: {stderr}");
    }
    // a token in the URL's query, in every message of a failing run
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/?token=SECRET");
    let (code, stderr) = run(&[
        &input,
        "-o",
        &url,
        "--retry-max-time",
        "300ms",
        "--retry-initial-delay",
        "10ms",
        "--retry-max-delay",
        "50ms",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}/?token=***")),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET"), "{stderr}");
    // a sink that echoes the request's headers back in its error body
    let sink = Sink::start(
        Api::Logstash,
        Behaviour::replying(|_| {
            Reply::Status(
                400,
                Vec::new(),
                "{\"error\":\"bad\",\"headers\":{\"authorization\":\"ApiKey SECRET-KEY\",\"x-custom\":\"SECRET-H\"}}"
                    .into(),
            )
        }),
    );
    let out = elbship()
        .args([&input, "-o", sink.url(), "--header", "X-Custom: SECRET-H"])
        .env("ELBSHIP_API_KEY", "SECRET-KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("HTTP 400"), "{stderr}");
    assert!(!stderr.contains("SECRET"), "{stderr}");
}

#[test]
fn a_pipe_held_open_is_delivered_within_the_linger_and_a_signal_counts_every_line_read() {
    // the default block (1 MiB) and linger (1 s): `tail -F access.log | elbship -o URL`
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let mut child = common::spawn(&["-o", sink.url(), "--stats=json"]);
    let mut stdin = child.stdin.take().unwrap();
    let started = Instant::now();
    stdin.write_all(&log_lines(500)).unwrap();
    stdin.flush().unwrap();
    wait_for("the lines of a pipe still open", || {
        sink.docs().len() >= 501
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // more lines, the last cut short, then a signal while the writer keeps the pipe open
    stdin.write_all(&log_lines_from(1000, 3)).unwrap();
    stdin.write_all(b"a line cut short").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    let out = wait_within(child, Duration::from_secs(20));
    drop(stdin);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_accounted(&out, Some(&sink), None, &[]);
    let s = common::stats_json(&out);
    // 501 + 4 + the partial line, which comes out as a failure event that keeps it
    assert_eq!(s["lines"].as_u64(), Some(506), "{s}");
    assert_eq!(s["delivery"]["acknowledged"].as_u64(), Some(506), "{s}");
    let docs = sink.docs();
    assert_eq!(docs.len(), 506);
    let last = docs.last().unwrap();
    assert_eq!(last["message"], "a line cut short", "{last}");
}

#[test]
fn killed_at_random_moments_of_a_dead_lettering_backfill_nothing_is_lost() {
    let dir = TempDir::new("bulk-kill-random");
    // small files: a file ends in most batches, so at most moments some file has just been
    // settled, with its dead letters the last ones written
    let files: Vec<String> = (0..40)
        .map(|i| dir.file(&format!("part-{i:02}.log"), &log_lines_from(i * 1000, 30)))
        .collect();
    let checkpoint = dir.path("done.txt");
    let dead = dir.path("dead.ndjson");
    // about one document in eight is refused for good (a mapping error): dead-lettered
    let refused = |id: &str| id.ends_with(['0', '1']);
    let behaviour = Behaviour {
        reply: Box::new(|_| Reply::Delay(Duration::from_millis(30))),
        item: Some(Box::new(move |id: &str, _| {
            refused(id).then_some((400, "mapper_parsing_exception"))
        })),
        ..Behaviour::default()
    };
    let sink = Sink::start(Api::Bulk, behaviour);
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend([
        "-o",
        sink.url(),
        "--batch-events",
        "40",
        "--max-in-flight",
        "2",
    ]);
    args.extend(["--checkpoint", &checkpoint, "--checkpoint-interval", "0"]);
    args.extend(["--dead-letter", &dead, "-j", "1"]);
    // the moments: random each run, the seed printed so that a failure can be replayed
    let (seed, mut next) = common::kill_moments();
    let mut kills = 0;
    for _ in 0..12 {
        let mut child = elbship()
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(next() % 600));
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(kills > 0, "seed {seed}: every run ended before its kill");
    // the requests the dead processes left in the sink finish there
    std::thread::sleep(Duration::from_millis(200));
    // the run to the end: 3 if it had refused documents left to dead-letter, 0 if the
    // killed runs had finished everything
    let out = ship(&args);
    let stderr = common::stderr(&out);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "seed {seed}: {stderr}"
    );
    // the dead-letter file holds every run's records: only this run's counts are checked
    assert_accounted(&out, None, None, &[]);

    // every event is stored exactly once or (refused) in the dead-letter file, whole
    let all: Vec<&str> = files.iter().map(String::as_str).collect();
    let expected = expected_events_of(&all);
    let stored: Vec<String> = sink.docs().iter().map(Value::to_string).collect();
    let unique: std::collections::HashSet<&String> = stored.iter().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "seed {seed}: a document stored twice"
    );
    let dead_letters: std::collections::HashSet<String> =
        dead_lettered(&dead).into_iter().collect();
    let mut in_dead = 0;
    for event in expected.iter().map(Value::to_string) {
        let at_sink = unique.contains(&event);
        let kept = dead_letters.contains(&event);
        assert!(at_sink || kept, "seed {seed}: lost: {}", &event[..200]);
        assert!(
            !(at_sink && kept),
            "seed {seed}: both stored and dead-lettered"
        );
        in_dead += usize::from(kept);
    }
    assert!(in_dead > 80, "seed {seed}: only {in_dead} refused");
    // and a run after that has nothing left to do
    let again = ship(&args);
    assert!(
        common::stderr(&again).contains("skipping 40 files already done"),
        "seed {seed}: {}",
        common::stderr(&again)
    );
}
