//! Listing a prefix: ListObjectsV2, page after page, in key order. Only log objects are kept
//! (`*.log`, `*.log.gz`, as in a directory walk); AWS's `ELBAccessLogTestFile` is not one.

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::types::RequestPayer;
use aws_sdk_s3::Client;

use super::{Options, S3Object};
use crate::input::discover::is_log_file;

/// What a listing cost and found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListStats {
    pub requests: u64,
    /// Keys seen, log objects or not.
    pub keys: u64,
}

pub(super) async fn list(
    client: &Client,
    bucket: &str,
    prefix: &str,
    options: &Options,
    lists: &std::sync::atomic::AtomicU64,
) -> Result<(Vec<S3Object>, ListStats), String> {
    let mut objects = Vec::new();
    let mut stats = ListStats::default();
    let mut token: Option<String> = None;
    loop {
        let mut request = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.take());
        if options.requester_pays {
            request = request.request_payer(RequestPayer::Requester);
        }
        stats.requests += 1;
        lists.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let page = request.send().await.map_err(|e| {
            let status = e.raw_response().map(|r| r.status().as_u16());
            match status {
                Some(404) => format!("no such bucket {bucket:?} (404)"),
                Some(403) => "access denied (403): the credentials may not list this prefix".into(),
                Some(301) => "the bucket is in another region: pass its --region".into(),
                _ => format!("cannot list: {}", DisplayErrorContext(&e)),
            }
        })?;
        for o in page.contents() {
            stats.keys += 1;
            let Some(key) = o.key() else { continue };
            if !is_log_file(std::path::Path::new(key)) {
                continue;
            }
            objects.push(S3Object {
                bucket: bucket.to_string(),
                key: key.to_string(),
                size: o.size().unwrap_or(0).max(0) as u64,
                etag: o.e_tag().unwrap_or("").to_string(),
            });
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
            _ => break,
        }
    }
    // S3 lists in UTF-8 binary order already; sorting keeps it so for any store
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok((objects, stats))
}
