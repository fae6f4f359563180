//! `elbship lambda` end to end, all on 127.0.0.1: cargo-lambda's Runtime API emulator (PyPI
//! `cargo-lambda`, which `.ci/run` installs) hands the events to the function, moto's S3
//! server holds the log objects, and the project's `_bulk` sink stores the events (and
//! misbehaves on cue). Each test checks the function's answer, what the sink holds, and the
//! invocation's accounting line.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::s3::S3Server;
use common::sink::{Api, Behaviour, Reply, Sink};
use common::{elbship, fixture};
use serde_json::{json, Value};

const BUCKET: &str = "logs";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// cargo-lambda's emulator with only the Runtime API (the function is started by the test);
/// `None` (skipped) where cargo-lambda is not installed, outside CI.
struct Emulator {
    child: Child,
    port: u16,
}

impl Emulator {
    fn start() -> Option<Emulator> {
        let port = free_port();
        let spawned = Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
            ])
            .arg(port.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let installed = Command::new("cargo")
            .args(["lambda", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        let Ok(child) = spawned
            .map_err(|_| ())
            .and_then(|c| installed.then_some(c).ok_or(()))
        else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs cargo-lambda's emulator: pip install cargo-lambda"
            );
            eprintln!("skipped: no cargo-lambda");
            return None;
        };
        let mut emulator = Emulator { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the emulator did not start");
            assert!(
                emulator.child.try_wait().unwrap().is_none(),
                "the emulator exited"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(emulator)
    }

    /// Invokes the function with `event` as Lambda's own services do (synchronously) and
    /// returns the answer: the function's result, or its error.
    fn invoke(&self, event: &Value) -> Result<Value, Value> {
        self.invoke_within(event, Duration::from_secs(60))
    }

    fn invoke_within(&self, event: &Value, limit: Duration) -> Result<Value, Value> {
        invoke_at(self.port, event, limit)
    }
}

/// Posts `event` to the emulator on `port`: `Ok` with the function's answer, `Err` with its
/// error (or why there was no answer within `limit`).
fn invoke_at(port: u16, event: &Value, limit: Duration) -> Result<Value, Value> {
    {
        let url = format!("http://127.0.0.1:{port}/2015-03-31/functions/_/invocations");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(limit))
            .build()
            .into();
        let response = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(event.to_string());
        let Ok(mut response) = response else {
            return Err(json!({ "no answer": format!("{response:?}") }));
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(json!({ "unreadable": text }));
        // cargo-lambda answers a function's error as an error status with the error's JSON
        if status == 200 && body.get("errorType").is_none() {
            Ok(body)
        } else {
            Err(body)
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The function: `elbship lambda` connected to the emulator, reading moto, shipping to a sink.
struct Function {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Function {
    fn start(
        emulator: &Emulator,
        s3: &S3Server,
        args: &[&str],
        vars: &[(&str, &str)],
        ulimit_v_kb: Option<u64>,
    ) -> Function {
        let mut cmd = function_command(emulator, s3, ulimit_v_kb);
        let mut child = cmd
            .args(args)
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (out, lines) = (child.stdout.take().unwrap(), Arc::clone(&stdout));
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let (mut err, text) = (child.stderr.take().unwrap(), Arc::clone(&stderr));
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                text.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Function {
            child,
            stdout,
            stderr,
        }
    }

    /// The accounting lines printed so far, parsed.
    fn accounting(&self) -> Vec<Value> {
        let lines = self.stdout.lock().unwrap().clone();
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The last invocation's accounting line (waiting a moment for it to be read).
    fn last(&self, invocations: usize) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.accounting();
            if lines.len() >= invocations {
                return lines[invocations - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "no accounting line {invocations}: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `elbship lambda` with the variables Lambda sets, credentials for moto, and moto's endpoint.
fn function_command(emulator: &Emulator, s3: &S3Server, ulimit_v_kb: Option<u64>) -> Command {
    let mut cmd = elbship();
    if let Some(kb) = ulimit_v_kb {
        // the same command under `ulimit -v`: its environment, through sh
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("ulimit -v {kb} && exec \"$0\" \"$@\""))
            .arg(cmd.get_program())
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => sh.env(k, v),
                None => sh.env_remove(k),
            };
        }
        cmd = sh;
    }
    cmd.env(
        "AWS_LAMBDA_RUNTIME_API",
        format!("http://127.0.0.1:{}/.rt", emulator.port),
    )
    .env("AWS_LAMBDA_FUNCTION_NAME", "_")
    .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
    .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
    .env("AWS_SECRET_ACCESS_KEY", "secret")
    .env("AWS_REGION", "us-east-1")
    .env("ELBSHIP_ENDPOINT_URL", &s3.url)
    .env_remove("ELBSHIP_KILL_SEED")
    .env_remove("ELBSHIP_MOTO_SERVER")
    .arg("lambda");
    cmd
}

/// A key in AWS's layout, with a space in the prefix (URL-encoded as `+` in notifications).
fn key(name: &str) -> String {
    format!("my logs/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2025/06/01/{name}.log.gz")
}

/// An object of `n` distinct ALB lines (gzip), from the fixture's first line.
fn object(n: usize) -> Vec<u8> {
    let line = std::fs::read_to_string(fixture("alb.log")).unwrap();
    let line = line.lines().next().unwrap();
    // a distinct client address per line, across every object of the run: distinct ids
    static CLIENTS: AtomicUsize = AtomicUsize::new(1);
    let first = CLIENTS.fetch_add(n, Ordering::SeqCst);
    let mut text = String::with_capacity(n * (line.len() + 1));
    for c in first..first + n {
        let client = format!("10.{}.{}.{}:2817", (c >> 16) & 255, (c >> 8) & 255, c & 255);
        text.push_str(&line.replacen("192.168.131.39:2817", &client, 1));
        text.push('\n');
    }
    common::gzip(text.as_bytes())
}

fn s3_record(key: &str) -> Value {
    let encoded = key.replace(' ', "+");
    json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2025-06-01T00:05:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": BUCKET, "arn": "arn:aws:s3:::logs"},
               "object": {"key": encoded, "size": 1, "sequencer": "0A"}}
    })
}

fn s3_event(keys: &[String]) -> Value {
    json!({ "Records": keys.iter().map(|k| s3_record(k)).collect::<Vec<_>>() })
}

fn sqs_message(id: &str, body: &Value) -> Value {
    json!({
        "messageId": id, "receiptHandle": "r", "body": body.to_string(),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
        "awsRegion": "us-east-1"
    })
}

struct Setup {
    emulator: Emulator,
    s3: S3Server,
    sink: Sink,
}

fn setup(behaviour: Behaviour) -> Option<Setup> {
    let emulator = Emulator::start()?;
    let s3 = S3Server::start();
    s3.bucket(BUCKET);
    let sink = Sink::start(Api::Bulk, behaviour);
    Some(Setup { emulator, s3, sink })
}

impl Setup {
    fn function(&self, extra: &[&str]) -> Function {
        let mut args = vec!["--output", self.sink.url(), "--retry-initial-delay", "10ms"];
        args.extend_from_slice(extra);
        Function::start(&self.emulator, &self.s3, &args, &[], None)
    }

    /// Puts an object of `lines` lines, has a function run with `extra` ship it from a
    /// direct S3 event, checks that the sink holds every line; the accounting line.
    fn ship_one(&self, name: &str, lines: usize, extra: &[&str]) -> Value {
        let k = key(name);
        self.s3.put(BUCKET, &k, &object(lines));
        let f = self.function(extra);
        let answer = self.emulator.invoke(&s3_event(&[k]));
        assert_eq!(answer, shipped(lines), "{}", f.stderr());
        assert_eq!(self.sink.docs().len(), lines);
        let line = f.last(1);
        assert_accounted(&line, lines as u64);
        line
    }
}

/// The answer of a direct invocation that shipped one object of `events` events.
fn shipped(events: usize) -> Result<Value, Value> {
    Ok(json!({"objects": 1, "events": events}))
}

/// The accounting invariant of one invocation, and nothing undelivered.
fn assert_accounted(line: &Value, events: u64) {
    let n = |k: &str| line[k].as_u64().unwrap_or_else(|| panic!("{k} in {line}"));
    assert_eq!(n("lines") - n("empty_lines"), n("events"), "{line}");
    assert_eq!(n("events"), events, "{line}");
    assert_eq!(
        n("events"),
        n("acknowledged") + n("duplicates") + n("dead_lettered") + n("undelivered"),
        "{line}"
    );
    assert_eq!(n("undelivered"), 0, "{line}");
}

#[test]
fn a_direct_s3_event_ships_every_line_of_the_object_once() {
    let Some(t) = setup(Behaviour::default()) else {
        return;
    };
    let line = t.ship_one("direct", 3000, &[]);
    assert_eq!(line["acknowledged"], 3000);
    assert_eq!(line["objects"], 1);
    assert_eq!(line["objects_failed"], 0);
    let doc = &t.sink.docs()[0];
    assert_eq!(doc["aws"]["s3"]["bucket"]["name"], BUCKET, "{doc}");
    assert!(line["max_memory_mb"].as_u64().unwrap() > 0);
}

#[test]
fn an_sqs_batch_reports_exactly_the_message_whose_object_is_missing() {
    let Some(t) = setup(Behaviour::default()) else {
        return;
    };
    let (a, missing, c) = (key("a"), key("missing"), key("c"));
    t.s3.put(BUCKET, &a, &object(100));
    t.s3.put(BUCKET, &c, &object(200));
    let f = t.function(&[]);
    let batch = json!({"Records": [
        sqs_message("m-a", &s3_event(&[a])),
        sqs_message("m-missing", &s3_event(&[missing])),
        sqs_message("m-c", &s3_event(&[c])),
    ]});
    let answer = t.emulator.invoke(&batch);
    assert_eq!(
        answer,
        Ok(json!({"batchItemFailures": [{"itemIdentifier": "m-missing"}]})),
        "{}",
        f.stderr()
    );
    assert_eq!(t.sink.docs().len(), 300);
    let line = f.last(1);
    assert_accounted(&line, 300);
    assert_eq!(line["objects_failed"], 1);
    assert!(f.stderr().contains("missing.log.gz"), "{}", f.stderr());
}

#[test]
fn sns_in_sqs_sns_eventbridge_and_the_s3_test_event() {
    let Some(t) = setup(Behaviour::default()) else {
        return;
    };
    let (a, b, c) = (key("sns-in-sqs"), key("sns"), key("eventbridge"));
    for (k, n) in [(&a, 10), (&b, 20), (&c, 30)] {
        t.s3.put(BUCKET, k, &object(n));
    }
    let f = t.function(&[]);
    // SNS delivered to SQS (raw delivery off): the SNS notification is the message body
    let notification = json!({"Type": "Notification", "MessageId": "n1",
        "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": s3_event(&[a]).to_string()});
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET});
    let batch = json!({"Records": [
        sqs_message("m1", &notification),
        sqs_message("m2", &test_event),
    ]});
    assert_eq!(
        t.emulator.invoke(&batch),
        Ok(json!({"batchItemFailures": []})),
        "{}",
        f.stderr()
    );
    assert_eq!(t.sink.docs().len(), 10);
    assert!(f.stderr().contains("S3 test event"), "{}", f.stderr());

    let sns = json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "Sns": {"Type": "Notification", "Message": s3_event(&[b]).to_string()}}]});
    assert_eq!(t.emulator.invoke(&sns), shipped(20));

    let bridge = json!({"version": "0", "detail-type": "Object Created", "source": "aws.s3",
        "detail": {"bucket": {"name": BUCKET}, "object": {"key": c, "size": 1}}});
    assert_eq!(t.emulator.invoke(&bridge), shipped(30));
    assert_eq!(t.sink.docs().len(), 60);
    for (i, events) in [(1, 10), (2, 20), (3, 30)] {
        assert_accounted(&f.last(i), events);
    }

    // an event of no known shape fails the invocation instead of being acknowledged
    let answer = t.emulator.invoke(&json!({"hello": "world"}));
    let error = answer.unwrap_err().to_string();
    assert!(error.contains("cannot read the event"), "{error}");
}

#[test]
fn a_function_killed_mid_object_loses_nothing_and_the_retry_stores_each_event_once() {
    // a slow sink, so the kill lands mid-object: 20 requests of 1,000 events, 100 ms each
    let behaviour = Behaviour::replying(|_| Reply::Delay(Duration::from_millis(100)));
    let Some(t) = setup(behaviour) else {
        return;
    };
    let k = key("killed");
    t.s3.put(BUCKET, &k, &object(20_000));
    let event = s3_event(&[k]);
    let slow = [
        "--batch-events",
        "1000",
        "--max-in-flight",
        "2",
        "--block-size",
        "64K",
    ];
    // a different moment each run, named in every message
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as usize;
    let kill_at = 1_000 + nanos % 15 * 1_000;
    let mut first = t.function(&slow);
    let port = t.emulator.port;
    let pending = event.clone();
    // the killed invocation never answers (the emulator waits for it); nobody waits for it
    std::thread::spawn(move || invoke_at(port, &pending, Duration::from_secs(60)));
    let deadline = Instant::now() + Duration::from_secs(60);
    while t.sink.docs().len() < kill_at {
        assert!(
            Instant::now() < deadline,
            "kill at {kill_at}: {}",
            first.stderr()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    // a request the sink was reading when the process died is stored or dropped by now
    std::thread::sleep(Duration::from_millis(300));
    let before = t.sink.docs().len();
    assert!(before < 20_000, "killed at {kill_at}, stored {before}");
    assert!(first.accounting().is_empty(), "it died before accounting");

    // Lambda's retry (or the SQS redelivery) on a fresh instance
    let second = t.function(&slow);
    let answer = t.emulator.invoke(&event);
    assert_eq!(
        answer,
        shipped(20_000),
        "kill at {kill_at}: {}",
        second.stderr()
    );
    let line = second.last(1);
    assert_accounted(&line, 20_000);
    assert_eq!(
        line["duplicates"].as_u64(),
        Some(before as u64),
        "kill at {kill_at}: what the first stored is a duplicate, nothing more: {line}"
    );
    assert_eq!(t.sink.docs().len(), 20_000, "kill at {kill_at}");
    assert_eq!(t.sink.store(|s| s.ids.len()), 20_000);
}

#[test]
fn a_sink_answering_429_is_retried_until_every_event_is_stored() {
    let behaviour = Behaviour::replying(|n| {
        if n < 3 {
            Reply::Status(429, vec![("retry-after", "0".into())], "slow down".into())
        } else {
            Reply::Normal
        }
    });
    let Some(t) = setup(behaviour) else {
        return;
    };
    let line = t.ship_one("throttled", 1500, &["--batch-events", "500"]);
    assert!(line["retried"].as_u64().unwrap() >= 500, "{line}");
}

#[test]
fn a_deadline_mid_object_fails_the_invocation_and_the_retry_stores_each_event_once() {
    // a slow sink: 20 requests of 1,000 events, 150 ms each, one at a time
    let behaviour = Behaviour::replying(|_| Reply::Delay(Duration::from_millis(150)));
    let Some(t) = setup(behaviour) else {
        return;
    };
    let k = key("big");
    t.s3.put(BUCKET, &k, &object(20_000));
    let event = s3_event(&[k]);
    let slow = [
        "--batch-events",
        "1000",
        "--max-in-flight",
        "1",
        "-j1",
        "--block-size",
        "64K",
    ];
    {
        let mut args = slow.to_vec();
        args.extend(["--time-limit", "800ms", "--deadline-margin", "2s"]);
        let f = t.function(&args);
        let answer = t.emulator.invoke(&event);
        let error = answer
            .expect_err("a stopped object is a failed invocation")
            .to_string();
        assert!(
            error.contains("1 of 1 objects not delivered"),
            "{error}: {}",
            f.stderr()
        );
        let line = f.last(1);
        let stored = t.sink.docs().len() as u64;
        assert!(stored > 0 && stored < 20_000, "stored {stored}: {line}");
        assert_eq!(line["objects_failed"], 1, "{line}");
        assert!(f.stderr().contains("stopped reading"), "{}", f.stderr());
    }
    // Lambda's retry: a new instance reads the object again; what is there is a duplicate
    let f = t.function(&slow);
    let answer = t.emulator.invoke(&event);
    assert_eq!(answer, shipped(20_000), "{}", f.stderr());
    let line = f.last(1);
    assert_accounted(&line, 20_000);
    assert!(line["duplicates"].as_u64().unwrap() > 0, "{line}");
    let docs = t.sink.docs();
    assert_eq!(docs.len(), 20_000, "each event stored exactly once");
    let ids = t.sink.store(|s| s.ids.len());
    assert_eq!(ids, 20_000);
}

#[test]
fn rejected_events_go_to_the_dead_letter_object_or_fail_the_object() {
    // the sink refuses every 10th document for good (a mapping error)
    let reject = |id: &str, _seen: usize| {
        (id.as_bytes().last().copied().unwrap_or(0) % 10 == 0)
            .then_some((400, "mapper_parsing_exception"))
    };
    let behaviour = Behaviour {
        item: Some(Box::new(reject)),
        ..Behaviour::default()
    };
    let Some(t) = setup(behaviour) else {
        return;
    };
    t.s3.bucket("dead");
    let k = key("rejected");
    t.s3.put(BUCKET, &k, &object(500));
    {
        // no dead-letter target: the object fails
        let f = t.function(&[]);
        let error = t
            .emulator
            .invoke(&s3_event(std::slice::from_ref(&k)))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("1 of 1 objects not delivered"),
            "{error}: {}",
            f.stderr()
        );
        let line = f.last(1);
        assert!(line["undelivered"].as_u64().unwrap() > 0, "{line}");
    }
    let f = t.function(&["--dead-letter", "s3://dead/elbship/"]);
    let answer = t.emulator.invoke(&s3_event(&[k]));
    assert_eq!(answer, shipped(500), "{}", f.stderr());
    let line = f.last(1);
    assert_accounted(&line, 500);
    let dead = line["dead_lettered"].as_u64().unwrap();
    assert!(dead > 0, "{line}");
    let url = line["dead_letter"].as_str().unwrap().to_string();
    let key = url.strip_prefix("s3://dead/").unwrap();
    assert!(key.starts_with("elbship/"), "{url}");
    let body = t.s3.get("dead", key);
    let records: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len() as u64, dead);
    assert!(records[0]["reason"]
        .as_str()
        .unwrap()
        .contains("mapper_parsing_exception"));
}

#[test]
fn the_api_key_is_read_from_ssm_at_start_and_sent_on_every_invocation() {
    let Some(t) = setup(Behaviour::default()) else {
        return;
    };
    let arn = t.s3.put_parameter("/elb/es-api-key", "s3cr3t-key");
    let f = Function::start(
        &t.emulator,
        &t.s3,
        &["--output", t.sink.url()],
        &[
            ("ELBSHIP_API_KEY_ARN", &arn),
            ("AWS_ENDPOINT_URL_SSM", &t.s3.url),
        ],
        None,
    );
    for (i, name) in ["one", "two"].into_iter().enumerate() {
        let k = key(&format!("ssm-{name}"));
        t.s3.put(BUCKET, &k, &object(10));
        let answer = t.emulator.invoke(&s3_event(&[k]));
        assert_eq!(answer, shipped(10), "{}", f.stderr());
        t.sink.store(|s| {
            assert!(s
                .last_headers
                .contains(&("authorization".into(), "ApiKey s3cr3t-key".into())));
        });
        assert_accounted(&f.last(i + 1), 10);
    }
    assert!(!f.stderr().contains("s3cr3t"), "{}", f.stderr());
}

#[test]
fn outside_lambda_and_with_a_wrong_variable_it_says_why() {
    let out = elbship()
        .args(["lambda", "--output", "http://127.0.0.1:9/"])
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runs inside AWS Lambda, and AWS_LAMBDA_RUNTIME_API is not set"),
        "{err}"
    );
    let out = elbship()
        .args(["lambda"])
        .env("ELBSHIP_OUTPT", "http://127.0.0.1:9/")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ELBSHIP_OUTPT names no flag of elbship lambda"),
        "{err}"
    );
}

#[test]
fn a_62_mb_object_ships_in_128_mib_of_address_space() {
    let Some(t) = setup(Behaviour::default()) else {
        return;
    };
    // about 62 MB of log lines, read by a function whose address space is 128 MiB in all
    // (Lambda's 128 MB counts resident memory only: this is stricter), shipping to a
    // Logstash `http` input (the `_bulk` path peaks higher today: see the README)
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let lines = 150_000;
    let k = key("large");
    t.s3.put(BUCKET, &k, &object(lines));
    let f = Function::start(
        &t.emulator,
        &t.s3,
        &["--output", sink.url()],
        &[],
        Some(131_072),
    );
    // the debug build of the test sink takes its time over 150,000 documents
    let answer = t
        .emulator
        .invoke_within(&s3_event(&[k]), Duration::from_secs(300));
    assert_eq!(answer, shipped(lines), "{}", f.stderr());
    assert_eq!(sink.docs().len(), lines);
    let line = f.last(1);
    assert_accounted(&line, lines as u64);
    assert!(
        line["bytes_decoded"].as_u64().unwrap() > 60_000_000,
        "{line}"
    );
    assert!(line["max_memory_mb"].as_u64().unwrap() < 128, "{line}");
}
