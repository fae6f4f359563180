//! Cuts a byte stream into blocks of whole lines.
//!
//! A block is about `block_size` bytes ending at the last newline read; the partial line after
//! it is carried into the next block. A line longer than `max_line` is never held whole: its
//! first `max_line` bytes are kept, the rest is counted and skipped, and it comes out as
//! [`Piece::TooLong`]. If the stream breaks (truncated gzip), the complete lines before the break
//! come out as usual, the partial last line as [`Piece::Truncated`], then the error.

use std::io::{self, Read};

/// What the chunker hands out.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// Whole lines; the last one may lack its newline at the end of the stream.
    Lines(Vec<u8>),
    /// A line over the limit: its first `max_line` bytes and its full length (without `\n`).
    TooLong { prefix: Vec<u8>, len: u64 },
    /// The bytes of a line the stream broke off in the middle of.
    Truncated(Vec<u8>),
}

/// Reads `R` into [`Piece`]s.
pub struct Chunker<R> {
    reader: R,
    buf: Vec<u8>,
    block_size: usize,
    max_line: usize,
    eof: bool,
    error: Option<io::Error>,
    /// Total bytes read from `reader`.
    bytes_read: u64,
}

impl<R: Read> Chunker<R> {
    pub fn new(reader: R, block_size: usize, max_line: usize) -> Self {
        let block_size = block_size.max(1);
        Chunker {
            reader,
            buf: Vec::with_capacity(block_size),
            block_size,
            max_line: max_line.max(1),
            eof: false,
            error: None,
            bytes_read: 0,
        }
    }

    /// Bytes read from the underlying reader so far (decompressed, if it decompresses).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Reads until `want` more bytes are in `buf` or the stream ends.
    fn fill(&mut self, want: usize) {
        let before = self.buf.len();
        self.buf.reserve(want);
        let result = (&mut self.reader)
            .take(want as u64)
            .read_to_end(&mut self.buf);
        let got = self.buf.len() - before;
        self.bytes_read += got as u64;
        match result {
            Ok(_) if got == want => {}
            Ok(_) => self.eof = true,
            Err(e) => {
                self.error = Some(e);
                self.eof = true;
            }
        }
    }

    /// The next piece; `Ok(None)` at the end, `Err` once if the stream broke.
    pub fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        loop {
            while !self.eof && self.buf.len() < self.block_size {
                self.fill(self.block_size - self.buf.len());
            }
            if let Some(last_nl) = memchr::memrchr(b'\n', &self.buf) {
                let tail = self.buf[last_nl + 1..].to_vec();
                let mut block = std::mem::replace(&mut self.buf, tail);
                block.truncate(last_nl + 1);
                self.buf.reserve(self.block_size);
                return Ok(Some(Piece::Lines(block)));
            }
            // no newline in the buffer: one partial line
            if self.buf.len() > self.max_line {
                return self.skip_long_line().map(Some);
            }
            if self.eof {
                if self.buf.is_empty() {
                    return match self.error.take() {
                        Some(e) => Err(e),
                        None => Ok(None),
                    };
                }
                let last = std::mem::take(&mut self.buf);
                return Ok(Some(if self.error.is_some() {
                    Piece::Truncated(last)
                } else {
                    Piece::Lines(last)
                }));
            }
            // keep reading this line
            self.fill(self.block_size);
        }
    }

    /// Keeps the first `max_line` bytes of the current line, counts and drops the rest.
    fn skip_long_line(&mut self) -> io::Result<Piece> {
        let mut prefix = std::mem::take(&mut self.buf);
        let mut len = prefix.len() as u64;
        prefix.truncate(self.max_line);
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf) {
                len += nl as u64;
                self.buf.drain(..=nl);
                break;
            }
            len += self.buf.len() as u64;
            self.buf.clear();
            if self.eof {
                break;
            }
            self.fill(self.block_size);
        }
        Ok(Piece::TooLong { prefix, len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read, then an error if `fail`.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        fail: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.data.is_empty() {
                return if self.fail {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"))
                } else {
                    Ok(0)
                };
            }
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn pieces(data: &[u8], step: usize, block: usize, max_line: usize, fail: bool) -> Vec<Piece> {
        let mut c = Chunker::new(Trickle { data, step, fail }, block, max_line);
        let mut out = Vec::new();
        loop {
            match c.next_piece() {
                Ok(Some(p)) => out.push(p),
                Ok(None) => break,
                Err(_) => {
                    assert!(c.next_piece().unwrap().is_none());
                    break;
                }
            }
        }
        out
    }

    fn joined_lines(pieces: &[Piece]) -> Vec<u8> {
        let mut all = Vec::new();
        for p in pieces {
            if let Piece::Lines(b) = p {
                assert!(b.ends_with(b"\n") || p == pieces.last().unwrap());
                all.extend_from_slice(b);
            }
        }
        all
    }

    #[test]
    fn same_lines_for_every_block_size_and_read_size() {
        let data: Vec<u8> = (0..500)
            .flat_map(|i| format!("line number {i} {}\n", "x".repeat(i % 37)).into_bytes())
            .collect();
        for block in [1, 7, 64, 1000, 1 << 20] {
            for step in [1, 3, 100, 1 << 16] {
                let p = pieces(&data, step, block, 1 << 20, false);
                assert_eq!(joined_lines(&p), data, "block {block} step {step}");
            }
        }
    }

    #[test]
    fn last_line_without_newline() {
        let p = pieces(b"a\nb", 10, 64, 100, false);
        assert_eq!(
            p,
            vec![Piece::Lines(b"a\n".to_vec()), Piece::Lines(b"b".to_vec())]
        );
    }

    #[test]
    fn long_line_is_cut_and_counted_not_held() {
        let mut data = b"short\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 10_000));
        data.extend_from_slice(b"\nafter\n");
        for step in [1, 64, 100_000] {
            let p = pieces(&data, step, 64, 100, false);
            let long = p.iter().find_map(|p| match p {
                Piece::TooLong { prefix, len } => Some((prefix.len(), *len)),
                _ => None,
            });
            assert_eq!(long, Some((100, 10_000)), "step {step}");
            assert_eq!(joined_lines(&p), b"short\nafter\n", "step {step}");
        }
    }

    #[test]
    fn broken_stream_gives_lines_then_truncated_tail_then_error() {
        let mut c = Chunker::new(
            Trickle {
                data: b"one\ntwo\nthr",
                step: 4,
                fail: true,
            },
            64,
            100,
        );
        assert_eq!(
            c.next_piece().unwrap(),
            Some(Piece::Lines(b"one\ntwo\n".to_vec()))
        );
        assert_eq!(
            c.next_piece().unwrap(),
            Some(Piece::Truncated(b"thr".to_vec()))
        );
        assert!(c.next_piece().is_err());
        assert_eq!(c.next_piece().unwrap(), None);
    }
}
