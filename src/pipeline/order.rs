//! Putting the blocks back in order: worker threads finish blocks in any order, and the
//! consumer gets them input by input, block by block. Each message gives its reader a slot
//! back once it has been handed on, which is what bounds the memory of the whole run.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::mpsc::{Receiver, SyncSender};

use crate::error::InputError;
use crate::input::{Finished, Input, Stamp};
use crate::stats::Stats;

/// What happened to one block (or one input), sent to the consuming thread.
pub(super) struct Message<O> {
    /// Index of the input in `Config::inputs`.
    pub input: usize,
    /// Block number within the input; the input's last message (done, failed or stopped)
    /// comes last.
    pub block: u64,
    /// The reader thread that took a slot for this message (it gets the slot back).
    pub reader: usize,
    pub body: Body<O>,
}

pub(super) enum Body<O> {
    Block {
        output: O,
        stats: Stats,
    },
    /// The input could not be opened or broke; reported at its place in the order.
    InputFailed(InputError),
    /// The input was left before its end because of `Config::stop` (never checkpointed).
    InputStopped,
    /// The input was read to its end.
    InputDone {
        bytes_in: u64,
        bytes_decoded: u64,
        /// The file as it was opened.
        stamp: Option<Stamp>,
    },
}

/// The consuming side as [`consume_in_order`] sees it.
pub(super) trait Ordered<O> {
    fn block(&mut self, output: O, lines: u64) -> io::Result<()>;
    fn input_done(&mut self, input: &Finished);
    fn warn(&mut self, message: &dyn fmt::Display);
}

/// Hands outputs to `to` input by input, block by block, whatever order they come in, until
/// every reader has hung up. Stops at the first error from `to`.
pub(super) fn consume_in_order<O>(
    inputs: &[Input],
    messages: &Receiver<Message<O>>,
    slot_txs: &[SyncSender<()>],
    to: &mut dyn Ordered<O>,
    stats: &mut Stats,
) -> io::Result<()> {
    let mut waiting: BTreeMap<(usize, u64), (usize, Body<O>)> = BTreeMap::new();
    let (mut input, mut block) = (0usize, 0u64);
    // the counts of the input being consumed, for the "not a log" warning
    let mut this_input = Stats::default();
    // after a stop the readers end their inputs at the next block, and what they read
    // still comes through here
    while let Ok(message) = messages.recv() {
        waiting.insert(
            (message.input, message.block),
            (message.reader, message.body),
        );
        while let Some((reader, body)) = waiting.remove(&(input, block)) {
            let last = match body {
                Body::Block { output, stats: s } => {
                    to.block(output, s.lines)?;
                    *stats += s;
                    this_input += s;
                    false
                }
                Body::InputFailed(error) => {
                    to.warn(&error);
                    stats.inputs += 1;
                    stats.inputs_failed += 1;
                    true
                }
                Body::InputStopped => {
                    stats.inputs += 1;
                    warn_if_not_a_log(&inputs[input], &this_input, to);
                    true
                }
                Body::InputDone {
                    bytes_in,
                    bytes_decoded,
                    stamp,
                } => {
                    warn_if_not_a_log(&inputs[input], &this_input, to);
                    to.input_done(&Finished {
                        input: inputs[input].clone(),
                        stamp,
                    });
                    stats.bytes_in += bytes_in;
                    stats.bytes_decoded += bytes_decoded;
                    stats.inputs += 1;
                    true
                }
            };
            let _ = slot_txs[reader].send(());
            if last {
                input += 1;
                block = 0;
                this_input = Stats::default();
            } else {
                block += 1;
            }
        }
    }
    Ok(())
}

/// An input none of whose lines is a load balancer log line (a PNG, a JSON file, the wrong
/// directory) says so once: its lines are failure events, which is no reason to be silent.
fn warn_if_not_a_log<O>(input: &Input, counts: &Stats, to: &mut dyn Ordered<O>) {
    let lines = counts.lines - counts.empty_lines;
    if lines > 0 && counts.parse_failures == lines {
        let what = if lines == 1 {
            "its one line is not".to_string()
        } else {
            format!("none of its {lines} lines is")
        };
        to.warn(&format_args!(
            "{}: {what} a load balancer log line",
            input.display_name()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::mpsc;

    #[derive(Default)]
    struct Record {
        seen: Vec<String>,
        fail_at: Option<usize>,
    }

    impl Ordered<&'static str> for Record {
        fn block(&mut self, output: &'static str, lines: u64) -> io::Result<()> {
            if self.fail_at == Some(self.seen.len()) {
                return Err(io::Error::other("sink gone"));
            }
            self.seen.push(format!("{output}/{lines}"));
            Ok(())
        }
        fn input_done(&mut self, input: &Finished) {
            self.seen
                .push(format!("done {}", input.input.display_name()));
        }
        fn warn(&mut self, message: &dyn fmt::Display) {
            self.seen.push(format!("warn {message}"));
        }
    }

    fn block(input: usize, block: u64, text: &'static str, lines: u64) -> Message<&'static str> {
        let stats = Stats {
            lines,
            events: lines,
            ..Stats::default()
        };
        Message {
            input,
            block,
            reader: 0,
            body: Body::Block {
                output: text,
                stats,
            },
        }
    }

    fn done(input: usize, block: u64) -> Message<&'static str> {
        Message {
            input,
            block,
            reader: 0,
            body: Body::InputDone {
                bytes_in: 10,
                bytes_decoded: 20,
                stamp: None,
            },
        }
    }

    fn inputs() -> Vec<Input> {
        ["a.log", "b.log", "c.log"]
            .map(|p| Input::File(PathBuf::from(p)))
            .to_vec()
    }

    /// Sends `messages` in the given order and consumes them; also checks that every
    /// message gave its slot back.
    fn consume(messages: Vec<Message<&'static str>>, to: &mut Record) -> (io::Result<()>, Stats) {
        let (tx, rx) = mpsc::channel();
        let (slot_tx, slot_rx) = mpsc::sync_channel(messages.len() + 1);
        let count = messages.len();
        for m in messages {
            tx.send(m).unwrap();
        }
        drop(tx);
        let mut stats = Stats::default();
        let result = consume_in_order(&inputs(), &rx, &[slot_tx], to, &mut stats);
        if result.is_ok() {
            assert_eq!(
                slot_rx.try_iter().count(),
                count,
                "a slot was not given back"
            );
        }
        (result, stats)
    }

    #[test]
    fn blocks_come_out_in_input_and_block_order_whatever_order_they_arrive_in() {
        let failed = Message {
            input: 1,
            block: 0,
            reader: 0,
            body: Body::InputFailed(InputError::Open {
                name: "b.log".into(),
                source: io::Error::from(io::ErrorKind::NotFound),
            }),
        };
        let arrivals = vec![
            block(2, 0, "c0", 1),
            done(0, 2),
            block(0, 1, "a1", 2),
            failed,
            done(2, 1),
            block(0, 0, "a0", 3),
        ];
        let mut to = Record::default();
        let (result, stats) = consume(arrivals, &mut to);
        result.unwrap();
        assert_eq!(
            to.seen,
            [
                "a0/3",
                "a1/2",
                "done a.log",
                "warn b.log: cannot open: no such file",
                "c0/1",
                "done c.log"
            ]
        );
        assert_eq!((stats.inputs, stats.inputs_failed, stats.lines), (3, 1, 6));
        assert_eq!((stats.bytes_in, stats.bytes_decoded), (20, 40));
    }

    #[test]
    fn an_input_of_failure_events_only_says_it_is_not_a_log() {
        let mut not_a_log = block(0, 0, "x", 4);
        if let Body::Block { stats, .. } = &mut not_a_log.body {
            stats.parse_failures = 4;
        }
        let mut to = Record::default();
        consume(vec![done(0, 1), not_a_log], &mut to).0.unwrap();
        assert_eq!(
            to.seen,
            [
                "x/4",
                "warn a.log: none of its 4 lines is a load balancer log line",
                "done a.log"
            ]
        );
    }

    #[test]
    fn a_stopped_input_is_never_done_and_a_consumer_error_stops_at_once() {
        let stopped = Message {
            input: 0,
            block: 1,
            reader: 0,
            body: Body::InputStopped,
        };
        let mut to = Record::default();
        let (result, stats) = consume(vec![stopped, block(0, 0, "a0", 1)], &mut to);
        result.unwrap();
        assert_eq!(to.seen, ["a0/1"]);
        assert_eq!(stats.inputs, 1);

        let mut to = Record {
            fail_at: Some(1),
            ..Record::default()
        };
        let arrivals = vec![block(0, 0, "a0", 1), block(0, 1, "a1", 1), done(0, 2)];
        let (result, _) = consume(arrivals, &mut to);
        assert_eq!(result.unwrap_err().to_string(), "sink gone");
        assert_eq!(to.seen, ["a0/1"]);
    }
}
