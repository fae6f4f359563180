//! Quote-aware tokenizer for load balancer log lines.
//!
//! Fields are separated by one ASCII space. A field that starts with `"` runs to the next `"`
//! that is not backslash-escaped and is followed by a space or the end of the line; a quote
//! followed by anything else is part of the field (formats.md §0.2). Backslash escapes are kept
//! as written: the JSON writer turns `\"` and `\\` into the characters they stand for.
//!
//! The line is read once, 64 bytes at a time, into bitmaps of its spaces and quotes (SSE2
//! compares); each field's end is then a bit search, not a byte scan.

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
    /// Which 64-byte word of the line `spaces` and `quotes` describe (`usize::MAX`: none yet).
    /// Searches only move forward, so one word at a time is enough.
    word: usize,
    /// Bit `k` set when byte `64 * word + k` is a space.
    spaces: u64,
    /// Bit `k` set when byte `64 * word + k` is a double quote.
    quotes: u64,
}

/// Which bitmap a search reads.
#[derive(Clone, Copy)]
enum Byte {
    Space,
    Quote,
}

impl<'a> Tokenizer<'a> {
    pub fn new(line: &'a [u8]) -> Self {
        Tokenizer {
            line,
            pos: 0,
            word: usize::MAX,
            spaces: 0,
            quotes: 0,
        }
    }

    /// Byte offset of the next field.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The next quote-aware field, `Ok(None)` at the end of the line.
    #[inline(always)]
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, Unterminated> {
        let line = self.line;
        let start = self.pos;
        if self.at_end() {
            return Ok(None);
        }
        if line.get(start) == Some(&b'"') {
            let end = self
                .closing_quote(start + 1)
                .ok_or(Unterminated { col: start })?;
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
    #[inline(always)]
    pub fn next_bare(&mut self) -> Option<Token<'a>> {
        if self.at_end() {
            return None;
        }
        Some(self.bare(self.pos))
    }

    /// Past the last field; a single trailing space does not start another (empty) field.
    #[inline(always)]
    fn at_end(&self) -> bool {
        // `pos > len`, or `pos == len` on a non-empty line, in one comparison
        self.pos >= self.line.len().max(1)
    }

    #[inline(always)]
    fn bare(&mut self, start: usize) -> Token<'a> {
        let line = self.line;
        let end = self.find(Byte::Space, start).unwrap_or(line.len());
        self.pos = end + 1;
        Token {
            bytes: &line[start..end],
            quoted: false,
            col: start,
        }
    }

    /// Index of the quote that closes a field whose content starts at `from`: the first one
    /// followed by a space or the end of the line and not backslash-escaped.
    #[inline(always)]
    fn closing_quote(&mut self, from: usize) -> Option<usize> {
        let line = self.line;
        let mut at = from;
        loop {
            let q = self.find(Byte::Quote, at)?;
            if line.get(q + 1).is_none_or(|&b| b == b' ') && !is_escaped(line, from, q) {
                return Some(q);
            }
            at = q + 1;
        }
    }

    /// The first `byte` at or after `from` (which must not be before an earlier search's).
    #[inline(always)]
    fn find(&mut self, byte: Byte, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut shift = from % 64;
        loop {
            if w * 64 >= self.line.len() {
                return None;
            }
            if w != self.word {
                debug_assert!(
                    self.word == usize::MAX || w > self.word,
                    "searches go forward"
                );
                self.load_word(w);
            }
            let bits = match byte {
                Byte::Space => self.spaces,
                Byte::Quote => self.quotes,
            } & (u64::MAX << shift);
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            w += 1;
            shift = 0;
        }
    }

    /// Fills the bitmaps for the 64 bytes of the line from `64 * w`.
    #[inline]
    fn load_word(&mut self, w: usize) {
        let line = self.line;
        let base = w * 64;
        let (mut spaces, mut quotes) = (0u64, 0u64);
        let mut k = 0;
        while k < 64 && base + k + 16 <= line.len() {
            let (s, q) = space_quote_masks(&line[base + k..base + k + 16]);
            spaces |= u64::from(s) << k;
            quotes |= u64::from(q) << k;
            k += 16;
        }
        let rest = line.len().saturating_sub(base + k).min(64 - k);
        if k < 64 && rest > 0 {
            if line.len() >= 16 {
                // the last 16 bytes, overlapping bytes already mapped: shift those out
                let (s, q) = space_quote_masks(&line[line.len() - 16..]);
                spaces |= u64::from(s >> (16 - rest)) << k;
                quotes |= u64::from(q >> (16 - rest)) << k;
            } else {
                for (i, &b) in line[base + k..].iter().enumerate() {
                    spaces |= u64::from(b == b' ') << (k + i);
                    quotes |= u64::from(b == b'"') << (k + i);
                }
            }
        }
        self.word = w;
        self.spaces = spaces;
        self.quotes = quotes;
    }
}

/// True when the quote at `q` is escaped: an odd run of backslashes (after `from`) precedes it.
#[inline(always)]
fn is_escaped(line: &[u8], from: usize, q: usize) -> bool {
    q > from
        && line[q - 1] == b'\\'
        && line[from..q]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count()
            % 2
            == 1
}

/// Bits for the spaces and for the quotes among the 16 bytes of `chunk`.
#[inline(always)]
fn space_quote_masks(chunk: &[u8]) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    {
        (sse2_eq_mask(chunk, b' '), sse2_eq_mask(chunk, b'"'))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut spaces = 0;
        let mut quotes = 0;
        for (k, &b) in chunk[..16].iter().enumerate() {
            spaces |= u32::from(b == b' ') << k;
            quotes |= u32::from(b == b'"') << k;
        }
        (spaces, quotes)
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

    /// Every field, quote-aware and bare, with the error if there is one.
    fn fields_of(mut t: Tokenizer<'_>, quote_aware: bool) -> Vec<Result<(usize, Vec<u8>), usize>> {
        let mut out = Vec::new();
        loop {
            let tok = if quote_aware {
                t.next_token().map_err(|e| e.col)
            } else {
                Ok(t.next_bare())
            };
            match tok {
                Ok(Some(tok)) => out.push(Ok((tok.col, tok.bytes.to_vec()))),
                Ok(None) => return out,
                Err(col) => {
                    out.push(Err(col));
                    return out;
                }
            }
        }
    }

    proptest::proptest! {
        /// The bitmaps give the same fields as a byte-by-byte reading of the rules, on lines
        /// made of the bytes that matter (spaces, quotes, backslashes) across word boundaries.
        #[test]
        fn bitmap_fields_match_the_rules(
            line in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b' ', b'"', b'\\', b'x']), 0..400),
        ) {
            for quote_aware in [true, false] {
                proptest::prop_assert_eq!(
                    fields_of(Tokenizer::new(&line), quote_aware),
                    reference_fields(&line, quote_aware)
                );
            }
        }
    }

    /// The rules of the module doc, a byte at a time: the reference for the bitmaps.
    fn reference_fields(line: &[u8], quote_aware: bool) -> Vec<Result<(usize, Vec<u8>), usize>> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < line.len() || (pos == 0 && line.is_empty() && out.is_empty()) {
            if quote_aware && line.get(pos) == Some(&b'"') {
                let mut q = pos + 1;
                let closed = loop {
                    if q >= line.len() {
                        break None;
                    }
                    let backslashes = line[pos + 1..q].iter().rev().take_while(|&&b| b == b'\\');
                    if line[q] == b'"'
                        && backslashes.count() % 2 == 0
                        && (q + 1 == line.len() || line[q + 1] == b' ')
                    {
                        break Some(q);
                    }
                    q += 1;
                };
                let Some(q) = closed else {
                    out.push(Err(pos));
                    return out;
                };
                out.push(Ok((pos, line[pos + 1..q].to_vec())));
                pos = q + 2;
            } else {
                let end = line[pos..]
                    .iter()
                    .position(|&b| b == b' ')
                    .map_or(line.len(), |p| pos + p);
                out.push(Ok((pos, line[pos..end].to_vec())));
                pos = end + 1;
            }
        }
        out
    }

    #[test]
    fn long_lines_span_many_words() {
        let mut line = b"a \"b c\" ".repeat(300);
        line.extend_from_slice(b"\"unterminated");
        let fields = fields_of(Tokenizer::new(&line), true);
        assert_eq!(fields.len(), 601);
        assert_eq!(fields[1], Ok((2, b"b c".to_vec())));
        assert_eq!(fields[600], Err(line.len() - 13));
        assert_eq!(fields, reference_fields(&line, true));
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
