//! Which inputs are settled: an input is, once every batch that holds any of its events has
//! been answered, and none of them left events given up.

use std::collections::{BTreeSet, VecDeque};

use crate::input::Finished;

/// Which inputs have had every batch holding their events answered.
#[derive(Default)]
pub(super) struct AckTracker {
    /// Every batch below this has been answered.
    watermark: u64,
    /// Answered batches above the watermark.
    answered: BTreeSet<u64>,
    /// Batches some of whose events were given up (not delivered, not permanently rejected).
    incomplete: BTreeSet<u64>,
    /// Inputs waiting for their batches: (input, first batch, end batch).
    waiting: VecDeque<(Finished, u64, u64)>,
    /// Where the previous input's batches ended.
    last_end: u64,
}

impl AckTracker {
    pub(super) fn input_done(&mut self, input: Finished, end: u64) {
        // the previous input's last batch may also hold this input's first events
        let first = self.last_end.saturating_sub(1);
        self.waiting.push_back((input, first, end));
        self.last_end = end;
    }

    pub(super) fn ack(&mut self, seq: u64, complete: bool) {
        if !complete {
            self.incomplete.insert(seq);
        }
        self.answered.insert(seq);
        while self.answered.remove(&self.watermark) {
            self.watermark += 1;
        }
    }

    pub(super) fn release(&mut self, delivered: &mut dyn FnMut(&Finished)) {
        while let Some((_, first, end)) = self.waiting.front() {
            if *end > self.watermark {
                break;
            }
            let complete = self.incomplete.range(*first..*end).next().is_none();
            if let Some((input, _, _)) = self.waiting.pop_front() {
                if complete {
                    delivered(&input);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Input;

    fn file(name: &str) -> Finished {
        Finished {
            input: Input::File(name.into()),
            stamp: None,
        }
    }

    fn released(tracker: &mut AckTracker) -> Vec<String> {
        let mut out = Vec::new();
        tracker.release(&mut |f| out.push(f.input.display_name()));
        out
    }

    #[test]
    fn an_input_is_released_once_every_batch_with_its_events_is_answered() {
        let mut t = AckTracker::default();
        // a.log in batches 0..3; b.log starts in batch 2 (shared) and ends in 4
        t.input_done(file("a.log"), 3);
        t.input_done(file("b.log"), 5);
        t.ack(1, true);
        t.ack(0, true);
        assert!(released(&mut t).is_empty(), "batch 2 is not answered");
        // answers out of order: 4 before 2 and 3
        t.ack(4, true);
        t.ack(2, true);
        assert_eq!(released(&mut t), ["a.log"]);
        t.ack(3, true);
        assert_eq!(released(&mut t), ["b.log"]);
        assert!(released(&mut t).is_empty(), "released once");
    }

    #[test]
    fn an_input_with_a_batch_given_up_is_never_released_and_holds_up_no_other() {
        let mut t = AckTracker::default();
        t.input_done(file("a.log"), 2);
        t.input_done(file("b.log"), 4);
        t.input_done(file("c.log"), 7);
        for seq in 0..7 {
            // batch 2 holds b.log's events only (a.log ends in 1, c.log starts in 3)
            t.ack(seq, seq != 2);
        }
        assert_eq!(released(&mut t), ["a.log", "c.log"]);
    }

    #[test]
    fn a_batch_shared_by_two_inputs_given_up_holds_back_both() {
        let mut t = AckTracker::default();
        t.input_done(file("a.log"), 2);
        t.input_done(file("b.log"), 3);
        t.ack(0, true);
        t.ack(1, false);
        t.ack(2, true);
        assert!(released(&mut t).is_empty());
    }
}
