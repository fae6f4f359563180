//! Application Load Balancer access log lines (formats.md §2).
//!
//! Every generation: 25 fields (2019), 29 (lists, classification), 30 (`conn_trace_id`), 33
//! (rule transforms), with the list fields quoted or (older lines) bare. At least 16 fields
//! (through `ssl_protocol`) are required; the known ones are mapped by position and anything
//! after field 33 is kept as extra fields.

use super::tokens::Token;
use super::values::{self, Request};
use super::{read_fields, Extra, Format, HttpCore, ParseError};

/// Fields defined by AWS (the 33 of the current documentation).
pub const KNOWN_FIELDS: usize = 33;
/// Fewest fields accepted: through `ssl_protocol`.
pub const MIN_FIELDS: usize = 16;

/// A parsed ALB access log line; `None` where AWS wrote `-`.
#[derive(Clone, Debug, Default)]
pub struct AlbRecord<'a> {
    pub line: &'a [u8],
    /// Number of known fields present (16..=33).
    pub known_fields: usize,
    pub kind: &'a [u8],
    /// Fields 2-16, shared with Classic ELB (`core.backend` is `target:port`).
    pub core: HttpCore<'a>,
    pub target_group_arn: Option<Token<'a>>,
    pub trace_id: Option<Token<'a>>,
    pub domain_name: Option<Token<'a>>,
    pub chosen_cert_arn: Option<Token<'a>>,
    /// Integer text; `-1` (rule evaluation error) is kept.
    pub matched_rule_priority: Option<&'a [u8]>,
    pub request_creation_time: Option<&'a [u8]>,
    /// Comma-separated list.
    pub actions_executed: Option<Token<'a>>,
    pub redirect_url: Option<Token<'a>>,
    pub error_reason: Option<Token<'a>>,
    /// Space-separated list.
    pub target_port_list: Option<Token<'a>>,
    /// Space-separated list.
    pub target_status_code_list: Option<Token<'a>>,
    pub classification: Option<Token<'a>>,
    pub classification_reason: Option<Token<'a>>,
    pub conn_trace_id: Option<Token<'a>>,
    pub transformed_host: Option<Token<'a>>,
    pub transformed_uri: Option<Token<'a>>,
    pub request_transform_status: Option<Token<'a>>,
    pub extra: Extra<'a>,
}

/// Parses one ALB line.
pub fn parse(line: &[u8]) -> Result<AlbRecord<'_>, ParseError<'_>> {
    parse_fields(line).map_err(|e| e.in_format(Format::Alb))
}

#[inline]
fn parse_fields(line: &[u8]) -> Result<AlbRecord<'_>, ParseError<'_>> {
    let mut f = [Token::default(); KNOWN_FIELDS];
    let (n, extra) = read_fields(line, &mut f, MIN_FIELDS, true, Format::Alb)?;
    let kind = f[0];
    if kind.quoted
        || kind.bytes.is_empty()
        || !kind
            .bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(ParseError::at(
            "type",
            kind,
            super::Problem::Literal("a type word"),
        ));
    }
    // optional trailing fields: absent or `-` both give None
    let opt = |i: usize| if i < n { f[i].present() } else { None };
    let quoted_opt = |i: usize, name| -> Result<Option<Token<'_>>, ParseError<'_>> {
        match opt(i) {
            Some(t) => values::quoted(t, name).map(Some),
            None => Ok(None),
        }
    };
    // fields AWS writes bare: a quote there means a broken or shifted line
    let bare_opt = |i: usize, name| -> Result<Option<Token<'_>>, ParseError<'_>> {
        if i < n {
            Ok(values::bare(f[i], name)?.present())
        } else {
            Ok(None)
        }
    };
    let priority = match bare_opt(20, "matched_rule_priority")? {
        None => None,
        Some(t) if t.bytes == b"-1" => Some(t.bytes),
        Some(t) => values::int(t, "matched_rule_priority")?.map(|i| i.0),
    };
    let request_creation_time = match bare_opt(21, "request_creation_time")? {
        Some(t) => Some(values::timestamp(t, "request_creation_time", true)?),
        None => None,
    };
    Ok(AlbRecord {
        line,
        known_fields: n,
        kind: kind.bytes,
        core: HttpCore {
            time: values::timestamp(f[1], "time", true)?,
            elb: values::bare(f[2], "elb")?.bytes,
            client: values::endpoint(f[3], "client:port")?,
            backend: values::endpoint(f[4], "target:port")?,
            request_processing_time: values::decimal(f[5], "request_processing_time")?,
            backend_processing_time: values::decimal(f[6], "target_processing_time")?,
            response_processing_time: values::decimal(f[7], "response_processing_time")?,
            elb_status_code: values::int(f[8], "elb_status_code")?,
            backend_status_code: values::int(f[9], "target_status_code")?,
            received_bytes: values::int(f[10], "received_bytes")?,
            sent_bytes: values::int(f[11], "sent_bytes")?,
            request: Request::split(values::quoted(f[12], "request")?),
            user_agent: values::quoted(f[13], "user_agent")?.present(),
            ssl_cipher: values::bare(f[14], "ssl_cipher")?.present(),
            ssl_protocol: values::bare(f[15], "ssl_protocol")?.present(),
        },
        target_group_arn: bare_opt(16, "target_group_arn")?,
        trace_id: quoted_opt(17, "trace_id")?,
        domain_name: quoted_opt(18, "domain_name")?,
        chosen_cert_arn: quoted_opt(19, "chosen_cert_arn")?,
        matched_rule_priority: priority,
        request_creation_time,
        actions_executed: quoted_opt(22, "actions_executed")?,
        redirect_url: quoted_opt(23, "redirect_url")?,
        error_reason: quoted_opt(24, "error_reason")?,
        // from here on AWS has written fields both quoted and bare: accept either
        target_port_list: opt(25),
        target_status_code_list: opt(26),
        classification: opt(27),
        classification_reason: opt(28),
        conn_trace_id: opt(29),
        transformed_host: opt(30),
        transformed_uri: opt(31),
        request_transform_status: opt(32),
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_HTTP: &str = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;

    fn with_tail(tail: &str) -> String {
        format!("{DOC_HTTP}{tail}")
    }

    #[test]
    fn doc_http_line() {
        let r = parse(DOC_HTTP.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 29);
        assert_eq!(r.kind, b"http");
        assert_eq!(r.core.client.unwrap().ip, b"192.168.131.39");
        assert_eq!(r.core.backend.unwrap().port.value(), 80);
        assert_eq!(r.core.request.method, Some(&b"GET"[..]));
        assert_eq!(r.matched_rule_priority, Some(&b"0"[..]));
        assert_eq!(r.target_port_list.unwrap().bytes, b"10.0.0.1:80");
        assert!(r.core.ssl_cipher.is_none());
        assert!(r.extra.is_empty());
    }

    #[test]
    fn thirty_three_fields_and_two_unknown_trailing_fields() {
        let line = with_tail(
            r#" TID_1c71a68d70587445ad5127ff8b2687d7 "new.example.com" "/rewritten?a=1" "TransformApplied""#,
        );
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 33);
        assert_eq!(
            r.conn_trace_id.unwrap().bytes,
            b"TID_1c71a68d70587445ad5127ff8b2687d7"
        );
        assert_eq!(r.transformed_host.unwrap().bytes, b"new.example.com");
        assert_eq!(r.transformed_uri.unwrap().bytes, b"/rewritten?a=1");
        assert_eq!(
            r.request_transform_status.unwrap().bytes,
            b"TransformApplied"
        );
        assert!(r.extra.is_empty());

        let longer = format!("{line} 10.0.3.7 \"future field\"");
        let r = parse(longer.as_bytes()).unwrap();
        assert_eq!(r.extra.len(), 2);
        let extra: Vec<_> = r.extra.iter().map(|t| t.bytes).collect();
        assert_eq!(extra, vec![&b"10.0.3.7"[..], &b"future field"[..]]);
    }

    #[test]
    fn ipv6_client_target_and_target_list() {
        let line = DOC_HTTP
            .replace(
                "192.168.131.39:2817",
                "2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599",
            )
            .replace("10.0.0.1:80 0.000", "2001:db8::10:8080 0.000")
            .replace("\"10.0.0.1:80\"", "\"2001:db8::10:8080 2001:db8::11:8080\"");
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(
            r.core.client.unwrap().ip,
            b"2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc"
        );
        assert_eq!(r.core.client.unwrap().port.value(), 50599);
        assert_eq!(r.core.backend.unwrap().ip, b"2001:db8::10");
        assert_eq!(r.core.backend.unwrap().port.value(), 8080);
        assert_eq!(
            r.target_port_list.unwrap().bytes,
            b"2001:db8::10:8080 2001:db8::11:8080"
        );
    }

    #[test]
    fn url_with_a_raw_space() {
        let line = DOC_HTTP.replace(
            "GET http://www.example.com:80/ HTTP/1.1",
            "GET http://www.example.com:80/a b?c=d e HTTP/1.1",
        );
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(
            r.core.request.url,
            Some(&b"http://www.example.com:80/a b?c=d e"[..])
        );
        assert_eq!(r.core.request.http_version(), Some(&b"1.1"[..]));
    }

    #[test]
    fn escaped_quote_inside_user_agent() {
        let line = DOC_HTTP.replace("curl/7.46.0", r#"Mozilla/5.0 \"Windows NT 10.0\" Gecko"#);
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(
            r.core.user_agent.unwrap().bytes,
            br#"Mozilla/5.0 \"Windows NT 10.0\" Gecko"#
        );
        assert_eq!(r.known_fields, 29);
    }

    #[test]
    fn rule_priority_minus_one_and_session_reused() {
        let line = DOC_HTTP
            .replace(r#""-" 0 2018"#, r#""session-reused" -1 2018"#)
            .replace("0.000 0.001 0.000 200 200", "-1 -1 -1 503 -");
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(r.matched_rule_priority, Some(&b"-1"[..]));
        assert_eq!(r.chosen_cert_arn.unwrap().bytes, b"session-reused");
        assert!(r.core.backend_processing_time.unwrap().is_minus_one());
        assert!(r.core.backend_status_code.is_none());
    }

    #[test]
    fn old_unquoted_list_fields() {
        let line = DOC_HTTP.replace(r#""10.0.0.1:80" "200""#, "10.0.0.1:80 200");
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(r.target_port_list.unwrap().bytes, b"10.0.0.1:80");
        assert_eq!(r.target_status_code_list.unwrap().bytes, b"200");
        assert_eq!(r.known_fields, 29);
    }

    #[test]
    fn url_of_64_kib() {
        let long = format!("http://www.example.com:80/{}", "a".repeat(64 * 1024));
        let line = DOC_HTTP.replace("http://www.example.com:80/", &long);
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(r.core.request.url.unwrap().len(), long.len());
    }

    #[test]
    fn malformed_lines_name_the_field() {
        let truncated = &DOC_HTTP[..DOC_HTTP.find(" \"curl").unwrap()];
        let e = parse(truncated.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("13 fields"), "{e}");
        let bad_time = DOC_HTTP.replace("2018-07-02T22:23:00.186641Z", "xxx");
        let e = parse(bad_time.as_bytes()).unwrap_err();
        assert_eq!(e.field, "time");
        let fixture_typo = DOC_HTTP.replace(r#""-" 0 2018"#, r#""-"0 2018"#);
        assert!(parse(fixture_typo.as_bytes()).is_err());
        let bad_status = DOC_HTTP.replace(" 200 200 ", " 2O0 200 ");
        assert_eq!(
            parse(bad_status.as_bytes()).unwrap_err().field,
            "elb_status_code"
        );
        let trailing_space = format!("{DOC_HTTP} ");
        assert!(parse(trailing_space.as_bytes()).unwrap().extra.is_empty());
    }
}
