//! A reader thread: takes the next input not yet taken, opens it, cuts it into blocks and
//! sends each to the pool. Every message takes one of this reader's slots first, so a block
//! in memory always holds one.

use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

use super::order::{Body, Message};
use super::{Config, Job};
use crate::error::InputError;
use crate::input::chunk::{self, Chunker, Idle};
use crate::input::{self, Input};

/// How often a reader waiting for stdin's first bytes looks at the stop flag.
const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(50);

pub(super) struct Reader<J: Job> {
    pub config: Config,
    pub id: usize,
    pub next_input: Arc<AtomicUsize>,
    pub pool: Arc<rayon::ThreadPool>,
    pub job: Arc<J>,
    pub slots: Receiver<()>,
    pub messages: Sender<Message<J::Output>>,
}

impl<J: Job> Reader<J> {
    /// Reads inputs until none is left or the consumer has gone.
    pub fn read_inputs(&self) {
        loop {
            let index = self.next_input.fetch_add(1, Ordering::Relaxed);
            let Some(input) = self.config.inputs.get(index) else {
                return;
            };
            if !self.read_input(index, input) {
                return;
            }
        }
    }

    /// Takes a slot and sends one message; false when the consumer has gone.
    fn send(&self, input: usize, block: u64, body: Body<J::Output>) -> bool {
        self.slots.recv().is_ok() && self.message(input, block, body)
    }

    /// Sends a message whose slot is already taken.
    fn message(&self, input: usize, block: u64, body: Body<J::Output>) -> bool {
        let message = Message {
            input,
            block,
            reader: self.id,
            body,
        };
        self.messages.send(message).is_ok()
    }

    /// Reads one input to its end (or its failure, or a stop); false when the run is over
    /// for this reader (the consumer has gone, or a stop).
    fn read_input(&self, index: usize, input: &Input) -> bool {
        let config = &self.config;
        let per_input = match self.job.start_input(input) {
            Ok(p) => Arc::new(p),
            Err(e) => return self.send(index, 0, Body::InputFailed(e)),
        };
        // stdin that stays open: wait for its first bytes here, where a stop is seen (the
        // gzip sniff would block)
        if *input == Input::Stdin && config.stop.is_some() {
            let fd = std::io::stdin().as_raw_fd();
            while !config.stopped() {
                if matches!(chunk::readable(fd, STOP_POLL), Ok(true) | Err(_)) {
                    break;
                }
            }
        }
        if config.stopped() {
            let _ = self.send(index, 0, Body::InputStopped);
            return false;
        }
        let next = config.inputs.get(index + 1..).unwrap_or_default();
        let opened = match input::open(input, next) {
            Ok(o) => o,
            Err(source) => {
                let name = input.display_name();
                return self.send(
                    index,
                    0,
                    Body::InputFailed(InputError::Open { name, source }),
                );
            }
        };
        let (gzip, stamp, idle_fd) = (opened.gzip, opened.stamp, opened.idle_fd);
        let compressed_bytes = opened.compressed_bytes.clone();
        let mut chunker = Chunker::new(opened.reader, config.block_size, config.max_line_bytes);
        if let Some(fd) = idle_fd {
            chunker = chunker.idle(Idle {
                fd,
                after: config.idle_after,
                stop: config.stop.clone(),
            });
        }
        let bytes_in = |chunker: &Chunker<_>| {
            compressed_bytes
                .as_ref()
                .map_or(chunker.bytes_read(), |c| c.load(Ordering::Relaxed))
        };
        let mut reported = 0u64;
        let mut block = 0u64;
        loop {
            // the slot is taken before reading, so a block in memory always holds one
            if self.slots.recv().is_err() {
                return false;
            }
            if config.stopped() && idle_fd.is_none() {
                // a file is left where it is (and read again on a re-run)
                let _ = self.message(index, block, Body::InputStopped);
                return false;
            }
            let piece = match chunker.next_piece() {
                Ok(Some(piece)) => piece,
                Ok(None) if chunker.stopped() => {
                    let _ = self.message(index, block, Body::InputStopped);
                    return false;
                }
                Ok(None) => {
                    let done = Body::InputDone {
                        bytes_in: bytes_in(&chunker),
                        bytes_decoded: chunker.bytes_read(),
                        stamp,
                    };
                    return self.message(index, block, done);
                }
                Err(source) => {
                    let name = input.display_name();
                    let failed = InputError::Read { name, gzip, source };
                    return self.message(index, block, Body::InputFailed(failed));
                }
            };
            if let Some(p) = &config.progress {
                let read = bytes_in(&chunker);
                p.bytes
                    .fetch_add(read.saturating_sub(reported), Ordering::Relaxed);
                reported = read;
            }
            let (messages, job, per_input) = (
                self.messages.clone(),
                Arc::clone(&self.job),
                Arc::clone(&per_input),
            );
            let (reader, max_line) = (self.id, config.max_line_bytes);
            self.pool.spawn(move || {
                let (output, stats) = job.process(piece, max_line, &per_input);
                let body = Body::Block { output, stats };
                let _ = messages.send(Message {
                    input: index,
                    block,
                    reader,
                    body,
                });
            });
            block += 1;
        }
    }
}
