//! Every real line in `fixtures/*.log`, checked field by field (value and JSON type) against
//! `fixtures/expected.jsonl`, in both schemas. See `fixtures/README.md` for provenance.

mod common;

use common::{at, fixture, parse_event};
use elbship::format::{self, Record};
use elbship::schema::{self, EventStyle, EventWriter, Failure, Schema, StaticFields};
use serde_json::Value;

struct Case {
    file: String,
    line_no: usize,
    kind: String,
    valid: bool,
    fields: serde_json::Map<String, Value>,
    line: String,
}

fn cases() -> Vec<Case> {
    let expected = std::fs::read_to_string(fixture("expected.jsonl")).unwrap();
    let cases: Vec<Case> = expected
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let file = v["file"].as_str().unwrap().to_string();
            let line_no = v["line_no"].as_u64().unwrap() as usize;
            let text = std::fs::read_to_string(fixture(&file)).unwrap();
            let line = text.lines().nth(line_no - 1).unwrap().to_string();
            Case {
                file,
                line_no,
                kind: v["type"].as_str().unwrap().to_string(),
                valid: v["valid"].as_bool().unwrap(),
                fields: v
                    .get("fields")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                line,
            }
        })
        .collect();
    let logs: usize = [
        "alb.log",
        "classic.log",
        "nlb.log",
        "alb_connection.log",
        "malformed.log",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(fixture(f)).unwrap().lines().count())
    .sum();
    assert_eq!(
        cases.len(),
        logs,
        "expected.jsonl covers every fixture line"
    );
    cases
}

fn render(line: &str, schema: Schema) -> Value {
    let mut statics = StaticFields::default();
    statics.insert("labels.env", "test").unwrap();
    let style = EventStyle::new(schema, true, &["elb".to_string()]);
    let mut out = Vec::new();
    let mut w = EventWriter::new(&mut out, &statics);
    match format::parse_line(line.as_bytes()) {
        Ok(record) => schema::write_record(&mut w, &record, &style),
        Err(e) => schema::write_failure(
            &mut w,
            line.as_bytes(),
            &Failure::Parse(e),
            &style,
            "2026-01-01T00:00:00.000Z",
        ),
    }
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with('\n') && text.matches('\n').count() == 1);
    let event = parse_event(text.trim_end());
    assert_eq!(
        at(&event, "labels.env"),
        Some(&Value::from("test")),
        "{text}"
    );
    assert_eq!(at(&event, "message"), Some(&Value::from(line)));
    event
}

/// Where an expected field lives: (ECS path, legacy path); `None` = not emitted by that schema.
fn paths(kind: &str, field: &str, tcp: bool) -> (Option<&'static str>, Option<&'static str>) {
    let both = |e, l| (Some(e), Some(l));
    match (kind, field) {
        ("nlb", "timestamp") => (None, Some("timestamp")), // ECS: checked with the Z added
        ("nlb", "version") => both("aws.elb.log_version", "version"),
        ("nlb", "listener") => both("aws.elb.listener", "listener"),
        ("nlb", "destination_ip") => both("aws.elb.backend.ip", "destination_ip"),
        ("nlb", "destination_port") => both("aws.elb.backend.port", "destination_port"),
        ("nlb", "connection_time_ms") => both("aws.elb.connection_time.ms", "connection_time"),
        ("nlb", "tls_handshake_time_ms") => {
            both("aws.elb.tls_handshake_time.ms", "tls_handshake_time")
        }
        ("nlb", "received_bytes") => both("source.bytes", "received_bytes"),
        ("nlb", "sent_bytes") => both("destination.bytes", "sent_bytes"),
        ("nlb", "incoming_tls_alert") => both("aws.elb.incoming_tls_alert", "incoming_tls_alert"),
        ("nlb", "chosen_cert_serial") => both("aws.elb.chosen_cert.serial", "chosen_cert_serial"),
        ("nlb", "tls_cipher") => both("tls.cipher", "tls_cipher"),
        ("nlb", "tls_protocol_version") => both("aws.elb.ssl_protocol", "tls_protocol_version"),
        ("nlb", "tls_named_group") => both("aws.elb.ssl_named_group", "tls_named_group"),
        ("nlb", "alpn_fe_protocol") => both("aws.elb.alpn_fe_protocol", "alpn_fe_protocol"),
        ("nlb", "alpn_be_protocol") => both("aws.elb.alpn_be_protocol", "alpn_be_protocol"),
        ("nlb", "alpn_client_preference_list") => both(
            "aws.elb.alpn_client_preference_list",
            "alpn_client_preference_list",
        ),
        ("alb_connection", "timestamp") => both("@timestamp", "timestamp"),
        ("alb_connection", "client_ip") => both("client.ip", "clientip"),
        ("alb_connection", "client_port") => both("client.port", "clientport"),
        ("alb_connection", "listener_port") => both("aws.elb.listener", "listener_port"),
        ("alb_connection", "tls_protocol") => both("aws.elb.ssl_protocol", "tls_protocol"),
        ("alb_connection", "tls_cipher") => both("aws.elb.ssl_cipher", "tls_cipher"),
        ("alb_connection", "tls_handshake_latency") => {
            both("aws.elb.tls_handshake_latency", "tls_handshake_latency")
        }
        ("alb_connection", "leaf_client_cert_subject") => both(
            "aws.elb.leaf_client_cert_subject",
            "leaf_client_cert_subject",
        ),
        ("alb_connection", "leaf_client_cert_validity") => {
            (None, Some("leaf_client_cert_validity"))
        }
        ("alb_connection", "leaf_client_cert_serial_number") => both(
            "aws.elb.leaf_client_cert_serial_number",
            "leaf_client_cert_serial_number",
        ),
        // ECS: `Failed:<code>` split in two, checked separately
        ("alb_connection", "tls_verify_status") => (None, Some("tls_verify_status")),
        ("alb_connection", "conn_trace_id") => both("aws.elb.connection_trace_id", "conn_trace_id"),
        (_, "timestamp") => both("@timestamp", "timestamp"),
        (_, "type") => both("aws.elb.type", "type"),
        (_, "elb") => both("aws.elb.name", "elb"),
        (_, "client_ip") => both("source.ip", "clientip"),
        (_, "client_port") => both("source.port", "clientport"),
        (_, "target_ip") => both("aws.elb.backend.ip", "backendip"),
        (_, "target_port") => both("aws.elb.backend.port", "backendport"),
        (_, "request_processing_time") => both(
            "aws.elb.request_processing_time.sec",
            "request_processing_time",
        ),
        (_, "target_processing_time") => both(
            "aws.elb.backend_processing_time.sec",
            "backend_processing_time",
        ),
        (_, "response_processing_time") => both(
            "aws.elb.response_processing_time.sec",
            "response_processing_time",
        ),
        (_, "elb_status_code") => both("http.response.status_code", "response"),
        (_, "target_status_code") => both(
            "aws.elb.backend.http.response.status_code",
            "backend_response",
        ),
        (_, "received_bytes") if tcp => both("source.bytes", "received_bytes"),
        (_, "sent_bytes") if tcp => both("destination.bytes", "bytes"),
        (_, "received_bytes") => both("http.request.body.bytes", "received_bytes"),
        (_, "sent_bytes") => both("http.response.body.bytes", "bytes"),
        // a TCP listener has no request: checked separately
        (_, "http_method" | "url" | "http_version") if tcp => (None, None),
        (_, "http_method") => both("http.request.method", "verb"),
        (_, "url") => both("url.original", "request"),
        (_, "http_version") => both("http.version", "httpversion"),
        (_, "user_agent") => both("user_agent.original", "user_agent"),
        (_, "ssl_cipher") => both("tls.cipher", "ssl_cipher"),
        (_, "ssl_protocol") => both("aws.elb.ssl_protocol", "ssl_protocol"),
        (_, "target_group_arn") => both("aws.elb.target_group.arn", "target_group_arn"),
        (_, "trace_id") => both("aws.elb.trace_id", "trace_id"),
        (_, "domain_name") => both("destination.domain", "domain_name"),
        (_, "chosen_cert_arn") => both("aws.elb.chosen_cert.arn", "chosen_cert_arn"),
        (_, "matched_rule_priority") => {
            both("aws.elb.matched_rule_priority", "matched_rule_priority")
        }
        (_, "request_creation_time") => both("event.start", "request_creation_time"),
        (_, "actions_executed") => both("aws.elb.action_executed", "actions_executed"),
        (_, "redirect_url") => both("aws.elb.redirect_url", "redirect_url"),
        (_, "error_reason") => both("aws.elb.error.reason", "error_reason"),
        (_, "target_port_list") => both("aws.elb.target_port", "target_port_list"),
        (_, "target_status_code_list") => {
            both("aws.elb.target_status_code", "target_status_code_list")
        }
        (_, "classification") => both("aws.elb.classification", "classification"),
        (_, "classification_reason") => {
            both("aws.elb.classification_reason", "classification_reason")
        }
        (_, "extra_fields" | "field_count" | "listener_kind") => (None, None),
        (kind, field) => panic!("no mapping for {kind} field {field}"),
    }
}

const TIMES: [&str; 3] = [
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
];

/// Same value and same JSON type (integer vs float vs string vs array).
fn same(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Number(e), Value::Number(g)) => {
            e.is_f64() == g.is_f64() && e.as_f64() == g.as_f64()
        }
        _ => expected == got,
    }
}

#[test]
fn every_fixture_line_field_by_field_in_both_schemas() {
    let mut checked = 0;
    for case in cases() {
        let here = format!("{}:{}", case.file, case.line_no);
        let ecs = render(&case.line, Schema::Ecs);
        let legacy = render(&case.line, Schema::Legacy);
        if !case.valid {
            for event in [&ecs, &legacy] {
                let tags = at(event, "tags").unwrap().as_array().unwrap();
                assert!(tags.contains(&Value::from("_grokparsefailure")), "{here}");
                assert!(tags.contains(&Value::from("elb")), "{here}: user tags kept");
                let why = at(event, "error.message").and_then(Value::as_str).unwrap();
                assert!(!why.is_empty(), "{here}");
            }
            continue;
        }
        let tcp = case.fields.get("listener_kind") == Some(&Value::from("tcp/ssl"));
        for (field, expected) in &case.fields {
            let (ecs_path, legacy_path) = paths(&case.kind, field, tcp);
            for (schema, event, path) in [("ecs", &ecs, ecs_path), ("legacy", &legacy, legacy_path)]
            {
                let Some(path) = path else { continue };
                let got = at(event, path);
                let legacy_minus_one = schema == "legacy" && TIMES.contains(&field.as_str());
                match (expected, got) {
                    (Value::Null, Some(v)) if legacy_minus_one => {
                        assert_eq!(v.as_f64(), Some(-1.0), "{here} {schema} {path}");
                        assert!(v.is_f64(), "{here} {schema} {path}: -1 kept as a float");
                    }
                    (Value::Null, None) if legacy_minus_one => {
                        panic!("{here} {schema} {path}: -1 must be kept in legacy")
                    }
                    (Value::Null, None) => {}
                    (Value::Null, Some(v)) => {
                        panic!("{here} {schema} {path}: expected absent, got {v}")
                    }
                    (e, Some(g)) => {
                        assert!(same(e, g), "{here} {schema} {path}: expected {e}, got {g}")
                    }
                    (e, None) => panic!("{here} {schema} {path}: expected {e}, missing"),
                }
                checked += 1;
            }
        }
        // fields whose check is not a plain path
        if let Some(n) = case.fields.get("extra_fields").and_then(Value::as_u64) {
            let count =
                |e: &Value, p| at(e, p).and_then(Value::as_array).map_or(0, Vec::len) as u64;
            assert_eq!(count(&ecs, "aws.elb.extra_fields"), n, "{here}");
            assert_eq!(count(&legacy, "extra_fields"), n, "{here}");
        }
        if let Some(n) = case.fields.get("field_count").and_then(Value::as_u64) {
            let record = format::parse_line(case.line.as_bytes()).unwrap();
            let (known, extra) = match &record {
                Record::Alb(r) => (r.known_fields, r.extra.len()),
                Record::Classic(r) => (r.known_fields, r.extra.len()),
                Record::Nlb(r) => (r.known_fields, r.extra.len()),
                Record::Conn(r) => (r.known_fields, r.extra.len()),
            };
            assert_eq!((known + extra) as u64, n, "{here} field_count");
        }
        if case.kind == "classic" || case.kind == "alb" {
            let protocol = at(&ecs, "aws.elb.protocol").unwrap();
            assert_eq!(protocol, if tcp { "tcp" } else { "http" }, "{here}");
        }
        if tcp {
            assert!(
                at(&ecs, "url").is_none() && at(&ecs, "http").is_none(),
                "{here}"
            );
            assert_eq!(
                at(&legacy, "rawrequest"),
                Some(&Value::from("- - - ")),
                "{here}"
            );
            assert!(at(&legacy, "verb").is_none(), "{here}");
        }
        if case.kind == "nlb" {
            let ts = case.fields["timestamp"].as_str().unwrap();
            assert_eq!(
                at(&ecs, "@timestamp"),
                Some(&Value::from(format!("{ts}Z"))),
                "{here}"
            );
        }
        if case.kind == "alb_connection" {
            let validity = case.fields["leaf_client_cert_validity"].as_str().unwrap();
            let rebuilt = format!(
                "NotBefore={};NotAfter={}",
                at(&ecs, "aws.elb.leaf_client_cert_not_before")
                    .unwrap()
                    .as_str()
                    .unwrap(),
                at(&ecs, "aws.elb.leaf_client_cert_not_after")
                    .unwrap()
                    .as_str()
                    .unwrap()
            );
            assert_eq!(rebuilt, validity, "{here}");
            // Elastic Agent's shape: `Failed` and the code apart, so `tls_verify_status: Failed`
            // finds every failure
            let status = case.fields["tls_verify_status"].as_str();
            let (word, code) = match status.map(|s| s.split_once(':')) {
                Some(Some((word, code))) => (Some(word), Some(code)),
                _ => (status, None),
            };
            let text = |p| at(&ecs, p).and_then(Value::as_str);
            assert_eq!(text("aws.elb.tls_verify_status"), word, "{here}");
            assert_eq!(text("aws.elb.tls_error_code"), code, "{here}");
            assert_eq!(text("aws.elb.protocol"), Some("tcp"), "{here}");
            assert_eq!(
                text("event.end"),
                case.fields["timestamp"].as_str(),
                "{here}"
            );
        }
        // Elastic Agent sets `source.address` beside `source.ip` on ALB, Classic and NLB lines
        if let Some(ip) = case
            .fields
            .get("client_ip")
            .filter(|_| case.kind != "alb_connection")
        {
            assert_eq!(at(&ecs, "source.address"), Some(ip), "{here}");
        }
        if let Some(Value::String(cipher)) = case.fields.get("ssl_cipher") {
            assert_eq!(
                at(&ecs, "aws.elb.ssl_cipher"),
                Some(&Value::from(cipher.as_str())),
                "{here}"
            );
        }
        if let Some(Value::String(p)) = case.fields.get("ssl_protocol") {
            let version = p.strip_prefix("TLSv").unwrap();
            assert_eq!(
                at(&ecs, "tls.version"),
                Some(&Value::from(version)),
                "{here}"
            );
        }
    }
    assert!(checked > 900, "only {checked} field checks ran");
}

#[test]
fn event_duration_is_the_exact_sum_in_nanoseconds() {
    let line = std::fs::read_to_string(fixture("classic.log")).unwrap();
    let first = line.lines().next().unwrap(); // 0.000073 0.001048 0.000057
    let ecs = render(first, Schema::Ecs);
    assert_eq!(
        at(&ecs, "event.duration"),
        Some(&Value::from(73_000 + 1_048_000 + 57_000))
    );
    let lambda_fail = std::fs::read_to_string(fixture("alb.log")).unwrap();
    let minus_one = lambda_fail.lines().nth(7).unwrap(); // -1 -1 -1
    assert!(at(&render(minus_one, Schema::Ecs), "event.duration").is_none());
}
