//! Listing a prefix: ListObjectsV2, page after page, in key order. Only log objects are kept
//! (`*.log`, `*.log.gz`, as in a directory walk); AWS's `ELBAccessLogTestFile` is not one.
//!
//! With `--since/--until`, a prefix in AWS's layout,
//! `[prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/`, is walked one level
//! at a time (a listing with `/` as delimiter), and only the years, months and days that can
//! hold entries inside the window are entered: a day out of three years costs a handful of
//! List requests, not a listing of the bucket. A prefix above `AWSLogs/` has its `AWSLogs/`
//! walked that way and anything else beside it listed whole.

use aws_sdk_s3::types::RequestPayer;
use aws_sdk_s3::Client;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Options, S3Object};
use crate::clock::{self, TimeWindow};
use crate::input::discover::is_log_file;

/// What a listing cost and found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListStats {
    pub requests: u64,
    /// Keys seen, log objects or not.
    pub keys: u64,
}

/// Where a listing goes: one bucket, with the run's options and request counter.
pub(super) struct Lister<'a> {
    pub client: &'a Client,
    pub bucket: &'a str,
    pub options: &'a Options,
    pub lists: &'a AtomicU64,
    pub stats: ListStats,
}

type Listed<'f> = Pin<Box<dyn Future<Output = Result<Vec<S3Object>, String>> + Send + 'f>>;

impl Lister<'_> {
    /// Every log object under `prefix`, in key order; inside `window` when the prefix is in
    /// AWS's layout.
    pub async fn list(
        &mut self,
        prefix: &str,
        window: &TimeWindow,
    ) -> Result<Vec<S3Object>, String> {
        let mut objects = if window.is_set() && (prefix.is_empty() || prefix.ends_with('/')) {
            match layout_depth(prefix) {
                Some(depth) => self.walk(prefix.to_string(), depth, window).await?,
                None => self.above_layout(prefix, window).await?,
            }
        } else {
            self.page(prefix, None).await?.1
        };
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// A prefix above `AWSLogs/`: its `AWSLogs/` walked, the rest listed whole.
    async fn above_layout(
        &mut self,
        prefix: &str,
        window: &TimeWindow,
    ) -> Result<Vec<S3Object>, String> {
        let (children, mut objects) = self.page(prefix, Some("/")).await?;
        for child in children {
            if child.ends_with("/AWSLogs/") || child == "AWSLogs/" {
                objects.extend(self.walk(child, 0, window).await?);
            } else {
                objects.extend(self.page(&child, None).await?.1);
            }
        }
        Ok(objects)
    }

    /// Walks `prefix`, `depth` levels below `AWSLogs/` (0: accounts ... 3: years, 4: months,
    /// 5: days, 6: a day's files), entering only the dates the window can use.
    fn walk<'f>(&'f mut self, prefix: String, depth: usize, window: &'f TimeWindow) -> Listed<'f> {
        Box::pin(async move {
            if depth >= 6 {
                return Ok(self.page(&prefix, None).await?.1);
            }
            let (children, mut objects) = self.page(&prefix, Some("/")).await?;
            for child in children {
                let name = child[prefix.len()..].trim_end_matches('/');
                if depth >= 3 && !date_may_hold(&prefix, name, depth, window) {
                    continue;
                }
                objects.extend(self.walk(child, depth + 1, window).await?);
            }
            Ok(objects)
        })
    }

    /// One listing of `prefix`, every page: the common prefixes (with a delimiter) and the
    /// log objects.
    async fn page(
        &mut self,
        prefix: &str,
        delimiter: Option<&str>,
    ) -> Result<(Vec<String>, Vec<S3Object>), String> {
        let (bucket, options) = (self.bucket, self.options);
        let mut children = Vec::new();
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_delimiter(delimiter.map(str::to_string))
                .set_continuation_token(token.take());
            if options.requester_pays {
                request = request.request_payer(RequestPayer::Requester);
            }
            self.stats.requests += 1;
            self.lists.fetch_add(1, Ordering::Relaxed);
            let page = request.send().await.map_err(|e| {
                let response = e.raw_response();
                let status = response.map(|r| r.status().as_u16());
                let region = response.and_then(|r| r.headers().get("x-amz-bucket-region"));
                match status {
                    Some(404) => format!("no such bucket {bucket:?} (404)"),
                    Some(403) => {
                        "access denied (403): the credentials may not list this prefix".into()
                    }
                    _ => {
                        let text = super::chain(&e);
                        format!("cannot list: {}", super::describe(&text, region, options))
                    }
                }
            })?;
            children.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_string)),
            );
            for o in page.contents() {
                self.stats.keys += 1;
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
        Ok((children, objects))
    }
}

/// Levels below `AWSLogs/` of a prefix ending in `/` (`AWSLogs/` itself is 0), or `None`
/// when it is not inside AWS's layout.
fn layout_depth(prefix: &str) -> Option<usize> {
    let segments: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let at = segments.iter().rposition(|s| *s == "AWSLogs")?;
    Some(segments.len() - at - 1)
}

/// Whether the year, month or day folder `name` under `prefix` (at `depth` 3, 4 or 5
/// below `AWSLogs/`) can hold entries inside `window`. A folder that is not a date is
/// entered.
fn date_may_hold(prefix: &str, name: &str, depth: usize, window: &TimeWindow) -> bool {
    let segments: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let dates: Vec<&str> = segments[segments.len() - (depth - 3)..]
        .iter()
        .copied()
        .chain([name])
        .collect();
    let numbers: Option<Vec<i64>> = dates.iter().map(|d| d.parse().ok()).collect();
    let Some(n) = numbers else {
        return true;
    };
    let (y, m, d) = (n[0], n.get(1).copied(), n.get(2).copied());
    let micros = |y: i64, m: i64, d: i64| {
        let text = format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
        clock::parse_timestamp_micros(text.as_bytes())
    };
    let range = match (m, d) {
        (None, _) => micros(y, 1, 1).zip(micros(y + 1, 1, 1)),
        (Some(m), None) => {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            micros(y, m, 1).zip(micros(ny, nm, 1))
        }
        (Some(m), Some(d)) => micros(y, m, d).map(|s| (s, s + 86_400_000_000)),
    };
    match range {
        Some((start, end)) => !window.excludes_range(start, end),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_below_awslogs() {
        assert_eq!(layout_depth("AWSLogs/"), Some(0));
        assert_eq!(layout_depth("team/AWSLogs/123456789012/"), Some(1));
        let day = "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2025/06/01/";
        assert_eq!(layout_depth(day), Some(6));
        assert_eq!(layout_depth("logs/"), None);
        assert_eq!(layout_depth(""), None);
    }

    #[test]
    fn dates_outside_the_window_are_not_entered() {
        let at = |t: &str| clock::parse_timestamp_micros(t.as_bytes());
        let window = TimeWindow {
            since: at("2025-06-01T00:00:00Z"),
            until: at("2025-06-02T00:00:00Z"),
        };
        let region = "AWSLogs/1/elasticloadbalancing/us-east-1/";
        assert!(date_may_hold(region, "2025", 3, &window));
        assert!(!date_may_hold(region, "2024", 3, &window));
        let year = format!("{region}2025/");
        assert!(date_may_hold(&year, "06", 4, &window));
        assert!(!date_may_hold(&year, "07", 4, &window));
        // the next day's first files end just after midnight and hold entries from before it
        let june = format!("{year}06/");
        assert!(date_may_hold(&june, "01", 5, &window));
        assert!(date_may_hold(&june, "02", 5, &window));
        assert!(!date_may_hold(&june, "03", 5, &window));
        assert!(date_may_hold(&june, "not-a-day", 5, &window));
    }
}
