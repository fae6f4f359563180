//! What a mapping writes an event through ([`EventOut`]), and the writer that merges an
//! input's static fields into any object ([`EventWriter`]).
//!
//! `open("tls")` writes `"tls":{` at once and `close` takes it back if nothing went in, so
//! mappings can open an object and fill it conditionally without empty `{}`s. Static fields
//! (from `--add-field` and the input's name) are merged into the objects the mapping opens, and
//! written whole where it does not, so dotted keys nest without duplicate keys. A field parsed
//! from the line wins over a static field of the same path.
//!
//! When an input's static fields cannot meet a mapped field, the ECS mapping runs through
//! [`super::planned::PlannedWriter`] instead, which does none of that bookkeeping per field.
//!
//! Strings go through [`crate::json::escape`]; numbers from the log's own text through
//! [`crate::json`].

use super::planned::Attach;
use super::statics::{StaticFields, NO_NODE, ROOT};
use crate::format::tokens::Token;
use crate::format::values::{Decimal, Int};
use crate::format::Extra;
use crate::json::escape::{escape_short_clean_inline, put, MAX_ESCAPED_LEN, SPILL};
use crate::json::{
    int_text, write_decimal_text, write_int_text, write_str, write_str_body, write_u64,
};

/// What a schema's mapping writes an event through: keys are the mapping's own `&'static str`s
/// (no escaping needed), values come from the log line.
///
/// Writers implement the few methods without a body; the rest are the mapping's vocabulary,
/// built on them.
pub trait EventOut {
    /// An open object, handed back to [`close`](Self::close).
    type Object: Copy;

    /// Starts an event.
    fn begin(&mut self);
    /// Ends the event (with its static fields) and writes the newline.
    fn end(&mut self);
    /// Opens object `key` inside the current object; left out at `close` if nothing went in.
    fn open(&mut self, key: &'static str) -> Self::Object;
    /// Opens one of the objects every event of the mapping has (see [`Attach`]).
    fn open_at(&mut self, at: Attach) -> Self::Object;
    fn close(&mut self, object: Self::Object);
    /// `"key":` and then `json`, which must be valid JSON.
    fn raw(&mut self, key: &'static str, json: &[u8]);
    /// `"key":"value"`, escaped; when `aws_escaped`, `\"` and `\\` in `value` are AWS's escapes.
    fn string(&mut self, key: &'static str, value: &[u8], aws_escaped: bool);
    /// `"key":"value"` for a value that needs no escaping.
    fn plain(&mut self, key: &'static str, value: &str);
    /// `"key":` with nothing after it yet: the value goes into [`out`](Self::out).
    fn key(&mut self, key: &'static str);
    /// The buffer, to write a value into after [`key`](Self::key).
    fn out(&mut self) -> &mut Vec<u8>;

    /// Object `key` holding what `write` writes.
    #[inline(always)]
    fn object(&mut self, key: &'static str, write: impl FnOnce(&mut Self)) {
        let object = self.open(key);
        write(self);
        self.close(object);
    }

    /// A string field from the log (bytes as logged, JSON-escaped).
    #[inline(always)]
    fn str(&mut self, key: &'static str, value: &[u8]) {
        self.string(key, value, false);
    }

    /// A string field from a log token: a quoted token's `\"` and `\\` are AWS escapes.
    #[inline(always)]
    fn token(&mut self, key: &'static str, value: Token<'_>) {
        self.string(key, value.bytes, value.quoted);
    }

    #[inline(always)]
    fn opt_token(&mut self, key: &'static str, value: Option<Token<'_>>) {
        if let Some(v) = value {
            self.token(key, v);
        }
    }

    #[inline(always)]
    fn opt_str(&mut self, key: &'static str, value: Option<&[u8]>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// A string made of two pieces (`?` + query, NLB time + `Z`).
    #[inline(always)]
    fn str_concat(&mut self, key: &'static str, first: &[u8], second: &[u8]) {
        self.key(key);
        let out = self.out();
        out.push(b'"');
        write_str_body(out, first, false);
        write_str_body(out, second, false);
        out.push(b'"');
    }

    /// A validated integer, written from its text without leading zeros.
    #[inline(always)]
    fn int(&mut self, key: &'static str, value: Int<'_>) {
        self.raw(key, int_text(value.0));
    }

    #[inline(always)]
    fn opt_int(&mut self, key: &'static str, value: Option<Int<'_>>) {
        if let Some(v) = value {
            self.int(key, v);
        }
    }

    /// A validated decimal, written from its text as a JSON float (`2` → `2.0`, `-1` → `-1.0`).
    #[inline(always)]
    fn decimal(&mut self, key: &'static str, value: Decimal<'_>) {
        // `d.ddd` (most times in a log) is JSON as it stands
        match value.0 {
            [d, b'.', _, ..] if d.is_ascii_digit() => self.raw(key, value.0),
            text => {
                self.key(key);
                write_decimal_text(self.out(), text);
            }
        }
    }

    /// A validated decimal written as it is (an integer stays an integer).
    #[inline(always)]
    fn number(&mut self, key: &'static str, value: Decimal<'_>) {
        self.key(key);
        match value.0.iter().position(|&b| b == b'.') {
            Some(_) => write_decimal_text(self.out(), value.0),
            None => write_int_text(self.out(), value.0),
        }
    }

    #[inline(always)]
    fn u64(&mut self, key: &'static str, value: u64) {
        self.key(key);
        write_u64(self.out(), value);
    }

    /// An array of strings: the pieces of `list` split on `sep`.
    #[inline(always)]
    fn split_list(&mut self, key: &'static str, list: Token<'_>, sep: u8) {
        self.key(key);
        let out = self.out();
        out.push(b'[');
        for (i, item) in list.bytes.split(|&b| b == sep).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, item, list.quoted);
        }
        out.push(b']');
    }

    /// An array of strings split from an optional list token.
    #[inline]
    fn opt_split_list(&mut self, key: &'static str, list: Option<Token<'_>>, sep: u8) {
        if let Some(list) = list {
            self.split_list(key, list, sep);
        }
    }

    /// The unknown trailing fields of a line, as an array of strings, if there are any.
    fn extra_fields(&mut self, key: &'static str, extra: &Extra<'_>) {
        if !extra.is_empty() {
            self.token_list(key, extra.iter());
        }
    }

    /// An array of strings from tokens.
    fn token_list<'t>(&mut self, key: &'static str, items: impl Iterator<Item = Token<'t>>) {
        self.key(key);
        let out = self.out();
        out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, item.bytes, item.quoted);
        }
        out.push(b']');
    }
}

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

/// Writes events, one JSON object per line, into `out`, merging the input's static fields
/// into the objects the mapping opens.
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

    /// The static fields of the input being written.
    pub fn statics(&self) -> &'w StaticFields {
        self.statics
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

    /// Records that the event writes `key` itself, so a static field there is not merged.
    #[inline(always)]
    fn mark_static(&mut self, key: &'static str) {
        let child = self.static_child(key);
        if child != NO_NODE {
            self.visited[child as usize] = true;
        }
    }
}

impl EventOut for EventWriter<'_> {
    /// The writer keeps its own stack of open objects.
    type Object = ();

    fn begin(&mut self) {
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

    fn end(&mut self) {
        while self.depth > 0 {
            self.close(());
        }
        self.out.push(b'\n');
    }

    /// Its `"key":{` is written now and taken back at [`close`](Self::close) if nothing went
    /// in it.
    #[inline(always)]
    fn open(&mut self, key: &'static str) {
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

    #[inline(always)]
    fn open_at(&mut self, at: Attach) {
        self.open(at.key());
    }

    /// Closes the current object, merging in the static fields it has not written.
    #[inline(always)]
    fn close(&mut self, _: ()) {
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

    /// Which must be at least one field (callers check that the value is there first).
    /// Without static fields under `key` it needs no frame: `"key":{`, the fields, `}`.
    #[inline(always)]
    fn object(&mut self, key: &'static str, write: impl FnOnce(&mut Self)) {
        if self.static_child(key) != NO_NODE {
            self.open(key);
            write(self);
            self.close(());
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

    #[inline(always)]
    fn key(&mut self, key: &'static str) {
        self.mark_static(key);
        self.raw_key(key.as_bytes(), false, b"", 0);
    }

    fn out(&mut self) -> &mut Vec<u8> {
        self.out
    }

    #[inline(always)]
    fn raw(&mut self, key: &'static str, json: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(json);
    }

    /// `"key":"value"` with one reservation for all of it.
    #[inline(always)]
    fn string(&mut self, key: &'static str, value: &[u8], aws_escaped: bool) {
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

    #[inline(always)]
    fn plain(&mut self, key: &'static str, value: &str) {
        self.key(key);
        self.out.push(b'"');
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'"');
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
