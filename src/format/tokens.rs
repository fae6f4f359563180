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

    /// A cursor whose next field starts at `pos` (where [`split_quoted`] stopped).
    pub fn starting_at(line: &'a [u8], pos: usize) -> Self {
        Tokenizer {
            pos,
            ..Tokenizer::new(line)
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

/// Reads the first fields of a quote-aware line into `fields` in one pass: the line's spaces,
/// quotes and backslashes are mapped 64 bytes at a time, each quote is classed as opening (a
/// space or the line's start before it) or closing (a space or the line's end after it), a
/// running parity of the quotes marks the bytes inside quoted fields, and the spaces outside
/// them are the field boundaries. No branch per field beyond taking the next boundary bit.
///
/// Returns how many fields were read and where the next one starts (past the end when the line
/// ran out), or `None` for a line this cannot read with certainty: one with a backslash, a
/// quote that neither opens nor closes a field (or both), or an unterminated quote. The
/// [`Tokenizer`] reads those, by the same rules.
#[inline]
pub fn split_quoted<'a>(line: &'a [u8], fields: &mut [Token<'a>]) -> Option<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, just checked
        return unsafe { split_quoted_avx2(line, fields) };
    }
    split_quoted_with(line, fields, masks64)
}

/// [`split_quoted`] mapping 32 bytes at a time.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn split_quoted_avx2<'a>(
    line: &'a [u8],
    fields: &mut [Token<'a>],
) -> Option<(usize, usize)> {
    // SAFETY: this function runs only where the CPU has AVX2
    split_quoted_with(line, fields, |word| unsafe { avx2_masks64(word) })
}

/// [`split_quoted`] with the given way of mapping 64 bytes (the tests hold the two to each other).
#[inline(always)]
fn split_quoted_with<'a>(
    line: &'a [u8],
    fields: &mut [Token<'a>],
    masks: impl Fn(&[u8]) -> (u64, u64, u64),
) -> Option<(usize, usize)> {
    let len = line.len();
    let words = len.div_ceil(64);
    let mut n = 0;
    let mut start = 0;
    // a space before the line's first byte, for the opening-quote test
    let mut space_before = 1u64;
    // all ones while inside a quoted field at the end of the previous word
    let mut inside_carry = 0u64;
    let mut next = word_masks(line, 0, &masks);
    for w in 0..words {
        let (spaces, quotes, backslashes) = next;
        next = if w + 1 < words {
            word_masks(line, w + 1, &masks)
        } else {
            (0, 0, 0)
        };
        if backslashes != 0 {
            return None;
        }
        let line_end = if w + 1 == words {
            1u64 << ((len - 1) % 64)
        } else {
            0
        };
        let space_after = (spaces >> 1) | (next.0 << 63) | line_end;
        let opening = quotes & ((spaces << 1) | space_before);
        let closing = quotes & space_after;
        let inside = prefix_xor(quotes) ^ inside_carry;
        // every quote opens or closes; an opening one starts a quoted field (the parity is odd
        // from it) and a closing one ends it (even from it), so none can do both
        if opening | closing != quotes || opening & !inside != 0 || closing & inside != 0 {
            return None;
        }
        space_before = spaces >> 63;
        inside_carry = ((inside as i64) >> 63) as u64;
        let mut boundaries = spaces & !inside;
        while boundaries != 0 {
            if n == fields.len() {
                return Some((n, start));
            }
            let end = w * 64 + boundaries.trailing_zeros() as usize;
            fields[n] = field(line, start, end);
            n += 1;
            start = end + 1;
            boundaries &= boundaries - 1;
        }
    }
    if inside_carry != 0 {
        return None;
    }
    // the last field, unless the line ended with a single space (or holds fields enough)
    if start < len.max(1) {
        if n == fields.len() {
            return Some((n, start));
        }
        fields[n] = field(line, start, len);
        n += 1;
        start = len + 1;
    }
    Some((n, start))
}

/// The field `line[start..end]`, quoted when it starts with a quote ([`split_quoted`] has
/// checked that it then also ends with one, a different one).
#[inline(always)]
fn field(line: &[u8], start: usize, end: usize) -> Token<'_> {
    if line.get(start) == Some(&b'"') {
        Token {
            bytes: &line[start + 1..end - 1],
            quoted: true,
            col: start,
        }
    } else {
        Token {
            bytes: &line[start..end],
            quoted: false,
            col: start,
        }
    }
}

/// Bit `k` set in every bit `k` and above of `x` that has an odd number of set bits below
/// and at `k` (the running parity).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The spaces, quotes and backslashes of bytes `64 * w ..` of `line` (up to 64 of them).
#[inline(always)]
fn word_masks(line: &[u8], w: usize, masks: impl Fn(&[u8]) -> (u64, u64, u64)) -> (u64, u64, u64) {
    let base = w * 64;
    match line.get(base..base + 64) {
        Some(word) => masks(word),
        None => {
            // the last, partial word: its missing bytes read as zeros, which are none of the three
            let mut word = [0u8; 64];
            let rest = line.get(base..).unwrap_or_default();
            word[..rest.len()].copy_from_slice(rest);
            masks(&word)
        }
    }
}

/// Spaces, quotes and backslashes among the 64 bytes of `word`.
#[inline(always)]
fn masks64(word: &[u8]) -> (u64, u64, u64) {
    let (mut spaces, mut quotes, mut backslashes) = (0u64, 0u64, 0u64);
    for k in (0..64).step_by(16) {
        let chunk = &word[k..k + 16];
        let (s, q) = space_quote_masks(chunk);
        spaces |= u64::from(s) << k;
        quotes |= u64::from(q) << k;
        backslashes |= u64::from(eq_mask(chunk, b'\\')) << k;
    }
    (spaces, quotes, backslashes)
}

/// [`masks64`] with AVX2: two 32-byte loads.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn avx2_masks64(word: &[u8]) -> (u64, u64, u64) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let word = &word[..64];
    // SAFETY: `word` holds 64 bytes, read as two 32-byte halves
    let (low, high) = unsafe {
        (
            _mm256_loadu_si256(word.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(word.as_ptr().add(32).cast::<__m256i>()),
        )
    };
    let mask = |needle: u8| {
        let bits = |v| _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(needle as i8)));
        u64::from(bits(low) as u32) | u64::from(bits(high) as u32) << 32
    };
    (mask(b' '), mask(b'"'), mask(b'\\'))
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
#[inline(always)]
fn eq_mask(chunk: &[u8], needle: u8) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        sse2_eq_mask(chunk, needle)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut bits = 0;
        for (k, &b) in chunk[..16].iter().enumerate() {
            bits |= u32::from(b == needle) << k;
        }
        bits
    }
}

/// [`eq_mask`] with SSE2.
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

    /// A field as the tests compare it: its column and bytes, or the column of its error.
    type Field = Result<(usize, Vec<u8>), usize>;

    /// Every field, quote-aware and bare, with the error if there is one.
    fn fields_of(mut t: Tokenizer<'_>, quote_aware: bool) -> Vec<Field> {
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
    fn reference_fields(line: &[u8], quote_aware: bool) -> Vec<Field> {
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

    /// Every field as the one-pass split reads them (the tokenizer going on where it stopped
    /// after `max` fields), or `None` when it leaves the line to the tokenizer.
    fn split_fields(line: &[u8], max: usize) -> Option<Vec<Field>> {
        let mut fields = vec![Token::default(); max];
        let split = split_quoted(line, &mut fields);
        // the 16-byte mapping (what CPUs without AVX2 run) reads the same
        let mut sse2 = vec![Token::default(); max];
        assert_eq!(split_quoted_with(line, &mut sse2, masks64), split);
        let (n, pos) = split?;
        assert_eq!(sse2[..n], fields[..n]);
        let mut out: Vec<_> = fields[..n]
            .iter()
            .map(|t| Ok((t.col, t.bytes.to_vec())))
            .collect();
        if n == max {
            out.extend(fields_of(Tokenizer::starting_at(line, pos), true));
        } else {
            assert!(Tokenizer::starting_at(line, pos)
                .next_token()
                .unwrap()
                .is_none());
        }
        Some(out)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// The one-pass split reads the fields the rules give, or leaves the line to the
        /// tokenizer: on lines of bare and quoted fields (spaces, quotes and `-` inside), with
        /// stray quotes and backslashes, across word boundaries, stopping after any count.
        #[test]
        fn one_pass_split_matches_the_rules(
            parts in proptest::collection::vec(proptest::prop_oneof![
                4 => "[a-z0-9:./-]{0,12}",
                4 => "\"[a-z0-9 :/?=\"-]{0,40}\"",
                2 => "[a-z]{0,2}\"[a-z ]{0,3}\"?[a-z]{0,2}",
                1 => "[a \"\\\\x]{0,6}",
            ], 0..16),
            trailing_space in proptest::bool::ANY,
            max in 0usize..45,
        ) {
            let mut line = parts.join(" ").into_bytes();
            if trailing_space {
                line.push(b' ');
            }
            if let Some(fields) = split_fields(&line, max) {
                proptest::prop_assert_eq!(fields, reference_fields(&line, true));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The same on short runs of letters, spaces and quotes placed anywhere in a word: every
        /// way a quote can sit beside a space or not, which the split must class right or leave.
        #[test]
        fn one_pass_split_matches_the_rules_on_stray_quotes(
            offset in 0usize..70,
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b' ', b'"']), 0..24),
            max in 0usize..12,
        ) {
            // a field ending anywhere in the first word, then the bytes from a field's start
            let mut line = b"x".repeat(offset);
            line.push(b' ');
            line.extend_from_slice(&bytes);
            if let Some(fields) = split_fields(&line, max) {
                proptest::prop_assert_eq!(fields, reference_fields(&line, true));
            }
        }
    }

    #[test]
    fn one_pass_split_reads_a_real_alb_line_and_leaves_escapes_to_the_tokenizer() {
        let line = br#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;
        let fields = split_fields(line, 33).expect("a plain ALB line takes the one pass");
        assert_eq!(fields, reference_fields(line, true));
        assert_eq!(fields.len(), 29);
        assert_eq!(
            fields[12],
            Ok((134, b"GET https://www.example.com:443/ HTTP/1.1".to_vec()))
        );
        // a quoted field closing on the last byte of a 64-byte word, the space in the next
        let mut line = b"x ".repeat(30);
        line.extend_from_slice(b"\"ab\" c");
        assert_eq!(line[63], b'"');
        let fields = split_fields(&line, 40).expect("no escapes, every quote opens or closes");
        assert_eq!(fields, reference_fields(&line, true));
        assert_eq!(split_fields(br#"a "b \"c\" d" e"#, 5), None);
        assert_eq!(split_fields(br#"a "b"#, 5), None);
        assert_eq!(split_fields(br#"a "b "c" d"#, 5), None);
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
