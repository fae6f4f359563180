//! Load balancer log formats: detection per line and parsing into borrowed records.
//!
//! Pure code over `&[u8]`: no I/O, no allocation per line or field. Each format lives in its
//! own file with unit tests on real lines (`fixtures/`).

pub mod alb;
pub mod classic;
pub mod conn;
pub mod nlb;
pub mod tokens;
pub mod values;

use std::fmt;

pub use alb::AlbRecord;
pub use classic::ClassicRecord;
pub use conn::ConnRecord;
pub use nlb::NlbRecord;
use tokens::{Token, Tokenizer};

/// The log formats elbship understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Classic,
    Alb,
    Nlb,
    AlbConnection,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Classic => "Classic ELB",
            Format::Alb => "ALB",
            Format::Nlb => "NLB",
            Format::AlbConnection => "ALB connection log",
        }
    }
}

/// One parsed log line.
///
/// Lives on the stack for one line; boxing the large ALB variant would cost an allocation per
/// line, which is what this crate avoids.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Record<'a> {
    Classic(ClassicRecord<'a>),
    Alb(AlbRecord<'a>),
    Nlb(NlbRecord<'a>),
    Conn(ConnRecord<'a>),
}

impl<'a> Record<'a> {
    /// The line's time as logged (NLB: without fraction or `Z`).
    pub fn time(&self) -> &'a [u8] {
        match self {
            Record::Classic(r) => r.core.time,
            Record::Alb(r) => r.core.time,
            Record::Nlb(r) => r.time,
            Record::Conn(r) => r.time,
        }
    }

    pub fn format(&self) -> Format {
        match self {
            Record::Classic(_) => Format::Classic,
            Record::Alb(_) => Format::Alb,
            Record::Nlb(_) => Format::Nlb,
            Record::Conn(_) => Format::AlbConnection,
        }
    }
}

/// Parses one line (without its newline) of any supported format.
#[inline]
pub fn parse_line(line: &[u8]) -> Result<Record<'_>, ParseError<'_>> {
    match detect(line) {
        Some(Format::Alb) => alb::parse(line).map(Record::Alb),
        Some(Format::Classic) => classic::parse(line).map(Record::Classic),
        Some(Format::Nlb) => nlb::parse(line).map(Record::Nlb),
        Some(Format::AlbConnection) => conn::parse(line).map(Record::Conn),
        None => Err(ParseError {
            format: None,
            field: "",
            col: 0,
            found: &line[..line.len().min(FOUND_MAX)],
            problem: Problem::UnknownFormat,
        }),
    }
}

/// Which format a line is in, from its first tokens (formats.md §0.6).
pub fn detect(line: &[u8]) -> Option<Format> {
    let first = *line.first()?;
    if first.is_ascii_lowercase() {
        let word_len = memchr::memchr(b' ', line)?;
        let word = &line[..word_len];
        if !word
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return None;
        }
        if word == b"tls" {
            let version = line[word_len + 1..].split(|&b| b == b' ').next()?;
            if version.first().is_some_and(u8::is_ascii_digit) && version.contains(&b'.') {
                return Some(Format::Nlb);
            }
        }
        return Some(Format::Alb);
    }
    if first.is_ascii_digit() {
        // timestamp, then elb name (Classic) or client ip (connection log), then ip:port or port
        let mut fields = line.splitn(4, |&b| b == b' ');
        let _time = fields.next()?;
        let _second = fields.next()?;
        let third = fields.next()?;
        return Some(if third.contains(&b':') {
            Format::Classic
        } else {
            Format::AlbConnection
        });
    }
    None
}

/// The fields Classic ELB and ALB lines share (Classic fields 1-15, ALB fields 2-16).
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpCore<'a> {
    pub time: &'a [u8],
    pub elb: &'a [u8],
    pub client: Option<values::Endpoint<'a>>,
    /// Classic `backend:port`, ALB `target:port`.
    pub backend: Option<values::Endpoint<'a>>,
    pub request_processing_time: Option<values::Decimal<'a>>,
    /// Classic `backend_processing_time`, ALB `target_processing_time`.
    pub backend_processing_time: Option<values::Decimal<'a>>,
    pub response_processing_time: Option<values::Decimal<'a>>,
    pub elb_status_code: Option<values::Int<'a>>,
    /// Classic `backend_status_code`, ALB `target_status_code`.
    pub backend_status_code: Option<values::Int<'a>>,
    pub received_bytes: Option<values::Int<'a>>,
    pub sent_bytes: Option<values::Int<'a>>,
    pub request: values::Request<'a>,
    pub user_agent: Option<Token<'a>>,
    pub ssl_cipher: Option<Token<'a>>,
    pub ssl_protocol: Option<Token<'a>>,
}

impl HttpCore<'_> {
    /// Sum of the three processing times in nanoseconds; `None` if any is `-1` or `-`.
    pub fn duration_nanos(&self) -> Option<u64> {
        let t = |d: Option<values::Decimal<'_>>| d.and_then(values::Decimal::nanos);
        t(self.request_processing_time)?
            .checked_add(t(self.backend_processing_time)?)?
            .checked_add(t(self.response_processing_time)?)
    }

    /// TCP/SSL listener lines (Classic) carry no HTTP request.
    pub fn is_tcp_listener(&self) -> bool {
        self.request.is_tcp_listener()
    }
}

/// Unknown fields after the last one a format defines (kept, never an error).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extra<'a> {
    rest: &'a [u8],
    count: usize,
    quote_aware: bool,
}

impl<'a> Extra<'a> {
    /// Consumes and counts the remaining fields of `t`.
    fn collect(
        line: &'a [u8],
        t: &mut Tokenizer<'a>,
        quote_aware: bool,
        format: Format,
    ) -> Result<Extra<'a>, ParseError<'a>> {
        let start = t.pos().min(line.len());
        let mut count = 0;
        loop {
            let tok = if quote_aware {
                t.next_token()
                    .map_err(|e| ParseError::unterminated(format, line, e.col))?
            } else {
                t.next_bare()
            };
            if tok.is_none() {
                break;
            }
            count += 1;
        }
        Ok(Extra {
            rest: &line[start..],
            count,
            quote_aware,
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The extra fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = Token<'a>> + 'a {
        let mut t = Tokenizer::new(self.rest);
        let quote_aware = self.quote_aware;
        std::iter::from_fn(move || {
            if quote_aware {
                t.next_token().ok().flatten()
            } else {
                t.next_bare()
            }
        })
        .take(self.count)
    }
}

/// Reads exactly the known fields of a line into `fields`, then the extras.
///
/// Returns how many known fields were present; fewer than `min` is an error.
#[inline]
fn read_fields<'a>(
    line: &'a [u8],
    fields: &mut [Token<'a>],
    min: usize,
    quote_aware: bool,
    format: Format,
) -> Result<(usize, Extra<'a>), ParseError<'a>> {
    let (n, mut t) = match quote_aware
        .then(|| tokens::split_quoted(line, fields))
        .flatten()
    {
        Some((n, pos)) => (n, Tokenizer::starting_at(line, pos)),
        None => read_one_by_one(line, fields, quote_aware, format)?,
    };
    if n < min {
        return Err(ParseError {
            format: Some(format),
            field: "",
            col: line.len(),
            found: b"",
            problem: Problem::FieldCount { got: n, min },
        });
    }
    let extra = if n == fields.len() {
        Extra::collect(line, &mut t, quote_aware, format)?
    } else {
        Extra::default()
    };
    Ok((n, extra))
}

/// [`read_fields`] a field at a time: bare lines, and the quote-aware lines the one-pass split
/// leaves to the tokenizer. Returns how many fields were read and the tokenizer after them.
fn read_one_by_one<'a>(
    line: &'a [u8],
    fields: &mut [Token<'a>],
    quote_aware: bool,
    format: Format,
) -> Result<(usize, Tokenizer<'a>), ParseError<'a>> {
    let mut t = Tokenizer::new(line);
    let mut n = 0;
    while n < fields.len() {
        let tok = if quote_aware {
            t.next_token()
                .map_err(|e| ParseError::unterminated(format, line, e.col))?
        } else {
            t.next_bare()
        };
        match tok {
            Some(tok) => fields[n] = tok,
            None => break,
        }
        n += 1;
    }
    Ok((n, t))
}

const FOUND_MAX: usize = 48;

/// Why a line could not be parsed, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError<'a> {
    pub format: Option<Format>,
    /// AWS's name of the field that broke (empty for line-level problems).
    pub field: &'static str,
    /// Byte offset of the field in the line.
    pub col: usize,
    /// The offending bytes (at most a few dozen).
    pub found: &'a [u8],
    pub problem: Problem,
}

/// What was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    UnknownFormat,
    FieldCount { got: usize, min: usize },
    Unterminated,
    Integer,
    Decimal,
    Timestamp,
    Endpoint,
    Ip,
    Quoted,
    Unquoted,
    Literal(&'static str),
}

impl<'a> ParseError<'a> {
    /// An error in field `field` whose token is `tok` (the format is filled in by the caller).
    #[cold]
    pub fn at(field: &'static str, tok: Token<'a>, problem: Problem) -> Self {
        ParseError {
            format: None,
            field,
            col: tok.col,
            found: &tok.bytes[..tok.bytes.len().min(FOUND_MAX)],
            problem,
        }
    }

    fn unterminated(format: Format, line: &'a [u8], col: usize) -> Self {
        ParseError {
            format: Some(format),
            field: "",
            col,
            found: &line[col..line.len().min(col + FOUND_MAX)],
            problem: Problem::Unterminated,
        }
    }

    /// Sets the format when the error came from a shared helper.
    pub fn in_format(mut self, format: Format) -> Self {
        self.format.get_or_insert(format);
        self
    }
}

impl fmt::Display for ParseError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = self.format.map_or("line", Format::name);
        let found = String::from_utf8_lossy(self.found);
        let expected = match self.problem {
            Problem::UnknownFormat => {
                return write!(
                    f,
                    "not a Classic ELB, ALB, NLB or ALB connection log line (starts with {found:?})"
                )
            }
            Problem::FieldCount { got, min } => {
                return write!(
                    f,
                    "{format} line has {got} fields, at least {min} expected (truncated line?)"
                )
            }
            Problem::Unterminated => {
                return write!(
                    f,
                    "{format}: quoted field at byte {} is not closed",
                    self.col
                )
            }
            Problem::Integer => "an integer or -",
            Problem::Decimal => "a decimal number, -1 or -",
            Problem::Timestamp => "an ISO-8601 timestamp",
            Problem::Endpoint => "ip:port or -",
            Problem::Ip => "an IP address",
            Problem::Quoted => "a quoted field",
            Problem::Unquoted => "a field without quotes",
            Problem::Literal(what) => what,
        };
        write!(
            f,
            "{format} field {} at byte {}: expected {expected}, found {found:?}",
            self.field, self.col
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        assert_eq!(
            detect(b"h2 2018-07-02T22:23:00.186641Z app/x/y 1.2.3.4:5"),
            Some(Format::Alb)
        );
        assert_eq!(
            detect(b"tls 2.0 2018-12-20T02:59:40 net/x"),
            Some(Format::Nlb)
        );
        assert_eq!(detect(b"tls 2018"), Some(Format::Alb));
        assert_eq!(
            detect(b"2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 -"),
            Some(Format::Classic)
        );
        assert_eq!(
            detect(b"2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443"),
            Some(Format::AlbConnection)
        );
        assert_eq!(detect(b"\x00\x01garbage"), None);
        assert_eq!(detect(b"Hello world"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn unknown_line_is_an_error_that_says_so() {
        let e = parse_line(b"<html>").unwrap_err();
        assert_eq!(e.problem, Problem::UnknownFormat);
        assert!(e.to_string().contains("not a Classic ELB"));
    }
}
