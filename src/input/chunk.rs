//! Cuts a byte stream into blocks of whole lines.
//!
//! A block is about `block_size` bytes ending at the last newline read; the partial line after
//! it is carried into the next block. A line longer than `max_line` is never held whole: its
//! first `max_line` bytes are kept, the rest is counted and skipped, and it comes out as
//! [`Piece::TooLong`]. If the stream breaks (truncated gzip), the complete lines before the break
//! come out as usual, the partial last line as [`Piece::Truncated`], then the error.
//!
//! An input that can stay open with nothing to read (a pipe from `tail -F`, a terminal, a
//! FIFO) gets an [`Idle`]: the whole lines read so far are handed on once nothing more has
//! come for a short while, instead of waiting for a full block or the end, and a stop flag
//! (a signal) ends the input with what was read.

use std::io::{self, Read};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// One line of a piece, as a job sees it: the one place where `--max-line-bytes` is applied
/// to lines inside a block (the chunker applies it to lines longer than a block).
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line without its `\n` and `\r`, at most `max_line` bytes.
    Text(&'a [u8]),
    /// Nothing, or only `\r`, between two newlines.
    Empty,
    /// A line over the limit: its first `limit` bytes and its full length.
    TooLong {
        prefix: &'a [u8],
        len: u64,
        limit: usize,
    },
    /// The last line of an input that broke off (or was stopped) in its middle, without `\r`.
    Truncated(&'a [u8]),
}

impl Piece {
    /// Calls `f` with each line of the piece, cut at `\n`, with `max_line` applied.
    #[inline]
    pub fn for_each_line(&self, max_line: usize, mut f: impl FnMut(Line<'_>)) {
        match self {
            Piece::Lines(block) => {
                let mut start = 0;
                let mut line = |raw: &[u8]| {
                    let text = raw.strip_suffix(b"\r").unwrap_or(raw);
                    f(if text.is_empty() {
                        Line::Empty
                    } else if text.len() > max_line {
                        Line::TooLong {
                            prefix: &text[..max_line],
                            len: text.len() as u64,
                            limit: max_line,
                        }
                    } else {
                        Line::Text(text)
                    })
                };
                for nl in memchr::memchr_iter(b'\n', block) {
                    line(&block[start..nl]);
                    start = nl + 1;
                }
                if start < block.len() {
                    line(&block[start..]);
                }
            }
            Piece::TooLong { prefix, len } => f(Line::TooLong {
                prefix,
                len: *len,
                limit: max_line,
            }),
            Piece::Truncated(bytes) => {
                f(Line::Truncated(bytes.strip_suffix(b"\r").unwrap_or(bytes)))
            }
        }
    }
}

/// How to wait on an input that can stay open: `fd` is the descriptor under the reader.
#[derive(Clone, Debug)]
pub struct Idle {
    pub fd: RawFd,
    /// Whole lines are handed on once nothing has come for this long.
    pub after: Duration,
    /// Set: end the input now, with what was read (the last partial line as truncated).
    pub stop: Option<Arc<AtomicBool>>,
}

/// What waiting on an idle input came to.
#[derive(Debug, PartialEq, Eq)]
enum Wait {
    /// A read will not block.
    Ready,
    /// Nothing came for `after`, and whole lines are waiting.
    Idle,
    /// The stop flag is set.
    Stopped,
}

impl Idle {
    /// How often the stop flag is looked at while nothing comes.
    const SLICE: Duration = Duration::from_millis(50);

    fn wait(&self, lines_waiting: bool) -> Wait {
        let started = Instant::now();
        loop {
            if self
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
            {
                return Wait::Stopped;
            }
            let mut slice = Self::SLICE;
            if lines_waiting {
                let left = self.after.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Wait::Idle;
                }
                slice = slice.min(left);
            }
            match readable(self.fd, slice) {
                Ok(false) => {}
                // an error is left to the read to report
                Ok(true) | Err(_) => return Wait::Ready,
            }
        }
    }
}

/// Whether a read of `fd` would not block (data, end of input or an error), waiting at most
/// `timeout`.
pub fn readable(fd: RawFd, timeout: Duration) -> io::Result<bool> {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `poll` is one valid, initialised pollfd that outlives the call; `fd` being
    // closed or invalid is reported through `revents` (POLLNVAL), not undefined behaviour.
    let ready = unsafe { libc::poll(&mut poll, 1, millis) };
    match ready {
        r if r > 0 => Ok(true),
        0 => Ok(false),
        _ => {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}

/// The most one read takes when the input may go idle (reads there hand out what is there).
const IDLE_READ: usize = 64 * 1024;

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
    idle: Option<Idle>,
    /// `buf[..scanned]` has been searched for a newline: `newline` tells if one is there.
    scanned: usize,
    newline: bool,
    /// The stop flag ended the input.
    stopped: bool,
    /// An idle input's first read is done without waiting: the reader may hold bytes
    /// already (the ones sniffed for the gzip magic), which the descriptor does not show.
    primed: bool,
}

/// What one fill did.
#[derive(Debug, PartialEq, Eq)]
enum Fill {
    Read,
    /// The input went idle with whole lines in the buffer: hand them on.
    Idle,
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
            idle: None,
            scanned: 0,
            newline: false,
            stopped: false,
            primed: false,
        }
    }

    /// Reads as an input that can stay open: see [`Idle`].
    pub fn idle(mut self, idle: Idle) -> Self {
        self.idle = Some(idle);
        self
    }

    /// Whether the stop flag ended the input (before its end).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Whether the buffer holds a whole line (searching only what was not searched yet).
    fn has_newline(&mut self) -> bool {
        if !self.newline && self.scanned < self.buf.len() {
            self.newline = memchr::memchr(b'\n', &self.buf[self.scanned..]).is_some();
            self.scanned = self.buf.len();
        }
        self.newline
    }

    /// The buffer was replaced by the part after its last newline.
    fn rescan(&mut self) {
        self.scanned = 0;
        self.newline = false;
    }

    /// Bytes read from the underlying reader so far (decompressed, if it decompresses).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Reads until `want` more bytes are in `buf` or the stream ends; an idle input reads
    /// once, what is there, after waiting for something to come.
    fn fill(&mut self, want: usize) -> Fill {
        if self.idle.is_some() {
            return self.fill_idle(want);
        }
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
        Fill::Read
    }

    fn fill_idle(&mut self, want: usize) -> Fill {
        let lines_waiting = self.has_newline();
        let wait = match &self.idle {
            Some(idle) if self.primed => idle.wait(lines_waiting),
            _ => Wait::Ready,
        };
        self.primed = true;
        match wait {
            Wait::Ready => {}
            Wait::Idle => return Fill::Idle,
            Wait::Stopped => {
                self.stopped = true;
                self.eof = true;
                return Fill::Read;
            }
        }
        let start = self.buf.len();
        self.buf.resize(start + want.clamp(1, IDLE_READ), 0);
        let result = loop {
            match self.reader.read(&mut self.buf[start..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(n) => {
                self.buf.truncate(start + n);
                self.bytes_read += n as u64;
                if n == 0 {
                    self.eof = true;
                }
            }
            Err(e) => {
                self.buf.truncate(start);
                self.error = Some(e);
                self.eof = true;
            }
        }
        Fill::Read
    }

    /// The next piece; `Ok(None)` at the end, `Err` once if the stream broke.
    pub fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        loop {
            while !self.eof && self.buf.len() < self.block_size {
                if self.fill(self.block_size - self.buf.len()) == Fill::Idle {
                    break;
                }
            }
            if let Some(last_nl) = memchr::memrchr(b'\n', &self.buf) {
                let tail = self.buf[last_nl + 1..].to_vec();
                let mut block = std::mem::replace(&mut self.buf, tail);
                block.truncate(last_nl + 1);
                self.buf.reserve(self.block_size);
                self.rescan();
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
                self.rescan();
                return Ok(Some(if self.error.is_some() || self.stopped {
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
        self.rescan();
        let mut len = prefix.len() as u64;
        prefix.truncate(self.max_line);
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf) {
                len += nl as u64;
                self.buf.drain(..=nl);
                self.rescan();
                break;
            }
            len += self.buf.len() as u64;
            self.buf.clear();
            self.rescan();
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

    /// A pipe whose writer keeps it open: whole lines come out once it goes idle, and a stop
    /// ends it with the partial line as truncated.
    #[test]
    fn an_idle_pipe_hands_on_its_lines_and_a_stop_ends_it() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        use std::os::unix::net::UnixStream;
        let (mut writer, reader) = UnixStream::pair().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let fd = reader.as_raw_fd();
        let mut c = Chunker::new(reader, 1 << 20, 1 << 20).idle(Idle {
            fd,
            after: Duration::from_millis(20),
            stop: Some(Arc::clone(&stop)),
        });
        writer.write_all(b"one\ntwo\npart").unwrap();
        assert_eq!(
            c.next_piece().unwrap(),
            Some(Piece::Lines(b"one\ntwo\n".to_vec()))
        );
        writer.write_all(b"ial\nthree\nfou").unwrap();
        assert_eq!(
            c.next_piece().unwrap(),
            Some(Piece::Lines(b"partial\nthree\n".to_vec()))
        );
        // nothing whole is waiting: it waits for more, until the stop
        let setter = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                stop.store(true, Ordering::Relaxed);
            })
        };
        assert_eq!(
            c.next_piece().unwrap(),
            Some(Piece::Truncated(b"fou".to_vec()))
        );
        assert_eq!(c.next_piece().unwrap(), None);
        assert!(c.stopped());
        setter.join().unwrap();
        drop(writer);
    }
}
