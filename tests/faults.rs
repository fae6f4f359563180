//! Hostile input and a hostile environment, through the real binary: broken gzip, garbage,
//! huge lines, closed or full stdout, odd files, a terminal on stdin, tight resource limits.
//! Every case: no panic, no hang, valid JSON out, a clear one-line error, the right exit code.

mod common;

use std::process::{Command, Output, Stdio};

use common::{at, events, fixture, gzip, run, stderr, TempDir};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_elbship");

/// Runs a bash snippet with `$BIN` set; for limits and special files.
fn bash(script: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("BIN", BIN)
        .env("FIXTURES", fixture(""))
        .output()
        .unwrap()
}

fn no_panic(out: &Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

fn alb_lines(n: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(fixture("alb.log")).unwrap();
    let first = text.lines().next().unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(
            first
                .replace("/ HTTP/1.1", &format!("/{i} HTTP/1.1"))
                .as_bytes(),
        );
        out.push(b'\n');
    }
    out
}

#[test]
fn truncated_gzip_at_many_offsets() {
    let data = alb_lines(3000);
    let gz = gzip(&data);
    let tmp = TempDir::new("cuts");
    for cut in [
        1,
        2,
        10,
        11,
        100,
        gz.len() / 3,
        gz.len() / 2,
        gz.len() - 9,
        gz.len() - 4,
        gz.len() - 1,
    ] {
        let path = tmp.path(&format!("cut-{cut}.gz"));
        std::fs::write(&path, &gz[..cut]).unwrap();
        let out = run(&[&path], b"");
        no_panic(&out);
        let ev = events(&out);
        if cut < 2 {
            // one byte is not a gzip header: it is read as a (garbage) text line
            assert_eq!(out.status.code(), Some(0), "cut {cut}");
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "cut {cut}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&path) && err.contains("gzip"),
            "cut {cut}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "cut {cut}: {err}");
        // a prefix of the input, in order; at most the last event is a partial line
        for (i, e) in ev.iter().enumerate() {
            if at(e, "tags").is_some() {
                assert_eq!(
                    i,
                    ev.len() - 1,
                    "cut {cut}: only the last line can be partial"
                );
                continue;
            }
            assert_eq!(
                at(e, "url.path").unwrap(),
                &Value::from(format!("/{i}")),
                "cut {cut}"
            );
        }
    }
}

#[test]
fn corrupt_crc_and_trailing_garbage_are_errors() {
    let data = alb_lines(10);
    let mut bad_crc = gzip(&data);
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff; // CRC32 is the trailer's first 4 bytes
    let mut garbage = gzip(&data);
    garbage.extend_from_slice(b"not a gzip member\n");
    for (name, input) in [("crc", bad_crc), ("garbage", garbage)] {
        let out = run(&[], &input);
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            stderr(&out).contains("<stdin>: corrupt or truncated gzip data"),
            "{name}: {}",
            stderr(&out)
        );
        assert_eq!(
            events(&out).len(),
            10,
            "{name}: the data before the problem is kept"
        );
    }
}

#[test]
fn binary_garbage_and_nul_bytes() {
    let mut data: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    data.extend_from_slice(b"\nbefore\x00after\n");
    let out = run(&[], &data);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0));
    let ev = events(&out);
    assert!(!ev.is_empty());
    for e in &ev {
        assert_eq!(
            at(e, "tags"),
            Some(&serde_json::json!(["_grokparsefailure"]))
        );
    }
    let last = at(ev.last().unwrap(), "message").unwrap().as_str().unwrap();
    assert_eq!(last, "before\u{0}after");
}

#[test]
fn a_100_mb_line_becomes_one_truncated_failure_event_in_bounded_memory() {
    let mut data = alb_lines(1);
    data.extend(std::iter::repeat_n(b'u', 100 << 20));
    data.push(b'\n');
    data.extend(alb_lines(1));
    let tmp = TempDir::new("huge");
    let path = tmp.path("huge.log");
    std::fs::write(&path, &data).unwrap();
    drop(data);
    // 100 MB of address space would not even hold the line: it must be skipped, not held
    let out = bash(&format!(
        "ulimit -v 400000; \"$BIN\" --max-line-bytes 64K {path}"
    ));
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ev = events(&out);
    assert_eq!(ev.len(), 3);
    assert_eq!(
        at(&ev[1], "message").unwrap().as_str().unwrap().len(),
        64 << 10
    );
    let why = at(&ev[1], "error.message").unwrap().as_str().unwrap();
    assert!(why.contains(&format!("{} bytes", 100 << 20)), "{why}");
    assert!(at(&ev[2], "tags").is_none());
}

#[test]
fn invalid_utf8_in_url_and_user_agent() {
    let text = std::fs::read(fixture("alb.log")).unwrap();
    let first = text.split(|&b| b == b'\n').next().unwrap();
    let mut line = Vec::new();
    let s = String::from_utf8_lossy(first).into_owned();
    let (before, rest) = s.split_once("/ HTTP/1.1").unwrap();
    line.extend_from_slice(before.as_bytes());
    line.extend_from_slice(b"/caf\xe9\xff HTTP/1.1");
    let (ua_before, ua_after) = rest.split_once("curl/7.46.0").unwrap();
    line.extend_from_slice(ua_before.as_bytes());
    line.extend_from_slice(b"agent\xc3\x28");
    line.extend_from_slice(ua_after.as_bytes());
    line.push(b'\n');
    let out = run(&[], &line);
    no_panic(&out);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    assert!(at(&ev[0], "tags").is_none(), "still parsed");
    assert_eq!(
        at(&ev[0], "url.path"),
        Some(&Value::from("/caf\u{fffd}\u{fffd}"))
    );
    assert_eq!(
        at(&ev[0], "user_agent.original"),
        Some(&Value::from("agent\u{fffd}("))
    );
}

#[test]
fn full_disk_on_stdout_is_a_clear_error() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let out = bash("\"$BIN\" \"$FIXTURES/alb.log\" > /dev/full");
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot write to stdout") && err.contains("No space left"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn fifo_input_and_empty_file() {
    let tmp = TempDir::new("fifo");
    let fifo = tmp.path("pipe");
    let empty = tmp.path("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let out = bash(&format!(
        "mkfifo {fifo} && (cat \"$FIXTURES/nlb.log\" > {fifo} &) && \"$BIN\" {fifo} {empty}"
    ));
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(events(&out).len(), 2);
}

#[test]
fn unreadable_inputs_among_readable_ones() {
    let tmp = TempDir::new("unreadable");
    let dangling = tmp.path("dangling.log");
    std::os::unix::fs::symlink(tmp.path("gone"), &dangling).unwrap();
    let missing = tmp.path("missing.log");
    let nlb = fixture("nlb.log");
    let nlb = nlb.to_str().unwrap();
    let out = run(&[nlb, &missing, &dangling, nlb], b"");
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("missing.log: cannot open: no such file"),
        "{err}"
    );
    assert!(
        err.contains("dangling.log: cannot open: no such file"),
        "{err}"
    );
    assert_eq!(events(&out).len(), 4);
}

#[test]
fn ten_thousand_files_with_sixteen_file_descriptors() {
    let tmp = TempDir::new("fds");
    let line = std::fs::read_to_string(fixture("nlb.log")).unwrap();
    let first = line.lines().next().unwrap();
    let list = tmp.path("list");
    let mut names = String::new();
    for i in 0..10_000 {
        let path = tmp.path(&format!("f{i}.log"));
        std::fs::write(&path, format!("{first}\n")).unwrap();
        names.push_str(&path);
        names.push('\n');
    }
    std::fs::write(&list, names).unwrap();
    let out = bash(&format!(
        "ulimit -n 16; xargs -a {list} \"$BIN\" --stats=json | wc -l"
    ));
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "10000",
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_tight_address_space_limit_with_a_large_input() {
    // benches/limits.sh runs the full 2 GB case against the release build; this is its quick
    // twin for every test run: 128 MB of address space, 64 MB of input
    let out = bash(
        "ulimit -v 131072; yes \"$(head -1 \"$FIXTURES/alb.log\")\" | head -c 64000000 | \"$BIN\" | wc -l; \
         echo \"${PIPESTATUS[2]}\" >&2",
    );
    no_panic(&out);
    let err = stderr(&out);
    assert_eq!(
        err.trim(),
        "0",
        "elbship's exit code under the limit: {err}"
    );
    let lines: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(lines > 90_000, "{lines}");
}

/// Runs `command` (through `sh -c`) on a pseudo-terminal, answering the hint's "Ctrl-D" with
/// one Ctrl-D; returns the exit code and everything the terminal showed. `None` without python3.
fn on_a_terminal(command: &str) -> Option<(Option<i32>, String)> {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3 for a pseudo-terminal");
        return None;
    }
    let script = r#"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", sys.argv[1]])
out, sent, end = b"", False, time.time() + 20
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            time.sleep(0.05)  # the terminal closed: the child is exiting
        out += chunk
    if b"Ctrl-D" in out and not sent:
        time.sleep(0.2)
        os.write(fd, b"\x04")
        sent = True
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        # what the child wrote just before exiting may still be in the terminal's buffer
        while select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        sys.stdout.write(out.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
os.kill(pid, 9)
sys.stdout.write("HUNG: " + out.decode(errors="replace"))
sys.exit(99)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(command)
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[test]
fn a_terminal_on_stdin_gets_a_hint_and_one_ctrl_d_ends_it() {
    let Some((code, text)) = on_a_terminal(&format!("exec '{BIN}'")) else {
        return;
    };
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("reading log lines from the terminal"),
        "{text}"
    );
    // stderr is the terminal too, so the summary is shown
    assert!(text.contains("0 lines read"), "{text}");
    // and no progress bar is drawn over what the person types
    assert!(!text.contains("files 0/1"), "{text}");
}

#[test]
fn progress_is_shown_on_a_terminal_and_nowhere_else() {
    let tmp = TempDir::new("progress");
    let big = tmp.file("big.log", &alb_lines(20_000));
    if let Some((code, text)) = on_a_terminal(&format!("exec '{BIN}' '{big}' > /dev/null")) {
        assert_eq!(code, Some(0), "{text}");
        assert!(
            text.contains("files 0/1") || text.contains("files 1/1"),
            "{text}"
        );
        assert!(text.contains("lines/s"), "{text}");
    }
    // long enough (one parser thread) for the bar to be drawn with part of the input read:
    // then it carries an ETA at the average rate
    let long = tmp.file("long.log", &alb_lines(80_000));
    if let Some((code, text)) = on_a_terminal(&format!("exec '{BIN}' -j1 '{long}' > /dev/null")) {
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains(", ETA "), "{text}");
    }
    if let Some((_, text)) = on_a_terminal(&format!("exec '{BIN}' -q '{big}' > /dev/null")) {
        assert!(
            !text.contains("files") && !text.contains("lines read"),
            "quiet: {text}"
        );
    }
    // on a pipe: nothing with auto (the default), a plain line with always
    let auto = run(&[&big], b"");
    assert!(!stderr(&auto).contains("progress"), "{}", stderr(&auto));
    let always = run(&["--progress", "always", &big], b"");
    assert!(
        stderr(&always).starts_with("elbship: progress: files 0/1"),
        "{}",
        stderr(&always)
    );
}

#[test]
fn head_closes_the_pipe_early_without_noise() {
    let out = bash(&format!(
        "set -o pipefail; yes \"$(head -1 \"$FIXTURES/alb.log\")\" | head -n 300000 > {0}; \"$BIN\" {0} | head -n 2 > /dev/null",
        std::env::temp_dir().join(format!("elbship-head-{}.log", std::process::id())).display()
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let _ = std::fs::remove_file(
        std::env::temp_dir().join(format!("elbship-head-{}.log", std::process::id())),
    );
}

#[test]
fn stderr_that_cannot_be_written_does_not_change_the_outcome() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    // a run with diagnostics to print (stats, a remark, a failed input), stderr full
    let out = bash(
        "\"$BIN\" --stats \"$FIXTURES/alb.log\" /nonexistent.log 2>/dev/full | wc -l; \
         echo \"exit ${PIPESTATUS[0]}\"",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().nth(1), Some("exit 1"), "{text}");
    let lines: usize = text.lines().next().unwrap().trim().parse().unwrap();
    assert!(lines > 0, "{text}");
    let out = bash(
        "\"$BIN\" --stats=json \"$FIXTURES/alb.log\" 2>/dev/full >/dev/null; echo \"exit $?\"",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "exit 0");
}

/// Lines in `data` as the tool counts them: each `\n` ends one, and a last line without one
/// counts too.
fn count_lines(data: &[u8]) -> u64 {
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

#[test]
fn the_accounting_holds_on_every_hostile_input() {
    let mut garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    garbage.extend_from_slice(b"\nbefore\x00after");
    let mut long = alb_lines(2);
    long.extend(std::iter::repeat_n(b'u', 300_000));
    long.extend_from_slice(b"\n\n\r\n");
    long.extend(alb_lines(3));
    let mut crlf = crlf(&alb_lines(4));
    crlf.extend_from_slice(b"\n\n\n");
    let raw: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", garbage),
        ("long lines and empty ones", long),
        ("crlf", crlf),
        ("empty", Vec::new()),
        ("no final newline", b"x\ny".to_vec()),
    ];
    for (name, data) in raw {
        let out = run(&["--stats=json", "--max-line-bytes", "64K"], &data);
        no_panic(&out);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let s = common::stats_json(&out);
        let n = |k: &str| s[k].as_u64().unwrap();
        assert_eq!(n("lines"), count_lines(&data), "{name}: {s}");
        assert_eq!(
            n("lines"),
            n("events") + n("empty_lines") + n("outside_window"),
            "{name}: {s}"
        );
        assert_eq!(events(&out).len() as u64, n("events"), "{name}: {s}");
    }
    // a truncated gzip: every line decoded is an event, the cut one included
    let gz = gzip(&alb_lines(3000));
    let out = run(&["--stats=json"], &gz[..gz.len() / 2]);
    assert_eq!(out.status.code(), Some(1));
    let s = common::stats_json(&out);
    assert!(s["lines"].as_u64().unwrap() > 0, "{s}");
    assert_eq!(s["lines"], s["events"], "{s}");
    assert_eq!(events(&out).len() as u64, s["events"].as_u64().unwrap());
}

/// `data` with every `\n` as `\r\n`.
fn crlf(data: &[u8]) -> Vec<u8> {
    data.iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect()
}
