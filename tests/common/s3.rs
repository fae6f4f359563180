//! A real S3 server for the tests (moto's, from PyPI `moto[server]`, which `.ci/run`
//! installs) on 127.0.0.1, and a small proxy the tests put in front of it that records every
//! request and misbehaves on cue: denies one key, answers 503 SlowDown, or cuts a response
//! off mid-body.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// moto's S3 server on a free port of 127.0.0.1; stopped when dropped. Objects are put
/// with the AWS SDK (moto refuses some unsigned requests).
pub struct S3Server {
    child: Child,
    pub url: String,
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
}

impl S3Server {
    pub fn start() -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // `moto_server`, or the module itself where pip put no script on PATH
        let port_arg = port.to_string();
        let server_args = ["-H", "127.0.0.1", "-p", &port_arg];
        let spawn = |program: &str, pre: &[&str]| {
            Command::new(program)
                .args(pre)
                .args(server_args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
        };
        let child = match std::env::var("ELBSHIP_MOTO_SERVER") {
            Ok(program) => spawn(&program, &[]),
            Err(_) => {
                spawn("moto_server", &[]).or_else(|_| spawn("python3", &["-m", "moto.server"]))
            }
        }
        .unwrap_or_else(|e| {
            panic!("cannot start moto's S3 server ({e}): pip install 'moto[server]'")
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let url = format!("http://127.0.0.1:{port}");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = aws_sdk_s3::Config::builder()
            .http_client(http_client())
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&url)
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .build();
        S3Server {
            child,
            url,
            runtime,
            client: aws_sdk_s3::Client::from_conf(config),
        }
    }

    pub fn bucket(&self, name: &str) {
        let r = self
            .runtime
            .block_on(self.client.create_bucket().bucket(name).send());
        assert!(r.is_ok(), "create bucket {name}: {r:?}");
    }

    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) {
        let request = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body.to_vec().into());
        let r = self.runtime.block_on(request.send());
        assert!(r.is_ok(), "put {key}: {r:?}");
    }

    /// The body of an object, as text.
    pub fn get(&self, bucket: &str, key: &str) -> String {
        self.runtime.block_on(async {
            let r = self
                .client
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await;
            let body = r.unwrap_or_else(|e| panic!("get {key}: {e:?}")).body;
            let bytes = body.collect().await.unwrap().into_bytes();
            String::from_utf8(bytes.to_vec()).unwrap()
        })
    }

    /// What the test's clients of other services on the same server are made from.
    fn sdk_config(&self) -> aws_config::SdkConfig {
        use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
        aws_config::SdkConfig::builder()
            .http_client(http_client())
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            )))
            .build()
    }

    /// Creates a Secrets Manager secret holding `text` on the same server; its ARN.
    pub fn put_secret(&self, name: &str, text: &str) -> String {
        let client = aws_sdk_secretsmanager::Client::new(&self.sdk_config());
        let request = client.create_secret().name(name).secret_string(text);
        let r = self.runtime.block_on(request.send());
        r.unwrap_or_else(|e| panic!("create secret {name}: {e:?}"))
            .arn
            .unwrap()
    }

    /// Puts an SSM SecureString parameter holding `value` on the same server; its ARN.
    pub fn put_parameter(&self, name: &str, value: &str) -> String {
        let client = aws_sdk_ssm::Client::new(&self.sdk_config());
        let request = client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString);
        let r = self.runtime.block_on(request.send());
        assert!(r.is_ok(), "put parameter {name}: {r:?}");
        format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}")
    }

    /// Puts many objects, 16 at a time.
    pub fn put_all(&self, bucket: &str, objects: &[(String, Vec<u8>)]) {
        self.runtime.block_on(async {
            for part in objects.chunks(16) {
                let puts = part.iter().map(|(key, body)| {
                    self.client
                        .put_object()
                        .bucket(bucket)
                        .key(key)
                        .body(body.clone().into())
                        .send()
                });
                for r in futures_join(puts).await {
                    assert!(r.is_ok(), "put: {r:?}");
                }
            }
        });
    }
}

/// The SDK clients' HTTP client (the SDK's default one is not built in).
fn http_client() -> aws_sdk_s3::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Awaits every future, started together.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `GET /bucket/key?...`
    pub line: String,
    pub range: Option<String>,
    pub authorization: Option<String>,
}

/// How the proxy misbehaves.
#[derive(Default)]
pub struct Faults {
    /// Answer 403 AccessDenied to GETs of keys containing this.
    pub deny: Option<String>,
    /// Answer 503 SlowDown to this many requests first.
    pub slow_down_first: usize,
    /// Cut the connection after this many response bytes of the first GET of a key
    /// containing the text.
    pub cut: Option<(String, usize)>,
    /// Answer every request 301 PermanentRedirect, as S3 does when the bucket is in this
    /// other region.
    pub bucket_region: Option<String>,
}

/// A proxy in front of an S3 server.
pub struct Proxy {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

struct State {
    upstream: String,
    faults: Faults,
    seen: Arc<Mutex<Vec<Seen>>>,
    slowed: AtomicUsize,
    cut_done: AtomicBool,
}

impl Proxy {
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State {
            upstream: upstream.trim_start_matches("http://").to_string(),
            faults,
            seen: Arc::clone(&seen),
            slowed: AtomicUsize::new(0),
            cut_done: AtomicBool::new(false),
        });
        let stopping = Arc::clone(&stop);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(client) = client else { continue };
                let state = Arc::clone(&state);
                std::thread::spawn(move || serve(&state, client));
            }
        });
        Proxy { url, seen, stop }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// ListObjectsV2 requests seen.
    pub fn lists(&self) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.line.contains("list-type=2"))
            .count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// Reads one request head (elbship's requests to S3 have no body).
fn read_head(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(head)
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

fn answer(client: &mut TcpStream, status: &str, code: &str) {
    answer_with(client, status, code, "");
}

/// An S3 error response with `extra` header lines (each ending in CRLF).
fn answer_with(client: &mut TcpStream, status: &str, code: &str, extra: &str) {
    let body = format!(
        "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{code}</Message></Error>"
    );
    let _ = write!(
        client,
        "HTTP/1.1 {status}\r\ncontent-type: application/xml\r\n{extra}content-length: {}\r\n\r\n{body}",
        body.len()
    );
}

fn serve(state: &State, mut client: TcpStream) {
    let Ok(mut upstream) = TcpStream::connect(&state.upstream) else {
        return;
    };
    // response bytes sent to the client so far, and where to cut them off
    let sent = Arc::new(AtomicUsize::new(0));
    let cut_at = Arc::new(AtomicUsize::new(usize::MAX));
    {
        let (mut from, mut to) = (upstream.try_clone().unwrap(), client.try_clone().unwrap());
        let (sent, cut_at) = (Arc::clone(&sent), Arc::clone(&cut_at));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let before = sent.fetch_add(n, Ordering::SeqCst);
                let limit = cut_at.load(Ordering::SeqCst);
                if before + n > limit {
                    let keep = limit.saturating_sub(before);
                    let _ = to.write_all(&buf[..keep]);
                    let _ = to.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Both);
        });
    }
    while let Some(head) = read_head(&mut client) {
        let text = String::from_utf8_lossy(&head).into_owned();
        let line = text.lines().next().unwrap_or("").to_string();
        let range = header(&text, "range");
        state.seen.lock().unwrap().push(Seen {
            line: line.clone(),
            range: range.clone(),
            authorization: header(&text, "authorization"),
        });
        let faults = &state.faults;
        if let Some(region) = &faults.bucket_region {
            let extra = format!("x-amz-bucket-region: {region}\r\n");
            answer_with(
                &mut client,
                "301 Moved Permanently",
                "PermanentRedirect",
                &extra,
            );
            continue;
        }
        if state.slowed.fetch_add(1, Ordering::SeqCst) < faults.slow_down_first {
            answer(&mut client, "503 Slow Down", "SlowDown");
            continue;
        }
        let is_get = line.starts_with("GET ") && !line.contains("list-type");
        if is_get && faults.deny.as_deref().is_some_and(|d| line.contains(d)) {
            answer(&mut client, "403 Forbidden", "AccessDenied");
            continue;
        }
        if let Some((key, after)) = &faults.cut {
            if is_get && line.contains(key.as_str()) && !state.cut_done.swap(true, Ordering::SeqCst)
            {
                cut_at.store(sent.load(Ordering::SeqCst) + after, Ordering::SeqCst);
            }
        }
        if upstream.write_all(&head).is_err() {
            return;
        }
    }
    let _ = upstream.shutdown(Shutdown::Both);
}
