//! Inputs: stdin or files, raw or gzip (sniffed from the magic bytes, never the name).
//!
//! Knows nothing of log formats or event fields: it hands out bytes. A source is a variant of
//! [`Input`] and its arm in [`open`]: anything that can hand out a `Read` (a file, stdin, next
//! an S3 object's body) plugs in through [`Opened`], and the engine sees nothing else; the
//! checkpoint records the [`Stamp`] taken at opening. An enum rather than a trait object,
//! because inputs are values the run compares, sorts, shards, dedupes and checkpoints.

pub mod chunk;
pub mod discover;
pub mod s3;
pub mod s3key;

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::PathBuf;

use flate2::bufread::MultiGzDecoder;

/// Where lines come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
    /// An object in S3, as listed.
    S3(s3::S3Object),
}

impl Input {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: &std::ffi::OsStr) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(arg))
        }
    }

    /// The name used in messages.
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
            Input::S3(o) => o.url(),
        }
    }
}

/// What an input was when it was opened: its size, and what changes when its content does
/// (a file's modification time in nanoseconds; an S3 object's ETag, hashed). A checkpoint
/// records this, not what the input is when its events are acknowledged, so lines appended
/// while a file was being read make it look changed and it is read again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: u128,
}

impl Stamp {
    /// An S3 object's stamp: its listed size and ETag.
    pub fn of_object(object: &s3::S3Object) -> Stamp {
        Stamp {
            size: object.size,
            mtime_ns: xxhash_rust::xxh3::xxh3_128(object.etag.as_bytes()),
        }
    }

    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        let mtime_ns = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Stamp {
            size: meta.len(),
            mtime_ns,
        })
    }
}

/// An input read to its end, with its [`Stamp`] at opening (files only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub input: Input,
    pub stamp: Option<Stamp>,
}

/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const GZIP_READ_BUFFER: usize = 256 * 1024;

/// Counts the bytes read through it (the compressed size for gzip inputs).
pub struct Counted<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input: a reader of its (decompressed) bytes.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub gzip: bool,
    /// For gzip: the compressed bytes read so far (raw inputs are not wrapped in a counter, so
    /// that reads go straight into the caller's buffer; their size is what the reader hands out).
    pub compressed_bytes: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// A file's size and time as opened.
    pub stamp: Option<Stamp>,
    /// The descriptor under the reader when the input can stay open with nothing to read (a
    /// pipe, a terminal, a FIFO, a socket), for [`chunk::Idle`]; `None` for a regular file.
    pub idle_fd: Option<std::os::fd::RawFd>,
    /// The input ended within the bytes sniffed: there is nothing more to wait for.
    pub at_end: bool,
}

/// Opens an input and sniffs it: gzip (any number of members) or raw. `next` are the inputs
/// after it, which a source may start fetching (S3 objects are read ahead).
pub fn open(input: &Input, next: &[Input]) -> io::Result<Opened> {
    use std::os::fd::{AsFd, AsRawFd};
    let (source, stamp, idle_fd): (Box<dyn Read + Send>, _, _) = match input {
        Input::Stdin => {
            // unbuffered, through a copy of the descriptor: `io::stdin()` would read ahead
            // into its own buffer, where waiting on the descriptor cannot see it
            let stdin = File::from(io::stdin().as_fd().try_clone_to_owned()?);
            let regular = stdin.metadata().is_ok_and(|m| m.is_file());
            let idle_fd = (!regular).then(|| stdin.as_raw_fd());
            (Box::new(stdin), None, idle_fd)
        }
        Input::File(path) => {
            let file = File::open(path)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a directory (pass the log files in it)",
                ));
            }
            // a FIFO or a device has no size or time worth recording, and may go idle
            let stamp = meta.is_file().then(|| Stamp::of(&meta)).flatten();
            let idle_fd = (!meta.is_file()).then(|| file.as_raw_fd());
            (Box::new(file), stamp, idle_fd)
        }
        Input::S3(object) => {
            let ahead: Vec<s3::S3Object> = next
                .iter()
                .filter_map(|i| match i {
                    Input::S3(o) => Some(o.clone()),
                    _ => None,
                })
                .collect();
            let body = s3::open(object, &ahead)?;
            (body, Some(Stamp::of_object(object)), None)
        }
    };
    let mut opened = sniff(source)?;
    opened.stamp = stamp;
    opened.idle_fd = idle_fd.filter(|_| !opened.at_end);
    Ok(opened)
}

/// Wraps `source` in a gzip decoder if it starts with the gzip magic bytes.
pub fn sniff(mut source: Box<dyn Read + Send>) -> io::Result<Opened> {
    let mut head = [0u8; 2];
    let mut got = 0;
    let mut ended = false;
    while got < head.len() {
        match source.read(&mut head[got..]) {
            Ok(0) => {
                ended = true;
                break;
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    if ended {
        // do not read past an end of input: on a terminal each Ctrl-D is one end, and a
        // second read would wait for another
        return Ok(Opened {
            reader: Box::new(Cursor::new(head[..got].to_vec())),
            gzip: false,
            compressed_bytes: None,
            stamp: None,
            idle_fd: None,
            at_end: true,
        });
    }
    let whole = Cursor::new(head[..got].to_vec()).chain(source);
    if head[..got] == GZIP_MAGIC {
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = Counted {
            inner: whole,
            count: count.clone(),
        };
        let buffered = BufReader::with_capacity(GZIP_READ_BUFFER, counted);
        Ok(Opened {
            reader: Box::new(MultiGzDecoder::new(buffered)),
            gzip: true,
            compressed_bytes: Some(count),
            stamp: None,
            idle_fd: None,
            at_end: false,
        })
    } else {
        Ok(Opened {
            reader: Box::new(whole),
            gzip: false,
            compressed_bytes: None,
            stamp: None,
            idle_fd: None,
            at_end: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> io::Result<(bool, Vec<u8>)> {
        let mut opened = sniff(Box::new(Cursor::new(bytes)))?;
        let mut out = Vec::new();
        opened.reader.read_to_end(&mut out)?;
        Ok((opened.gzip, out))
    }

    #[test]
    fn raw_passes_through() {
        assert_eq!(
            read_all(b"plain\n".to_vec()).unwrap(),
            (false, b"plain\n".to_vec())
        );
        assert_eq!(read_all(Vec::new()).unwrap(), (false, Vec::new()));
        assert_eq!(read_all(vec![0x1f]).unwrap(), (false, vec![0x1f]));
    }

    /// A reader that ends once, then would hand out more (a terminal after Ctrl-D).
    struct EndsOnce(u8);

    impl Read for EndsOnce {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0 += 1;
            if self.0 == 1 {
                return Ok(0);
            }
            buf[0] = b'x';
            Ok(1)
        }
    }

    #[test]
    fn an_end_seen_while_sniffing_is_the_end() {
        let mut opened = sniff(Box::new(EndsOnce(0))).unwrap();
        let mut out = Vec::new();
        opened.reader.read_to_end(&mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn every_gzip_member_is_read() {
        let mut two = gz(b"first\n");
        two.extend(gz(b"second\n"));
        assert_eq!(read_all(two).unwrap(), (true, b"first\nsecond\n".to_vec()));
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let data: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let whole = gz(&data);
        let cut = whole[..whole.len() / 2].to_vec();
        assert!(read_all(cut).is_err());
        let no_trailer = whole[..whole.len() - 4].to_vec();
        assert!(read_all(no_trailer).is_err());
    }

    #[test]
    fn garbage_after_a_member_is_an_error() {
        let mut data = gz(b"ok\n");
        data.extend_from_slice(b"this is not gzip");
        assert!(read_all(data).is_err());
    }
}
