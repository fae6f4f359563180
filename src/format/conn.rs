//! Application Load Balancer connection log lines (formats.md §4).
//!
//! One line per TLS connection attempt: 11 fields in the first documented layout, 12 with
//! `conn_trace_id`, and 15 with key exchange, load balancer and node address. Fields after the
//! 15th are kept as extra fields.

use super::tokens::Token;
use super::values::{self, Decimal, Int};
use super::{read_fields, Extra, Format, ParseError};

pub const KNOWN_FIELDS: usize = 15;
pub const MIN_FIELDS: usize = 11;

/// A parsed ALB connection log line; `None` where AWS wrote `-` (or the field is absent).
#[derive(Clone, Debug, Default)]
pub struct ConnRecord<'a> {
    pub line: &'a [u8],
    pub known_fields: usize,
    pub time: &'a [u8],
    pub client_ip: Option<&'a [u8]>,
    pub client_port: Option<Int<'a>>,
    pub listener_port: Option<Int<'a>>,
    pub tls_protocol: Option<Token<'a>>,
    pub tls_cipher: Option<Token<'a>>,
    /// Seconds.
    pub tls_handshake_latency: Option<Decimal<'a>>,
    pub leaf_client_cert_subject: Option<Token<'a>>,
    pub leaf_client_cert_validity: Option<Token<'a>>,
    pub leaf_client_cert_serial_number: Option<Token<'a>>,
    pub tls_verify_status: Option<Token<'a>>,
    pub conn_trace_id: Option<Token<'a>>,
    pub tls_keyexchange: Option<Token<'a>>,
    pub elb: Option<Token<'a>>,
    pub ip_address: Option<Token<'a>>,
    pub extra: Extra<'a>,
}

impl<'a> ConnRecord<'a> {
    /// `(NotBefore, NotAfter)` from `NotBefore=<iso>;NotAfter=<iso>`.
    pub fn cert_validity(&self) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
        let mut before = None;
        let mut after = None;
        if let Some(v) = self.leaf_client_cert_validity {
            for part in v.bytes.split(|&b| b == b';') {
                if let Some(t) = part.strip_prefix(b"NotBefore=") {
                    before = Some(t);
                } else if let Some(t) = part.strip_prefix(b"NotAfter=") {
                    after = Some(t);
                }
            }
        }
        (before, after)
    }

    /// The code after `Failed:` in `tls_verify_status`.
    pub fn tls_error_code(&self) -> Option<&'a [u8]> {
        self.tls_verify_status?.bytes.strip_prefix(b"Failed:")
    }

    /// `tls_verify_status` without the error code: `Success`, or `Failed` for `Failed:<code>`.
    pub fn tls_verify_status_word(&self) -> Option<&'a [u8]> {
        let status = self.tls_verify_status?.bytes;
        Some(match self.tls_error_code() {
            Some(_) => &status[..b"Failed".len()],
            None => status,
        })
    }
}

/// Parses one ALB connection log line.
pub fn parse(line: &[u8]) -> Result<ConnRecord<'_>, ParseError<'_>> {
    parse_fields(line).map_err(|e| e.in_format(Format::AlbConnection))
}

#[inline]
fn parse_fields(line: &[u8]) -> Result<ConnRecord<'_>, ParseError<'_>> {
    let mut f = [Token::default(); KNOWN_FIELDS];
    let (n, extra) = read_fields(line, &mut f, MIN_FIELDS, true, Format::AlbConnection)?;
    let opt = |i: usize| if i < n { f[i].present() } else { None };
    let subject = match f[7].present() {
        Some(t) => Some(values::quoted(t, "leaf_client_cert_subject")?),
        None => None,
    };
    Ok(ConnRecord {
        line,
        known_fields: n,
        time: values::timestamp(f[0], "timestamp", true)?,
        client_ip: values::ip(f[1], "client_ip")?,
        client_port: values::int(f[2], "client_port")?,
        listener_port: values::int(f[3], "listener_port")?,
        tls_protocol: f[4].present(),
        tls_cipher: f[5].present(),
        tls_handshake_latency: values::decimal(f[6], "tls_handshake_latency")?,
        leaf_client_cert_subject: subject,
        leaf_client_cert_validity: f[8].present(),
        leaf_client_cert_serial_number: f[9].present(),
        tls_verify_status: f[10].present(),
        conn_trace_id: opt(11),
        tls_keyexchange: opt(12),
        elb: opt(13),
        ip_address: opt(14),
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_FAILED: &str = r#"2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 - "CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Failed:ClientCertUntrusted TID_1c71a68d70587445ad5127ff8b2687d7"#;

    #[test]
    fn doc_failure_line() {
        let r = parse(DOC_FAILED.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 12);
        assert!(r.tls_handshake_latency.is_none());
        assert_eq!(r.tls_error_code(), Some(&b"ClientCertUntrusted"[..]));
        assert_eq!(
            r.cert_validity(),
            (
                Some(&b"2023-09-21T22:43:21Z"[..]),
                Some(&b"2026-06-17T22:43:21Z"[..])
            )
        );
    }

    #[test]
    fn fifteen_fields_with_ipv6_client() {
        let line = format!(
            "{} X25519MLKEM768 app/my-alb/1234567890abcdef 10.0.1.17 -",
            DOC_FAILED.replace("203.0.113.1", "2001:db8::5")
        );
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 15);
        assert_eq!(r.client_ip, Some(&b"2001:db8::5"[..]));
        assert_eq!(r.tls_keyexchange.unwrap().bytes, b"X25519MLKEM768");
        assert_eq!(r.extra.len(), 1);
    }
}
