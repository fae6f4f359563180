//! Quote-aware tokenizer for load balancer log lines.
//!
//! Fields are separated by one ASCII space. A field that starts with `"` runs to the next `"`
//! that is not backslash-escaped and is followed by a space or the end of the line; a quote
//! followed by anything else is part of the field (formats.md §0.2). Backslash escapes are kept
//! as written: the JSON writer turns `\"` and `\\` into the characters they stand for.

/// One field of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Token<'a> {
    /// The field's bytes, without the surrounding quotes when it was quoted.
    pub bytes: &'a [u8],
    /// True when the field was written in double quotes (its `\"` and `\\` are escapes).
    pub quoted: bool,
    /// Byte offset of the field's first byte in the line, for error messages.
    pub col: usize,
}

impl<'a> Token<'a> {
    /// `None` for AWS's "not applicable" `-`, the token otherwise.
    pub fn present(self) -> Option<Token<'a>> {
        if self.bytes == b"-" {
            None
        } else {
            Some(self)
        }
    }
}

/// A quoted field with no closing quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated {
    /// Byte offset of the opening quote.
    pub col: usize,
}

/// Iterator-like cursor over the fields of a line.
pub struct Tokenizer<'a> {
    line: &'a [u8],
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    pub fn new(line: &'a [u8]) -> Self {
        Tokenizer { line, pos: 0 }
    }

    /// Byte offset of the next field.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The next quote-aware field, `Ok(None)` at the end of the line.
    #[inline]
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, Unterminated> {
        let line = self.line;
        let start = self.pos;
        if self.at_end() {
            return Ok(None);
        }
        if line.get(start) == Some(&b'"') {
            let end = closing_quote(line, start + 1).ok_or(Unterminated { col: start })?;
            self.pos = end + 2;
            return Ok(Some(Token {
                bytes: &line[start + 1..end],
                quoted: true,
                col: start,
            }));
        }
        Ok(Some(self.bare(start)))
    }

    /// The next field split on spaces only (quotes are ordinary bytes), `None` at the end.
    #[inline]
    pub fn next_bare(&mut self) -> Option<Token<'a>> {
        if self.at_end() {
            return None;
        }
        Some(self.bare(self.pos))
    }

    /// Past the last field; a single trailing space does not start another (empty) field.
    #[inline]
    fn at_end(&self) -> bool {
        self.pos > self.line.len() || (self.pos == self.line.len() && self.pos > 0)
    }

    #[inline]
    fn bare(&mut self, start: usize) -> Token<'a> {
        let rest = &self.line[start..];
        let len = find_byte(rest, b' ').unwrap_or(rest.len());
        self.pos = start + len + 1;
        Token {
            bytes: &rest[..len],
            quoted: false,
            col: start,
        }
    }
}

/// Index of the quote that closes a field whose content starts at `from`.
#[inline]
fn closing_quote(line: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let q = at + find_byte(&line[at..], b'"')?;
        let escaped = line[from..q]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count()
            % 2
            == 1;
        if !escaped && (q + 1 == line.len() || line[q + 1] == b' ') {
            return Some(q);
        }
        at = q + 1;
    }
}

/// The first `needle` in `hay`. Fields are short (a few to a few dozen bytes), where an inline
/// 16-byte SSE2 scan beats `memchr`'s per-call dispatch; long ones are still 16 bytes a step.
#[inline(always)]
pub fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut i = 0;
        while let Some(chunk) = hay.get(i..i + 16) {
            let mask = sse2_eq_mask(chunk, needle);
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
        hay[i..].iter().position(|&b| b == needle).map(|p| i + p)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        memchr::memchr(needle, hay)
    }
}

/// Bit `k` set when byte `k` of the 16-byte `chunk` equals `needle`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn sse2_eq_mask(chunk: &[u8], needle: u8) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    assert!(chunk.len() >= 16);
    // SAFETY: SSE2 is part of the x86_64 baseline, so these instructions always exist; the
    // unaligned load reads 16 bytes from `chunk`, which the assert above proves are in bounds.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(needle as i8))) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(line: &str) -> Vec<(String, bool)> {
        let mut t = Tokenizer::new(line.as_bytes());
        let mut out = Vec::new();
        while let Some(tok) = t.next_token().unwrap() {
            out.push((String::from_utf8(tok.bytes.to_vec()).unwrap(), tok.quoted));
        }
        out
    }

    #[test]
    fn splits_bare_and_quoted_fields() {
        assert_eq!(
            all(r#"a "b c" - "-""#),
            vec![
                ("a".into(), false),
                ("b c".into(), true),
                ("-".into(), false),
                ("-".into(), true)
            ]
        );
    }

    #[test]
    fn classic_tcp_request_keeps_its_trailing_space() {
        assert_eq!(all(r#""- - - " x"#)[0], ("- - - ".into(), true));
    }

    #[test]
    fn escaped_quote_does_not_end_a_field() {
        let line = r#""Mozilla \"X\" Gecko" next"#;
        assert_eq!(all(line)[0].0, r#"Mozilla \"X\" Gecko"#);
        assert_eq!(all(line)[1].0, "next");
    }

    #[test]
    fn escaped_backslash_before_closing_quote() {
        assert_eq!(
            all(r#""a\\" b"#),
            vec![(r"a\\".into(), true), ("b".into(), false)]
        );
    }

    #[test]
    fn quote_not_followed_by_space_is_content() {
        assert_eq!(all(r#""a"b c" d"#)[0].0, r#"a"b c"#);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let mut t = Tokenizer::new(br#"a "bc"#);
        assert!(t.next_token().unwrap().is_some());
        assert_eq!(t.next_token(), Err(Unterminated { col: 2 }));
    }

    #[test]
    fn bare_split_keeps_quotes_inside_a_token() {
        let mut t = Tokenizer::new(br#"h2 "h2","http/1.1""#);
        assert_eq!(t.next_bare().unwrap().bytes, b"h2");
        assert_eq!(t.next_bare().unwrap().bytes, br#""h2","http/1.1""#);
        assert!(t.next_bare().is_none());
    }

    #[test]
    fn find_byte_agrees_with_a_scan_at_every_offset() {
        for len in 0..70 {
            for at in 0..=len {
                let mut hay = vec![b'x'; len];
                if at < len {
                    hay[at] = b' ';
                }
                let expected = hay.iter().position(|&b| b == b' ');
                assert_eq!(find_byte(&hay, b' '), expected, "{at} of {len}");
                hay.iter_mut().for_each(|b| *b = b' ');
                assert_eq!(find_byte(&hay, b' '), (len > 0).then_some(0));
            }
        }
    }

    #[test]
    fn trailing_space_is_not_a_field() {
        assert_eq!(all("a b "), vec![("a".into(), false), ("b".into(), false)]);
    }

    #[test]
    fn empty_line_has_one_empty_field() {
        let mut t = Tokenizer::new(b"");
        assert_eq!(t.next_token().unwrap().unwrap().bytes, b"");
        assert!(t.next_token().unwrap().is_none());
    }
}
