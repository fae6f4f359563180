//! Where events go: stdout, a Logstash `http` input, or an Elasticsearch / OpenSearch `_bulk`
//! endpoint, chosen by the scheme of `--output`. Each is a [`Sink`].
//!
//! `batch`, `bulk` and `retry` are pure (bodies, response items, backoff); `stdout` writes
//! blocks as they come; `http` does the sending: keep-alive connections, bounded requests in
//! flight, retries, the dead-letter file, and acknowledgements that drive checkpoints.

pub mod batch;
pub mod bulk;
pub mod http;
pub mod retry;
pub mod secrets;
pub mod stdout;

use std::fmt;
use std::io;
use std::path::Path;

pub use batch::Framing;
pub use http::{HttpOptions, HttpSink};
pub use stdout::StdoutSink;

use crate::error::UsageError;
use crate::event::EventBlock;
use crate::input::Finished;
use crate::stats::Delivery;

/// Where the encoded events go, block by block in input order.
pub trait Sink {
    /// One block's events; waits while the sink is busy. An error ends the run: `BrokenPipe`
    /// when the reader of stdout went away, otherwise the reason is in [`SinkReport::errors`].
    fn send(&mut self, events: EventBlock) -> io::Result<()>;
    /// Every event of `input` has been handed to [`Sink::send`]. The sink calls the
    /// [`Delivered`] callback it was built with once they are all delivered.
    fn input_done(&mut self, input: &Finished);
    /// Ends the sink: sends what is left and waits for the answers.
    fn finish(self: Box<Self>) -> SinkReport;
}

/// The engine's consumer for a sink: each block's events to [`Sink::send`].
pub struct ToSink<'a>(pub &'a mut dyn Sink);

impl crate::pipeline::Consumer<EventBlock> for ToSink<'_> {
    fn block(&mut self, events: EventBlock) -> io::Result<()> {
        self.0.send(events)
    }

    fn input_done(&mut self, input: &Finished) {
        self.0.input_done(input);
    }
}

/// Called, in input order, with each input whose events have all been delivered (for the
/// checkpoint): at once for stdout, on the sink's answers for HTTP.
pub type Delivered = Box<dyn FnMut(&Finished) + Send>;

/// How a sink ended.
#[derive(Debug, Default)]
pub struct SinkReport {
    /// What became of the events; `None` for stdout, where written is delivered.
    pub delivery: Option<Delivery>,
    /// What went wrong (each makes the run exit 1), in the order it happened.
    pub errors: Vec<SinkError>,
    /// The drain timeout ran out with requests still in flight.
    pub drain_timed_out: bool,
}

/// Why a sink failed the run.
#[derive(Debug)]
pub enum SinkError {
    /// It could not start (TLS setup, the CA file, the dead-letter file, threads).
    Start(String),
    /// It had to stop: the sink refused or redirected the requests, or stayed unreachable
    /// past the retry budget.
    Fatal(String),
    /// The dead-letter file could not be written.
    DeadLetter(String),
    /// stdout could not be written.
    Stdout(io::Error),
}

impl fmt::Display for SinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinkError::Start(why) | SinkError::Fatal(why) | SinkError::DeadLetter(why) => {
                f.write_str(why)
            }
            SinkError::Stdout(e) => write!(f, "cannot write to stdout: {e}"),
        }
    }
}

impl std::error::Error for SinkError {}

/// What `--output` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Stdout,
    /// A Logstash `http` input: POST to the URL as given.
    Logstash {
        url: String,
    },
    /// `_bulk` under the given base URL.
    Bulk {
        base: String,
        flavor: &'static str,
    },
}

impl Target {
    /// Parses `-`, `http(s)://…`, `es+http(s)://…` or `opensearch+http(s)://…`. Messages show
    /// the URL redacted (see [`redact_url`]).
    pub fn parse(text: &str) -> Result<Target, UsageError> {
        if text == "-" {
            return Ok(Target::Stdout);
        }
        let (flavor, url) = if let Some(rest) = text.strip_prefix("es+") {
            (Some("Elasticsearch"), rest)
        } else if let Some(rest) = text.strip_prefix("opensearch+") {
            (Some("OpenSearch"), rest)
        } else {
            (None, text)
        };
        let Some(after_scheme) = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
        else {
            return Err(UsageError(format!(
                "--output {}: expected - (stdout), http(s)://HOST:PORT (Logstash http input), \
                 es+http(s)://HOST:PORT or opensearch+http(s)://HOST:PORT (_bulk)",
                redact_url(text)
            )));
        };
        let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(UsageError(
                "--output: put no credentials in the URL (they would show in `ps`); use \
                 ELBSHIP_USER and ELBSHIP_PASSWORD, ELBSHIP_API_KEY, or --password-file / \
                 --api-key-file"
                    .to_string(),
            ));
        }
        if authority.is_empty() {
            return Err(UsageError(format!(
                "--output {}: the URL has no host",
                redact_url(text)
            )));
        }
        Ok(match flavor {
            None => Target::Logstash {
                url: url.to_string(),
            },
            Some(flavor) => Target::Bulk {
                base: url.trim_end_matches('/').to_string(),
                flavor,
            },
        })
    }

    /// The URL requests go to.
    pub fn request_url(&self) -> Option<String> {
        match self {
            Target::Stdout => None,
            Target::Logstash { url } => Some(url.clone()),
            Target::Bulk { base, .. } => Some(format!("{base}/_bulk")),
        }
    }
}

/// A URL as it may be printed: user information becomes `***@`, every query value `***`
/// (a token in `?api_key=…` is as secret as a header), the fragment is dropped.
pub fn redact_url(url: &str) -> String {
    let url = url.split('#').next().unwrap_or("");
    let (before_query, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = String::with_capacity(url.len());
    let scheme_end = before_query.find("://").map_or(0, |i| i + 3);
    let (scheme, rest) = before_query.split_at(scheme_end);
    out.push_str(scheme);
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => {
            out.push_str("***@");
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
    if let Some(query) = query {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _)) => {
                    out.push_str(name);
                    out.push_str("=***");
                }
                None => out.push_str("***"),
            }
        }
    }
    out
}

/// The parts of a request that must never be printed: header values (and each word of them,
/// so `Bearer TOKEN` hides `TOKEN` alone too) and the URL's user information and query values.
pub fn secrets_of(url: &str, headers: &[(String, String)]) -> Vec<String> {
    let mut secrets: Vec<String> = Vec::new();
    for (_, value) in headers {
        secrets.push(value.clone());
        secrets.extend(value.split_whitespace().map(str::to_string));
    }
    let without_fragment = url.split('#').next().unwrap_or("");
    if let Some((_, query)) = without_fragment.split_once('?') {
        for pair in query.split('&') {
            let value = pair.split_once('=').map_or(pair, |(_, v)| v);
            secrets.push(value.to_string());
        }
    }
    // the longest first, so a secret that contains another is hidden whole
    secrets.retain(|s| s.len() >= 3);
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// `text` with every one of `secrets` replaced by `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// Where credentials come from: the environment, files, or Secrets Manager / SSM parameters
/// named by ARN in the environment; never the command line.
#[derive(Clone, Default)]
pub struct Credentials {
    pub api_key: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Named by `ELBSHIP_*_ARN` and not read yet (see [`Credentials::read_stored`]).
    pub stored: Vec<(Credential, secrets::SecretRef)>,
}

/// Never a value.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("user", &self.user.as_ref().map(|_| "***"))
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("stored", &self.stored)
            .finish()
    }
}

/// One of the three credentials, and its variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    ApiKey,
    User,
    Password,
}

impl Credential {
    const ALL: [Credential; 3] = [Credential::ApiKey, Credential::User, Credential::Password];

    fn variable(self) -> &'static str {
        match self {
            Credential::ApiKey => "ELBSHIP_API_KEY",
            Credential::User => "ELBSHIP_USER",
            Credential::Password => "ELBSHIP_PASSWORD",
        }
    }

    fn slot(self, c: &mut Credentials) -> &mut Option<String> {
        match self {
            Credential::ApiKey => &mut c.api_key,
            Credential::User => &mut c.user,
            Credential::Password => &mut c.password,
        }
    }
}

impl Credentials {
    /// From `ELBSHIP_API_KEY`, `ELBSHIP_USER` and `ELBSHIP_PASSWORD` or their `_ARN`
    /// variables (one of each pair), then the files given (their first line), which win.
    pub fn load(
        env: impl Fn(&str) -> Option<String>,
        api_key_file: Option<&Path>,
        password_file: Option<&Path>,
    ) -> Result<Credentials, UsageError> {
        let first_line = |path: &Path| -> Result<String, UsageError> {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
            let line = text.lines().next().unwrap_or("").trim().to_string();
            if line.is_empty() {
                return Err(UsageError(format!("{} is empty", path.display())));
            }
            Ok(line)
        };
        let mut c = Credentials::default();
        for credential in Credential::ALL {
            let name = credential.variable();
            let arn_name = format!("{name}_ARN");
            let value = env(name).filter(|v| !v.is_empty());
            let arn = env(&arn_name).filter(|v| !v.is_empty());
            match (value, arn) {
                (Some(_), Some(_)) => {
                    return Err(UsageError(format!(
                        "{name} and {arn_name} are both set: keep one"
                    )))
                }
                (Some(value), None) => *credential.slot(&mut c) = Some(value),
                (None, Some(arn)) => {
                    let r = secrets::SecretRef::parse(&arn)
                        .map_err(|e| UsageError(format!("{arn_name}: {e}")))?;
                    c.stored.push((credential, r));
                }
                (None, None) => {}
            }
        }
        for (path, credential) in [
            (api_key_file, Credential::ApiKey),
            (password_file, Credential::Password),
        ] {
            if let Some(path) = path {
                *credential.slot(&mut c) = Some(first_line(path)?);
                c.stored.retain(|(stored, _)| *stored != credential);
            }
        }
        if c.has(Credential::Password) && !c.has(Credential::User) {
            return Err(UsageError(
                "a password was given but no user name: set ELBSHIP_USER (or ELBSHIP_USER_ARN)"
                    .into(),
            ));
        }
        Ok(c)
    }

    /// Whether `which` was given (read or still stored).
    fn has(&self, which: Credential) -> bool {
        let value = match which {
            Credential::ApiKey => &self.api_key,
            Credential::User => &self.user,
            Credential::Password => &self.password,
        };
        value.is_some() || self.stored.iter().any(|(stored, _)| *stored == which)
    }

    /// Whether any credential was given.
    pub fn is_given(&self) -> bool {
        Credential::ALL.into_iter().any(|c| self.has(c))
    }

    /// Reads the stored ones (once; later calls have nothing to read).
    pub fn read_stored(&mut self) -> Result<(), String> {
        let refs: Vec<&secrets::SecretRef> = self.stored.iter().map(|(_, r)| r).collect();
        let values = secrets::fetch(&refs)?;
        for ((credential, _), value) in std::mem::take(&mut self.stored).into_iter().zip(values) {
            *credential.slot(self) = Some(value);
        }
        Ok(())
    }

    /// The `Authorization` header value, if any (an API key wins over a user and password).
    pub fn authorization(&self) -> Option<String> {
        if let Some(key) = &self.api_key {
            return Some(format!("ApiKey {key}"));
        }
        let user = self.user.as_deref()?;
        let password = self.password.as_deref().unwrap_or("");
        Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        ))
    }
}

/// Standard base64 with padding (for basic auth; too small a need for a crate).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_schemes() {
        assert_eq!(Target::parse("-"), Ok(Target::Stdout));
        assert_eq!(
            Target::parse("http://logstash:8080").unwrap().request_url(),
            Some("http://logstash:8080".into())
        );
        let es = Target::parse("es+https://es.example:9200/").unwrap();
        assert_eq!(
            es.request_url(),
            Some("https://es.example:9200/_bulk".into())
        );
        assert!(matches!(
            es,
            Target::Bulk {
                flavor: "Elasticsearch",
                ..
            }
        ));
        let os = Target::parse("opensearch+http://127.0.0.1:9200/prefix").unwrap();
        assert_eq!(
            os.request_url(),
            Some("http://127.0.0.1:9200/prefix/_bulk".into())
        );
        for bad in [
            "ftp://x",
            "es+ftp://x",
            "logstash:8080",
            "http://",
            "https://u:p@es:9200",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(Target::parse("https://u:p@h")
            .unwrap_err()
            .0
            .contains("ELBSHIP_PASSWORD"));
        // no message shows a password or a query value
        for bad in [
            "https://u:SECRET@h",
            "ftp://u:SECRET@h?t=SECRET",
            "http://?k=SECRET",
        ] {
            let message = Target::parse(bad).unwrap_err().0;
            assert!(!message.contains("SECRET"), "{message}");
        }
    }

    #[test]
    fn urls_and_texts_are_redacted() {
        assert_eq!(
            redact_url("https://u:pw@es:9200/x/_bulk?api_key=abc&pretty#frag"),
            "https://***@es:9200/x/_bulk?api_key=***&***"
        );
        assert_eq!(redact_url("http://h:8080"), "http://h:8080");
        let secrets = secrets_of(
            "http://h/?token=tok123",
            &[("Authorization".into(), "Bearer sekrit".into())],
        );
        assert_eq!(
            redact("got Bearer sekrit, sekrit and tok123 back", &secrets),
            "got ***, *** and *** back"
        );
    }

    #[test]
    fn credentials_from_env_and_files() {
        let env = |k: &str| match k {
            "ELBSHIP_USER" => Some("elastic".to_string()),
            "ELBSHIP_PASSWORD" => Some("changeme".to_string()),
            _ => None,
        };
        let c = Credentials::load(env, None, None).unwrap();
        assert_eq!(
            c.authorization().as_deref(),
            Some("Basic ZWxhc3RpYzpjaGFuZ2VtZQ==")
        );
        let dir = std::env::temp_dir().join(format!("elbship-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("key");
        std::fs::write(&key, "abc123==\n").unwrap();
        let c = Credentials::load(env, Some(&key), None).unwrap();
        assert_eq!(c.authorization().as_deref(), Some("ApiKey abc123=="));
        let none = Credentials::load(|_| None, None, None).unwrap();
        assert_eq!(none.authorization(), None);
        let only_password = |k: &str| (k == "ELBSHIP_PASSWORD").then(|| "x".to_string());
        assert!(Credentials::load(only_password, None, None).is_err());
        // an ARN is kept to be read at start; a file wins over it
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/pw";
        let stored = |k: &str| match k {
            "ELBSHIP_USER" => Some("elastic".to_string()),
            "ELBSHIP_PASSWORD_ARN" => Some(arn.to_string()),
            _ => None,
        };
        let c = Credentials::load(stored, None, None).unwrap();
        assert_eq!(c.stored.len(), 1);
        assert_eq!(c.stored[0].0, Credential::Password);
        assert!(c.is_given() && c.password.is_none());
        assert!(
            !format!("{c:?}").contains("elastic"),
            "Debug shows no value"
        );
        let c = Credentials::load(stored, None, Some(&key)).unwrap();
        assert!(c.stored.is_empty());
        assert_eq!(c.password.as_deref(), Some("abc123=="));
        let arn_no_user = |k: &str| (k == "ELBSHIP_PASSWORD_ARN").then(|| arn.to_string());
        assert!(Credentials::load(arn_no_user, None, None).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn base64_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}
