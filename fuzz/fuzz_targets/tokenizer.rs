//! The quote-aware and the bare tokenizer on any bytes: tokens are pieces of the line, in
//! order, and the tokenizer always ends.
#![no_main]

use elbship::format::tokens::Tokenizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let mut t = Tokenizer::new(line);
    let mut last = 0;
    let mut n = 0;
    while let Ok(Some(tok)) = t.next_token() {
        assert!(tok.col >= last && tok.col + tok.bytes.len() <= line.len());
        last = tok.col;
        n += 1;
        assert!(n <= line.len() + 1);
    }
    let mut t = Tokenizer::new(line);
    let mut n = 0;
    while let Some(tok) = t.next_bare() {
        assert!(!tok.bytes.contains(&b' '));
        n += 1;
        assert!(n <= line.len() + 1);
    }
});
