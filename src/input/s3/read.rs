//! One object as a `Read`: a task on the S3 runtime streams the GET body into a channel,
//! at most [`READ_AHEAD_BYTES`] ahead of the reader thread that takes chunks from it. A connection that drops mid-object
//! is picked up with a ranged GET from the first byte not yet handed on, pinned to the
//! listed ETag, so no byte is lost or repeated; 5xx and throttling are the SDK's retries.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::types::RequestPayer;
use bytes::Bytes;
use tokio::sync::{mpsc, Semaphore};

use super::{S3Object, S3};
use crate::stats::S3Counts;

/// Body bytes an object may hold in memory before its reader takes them. Chunks are whatever
/// hyper read (up to about 400 KiB), so this counts bytes, not chunks: with the chunk being
/// read, an object in flight holds at most 2 MiB plus one chunk.
pub const READ_AHEAD_BYTES: usize = 2 << 20;

/// Chunks the channel holds at most (the byte budget is what binds).
const CHANNEL_CHUNKS: usize = 256;

/// Resumes after dropped connections before an object counts as broken.
const MAX_RESUMES: u32 = 10;

/// S3 requests, retries (resumes after a dropped connection) and body bytes.
#[derive(Debug, Default)]
pub struct Counters {
    pub lists: AtomicU64,
    requests: AtomicU64,
    retries: AtomicU64,
    bytes: AtomicU64,
}

impl Counters {
    pub fn load(&self) -> S3Counts {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        S3Counts {
            list_requests: l(&self.lists),
            requests: l(&self.requests),
            retries: l(&self.retries),
            bytes: l(&self.bytes),
        }
    }
}

/// A started GET: what its reader will take.
pub struct Fetch {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    budget: Budget,
}

/// The reading side's hold on an object's byte budget. Dropped (the fetch or its reader
/// gone), it closes the budget, so a fetch waiting for room ends: nobody will read it.
struct Budget(Arc<Semaphore>);

impl Drop for Budget {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Fetch {
    pub fn into_reader(self) -> ObjectReader {
        ObjectReader {
            chunks: self.chunks,
            budget: self.budget,
            current: Bytes::new(),
            done: false,
        }
    }
}

/// The permits a chunk of `len` bytes takes from its object's budget: its length, or the
/// whole budget for a chunk bigger than that.
fn permits(len: usize) -> u32 {
    len.min(READ_AHEAD_BYTES) as u32
}

/// Starts fetching `object` on the S3 runtime.
pub fn start(s3: &S3, object: &S3Object) -> Fetch {
    let (tx, chunks) = mpsc::channel(CHANNEL_CHUNKS);
    let budget = Arc::new(Semaphore::new(READ_AHEAD_BYTES));
    let (client, object) = (s3.client.clone(), object.clone());
    let (options, counters) = (s3.options.clone(), Arc::clone(&s3.counters));
    let ahead = Arc::clone(&budget);
    s3.runtime.spawn(async move {
        let to = Channel {
            tx: &tx,
            budget: &ahead,
        };
        if let Err(e) = stream(&client, &object, &options, &counters, to).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    Fetch {
        chunks,
        budget: Budget(budget),
    }
}

/// Where a fetch puts the chunks: the channel, within the object's byte budget.
#[derive(Clone, Copy)]
struct Channel<'a> {
    tx: &'a mpsc::Sender<io::Result<Bytes>>,
    budget: &'a Semaphore,
}

impl Channel<'_> {
    /// Waits for room in the budget, then hands `chunk` on; false when the reader has gone.
    async fn send(self, chunk: Bytes) -> bool {
        match self.budget.acquire_many(permits(chunk.len())).await {
            Ok(room) => room.forget(),
            Err(_) => return false,
        }
        self.tx.send(Ok(chunk)).await.is_ok()
    }
}

/// Streams the object's body into `to`, resuming by range where a connection dropped.
/// Returns early, with no error, when the reader has gone.
async fn stream(
    client: &aws_sdk_s3::Client,
    object: &S3Object,
    options: &super::Options,
    counters: &Counters,
    to: Channel<'_>,
) -> io::Result<()> {
    let mut offset = 0u64;
    let mut resumes = 0u32;
    loop {
        let mut request = client.get_object().bucket(&object.bucket).key(&object.key);
        if !object.etag.is_empty() {
            request = request.if_match(&object.etag);
        }
        if offset > 0 {
            request = request.range(format!("bytes={offset}-"));
        }
        if options.requester_pays {
            request = request.request_payer(RequestPayer::Requester);
        }
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let mut body = match request.send().await {
            Ok(output) => output.body,
            Err(e) => return Err(get_error(&e, options)),
        };
        let cut = loop {
            match body.next().await {
                Some(Ok(chunk)) => {
                    offset += chunk.len() as u64;
                    counters
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    if !to.send(chunk).await {
                        return Ok(());
                    }
                }
                Some(Err(e)) => break e.to_string(),
                // a body that ends short of the listed size was cut too
                None if offset < object.size => break "the body ended early".to_string(),
                None => return Ok(()),
            }
        };
        resumes += 1;
        if resumes > MAX_RESUMES {
            return Err(io::Error::other(format!(
                "the connection dropped {MAX_RESUMES} times (last: {cut})"
            )));
        }
        counters.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(50 << resumes.min(6))).await;
    }
}

/// A GET that failed for good, in words a user can act on.
fn get_error(e: &SdkError<GetObjectError>, options: &super::Options) -> io::Error {
    let status = e.raw_response().map(|r| r.status().as_u16());
    let code = e.code().unwrap_or("");
    let message = match (status, code) {
        (Some(403), _) | (_, "AccessDenied") => {
            "access denied (403): the credentials may not read this object".to_string()
        }
        (Some(404), _) | (_, "NoSuchKey") => "no such object (404)".to_string(),
        (Some(412), _) => {
            "the object was rewritten while it was read (ETag changed): run again".to_string()
        }
        _ => {
            let response = e.raw_response();
            let region = response.and_then(|r| r.headers().get("x-amz-bucket-region"));
            super::describe(&super::chain(e), region, options)
        }
    };
    io::Error::other(message)
}

/// The reading end of a [`Fetch`].
pub struct ObjectReader {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    budget: Budget,
    current: Bytes,
    done: bool,
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.budget.0.add_permits(permits(chunk.len()) as usize);
                    self.current = chunk;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => self.done = true,
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}
