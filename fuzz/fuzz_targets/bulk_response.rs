//! `_bulk` response parsing on any bytes: never panics, and an accepted response has exactly
//! one outcome per document sent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&expected, body)) = data.split_first() else {
        return;
    };
    let mut body = body.to_vec();
    // every other document with an `_id` of its own, as with --id line-hash
    let ids: Vec<Option<&[u8]>> = (0..usize::from(expected))
        .map(|i| (i % 2 == 0).then_some(&b"0123456789abcdef"[..]))
        .collect();
    if let Ok(items) = elbship::output::bulk::parse_response(&mut body, &ids) {
        assert_eq!(items.len(), usize::from(expected));
    }
});
