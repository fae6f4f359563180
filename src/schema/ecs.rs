//! The ECS mapping: the field names of Filebeat's `aws` module and Elastic Agent's
//! `aws.elb_logs` integration, so their dashboards and index templates work unchanged.
//!
//! `-` is left out, and so is a `-1` processing time (it is "never dispatched", not a duration).

use super::planned::Attach;
use super::writer::EventOut;
use super::{outcome, EventStyle};
use crate::format::tokens::Token;
use crate::format::values::{split_url, tls_version, Decimal, Int};
use crate::format::{AlbRecord, ConnRecord, Extra, HttpCore, NlbRecord, Record};

pub fn write<W: EventOut>(w: &mut W, record: &Record<'_>, style: &EventStyle) {
    match record {
        Record::Alb(r) => http(w, r.line, &r.core, Some(r), &r.extra, style),
        Record::Classic(r) => http(w, r.line, &r.core, None, &r.extra, style),
        Record::Nlb(r) => nlb(w, r, style),
        Record::Conn(r) => conn(w, r, style),
    }
}

/// Opens `event` with its kind and category; the caller adds the rest and closes it.
fn event_head<W: EventOut>(w: &mut W, category: &'static str) -> W::Object {
    let event = w.open_at(Attach::Event);
    w.plain("kind", "event");
    w.raw("category", category.as_bytes());
    event
}

fn cloud<W: EventOut>(w: &mut W) {
    let cloud = w.open_at(Attach::Cloud);
    w.plain("provider", "aws");
    w.close(cloud);
}

/// Opens `aws` and `aws.elb`, the objects of the `aws.elb.*` fields; [`close_aws_elb`] closes
/// both.
fn open_aws_elb<W: EventOut>(w: &mut W) -> (W::Object, W::Object) {
    let aws = w.open_at(Attach::Aws);
    (aws, w.open_at(Attach::Elb))
}

fn close_aws_elb<W: EventOut>(w: &mut W, (aws, elb): (W::Object, W::Object)) {
    w.close(elb);
    w.close(aws);
}

fn tls<W: EventOut>(w: &mut W, cipher: Option<Token<'_>>, protocol: Option<Token<'_>>) {
    let tls = w.open("tls");
    w.opt_token("cipher", cipher);
    if let Some((version, name)) = protocol.and_then(|p| tls_version(p.bytes)) {
        w.plain("version", version);
        w.plain("version_protocol", name);
    }
    w.close(tls);
}

/// `key: {sec: value}` unless the value is `-1` or `-`.
fn seconds<W: EventOut>(w: &mut W, key: &'static str, value: Option<Decimal<'_>>) {
    if let Some(v) = value.filter(|v| !v.is_minus_one()) {
        w.object(key, |w| w.decimal("sec", v));
    }
}

/// Classic ELB and ALB: the same core, plus ALB's own fields when `alb` is given.
fn http<W: EventOut>(
    w: &mut W,
    line: &[u8],
    core: &HttpCore<'_>,
    alb: Option<&AlbRecord<'_>>,
    extra: &Extra<'_>,
    style: &EventStyle,
) {
    let tcp = core.is_tcp_listener();
    style.head(w, core.time, false, line);

    let event = event_head(w, if tcp { r#"["network"]"# } else { r#"["web"]"# });
    if let Some(status) = core.elb_status_code {
        w.plain("outcome", outcome(status.value()));
    }
    if let Some(ns) = core.duration_nanos() {
        w.u64("duration", ns);
    }
    w.opt_str("start", alb.and_then(|a| a.request_creation_time));
    w.str("end", core.time);
    w.close(event);

    cloud(w);

    let source = w.open("source");
    if let Some(client) = core.client {
        w.str("ip", client.ip);
        w.str("address", client.ip);
        w.int("port", client.port);
    }
    if tcp {
        w.opt_int("bytes", core.received_bytes);
    }
    w.close(source);

    let destination = w.open("destination");
    if tcp {
        w.opt_int("bytes", core.sent_bytes);
    }
    w.opt_token("domain", alb.and_then(|a| a.domain_name));
    w.close(destination);

    if !tcp {
        let request = &core.request;
        let http = w.open("http");
        let http_request = w.open("request");
        w.opt_str("method", request.method);
        let body = w.open("body");
        w.opt_int("bytes", core.received_bytes);
        w.close(body);
        w.close(http_request);
        let response = w.open("response");
        w.opt_int("status_code", core.elb_status_code);
        let body = w.open("body");
        w.opt_int("bytes", core.sent_bytes);
        w.close(body);
        w.close(response);
        w.opt_str("version", request.http_version());
        w.close(http);

        if let Some(url) = request.url {
            let url_object = w.open("url");
            w.str("original", url);
            if let Some(parts) = split_url(url) {
                w.opt_str("scheme", parts.scheme);
                w.opt_str("username", parts.username);
                w.opt_str("domain", parts.domain);
                w.opt_int("port", parts.port);
                w.opt_str("path", parts.path);
                w.opt_str("query", parts.query);
            }
            w.close(url_object);
        }

        if let Some(agent) = core.user_agent {
            w.object("user_agent", |w| w.token("original", agent));
        }
    }

    tls(w, core.ssl_cipher, core.ssl_protocol);

    if let Some(trace) = alb.and_then(|a| a.trace_id) {
        w.object("trace", |w| w.token("id", trace));
    }

    let aws_elb = open_aws_elb(w);
    if let Some(a) = alb {
        w.str("type", a.kind);
    }
    w.str("name", core.elb);
    w.plain("protocol", if tcp { "tcp" } else { "http" });
    let backend = w.open("backend");
    if let Some(backend) = core.backend {
        w.str("ip", backend.ip);
        w.int("port", backend.port);
    }
    if let Some(status) = core.backend_status_code {
        w.object("http", |w| {
            w.object("response", |w| w.int("status_code", status));
        });
    }
    w.close(backend);
    seconds(w, "request_processing_time", core.request_processing_time);
    seconds(w, "backend_processing_time", core.backend_processing_time);
    seconds(w, "response_processing_time", core.response_processing_time);
    w.opt_token("ssl_cipher", core.ssl_cipher);
    w.opt_token("ssl_protocol", core.ssl_protocol);
    if let Some(a) = alb {
        alb_fields(w, a);
    }
    w.extra_fields("extra_fields", extra);
    close_aws_elb(w, aws_elb);
}

/// The `aws.elb.*` fields only ALB lines have.
fn alb_fields<W: EventOut>(w: &mut W, a: &AlbRecord<'_>) {
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

fn nlb<W: EventOut>(w: &mut W, r: &NlbRecord<'_>, style: &EventStyle) {
    style.head(w, r.time, true, r.line);

    let event = event_head(w, r#"["network"]"#);
    w.str_concat("end", r.time, b"Z");
    w.close(event);

    cloud(w);

    let source = w.open("source");
    if let Some(client) = r.client {
        w.str("ip", client.ip);
        w.str("address", client.ip);
        w.int("port", client.port);
    }
    w.opt_int("bytes", r.received_bytes);
    w.close(source);

    let destination = w.open("destination");
    w.opt_int("bytes", r.sent_bytes);
    w.opt_token("domain", r.domain_name);
    w.close(destination);

    tls(w, r.tls_cipher, r.tls_protocol_version);

    let aws_elb = open_aws_elb(w);
    w.plain("type", "tls");
    w.str("log_version", r.version);
    w.str("name", r.elb);
    w.str("listener", r.listener);
    w.plain("protocol", "tcp");
    let backend = w.open("backend");
    if let Some(dest) = r.destination {
        w.str("ip", dest.ip);
        w.int("port", dest.port);
    }
    w.close(backend);
    if let Some(ms) = r.connection_time {
        w.object("connection_time", |w| w.number("ms", ms));
    }
    if let Some(ms) = r.tls_handshake_time {
        w.object("tls_handshake_time", |w| w.number("ms", ms));
    }
    w.opt_token("incoming_tls_alert", r.incoming_tls_alert);
    let chosen_cert = w.open("chosen_cert");
    w.opt_token("arn", r.chosen_cert_arn);
    w.opt_token("serial", r.chosen_cert_serial);
    w.close(chosen_cert);
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
    close_aws_elb(w, aws_elb);
}

fn conn<W: EventOut>(w: &mut W, r: &ConnRecord<'_>, style: &EventStyle) {
    style.head(w, r.time, false, r.line);

    let event = event_head(w, r#"["network"]"#);
    if let Some(status) = r.tls_verify_status {
        if status.bytes == b"Success" {
            w.plain("outcome", "success");
        } else if r.tls_error_code().is_some() {
            w.plain("outcome", "failure");
        }
    }
    w.str("end", r.time);
    w.close(event);

    cloud(w);

    let client = w.open("client");
    w.opt_str("ip", r.client_ip);
    w.opt_int("port", r.client_port);
    w.close(client);

    tls(w, r.tls_cipher, r.tls_protocol);

    let aws_elb = open_aws_elb(w);
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
    close_aws_elb(w, aws_elb);
}
