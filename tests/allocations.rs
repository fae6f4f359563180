//! The hot path allocates per block, never per line or per field: a counting global allocator
//! watches `encode_piece` on blocks of 100 and 10,000 lines.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use elbship::clock::TimeWindow;
use elbship::event::action::{BulkAction, IdMode, IndexPattern};
use elbship::event::EncodeEvents;
use elbship::input::chunk::Piece;
use elbship::schema::{EventStyle, Schema, StaticFields};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn block(lines: usize) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut pool = Vec::new();
    for f in ["alb.log", "classic.log", "nlb.log", "alb_connection.log"] {
        let text = std::fs::read(dir.join(f)).unwrap();
        pool.extend(
            text.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    let mut out = Vec::new();
    for i in 0..lines {
        out.extend_from_slice(&pool[i % pool.len()]);
        out.push(b'\n');
    }
    out
}

/// Allocations made while encoding a block of `lines` lines, in `schema`, with `_bulk`
/// action lines (date-math index, line-hash id) when `bulk`.
fn allocations(lines: usize, schema: Schema, bulk: bool) -> usize {
    let mut statics = StaticFields::default();
    statics.insert("log.file.path", "x.log").unwrap();
    statics.insert("labels.env", "prod").unwrap();
    let style = EventStyle::new(schema, true, &["elb".to_string()]);
    let data = block(lines);
    let work = EncodeEvents {
        style,
        processing_time: "now".into(),
        window: TimeWindow::default(),
        bulk: bulk.then(|| BulkAction {
            index: IndexPattern::parse("elb-%{+yyyy.MM.dd}").unwrap(),
            id: IdMode::LineHash,
        }),
        add_fields: Vec::new(),
        stdin_name: None,
    };
    let piece = Piece::Lines(data);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let (block, stats) = work.encode(&piece, 1 << 20, &statics);
    let ndjson = block.ndjson;
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    assert_eq!(stats.events as usize, lines);
    assert_eq!(stats.parse_failures, 0);
    assert!(ndjson.len() > lines * 100);
    after - before
}

#[test]
fn no_allocation_per_line_or_field() {
    for (schema, bulk) in [
        (Schema::Ecs, false),
        (Schema::Legacy, false),
        (Schema::Ecs, true),
    ] {
        let small = allocations(100, schema, bulk);
        let large = allocations(10_000, schema, bulk);
        // a handful per block (the output buffer, the writer's bookkeeping), the same for
        // 100 lines as for 10,000 (~40 fields each)
        assert!(
            large <= 4,
            "{schema:?}, bulk {bulk}: {large} allocations for 10,000 lines"
        );
        assert_eq!(
            small, large,
            "{schema:?}, bulk {bulk}: allocations grow with the number of lines"
        );
    }
}
