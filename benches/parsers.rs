//! Criterion benchmarks of each format's parser and of the JSON encoder, in bytes of log text
//! per second. Lines: the real fixtures and the bundled generated ALB sample.

use std::io::Read;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use elbship::format;
use elbship::schema::{self, EventStyle, EventWriter, Schema, StaticFields};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let raw = std::fs::read(path).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

fn bench_parsers(c: &mut Criterion) {
    let sets = [
        ("alb", fixture("sample-alb.log.gz")),
        ("classic", fixture("classic.log")),
        ("nlb", fixture("nlb.log")),
        ("alb_connection", fixture("alb_connection.log")),
    ];
    let mut group = c.benchmark_group("parse");
    for (name, data) in &sets {
        let lines = lines(data);
        let bytes: usize = lines.iter().map(|l| l.len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for line in &lines {
                    let _ = black_box(format::parse_line(black_box(line)));
                }
            })
        });
    }
    group.finish();
}

fn bench_encoder(c: &mut Criterion) {
    let data = fixture("sample-alb.log.gz");
    let lines = lines(&data);
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let records: Vec<_> = lines
        .iter()
        .map(|l| format::parse_line(l).unwrap())
        .collect();
    let mut statics = StaticFields::default();
    statics
        .insert("log.file.path", "sample-alb.log.gz")
        .unwrap();
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Bytes(bytes as u64));
    for (name, schema) in [("alb_ecs", Schema::Ecs), ("alb_legacy", Schema::Legacy)] {
        let style = EventStyle::new(schema, true, &[]);
        let mut out = Vec::with_capacity(bytes * 4);
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut w = EventWriter::new(&mut out, &statics);
                for record in &records {
                    schema::write_record(&mut w, record, &style);
                }
                black_box(out.len())
            })
        });
    }
    let style = EventStyle::new(Schema::Ecs, true, &[]);
    group.bench_function("alb_parse_and_ecs", |b| {
        let mut out = Vec::with_capacity(bytes * 4);
        b.iter(|| {
            out.clear();
            let mut w = EventWriter::new(&mut out, &statics);
            for line in &lines {
                let record = format::parse_line(line).unwrap();
                schema::write_record(&mut w, &record, &style);
            }
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parsers, bench_encoder);
criterion_main!(benches);
