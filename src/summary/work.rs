//! The summary job: the engine hands it blocks of lines, it returns a partial [`Summary`] per
//! block (they merge in input order on the consuming thread).

use super::{GroupBy, Summary};
use crate::clock::TimeWindow;
use crate::error::InputError;
use crate::event::in_window;
use crate::format;
use crate::input::chunk::{Line, Piece};
use crate::input::Input;
use crate::pipeline::Job;
use crate::stats::Stats;

/// Blocks to partial [`Summary`] reports, for `elbship summary`.
#[derive(Clone, Debug)]
pub struct SummarizeBlocks {
    pub by: Option<GroupBy>,
    pub window: TimeWindow,
}

impl Job for SummarizeBlocks {
    type PerInput = ();
    type Output = Summary;

    fn start_input(&self, _input: &Input) -> Result<(), InputError> {
        Ok(())
    }

    fn process(&self, piece: Piece, max_line: usize, _: &()) -> (Summary, Stats) {
        let mut summary = Summary::default();
        let mut stats = Stats::default();
        piece.for_each_line(max_line, |line| {
            stats.lines += 1;
            match line {
                Line::Empty => stats.empty_lines += 1,
                // by reference: moving the record out of the `Result` copies its kilobyte
                Line::Text(text) => match &format::parse_line(text) {
                    Ok(record) if in_window(&self.window, record) => {
                        summary.add(record, self.by);
                    }
                    Ok(_) => stats.outside_window += 1,
                    Err(_) => stats.parse_failures += 1,
                },
                Line::TooLong { .. } | Line::Truncated(_) => stats.parse_failures += 1,
            }
        });
        (summary, stats)
    }
}
