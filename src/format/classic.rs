//! Classic Load Balancer access log lines (formats.md §1).
//!
//! HTTP/HTTPS and TCP/SSL listeners; lines written before mid-2015 end after the request
//! (12 fields), later ones have user agent, cipher and protocol (15). Fields after the 15th are
//! kept as extra fields.

use super::tokens::Token;
use super::values::{self, Request};
use super::{read_fields, Extra, Format, HttpCore, ParseError, Problem};

pub const KNOWN_FIELDS: usize = 15;
pub const MIN_FIELDS: usize = 12;

/// A parsed Classic ELB line; `None` where AWS wrote `-` (or the field is absent).
#[derive(Clone, Debug, Default)]
pub struct ClassicRecord<'a> {
    pub line: &'a [u8],
    pub known_fields: usize,
    pub core: HttpCore<'a>,
    pub extra: Extra<'a>,
}

impl ClassicRecord<'_> {
    /// TCP/SSL listener lines carry no HTTP request (`"- - - "`).
    pub fn is_tcp_listener(&self) -> bool {
        self.core.request.is_tcp_listener()
    }
}

/// Parses one Classic ELB line.
pub fn parse(line: &[u8]) -> Result<ClassicRecord<'_>, ParseError<'_>> {
    parse_fields(line).map_err(|e| e.in_format(Format::Classic))
}

#[inline]
fn parse_fields(line: &[u8]) -> Result<ClassicRecord<'_>, ParseError<'_>> {
    let mut f = [Token::default(); KNOWN_FIELDS];
    let (n, extra) = read_fields(line, &mut f, MIN_FIELDS, true, Format::Classic)?;
    let opt = |i: usize| if i < n { f[i].present() } else { None };
    let user_agent = match opt(12) {
        Some(t) => values::quoted(t, "user_agent")?.present(),
        None => None,
    };
    if f[1].quoted || f[1].bytes.is_empty() {
        return Err(ParseError::at(
            "elb",
            f[1],
            Problem::Literal("a load balancer name"),
        ));
    }
    Ok(ClassicRecord {
        line,
        known_fields: n,
        core: HttpCore {
            time: values::timestamp(f[0], "timestamp", true)?,
            elb: f[1].bytes,
            client: values::endpoint(f[2], "client:port")?,
            backend: values::endpoint(f[3], "backend:port")?,
            request_processing_time: values::decimal(f[4], "request_processing_time")?,
            backend_processing_time: values::decimal(f[5], "backend_processing_time")?,
            response_processing_time: values::decimal(f[6], "response_processing_time")?,
            elb_status_code: values::int(f[7], "elb_status_code")?,
            backend_status_code: values::int(f[8], "backend_status_code")?,
            received_bytes: values::int(f[9], "received_bytes")?,
            sent_bytes: values::int(f[10], "sent_bytes")?,
            request: Request::split(values::quoted(f[11], "request")?),
            user_agent,
            ssl_cipher: opt(13),
            ssl_protocol: opt(14),
        },
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_HTTP: &str = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -"#;
    const DOC_TCP: &str = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -"#;
    const LPC_12_FIELDS: &str = r#"2014-02-15T23:39:43.945958Z my-test-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1""#;

    #[test]
    fn doc_http_line() {
        let r = parse(DOC_HTTP.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 15);
        assert_eq!(r.core.elb, b"my-loadbalancer");
        assert_eq!(
            r.core.request_processing_time.unwrap().nanos(),
            Some(73_000)
        );
        assert_eq!(r.core.user_agent.unwrap().bytes, b"curl/7.38.0");
        assert!(!r.is_tcp_listener());
    }

    #[test]
    fn tcp_listener_line() {
        let r = parse(DOC_TCP.as_bytes()).unwrap();
        assert!(r.is_tcp_listener());
        assert!(r.core.elb_status_code.is_none());
        assert!(r.core.user_agent.is_none());
        assert_eq!(r.core.received_bytes.unwrap().value(), 82);
    }

    #[test]
    fn pre_2015_twelve_field_line() {
        let r = parse(LPC_12_FIELDS.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 12);
        assert!(r.core.user_agent.is_none() && r.core.ssl_protocol.is_none());
    }

    #[test]
    fn ipv6_client_and_extra_fields() {
        let line = format!(
            "{} future 42",
            DOC_HTTP.replace("192.168.131.39:2817", "2001:db8:85a3::8a2e:370:7334:443")
        );
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(r.core.client.unwrap().ip, b"2001:db8:85a3::8a2e:370:7334");
        assert_eq!(r.extra.len(), 2);
    }

    #[test]
    fn eleven_fields_is_too_few() {
        let short = &LPC_12_FIELDS[..LPC_12_FIELDS.find(" \"GET").unwrap()];
        assert!(parse(short.as_bytes()).is_err());
    }
}
