//! A floor for `benches/throughput.sh`: gzip files inflated and thrown away with the decoder
//! elbship itself uses (flate2 on zlib-rs), nothing else, so "elbship gzip stdin" is compared
//! with the cost of the inflate alone. `-P N` inflates N files at once (one thread each).
//!
//!     cargo run --release --example inflate -- [-P 2] FILE.gz...

use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

fn inflate(path: &str) -> io::Result<u64> {
    let file = std::fs::File::open(path)?;
    let mut decoder =
        flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 20, file));
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        match decoder.read(&mut buf)? {
            0 => return Ok(total),
            n => total += n as u64,
        }
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = 1;
    if args.first().is_some_and(|a| a == "-P") && args.len() > 1 {
        threads = args[1].parse().unwrap_or(1);
        args.drain(..2);
    }
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(path) = args.get(i) else { break };
                match inflate(path) {
                    Ok(n) => total.fetch_add(n as usize, Ordering::SeqCst),
                    Err(e) => {
                        eprintln!("inflate: {path}: {e}");
                        std::process::exit(1)
                    }
                };
            });
        }
    });
    println!("{}", total.load(Ordering::SeqCst));
}
