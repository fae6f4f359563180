//! `elbship template`: the composable index template (Elasticsearch 8 and OpenSearch 2 share the
//! syntax) with a mapping for every field the encoders can write, so `source.ip` is an `ip`, the
//! times are `date`s and the durations numbers instead of what dynamic mapping guesses.
//!
//! The tables sit beside the encoders they describe; `tests/template.rs` renders every fixture
//! line in both schemas and fails on any field without a mapping of a compatible type, and on
//! any mapped key the encoders do not write.

use serde_json::{json, Map, Value};

use super::Schema;

/// What a field is stored as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An exact value, up to 1,024 bytes (longer values are kept in `_source`, not indexed).
    Keyword,
    /// An exact value that may be long (URLs, user agents, paths): indexed up to 8,191 bytes,
    /// below Lucene's 32,766-byte term limit that would reject the document.
    LongKeyword,
    /// Full text (the raw line, error messages).
    Text,
    Date,
    Ip,
    Long,
    Double,
}

use Kind::*;

/// Fields of every event whatever the schema: the failure event's and the input's metadata.
const COMMON: &[(&str, Kind)] = &[
    ("@timestamp", Date),
    ("message", Text),
    ("tags", Keyword),
    ("error.message", Text),
    ("log.file.path", LongKeyword),
    ("cloud.provider", Keyword),
    ("cloud.account.id", Keyword),
    ("cloud.region", Keyword),
    ("aws.s3.bucket.name", Keyword),
    ("aws.s3.object.key", LongKeyword),
];

const ECS: &[(&str, Kind)] = &[
    ("event.kind", Keyword),
    ("event.category", Keyword),
    ("event.outcome", Keyword),
    ("event.dataset", Keyword),
    ("event.duration", Long),
    ("event.start", Date),
    ("event.end", Date),
    ("source.ip", Ip),
    ("source.address", Keyword),
    ("source.port", Long),
    ("source.bytes", Long),
    ("destination.bytes", Long),
    ("destination.domain", Keyword),
    ("client.ip", Ip),
    ("client.port", Long),
    ("http.request.method", Keyword),
    ("http.request.body.bytes", Long),
    ("http.response.status_code", Long),
    ("http.response.body.bytes", Long),
    ("http.version", Keyword),
    ("url.original", LongKeyword),
    ("url.scheme", Keyword),
    ("url.username", Keyword),
    ("url.domain", Keyword),
    ("url.port", Long),
    ("url.path", LongKeyword),
    ("url.query", LongKeyword),
    ("user_agent.original", LongKeyword),
    ("tls.cipher", Keyword),
    ("tls.version", Keyword),
    ("tls.version_protocol", Keyword),
    ("trace.id", Keyword),
    ("aws.elb.type", Keyword),
    ("aws.elb.name", Keyword),
    ("aws.elb.protocol", Keyword),
    ("aws.elb.log_version", Keyword),
    // NLB: the listener's id; ALB connection logs: its port
    ("aws.elb.listener", Keyword),
    ("aws.elb.backend.ip", Ip),
    ("aws.elb.backend.port", Long),
    ("aws.elb.backend.http.response.status_code", Long),
    ("aws.elb.request_processing_time.sec", Double),
    ("aws.elb.backend_processing_time.sec", Double),
    ("aws.elb.response_processing_time.sec", Double),
    ("aws.elb.ssl_cipher", Keyword),
    ("aws.elb.ssl_protocol", Keyword),
    ("aws.elb.ssl_named_group", Keyword),
    ("aws.elb.target_group.arn", Keyword),
    ("aws.elb.trace_id", Keyword),
    ("aws.elb.chosen_cert.arn", Keyword),
    ("aws.elb.chosen_cert.serial", Keyword),
    ("aws.elb.matched_rule_priority", Long),
    ("aws.elb.action_executed", Keyword),
    ("aws.elb.redirect_url", LongKeyword),
    ("aws.elb.error.reason", Keyword),
    ("aws.elb.target_port", Keyword),
    ("aws.elb.target_status_code", Keyword),
    ("aws.elb.classification", Keyword),
    ("aws.elb.classification_reason", Keyword),
    ("aws.elb.connection_trace_id", Keyword),
    ("aws.elb.transformed_host", Keyword),
    ("aws.elb.transformed_uri", LongKeyword),
    ("aws.elb.request_transform_status", Keyword),
    ("aws.elb.extra_fields", LongKeyword),
    ("aws.elb.connection_time.ms", Long),
    ("aws.elb.tls_handshake_time.ms", Long),
    ("aws.elb.incoming_tls_alert", Keyword),
    ("aws.elb.alpn_fe_protocol", Keyword),
    ("aws.elb.alpn_be_protocol", Keyword),
    ("aws.elb.alpn_client_preference_list", Keyword),
    ("aws.elb.tls_connection_creation_time", Date),
    ("aws.elb.tls_handshake_latency", Double),
    ("aws.elb.leaf_client_cert_subject", LongKeyword),
    ("aws.elb.leaf_client_cert_not_before", Date),
    ("aws.elb.leaf_client_cert_not_after", Date),
    ("aws.elb.leaf_client_cert_serial_number", Keyword),
    ("aws.elb.tls_verify_status", Keyword),
    ("aws.elb.tls_error_code", Keyword),
    ("aws.elb.tls_keyexchange", Keyword),
    ("aws.elb.node_ip", Ip),
];

const LEGACY: &[(&str, Kind)] = &[
    ("timestamp", Date),
    ("type", Keyword),
    ("elb", Keyword),
    ("version", Keyword),
    ("clientip", Ip),
    ("clientport", Long),
    ("backendip", Ip),
    ("backendport", Long),
    ("request_processing_time", Double),
    ("backend_processing_time", Double),
    ("response_processing_time", Double),
    ("response", Long),
    ("backend_response", Long),
    ("received_bytes", Long),
    ("bytes", Long),
    ("sent_bytes", Long),
    ("verb", Keyword),
    ("request", LongKeyword),
    ("proto", Keyword),
    ("urihost", Keyword),
    ("port", Keyword),
    ("path", LongKeyword),
    ("params", LongKeyword),
    ("httpversion", Keyword),
    ("rawrequest", LongKeyword),
    ("user_agent", LongKeyword),
    ("ssl_cipher", Keyword),
    ("ssl_protocol", Keyword),
    ("target_group_arn", Keyword),
    ("trace_id", Keyword),
    ("domain_name", Keyword),
    ("chosen_cert_arn", Keyword),
    ("chosen_cert_serial", Keyword),
    ("matched_rule_priority", Long),
    ("request_creation_time", Date),
    ("actions_executed", Keyword),
    ("redirect_url", LongKeyword),
    ("error_reason", Keyword),
    ("target_port_list", Keyword),
    ("target_status_code_list", Keyword),
    ("classification", Keyword),
    ("classification_reason", Keyword),
    ("transformed_host", Keyword),
    ("transformed_uri", LongKeyword),
    ("request_transform_status", Keyword),
    ("conn_trace_id", Keyword),
    ("extra_fields", LongKeyword),
    ("listener", Keyword),
    ("destination_ip", Ip),
    ("destination_port", Long),
    ("connection_time", Long),
    ("tls_handshake_time", Long),
    ("incoming_tls_alert", Keyword),
    ("tls_cipher", Keyword),
    ("tls_protocol_version", Keyword),
    ("tls_named_group", Keyword),
    ("alpn_fe_protocol", Keyword),
    ("alpn_be_protocol", Keyword),
    ("alpn_client_preference_list", Keyword),
    ("listener_port", Long),
    ("tls_protocol", Keyword),
    ("tls_handshake_latency", Double),
    ("leaf_client_cert_subject", LongKeyword),
    ("leaf_client_cert_validity", Keyword),
    ("leaf_client_cert_serial_number", Keyword),
    ("tls_verify_status", Keyword),
    ("tls_keyexchange", Keyword),
    ("ip_address", Ip),
];

/// The fields above that no parsed line's event writes itself: the input's metadata and the
/// default `event.dataset` (static fields, merged in by the writers) and the failure event's
/// message.
const NOT_FROM_A_LINE: &[&str] = &[
    "error.message",
    "log.file.path",
    "cloud.account.id",
    "cloud.region",
    "aws.s3.bucket.name",
    "aws.s3.object.key",
    "event.dataset",
];

/// The fields `schema`'s mapping may write for a parsed line, dotted paths: a static field at
/// one of these (or inside one, or holding one) meets a field of the line.
pub fn written(schema: Schema) -> impl Iterator<Item = &'static str> {
    fields(schema)
        .map(|(path, _)| path)
        .filter(|path| !NOT_FROM_A_LINE.contains(path))
}

/// Every field of `schema` and its kind, dotted paths.
pub fn fields(schema: Schema) -> impl Iterator<Item = (&'static str, Kind)> {
    let own = match schema {
        Schema::Ecs => ECS,
        Schema::Legacy => LEGACY,
    };
    COMMON.iter().chain(own).copied()
}

fn mapping(kind: Kind) -> Value {
    match kind {
        Keyword => json!({"type": "keyword", "ignore_above": 1024}),
        LongKeyword => json!({"type": "keyword", "ignore_above": 8191}),
        Text => json!({"type": "text"}),
        Date => json!({"type": "date"}),
        Ip => json!({"type": "ip"}),
        Long => json!({"type": "long"}),
        Double => json!({"type": "double"}),
    }
}

/// The template as `PUT _index_template/NAME` takes it, for indices matching `pattern`.
pub fn template(schema: Schema, pattern: &str) -> Value {
    let mut properties = Map::new();
    for (path, kind) in fields(schema) {
        let mut at = &mut properties;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                at.insert(part.to_string(), mapping(kind));
                break;
            }
            let object = at
                .entry(part.to_string())
                .or_insert_with(|| json!({"properties": {}}));
            at = match object.get_mut("properties").and_then(Value::as_object_mut) {
                Some(inner) => inner,
                None => unreachable!("{path}: a field is also an object"),
            };
        }
    }
    json!({
        "index_patterns": [pattern],
        "priority": 200,
        "_meta": {
            "description": "AWS load balancer logs as elbship writes them",
            "generated_by": concat!("elbship ", env!("CARGO_PKG_VERSION")),
            "schema": match schema { Schema::Ecs => "ecs", Schema::Legacy => "legacy" },
        },
        "template": {
            "mappings": {
                // `--add-field` values and anything new: exact strings, not text + keyword
                "dynamic_templates": [{
                    "strings_as_keyword": {
                        "match_mapping_type": "string",
                        "mapping": {"type": "keyword", "ignore_above": 1024},
                    },
                }],
                "properties": properties,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_listed_once_and_nests() {
        for schema in [Schema::Ecs, Schema::Legacy] {
            let mut seen = std::collections::HashSet::new();
            for (path, _) in fields(schema) {
                assert!(seen.insert(path), "{path} twice");
            }
            let t = template(schema, "elb-logs-*");
            let props = &t["template"]["mappings"]["properties"];
            assert_eq!(props["@timestamp"]["type"], "date");
            assert_eq!(
                props["log"]["properties"]["file"]["properties"]["path"]["type"],
                "keyword"
            );
        }
        let ecs = template(Schema::Ecs, "x-*");
        assert_eq!(ecs["index_patterns"], json!(["x-*"]));
        let source = &ecs["template"]["mappings"]["properties"]["source"]["properties"];
        assert_eq!(source["ip"]["type"], "ip");
    }
}
