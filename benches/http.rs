//! Shipping throughput and memory, side by side with stdout, against local sinks.
//!
//!     cargo bench --bench http -- /tmp/benchdata/alb-1m.log [SLOW_MS]
//!     cargo bench --bench http -- --serve     # only the sinks, to run elbship by hand
//!
//! Starts two sinks on 127.0.0.1 that answer as fast as they can read (a Logstash `http` input
//! answering `ok`, a `_bulk` endpoint answering one 201 item per document), then runs the
//! release binary on the file: to /dev/null, to each sink, and to a `_bulk` sink that takes
//! SLOW_MS (default 100) per request. Prints seconds, elbship's own CPU seconds (the sinks
//! share the machine), events/s, the ratio to stdout, peak RSS (VmHWM, polled) and the TCP
//! connections each sink accepted.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct FastSink {
    port: u16,
    connections: Arc<AtomicUsize>,
    events: Arc<AtomicUsize>,
}

/// A sink that reads each request whole and answers at once (after `delay`).
fn start_sink(bulk: bool, delay: Duration) -> FastSink {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(AtomicUsize::new(0));
    let (c, e) = (Arc::clone(&connections), Arc::clone(&events));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            c.fetch_add(1, Ordering::Relaxed);
            let e = Arc::clone(&e);
            std::thread::spawn(move || serve(stream, bulk, delay, &e));
        }
    });
    FastSink {
        port,
        connections,
        events,
    }
}

fn serve(stream: TcpStream, bulk: bool, delay: Duration, events: &AtomicUsize) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let mut body = Vec::new();
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        body.resize(length, 0);
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        std::thread::sleep(delay);
        let answer = if bulk {
            let docs = memchr::memchr_iter(b'\n', &body).count() / 2;
            events.fetch_add(docs, Ordering::Relaxed);
            let mut json = String::with_capacity(docs * 32 + 32);
            json.push_str("{\"took\":1,\"errors\":false,\"items\":[");
            for i in 0..docs {
                if i > 0 {
                    json.push(',');
                }
                json.push_str("{\"create\":{\"status\":201}}");
            }
            json.push_str("]}");
            json
        } else {
            // a JSON array of events: count the top-level separators cheaply (one per event)
            let docs = memchr::memmem::find_iter(&body, b"},{\"@timestamp\"").count() + 1;
            events.fetch_add(docs, Ordering::Relaxed);
            "ok".to_string()
        };
        // one write, as real servers do (two small writes meet Nagle and delayed ACKs: 40 ms)
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// What one run took.
struct Measured {
    seconds: f64,
    /// User + system CPU seconds of elbship alone (polled; the last 20 ms may be missed).
    cpu_seconds: f64,
    peak_rss_mb: f64,
    ok: bool,
}

/// User + system CPU time of a running process, in seconds (Linux clock ticks of 1/100 s).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // fields after the command name (which is in parentheses and may hold spaces)
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Runs the binary with `args`, stdout to /dev/null.
fn measure(args: &[String]) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_elbship"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run elbship");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let mut cpu = 0.0f64;
    let status = loop {
        if let Some(c) = cpu_seconds(child.id()) {
            cpu = cpu.max(c);
        }
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Measured {
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: cpu,
        peak_rss_mb: peak_kb as f64 / 1024.0,
        ok: status.success(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--serve") {
        // sinks only, for running elbship by hand (under `time`, perf, ...)
        let logstash = start_sink(false, Duration::ZERO);
        let bulk = start_sink(true, Duration::ZERO);
        let slow = start_sink(true, Duration::from_millis(100));
        println!("logstash http://127.0.0.1:{}", logstash.port);
        println!("bulk es+http://127.0.0.1:{}", bulk.port);
        println!("slow-bulk es+http://127.0.0.1:{}", slow.port);
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    let Some(file) = args.first().cloned() else {
        eprintln!("usage: cargo bench --bench http -- FILE [SLOW_MS]");
        eprintln!("(make FILE with: python3 ../shared/bench/gen.py --all --data /tmp/benchdata)");
        std::process::exit(2);
    };
    let slow_ms: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    let lines = std::fs::File::open(&file)
        .map(|f| {
            let mut count = 0usize;
            let mut reader = BufReader::with_capacity(1 << 20, f);
            loop {
                let buf = match reader.fill_buf() {
                    Ok(b) if !b.is_empty() => b,
                    _ => break,
                };
                count += memchr::memchr_iter(b'\n', buf).count();
                let n = buf.len();
                reader.consume(n);
            }
            count
        })
        .expect("read the data file");

    let logstash = start_sink(false, Duration::ZERO);
    let bulk = start_sink(true, Duration::ZERO);
    let slow = start_sink(true, Duration::from_millis(slow_ms));
    let runs: Vec<(String, Vec<String>, Option<&FastSink>)> = vec![
        ("stdout > /dev/null".into(), vec![file.clone()], None),
        (
            "Logstash http (JSON array)".into(),
            vec![
                file.clone(),
                "-o".into(),
                format!("http://127.0.0.1:{}", logstash.port),
            ],
            Some(&logstash),
        ),
        (
            "_bulk, line-hash ids".into(),
            vec![
                file.clone(),
                "-o".into(),
                format!("es+http://127.0.0.1:{}", bulk.port),
            ],
            Some(&bulk),
        ),
        (
            format!("_bulk, sink {slow_ms} ms per request"),
            vec![
                file.clone(),
                "-o".into(),
                format!("es+http://127.0.0.1:{}", slow.port),
            ],
            Some(&slow),
        ),
    ];
    println!("{lines} lines from {file}\n");
    println!(
        "| output | seconds | elbship CPU s | events/s | vs stdout | peak RSS | connections | events at sink |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut baseline = None;
    for (name, args, sink) in runs {
        let before = sink.map_or(0, |s| s.connections.load(Ordering::Relaxed));
        let events_before = sink.map_or(0, |s| s.events.load(Ordering::Relaxed));
        let Measured {
            seconds: secs,
            cpu_seconds: cpu,
            peak_rss_mb: rss,
            ok,
        } = measure(&args);
        let rate = lines as f64 / secs;
        let ratio = match baseline {
            None => {
                baseline = Some(secs);
                "1.00".to_string()
            }
            Some(b) => format!("{:.2}", b / secs),
        };
        let (conns, got) = match sink {
            Some(s) => (
                (s.connections.load(Ordering::Relaxed) - before).to_string(),
                (s.events.load(Ordering::Relaxed) - events_before).to_string(),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {name}{} | {secs:.2} | {cpu:.2} | {rate:.0} | {ratio} | {rss:.0} MB | {conns} | {got} |",
            if ok { "" } else { " (FAILED)" }
        );
    }
}
