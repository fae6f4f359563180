//! Any line, parsed or not, in both schemas: exactly one line of valid JSON whose `message`
//! is the input (lossy UTF-8), and whose string fields are valid strings.
#![no_main]

use elbship::format;
use elbship::schema::{self, EventStyle, EventWriter, Failure, Schema, StaticFields};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    if line.contains(&b'\n') {
        return;
    }
    let mut statics = StaticFields::default();
    let _ = statics.insert("labels.env", "fuzz");
    for schema in [Schema::Ecs, Schema::Legacy] {
        let style = EventStyle::new(schema, true, &["t\"ag".to_string()]);
        let mut out = Vec::new();
        let mut w = EventWriter::new(&mut out, &statics);
        match format::parse_line(line) {
            Ok(record) => schema::write_record(&mut w, &record, &style),
            Err(e) => schema::write_failure(&mut w, line, &Failure::Parse(e), &style, "2024-01-01T00:00:00.000Z"),
        }
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let event: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let message = event["message"].as_str().expect("message");
        assert_eq!(message, String::from_utf8_lossy(line));
        assert_eq!(event["labels"]["env"], "fuzz");
    }
});
