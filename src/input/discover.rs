//! From command-line arguments to the list of inputs: directories walked for log files,
//! `--files-from` lists, and `--shard I/N` to split a backfill across machines.

use std::ffi::{OsStr, OsString};
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use super::Input;
use crate::error::BadValue;

/// `--shard I/N`: keep the files whose name hashes to `index` of `count` (0 <= index < count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `I/N`, e.g. `0/4` … `3/4` (the index counts from 0, like AWS Batch's
    /// `AWS_BATCH_JOB_ARRAY_INDEX` and Kubernetes' `JOB_COMPLETION_INDEX`).
    pub fn parse(s: &str) -> Result<Shard, BadValue> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| BadValue(format!("expected I/N like 0/4, got {s:?}")))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| BadValue(format!("{i:?} is not a shard index")))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| BadValue(format!("{n:?} is not a shard count")))?;
        if count == 0 || index >= count {
            return Err(BadValue(format!("shard {index}/{count}: need 0 <= I < N")));
        }
        Ok(Shard { index, count })
    }

    /// Whether the file at `path` belongs to this shard: a hash of its base name, so the
    /// split is the same on every machine whatever directory the files sit in.
    pub fn takes(&self, path: &Path) -> bool {
        let name = path.file_name().unwrap_or(path.as_os_str());
        name_hash(name.as_encoded_bytes()) % self.count == self.index
    }
}

/// FNV-1a (64-bit), then MurmurHash3's 64-bit finalizer: FNV's low bits alone split
/// similar names (AWS's differ in a few characters) unevenly under a small modulus.
fn name_hash(bytes: &[u8]) -> u64 {
    let mut h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Files in a directory that are load balancer logs: `.log` or `.log.gz`, not AWS's test file.
pub fn is_log_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(OsStr::to_str) else {
        return false;
    };
    !name.starts_with("ELBAccessLogTestFile")
        && !name.starts_with("ELBConnectionLogTestFile")
        && (name.ends_with(".log") || name.ends_with(".log.gz"))
}

/// The inputs, remarks worth a line on stderr (links skipped), and failures: inputs named
/// that turned out to hold nothing to read (a directory without log files), which end the run
/// with exit 1 like a missing file.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// `s3://` prefixes named, with where their objects go in `inputs` (they are listed
    /// by the caller, which knows how to reach S3).
    pub s3: Vec<(usize, String)>,
    pub remarks: Vec<String>,
    pub failures: Vec<String>,
}

/// Expands FILE arguments and a `--files-from` list (`-` = stdin) into inputs, in the order
/// given; directories are walked recursively in name order (see [`Walk`] for links). No
/// argument and no list = stdin.
pub fn discover(
    args: &[OsString],
    files_from: Option<&OsStr>,
    shard: Option<Shard>,
    follow: bool,
    s3_bucket: Option<&str>,
) -> io::Result<Discovered> {
    let mut named: Vec<OsString> = args.to_vec();
    if let Some(list) = files_from {
        let reader: Box<dyn BufRead> = if list == "-" {
            Box::new(io::stdin().lock())
        } else {
            Box::new(io::BufReader::new(std::fs::File::open(list).map_err(
                |e| {
                    io::Error::new(
                        e.kind(),
                        format!("--files-from {}: {e}", Path::new(list).display()),
                    )
                },
            )?))
        };
        for line in reader.lines() {
            let line = line?;
            let trimmed = line.trim();
            let key = listed_path(trimmed);
            let path = if key.len() == trimmed.len() {
                key.to_string()
            } else if let Some(bucket) = s3_bucket {
                // a key of `aws s3 ls --recursive s3://bucket/...`, read from the bucket
                format!("s3://{bucket}/{key}")
            } else {
                // a key from a listing of a prefix that was synced somewhere else
                synced_path(key, |p| Path::new(p).exists())
            };
            if !path.is_empty() && !path.starts_with('#') {
                named.push(OsString::from(path));
            }
        }
    } else if named.is_empty() {
        named.push(OsString::from("-"));
    }
    let mut found = Discovered::default();
    let mut walk = Walk {
        follow,
        ..Walk::default()
    };
    for arg in named {
        if arg == "-" {
            found.inputs.push(Input::Stdin);
            continue;
        }
        if let Some(url) = arg.to_str().filter(|a| a.starts_with("s3://")) {
            found.s3.push((found.inputs.len(), url.to_string()));
            continue;
        }
        let path = PathBuf::from(&arg);
        if path.is_dir() {
            let before = found.inputs.len();
            walk.dir(&path, &mut found.inputs);
            if found.inputs.len() == before {
                found.failures.push(format!(
                    "{}: no .log or .log.gz files in this directory",
                    path.display()
                ));
            }
        } else {
            found.inputs.push(Input::File(path));
        }
    }
    found.remarks.append(&mut walk.remarks);
    if walk.links_skipped > 0 {
        found.remarks.push(format!(
            "skipped {} links to directories (pass --follow to walk them)",
            walk.links_skipped
        ));
    }
    if let Some(shard) = shard {
        found.inputs.retain(|i| match i {
            Input::File(p) => shard.takes(p),
            Input::S3(o) => shard.takes(Path::new(&o.key)),
            Input::Stdin => true,
        });
    }
    Ok(found)
}

/// Where the object `key` of an `aws s3 ls --recursive` listing is on disk: the key itself if
/// that exists, else the longest tail of it that does. `aws s3 sync s3://b/AWSLogs/…/2025/
/// logs/` drops the prefix, so run in `logs/` a listing's `AWSLogs/…/2025/06/01/x.log.gz` is
/// found as `06/01/x.log.gz`. Nothing found: the key, reported missing in its place.
fn synced_path(key: &str, exists: impl Fn(&str) -> bool) -> String {
    let mut tail = key;
    loop {
        if exists(tail) {
            return tail.to_string();
        }
        match tail.split_once('/') {
            Some((_, rest)) if !rest.is_empty() => tail = rest,
            _ => return key.to_string(),
        }
    }
}

/// The path on a `--files-from` line: the line itself, or the key of an `aws s3 ls
/// --recursive` line (`2025-06-01 00:05:12     123456 AWSLogs/…/x.log.gz`).
fn listed_path(line: &str) -> &str {
    let b = line.as_bytes();
    let listing = b.len() > 20
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':';
    if !listing {
        return line;
    }
    let rest = line[19..].trim_start();
    match rest.split_once(' ') {
        Some((size, key)) if size.bytes().all(|c| c.is_ascii_digit()) => key.trim_start(),
        _ => line,
    }
}

/// A walk of directories for log files, depth first in name order.
///
/// Links to files are read like the files they point to. Links to directories are not
/// walked unless `follow` (as with ripgrep and fd): a link back up the tree would read every
/// file under it again, at every level. With `follow`, a link to a directory already on the
/// path being walked (same device and inode) is a loop, reported and not entered. Either
/// way each file (device and inode) is taken once, however many names lead to it.
#[derive(Default)]
struct Walk {
    follow: bool,
    /// The directories on the current path, as (device, inode).
    path: Vec<(u64, u64)>,
    /// The files taken so far, as (device, inode).
    seen: std::collections::HashSet<(u64, u64)>,
    links_skipped: usize,
    remarks: Vec<String>,
}

impl Walk {
    /// A directory that cannot be read is kept as an input, so that opening it reports the
    /// problem in its place.
    fn dir(&mut self, dir: &Path, out: &mut Vec<Input>) {
        use std::os::unix::fs::MetadataExt;
        let id = match std::fs::metadata(dir) {
            Ok(meta) => (meta.dev(), meta.ino()),
            Err(_) => {
                out.push(Input::File(dir.to_path_buf()));
                return;
            }
        };
        if self.path.contains(&id) {
            self.remarks.push(format!(
                "{}: a link loop (it leads back to a directory above it); not walked again",
                dir.display()
            ));
            return;
        }
        let mut entries: Vec<(PathBuf, std::fs::FileType)> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .filter_map(|e| Some((e.path(), e.file_type().ok()?)))
                .collect(),
            Err(_) => {
                out.push(Input::File(dir.to_path_buf()));
                return;
            }
        };
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        self.path.push(id);
        for (path, kind) in entries {
            // what a link points to (a dangling link is left to `is_log_file` and `open`)
            let target = if kind.is_symlink() {
                std::fs::metadata(&path).ok()
            } else {
                None
            };
            let is_dir = match &target {
                Some(meta) => meta.is_dir(),
                None => kind.is_dir(),
            };
            if is_dir {
                if kind.is_symlink() && !self.follow {
                    self.links_skipped += 1;
                } else {
                    self.dir(&path, out);
                }
            } else if is_log_file(&path) {
                let meta = target.or_else(|| std::fs::metadata(&path).ok());
                let first = meta.is_none_or(|m| self.seen.insert((m.dev(), m.ino())));
                if first {
                    out.push(Input::File(path));
                }
            }
        }
        self.path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_names() {
        let names: Vec<PathBuf> = (0..1000)
            .map(|i| PathBuf::from(format!("/x/123456789012_elasticloadbalancing_us-east-1_app.a.b_20250601T{i:04}Z_10.0.0.1_r{i}.log.gz")))
            .collect();
        let n = 4;
        let mut total = 0;
        for index in 0..n {
            let shard = Shard { index, count: n };
            let taken = names.iter().filter(|p| shard.takes(p)).count();
            assert!(taken > 150, "shard {index} took {taken} of 1000");
            total += taken;
        }
        assert_eq!(total, 1000, "every file in exactly one shard");
        // the directory does not matter, the name does
        let s = Shard { index: 1, count: 3 };
        assert_eq!(
            s.takes(Path::new("/a/f.log")),
            s.takes(Path::new("/b/c/f.log"))
        );
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
        assert!(Shard::parse("a/2").is_err());
    }

    #[test]
    fn aws_s3_ls_lines_give_their_key() {
        assert_eq!(
            listed_path("2025-06-01 00:05:12     123456 AWSLogs/123/x y.log.gz"),
            "AWSLogs/123/x y.log.gz"
        );
        assert_eq!(listed_path("logs/a.log"), "logs/a.log");
        assert_eq!(listed_path("2025-06-01 notes.log"), "2025-06-01 notes.log");
    }

    #[test]
    fn a_listed_key_is_found_where_its_prefix_was_synced() {
        let on_disk = ["06/01/x.log.gz", "AWSLogs/1/y.log"];
        let exists = |p: &str| on_disk.contains(&p);
        assert_eq!(synced_path("AWSLogs/1/y.log", exists), "AWSLogs/1/y.log");
        assert_eq!(
            synced_path("AWSLogs/1/elb/2025/06/01/x.log.gz", exists),
            "06/01/x.log.gz"
        );
        assert_eq!(
            synced_path("AWSLogs/1/gone.log", exists),
            "AWSLogs/1/gone.log"
        );
    }

    #[test]
    fn log_file_names() {
        assert!(is_log_file(Path::new(
            "x/123_elasticloadbalancing_a.log.gz"
        )));
        assert!(is_log_file(Path::new("plain.log")));
        assert!(!is_log_file(Path::new("ELBAccessLogTestFile")));
        assert!(!is_log_file(Path::new("x/ELBAccessLogTestFile.log")));
        assert!(!is_log_file(Path::new("notes.txt")));
        assert!(!is_log_file(Path::new("archive.gz")));
    }
}
