//! Elasticsearch / OpenSearch `_bulk`: the action line written before each event (index name
//! from `@timestamp` date math, an optional line-hash `_id`), and the response read item by item.
//!
//! Pure: no I/O. The action lines are written by the parallel encoders, so the hash and the
//! date math cost nothing on the sending side.

use serde::Deserialize;

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
    pub fn parse(pattern: &str) -> Result<Self, String> {
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

/// What became of one document of a `_bulk` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Stored (200/201).
    Stored,
    /// 409 on `create`: a document with this `_id` is already there.
    Duplicate,
    /// 429, 5xx or `es_rejected_execution_exception`: send it again later.
    Retry { status: u16, reason: String },
    /// Any other error (a mapping error, 400): sending it again will not help.
    Reject { status: u16, reason: String },
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    create: Option<ItemResult>,
    index: Option<ItemResult>,
}

#[derive(Deserialize)]
struct ItemResult {
    #[serde(rename = "_id")]
    id: Option<String>,
    status: u16,
    error: Option<ItemError>,
}

#[derive(Deserialize)]
struct ItemError {
    #[serde(rename = "type")]
    kind: Option<String>,
    reason: Option<String>,
}

/// Why a `_bulk` response cannot be read item by item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BulkError {
    /// Not a `_bulk` response at all (a Logstash input's `ok`, an HTML page): sending again
    /// will not help.
    NotBulk(String),
    /// A `_bulk` response that does not answer this request (another item count, an `_id` at
    /// some position that is not the document's): the batch counts as unanswered and is sent
    /// again (line-hash ids make that harmless).
    Mismatch(String),
}

impl std::fmt::Display for BulkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BulkError::NotBulk(m) | BulkError::Mismatch(m) => f.write_str(m),
        }
    }
}

/// Reads a `_bulk` response body (simd-json; it parses in place, hence `&mut`): one outcome per
/// document, in request order. `ids` holds each document's `_id` (`None`: Elasticsearch picks
/// it); an item that names another `_id` than its document's is a [`BulkError::Mismatch`].
pub fn parse_response(
    body: &mut [u8],
    ids: &[Option<&[u8]>],
) -> Result<Vec<ItemOutcome>, BulkError> {
    let response: Response = simd_json::serde::from_slice(body).map_err(|e| {
        BulkError::NotBulk(format!("the _bulk response is not the JSON expected: {e}"))
    })?;
    let expected = ids.len();
    if response.items.len() != expected {
        let message = format!(
            "the _bulk response has {} items for {expected} documents",
            response.items.len()
        );
        return Err(if response.items.is_empty() {
            BulkError::NotBulk(message)
        } else {
            BulkError::Mismatch(message)
        });
    }
    let mut outcomes = Vec::with_capacity(expected);
    for (position, (item, sent)) in response.items.into_iter().zip(ids).enumerate() {
        let answered = item
            .create
            .as_ref()
            .or(item.index.as_ref())
            .and_then(|r| r.id.as_deref());
        if let (Some(answered), Some(sent)) = (answered, sent) {
            if answered.as_bytes() != *sent {
                return Err(BulkError::Mismatch(format!(
                    "the _bulk response's item {position} is for _id {answered}, not for the \
                     document sent there"
                )));
            }
        }
        outcomes.push(item_outcome(item));
    }
    Ok(outcomes)
}

/// The `_id` in a `_bulk` unit's action line (`{"create":{"_index":"…","_id":"…"}}`), if any.
pub fn action_id(unit: &[u8]) -> Option<&[u8]> {
    let action = &unit[..memchr::memchr(b'\n', unit).unwrap_or(unit.len())];
    const KEY: &[u8] = b"\"_id\":\"";
    let start = memchr::memmem::find(action, KEY)? + KEY.len();
    let len = memchr::memchr(b'"', &action[start..])?;
    Some(&action[start..start + len])
}

fn item_outcome(item: Item) -> ItemOutcome {
    let Some(result) = item.create.or(item.index) else {
        return ItemOutcome::Retry {
            status: 0,
            reason: "the _bulk response item is neither create nor index".into(),
        };
    };
    let status = result.status;
    let (kind, reason) = match result.error {
        Some(e) => (e.kind.unwrap_or_default(), e.reason.unwrap_or_default()),
        None => (String::new(), String::new()),
    };
    let described = || {
        if kind.is_empty() {
            format!("status {status}")
        } else if reason.is_empty() {
            format!("{status} {kind}")
        } else {
            format!("{status} {kind}: {reason}")
        }
    };
    match status {
        200..=299 => ItemOutcome::Stored,
        409 => ItemOutcome::Duplicate,
        _ if status == 429 || status >= 500 || kind == "es_rejected_execution_exception" => {
            ItemOutcome::Retry {
                status,
                reason: described(),
            }
        }
        _ => ItemOutcome::Reject {
            status,
            reason: described(),
        },
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

    #[test]
    fn bulk_response_items() {
        let mut body = br#"{"took":3,"errors":true,"items":[
            {"create":{"_index":"i","_id":"a","status":201}},
            {"create":{"_index":"i","_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[b]: version conflict, document already exists"}}},
            {"create":{"_index":"i","_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
            {"create":{"_index":"i","_id":"d","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [http.response.status_code]"}}},
            {"create":{"_index":"i","_id":"e","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}},
            {"index":{"_index":"i","_id":"f","status":200}},
            {"create":{"_index":"i","_id":"g","status":400,"error":{"type":"es_rejected_execution_exception"}}}
        ]}"#.to_vec();
        let ids: Vec<Option<&[u8]>> = ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .map(|id| Some(id.as_bytes()))
            .collect();
        let items = parse_response(&mut body, &ids).unwrap();
        assert_eq!(items[0], ItemOutcome::Stored);
        assert_eq!(items[1], ItemOutcome::Duplicate);
        assert!(
            matches!(&items[2], ItemOutcome::Retry { status: 429, reason } if reason.contains("es_rejected_execution_exception"))
        );
        assert!(
            matches!(&items[3], ItemOutcome::Reject { status: 400, reason } if reason.contains("mapper_parsing_exception: failed to parse"))
        );
        assert!(matches!(items[4], ItemOutcome::Retry { status: 503, .. }));
        assert_eq!(items[5], ItemOutcome::Stored);
        assert!(matches!(items[6], ItemOutcome::Retry { status: 400, .. }));
    }

    #[test]
    fn bulk_responses_that_do_not_match() {
        let mut short = br#"{"errors":false,"items":[{"create":{"status":201}}]}"#.to_vec();
        assert!(matches!(
            parse_response(&mut short, &[None, None]),
            Err(BulkError::Mismatch(m)) if m.contains("1 items for 2")
        ));
        let mut html = b"<html>bad gateway</html>".to_vec();
        assert!(matches!(
            parse_response(&mut html, &[None]),
            Err(BulkError::NotBulk(_))
        ));
        let mut ok = b"{\"ok\":true}".to_vec();
        assert!(matches!(
            parse_response(&mut ok, &[None]),
            Err(BulkError::NotBulk(_))
        ));
        // items in another order than the documents: the batch is not answered
        let mut swapped = br#"{"errors":false,"items":[
            {"create":{"_id":"b","status":201}},{"create":{"_id":"a","status":201}}]}"#
            .to_vec();
        let ids = [Some(&b"a"[..]), Some(&b"b"[..])];
        assert!(matches!(
            parse_response(&mut swapped.clone(), &ids),
            Err(BulkError::Mismatch(m)) if m.contains("item 0 is for _id b")
        ));
        // without ids of our own (--id none) there is nothing to check
        assert!(parse_response(&mut swapped, &[None, None]).is_ok());
    }

    #[test]
    fn action_ids() {
        assert_eq!(
            action_id(b"{\"create\":{\"_index\":\"x\",\"_id\":\"00ff\"}}\n{\"_id\":\"no\"}"),
            Some(&b"00ff"[..])
        );
        assert_eq!(
            action_id(b"{\"create\":{\"_index\":\"x\"}}\n{\"_id\":\"no\"}"),
            None
        );
    }
}
