//! One HTTP request: the client (TLS roots, timeouts, no redirects), a POST and what came
//! back, which failures are worth a retry, and messages with every secret hidden.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{add, HttpOptions, Shared};
use crate::output::batch::Batch;
use crate::output::retry;
use crate::output::SinkError;

/// The HTTP client: keep-alive pool sized to the requests in flight, statuses as values.
pub(super) fn agent(options: &HttpOptions) -> Result<ureq::Agent, SinkError> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder().disable_verification(options.insecure);
    if let Some(path) = &options.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            SinkError::Start(format!("cannot read --ca-cert {}: {e}", path.display()))
        })?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => {
                    return Err(SinkError::Start(format!(
                        "--ca-cert {}: {e}",
                        path.display()
                    )))
                }
            }
        }
        if certs.is_empty() {
            return Err(SinkError::Start(format!(
                "--ca-cert {}: no PEM certificate in the file",
                path.display()
            )));
        }
        tls = tls.root_certs(RootCerts::from(certs));
    }
    let connect = options.timeout.min(Duration::from_secs(10));
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // a redirect is an answer to report, never to follow: a 301/302/303 turns the POST
        // into a GET with no body, and any would carry the headers to another host
        .max_redirects(0)
        .timeout_global(Some(options.timeout))
        .timeout_connect(Some(connect))
        .max_idle_connections(options.max_in_flight)
        .max_idle_connections_per_host(options.max_in_flight)
        .user_agent(concat!("elbship/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .build();
    Ok(ureq::Agent::new_with_config(config))
}

/// What one request came back with.
pub(super) enum Answer {
    Status {
        status: u16,
        retry_after: Option<Duration>,
        /// Where a redirect points.
        location: Option<String>,
        body: Vec<u8>,
    },
    /// No answer: connection refused or reset, timeout, TLS failure.
    Failed(ureq::Error),
}

pub(super) fn post(shared: &Shared, batch: &Batch) -> Answer {
    let options = &shared.options;
    let body = batch.body();
    let mut request = shared
        .agent
        .post(&options.url)
        .header("Content-Type", options.framing.content_type());
    for (name, value) in &options.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    add(&shared.tally.requests, 1);
    let progress = options.progress.as_deref();
    if let Some(p) = progress {
        p.in_flight.fetch_add(1, Ordering::Relaxed);
    }
    let answer = match request.send(body) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let retry_after = header("retry-after")
                .as_deref()
                .and_then(|v| retry::parse_retry_after(v, std::time::SystemTime::now()));
            let location = header("location");
            match response
                .body_mut()
                .with_config()
                .limit(1 << 30)
                .read_to_vec()
            {
                Ok(body) => Answer::Status {
                    status,
                    retry_after,
                    location,
                    body,
                },
                Err(e) => Answer::Failed(e),
            }
        }
        Err(e) => Answer::Failed(e),
    };
    if let Some(p) = progress {
        p.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
    answer
}

/// The TLS failure inside an error, if that is what it is (ureq wraps rustls's in I/O errors).
pub(super) fn tls_error(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Rustls(tls) => Some(tls),
        ureq::Error::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref()),
        _ => None,
    }
}

/// Whether a request that got no answer is worth sending again: not after a TLS failure (a
/// certificate does not get valid by waiting).
pub(super) fn retryable(e: &ureq::Error) -> bool {
    tls_error(e).is_none()
        && matches!(
            e,
            ureq::Error::Io(_)
                | ureq::Error::Timeout(_)
                | ureq::Error::HostNotFound
                | ureq::Error::ConnectionFailed
                | ureq::Error::Protocol(_)
                | ureq::Error::BodyStalled
        )
}

impl Shared {
    /// The start of a response body, for messages: one line of printable text, with every
    /// secret of the request hidden (a server may echo the request back).
    pub(super) fn snippet(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
        let text: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if text.is_empty() {
            String::new()
        } else {
            format!(": {}", self.redact(&text))
        }
    }

    /// `text` with every secret of the request hidden.
    pub(super) fn redact(&self, text: &str) -> String {
        crate::output::redact(text, &self.secrets)
    }
}
