//! The quote-aware and the bare tokenizer on any bytes: tokens are pieces of the line, in
//! order, and the tokenizer always ends. The one-pass split, stopped after any number of
//! fields, reads the same fields as the quote-aware tokenizer when it reads the line at all.
#![no_main]

use elbship::format::tokens::{split_quoted, Token, Tokenizer};
use libfuzzer_sys::fuzz_target;

/// A field as compared: column, bytes and quoting, or the column of the tokenizer's error.
type Field<'a> = Result<(usize, &'a [u8], bool), usize>;

/// The quote-aware fields from the tokenizer's position on, and its error if it meets one.
fn fields_of<'a>(mut t: Tokenizer<'a>, line: &[u8]) -> Vec<Field<'a>> {
    let mut out = Vec::new();
    loop {
        match t.next_token() {
            Ok(Some(tok)) => out.push(Ok((tok.col, tok.bytes, tok.quoted))),
            Ok(None) => return out,
            Err(e) => {
                out.push(Err(e.col));
                return out;
            }
        }
        assert!(out.len() <= line.len() + 1);
    }
}

fuzz_target!(|line: &[u8]| {
    let all = fields_of(Tokenizer::new(line), line);
    let mut last = 0;
    for &(col, bytes, _) in all.iter().flatten() {
        assert!(col >= last && col + bytes.len() <= line.len());
        last = col;
    }
    for max in [0, 1, 3, 17, all.len().saturating_sub(1), all.len(), 48] {
        let mut fields = vec![Token::default(); max];
        let Some((n, pos)) = split_quoted(line, &mut fields) else {
            continue;
        };
        // the fields it read, then the tokenizer going on from where it stopped, are the
        // tokenizer's fields (and its error, where the line has one)
        let mut split: Vec<_> = fields[..n]
            .iter()
            .map(|t| Ok((t.col, t.bytes, t.quoted)))
            .collect();
        if n == max {
            split.extend(fields_of(Tokenizer::starting_at(line, pos), line));
        } else {
            assert!(matches!(Tokenizer::starting_at(line, pos).next_token(), Ok(None)));
        }
        assert_eq!(split, all, "after {max} fields");
    }
    let mut t = Tokenizer::new(line);
    let mut n = 0;
    while let Some(tok) = t.next_bare() {
        assert!(!tok.bytes.contains(&b' '));
        n += 1;
        assert!(n <= line.len() + 1);
    }
});
