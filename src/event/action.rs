//! The `_bulk` action line written before each event: the index name from `@timestamp` date
//! math and an optional line-hash `_id`. Written by the parallel encoders, so the hash and the
//! date math cost nothing on the sending side. Pure: no I/O.

use crate::error::BadValue;

/// A part of an `--index` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// A byte range of the RFC 3339 `@timestamp` (`yyyy` = 0..4, `MM` = 5..7, ...).
    Time(usize, usize),
}

/// `--index`: a name, or a name with Logstash-style date math (`elb-%{+yyyy.MM.dd}`) from each
/// event's `@timestamp` (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexPattern {
    parts: Vec<Part>,
}

/// The `--index` default: one index per day, as Logstash's `elasticsearch` output does.
pub const DEFAULT_INDEX: &str = "elb-logs-%{+yyyy.MM.dd}";

impl IndexPattern {
    pub fn parse(pattern: &str) -> Result<Self, BadValue> {
        Self::parse_text(pattern).map_err(BadValue)
    }

    fn parse_text(pattern: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = pattern;
        while let Some(start) = rest.find("%{") {
            literal(&rest[..start], &mut parts)?;
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("--index {pattern:?}: '%{{' without its '}}'"))?;
            let spec = after[..end].strip_prefix('+').ok_or_else(|| {
                format!(
                    "--index {pattern:?}: only date math is supported inside %{{}}, like %{{+yyyy.MM.dd}}"
                )
            })?;
            date_parts(spec, &mut parts).map_err(|e| format!("--index {pattern:?}: {e}"))?;
            rest = &after[end + 1..];
        }
        literal(rest, &mut parts)?;
        if parts.is_empty() {
            return Err("--index: the index name is empty".into());
        }
        if let Some(Part::Literal(first)) = parts.first() {
            if first.starts_with(['-', '_', '+']) || first == "." || first == ".." {
                return Err(format!(
                    "--index {pattern:?}: an index name cannot start with '-', '_' or '+'"
                ));
            }
        }
        Ok(IndexPattern { parts })
    }

    /// Writes the index name for an event whose `@timestamp` is `timestamp` (RFC 3339).
    /// A timestamp too short for the pattern (never the case for parsed lines) uses `fallback`.
    fn write(&self, out: &mut Vec<u8>, timestamp: &[u8], fallback: &[u8]) {
        let ts = if timestamp.len() >= 19 {
            timestamp
        } else {
            fallback
        };
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.extend_from_slice(s.as_bytes()),
                Part::Time(from, to) => out.extend_from_slice(ts.get(*from..*to).unwrap_or(b"")),
            }
        }
    }
}

fn literal(text: &str, parts: &mut Vec<Part>) -> Result<(), String> {
    if let Some(bad) = text
        .chars()
        .find(|c| c.is_ascii_uppercase() || "\\/*?\"<>| ,#:".contains(*c) || c.is_control())
    {
        return Err(format!(
            "--index: {bad:?} is not allowed in an index name (lowercase, no \\ / * ? \" < > | , # : or spaces)"
        ));
    }
    if !text.is_empty() {
        parts.push(Part::Literal(text.to_string()));
    }
    Ok(())
}

/// Joda-style letters Logstash users write, as byte ranges of an RFC 3339 timestamp.
fn date_parts(spec: &str, parts: &mut Vec<Part>) -> Result<(), String> {
    const FIELDS: [(&str, usize, usize); 7] = [
        ("yyyy", 0, 4),
        ("yy", 2, 4),
        ("MM", 5, 7),
        ("dd", 8, 10),
        ("HH", 11, 13),
        ("mm", 14, 16),
        ("ss", 17, 19),
    ];
    let mut rest = spec;
    'outer: while !rest.is_empty() {
        for (letters, from, to) in FIELDS {
            if let Some(after) = rest.strip_prefix(letters) {
                parts.push(Part::Time(from, to));
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_ascii_alphabetic() {
            return Err(format!(
                "unsupported date letters at {rest:?} (use yyyy, yy, MM, dd, HH, mm, ss)"
            ));
        }
        literal(&rest[..c.len_utf8()], parts)?;
        rest = &rest[c.len_utf8()..];
    }
    Ok(())
}

/// `--id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdMode {
    /// `_id` = 128-bit XXH3 of the raw line: re-sending a line never makes a second document.
    LineHash,
    /// No `_id`: Elasticsearch picks one (fastest indexing, no protection from duplicates).
    None,
}

/// What goes before each event in a `_bulk` body.
#[derive(Clone, Debug)]
pub struct BulkAction {
    pub index: IndexPattern,
    pub id: IdMode,
}

impl BulkAction {
    /// Writes `{"create":{"_index":"…","_id":"…"}}\n` for the event of `line` (the raw line,
    /// or the kept prefix of an over-long one, whose full length is `line_len`).
    #[inline]
    pub fn write(&self, out: &mut Vec<u8>, timestamp: &[u8], line: &[u8], line_len: u64) {
        out.extend_from_slice(b"{\"create\":{\"_index\":\"");
        self.index.write(out, timestamp, b"1970-01-01T00:00:00Z");
        out.push(b'"');
        if self.id == IdMode::LineHash {
            out.extend_from_slice(b",\"_id\":\"");
            write_hex_u128(out, line_id(line, line_len));
            out.push(b'"');
        }
        out.extend_from_slice(b"}}\n");
    }
}

/// The `_id` of a line: XXH3-128 of its bytes (seeded with the length when only a prefix is
/// kept, so two long lines that share a prefix stay apart).
pub fn line_id(line: &[u8], line_len: u64) -> u128 {
    if line_len == line.len() as u64 {
        xxhash_rust::xxh3::xxh3_128(line)
    } else {
        xxhash_rust::xxh3::xxh3_128_with_seed(line, line_len)
    }
}

fn write_hex_u128(out: &mut Vec<u8>, v: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in (0..32).rev() {
        out.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(pattern: &str, ts: &str) -> String {
        let mut out = Vec::new();
        IndexPattern::parse(pattern).unwrap().write(
            &mut out,
            ts.as_bytes(),
            b"1970-01-01T00:00:00Z",
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn index_date_math_from_the_timestamp() {
        let ts = "2015-05-13T23:39:43.945958Z";
        assert_eq!(index("elb-logs-%{+yyyy.MM.dd}", ts), "elb-logs-2015.05.13");
        assert_eq!(index("elb-%{+yyyy.MM}-x", ts), "elb-2015.05-x");
        assert_eq!(index("a%{+yy}b%{+HH_mm_ss}", ts), "a15b23_39_43");
        assert_eq!(index("logs-elb-default", ts), "logs-elb-default");
        // too short to be a timestamp: the fallback
        assert_eq!(index("e-%{+yyyy}", "2015"), "e-1970");
    }

    #[test]
    fn index_patterns_that_are_refused() {
        for bad in [
            "",
            "Elb",
            "elb logs",
            "_elb",
            "elb-%{+yyyy.MM.dd",
            "elb-%{host}",
            "elb-%{+YYYY}",
            "elb-%{+yyyy/MM}",
        ] {
            assert!(IndexPattern::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn action_lines() {
        let action = BulkAction {
            index: IndexPattern::parse("elb-%{+yyyy.MM.dd}").unwrap(),
            id: IdMode::LineHash,
        };
        let mut out = Vec::new();
        action.write(&mut out, b"2024-02-29T01:02:03Z", b"line", 4);
        let text = String::from_utf8(out).unwrap();
        let id = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(b"line"));
        assert_eq!(
            text,
            format!("{{\"create\":{{\"_index\":\"elb-2024.02.29\",\"_id\":\"{id}\"}}}}\n")
        );
        let none = BulkAction {
            id: IdMode::None,
            ..action
        };
        let mut out = Vec::new();
        none.write(&mut out, b"2024-02-29T01:02:03Z", b"line", 4);
        assert_eq!(out, b"{\"create\":{\"_index\":\"elb-2024.02.29\"}}\n");
    }

    #[test]
    fn line_ids_are_stable_and_tell_prefixes_apart() {
        // XXH3-128 is a fixed algorithm: this value must never change, or re-runs duplicate
        assert_eq!(line_id(b"", 0), 0x99aa06d3014798d86001c324468d497f);
        assert_ne!(line_id(b"abc", 3), line_id(b"abc", 10));
        assert_ne!(line_id(b"abc", 10), line_id(b"abc", 11));
    }
}
