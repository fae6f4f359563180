//! The S3 log file name parser on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|name: &str| {
    if let Some(meta) = elbship::input::s3key::parse(name) {
        assert_eq!(meta.account_id.len(), 12);
        assert!(name.contains(meta.region));
    }
});
