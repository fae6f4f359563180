//! A write-only JSON event writer over a byte buffer.
//!
//! `open("tls")` writes `"tls":{` at once and `close()` takes it back if nothing went in, so
//! mappings can open an object and fill it conditionally without empty `{}`s. Static fields
//! (from `--add-field` and the input's name) are merged into the objects the mapping opens, and
//! written whole where it does not, so dotted keys nest without duplicate keys. A field parsed
//! from the line wins over a static field of the same path.
//!
//! Strings are escaped with a fast scan (most fields need no escaping): each field reserves its
//! worst case once and is written through a raw pointer, whole chunks at a time. Bytes that are
//! not UTF-8 become U+FFFD exactly as `String::from_utf8_lossy` would, so every event is valid
//! JSON.

use super::statics::{StaticFields, NO_NODE, ROOT};
use crate::format::tokens::Token;
use crate::format::values::{Decimal, Int};
use crate::format::Extra;

const MAX_DEPTH: usize = 8;

/// An object being written.
#[derive(Clone, Copy)]
struct Frame {
    /// Static-field node at this path, or `NO_NODE`.
    node: u32,
    /// Where the object's `,"key":{` starts: an object left empty is cut back to here.
    start: usize,
    /// Where its body starts (just after the `{`).
    body: usize,
}

const EMPTY_FRAME: Frame = Frame {
    node: NO_NODE,
    start: 0,
    body: 0,
};

/// Writes events, one JSON object per line, into `out`.
pub struct EventWriter<'w> {
    out: &'w mut Vec<u8>,
    statics: &'w StaticFields,
    frames: [Frame; MAX_DEPTH],
    depth: usize,
    /// The static-field node of the innermost open object (`frames[depth - 1].node`), kept
    /// apart because every field reads it.
    node: u32,
    /// Static nodes already written (or overridden) in this event.
    visited: Vec<bool>,
}

impl<'w> EventWriter<'w> {
    pub fn new(out: &'w mut Vec<u8>, statics: &'w StaticFields) -> Self {
        EventWriter {
            out,
            statics,
            frames: [EMPTY_FRAME; MAX_DEPTH],
            depth: 0,
            node: NO_NODE,
            visited: vec![false; statics.len()],
        }
    }

    /// The buffer being written.
    pub fn out(&mut self) -> &mut Vec<u8> {
        self.out
    }

    /// Starts an event.
    pub fn begin(&mut self) {
        let start = self.out.len();
        self.out.push(b'{');
        self.frames[0] = Frame {
            node: ROOT,
            start,
            body: start + 1,
        };
        self.depth = 1;
        self.node = ROOT;
        if !self.statics.is_empty() {
            self.visited.fill(false);
        }
    }

    /// Ends the event (closing what is still open) and writes the newline.
    pub fn end(&mut self) {
        while self.depth > 0 {
            self.close();
        }
        self.out.push(b'\n');
    }

    /// Opens object `key` inside the current object. Its `"key":{` is written now and taken
    /// back at [`close`](Self::close) if nothing went in it, so mappings can open an object
    /// and fill it conditionally without leaving `{}`s.
    #[inline(always)]
    pub fn open(&mut self, key: &'static str) {
        debug_assert!(self.depth < MAX_DEPTH, "objects nested too deep");
        let node = self.static_child(key);
        let start = self.out.len();
        self.raw_key(key.as_bytes(), false, b"{", 0);
        self.frames[self.depth] = Frame {
            node,
            start,
            body: self.out.len(),
        };
        self.depth += 1;
        self.node = node;
    }

    /// Writes object `key` holding what `write` writes, which must be at least one field (so
    /// callers check that the value is there first). Without static fields under `key` it needs
    /// no frame: `"key":{`, the fields, `}`.
    #[inline(always)]
    pub fn object(&mut self, key: &'static str, write: impl FnOnce(&mut Self)) {
        if self.static_child(key) != NO_NODE {
            self.open(key);
            write(self);
            self.close();
            return;
        }
        self.raw_key(key.as_bytes(), false, b"{", 0);
        let (node, len) = (self.node, self.out.len());
        self.node = NO_NODE;
        write(self);
        debug_assert!(self.out.len() > len, "object {key} left empty");
        self.node = node;
        self.out.push(b'}');
    }

    /// Closes the current object, merging in the static fields it has not written.
    #[inline(always)]
    pub fn close(&mut self) {
        let frame = self.frames[self.depth - 1];
        if frame.node != NO_NODE {
            self.merge_statics(frame.node);
        }
        if self.out.len() == frame.body && self.depth > 1 {
            self.out.truncate(frame.start);
        } else {
            self.out.push(b'}');
        }
        self.depth -= 1;
        self.node = match self.depth {
            0 => NO_NODE,
            d => self.frames[d - 1].node,
        };
    }

    /// Writes the static fields under `node` that the event has not written itself.
    #[cold]
    fn merge_statics(&mut self, node: u32) {
        let statics = self.statics;
        for &child in statics.children(node) {
            if !self.visited[child as usize] {
                let child = statics.node(child);
                self.raw_key(&child.key_json, true, &child.rendered, 0);
            }
        }
        self.visited[node as usize] = true;
    }

    #[inline]
    fn static_child(&self, key: &str) -> u32 {
        if self.node == NO_NODE {
            NO_NODE
        } else {
            self.statics.child(self.node, key)
        }
    }

    /// Writes `"key":` then `value_start`, with a comma first unless the object is empty so far
    /// (the last byte written is then its `{`). The mapping's keys are `&'static str`s that
    /// need no escaping and are quoted here; static fields' keys come `quoted` and escaped
    /// (they are the user's).
    /// Reserves `value_room` more bytes for the caller to write the value into.
    #[inline(always)]
    fn raw_key(&mut self, key: &[u8], quoted: bool, value_start: &[u8], value_room: usize) {
        let room = key.len() + value_start.len() + 4 + value_room;
        self.out.reserve(room);
        // SAFETY: `room` bytes were just reserved and fewer are written below; the byte before
        // `at` is read only when the buffer holds one.
        unsafe {
            let len = self.out.len();
            let at = self.out.as_mut_ptr().add(len);
            let mut d = 0;
            if len > 0 && *at.sub(1) != b'{' {
                *at = b',';
                d = 1;
            }
            if !quoted {
                *at.add(d) = b'"';
                d += 1;
            }
            put(at.add(d), key);
            d += key.len();
            if !quoted {
                *at.add(d) = b'"';
                d += 1;
            }
            *at.add(d) = b':';
            d += 1;
            put(at.add(d), value_start);
            d += value_start.len();
            self.out.set_len(len + d);
        }
    }

    /// Starts field `key` in the current object.
    #[inline(always)]
    pub fn key(&mut self, key: &'static str) {
        self.mark_static(key);
        self.raw_key(key.as_bytes(), false, b"", 0);
    }

    /// Records that the event writes `key` itself, so a static field there is not merged.
    #[inline(always)]
    fn mark_static(&mut self, key: &'static str) {
        let child = self.static_child(key);
        if child != NO_NODE {
            self.visited[child as usize] = true;
        }
    }

    /// A string field from the log (bytes as logged, JSON-escaped).
    #[inline(always)]
    pub fn str(&mut self, key: &'static str, value: &[u8]) {
        self.string_field(key, value, false);
    }

    /// A string field from a log token: a quoted token's `\"` and `\\` are AWS escapes.
    #[inline(always)]
    pub fn token(&mut self, key: &'static str, value: Token<'_>) {
        self.string_field(key, value.bytes, value.quoted);
    }

    /// `"key":"value"` with one reservation for all of it.
    #[inline(always)]
    fn string_field(&mut self, key: &'static str, value: &[u8], aws_escaped: bool) {
        self.mark_static(key);
        let room = value.len() * MAX_ESCAPED_LEN + SPILL + 1;
        self.raw_key(key.as_bytes(), false, b"\"", room);
        // SAFETY: `raw_key` reserved room for the escaped value, the copier's spill and the
        // closing quote; `escape_into` initialises every byte it reports as written.
        unsafe {
            let len = self.out.len();
            let at = self.out.as_mut_ptr().add(len);
            let written = escape_short_clean_inline(value, aws_escaped, at);
            *at.add(written) = b'"';
            self.out.set_len(len + written + 1);
        }
    }

    /// Optional string token.
    #[inline(always)]
    pub fn opt_token(&mut self, key: &'static str, value: Option<Token<'_>>) {
        if let Some(v) = value {
            self.token(key, v);
        }
    }

    /// Optional string.
    #[inline(always)]
    pub fn opt_str(&mut self, key: &'static str, value: Option<&[u8]>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// A string known to need no escaping.
    #[inline(always)]
    pub fn plain(&mut self, key: &'static str, value: &str) {
        self.key(key);
        self.out.push(b'"');
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'"');
    }

    /// A string made of two pieces (`?` + query, NLB time + `Z`).
    #[inline(always)]
    pub fn str_concat(&mut self, key: &'static str, first: &[u8], second: &[u8]) {
        self.key(key);
        self.out.push(b'"');
        write_str_body(self.out, first, false);
        write_str_body(self.out, second, false);
        self.out.push(b'"');
    }

    /// A validated integer, written from its text.
    #[inline(always)]
    pub fn int(&mut self, key: &'static str, value: Int<'_>) {
        self.key(key);
        write_int_text(self.out, value.0);
    }

    #[inline(always)]
    pub fn opt_int(&mut self, key: &'static str, value: Option<Int<'_>>) {
        if let Some(v) = value {
            self.int(key, v);
        }
    }

    /// A validated decimal, written from its text as a JSON float (`2` → `2.0`, `-1` → `-1.0`).
    #[inline(always)]
    pub fn decimal(&mut self, key: &'static str, value: Decimal<'_>) {
        self.key(key);
        write_decimal_text(self.out, value.0);
    }

    /// A validated decimal written as it is (an integer stays an integer).
    #[inline(always)]
    pub fn number(&mut self, key: &'static str, value: Decimal<'_>) {
        self.key(key);
        match value.0.iter().position(|&b| b == b'.') {
            Some(_) => write_decimal_text(self.out, value.0),
            None => write_int_text(self.out, value.0),
        }
    }

    #[inline(always)]
    pub fn u64(&mut self, key: &'static str, value: u64) {
        self.key(key);
        write_u64(self.out, value);
    }

    /// A JSON value written verbatim (it must already be valid JSON).
    #[inline(always)]
    pub fn raw(&mut self, key: &'static str, json: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(json);
    }

    /// An array of strings: the pieces of `list` split on `sep`.
    #[inline(always)]
    pub fn split_list(&mut self, key: &'static str, list: Token<'_>, sep: u8) {
        self.key(key);
        self.out.push(b'[');
        for (i, item) in list.bytes.split(|&b| b == sep).enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_str(self.out, item, list.quoted);
        }
        self.out.push(b']');
    }

    /// An array of strings split from an optional list token.
    #[inline]
    pub fn opt_split_list(&mut self, key: &'static str, list: Option<Token<'_>>, sep: u8) {
        if let Some(list) = list {
            self.split_list(key, list, sep);
        }
    }

    /// The unknown trailing fields of a line, as an array of strings, if there are any.
    pub fn extra_fields(&mut self, key: &'static str, extra: &Extra<'_>) {
        if !extra.is_empty() {
            self.token_list(key, extra.iter());
        }
    }

    /// An array of strings from tokens.
    pub fn token_list<'t>(&mut self, key: &'static str, items: impl Iterator<Item = Token<'t>>) {
        self.key(key);
        self.out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_str(self.out, item.bytes, item.quoted);
        }
        self.out.push(b']');
    }
}

/// What to do with each byte when escaping: 0 copy, 1 escape (`"`, `\`, control), 2 non-ASCII.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i < 0x20 || i == b'"' as usize || i == b'\\' as usize {
            1
        } else if i >= 0x80 {
            2
        } else {
            0
        };
        i += 1;
    }
    t
};

/// A mask with the high bit set in each byte of `w` that is `"`, `\`, a control byte or
/// non-ASCII. Its lowest set bit marks exactly the first such byte (a false positive can only
/// appear above a true one: borrows run upward).
#[inline(always)]
fn care_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = zero_byte(w ^ (ONES * b'"' as u64));
    let backslash = zero_byte(w ^ (ONES * b'\\' as u64));
    control | quote | backslash | (w & HIGH)
}

/// The offset of the first byte at or after `i` that needs care, or `s.len()` (the scan the
/// escaper does, without the copying; the tests check it against the byte table).
#[cfg(test)]
fn skip_clean(s: &[u8], i: usize) -> usize {
    let mut scratch = vec![0u8; s.len() + SPILL];
    // SAFETY: `scratch` has room for `s.len() - i` bytes plus the spill.
    i + unsafe { copy_clean(s, i, scratch.as_mut_ptr()) }
}

/// Bit `k` set when byte `k` of the 16 bytes at `src` is `"`, `\`, a control byte or
/// non-ASCII; the bytes are also stored at `dst`.
///
/// # Safety
/// `src` must be readable and `dst` writable for 16 bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn sse2_copy_and_mask(src: *const u8, dst: *mut u8) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_storeu_si128,
    };
    // SSE2 is part of the x86_64 baseline, so these instructions always exist; the caller
    // vouches for the 16 bytes at each end.
    let v = _mm_loadu_si128(src.cast::<__m128i>());
    _mm_storeu_si128(dst.cast::<__m128i>(), v);
    let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
    let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
    // unsigned v <= 0x1f  <=>  min(v, 0x1f) == v
    let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
    // the high bit of v itself flags non-ASCII bytes
    let any = _mm_or_si128(_mm_or_si128(quote, backslash), _mm_or_si128(control, v));
    _mm_movemask_epi8(any) as u32
}

/// Output bytes one input byte can become at most: a control byte is written `\u00XX`
/// (a UTF-8 sequence is copied, and U+FFFD replaces at least one byte with three).
const MAX_ESCAPED_LEN: usize = 6;

/// Bytes the clean-run copier may write past what it keeps: it stores whole chunks and keeps
/// only the part before the first byte that needs care.
const SPILL: usize = 16;

/// Writes `s` as a JSON string (with quotes). When `aws_escaped`, `\"` and `\\` in `s` are
/// AWS's escapes for `"` and `\`, which are already the JSON escapes, and are copied as is.
#[inline]
pub fn write_str(out: &mut Vec<u8>, s: &[u8], aws_escaped: bool) {
    out.push(b'"');
    write_str_body(out, s, aws_escaped);
    out.push(b'"');
}

/// [`write_str`] without the surrounding quotes.
///
/// Reserves the worst case once, then writes through a raw pointer: clean runs are copied a
/// whole chunk at a time (stores past the first special byte are overwritten by what follows),
/// so a field costs one capacity check rather than one per piece.
#[inline]
pub fn write_str_body(out: &mut Vec<u8>, s: &[u8], aws_escaped: bool) {
    out.reserve(s.len() * MAX_ESCAPED_LEN + SPILL);
    // SAFETY: every input byte becomes at most MAX_ESCAPED_LEN output bytes, and the copier
    // writes at most SPILL bytes past what it keeps, so all writes stay inside the capacity
    // reserved above; `escape_into` initialises every byte it reports as written.
    unsafe {
        let len = out.len();
        let written = escape_short_clean_inline(s, aws_escaped, out.as_mut_ptr().add(len));
        out.set_len(len + written);
    }
}

/// [`escape_into`], with the common case done inline: a string of 4 to 32 bytes with nothing
/// to escape (an address, a timestamp, a name) is checked and copied with two overlapping
/// loads and stores, and no call.
///
/// # Safety
/// As for [`escape_into`].
#[inline(always)]
unsafe fn escape_short_clean_inline(s: &[u8], aws_escaped: bool, dst: *mut u8) -> usize {
    let n = s.len();
    let src = s.as_ptr();
    #[cfg(target_arch = "x86_64")]
    if (16..=32).contains(&n) {
        let head = sse2_copy_and_mask(src, dst);
        let tail = sse2_copy_and_mask(src.add(n - 16), dst.add(n - 16));
        if head | tail == 0 {
            return n;
        }
        return escape_into(s, aws_escaped, dst);
    }
    if (8..16).contains(&n) {
        let head = src.cast::<u64>().read_unaligned();
        let tail = src.add(n - 8).cast::<u64>().read_unaligned();
        if care_mask(u64::from_le(head)) | care_mask(u64::from_le(tail)) == 0 {
            dst.cast::<u64>().write_unaligned(head);
            dst.add(n - 8).cast::<u64>().write_unaligned(tail);
            return n;
        }
    }
    escape_into(s, aws_escaped, dst)
}

/// Escapes `s` to `dst`; returns the number of bytes written.
///
/// # Safety
/// `dst` must be writable for `s.len() * MAX_ESCAPED_LEN + SPILL` bytes.
unsafe fn escape_into(s: &[u8], aws_escaped: bool, dst: *mut u8) -> usize {
    let mut i = 0;
    let mut d = 0;
    loop {
        'clean_run: {
            // whole chunks, escaping plain quotes (a request line is full of them) without
            // leaving the loop; anything else stops the run
            #[cfg(target_arch = "x86_64")]
            while i + 16 <= s.len() {
                let mask = sse2_copy_and_mask(s.as_ptr().add(i), dst.add(d));
                if mask == 0 {
                    i += 16;
                    d += 16;
                    continue;
                }
                let clean = mask.trailing_zeros() as usize;
                if s[i + clean] == b'"' {
                    put(dst.add(d + clean), b"\\\"");
                    i += clean + 1;
                    d += clean + 2;
                    continue;
                }
                i += clean;
                d += clean;
                break 'clean_run;
            }
            let clean = copy_clean(s, i, dst.add(d));
            i += clean;
            d += clean;
        }
        let Some(&b) = s.get(i) else {
            return d;
        };
        if CLASS[b as usize] == 1 {
            if b == b'\\' && aws_escaped && matches!(s.get(i + 1), Some(b'"' | b'\\')) {
                put(dst.add(d), &[b'\\', s[i + 1]]);
                i += 2;
                d += 2;
            } else if b == b'"' || b == b'\\' {
                // the common case (a request line is full of quotes): no call
                put(dst.add(d), &[b'\\', b]);
                i += 1;
                d += 2;
            } else {
                let escape = control_escape(b);
                put(dst.add(d), escape.as_bytes());
                i += 1;
                d += escape.len();
            }
            continue;
        }
        // one non-ASCII character: a UTF-8 sequence is at most 4 bytes long
        let window = &s[i..(i + 4).min(s.len())];
        let chunk = window.utf8_chunks().next();
        match chunk.as_ref().and_then(|c| c.valid().chars().next()) {
            Some(c) => {
                put(dst.add(d), &s[i..i + c.len_utf8()]);
                i += c.len_utf8();
                d += c.len_utf8();
            }
            None => {
                put(dst.add(d), "\u{FFFD}".as_bytes());
                i += chunk.map_or(1, |c| c.invalid().len().max(1));
                d += "\u{FFFD}".len();
            }
        }
    }
}

/// Copies `bytes` to `dst`.
///
/// # Safety
/// `dst` must be writable for `bytes.len()` bytes and not overlap `bytes`.
#[inline(always)]
unsafe fn put(dst: *mut u8, bytes: &[u8]) {
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
}

/// Copies `s[i..]` to `dst` up to the first byte that needs escaping or UTF-8 checking, and
/// returns how many bytes that is. Bytes after those may be written too (up to SPILL).
///
/// 8 bytes a step: on x86_64 [`escape_into`]'s 16-byte loop has taken every whole chunk, so
/// this only sees the last 15 bytes or fewer.
///
/// # Safety
/// `dst` must be writable for `s.len() - i + SPILL` bytes.
#[inline(always)]
unsafe fn copy_clean(s: &[u8], mut i: usize, dst: *mut u8) -> usize {
    let from = i;
    let src = s.as_ptr();
    while i + 8 <= s.len() {
        let word = src.add(i).cast::<u64>().read_unaligned();
        dst.add(i - from).cast::<u64>().write_unaligned(word);
        let mask = care_mask(u64::from_le(word));
        if mask != 0 {
            return i - from + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = s.len() - i;
    if rest >= 4 {
        // two overlapping 4-byte pieces cover the 4 to 7 bytes left
        let head = src.add(i).cast::<u32>().read_unaligned();
        let tail = src.add(s.len() - 4).cast::<u32>().read_unaligned();
        dst.add(i - from).cast::<u32>().write_unaligned(head);
        dst.add(i - from + rest - 4)
            .cast::<u32>()
            .write_unaligned(tail);
        let word = u64::from(u32::from_le(head)) | u64::from(u32::from_le(tail)) << 32;
        let mask = care_mask(word);
        let clean = match (mask.trailing_zeros() / 8) as usize {
            8 => rest,
            k if k < 4 => k,
            k => k + rest - 8,
        };
        return i - from + clean;
    }
    while i < s.len() && CLASS[s[i] as usize] == 0 {
        *dst.add(i - from) = s[i];
        i += 1;
    }
    i - from
}

/// The JSON escape of a control byte.
#[cold]
fn control_escape(b: u8) -> &'static str {
    const ESCAPES: [&str; 32] = [
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\u0008", "\\t", "\\n", "\\u000b", "\\u000c", "\\r", "\\u000e", "\\u000f", "\\u0010",
        "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018",
        "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    ];
    ESCAPES[b as usize]
}

/// Digits without leading zeros.
#[inline]
fn write_int_text(out: &mut Vec<u8>, digits: &[u8]) {
    let zeros = digits.iter().take_while(|&&d| d == b'0').count();
    if zeros == digits.len() {
        out.push(b'0');
    } else {
        out.extend_from_slice(&digits[zeros..]);
    }
}

/// `-1`, `12`, `0.5`, `00.5` → `-1.0`, `12.0`, `0.5`, `0.5`.
#[inline]
fn write_decimal_text(out: &mut Vec<u8>, text: &[u8]) {
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
pub fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &[u8], aws: bool) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s, aws);
        String::from_utf8(out).unwrap()
    }

    fn round_trip(s: &[u8]) {
        let json = escaped(s, false);
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, String::from_utf8_lossy(s), "{json}");
    }

    #[test]
    fn plain_ascii_is_copied() {
        assert_eq!(
            escaped(b"curl/7.46.0 long enough for words", false),
            "\"curl/7.46.0 long enough for words\""
        );
    }

    #[test]
    fn specials_are_escaped() {
        assert_eq!(
            escaped(b"a\"b\\c\nd\x01e\tf", false),
            r#""a\"b\\c\nd\u0001e\tf""#
        );
        round_trip(b"GET \"quoted\" \\ path\x7f\x1f end of a longer string");
    }

    #[test]
    fn aws_escapes_pass_through_as_json_escapes() {
        let s = br#"Mozilla \"X\" back\\slash lone\z"#;
        let json = escaped(s, true);
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r#"Mozilla "X" back\slash lone\z"#);
    }

    #[test]
    fn invalid_utf8_is_replaced_like_from_utf8_lossy() {
        for s in [
            &b"caf\xc3\xa9 au lait"[..],
            b"\xff\xfe plain",
            b"abc\xe6\x97\xa5\xe6\x9c\xac\"x\"",
            b"trunc\xe6\x97",
            b"\xc3\xa9\xff\xc3\xa9 and \"q\"",
            b"\xf0\x9f\x98\x80\xf0\x9f",
            b"\xed\xa0\x80 surrogate",
            b"12345678\x80abcdefgh\xc3",
        ] {
            round_trip(s);
        }
    }

    /// The vector scans agree with the byte table at every offset, for every kind of byte.
    #[test]
    fn skip_clean_finds_the_first_special_byte_at_every_offset() {
        for special in [b'"', b'\\', 0u8, 0x1f, 0x7f, 0x80, 0xc3, 0xff, b'\n'] {
            for len in 0..48 {
                for at in 0..=len {
                    let mut s = vec![b'a'; len];
                    if at < len {
                        s[at] = special;
                    }
                    let expected = s
                        .iter()
                        .position(|&b| CLASS[b as usize] != 0)
                        .unwrap_or(len);
                    assert_eq!(
                        skip_clean(&s, 0),
                        expected,
                        "byte {special:#x} at {at} of {len}"
                    );
                    if at > 0 {
                        assert_eq!(skip_clean(&s, at - 1), expected.max(at - 1));
                    }
                }
            }
        }
    }

    /// Every special byte at every position of strings up to 40 bytes: same as serde_json.
    #[test]
    fn escaping_matches_a_reference_at_every_position() {
        let specials: [&[u8]; 9] = [
            b"\"",
            b"\\",
            b"\n",
            b"\x01",
            b"\x7f",
            "é".as_bytes(),
            "日".as_bytes(),
            b"\xff",
            b"\xe6\x97",
        ];
        for special in specials {
            for len in 0..40 {
                for at in 0..=len {
                    let mut s: Vec<u8> = (0..len).map(|k| b'a' + (k % 26) as u8).collect();
                    s.splice(at..at, special.iter().copied());
                    let expected = serde_json::to_string(&String::from_utf8_lossy(&s)).unwrap();
                    let got = escaped(&s, false);
                    let back: String = serde_json::from_str(&got).unwrap();
                    assert_eq!(back, String::from_utf8_lossy(&s), "{got} vs {expected}");
                }
            }
        }
    }

    /// Two special bytes at every pair of positions: the scan restarts after an escape, so
    /// the tail check (which looks back over bytes already copied) runs from every offset.
    #[test]
    fn escaping_two_specials_at_every_pair_of_positions() {
        for len in 0..36 {
            for first in 0..len {
                for second in first + 1..len {
                    let mut s: Vec<u8> = (0..len).map(|k| b'a' + (k % 26) as u8).collect();
                    s[first] = b'"';
                    s[second] = if second % 2 == 0 { b'\\' } else { 0x01 };
                    let got = escaped(&s, false);
                    let back: String = serde_json::from_str(&got).unwrap();
                    assert_eq!(back.as_bytes(), &s[..], "{got}");
                }
            }
        }
    }

    /// The comma check reads the byte before the write position only when there is one: a
    /// field written into an empty buffer (no `begin`) is just the field.
    #[test]
    fn a_field_in_an_empty_buffer_has_no_comma() {
        let statics = StaticFields::default();
        let mut out = Vec::new();
        let mut w = EventWriter::new(&mut out, &statics);
        w.str("a", b"x");
        w.plain("b", "y");
        assert_eq!(out, br#""a":"x","b":"y""#);
    }

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
    }
}
