//! Typed views of single fields: validated numbers, timestamps, `ip:port`, request lines, URLs.
//!
//! Everything borrows from the line; numbers keep their text so they can be written to JSON
//! verbatim once validated (no float round trip).

use super::tokens::Token;
use super::{ParseError, Problem};

/// A validated non-negative integer, kept as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int<'a>(pub &'a [u8]);

impl Int<'_> {
    /// The value (saturating; the text has at most 19 digits).
    pub fn value(self) -> u64 {
        self.0.iter().fold(0u64, |n, &d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        })
    }
}

/// A validated decimal number of seconds (or milliseconds), or AWS's `-1` "never dispatched".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal<'a>(pub &'a [u8]);

impl<'a> Decimal<'a> {
    /// True for `-1`: the request never reached a target (formats.md §0.4).
    pub fn is_minus_one(self) -> bool {
        self.0 == b"-1"
    }

    /// The value in units of 1e-9 (nanoseconds for seconds), exact; `None` for `-1` or overflow.
    pub fn nanos(self) -> Option<u64> {
        if self.is_minus_one() {
            return None;
        }
        let (int, frac) = split_decimal(self.0);
        let mut n: u64 = 0;
        for &d in int {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        let mut scaled = n.checked_mul(1_000_000_000)?;
        let mut unit = 100_000_000u64;
        for &d in frac.iter().take(9) {
            scaled = scaled.checked_add(u64::from(d - b'0') * unit)?;
            unit /= 10;
        }
        Some(scaled)
    }
}

fn split_decimal(text: &[u8]) -> (&[u8], &[u8]) {
    match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &[]),
    }
}

const MAX_INT_DIGITS: usize = 19;

fn is_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// `-` → `None`; digits → `Int`; anything else is an error naming `field`.
#[inline(always)]
pub fn int<'a>(tok: Token<'a>, field: &'static str) -> Result<Option<Int<'a>>, ParseError<'a>> {
    match bare(tok, field)?.present() {
        None => Ok(None),
        Some(t) if is_digits(t.bytes) && t.bytes.len() <= MAX_INT_DIGITS && !t.quoted => {
            Ok(Some(Int(t.bytes)))
        }
        Some(t) => Err(ParseError::at(field, t, Problem::Integer)),
    }
}

/// Like [`int`] but `-` is not allowed.
#[inline]
pub fn required_int<'a>(tok: Token<'a>, field: &'static str) -> Result<Int<'a>, ParseError<'a>> {
    int(tok, field)?.ok_or(ParseError::at(field, tok, Problem::Integer))
}

/// `-` → `None`; `-1` or `digits[.digits]` → `Decimal`.
#[inline(always)]
pub fn decimal<'a>(
    tok: Token<'a>,
    field: &'static str,
) -> Result<Option<Decimal<'a>>, ParseError<'a>> {
    let Some(t) = bare(tok, field)?.present() else {
        return Ok(None);
    };
    let (int, frac) = split_decimal(t.bytes);
    let frac_ok = frac.is_empty() && !t.bytes.ends_with(b".") || is_digits(frac);
    if !t.quoted && (t.bytes == b"-1" || (is_digits(int) && int.len() <= 12 && frac_ok)) {
        Ok(Some(Decimal(t.bytes)))
    } else {
        Err(ParseError::at(field, t, Problem::Decimal))
    }
}

/// Checks `YYYY-MM-DDTHH:MM:SS[.fraction]` followed by `Z` when `zulu` is set.
#[inline(always)]
pub fn timestamp<'a>(
    tok: Token<'a>,
    field: &'static str,
    zulu: bool,
) -> Result<&'a [u8], ParseError<'a>> {
    if is_timestamp(tok.bytes, zulu) && !tok.quoted {
        Ok(tok.bytes)
    } else {
        Err(ParseError::at(field, tok, Problem::Timestamp))
    }
}

/// Like [`timestamp`] but `-` gives `None`.
#[inline]
pub fn optional_timestamp<'a>(
    tok: Token<'a>,
    field: &'static str,
    zulu: bool,
) -> Result<Option<&'a [u8]>, ParseError<'a>> {
    match bare(tok, field)?.present() {
        None => Ok(None),
        Some(t) => timestamp(t, field, zulu).map(Some),
    }
}

/// True when `s` is an ISO-8601 UTC timestamp as AWS writes them.
pub fn is_timestamp(s: &[u8], zulu: bool) -> bool {
    fn two(s: &[u8], at: usize, max: u8) -> bool {
        s[at].is_ascii_digit()
            && s[at + 1].is_ascii_digit()
            && (s[at] - b'0') * 10 + (s[at + 1] - b'0') <= max
    }
    if s.len() < 19 {
        return false;
    }
    let shape = s[..4].iter().all(u8::is_ascii_digit)
        && s[4] == b'-'
        && two(s, 5, 12)
        && s[7] == b'-'
        && two(s, 8, 31)
        && s[10] == b'T'
        && two(s, 11, 23)
        && s[13] == b':'
        && two(s, 14, 59)
        && s[16] == b':'
        && two(s, 17, 60);
    if !shape {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    if zulu {
        rest == b"Z"
    } else {
        rest.is_empty() || rest == b"Z"
    }
}

/// An address as AWS writes it: `ip:port`, IPv6 unbracketed (split on the last colon).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint<'a> {
    pub ip: &'a [u8],
    pub port: Int<'a>,
}

/// Splits `ip:port` on the last colon; `-` → `None`.
#[inline(always)]
pub fn endpoint<'a>(
    tok: Token<'a>,
    field: &'static str,
) -> Result<Option<Endpoint<'a>>, ParseError<'a>> {
    let Some(t) = bare(tok, field)?.present() else {
        return Ok(None);
    };
    let s = t.bytes;
    let ok = |ip: &[u8], port: &[u8]| {
        !ip.is_empty()
            && ip.iter().all(|&b| IP_BYTE[b as usize])
            && is_digits(port)
            && port.len() <= 5
    };
    // the port is a few bytes from the end: a backward loop beats memrchr's setup
    match s.iter().rposition(|&b| b == b':') {
        Some(colon) if !t.quoted && ok(&s[..colon], &s[colon + 1..]) => Ok(Some(Endpoint {
            ip: &s[..colon],
            port: Int(&s[colon + 1..]),
        })),
        _ => Err(ParseError::at(field, t, Problem::Endpoint)),
    }
}

/// The bytes an IPv4 or IPv6 address is written with: hex digits, `.` and `:` (one table
/// lookup a byte instead of five comparisons).
static IP_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_hexdigit() || c == b'.' || c == b':';
        b += 1;
    }
    table
};

/// A bare IP address (ALB connection log), `-` → `None`.
#[inline]
pub fn ip<'a>(tok: Token<'a>, field: &'static str) -> Result<Option<&'a [u8]>, ParseError<'a>> {
    let Some(t) = bare(tok, field)?.present() else {
        return Ok(None);
    };
    let s = t.bytes;
    if !t.quoted && !s.is_empty() && s.iter().all(|&b| IP_BYTE[b as usize]) {
        Ok(Some(s))
    } else {
        Err(ParseError::at(field, t, Problem::Ip))
    }
}

/// A field that AWS never quotes (a quote there means the line is broken or shifted).
#[inline(always)]
pub fn bare<'a>(tok: Token<'a>, field: &'static str) -> Result<Token<'a>, ParseError<'a>> {
    if tok.quoted {
        Err(ParseError::at(field, tok, Problem::Unquoted))
    } else {
        Ok(tok)
    }
}

/// A field that must be written in quotes (request, user agent, …).
#[inline(always)]
pub fn quoted<'a>(tok: Token<'a>, field: &'static str) -> Result<Token<'a>, ParseError<'a>> {
    if tok.quoted {
        Ok(tok)
    } else {
        Err(ParseError::at(field, tok, Problem::Quoted))
    }
}

/// The request field split at its first and last space: `METHOD URL PROTOCOL`.
///
/// The URL is logged as received and may itself contain spaces (formats.md §0.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Request<'a> {
    /// The whole field as logged (with AWS escapes).
    pub raw: Token<'a>,
    pub method: Option<&'a [u8]>,
    pub url: Option<&'a [u8]>,
    pub protocol: Option<&'a [u8]>,
}

impl<'a> Request<'a> {
    pub fn split(raw: Token<'a>) -> Request<'a> {
        let s = raw.bytes;
        // the method and the protocol are short: loops from each end beat memchr's setup
        let first = s.iter().position(|&b| b == b' ');
        let last = s.iter().rposition(|&b| b == b' ');
        let (method, url, protocol) = match (first, last) {
            (Some(f), Some(l)) if f < l => (&s[..f], Some(&s[f + 1..l]), &s[l + 1..]),
            _ => (&s[..0], None, &s[..0]),
        };
        let dash = |v: &'a [u8]| (!v.is_empty() && v != b"-").then_some(v);
        Request {
            raw,
            method: dash(method),
            url: url.and_then(dash),
            protocol: dash(protocol),
        }
    }

    /// `1.1` from `HTTP/1.1`.
    pub fn http_version(&self) -> Option<&'a [u8]> {
        self.protocol
            .and_then(|p| p.strip_prefix(b"HTTP/"))
            .filter(|v| !v.is_empty())
    }

    /// True for the Classic TCP/SSL listener's `"- - - "` (no HTTP request at all).
    pub fn is_tcp_listener(&self) -> bool {
        self.raw.bytes == b"- - - "
    }
}

/// The parts of an absolute request URL (`scheme://[user@]host[:port]/path?query`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UrlParts<'a> {
    pub scheme: Option<&'a [u8]>,
    pub username: Option<&'a [u8]>,
    /// `host:port` as written (logstash's `urihost`).
    pub authority: Option<&'a [u8]>,
    /// Host without IPv6 brackets.
    pub domain: Option<&'a [u8]>,
    pub port: Option<Int<'a>>,
    pub path: Option<&'a [u8]>,
    /// Query without the `?`.
    pub query: Option<&'a [u8]>,
}

/// Splits an absolute URL (or an origin-form `/path?query`); `None` when it does not parse.
pub fn split_url(url: &[u8]) -> Option<UrlParts<'_>> {
    let mut parts = UrlParts::default();
    let mut rest = url;
    if url.first() != Some(&b'/') {
        // the first `:` ends the scheme: a `://` after a `:` would leave one in the scheme,
        // which the check below rejects anyway
        let sep = url.iter().position(|&b| b == b':')?;
        if !url[sep..].starts_with(b"://") {
            return None;
        }
        let scheme = &url[..sep];
        let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
            && scheme
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return None;
        }
        parts.scheme = Some(scheme);
        rest = &url[sep + 3..];
        let auth_len = rest
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let mut authority = &rest[..auth_len];
        rest = &rest[auth_len..];
        if let Some(at) = memchr::memrchr(b'@', authority) {
            let user = &authority[..at];
            let user = user.split(|&b| b == b':').next().unwrap_or(user);
            parts.username = (!user.is_empty()).then_some(user);
            authority = &authority[at + 1..];
        }
        if authority.is_empty() {
            return None;
        }
        parts.authority = Some(authority);
        let (host, port) = if let Some(v6) = authority.strip_prefix(b"[") {
            let close = memchr::memchr(b']', v6)?;
            let after = &v6[close + 1..];
            let port = match after {
                [] => None,
                [b':', port @ ..] => Some(port),
                _ => return None,
            };
            (&v6[..close], port)
        } else {
            match authority.iter().rposition(|&b| b == b':') {
                Some(c) => (&authority[..c], Some(&authority[c + 1..])),
                None => (authority, None),
            }
        };
        if let Some(port) = port {
            if !is_digits(port) || port.len() > 5 {
                return None;
            }
            parts.port = Some(Int(port));
        }
        if host.is_empty() || host.contains(&b' ') {
            return None;
        }
        parts.domain = Some(host);
    }
    let rest = match memchr::memchr(b'#', rest) {
        Some(h) => &rest[..h],
        None => rest,
    };
    match memchr::memchr(b'?', rest) {
        Some(q) => {
            parts.path = (q > 0).then_some(&rest[..q]);
            parts.query = Some(&rest[q + 1..]);
        }
        None => parts.path = (!rest.is_empty()).then_some(rest),
    }
    Some(parts)
}

/// `1.2` and `tls` from `TLSv1.2` (ALB, Classic) or `tlsv12` (NLB); `None` if unrecognised.
pub fn tls_version(protocol: &[u8]) -> Option<(&'static str, &'static str)> {
    // what nearly every ALB and Classic line says, matched before any case folding
    match protocol {
        b"TLSv1.2" => return Some(("1.2", "tls")),
        b"TLSv1.3" => return Some(("1.3", "tls")),
        _ => {}
    }
    let lower = |b: &u8| b.to_ascii_lowercase();
    let mut buf = [0u8; 8];
    if protocol.len() > buf.len() {
        return None;
    }
    for (dst, src) in buf.iter_mut().zip(protocol) {
        *dst = lower(src);
    }
    let p = &buf[..protocol.len()];
    let (name, v) = if let Some(v) = p.strip_prefix(b"tlsv") {
        ("tls", v)
    } else if let Some(v) = p.strip_prefix(b"sslv") {
        ("ssl", v)
    } else {
        return None;
    };
    let version = match v {
        b"1" | b"1.0" | b"10" => "1.0",
        b"1.1" | b"11" => "1.1",
        b"1.2" | b"12" => "1.2",
        b"1.3" | b"13" => "1.3",
        b"2" | b"2.0" => "2.0",
        b"3" | b"3.0" => "3.0",
        _ => return None,
    };
    Some((version, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Token<'_> {
        Token {
            bytes: s.as_bytes(),
            quoted: false,
            col: 0,
        }
    }

    #[test]
    fn decimal_nanos_are_exact() {
        assert_eq!(Decimal(b"0.000073").nanos(), Some(73_000));
        assert_eq!(Decimal(b"0.086").nanos(), Some(86_000_000));
        assert_eq!(Decimal(b"12").nanos(), Some(12_000_000_000));
        assert_eq!(Decimal(b"-1").nanos(), None);
    }

    #[test]
    fn decimal_rejects_what_json_would_not_take() {
        for bad in ["1.", ".5", "1e3", "abc", "-2", "0x1", ""] {
            assert!(decimal(tok(bad), "t").is_err(), "{bad}");
        }
        for good in ["0", "0.000", "-1", "4.036", "00.5"] {
            assert!(decimal(tok(good), "t").unwrap().is_some(), "{good}");
        }
        assert_eq!(decimal(tok("-"), "t").unwrap(), None);
    }

    #[test]
    fn timestamps() {
        assert!(is_timestamp(b"2018-07-02T22:23:00.186641Z", true));
        assert!(is_timestamp(b"2018-12-20T02:59:40", false));
        assert!(!is_timestamp(b"2018-12-20T02:59:40", true));
        assert!(!is_timestamp(b"xxx", true));
        assert!(!is_timestamp(b"2018-13-02T22:23:00Z", true));
        assert!(!is_timestamp(b"2018-07-02T22:23:00.Z", true));
    }

    #[test]
    fn ipv6_endpoint_splits_on_last_colon() {
        let e = endpoint(tok("2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599"), "c")
            .unwrap()
            .unwrap();
        assert_eq!(e.ip, b"2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc");
        assert_eq!(e.port.value(), 50599);
        assert!(endpoint(tok("10.0.0.1"), "c").is_err());
        assert!(endpoint(tok("10.0.0.1:"), "c").is_err());
        assert_eq!(endpoint(tok("-"), "c").unwrap(), None);
    }

    #[test]
    fn request_splits_at_first_and_last_space() {
        let raw = Token {
            bytes: b"GET http://a.com:80/x y?q=a b HTTP/1.1",
            quoted: true,
            col: 0,
        };
        let r = Request::split(raw);
        assert_eq!(r.method, Some(&b"GET"[..]));
        assert_eq!(r.url, Some(&b"http://a.com:80/x y?q=a b"[..]));
        assert_eq!(r.http_version(), Some(&b"1.1"[..]));
        let tcp = Request::split(Token {
            bytes: b"- - - ",
            quoted: true,
            col: 0,
        });
        assert!(tcp.is_tcp_listener());
        assert_eq!(
            (tcp.method, tcp.url, tcp.protocol),
            (None, Some(&b"- -"[..]), None)
        );
    }

    #[test]
    fn url_parts() {
        let u = split_url(b"https://www.example.com:443/a/b?x=1&y=2").unwrap();
        assert_eq!(u.scheme, Some(&b"https"[..]));
        assert_eq!(u.domain, Some(&b"www.example.com"[..]));
        assert_eq!(u.authority, Some(&b"www.example.com:443"[..]));
        assert_eq!(u.port.map(Int::value), Some(443));
        assert_eq!(u.path, Some(&b"/a/b"[..]));
        assert_eq!(u.query, Some(&b"x=1&y=2"[..]));
        let v6 = split_url(b"http://[2001:db8::1]:8080/").unwrap();
        assert_eq!(v6.domain, Some(&b"2001:db8::1"[..]));
        assert_eq!(v6.port.map(Int::value), Some(8080));
        assert!(split_url(b"http://www.example.com:80-").is_none());
        assert!(split_url(b"- -").is_none());
        let user = split_url(b"http://bob:secret@h.com/").unwrap();
        assert_eq!(user.username, Some(&b"bob"[..]));
        assert_eq!(user.domain, Some(&b"h.com"[..]));
        // the scheme ends at the first `:`, and only `://` may follow it
        for not_absolute in [
            &b"ht:tp://h/"[..],
            b"http:/x://h/",
            b"http:h",
            b"1http://h/",
        ] {
            assert!(split_url(not_absolute).is_none(), "{not_absolute:?}");
        }
        let odd = split_url(b"svn+ssh://h/p").unwrap();
        assert_eq!(odd.scheme, Some(&b"svn+ssh"[..]));
    }

    #[test]
    fn ip_byte_table_is_hex_digits_dots_and_colons() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_hexdigit() || b == b'.' || b == b':';
            assert_eq!(IP_BYTE[b as usize], expected, "{b:#x}");
        }
        let tok = |s: &'static str| Token {
            bytes: s.as_bytes(),
            quoted: false,
            col: 0,
        };
        assert!(endpoint(tok("2001:db8::1:443"), "f").unwrap().is_some());
        assert!(endpoint(tok("10.0.0.g:443"), "f").is_err());
        assert!(ip(tok("fe80::1%eth0"), "f").is_err());
    }

    #[test]
    fn tls_versions() {
        assert_eq!(tls_version(b"TLSv1.2"), Some(("1.2", "tls")));
        assert_eq!(tls_version(b"TLSv1.3"), Some(("1.3", "tls")));
        assert_eq!(tls_version(b"tlsv1.2"), Some(("1.2", "tls")));
        assert_eq!(tls_version(b"SSLv3"), Some(("3.0", "ssl")));
        assert_eq!(tls_version(b"tlsv12"), Some(("1.2", "tls")));
        assert_eq!(tls_version(b"tlsv13"), Some(("1.3", "tls")));
        assert_eq!(tls_version(b"TLSv1"), Some(("1.0", "tls")));
        assert_eq!(tls_version(b"weird"), None);
    }
}
