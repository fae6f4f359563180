//! `_bulk` response parsing on any bytes: never panics, and an accepted response has exactly
//! one outcome per document sent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&expected, body)) = data.split_first() else {
        return;
    };
    let mut body = body.to_vec();
    if let Ok(items) = elbship::output::bulk::parse_response(&mut body, usize::from(expected)) {
        assert_eq!(items.len(), usize::from(expected));
    }
});
