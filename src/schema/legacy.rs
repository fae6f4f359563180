//! The legacy mapping: logstash-patterns-core's `ELB_ACCESS_LOG` names (`clientip`, `verb`,
//! `response`, …) for the fields that pattern covers, AWS's documented names for the rest.
//!
//! Flat keys; `-` is left out; a `-1` processing time is kept as `-1.0`, as grok's `:float` did.

use super::writer::{EventOut, EventWriter};
use super::EventStyle;
use crate::format::values::{split_url, Int};
use crate::format::{AlbRecord, ConnRecord, Extra, HttpCore, NlbRecord, Record};

pub fn write(w: &mut EventWriter<'_>, record: &Record<'_>, style: &EventStyle) {
    match record {
        Record::Alb(r) => http(w, r.line, &r.core, Some(r), &r.extra, style),
        Record::Classic(r) => http(w, r.line, &r.core, None, &r.extra, style),
        Record::Nlb(r) => nlb(w, r, style),
        Record::Conn(r) => conn(w, r, style),
    }
}

fn http(
    w: &mut EventWriter<'_>,
    line: &[u8],
    core: &HttpCore<'_>,
    alb: Option<&AlbRecord<'_>>,
    extra: &Extra<'_>,
    style: &EventStyle,
) {
    style.head(w, core.time, false, line);
    if let Some(a) = alb {
        w.str("type", a.kind);
    }
    w.str("timestamp", core.time);
    w.str("elb", core.elb);
    if let Some(client) = core.client {
        w.str("clientip", client.ip);
        w.int("clientport", client.port);
    }
    if let Some(backend) = core.backend {
        w.str("backendip", backend.ip);
        w.int("backendport", backend.port);
    }
    let times = [
        ("request_processing_time", core.request_processing_time),
        ("backend_processing_time", core.backend_processing_time),
        ("response_processing_time", core.response_processing_time),
    ];
    for (key, value) in times {
        if let Some(v) = value {
            w.decimal(key, v);
        }
    }
    w.opt_int("response", core.elb_status_code);
    w.opt_int("backend_response", core.backend_status_code);
    w.opt_int("received_bytes", core.received_bytes);
    w.opt_int("bytes", core.sent_bytes);

    let request = &core.request;
    match (request.method, request.url) {
        (Some(method), Some(url)) if !core.is_tcp_listener() => {
            w.str("verb", method);
            w.str("request", url);
            if let Some(parts) = split_url(url) {
                w.opt_str("proto", parts.scheme);
                w.opt_str("urihost", parts.authority);
                w.opt_str("port", parts.port.map(|p| p.0));
                w.opt_str("path", parts.path);
                if let Some(query) = parts.query {
                    w.str_concat("params", b"?", query);
                }
            }
            w.opt_str("httpversion", request.http_version());
        }
        _ => w.token("rawrequest", request.raw),
    }
    w.opt_token("user_agent", core.user_agent);
    w.opt_token("ssl_cipher", core.ssl_cipher);
    w.opt_token("ssl_protocol", core.ssl_protocol);

    if let Some(a) = alb {
        w.opt_token("target_group_arn", a.target_group_arn);
        w.opt_token("trace_id", a.trace_id);
        w.opt_token("domain_name", a.domain_name);
        w.opt_token("chosen_cert_arn", a.chosen_cert_arn);
        if let Some(priority) = a.matched_rule_priority {
            w.int("matched_rule_priority", Int(priority));
        }
        w.opt_str("request_creation_time", a.request_creation_time);
        w.opt_split_list("actions_executed", a.actions_executed, b',');
        w.opt_token("redirect_url", a.redirect_url);
        w.opt_token("error_reason", a.error_reason);
        w.opt_split_list("target_port_list", a.target_port_list, b' ');
        w.opt_split_list("target_status_code_list", a.target_status_code_list, b' ');
        w.opt_token("classification", a.classification);
        w.opt_token("classification_reason", a.classification_reason);
        w.opt_token("conn_trace_id", a.conn_trace_id);
        w.opt_token("transformed_host", a.transformed_host);
        w.opt_token("transformed_uri", a.transformed_uri);
        w.opt_token("request_transform_status", a.request_transform_status);
    }
    w.extra_fields("extra_fields", extra);
}

fn nlb(w: &mut EventWriter<'_>, r: &NlbRecord<'_>, style: &EventStyle) {
    style.head(w, r.time, true, r.line);
    w.plain("type", "tls");
    w.str("version", r.version);
    w.str("timestamp", r.time);
    w.str("elb", r.elb);
    w.str("listener", r.listener);
    if let Some(client) = r.client {
        w.str("clientip", client.ip);
        w.int("clientport", client.port);
    }
    if let Some(dest) = r.destination {
        w.str("destination_ip", dest.ip);
        w.int("destination_port", dest.port);
    }
    if let Some(ms) = r.connection_time {
        w.number("connection_time", ms);
    }
    if let Some(ms) = r.tls_handshake_time {
        w.number("tls_handshake_time", ms);
    }
    w.opt_int("received_bytes", r.received_bytes);
    w.opt_int("sent_bytes", r.sent_bytes);
    w.opt_token("incoming_tls_alert", r.incoming_tls_alert);
    w.opt_token("chosen_cert_arn", r.chosen_cert_arn);
    w.opt_token("chosen_cert_serial", r.chosen_cert_serial);
    w.opt_token("tls_cipher", r.tls_cipher);
    w.opt_token("tls_protocol_version", r.tls_protocol_version);
    w.opt_token("tls_named_group", r.tls_named_group);
    w.opt_token("domain_name", r.domain_name);
    w.opt_token("alpn_fe_protocol", r.alpn_fe_protocol);
    w.opt_token("alpn_be_protocol", r.alpn_be_protocol);
    w.opt_token("alpn_client_preference_list", r.alpn_client_preference_list);
    w.opt_str(
        "tls_connection_creation_time",
        r.tls_connection_creation_time,
    );
    w.extra_fields("extra_fields", &r.extra);
}

fn conn(w: &mut EventWriter<'_>, r: &ConnRecord<'_>, style: &EventStyle) {
    style.head(w, r.time, false, r.line);
    w.str("timestamp", r.time);
    w.opt_str("clientip", r.client_ip);
    w.opt_int("clientport", r.client_port);
    w.opt_int("listener_port", r.listener_port);
    w.opt_token("tls_protocol", r.tls_protocol);
    w.opt_token("tls_cipher", r.tls_cipher);
    if let Some(latency) = r.tls_handshake_latency {
        w.decimal("tls_handshake_latency", latency);
    }
    w.opt_token("leaf_client_cert_subject", r.leaf_client_cert_subject);
    w.opt_token("leaf_client_cert_validity", r.leaf_client_cert_validity);
    w.opt_token(
        "leaf_client_cert_serial_number",
        r.leaf_client_cert_serial_number,
    );
    w.opt_token("tls_verify_status", r.tls_verify_status);
    w.opt_token("conn_trace_id", r.conn_trace_id);
    w.opt_token("tls_keyexchange", r.tls_keyexchange);
    w.opt_token("elb", r.elb);
    w.opt_token("ip_address", r.ip_address);
    w.extra_fields("extra_fields", &r.extra);
}
