//! JSON output, as a leaf that knows nothing of logs: the string escaper, numbers from text,
//! and [`Object`], a small writer for everything that is not an event (run statistics, the
//! summary report, dead-letter records). Events have their own writer in `schema`, built on
//! the same escaper.

pub mod escape;

pub use escape::{write_str, write_str_body};

/// A JSON object being written into a buffer: `{` now, `,"key":value` per field, `}` when it
/// is dropped (so a nested object closes where its scope ends).
pub struct Object<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Object<'o> {
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, empty: true }
    }

    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        self.bytes_key(key.as_bytes())
    }

    fn bytes_key(&mut self, key: &[u8]) -> &mut Vec<u8> {
        if !std::mem::replace(&mut self.empty, false) {
            self.out.push(b',');
        }
        write_str(self.out, key, false);
        self.out.push(b':');
        self.out
    }

    /// A string (bytes that are not UTF-8 become U+FFFD).
    pub fn str(&mut self, key: &str, value: &[u8]) -> &mut Self {
        let out = self.key(key);
        write_str(out, value, false);
        self
    }

    /// A number under a key that is data (a log's bytes, escaped like any string).
    pub fn u64_under(&mut self, key: &[u8], value: u64) -> &mut Self {
        let out = self.bytes_key(key);
        write_u64(out, value);
        self
    }

    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        let out = self.key(key);
        out.extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    pub fn u64(&mut self, key: &str, value: u64) -> &mut Self {
        let out = self.key(key);
        write_u64(out, value);
        self
    }

    /// A number with exactly `decimals` digits after the point (`12.500000`, or `3` for 0).
    pub fn fixed(&mut self, key: &str, value: f64, decimals: usize) -> &mut Self {
        let out = self.key(key);
        out.extend_from_slice(format!("{value:.decimals$}").as_bytes());
        self
    }

    /// A number as short as it can be written: whole values without a point (`3`, `0.25`).
    pub fn number(&mut self, key: &str, value: f64) -> &mut Self {
        let out = self.key(key);
        write_f64(out, value);
        self
    }

    /// Already-encoded JSON (an event), copied as it is.
    pub fn raw(&mut self, key: &str, json: &[u8]) -> &mut Self {
        self.key(key).extend_from_slice(json);
        self
    }

    pub fn object(&mut self, key: &str) -> Object<'_> {
        Object::new(self.key(key))
    }

    pub fn array(&mut self, key: &str) -> Array<'_> {
        Array::new(self.key(key))
    }
}

impl Drop for Object<'_> {
    fn drop(&mut self) {
        self.out.push(b'}');
    }
}

/// A JSON array being written: `[` now, `]` when dropped.
pub struct Array<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Array<'o> {
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'[');
        Array { out, empty: true }
    }

    pub fn object(&mut self) -> Object<'_> {
        if !std::mem::replace(&mut self.empty, false) {
            self.out.push(b',');
        }
        Object::new(self.out)
    }
}

impl Drop for Array<'_> {
    fn drop(&mut self) {
        self.out.push(b']');
    }
}

/// `v` as JSON: whole values (below 1e15) without a point, others as Rust prints them
/// (the shortest text that reads back the same). Not-a-number and infinities are `null`.
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        out.extend_from_slice(b"null");
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        out.extend_from_slice(format!("{}", v as i64).as_bytes());
    } else {
        out.extend_from_slice(format!("{v}").as_bytes());
    }
}

/// Digits without leading zeros.
#[inline]
pub fn write_int_text(out: &mut Vec<u8>, digits: &[u8]) {
    out.extend_from_slice(int_text(digits));
}

/// `digits` without leading zeros (`0` when all are zeros): the JSON of an integer's text.
#[inline(always)]
pub fn int_text(digits: &[u8]) -> &[u8] {
    match digits.iter().position(|&d| d != b'0') {
        Some(first) => &digits[first..],
        None => b"0",
    }
}

/// `-1`, `12`, `0.5`, `00.5` → `-1.0`, `12.0`, `0.5`, `0.5`.
#[inline]
pub fn write_decimal_text(out: &mut Vec<u8>, text: &[u8]) {
    let (negative, text) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if negative {
        out.push(b'-');
    }
    match text.iter().position(|&b| b == b'.') {
        Some(dot) => {
            write_int_text(out, &text[..dot]);
            out.extend_from_slice(&text[dot..]);
        }
        None => {
            write_int_text(out, text);
            out.extend_from_slice(b".0");
        }
    }
}

/// Decimal digits of `n`.
#[inline]
pub fn write_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    out.extend_from_slice(u64_digits(n, &mut digits));
}

/// The decimal digits of `n`, written at the end of `buf`: two at a time from a table.
#[inline]
pub fn u64_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut at = buf.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[n as usize * 2..n as usize * 2 + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + n as u8;
    }
    &buf[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_text() {
        let mut out = Vec::new();
        write_decimal_text(&mut out, b"-1");
        out.push(b' ');
        write_decimal_text(&mut out, b"00.5");
        out.push(b' ');
        write_decimal_text(&mut out, b"7");
        out.push(b' ');
        write_int_text(&mut out, b"0080");
        out.push(b' ');
        write_u64(&mut out, 18_446_744_073_709_551_615);
        assert_eq!(out, b"-1.0 0.5 7.0 80 18446744073709551615");
        for n in (0..2000).chain([u64::MAX - 1, 10_000_000_000, 999_999_999_999_999_999]) {
            let mut buf = [0; 20];
            assert_eq!(u64_digits(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn objects_nest_and_close_where_their_scope_ends() {
        let mut out = Vec::new();
        {
            let mut o = Object::new(&mut out);
            o.u64("lines", 3).str("name", b"a\"b\xff");
            {
                let mut inner = o.object("delivery");
                inner.u64("events", 1).fixed("seconds", 0.5, 6);
            }
            let mut list = o.array("groups");
            list.object().number("p50", 0.25);
            list.object().number("p50", 2.0);
        }
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"{"lines":3,"name":"a\"b�","delivery":{"events":1,"seconds":0.500000},"groups":[{"p50":0.25},{"p50":2}]}"#
        );
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back["groups"][1]["p50"], 2);
        let mut empty = Vec::new();
        drop(Object::new(&mut empty));
        assert_eq!(empty, b"{}");
        let mut nan = Vec::new();
        write_f64(&mut nan, f64::NAN);
        assert_eq!(nan, b"null");
    }
}
