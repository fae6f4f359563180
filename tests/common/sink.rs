//! Test HTTP servers on 127.0.0.1 that behave as the Logstash `http` input and the `_bulk` API
//! do, and misbehave on cue (429, 503 + Retry-After, 413, reset mid-body, stall, restart).
//!
//! One thread per connection, HTTP/1.1 keep-alive, Content-Length or chunked bodies. Stored
//! documents survive a restart (as an index would), so a test can check exactly-once delivery.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

/// What the sink speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// Logstash `http` input: a JSON array or NDJSON, answered `ok`.
    Logstash,
    /// `POST /_bulk`: `create` actions, answered item by item.
    Bulk,
}

/// What to do with one request (by its number, from 0, counted across restarts).
pub enum Reply {
    /// Store the documents and answer as the real thing does.
    Normal,
    /// Answer this status and body, store nothing.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Read half the body, then drop the connection.
    ResetMidBody,
    /// Read the request, never answer, hold the connection this long.
    Stall(Duration),
    /// Wait this long, then answer as [`Reply::Normal`] does.
    Delay(Duration),
    /// Answer as [`Reply::Normal`] does, then send a second, unsolicited `200` on the same
    /// connection (a broken proxy): it must never be taken as the answer to the next request.
    AnswerTwice,
    /// Store the documents, then send an answer cut short (its `Content-Length` promises more
    /// than comes) and drop the connection.
    TruncatedAnswer,
}

/// Per-document rule for `_bulk`: given the `_id` and how many times it was seen before, an
/// item status and error type to answer instead of storing it.
pub type ItemRule = dyn Fn(&str, usize) -> Option<(u16, &'static str)> + Send + Sync;

pub struct Behaviour {
    pub reply: Box<dyn Fn(usize) -> Reply + Send + Sync>,
    pub item: Option<Box<ItemRule>>,
    /// Bodies above this get a 413 (and nothing of them is stored).
    pub max_body: Option<usize>,
    /// `_bulk`: whether to answer the items of request `n` in reverse order (a broken proxy).
    pub reverse_items: Option<Box<dyn Fn(usize) -> bool + Send + Sync>>,
}

impl Behaviour {
    /// Requests answered by `reply` (by their number), documents as the real thing does.
    pub fn replying(reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Behaviour {
        Behaviour {
            reply: Box::new(reply),
            ..Behaviour::default()
        }
    }
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            reply: Box::new(|_| Reply::Normal),
            item: None,
            max_body: None,
            reverse_items: None,
        }
    }
}

#[derive(Default)]
pub struct Store {
    /// Documents stored, in arrival order.
    pub docs: Vec<Value>,
    /// `_bulk`: the ids stored.
    pub ids: HashMap<String, usize>,
    /// `_bulk`: how many times each id was received.
    pub seen: HashMap<String, usize>,
    /// Headers of the last request (lowercase names).
    pub last_headers: Vec<(String, String)>,
    /// Content types of the requests.
    pub content_types: Vec<String>,
    /// Request targets (path and query) in arrival order.
    pub targets: Vec<String>,
}

struct State {
    api: Api,
    tls: Option<Arc<rustls::ServerConfig>>,
    behaviour: Behaviour,
    store: Mutex<Store>,
    requests: AtomicUsize,
    connections: AtomicUsize,
    running: AtomicBool,
}

/// A running test sink.
pub struct Sink {
    pub addr: SocketAddr,
    url: String,
    state: Arc<State>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl Sink {
    pub fn start(api: Api, behaviour: Behaviour) -> Sink {
        Sink::start_with(api, behaviour, None)
    }

    /// A sink behind TLS with a fresh self-signed certificate for 127.0.0.1 and localhost;
    /// returns the certificate (PEM) a client must trust.
    pub fn start_tls(api: Api, behaviour: Behaviour) -> (Sink, String) {
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .unwrap();
        let pem = cert.cert.pem();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
        let mut sink = Sink::start_with(api, behaviour, Some(Arc::new(config)));
        sink.url = sink.url.replace("http://", "https://");
        (sink, pem)
    }

    fn start_with(api: Api, behaviour: Behaviour, tls: Option<Arc<rustls::ServerConfig>>) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            api,
            tls,
            behaviour,
            store: Mutex::new(Store::default()),
            requests: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            running: AtomicBool::new(true),
        });
        let acceptor = Some(accept_loop(listener, Arc::clone(&state)));
        let url = match api {
            Api::Logstash => format!("http://{addr}"),
            Api::Bulk => format!("es+http://{addr}"),
        };
        Sink {
            addr,
            url,
            state,
            acceptor,
        }
    }

    /// `http://127.0.0.1:PORT` (prefix `es+` for `_bulk`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops listening and drops every connection (a crashed sink).
    pub fn kill(&mut self) {
        self.state.running.store(false, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            a.join().unwrap();
        }
    }

    /// Listens again on the same port, with the same store.
    pub fn restart(&mut self) {
        let listener = TcpListener::bind(self.addr).expect("rebind the same port");
        self.state.running.store(true, Ordering::SeqCst);
        self.acceptor = Some(accept_loop(listener, Arc::clone(&self.state)));
    }

    pub fn docs(&self) -> Vec<Value> {
        self.state.store.lock().unwrap().docs.clone()
    }

    pub fn store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.state.store.lock().unwrap())
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.kill();
    }
}

fn accept_loop(listener: TcpListener, state: Arc<State>) -> thread::JoinHandle<()> {
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        while state.running.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    state.connections.fetch_add(1, Ordering::SeqCst);
                    let state = Arc::clone(&state);
                    stream
                        .set_read_timeout(Some(Duration::from_millis(50)))
                        .unwrap();
                    thread::spawn(move || match &state.tls {
                        None => serve(stream, &state),
                        Some(config) => {
                            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
                                return;
                            };
                            serve(rustls::StreamOwned::new(conn, stream), &state)
                        }
                    });
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    })
}

struct Request {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads one request; `None` at the end of the connection (or when the sink is killed).
fn read_request<S: Read>(reader: &mut BufReader<S>, state: &State) -> Option<Request> {
    let mut line = String::new();
    loop {
        match reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(_) => break,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                if !state.running.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = header("content-length") {
        let len: usize = len.parse().ok()?;
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Some(Request {
        path,
        headers,
        body,
    })
}

fn serve<S: Read + Write>(stream: S, state: &State) {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader, state) {
        if !state.running.load(Ordering::SeqCst) {
            return;
        }
        let n = state.requests.fetch_add(1, Ordering::SeqCst);
        {
            let mut store = state.store.lock().unwrap();
            store.last_headers = request.headers.clone();
            let ct = request
                .headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            store.content_types.push(ct);
            store.targets.push(request.path.clone());
        }
        let reply = (state.behaviour.reply)(n);
        let twice = matches!(reply, Reply::AnswerTwice);
        let truncated = matches!(reply, Reply::TruncatedAnswer);
        let (status, extra, body) = match reply {
            Reply::ResetMidBody => return,
            Reply::Stall(d) => {
                thread::sleep(d);
                return;
            }
            Reply::Status(status, extra, body) => (status, extra, body),
            reply @ (Reply::Normal
            | Reply::Delay(_)
            | Reply::AnswerTwice
            | Reply::TruncatedAnswer) => {
                if let Reply::Delay(d) = reply {
                    thread::sleep(d);
                }
                if state
                    .behaviour
                    .max_body
                    .is_some_and(|max| request.body.len() > max)
                {
                    (
                        413,
                        Vec::new(),
                        "{\"error\":\"Request Entity Too Large\"}".into(),
                    )
                } else {
                    match state.api {
                        Api::Logstash => logstash(state, &request),
                        Api::Bulk => bulk(state, &request, n),
                    }
                }
            }
        };
        let mut response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len() + if truncated { 100 } else { 0 }
        );
        for (name, value) in extra {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&body);
        if twice {
            let stray = match state.api {
                Api::Logstash => "ok",
                Api::Bulk => "{\"took\":1,\"errors\":false,\"items\":[]}",
            };
            response.push_str(&format!(
                "HTTP/1.1 200 X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{stray}",
                stray.len()
            ));
        }
        let writer = reader.get_mut();
        if writer.write_all(response.as_bytes()).is_err() || writer.flush().is_err() || truncated {
            return;
        }
    }
}

/// Logstash `http` input: a JSON array is split into events; NDJSON by lines.
fn logstash(state: &State, request: &Request) -> (u16, Vec<(&'static str, String)>, String) {
    let docs: Vec<Value> = if request.body.first() == Some(&b'[') {
        match serde_json::from_slice::<Vec<Value>>(&request.body) {
            Ok(d) => d,
            Err(_) => return (400, Vec::new(), "bad json".into()),
        }
    } else {
        let mut docs = Vec::new();
        for line in request
            .body
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            match serde_json::from_slice(line) {
                Ok(d) => docs.push(d),
                Err(_) => return (400, Vec::new(), "bad json line".into()),
            }
        }
        docs
    };
    state.store.lock().unwrap().docs.extend(docs);
    (200, Vec::new(), "ok".into())
}

/// `_bulk` with `create`: 201 stores, 409 when the `_id` is there, per-item rules on top.
fn bulk(state: &State, request: &Request, n: usize) -> (u16, Vec<(&'static str, String)>, String) {
    let path = request.path.split('?').next().unwrap_or_default();
    if !path.ends_with("/_bulk") {
        return (404, Vec::new(), "{\"error\":\"no handler\"}".into());
    }
    let lines: Vec<&[u8]> = request
        .body
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() % 2 != 0 || !request.body.ends_with(b"\n") {
        return (
            400,
            Vec::new(),
            "{\"error\":\"The bulk request must be terminated by a newline\"}".into(),
        );
    }
    let mut store = state.store.lock().unwrap();
    let mut items = Vec::new();
    let mut errors = false;
    for pair in lines.chunks(2) {
        let action: Value = serde_json::from_slice(pair[0]).expect("action line is JSON");
        let create = action.get("create").expect("the action is create");
        let index = create["_index"].as_str().expect("_index").to_string();
        let id = create
            .get("_id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("auto-{}", store.docs.len()));
        let doc: Value = serde_json::from_slice(pair[1]).expect("document is JSON");
        let seen = {
            let s = store.seen.entry(id.clone()).or_insert(0);
            *s += 1;
            *s - 1
        };
        let forced = state
            .behaviour
            .item
            .as_ref()
            .and_then(|rule| rule(&id, seen));
        let (status, error) = if let Some((status, kind)) = forced {
            (status, Some(kind))
        } else if store.ids.contains_key(&id) {
            (409, Some("version_conflict_engine_exception"))
        } else {
            let n = store.docs.len();
            store.ids.insert(id.clone(), n);
            store.docs.push(doc);
            (201, None)
        };
        let mut item = serde_json::json!({"_index": index, "_id": id, "status": status});
        if let Some(kind) = error {
            errors = true;
            item["error"] =
                serde_json::json!({"type": kind, "reason": format!("{kind} for [{id}]")});
        }
        items.push(serde_json::json!({ "create": item }));
    }
    if state.behaviour.reverse_items.as_ref().is_some_and(|r| r(n)) {
        items.reverse();
    }
    let body = serde_json::json!({"took": 1, "errors": errors, "items": items});
    (200, Vec::new(), body.to_string())
}
