//! A sender thread: takes a batch when free and delivers it, retrying with backoff, splitting
//! on 413, settling `_bulk` items one by one, dead-lettering what cannot be delivered.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Mutex;
use std::time::Instant;

use super::client::{post, retryable, tls_error, Answer};
use super::{add, Shared};
use crate::output::batch::{Batch, Framing};
use crate::output::bulk::{self, BulkError, ItemOutcome};
use crate::output::retry::{self, Jitter, StatusClass};

/// A sender's report on one batch.
pub(super) struct Ack {
    pub(super) seq: u64,
    /// Every event stored, already there, or permanently rejected (and dead-lettered).
    pub(super) complete: bool,
    /// The batch's buffer, for the next batch.
    pub(super) buffer: Option<Vec<u8>>,
}

/// A sender thread: takes a batch when free, delivers it (retrying), reports the answer.
pub(super) fn run_sender(
    shared: &Shared,
    from_batcher: &Mutex<Receiver<Batch>>,
    acks: &Sender<Ack>,
    id: u64,
) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut jitter = Jitter::new(seed);
    loop {
        let next = match from_batcher.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(batch) = next else {
            return;
        };
        let seq = batch.seq;
        let (complete, buffer) = if let Some(why) = shared.fatal_message() {
            shared.dead_letter_all(&batch, None, &format!("not sent: the run stopped: {why}"));
            (false, None)
        } else if shared.aborted() {
            shared.dead_letter_all(&batch, None, "not sent: interrupted");
            (false, None)
        } else {
            add(&shared.tally.sent, batch.len());
            deliver(shared, batch, &mut jitter)
        };
        let ack = Ack {
            seq,
            complete,
            buffer,
        };
        if acks.send(ack).is_err() {
            return;
        }
    }
}

/// Delivers one batch: true when every event was stored, already there, or permanently
/// rejected (and dead-lettered); false when some were given up. Also hands back the batch's
/// buffer when it went out whole.
fn deliver(shared: &Shared, batch: Batch, jitter: &mut Jitter) -> (bool, Option<Vec<u8>>) {
    let options = &shared.options;
    let policy = options.retry;
    let started = Instant::now();
    let mut pending = batch;
    let mut attempt = 0u32;
    // some documents were rejected and could not be put in the dead-letter file
    let mut lost = false;
    loop {
        // why this attempt failed, whether the sink ack at all, how long it asked to wait
        let (why, status, reachable, asked_wait) = match post(shared, &pending) {
            Answer::Status {
                status,
                retry_after,
                location,
                mut body,
            } => match retry::classify(status) {
                StatusClass::Accepted if options.framing == Framing::Bulk => {
                    let ids: Vec<Option<&[u8]>> = (0..pending.len())
                        .map(|i| bulk::action_id(pending.unit(i)))
                        .collect();
                    match bulk::parse_response(&mut body, &ids) {
                        Ok(items) => match settle_items(shared, &pending, &items) {
                            Settled::Done { kept } => {
                                return (kept && !lost, Some(pending.into_buffer()))
                            }
                            Settled::Retry { indices, why, kept } => {
                                lost |= !kept;
                                pending = pending.subset(indices);
                                (why, None, true, None)
                            }
                        },
                        // an answer to another request, or items out of order: nothing of it
                        // is counted, the whole batch goes again
                        Err(BulkError::Mismatch(why)) => (shared.redact(&why), None, true, None),
                        Err(BulkError::NotBulk(e)) => {
                            // not a _bulk endpoint (a Logstash input answers `ok`): retrying
                            // cannot help, and sending the rest would not either
                            let message = format!(
                                "{}: {}; check that --output names an Elasticsearch or \
                                 OpenSearch endpoint",
                                shared.shown_url,
                                shared.redact(&e)
                            );
                            shared.dead_letter_all(&pending, Some(status), &message);
                            shared.set_fatal(message);
                            return (false, None);
                        }
                    }
                }
                StatusClass::Accepted => {
                    add(&shared.tally.acknowledged, pending.len());
                    return (true, Some(pending.into_buffer()));
                }
                StatusClass::Retry => (
                    format!("HTTP {status}{}", shared.snippet(&body)),
                    Some(status),
                    false,
                    retry_after,
                ),
                StatusClass::TooLarge => {
                    if pending.len() > 1 {
                        let (left, right) = pending.split();
                        let (left, _) = deliver(shared, left, jitter);
                        let (right, _) = deliver(shared, right, jitter);
                        return (left && right, Some(pending.into_buffer()));
                    }
                    // given up for good: complete once it is on disk
                    let kept = shared.dead_letter_all(
                        &pending,
                        Some(413),
                        "the sink refused this event as too large (413), alone in its request",
                    );
                    return (kept && !lost, None);
                }
                StatusClass::Redirect => {
                    let to = location.map_or_else(
                        || "no Location given".to_string(),
                        |l| format!("to {}", shared.redact(&crate::output::redact_url(&l))),
                    );
                    let message = format!(
                        "{} ack HTTP {status}, a redirect {to}; elbship does not follow \
                         redirects (a POST would turn into a GET, or the credentials would go \
                         to another host): put the URL it points to in --output",
                        shared.shown_url
                    );
                    shared.dead_letter_all(&pending, Some(status), &message);
                    shared.set_fatal(message);
                    return (false, None);
                }
                StatusClass::Fatal => {
                    let message = format!(
                        "{} ack HTTP {status}{}; {}",
                        shared.shown_url,
                        shared.snippet(&body),
                        retry::fatal_hint(status)
                    );
                    shared.dead_letter_all(&pending, Some(status), &message);
                    shared.set_fatal(message);
                    return (false, None);
                }
            },
            Answer::Failed(e) if retryable(&e) => {
                (shared.redact(&e.to_string()), None, false, None)
            }
            Answer::Failed(e) => {
                let hint = if tls_error(&e).is_some() {
                    " (to trust a private CA pass --ca-cert FILE; --insecure skips the check)"
                } else {
                    ""
                };
                let message = format!(
                    "cannot send to {}: {}{hint}",
                    shared.shown_url,
                    shared.redact(&e.to_string())
                );
                shared.dead_letter_all(&pending, None, &message);
                shared.set_fatal(message);
                return (false, None);
            }
        };
        if let Some(p) = &options.progress {
            p.retries.fetch_add(1, Ordering::Relaxed);
        }
        let elapsed = started.elapsed();
        let out_of_time = policy.max_time.is_some_and(|max| elapsed >= max);
        if out_of_time || shared.aborted() {
            let reason = if out_of_time {
                format!(
                    "gave up after {:.0} s of retries (--retry-max-time): {why}",
                    elapsed.as_secs_f64()
                )
            } else {
                shared.why_stopped(&why)
            };
            shared.dead_letter_all(&pending, status, &reason);
            if !reachable && out_of_time {
                shared.set_fatal(format!("{}: {reason}", shared.shown_url));
            }
            return (false, None);
        }
        let mut wait = policy.wait(attempt, jitter.draw(), asked_wait);
        if let Some(max) = policy.max_time {
            wait = wait.min(max.saturating_sub(elapsed));
        }
        attempt = attempt.saturating_add(1);
        if !shared.sleep(wait) {
            shared.dead_letter_all(&pending, status, &shared.why_stopped(&why));
            return (false, None);
        }
        add(&shared.tally.retried, pending.len());
    }
}

/// What a `_bulk` answer leaves to do.
enum Settled {
    /// Nothing more to send; `kept`: every rejected document is in the dead-letter file.
    Done { kept: bool },
    /// These documents go again, for this reason.
    Retry {
        indices: Vec<usize>,
        why: String,
        kept: bool,
    },
}

/// Counts a `_bulk` answer's items and dead-letters the rejected ones (in one append).
fn settle_items(shared: &Shared, batch: &Batch, items: &[ItemOutcome]) -> Settled {
    let mut retry = Vec::new();
    let mut why = String::new();
    let mut rejected: Vec<(usize, Option<u16>, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            ItemOutcome::Stored => add(&shared.tally.acknowledged, 1),
            ItemOutcome::Duplicate => add(&shared.tally.duplicates, 1),
            ItemOutcome::Retry { reason, .. } => {
                if why.is_empty() {
                    why = format!("bulk item {reason}");
                }
                retry.push(i);
            }
            ItemOutcome::Reject { status, reason } => {
                rejected.push((i, Some(*status), format!("rejected: {reason}")));
            }
        }
    }
    let kept = rejected.is_empty() || shared.dead_letter(batch, &rejected);
    if retry.is_empty() {
        Settled::Done { kept }
    } else {
        Settled::Retry {
            indices: retry,
            why,
            kept,
        }
    }
}
