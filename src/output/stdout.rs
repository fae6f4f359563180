//! The stdout sink: each block's NDJSON in one `write`, in input order. An input is delivered
//! once its last block is written.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;

use super::{Delivered, Sink, SinkError, SinkReport};
use crate::event::EventBlock;
use crate::input::Finished;

pub struct StdoutSink {
    /// stdout as a plain file: whole blocks go out in one write, with no line buffering.
    out: File,
    delivered: Delivered,
    error: Option<io::Error>,
}

impl StdoutSink {
    pub fn new(delivered: Delivered) -> Result<StdoutSink, SinkError> {
        let fd = io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| SinkError::Start(format!("cannot use stdout: {e}")))?;
        Ok(StdoutSink {
            out: File::from(fd),
            delivered,
            error: None,
        })
    }
}

impl Sink for StdoutSink {
    fn send(&mut self, events: EventBlock) -> io::Result<()> {
        self.out.write_all(&events.ndjson).inspect_err(|e| {
            // a closed stdout (`| head`) is how a pipe ends, not an error
            if e.kind() != io::ErrorKind::BrokenPipe {
                self.error = Some(io::Error::new(e.kind(), e.to_string()));
            }
        })
    }

    fn input_done(&mut self, input: &Finished) {
        if self.error.is_none() {
            (self.delivered)(input);
        }
    }

    fn finish(mut self: Box<Self>) -> SinkReport {
        if self.error.is_none() {
            if let Err(e) = self.out.flush() {
                self.error = Some(e);
            }
        }
        SinkReport {
            delivery: None,
            errors: self.error.map(SinkError::Stdout).into_iter().collect(),
            drain_timed_out: false,
        }
    }
}
