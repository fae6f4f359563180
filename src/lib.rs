//! elbship: AWS load balancer access logs in, Logstash-compatible NDJSON events out.
//!
//! The binary (`src/main.rs`) is a thin shell over this library so that tests and benchmarks run
//! the same code. Floors, top to bottom: `app` → `pipeline`, `cli` → `schema`, `input` →
//! `format`, `stats`, `clock`, `error`; nothing imports upward. `format` and `schema` are pure
//! (no I/O, no threads).

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(clippy::print_stderr)]

pub mod app;
pub mod checkpoint;
pub mod cli;
pub mod clock;
pub mod diag;
pub mod error;
pub mod format;
pub mod input;
pub mod json;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod schema;
pub mod stats;
pub mod summary;
