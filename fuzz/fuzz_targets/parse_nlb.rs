//! The nlb parser on any bytes: a record or an error, never a panic; errors render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    if let Err(e) = elbship::format::nlb::parse(line) {
        let _ = e.to_string();
    }
});
