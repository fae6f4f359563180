//! `s3://bucket/prefix` inputs: objects listed and streamed straight from S3 (or an
//! S3-compatible store), never staged on disk.
//!
//! The official AWS SDK finds credentials, region and endpoint exactly as the aws cli does
//! (environment, shared config and credentials files with profiles, SSO, assume-role,
//! `credential_process`, web identity, ECS and EC2 instance credentials). One [`S3`] client
//! per run, on a small tokio runtime of its own; the rest of elbship stays synchronous: an
//! object is a `Read` fed by a task (`read.rs`), and the objects after the one being read are
//! fetched ahead, a bounded number at once, so many small objects are not read one
//! round-trip at a time.

mod list;
mod read;

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_s3::Client;

use crate::stats::S3Counts;

use list::ListStats;

/// One object to read, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct S3Object {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    /// The ETag when listed: a ranged re-read after a dropped connection asks for this one,
    /// and the checkpoint records it (an object rewritten under the same key is read again).
    pub etag: String,
}

impl S3Object {
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// `s3://bucket/prefix` split; `None` for anything else.
pub fn parse_url(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, prefix))
}

/// How to reach S3, from the command line (each `None` leaves it to the SDK's chain).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// An S3-compatible store (MinIO, a test server): path-style addressing.
    pub endpoint_url: Option<String>,
    /// Public buckets: send requests unsigned, look for no credentials.
    pub no_sign_request: bool,
    /// `--request-payer requester`.
    pub requester_pays: bool,
    /// Objects fetched at once (the one being read and those ahead of it).
    pub concurrency: usize,
}

/// Default `--s3-concurrency`: objects in flight. A small ALB object is a round trip of tens
/// of milliseconds for a few hundred kilobytes, so reading them one at a time leaves the
/// parsers idle; 16 in flight hides that latency on a 2-core machine and still keeps the
/// read-ahead memory at 16 x [`read::READ_AHEAD_BYTES`] (2 MiB), 32 MiB and 16 chunks. Bigger machines parse faster
/// and may want more (`--s3-concurrency 64`).
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The run's S3 client; created once, on first use.
pub struct S3 {
    runtime: tokio::runtime::Runtime,
    client: Client,
    options: Options,
    /// Objects being fetched ahead, by URL, with what they will hand out.
    ahead: Mutex<HashMap<String, read::Fetch>>,
    counters: Arc<read::Counters>,
}

static CLIENT: OnceLock<Result<Arc<S3>, String>> = OnceLock::new();

/// Sets up the run's client with `options` (the first call wins; later ones get the same
/// client). Fails when no region can be found or the runtime cannot start.
pub fn client(options: &Options) -> io::Result<Arc<S3>> {
    CLIENT
        .get_or_init(|| S3::new(options.clone()).map(Arc::new))
        .clone()
        .map_err(io::Error::other)
}

/// The client set up by [`client`], if any.
fn current() -> io::Result<Arc<S3>> {
    match CLIENT.get() {
        Some(Ok(s3)) => Ok(Arc::clone(s3)),
        Some(Err(e)) => Err(io::Error::other(e.clone())),
        None => Err(io::Error::other("no S3 client was set up")),
    }
}

impl S3 {
    fn new(options: Options) -> Result<S3, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("elbship-s3")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the S3 client: {e}"))?;
        let client = runtime.block_on(build_client(&options))?;
        Ok(S3 {
            runtime,
            client,
            options,
            ahead: Mutex::new(HashMap::new()),
            counters: Arc::new(read::Counters::default()),
        })
    }

    /// What the client did so far.
    pub fn counters(&self) -> S3Counts {
        self.counters.load()
    }
}

/// The HTTP client of every AWS SDK client elbship makes. The SDK's default one ignores
/// HTTPS_PROXY and the like; the aws cli and elbship's HTTP output honour them, so this one
/// does too (what `build_https` does, plus the proxy).
pub(crate) fn sdk_http_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    use aws_smithy_http_client::{proxy::ProxyConfig, Connector};
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = Connector::builder();
        connector.set_connector_settings(settings.cloned());
        // (the time source the SDK would also pass is private to it; the system clock is used)
        connector.set_sleep_impl(components.and_then(|c| c.sleep_impl()));
        connector
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build()
    })
}

async fn build_client(options: &Options) -> Result<Client, String> {
    use aws_config::{BehaviorVersion, Region};
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(sdk_http_client());
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if options.no_sign_request {
        loader = loader.no_credentials();
    }
    // throttling (503 SlowDown), 5xx and connection errors are retried by the SDK with
    // exponential backoff and full jitter; 8 attempts with waits capped at 5 s (the SDK's
    // 20 s cap made an unreachable endpoint a 37 s wait) give S3 about 13 s to recover
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(8)
        .with_max_backoff(std::time::Duration::from_secs(5));
    loader = loader.retry_config(retry);
    let shared = loader.load().await;
    let mut config = aws_sdk_s3::config::Builder::from(&shared);
    if shared.region().is_none() {
        // the bucket's own region is asked for below when this one is wrong
        config = config.region(Region::new("us-east-1"));
    }
    let custom_endpoint = options.endpoint_url.is_some()
        || std::env::var_os("AWS_ENDPOINT_URL").is_some()
        || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    if custom_endpoint {
        config = config.force_path_style(true);
    }
    Ok(Client::from_conf(config.build()))
}

/// An error and its sources, each message once, joined by `: ` (the SDK's own
/// `DisplayErrorContext` adds the error's whole Debug form, which is not for people).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let message = e.to_string();
        if !text.ends_with(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = e.source();
    }
    text
}

/// An SDK error's `chain` as one line a user can act on: which credential sources were tried
/// when none gave credentials, `aws sso login` for an expired SSO session, the bucket's region
/// when the region is wrong, the endpoint and the system's reason when it cannot be reached.
pub(crate) fn describe(chain: &str, bucket_region: Option<&str>, options: &Options) -> String {
    let lower = chain.to_ascii_lowercase();
    let profile = options.profile.as_deref().unwrap_or("default");
    if lower.contains("no credentials found in chain") {
        let tried: Vec<&str> = chain
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix("  ")?.split(':').next())
            .collect();
        return format!(
            "no AWS credentials found (tried: {}); set AWS_PROFILE or AWS_ACCESS_KEY_ID, pass \
             --profile, or --no-sign-request for a public bucket",
            tried.join(", ")
        );
    }
    if lower.contains("sso") && (lower.contains("expired") || lower.contains("token")) {
        return format!(
            "the SSO session of profile {profile} has expired or is missing: run `aws sso login \
             --profile {profile}`"
        );
    }
    if let Some(region) = bucket_region {
        return format!("the bucket is in {region}: pass --region {region}");
    }
    let one_line = chain.lines().next().unwrap_or(chain);
    if lower.starts_with("dispatch failure") {
        // the innermost message is the operating system's reason
        let reason = one_line.rsplit(": ").next().unwrap_or(one_line);
        let endpoint = options.endpoint_url.as_deref().unwrap_or("S3");
        return format!("cannot reach {endpoint}: {reason}");
    }
    one_line.to_string()
}

/// Lists each `s3://bucket/prefix` of `urls` with `options` (32 listings at once): every log
/// object under it, in key order; with a `window`, only the date folders of AWS's layout that
/// can hold entries inside it. One result per URL, in order.
pub fn list_all(
    options: &Options,
    urls: &[String],
    window: &crate::clock::TimeWindow,
) -> Vec<io::Result<Vec<S3Object>>> {
    let s3 = match client(options) {
        Ok(s3) => s3,
        Err(e) => {
            return urls
                .iter()
                .map(|_| Err(io::Error::new(e.kind(), e.to_string())))
                .collect()
        }
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let tasks: Vec<_> = urls
        .iter()
        .map(|url| {
            let (url, window, permits) = (url.clone(), *window, Arc::clone(&permits));
            let (client, options, counters) = (
                s3.client.clone(),
                s3.options.clone(),
                Arc::clone(&s3.counters),
            );
            s3.runtime.spawn(async move {
                let _permit = permits.acquire().await;
                let Some((bucket, prefix)) = parse_url(&url) else {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{url}: expected s3://BUCKET/PREFIX"),
                    ));
                };
                let mut lister = list::Lister {
                    client: &client,
                    bucket,
                    options: &options,
                    lists: &counters.lists,
                    stats: ListStats::default(),
                };
                lister
                    .list(prefix, &window)
                    .await
                    .map_err(|e| io::Error::other(format!("{url}: {e}")))
            })
        })
        .collect();
    tasks
        .into_iter()
        .map(|task| {
            s3.runtime
                .block_on(task)
                .unwrap_or_else(|e| Err(io::Error::other(format!("listing failed: {e}"))))
        })
        .collect()
}

/// Opens `object` for reading: the fetch started ahead for it, or a new one. `next` are the
/// objects that come after it, fetched ahead up to `--s3-concurrency`.
pub fn open(object: &S3Object, next: &[S3Object]) -> io::Result<Box<dyn io::Read + Send>> {
    let s3 = current()?;
    let url = object.url();
    let mut ahead = s3.ahead.lock().map_err(|_| io::Error::other("S3 state"))?;
    let fetch = match ahead.remove(&url) {
        Some(fetch) => fetch,
        None => read::start(&s3, object),
    };
    let room = s3
        .options
        .concurrency
        .max(1)
        .saturating_sub(1 + ahead.len());
    let start: Vec<&S3Object> = next
        .iter()
        .filter(|o| !ahead.contains_key(&o.url()))
        .take(room)
        .collect();
    for o in start {
        ahead.insert(o.url(), read::start(&s3, o));
    }
    drop(ahead);
    Ok(Box::new(fetch.into_reader()))
}

/// Writes the file at `path` as `s3://bucket/key`, streamed from disk, with the SDK's retries
/// (the dead-letter object of a Lambda invocation).
pub fn put_file(bucket: &str, key: &str, path: &std::path::Path) -> io::Result<()> {
    let s3 = current()?;
    let url = format!("s3://{bucket}/{key}");
    s3.runtime.block_on(async {
        let body = aws_sdk_s3::primitives::ByteStream::from_path(path)
            .await
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        s3.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/x-ndjson")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let why = describe(&chain(&e), None, &s3.options);
                io::Error::other(format!("cannot write {url}: {why}"))
            })?;
        Ok(())
    })
}

/// Drops the fetches started ahead for objects that were never opened (a run stopped before
/// them), so a long-lived process (a Lambda function) does not keep their bodies.
pub fn forget_fetched_ahead() {
    if let Ok(s3) = current() {
        if let Ok(mut ahead) = s3.ahead.lock() {
            ahead.clear();
        }
    }
}

/// What the run's S3 client did, when there is one.
pub fn counters() -> Option<S3Counts> {
    current().ok().map(|s3| s3.counters())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("s3://b/AWSLogs/1/"), Some(("b", "AWSLogs/1/")));
        assert_eq!(parse_url("s3://b"), Some(("b", "")));
        assert_eq!(parse_url("s3://b/k.log.gz"), Some(("b", "k.log.gz")));
        assert_eq!(parse_url("s3:///k"), None);
        assert_eq!(parse_url("logs/x.log"), None);
    }

    #[test]
    fn errors_are_one_line_a_user_can_act_on() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let refused = E(
            "dispatch failure",
            Some(Box::new(E(
                "io error",
                Some(Box::new(E("Connection refused (os error 111)", None))),
            ))),
        );
        let text = chain(&refused);
        assert_eq!(
            text,
            "dispatch failure: io error: Connection refused (os error 111)"
        );
        let local = Options {
            endpoint_url: Some("http://127.0.0.1:9".into()),
            ..Options::default()
        };
        assert_eq!(
            describe(&text, None, &local),
            "cannot reach http://127.0.0.1:9: Connection refused (os error 111)"
        );
        assert_eq!(
            describe("x: redirect", Some("ap-south-1"), &local),
            "the bucket is in ap-south-1: pass --region ap-south-1"
        );
        let sso = Options {
            profile: Some("prod".into()),
            ..Options::default()
        };
        assert!(describe("failed to load SSO token: expired", None, &sso)
            .ends_with("run `aws sso login --profile prod`"));
    }
}
