//! Format detection and dispatch on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let _ = elbship::format::detect(line);
    match elbship::format::parse_line(line) {
        Ok(record) => assert_eq!(Some(record.format()), elbship::format::detect(line)),
        Err(e) => drop(e.to_string()),
    }
});
