//! Cuts the event stream into request bodies: by bytes and by events, one unit per event (for
//! `_bulk`, the action line and the event together), never splitting a unit.
//!
//! Pure: no I/O. Event blocks come with the end of each event, and a [`Batch`] keeps its units
//! as a body plus their spans, so neither cutting, nor a retry of some of its documents, nor a
//! split after a 413 ever looks for a newline.

use crate::event::EventBlock;

/// How events are framed in a request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `[event,event]` (`application/json`; a stock Logstash `http` input splits the array).
    JsonArray,
    /// `event\nevent\n` (`application/x-ndjson`; Logstash with a `json_lines` codec).
    Ndjson,
    /// `action\nevent\n` pairs (`_bulk`).
    Bulk,
}

impl Framing {
    pub fn content_type(self) -> &'static str {
        match self {
            Framing::JsonArray => "application/json",
            Framing::Ndjson | Framing::Bulk => "application/x-ndjson",
        }
    }

    /// NDJSON lines per event (the `_bulk` action line and the document).
    pub fn lines_per_unit(self) -> usize {
        match self {
            Framing::Bulk => 2,
            Framing::JsonArray | Framing::Ndjson => 1,
        }
    }
}

/// Events bound for one request, kept as the request body itself (no copy when sending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Order of the batch in the stream (for acknowledgements).
    pub seq: u64,
    framing: Framing,
    /// The body: `[a,b]`, `a\nb\n` or `act\na\nact\nb\n`.
    body: Vec<u8>,
    /// Where each unit is in `body`, without separators or its last newline.
    spans: Vec<(usize, usize)>,
}

impl Batch {
    pub fn new(seq: u64, framing: Framing) -> Self {
        Batch::with_buffer(seq, framing, Vec::new())
    }

    /// A batch that writes into `buffer` (cleared; its capacity is reused).
    pub fn with_buffer(seq: u64, framing: Framing, mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        Batch {
            seq,
            framing,
            body: buffer,
            spans: Vec::new(),
        }
    }

    /// The body's buffer, for reuse.
    pub fn into_buffer(self) -> Vec<u8> {
        self.body
    }

    /// Events in the batch.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Bytes of the request body.
    pub fn bytes(&self) -> usize {
        self.body.len()
    }

    /// Unit `i` without its last newline (for `_bulk`, `action\nevent`).
    pub fn unit(&self, i: usize) -> &[u8] {
        let (start, end) = self.spans[i];
        &self.body[start..end]
    }

    /// The event of unit `i`, without its action line.
    pub fn event(&self, i: usize) -> &[u8] {
        let unit = self.unit(i);
        match self.framing {
            Framing::Bulk => memchr::memchr(b'\n', unit).map_or(unit, |nl| &unit[nl + 1..]),
            Framing::JsonArray | Framing::Ndjson => unit,
        }
    }

    /// Appends a unit (without its last newline).
    fn push(&mut self, unit: &[u8]) {
        let start = match self.framing {
            Framing::Ndjson | Framing::Bulk => self.body.len(),
            Framing::JsonArray => {
                if self.body.pop().is_some() {
                    self.body.push(b',');
                } else {
                    self.body.push(b'[');
                }
                self.body.len()
            }
        };
        self.body.extend_from_slice(unit);
        self.spans.push((start, start + unit.len()));
        self.body.push(match self.framing {
            Framing::Ndjson | Framing::Bulk => b'\n',
            Framing::JsonArray => b']',
        });
    }

    /// The request body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// A batch of the units at `indices` (in that order), with the same `seq`.
    pub fn subset(&self, indices: impl IntoIterator<Item = usize>) -> Batch {
        let mut out = Batch::new(self.seq, self.framing);
        for i in indices {
            out.push(self.unit(i));
        }
        out
    }

    /// The two halves of a batch of two or more units (after a 413).
    pub fn split(&self) -> (Batch, Batch) {
        let half = self.len() / 2;
        (self.subset(0..half), self.subset(half..self.len()))
    }
}

/// Fills batches from event blocks.
#[derive(Debug)]
pub struct Batcher {
    max_bytes: usize,
    max_events: usize,
    open: Batch,
    /// A sent batch's buffer, for the next batch (no fresh pages to fault in per batch).
    spare: Option<Vec<u8>>,
}

impl Batcher {
    pub fn new(framing: Framing, max_bytes: usize, max_events: usize) -> Self {
        Batcher {
            max_bytes: max_bytes.max(1),
            max_events: max_events.max(1),
            open: Batch::new(0, framing),
            spare: None,
        }
    }

    /// Gives back the buffer of a batch that was sent; one is kept for the next batch (more
    /// would only hold memory: the batcher fills one batch at a time).
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.spare.get_or_insert(buffer);
    }

    /// Adds the events of `block`, handing each batch that fills to `full`. An event over the
    /// byte limit goes out alone.
    pub fn add(&mut self, block: &EventBlock, full: &mut dyn FnMut(Batch)) {
        for unit in block.events() {
            self.add_unit(unit, full);
        }
    }

    fn add_unit(&mut self, unit: &[u8], full: &mut dyn FnMut(Batch)) {
        if !self.open.is_empty() && self.open.bytes() + unit.len() + 1 > self.max_bytes {
            full(self.take_open());
        }
        self.open.push(unit);
        if self.open.len() >= self.max_events || self.open.bytes() >= self.max_bytes {
            full(self.take_open());
        }
    }

    fn take_open(&mut self) -> Batch {
        let seq = self.open.seq;
        let framing = self.open.framing;
        let buffer = self
            .spare
            .take()
            .unwrap_or_else(|| Vec::with_capacity(self.max_bytes.min(64 << 20) + 4096));
        std::mem::replace(&mut self.open, Batch::with_buffer(seq + 1, framing, buffer))
    }

    /// The open batch, if it has any event (at the end of the input, or after `--linger`).
    pub fn flush(&mut self) -> Option<Batch> {
        (!self.open.is_empty()).then(|| self.take_open())
    }

    /// The seq of the open batch, if it has events.
    pub fn open_seq(&self) -> Option<u64> {
        (!self.open.is_empty()).then_some(self.open.seq)
    }

    /// Batches handed out so far, plus one if the open batch has events: every event added so
    /// far is in a batch whose `seq` is below this.
    pub fn seq_bound(&self) -> u64 {
        self.open.seq + u64::from(!self.open.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batches(framing: Framing, blocks: &[&[u8]], bytes: usize, events: usize) -> Vec<Batch> {
        let mut b = Batcher::new(framing, bytes, events);
        let mut out = Vec::new();
        for block in blocks {
            let block = EventBlock::from_ndjson(block, framing.lines_per_unit());
            b.add(&block, &mut |batch| out.push(batch));
        }
        out.extend(b.flush());
        out
    }

    #[test]
    fn cuts_by_events_and_bytes() {
        let out = batches(
            Framing::Ndjson,
            &[b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"],
            1000,
            2,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].seq, out[0].len(), out[1].seq, out[1].len()),
            (0, 2, 1, 1)
        );
        assert_eq!(out[0].body(), b"{\"a\":1}\n{\"a\":2}\n");
        // 8 bytes a unit, 20 bytes a batch: two units each
        let out = batches(
            Framing::Ndjson,
            &[b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"],
            20,
            100,
        );
        assert_eq!(out.iter().map(Batch::len).collect::<Vec<_>>(), [2, 1]);
        // a unit over the limit goes alone
        let out = batches(Framing::Ndjson, &[b"{}\n{\"long\":1234567}\n{}\n"], 5, 100);
        assert_eq!(out.iter().map(Batch::len).collect::<Vec<_>>(), [1, 1, 1]);
    }

    #[test]
    fn json_array_body() {
        let out = batches(Framing::JsonArray, &[b"{\"a\":1}\n{\"a\":2}\n"], 1000, 10);
        assert_eq!(out[0].body(), b"[{\"a\":1},{\"a\":2}]");
        assert_eq!(out[0].event(1), b"{\"a\":2}");
    }

    #[test]
    fn bulk_units_are_pairs() {
        let out = batches(
            Framing::Bulk,
            &[
                b"{\"create\":{}}\n{\"a\":1}\n",
                b"{\"create\":{}}\n{\"a\":2}\n",
            ],
            1000,
            10,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), 2);
        assert_eq!(out[0].event(1), b"{\"a\":2}");
        assert_eq!(out[0].unit(1), b"{\"create\":{}}\n{\"a\":2}");
    }

    #[test]
    fn a_last_line_without_newline_gets_one() {
        let out = batches(Framing::Ndjson, &[b"{\"a\":1}\n{\"a\":2}"], 1000, 10);
        assert_eq!(out[0].body(), b"{\"a\":1}\n{\"a\":2}\n");
    }

    #[test]
    fn subsets_and_halves_keep_the_seq() {
        let out = batches(Framing::Ndjson, &[b"1\n2\n3\n4\n5\n"], 1000, 10);
        let b = &out[0];
        assert_eq!(b.subset([4, 1]).body(), b"5\n2\n");
        let (l, r) = b.split();
        assert_eq!((l.len(), r.len(), l.seq, r.seq), (2, 3, b.seq, b.seq));
        assert_eq!(r.body(), b"3\n4\n5\n");
        let array = batches(Framing::JsonArray, &[b"1\n2\n3\n"], 1000, 10).remove(0);
        assert_eq!(array.subset([2, 0]).body(), b"[3,1]");
        assert_eq!(array.split().1.body(), b"[2,3]");
    }

    #[test]
    fn counts_units_and_reuses_buffers() {
        let mut b = Batcher::new(Framing::Bulk, 1000, 1);
        let mut sent = Vec::new();
        let add = |b: &mut Batcher, text: &[u8], sent: &mut Vec<Batch>| {
            b.add(&EventBlock::from_ndjson(text, 2), &mut |batch| {
                sent.push(batch)
            });
        };
        add(&mut b, b"a\n1\nb\n2\n", &mut sent);
        add(&mut b, b"c\n3\n", &mut sent);
        assert_eq!(sent.len(), 3);
        let buffer = sent.pop().unwrap().into_buffer();
        let (capacity, address) = (buffer.capacity(), buffer.as_ptr());
        b.recycle(buffer);
        add(&mut b, b"d\n4\n", &mut sent);
        // the batch opened after the recycle writes into the recycled buffer
        add(&mut b, b"e\n5\n", &mut sent);
        let reused = sent.pop().unwrap();
        assert_eq!(reused.body(), b"e\n5\n");
        assert_eq!(
            (reused.body().as_ptr(), reused.into_buffer().capacity()),
            (address, capacity)
        );
    }

    #[test]
    fn seq_bound_counts_the_open_batch() {
        let mut b = Batcher::new(Framing::Ndjson, 1000, 2);
        assert_eq!(b.seq_bound(), 0);
        b.add(&EventBlock::from_ndjson(b"1\n", 1), &mut |_| {});
        assert_eq!(b.seq_bound(), 1);
        let mut sent = Vec::new();
        b.add(&EventBlock::from_ndjson(b"2\n", 1), &mut |batch| {
            sent.push(batch)
        });
        assert_eq!((sent.len(), b.seq_bound()), (1, 1));
    }
}
