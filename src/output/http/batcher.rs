//! The batcher thread: cuts batches from the blocks, hands each to a free sender, and turns
//! the senders' answers into "this input is settled" for the checkpoint.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::ack::AckTracker;
use super::sender::{run_sender, Ack};
use super::{add, Shared, ToBatcher};
use crate::output::batch::{Batch, Batcher};
use crate::output::Delivered;

/// The batcher thread: cuts batches, hands them to the senders, tracks acknowledgements.
pub(super) fn run_batcher(
    shared: &Arc<Shared>,
    from_main: Receiver<ToBatcher>,
    mut delivered: Delivered,
) {
    let options = &shared.options;
    let senders = options.max_in_flight.max(1);
    // a rendezvous: a batch leaves the batcher only when a sender is free to take it
    let (to_senders, from_batcher) = mpsc::sync_channel::<Batch>(0);
    let from_batcher = Arc::new(Mutex::new(from_batcher));
    let (ack_tx, acks) = mpsc::channel::<Ack>();
    let mut threads = Vec::with_capacity(senders);
    for i in 0..senders {
        let sender_shared = Arc::clone(shared);
        let from_batcher = Arc::clone(&from_batcher);
        let ack_tx = ack_tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("elbship-send-{i}"))
            .spawn(move || run_sender(&sender_shared, &from_batcher, &ack_tx, i as u64));
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) if threads.is_empty() => {
                shared.set_fatal(format!("cannot start the HTTP senders: {e}"));
                return;
            }
            Err(_) => break,
        }
    }
    drop(ack_tx);

    let mut batcher = Batcher::new(options.framing, options.batch_bytes, options.batch_events);
    let mut tracker = AckTracker::default();
    let mut opened: Option<(u64, Instant)> = None;
    let dispatch = |batch: Batch| {
        // fails only if every sender is gone, and then the batch counts as not delivered
        let _ = to_senders.send(batch);
    };
    loop {
        let message = match opened {
            Some((_, at)) => from_main.recv_timeout(options.linger.saturating_sub(at.elapsed())),
            None => from_main.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match message {
            Ok(ToBatcher::Block(block)) => {
                add(&shared.tally.events, block.len());
                batcher.add(&block, &mut |batch| dispatch(batch));
                // the linger clock runs from the first event of the batch now open
                opened = match (batcher.open_seq(), opened) {
                    (Some(seq), Some((since, at))) if since == seq => Some((seq, at)),
                    (Some(seq), _) => Some((seq, Instant::now())),
                    (None, _) => None,
                };
            }
            Ok(ToBatcher::InputDone(input)) => tracker.input_done(input, batcher.seq_bound()),
            Err(RecvTimeoutError::Timeout) => {
                if let Some(batch) = batcher.flush() {
                    dispatch(batch);
                }
                opened = None;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while let Ok(ack) = acks.try_recv() {
            tracker.ack(ack.seq, ack.complete);
            if let Some(buffer) = ack.buffer {
                batcher.recycle(buffer);
            }
        }
        tracker.release(&mut delivered);
    }
    if let Some(batch) = batcher.flush() {
        dispatch(batch);
    }
    drop(to_senders);
    for ack in acks.iter() {
        tracker.ack(ack.seq, ack.complete);
        tracker.release(&mut delivered);
    }
    for t in threads {
        let _ = t.join();
    }
}
