//! `--checkpoint FILE`: the input files a backfill has finished, so a re-run skips them.
//!
//! A file is recorded (path, and its size and modification time when it was opened) once
//! every event from it has been written, or for HTTP output stored, known to be there, or
//! synced to the dead-letter file; the checkpoint is replaced atomically (write to
//! `FILE.tmp`, sync, rename), at most once per interval and at the end of the run. A file
//! that changed since it was opened (other size or time: lines appended while it was read)
//! is read again.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::input::{Finished, Input, Stamp};

/// What identifies a finished file: its path as given, size and modification time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub size: u64,
    pub mtime_ns: u128,
    pub path: String,
}

impl Entry {
    /// The entry for `path` as it is on disk now; `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<Entry> {
        let stamp = Stamp::of(&std::fs::metadata(path).ok()?)?;
        Some(Entry::stamped(path, stamp))
    }

    fn stamped(path: &Path, stamp: Stamp) -> Entry {
        Entry::named(path.to_string_lossy().into_owned(), stamp)
    }

    fn named(path: String, stamp: Stamp) -> Entry {
        Entry {
            size: stamp.size,
            mtime_ns: stamp.mtime_ns,
            path,
        }
    }

    /// The entry of an input that can be recorded (a file or an S3 object) as it is now.
    fn current(input: &Input) -> Option<Entry> {
        match input {
            Input::File(p) => Entry::of(p),
            Input::S3(o) => Some(Entry::named(o.url(), Stamp::of_object(o))),
            Input::Stdin => None,
        }
    }

    fn line(&self) -> String {
        format!("{} {} {}\n", self.size, self.mtime_ns, self.path)
    }

    fn parse(line: &str) -> Option<Entry> {
        let mut parts = line.splitn(3, ' ');
        Some(Entry {
            size: parts.next()?.parse().ok()?,
            mtime_ns: parts.next()?.parse().ok()?,
            path: parts.next()?.to_string(),
        })
    }
}

/// The most a checkpoint file may hold: about two million files' entries.
pub const MAX_BYTES: u64 = 256 << 20;

/// The checkpoint of one run.
pub struct Checkpoint {
    path: PathBuf,
    done: Vec<Entry>,
    known: HashSet<Entry>,
    interval: Duration,
    last_saved: Option<Instant>,
    unsaved: bool,
}

impl Checkpoint {
    /// Loads `path` (a missing file is an empty checkpoint). At most [`MAX_BYTES`] are read:
    /// a larger file is not a checkpoint (and a device like `/dev/zero` would never end).
    pub fn load(path: &Path, interval: Duration) -> io::Result<Checkpoint> {
        let done: Vec<Entry> = match std::fs::File::open(path) {
            Ok(file) => {
                let mut bytes = Vec::new();
                file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
                if bytes.len() as u64 > MAX_BYTES {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("over {} MiB: not a checkpoint", MAX_BYTES >> 20),
                    ));
                }
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .filter_map(Entry::parse)
                    .collect()
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(Checkpoint {
            path: path.to_path_buf(),
            known: done.iter().cloned().collect(),
            done,
            interval,
            last_saved: None,
            unsaved: false,
        })
    }

    /// Drops the inputs already recorded (unchanged since); returns how many.
    pub fn skip_done(&self, inputs: &mut Vec<Input>) -> usize {
        let before = inputs.len();
        inputs.retain(|input| !Entry::current(input).is_some_and(|e| self.known.contains(&e)));
        before - inputs.len()
    }

    /// Records a finished input as it was opened (stdin is never recorded) and saves if the
    /// interval has passed.
    pub fn finished(&mut self, finished: &Finished) -> io::Result<()> {
        let entry = match (&finished.input, finished.stamp) {
            (Input::File(p), Some(stamp)) => Entry::stamped(p, stamp),
            (Input::S3(o), Some(stamp)) => Entry::named(o.url(), stamp),
            _ => return Ok(()),
        };
        if self.known.insert(entry.clone()) {
            self.done.push(entry);
            self.unsaved = true;
        }
        if self.last_saved.is_none_or(|t| t.elapsed() >= self.interval) {
            self.save()?;
        }
        Ok(())
    }

    /// Writes the checkpoint atomically if anything changed.
    pub fn save(&mut self) -> io::Result<()> {
        self.last_saved = Some(Instant::now());
        if !self.unsaved {
            return Ok(());
        }
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = std::fs::File::create(&tmp)?;
            let text: String = self.done.iter().map(Entry::line).collect();
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        self.unsaved = false;
        Ok(())
    }
}

/// A checkpoint (or none) that a sink's thread records into as inputs are delivered, and
/// that keeps the first write error for the end of the run.
#[derive(Clone)]
pub struct Recorder(Arc<Mutex<(Option<Checkpoint>, Option<io::Error>)>>);

impl Recorder {
    pub fn new(checkpoint: Option<Checkpoint>) -> Recorder {
        Recorder(Arc::new(Mutex::new((checkpoint, None))))
    }

    /// The callback for a sink: records each delivered input.
    pub fn delivered(&self) -> Box<dyn FnMut(&Finished) + Send> {
        let shared = Arc::clone(&self.0);
        Box::new(move |finished| {
            if let Ok(mut guard) = shared.lock() {
                let (checkpoint, error) = &mut *guard;
                if let Some(c) = checkpoint.as_mut() {
                    if let Err(e) = c.finished(finished) {
                        error.get_or_insert(e);
                    }
                }
            }
        })
    }

    /// Saves what is unsaved; the first error of the whole run, if any.
    pub fn save(&self) -> Option<io::Error> {
        let Ok(mut guard) = self.0.lock() else {
            return Some(io::Error::other("the checkpoint was left in a bad state"));
        };
        let (checkpoint, error) = &mut *guard;
        if let Some(c) = checkpoint.as_mut() {
            if let Err(e) = c.save() {
                error.get_or_insert(e);
            }
        }
        error.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_skip_and_survive_a_reload() {
        let dir = std::env::temp_dir().join(format!("elbship-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a b.log");
        let b = dir.join("b.log");
        std::fs::write(&a, "x\n").unwrap();
        std::fs::write(&b, "y\n").unwrap();
        let file = dir.join("ckpt");
        let mut c = Checkpoint::load(&file, Duration::ZERO).unwrap();
        let stamp = |p: &Path| Stamp::of(&std::fs::metadata(p).unwrap());
        c.finished(&Finished {
            input: Input::File(a.clone()),
            stamp: stamp(&a),
        })
        .unwrap();
        c.finished(&Finished {
            input: Input::Stdin,
            stamp: None,
        })
        .unwrap();
        let c = Checkpoint::load(&file, Duration::ZERO).unwrap();
        let mut inputs = vec![Input::File(a.clone()), Input::File(b.clone()), Input::Stdin];
        assert_eq!(c.skip_done(&mut inputs), 1);
        assert_eq!(inputs, vec![Input::File(b), Input::Stdin]);
        // a file that changed is read again
        std::fs::write(&a, "x\nmore\n").unwrap();
        let mut inputs = vec![Input::File(a)];
        assert_eq!(c.skip_done(&mut inputs), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
