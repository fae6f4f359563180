//! The ECS mapping: the field names of Filebeat's `aws` module and Elastic Agent's
//! `aws.elb_logs` integration, so their dashboards and index templates work unchanged.
//!
//! `-` is left out, and so is a `-1` processing time (it is "never dispatched", not a duration).

use super::writer::EventWriter;
use super::{outcome, EventStyle};
use crate::format::tokens::Token;
use crate::format::values::{split_url, tls_version, Decimal, Int};
use crate::format::{AlbRecord, ConnRecord, Extra, HttpCore, NlbRecord, Record};

pub fn write(w: &mut EventWriter<'_>, record: &Record<'_>, style: &EventStyle) {
    match record {
        Record::Alb(r) => http(w, r.line, &r.core, Some(r), &r.extra, style),
        Record::Classic(r) => http(w, r.line, &r.core, None, &r.extra, style),
        Record::Nlb(r) => nlb(w, r, style),
        Record::Conn(r) => conn(w, r, style),
    }
}

fn event_head(w: &mut EventWriter<'_>, category: &'static str) {
    w.open("event");
    w.plain("kind", "event");
    w.raw("category", category.as_bytes());
}

fn cloud(w: &mut EventWriter<'_>) {
    w.object("cloud", |w| w.plain("provider", "aws"));
}

fn tls(w: &mut EventWriter<'_>, cipher: Option<Token<'_>>, protocol: Option<Token<'_>>) {
    w.open("tls");
    w.opt_token("cipher", cipher);
    if let Some((version, name)) = protocol.and_then(|p| tls_version(p.bytes)) {
        w.plain("version", version);
        w.plain("version_protocol", name);
    }
    w.close();
}

/// `key: {sec: value}` unless the value is `-1` or `-`.
fn seconds(w: &mut EventWriter<'_>, key: &'static str, value: Option<Decimal<'_>>) {
    if let Some(v) = value.filter(|v| !v.is_minus_one()) {
        w.object(key, |w| w.decimal("sec", v));
    }
}

/// Classic ELB and ALB: the same core, plus ALB's own fields when `alb` is given.
fn http(
    w: &mut EventWriter<'_>,
    line: &[u8],
    core: &HttpCore<'_>,
    alb: Option<&AlbRecord<'_>>,
    extra: &Extra<'_>,
    style: &EventStyle,
) {
    let tcp = core.is_tcp_listener();
    style.head(w, core.time, false, line);

    event_head(w, if tcp { r#"["network"]"# } else { r#"["web"]"# });
    if let Some(status) = core.elb_status_code {
        w.plain("outcome", outcome(status.value()));
    }
    if let Some(ns) = core.duration_nanos() {
        w.u64("duration", ns);
    }
    w.opt_str("start", alb.and_then(|a| a.request_creation_time));
    w.str("end", core.time);
    w.close();

    cloud(w);

    w.open("source");
    if let Some(client) = core.client {
        w.str("ip", client.ip);
        w.str("address", client.ip);
        w.int("port", client.port);
    }
    if tcp {
        w.opt_int("bytes", core.received_bytes);
    }
    w.close();

    w.open("destination");
    if tcp {
        w.opt_int("bytes", core.sent_bytes);
    }
    w.opt_token("domain", alb.and_then(|a| a.domain_name));
    w.close();

    if !tcp {
        let request = &core.request;
        w.open("http");
        w.open("request");
        w.opt_str("method", request.method);
        w.open("body");
        w.opt_int("bytes", core.received_bytes);
        w.close();
        w.close();
        w.open("response");
        w.opt_int("status_code", core.elb_status_code);
        w.open("body");
        w.opt_int("bytes", core.sent_bytes);
        w.close();
        w.close();
        w.opt_str("version", request.http_version());
        w.close();

        if let Some(url) = request.url {
            w.open("url");
            w.str("original", url);
            if let Some(parts) = split_url(url) {
                w.opt_str("scheme", parts.scheme);
                w.opt_str("username", parts.username);
                w.opt_str("domain", parts.domain);
                w.opt_int("port", parts.port);
                w.opt_str("path", parts.path);
                w.opt_str("query", parts.query);
            }
            w.close();
        }

        if let Some(agent) = core.user_agent {
            w.object("user_agent", |w| w.token("original", agent));
        }
    }

    tls(w, core.ssl_cipher, core.ssl_protocol);

    if let Some(trace) = alb.and_then(|a| a.trace_id) {
        w.object("trace", |w| w.token("id", trace));
    }

    w.open("aws");
    w.open("elb");
    if let Some(a) = alb {
        w.str("type", a.kind);
    }
    w.str("name", core.elb);
    w.plain("protocol", if tcp { "tcp" } else { "http" });
    w.open("backend");
    if let Some(backend) = core.backend {
        w.str("ip", backend.ip);
        w.int("port", backend.port);
    }
    if let Some(status) = core.backend_status_code {
        w.object("http", |w| {
            w.object("response", |w| w.int("status_code", status));
        });
    }
    w.close();
    seconds(w, "request_processing_time", core.request_processing_time);
    seconds(w, "backend_processing_time", core.backend_processing_time);
    seconds(w, "response_processing_time", core.response_processing_time);
    w.opt_token("ssl_cipher", core.ssl_cipher);
    w.opt_token("ssl_protocol", core.ssl_protocol);
    if let Some(a) = alb {
        alb_fields(w, a);
    }
    w.extra_fields("extra_fields", extra);
    w.close();
    w.close();
}

/// The `aws.elb.*` fields only ALB lines have.
fn alb_fields(w: &mut EventWriter<'_>, a: &AlbRecord<'_>) {
    if let Some(arn) = a.target_group_arn {
        w.object("target_group", |w| w.token("arn", arn));
    }
    w.opt_token("trace_id", a.trace_id);
    if let Some(arn) = a.chosen_cert_arn {
        w.object("chosen_cert", |w| w.token("arn", arn));
    }
    if let Some(priority) = a.matched_rule_priority {
        // digits or `-1` (rule evaluation error), both valid integer text
        w.int("matched_rule_priority", Int(priority));
    }
    w.opt_split_list("action_executed", a.actions_executed, b',');
    w.opt_token("redirect_url", a.redirect_url);
    if let Some(reason) = a.error_reason {
        w.object("error", |w| w.token("reason", reason));
    }
    w.opt_split_list("target_port", a.target_port_list, b' ');
    w.opt_split_list("target_status_code", a.target_status_code_list, b' ');
    w.opt_token("classification", a.classification);
    w.opt_token("classification_reason", a.classification_reason);
    w.opt_token("connection_trace_id", a.conn_trace_id);
    w.opt_token("transformed_host", a.transformed_host);
    w.opt_token("transformed_uri", a.transformed_uri);
    w.opt_token("request_transform_status", a.request_transform_status);
}

fn nlb(w: &mut EventWriter<'_>, r: &NlbRecord<'_>, style: &EventStyle) {
    style.head(w, r.time, true, r.line);

    event_head(w, r#"["network"]"#);
    w.str_concat("end", r.time, b"Z");
    w.close();

    cloud(w);

    w.open("source");
    if let Some(client) = r.client {
        w.str("ip", client.ip);
        w.str("address", client.ip);
        w.int("port", client.port);
    }
    w.opt_int("bytes", r.received_bytes);
    w.close();

    w.open("destination");
    w.opt_int("bytes", r.sent_bytes);
    w.opt_token("domain", r.domain_name);
    w.close();

    tls(w, r.tls_cipher, r.tls_protocol_version);

    w.open("aws");
    w.open("elb");
    w.plain("type", "tls");
    w.str("log_version", r.version);
    w.str("name", r.elb);
    w.str("listener", r.listener);
    w.plain("protocol", "tcp");
    w.open("backend");
    if let Some(dest) = r.destination {
        w.str("ip", dest.ip);
        w.int("port", dest.port);
    }
    w.close();
    if let Some(ms) = r.connection_time {
        w.object("connection_time", |w| w.number("ms", ms));
    }
    if let Some(ms) = r.tls_handshake_time {
        w.object("tls_handshake_time", |w| w.number("ms", ms));
    }
    w.opt_token("incoming_tls_alert", r.incoming_tls_alert);
    w.open("chosen_cert");
    w.opt_token("arn", r.chosen_cert_arn);
    w.opt_token("serial", r.chosen_cert_serial);
    w.close();
    w.opt_token("ssl_cipher", r.tls_cipher);
    w.opt_token("ssl_protocol", r.tls_protocol_version);
    w.opt_token("ssl_named_group", r.tls_named_group);
    w.opt_token("alpn_fe_protocol", r.alpn_fe_protocol);
    w.opt_token("alpn_be_protocol", r.alpn_be_protocol);
    w.opt_token("alpn_client_preference_list", r.alpn_client_preference_list);
    if let Some(t) = r.tls_connection_creation_time {
        w.str_concat("tls_connection_creation_time", t, b"Z");
    }
    w.extra_fields("extra_fields", &r.extra);
    w.close();
    w.close();
}

fn conn(w: &mut EventWriter<'_>, r: &ConnRecord<'_>, style: &EventStyle) {
    style.head(w, r.time, false, r.line);

    event_head(w, r#"["network"]"#);
    if let Some(status) = r.tls_verify_status {
        if status.bytes == b"Success" {
            w.plain("outcome", "success");
        } else if r.tls_error_code().is_some() {
            w.plain("outcome", "failure");
        }
    }
    w.str("end", r.time);
    w.close();

    cloud(w);

    w.open("client");
    w.opt_str("ip", r.client_ip);
    w.opt_int("port", r.client_port);
    w.close();

    tls(w, r.tls_cipher, r.tls_protocol);

    w.open("aws");
    w.open("elb");
    w.opt_int("listener", r.listener_port);
    w.plain("protocol", "tcp");
    w.opt_token("ssl_protocol", r.tls_protocol);
    w.opt_token("ssl_cipher", r.tls_cipher);
    if let Some(latency) = r.tls_handshake_latency {
        w.decimal("tls_handshake_latency", latency);
    }
    w.opt_token("leaf_client_cert_subject", r.leaf_client_cert_subject);
    let (not_before, not_after) = r.cert_validity();
    w.opt_str("leaf_client_cert_not_before", not_before);
    w.opt_str("leaf_client_cert_not_after", not_after);
    w.opt_token(
        "leaf_client_cert_serial_number",
        r.leaf_client_cert_serial_number,
    );
    // `Failed:<code>` is stored as Elastic Agent stores it: `Failed`, the code beside it
    w.opt_str("tls_verify_status", r.tls_verify_status_word());
    w.opt_str("tls_error_code", r.tls_error_code());
    w.opt_token("connection_trace_id", r.conn_trace_id);
    w.opt_token("tls_keyexchange", r.tls_keyexchange);
    w.opt_token("name", r.elb);
    w.opt_token("node_ip", r.ip_address);
    w.extra_fields("extra_fields", &r.extra);
    w.close();
    w.close();
}
