//! A write-only JSON event writer over a byte buffer.
//!
//! `open("tls")` writes `"tls":{` at once and `close()` takes it back if nothing went in, so
//! mappings can open an object and fill it conditionally without empty `{}`s. Static fields
//! (from `--add-field` and the input's name) are merged into the objects the mapping opens, and
//! written whole where it does not, so dotted keys nest without duplicate keys. A field parsed
//! from the line wins over a static field of the same path.
//!
//! Strings go through [`crate::json::escape`]; numbers from the log's own text through
//! [`crate::json`].

use super::statics::{StaticFields, NO_NODE, ROOT};
use crate::format::tokens::Token;
use crate::format::values::{Decimal, Int};
use crate::format::Extra;
use crate::json::escape::{escape_short_clean_inline, put, MAX_ESCAPED_LEN, SPILL};
use crate::json::{write_decimal_text, write_int_text, write_str, write_str_body, write_u64};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
