//! The input path on any bytes: gzip sniffing, (multi-member) inflate, block cutting with a
//! small line limit. Always ends; what comes out is bounded by the limits.
#![no_main]

use std::io::Cursor;

use elbship::input::chunk::{Chunker, Piece};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(opened) = elbship::input::sniff(Box::new(Cursor::new(data.to_vec()))) else {
        return;
    };
    let mut chunker = Chunker::new(opened.reader, 64, 256);
    let mut total = 0usize;
    loop {
        match chunker.next_piece() {
            Ok(Some(Piece::Lines(b))) => total += b.len(),
            Ok(Some(Piece::TooLong { prefix, .. })) => assert!(prefix.len() <= 256),
            Ok(Some(Piece::Truncated(b))) => total += b.len(),
            Ok(None) | Err(_) => break,
        }
        // a gzip bomb is not a crash: stop after a bounded amount
        if total > 64 << 20 {
            break;
        }
    }
});
