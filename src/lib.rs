//! elbship: AWS load balancer access logs in, Logstash-compatible NDJSON events out.
//!
//! The binary (`src/main.rs`) is a thin shell over this library so that tests and benchmarks
//! run the same code. Floors, top to bottom; nothing imports upward:
//!
//! - `app` — the one run path
//! - `config` — arguments to a plan; `cli` — the clap declarations and value parsers
//! - `output` — the sinks (stdout, HTTP); `summary` — the summary job and report
//! - `event` — the encode job
//! - `pipeline` — the engine, generic over the job
//! - `schema` — event mappings; `input` — sources and blocks; `checkpoint`; `progress`
//! - `stats`; `clock` (time values, over `format`'s timestamp check)
//! - `format` — pure parsers; `json` — the escaper and a small writer
//! - `error`, `messages`
//!
//! `format`, `schema` and `json` are pure (no I/O, no threads).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(clippy::print_stderr)]

pub mod app;
pub mod checkpoint;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod event;
pub mod format;
pub mod input;
pub mod json;
pub mod lambda;
pub mod messages;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod schema;
pub mod stats;
pub mod summary;
