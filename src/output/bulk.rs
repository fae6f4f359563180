//! Elasticsearch / OpenSearch `_bulk` responses, read item by item, and the `_id` of an action
//! line (the action lines themselves are written by [`crate::event::action`]). Pure: no I/O.

use serde::Deserialize;

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
    // elbship's own action lines end `"_id":"` + 32 hex digits + `"}}`: read it there, without
    // a search per document (a quote inside the index name is escaped, so no `"_id":"` can
    // come before the key, and none can end the line but the key's)
    if let Some(tail) = action
        .len()
        .checked_sub(KEY.len() + 35)
        .map(|at| &action[at..])
    {
        let id = &tail[KEY.len()..KEY.len() + 32];
        if tail.starts_with(KEY) && tail.ends_with(b"\"}}") && id.iter().all(u8::is_ascii_hexdigit)
        {
            return Some(id);
        }
    }
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
        // the action lines elbship writes, read from their end
        let id = "0123456789abcdef0123456789abcdef";
        for index in ["elb-logs-2024.01.01", "a\\\"_id\\\":\\\"b", "x"] {
            let with = format!("{{\"create\":{{\"_index\":\"{index}\",\"_id\":\"{id}\"}}}}\n{{}}");
            assert_eq!(action_id(with.as_bytes()), Some(id.as_bytes()), "{with}");
            let without =
                format!("{{\"create\":{{\"_index\":\"{index}\"}}}}\n{{\"_id\":\"{id}\"}}");
            assert_eq!(action_id(without.as_bytes()), None, "{without}");
        }
        // an index name that ends like an id, without one: still none
        let tricky = format!("{{\"create\":{{\"_index\":\"{id}\"}}}}\n{{}}");
        assert_eq!(action_id(tricky.as_bytes()), None);
    }
}
