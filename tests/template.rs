//! `elbship template` against what the encoders write: every field of every fixture line, in
//! both schemas, has a mapping of a type that takes its value, and every mapped key is one the
//! encoders write. A field added to an encoder without a mapping fails here.

mod common;

use common::{elbship, fixture};
use serde_json::Value;

fn template(schema: &str) -> Value {
    let out = elbship()
        .args(["template", "--schema", schema])
        .output()
        .unwrap();
    assert!(out.status.success());
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["index_patterns"], serde_json::json!(["elb-logs-*"]));
    t["template"]["mappings"]["properties"].clone()
}

/// The mapping of a dotted path, if the template has one.
fn mapping<'t>(properties: &'t Value, path: &str) -> Option<&'t Value> {
    let mut parts = path.split('.').peekable();
    let mut at = properties;
    while let Some(part) = parts.next() {
        let field = at.get(part)?;
        if parts.peek().is_none() {
            return field.get("type").map(|_| field);
        }
        at = field.get("properties")?;
    }
    None
}

/// Every leaf of an event: (dotted path, value), arrays as their elements.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&path, v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                leaves(prefix, item, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

fn takes(kind: &str, value: &Value) -> bool {
    match (kind, value) {
        ("keyword", Value::String(_) | Value::Number(_)) => true,
        ("text", Value::String(_)) => true,
        ("ip", Value::String(s)) => s.parse::<std::net::IpAddr>().is_ok(),
        ("date", Value::String(s)) => {
            let b = s.as_bytes();
            b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':'
        }
        ("long", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("double", Value::Number(_)) => true,
        _ => false,
    }
}

fn events(schema: &str) -> Vec<Value> {
    let inputs = [
        "alb.log",
        "classic.log",
        "nlb.log",
        "alb_connection.log",
        "malformed.log",
        "sample-alb.log.gz",
    ];
    let out = elbship()
        .args(["--schema", schema])
        .args(inputs.map(fixture))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_field_the_encoders_write_has_a_mapping_that_takes_its_value() {
    for schema in ["ecs", "legacy"] {
        let properties = template(schema);
        let mut checked = std::collections::BTreeSet::new();
        for event in events(schema) {
            let mut all = Vec::new();
            leaves("", &event, &mut all);
            for (path, value) in all {
                let Some(m) = mapping(&properties, &path) else {
                    panic!("{schema}: {path} ({value}) has no mapping in `elbship template`")
                };
                let kind = m["type"].as_str().unwrap();
                assert!(
                    takes(kind, &value),
                    "{schema}: {path} is mapped as {kind}, which does not take {value}"
                );
                checked.insert(path);
            }
        }
        assert!(
            checked.len() > 60,
            "{schema}: only {} fields",
            checked.len()
        );
        // what an input's name or S3 object sets
        for key in elbship::event::SOURCE_KEYS {
            let m = mapping(&properties, key).unwrap_or_else(|| panic!("{schema}: {key}"));
            assert_eq!(m["type"], "keyword", "{schema}: {key}");
        }
    }
}

#[test]
fn every_mapped_key_is_one_the_encoders_write() {
    let sources: String = [
        "src/schema/ecs.rs",
        "src/schema/legacy.rs",
        "src/schema/mod.rs",
        "src/event/mod.rs",
        "src/config.rs",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(p).unwrap())
    .collect();
    for schema in ["ecs", "legacy"] {
        let mut paths = Vec::new();
        // every leaf mapping, as a dotted path
        fn walk(prefix: &str, properties: &Value, out: &mut Vec<String>) {
            for (k, v) in properties.as_object().unwrap() {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v.get("properties") {
                    Some(inner) => walk(&path, inner, out),
                    None => out.push(path),
                }
            }
        }
        walk("", &template(schema), &mut paths);
        for path in paths {
            let last = path.rsplit('.').next().unwrap();
            assert!(
                sources.contains(&format!("\"{last}\""))
                    || sources.contains(&format!("\"{path}\"")),
                "{schema}: {path} is mapped but no encoder writes a key {last:?}"
            );
        }
    }
}
