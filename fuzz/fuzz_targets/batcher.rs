//! The HTTP batcher on any lines cut into any blocks, with any limits: never panics, never
//! loses or reorders a byte (NDJSON bodies concatenated give back the input), and keeps every
//! batch within its event limit. Also `--index` patterns on any text.
#![no_main]

use elbship::event::action::{BulkAction, IdMode, IndexPattern};
use elbship::event::EventBlock;
use elbship::output::batch::{Batcher, Framing};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let (max_events, max_bytes, cut) = (
        usize::from(data[0] % 8) + 1,
        usize::from(data[1]) * 4 + 1,
        usize::from(data[2]) + 1,
    );
    let input = &data[3..];
    for framing in [Framing::Ndjson, Framing::JsonArray, Framing::Bulk] {
        let mut batcher = Batcher::new(framing, max_bytes, max_events);
        let mut batches = Vec::new();
        // blocks of `cut` whole lines, as the encoder makes them
        let lines: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
        for block in lines.chunks(cut) {
            let block = EventBlock::from_ndjson(&block.concat(), framing.lines_per_unit());
            batcher.add(&block, &mut |b| batches.push(b));
        }
        batches.extend(batcher.flush());
        for b in &batches {
            assert!(b.len() <= max_events && !b.is_empty());
            for i in 0..b.len() {
                let _ = b.event(i);
            }
        }
        if framing == Framing::Ndjson {
            let joined: Vec<u8> = batches.iter().flat_map(|b| b.body().to_vec()).collect();
            let mut expected = input.to_vec();
            if !expected.is_empty() && !expected.ends_with(b"\n") {
                expected.push(b'\n');
            }
            assert_eq!(joined, expected);
        }
    }
    if let Ok(pattern) = std::str::from_utf8(input) {
        if let Ok(index) = IndexPattern::parse(pattern) {
            let action = BulkAction { index, id: IdMode::LineHash };
            let mut out = Vec::new();
            action.write(&mut out, b"2024-02-29T23:59:58.123456Z", input, input.len() as u64);
            action.write(&mut out, b"short", input, 0);
            assert!(out.ends_with(b"}}\n"));
        }
    }
});
