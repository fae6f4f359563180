//! Network Load Balancer TLS access log lines (formats.md §3).
//!
//! No field is quoted by this format, and `alpn_client_preference_list` carries literal quotes
//! inside a bare token, so NLB lines are split on spaces only. Versions 1.0 and 2.0; at least
//! 18 fields (through `domain_name`), 22 known, the rest kept as extra fields.

use super::tokens::Token;
use super::values::{self, Decimal, Endpoint, Int};
use super::{read_fields, Extra, Format, ParseError, Problem};

pub const KNOWN_FIELDS: usize = 22;
pub const MIN_FIELDS: usize = 18;

/// A parsed NLB TLS line; `None` where AWS wrote `-` (or the field is absent).
#[derive(Clone, Debug, Default)]
pub struct NlbRecord<'a> {
    pub line: &'a [u8],
    pub known_fields: usize,
    pub version: &'a [u8],
    /// `YYYY-MM-DDTHH:MM:SS`, UTC, without fraction or `Z`.
    pub time: &'a [u8],
    pub elb: &'a [u8],
    pub listener: &'a [u8],
    pub client: Option<Endpoint<'a>>,
    pub destination: Option<Endpoint<'a>>,
    /// Milliseconds.
    pub connection_time: Option<Decimal<'a>>,
    /// Milliseconds; `-` when the handshake failed.
    pub tls_handshake_time: Option<Decimal<'a>>,
    pub received_bytes: Option<Int<'a>>,
    pub sent_bytes: Option<Int<'a>>,
    pub incoming_tls_alert: Option<Token<'a>>,
    pub chosen_cert_arn: Option<Token<'a>>,
    pub chosen_cert_serial: Option<Token<'a>>,
    pub tls_cipher: Option<Token<'a>>,
    pub tls_protocol_version: Option<Token<'a>>,
    pub tls_named_group: Option<Token<'a>>,
    pub domain_name: Option<Token<'a>>,
    pub alpn_fe_protocol: Option<Token<'a>>,
    pub alpn_be_protocol: Option<Token<'a>>,
    pub alpn_client_preference_list: Option<Token<'a>>,
    pub tls_connection_creation_time: Option<&'a [u8]>,
    pub extra: Extra<'a>,
}

/// Parses one NLB TLS line.
pub fn parse(line: &[u8]) -> Result<NlbRecord<'_>, ParseError<'_>> {
    parse_fields(line).map_err(|e| e.in_format(Format::Nlb))
}

#[inline]
fn parse_fields(line: &[u8]) -> Result<NlbRecord<'_>, ParseError<'_>> {
    let mut f = [Token::default(); KNOWN_FIELDS];
    let (n, extra) = read_fields(line, &mut f, MIN_FIELDS, false, Format::Nlb)?;
    if f[0].bytes != b"tls" {
        return Err(ParseError::at("type", f[0], Problem::Literal("tls")));
    }
    let opt = |i: usize| if i < n { f[i].present() } else { None };
    let creation = match opt(21) {
        Some(t) => Some(values::timestamp(t, "tls_connection_creation_time", false)?),
        None => None,
    };
    Ok(NlbRecord {
        line,
        known_fields: n,
        version: f[1].bytes,
        time: values::timestamp(f[2], "time", false)?,
        elb: f[3].bytes,
        listener: f[4].bytes,
        client: values::endpoint(f[5], "client:port")?,
        destination: values::endpoint(f[6], "destination:port")?,
        connection_time: values::decimal(f[7], "connection_time")?,
        tls_handshake_time: values::decimal(f[8], "tls_handshake_time")?,
        received_bytes: values::int(f[9], "received_bytes")?,
        sent_bytes: values::int(f[10], "sent_bytes")?,
        incoming_tls_alert: opt(11),
        chosen_cert_arn: opt(12),
        chosen_cert_serial: opt(13),
        tls_cipher: opt(14),
        tls_protocol_version: opt(15),
        tls_named_group: opt(16),
        domain_name: opt(17),
        alpn_fe_protocol: opt(18),
        alpn_be_protocol: opt(19),
        alpn_client_preference_list: opt(20),
        tls_connection_creation_time: creation,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_ALPN: &str = r#"tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com h2 h2 "h2","http/1.1""#;

    #[test]
    fn doc_line_with_alpn() {
        let r = parse(DOC_ALPN.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 21);
        assert_eq!(
            r.alpn_client_preference_list.unwrap().bytes,
            br#""h2","http/1.1""#
        );
        assert_eq!(r.destination.unwrap().port.value(), 443);
        assert!(r.tls_connection_creation_time.is_none());
    }

    #[test]
    fn failed_handshake_has_dash_in_a_number_field() {
        let line = DOC_ALPN.replace(" 5 2 98 ", " 5 - 98 ");
        let r = parse(line.as_bytes()).unwrap();
        assert!(r.tls_handshake_time.is_none());
        assert_eq!(r.connection_time.unwrap().0, b"5");
    }

    #[test]
    fn creation_time_and_extra_fields() {
        let line = format!("{DOC_ALPN} 2020-04-01T08:51:40 x y");
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!(
            r.tls_connection_creation_time,
            Some(&b"2020-04-01T08:51:40"[..])
        );
        assert_eq!(r.extra.len(), 2);
    }

    #[test]
    fn version_1_0_line_of_18_fields() {
        let cut = DOC_ALPN.replacen("2.0", "1.0", 1);
        let cut = &cut[..cut.find(" h2 h2").unwrap()];
        let r = parse(cut.as_bytes()).unwrap();
        assert_eq!(r.known_fields, 18);
        assert_eq!(r.version, b"1.0");
    }
}
