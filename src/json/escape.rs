//! The JSON string escaper: the one `unsafe` corner of elbship, kept in a leaf that knows
//! nothing of events.
//!
//! Strings are escaped with a fast scan (most fields need no escaping): each string reserves
//! its worst case once and is written through a raw pointer, whole chunks at a time. Bytes that
//! are not UTF-8 become U+FFFD exactly as `String::from_utf8_lossy` would, so the output is
//! always valid JSON.

#![deny(unsafe_op_in_unsafe_fn)]

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
    // SAFETY: the caller's contract, which is `sse2_copy_and_masks`' too
    let (quotes, others) = unsafe { sse2_copy_and_masks(src, dst) };
    quotes | others
}

/// Bits `k` set for the plain quotes among the 16 bytes at `src`, and for the other bytes that
/// need care (`\`, control, non-ASCII); the bytes are also stored at `dst`.
///
/// # Safety
/// `src` must be readable and `dst` writable for 16 bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn sse2_copy_and_masks(src: *const u8, dst: *mut u8) -> (u32, u32) {
    // SAFETY: the caller vouches for 16 readable bytes at `src` and 16 writable at `dst`; SSE2 is
    // part of the x86_64 baseline, so the intrinsics always exist.
    unsafe {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8, _mm_storeu_si128,
        };
        let v = _mm_loadu_si128(src.cast::<__m128i>());
        _mm_storeu_si128(dst.cast::<__m128i>(), v);
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // as signed bytes, control bytes and non-ASCII ones (negative) are those below 0x20
        let control_or_high = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let other = _mm_or_si128(backslash, control_or_high);
        (
            _mm_movemask_epi8(quote) as u32,
            _mm_movemask_epi8(other) as u32,
        )
    }
}

/// The clean run of [`escape_into`] 32 bytes at a time, for CPUs with AVX2 (about every
/// x86_64 server since 2013; checked at run time): copies `s[i..]` to `dst + d`, escaping plain
/// quotes as it goes, and stops at the first other byte that needs care or where fewer than 32
/// bytes are left. Returns the new `(i, d)`.
///
/// # Safety
/// As for [`escape_into`], and the CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_quoted_run(s: &[u8], mut i: usize, dst: *mut u8, mut d: usize) -> (usize, usize) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_storeu_si256,
    };
    // SAFETY: loads stay inside `s` (32 bytes only while 32 remain; 64 while a quote's copy
    // needs them); stores stay inside the room the caller has, as in `escape_into`'s own loop
    unsafe {
        let src = s.as_ptr();
        while i + 32 <= s.len() {
            let v = _mm256_loadu_si256(src.add(i).cast::<__m256i>());
            _mm256_storeu_si256(dst.add(d).cast::<__m256i>(), v);
            let quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8));
            let backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8));
            // as signed bytes, control bytes and non-ASCII ones (negative) are those below 0x20
            let control_or_high = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v);
            let others = _mm256_movemask_epi8(_mm256_or_si256(backslash, control_or_high)) as u32;
            let mut quotes = _mm256_movemask_epi8(quote) as u32;
            if quotes | others == 0 {
                i += 32;
                d += 32;
                continue;
            }
            if others != 0 || i + 64 > s.len() {
                let clean = (quotes | others).trailing_zeros() as usize;
                return (i + clean, d + clean);
            }
            // as in `escape_into`: each quote's `\`, then the bytes from it on again, one further
            let mut shift = 0;
            while quotes != 0 {
                let at = quotes.trailing_zeros() as usize;
                *dst.add(d + at + shift) = b'\\';
                shift += 1;
                let rest = _mm256_loadu_si256(src.add(i + at).cast::<__m256i>());
                _mm256_storeu_si256(dst.add(d + at + shift).cast::<__m256i>(), rest);
                quotes &= quotes - 1;
            }
            i += 32;
            d += 32 + shift;
        }
        (i, d)
    }
}

/// Copies 16 bytes from `src` to `dst`.
///
/// # Safety
/// `src` must be readable and `dst` writable for 16 bytes.
#[inline(always)]
unsafe fn copy16(src: *const u8, dst: *mut u8) {
    // SAFETY: the caller's contract
    unsafe {
        dst.cast::<u128>()
            .write_unaligned(src.cast::<u128>().read_unaligned())
    }
}

/// Output bytes one input byte can become at most: a control byte is written `\u00XX`
/// (a UTF-8 sequence is copied, and U+FFFD replaces at least one byte with three).
pub const MAX_ESCAPED_LEN: usize = 6;

/// Bytes the clean-run copier may write past what it keeps: it stores whole chunks and keeps
/// only the part before the first byte that needs care.
pub const SPILL: usize = 32;

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

/// `escape_into`, with the common case done inline: a string of up to 32 bytes with nothing
/// to escape (an address, a timestamp, a name, a method) is checked and copied with two
/// overlapping loads and stores (three single bytes below 4), and no call.
///
/// # Safety
/// As for `escape_into`.
#[inline(always)]
pub unsafe fn escape_short_clean_inline(s: &[u8], aws_escaped: bool, dst: *mut u8) -> usize {
    // SAFETY: `dst` has the room `escape_into` needs (the caller's contract); the loads and stores
    // below touch `s`'s own `n` bytes and `dst`'s first `n`.
    unsafe {
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
        if n < 16 && copy_short_clean(s, dst) {
            return n;
        }
        escape_into(s, aws_escaped, dst)
    }
}

/// Copies `s`, 1 to 15 bytes, to `dst` if none of them needs care, with two overlapping loads
/// and stores (three single bytes below 4) and no loop; false (and maybe some bytes written)
/// if one does.
///
/// # Safety
/// `dst` must be writable for `s.len()` bytes.
#[inline(always)]
unsafe fn copy_short_clean(s: &[u8], dst: *mut u8) -> bool {
    // SAFETY: the loads and stores below touch `s`'s own `n` bytes and `dst`'s first `n`
    unsafe {
        let (n, src) = (s.len(), s.as_ptr());
        if (8..16).contains(&n) {
            let head = src.cast::<u64>().read_unaligned();
            let tail = src.add(n - 8).cast::<u64>().read_unaligned();
            if care_mask(u64::from_le(head)) | care_mask(u64::from_le(tail)) == 0 {
                dst.cast::<u64>().write_unaligned(head);
                dst.add(n - 8).cast::<u64>().write_unaligned(tail);
                return true;
            }
        } else if (4..8).contains(&n) {
            let head = src.cast::<u32>().read_unaligned();
            let tail = src.add(n - 4).cast::<u32>().read_unaligned();
            let both = u64::from(u32::from_le(head)) | u64::from(u32::from_le(tail)) << 32;
            if care_mask(both) == 0 {
                dst.cast::<u32>().write_unaligned(head);
                dst.add(n - 4).cast::<u32>().write_unaligned(tail);
                return true;
            }
        } else if (1..4).contains(&n) {
            // the first, middle and last bytes are every byte of 1 to 3
            let (first, middle, last) = (*src, *src.add(n / 2), *src.add(n - 1));
            if CLASS[first as usize] | CLASS[middle as usize] | CLASS[last as usize] == 0 {
                *dst = first;
                *dst.add(n / 2) = middle;
                *dst.add(n - 1) = last;
                return true;
            }
        }
        false
    }
}

/// Escapes `s` to `dst`; returns the number of bytes written.
///
/// # Safety
/// `dst` must be writable for `s.len() * MAX_ESCAPED_LEN + SPILL` bytes.
unsafe fn escape_into(s: &[u8], aws_escaped: bool, dst: *mut u8) -> usize {
    // SAFETY: the caller's contract
    unsafe { escape_with(s, aws_escaped, dst, true) }
}

/// [`escape_into`], with the AVX2 loop allowed or not (the tests run both).
///
/// # Safety
/// As for [`escape_into`].
// (the label is only broken out of by the x86_64 vector loop)
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_labels, unused_variables))]
#[inline(always)]
unsafe fn escape_with(s: &[u8], aws_escaped: bool, dst: *mut u8, avx2: bool) -> usize {
    // SAFETY: `dst` has room for `s.len() * MAX_ESCAPED_LEN + SPILL` bytes (the caller's contract);
    // each input byte writes at most MAX_ESCAPED_LEN bytes and the chunk copiers at most SPILL past
    // what they keep; reads stay inside `s` (whole chunks are taken only while 16 bytes remain).
    unsafe {
        let mut i = 0;
        let mut d = 0;
        loop {
            'clean_run: {
                #[cfg(target_arch = "x86_64")]
                if avx2 && s.len() - i >= 64 && std::arch::is_x86_feature_detected!("avx2") {
                    (i, d) = avx2_quoted_run(s, i, dst, d);
                }
                // whole chunks, escaping plain quotes (a request line is full of them) without
                // leaving the loop; anything else stops the run
                #[cfg(target_arch = "x86_64")]
                while i + 16 <= s.len() {
                    let (quotes, others) = sse2_copy_and_masks(s.as_ptr().add(i), dst.add(d));
                    if quotes | others == 0 {
                        i += 16;
                        d += 16;
                        continue;
                    }
                    if others == 0 && i + 32 <= s.len() {
                        // only plain quotes, and 16 bytes readable after the last: each gets
                        // its `\`, and the bytes from it on are stored again one further along
                        // (what the next quote's store overwrites, it writes again)
                        let mut quotes = quotes;
                        let mut shift = 0;
                        while quotes != 0 {
                            let at = quotes.trailing_zeros() as usize;
                            *dst.add(d + at + shift) = b'\\';
                            shift += 1;
                            copy16(s.as_ptr().add(i + at), dst.add(d + at + shift));
                            quotes &= quotes - 1;
                        }
                        i += 16;
                        d += 16 + shift;
                        continue;
                    }
                    let mask = quotes | others;
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
                // the last few bytes of a clean string, without a loop
                if s.len() - i < 16 && copy_short_clean(&s[i..], dst.add(d)) {
                    return d + s.len() - i;
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
}

/// Copies `bytes` to `dst`.
///
/// # Safety
/// `dst` must be writable for `bytes.len()` bytes and not overlap `bytes`.
#[inline(always)]
pub unsafe fn put(dst: *mut u8, bytes: &[u8]) {
    // SAFETY: the caller vouches for `bytes.len()` writable bytes at `dst`, apart from `bytes`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
    }
}

/// Copies `bytes` to `dst`, inline for the few bytes of a number or a word (overlapping loads
/// and stores, no call), by `memcpy` from 17 bytes up.
///
/// # Safety
/// As for [`put`].
#[inline(always)]
pub unsafe fn copy_short(bytes: &[u8], dst: *mut u8) {
    // SAFETY: the caller vouches for `bytes.len()` writable bytes at `dst`; every load and store
    // below is inside the first `n` bytes of `bytes` and `dst`.
    unsafe {
        let (n, src) = (bytes.len(), bytes.as_ptr());
        if (8..=16).contains(&n) {
            let head = src.cast::<u64>().read_unaligned();
            let tail = src.add(n - 8).cast::<u64>().read_unaligned();
            dst.cast::<u64>().write_unaligned(head);
            dst.add(n - 8).cast::<u64>().write_unaligned(tail);
        } else if (4..8).contains(&n) {
            let head = src.cast::<u32>().read_unaligned();
            let tail = src.add(n - 4).cast::<u32>().read_unaligned();
            dst.cast::<u32>().write_unaligned(head);
            dst.add(n - 4).cast::<u32>().write_unaligned(tail);
        } else if (1..4).contains(&n) {
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        } else if n > 16 {
            put(dst, bytes);
        }
    }
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
    // SAFETY: the caller vouches for `s.len() - i + SPILL` writable bytes at `dst`; every load
    // below is inside `s` (8 or 4 bytes only while that many remain).
    unsafe {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `s` as a JSON string, the same with and without the AVX2 loop.
    fn escaped(s: &[u8], aws: bool) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s, aws);
        let mut sse2 = vec![0; s.len() * MAX_ESCAPED_LEN + SPILL];
        // SAFETY: `sse2` has the room `escape_with` needs
        let n = unsafe { escape_with(s, aws, sse2.as_mut_ptr(), false) };
        assert_eq!(&out[1..out.len() - 1], &sse2[..n], "AVX2 and SSE2 differ");
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// Strings up to 300 bytes, dense with quotes and now and then another byte that needs
        /// care: valid JSON that reads back as the string (lossy UTF-8), with AWS's escapes on or
        /// off when there is no backslash.
        #[test]
        fn long_strings_full_of_quotes_read_back(
            s in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::sample::select(b"abcdefgh ./:=-".to_vec()),
                    3 => proptest::strategy::Just(b'"'),
                    1 => proptest::sample::select(b"\\\n\x01\xc3\xa9\xff".to_vec()),
                ],
                0..300,
            ),
        ) {
            let json = escaped(&s, false);
            let back: String = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(back, String::from_utf8_lossy(&s));
            if !s.contains(&b'\\') {
                proptest::prop_assert_eq!(escaped(&s, true), json);
            }
        }
    }

    /// Strings that end where readable memory ends (a page mapped with no access right after
    /// them): no path of the escaper reads a byte past its input, whatever the length and
    /// wherever the quotes and other specials are.
    #[cfg(unix)]
    #[test]
    fn the_escaper_never_reads_past_its_input() {
        // SAFETY: two fresh anonymous pages, the second made unreadable; only the first is
        // written and read through `page`, and both are unmapped at the end
        unsafe {
            let size = 4096;
            let base = libc::mmap(
                std::ptr::null_mut(),
                2 * size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED);
            let base = base.cast::<u8>();
            assert_eq!(
                libc::mprotect(base.add(size).cast(), size, libc::PROT_NONE),
                0
            );
            let page = std::slice::from_raw_parts_mut(base, size);
            let mut out = Vec::new();
            for len in 0..300 {
                for pattern in 0..6 {
                    let s = &mut page[size - len..];
                    for (k, b) in s.iter_mut().enumerate() {
                        *b = match (pattern, k % 7) {
                            (0, _) => b'a',
                            (1, 3) | (2, 0) => b'"',
                            (3, 5) => b'\\',
                            (4, 6) => 0xc3,
                            (5, _) if k + 1 == len => b'"',
                            _ => b'x',
                        };
                    }
                    out.clear();
                    write_str(&mut out, s, pattern == 3);
                    serde_json::from_slice::<String>(&out).unwrap();
                    let mut sse2 = vec![0; len * MAX_ESCAPED_LEN + SPILL];
                    escape_with(s, pattern == 3, sse2.as_mut_ptr(), false);
                }
            }
            assert_eq!(libc::munmap(base.cast(), 2 * size), 0);
        }
    }

    /// Every length from 0 to 40: exactly the bytes, and nothing past them.
    #[test]
    fn copy_short_copies_every_length_exactly() {
        for len in 0..40 {
            let src: Vec<u8> = (0..len).map(|k| b'a' + k as u8).collect();
            let mut dst = vec![b'.'; len + 8];
            // SAFETY: `dst` has room for `len` bytes
            unsafe { copy_short(&src, dst.as_mut_ptr()) };
            assert_eq!(&dst[..len], &src[..], "{len}");
            assert!(dst[len..].iter().all(|&b| b == b'.'), "{len}");
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
}
