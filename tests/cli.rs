//! Runs the `elbship` binary as a user would: inputs, gzip, ordering, errors, exit codes.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{at, elbship, events, fixture, gzip, run, stderr, TempDir};
use serde_json::Value;

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Classic lines numbered through the client port and request path, `n` of them.
fn numbered_lines(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        writeln!(
            out,
            "2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:{} 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 \"GET http://www.example.com:80/item/{i} HTTP/1.1\" \"curl/7.38.0\" - -",
            i % 60000
        )
        .unwrap();
    }
    out
}

#[test]
fn stdin_and_file_give_identical_output() {
    let from_file = run(&["fixtures/alb.log"], b"");
    let from_stdin = run(&["--source", "fixtures/alb.log"], &read("alb.log"));
    let dash = run(&["--source", "fixtures/alb.log", "-"], &read("alb.log"));
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    assert_eq!(from_file.stdout, from_stdin.stdout);
    assert_eq!(from_file.stdout, dash.stdout);
    assert_eq!(events(&from_file).len(), 12);
}

#[test]
fn gzip_and_raw_give_identical_output_whatever_the_name() {
    let raw = read("classic.log");
    let tmp = TempDir::new("gzname");
    let disguised = tmp.file("classic.log", &gzip(&raw)); // gzip without .gz in its name
    let plain = run(&["--source", "x", "-"], &raw);
    let gz = run(&["--source", "x", "-"], &gzip(&raw));
    assert_eq!(plain.stdout, gz.stdout);
    let from_file = run(&[&disguised], b"");
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    assert_eq!(events(&from_file).len(), 19);
    assert!(events(&from_file).iter().all(|e| at(e, "tags").is_none()));
}

#[test]
fn every_member_of_a_multi_member_gzip_is_read() {
    let mut two = gzip(&read("alb.log"));
    two.extend(gzip(&read("nlb.log")));
    let out = run(&[], &two);
    assert!(out.status.success());
    let ev = events(&out);
    assert_eq!(ev.len(), 14);
    assert_eq!(at(&ev[13], "aws.elb.type"), Some(&Value::from("tls")));
}

#[test]
fn truncated_gzip_names_the_file_keeps_earlier_events_and_exits_1() {
    let data = numbered_lines(50_000);
    let gz = gzip(&data);
    let tmp = TempDir::new("trunc");
    let cut = tmp.file("cut.log.gz", &gz[..gz.len() / 2]);
    let out = run(&["--block-size", "64K", &cut, "fixtures/nlb.log"], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cut.log.gz") && err.contains("gzip"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line per problem: {err}");
    let ev = events(&out);
    assert!(
        ev.len() > 10_000,
        "events before the cut are written ({})",
        ev.len()
    );
    // the other input is still processed, after the broken one
    assert_eq!(
        at(ev.last().unwrap(), "aws.elb.type"),
        Some(&Value::from("tls"))
    );
    // in order, and only the last line of the broken file may be a failure event
    let broken: Vec<&Value> = ev.iter().filter(|e| at(e, "tags").is_some()).collect();
    assert!(broken.len() <= 1);
    for (i, e) in ev.iter().take(ev.len() - 3).enumerate() {
        let path = at(e, "url.path").unwrap().as_str().unwrap();
        assert_eq!(path, format!("/item/{i}"));
    }
}

#[test]
fn unreadable_input_is_reported_and_the_others_processed() {
    let out = run(
        &["--stats=json", "fixtures/nope.log", "fixtures/nlb.log"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some("elbship: fixtures/nope.log: cannot open: no such file")
    );
    let stats: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        (stats["inputs"].as_u64(), stats["inputs_failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(events(&out).len(), 2);
}

#[test]
fn mixed_formats_in_one_file() {
    let mut mixed = Vec::new();
    for name in ["nlb.log", "classic.log", "alb_connection.log", "alb.log"] {
        mixed.extend(read(name));
    }
    let out = run(&[], &mixed);
    let ev = events(&out);
    assert_eq!(ev.len(), 2 + 19 + 2 + 12);
    assert_eq!(at(&ev[0], "aws.elb.type"), Some(&Value::from("tls")));
    assert_eq!(
        at(&ev[2], "aws.elb.name"),
        Some(&Value::from("my-loadbalancer"))
    );
    assert_eq!(at(&ev[21], "client.port"), Some(&Value::from(36280)));
    assert_eq!(at(&ev[23], "aws.elb.type"), Some(&Value::from("http")));
    assert!(ev.iter().all(|e| at(e, "tags").is_none()));
}

#[test]
fn output_order_is_input_order_for_any_thread_count() {
    let data = numbered_lines(200_000);
    let one = run(&["-j", "1", "--block-size", "64K"], &data);
    let eight = run(&["-j", "8", "--block-size", "64K"], &data);
    assert!(one.status.success() && eight.status.success());
    assert_eq!(one.stdout, eight.stdout);
    let text = String::from_utf8(eight.stdout).unwrap();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let needle = format!("\"path\":\"/item/{i}\"");
        assert!(line.contains(&needle), "line {i} out of order");
        n += 1;
    }
    assert_eq!(n, 200_000);
}

#[test]
fn same_input_gives_byte_identical_output() {
    let mut input = read("malformed.log");
    input.extend(read("alb.log"));
    let a = run(&[], &input);
    let b = run(&["-j", "3"], &input);
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
}

#[test]
fn closed_stdout_exits_quietly_with_0() {
    let data = numbered_lines(300_000);
    let mut child = common::spawn(&[]);
    let mut input = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut first = [0u8; 100];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take()); // like `| head -c 100`
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let _ = feeder.join();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}

#[test]
fn head_in_a_shell_pipeline() {
    let tmp = TempDir::new("head");
    let big = tmp.file("big.log", &numbered_lines(200_000));
    let out = Command::new("bash")
        .arg("-o")
        .arg("pipefail")
        .arg("-c")
        .arg(format!("{} {big} | head -1", env!("CARGO_BIN_EXE_elbship")))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert_eq!(stderr(&out), "");
}

#[test]
fn strict_exits_3_on_parse_failures_and_0_without() {
    let loose = run(&["fixtures/malformed.log"], b"");
    assert_eq!(loose.status.code(), Some(0));
    let strict = run(&["--strict", "fixtures/malformed.log"], b"");
    assert_eq!(strict.status.code(), Some(3));
    let ev = events(&strict);
    assert_eq!(ev.len(), 4);
    for e in &ev {
        assert_eq!(
            at(e, "tags"),
            Some(&serde_json::json!(["_grokparsefailure"]))
        );
        assert_eq!(
            at(e, "@timestamp"),
            Some(&Value::from("2023-11-14T22:13:20.000Z"))
        );
    }
    let clean = run(&["--strict", "fixtures/alb.log"], b"");
    assert_eq!(clean.status.code(), Some(0));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--schema", "nope"][..],
        &["--add-field", "novalue"],
        &["--add-field", "a=1", "--add-field", "a.b=2"],
        &["-j", "0"],
        &["--max-line-bytes", "0"],
        &["-", "-"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn static_fields_tags_and_no_message() {
    let out = run(
        &[
            "--add-field",
            "labels.env=prod",
            "--add-field",
            "labels.team=web",
            "--add-field",
            "cloud.service.name=elb",
            "--add-field",
            "aws.elb.name=ignored",
            "--tag",
            "elb",
            "--tag",
            "prod",
            "--no-message",
            "fixtures/alb.log",
            "fixtures/malformed.log",
        ],
        b"",
    );
    let ev = events(&out);
    let first = &ev[0];
    assert_eq!(
        at(first, "labels"),
        Some(&serde_json::json!({"env": "prod", "team": "web"}))
    );
    assert_eq!(at(first, "cloud.provider"), Some(&Value::from("aws")));
    assert_eq!(at(first, "cloud.service.name"), Some(&Value::from("elb")));
    // a value parsed from the line wins over --add-field
    assert_eq!(
        at(first, "aws.elb.name"),
        Some(&Value::from("app/my-loadbalancer/50dc6c495c0c9188"))
    );
    assert_eq!(at(first, "tags"), Some(&serde_json::json!(["elb", "prod"])));
    assert!(at(first, "message").is_none());
    // failure events keep the message and add the failure tag after the user's
    let failure = &ev[12];
    assert_eq!(
        at(failure, "tags"),
        Some(&serde_json::json!(["elb", "prod", "_grokparsefailure"]))
    );
    assert!(at(failure, "message").is_some());
    assert_eq!(at(failure, "labels.env"), Some(&Value::from("prod")));
}

/// Keys are the user's text: quotes, backslashes and control bytes in them are escaped.
#[test]
fn static_field_keys_are_escaped() {
    let out = run(
        &[
            "--add-field",
            "labels.we\"ird\\key\t=v\"1",
            "--add-field",
            "x\"y=2",
            "fixtures/alb.log",
            "fixtures/malformed.log",
        ],
        b"",
    );
    let ev = events(&out);
    assert!(ev.len() > 12);
    for event in &ev {
        assert_eq!(
            event["labels"],
            serde_json::json!({"we\"ird\\key\t": "v\"1"})
        );
        assert_eq!(event["x\"y"], Value::from("2"));
    }
}

#[test]
fn s3_style_names_give_account_and_region() {
    let tmp = TempDir::new("s3");
    let name = "123456789012_elasticloadbalancing_eu-west-1_app.my-lb.50dc6c495c0c9188_20180702T2225Z_10.0.0.1_abcd1234.log.gz";
    let path = tmp.file(name, &gzip(&read("alb.log")));
    let ev = events(&run(&[&path], b""));
    assert_eq!(
        at(&ev[0], "cloud.account.id"),
        Some(&Value::from("123456789012"))
    );
    assert_eq!(at(&ev[0], "cloud.region"), Some(&Value::from("eu-west-1")));
    assert_eq!(
        at(&ev[0], "log.file.path"),
        Some(&Value::from(path.as_str()))
    );
    let stdin = events(&run(
        &["--source", &format!("s3://bucket/AWSLogs/{name}")],
        &read("alb.log"),
    ));
    assert_eq!(
        at(&stdin[0], "cloud.region"),
        Some(&Value::from("eu-west-1"))
    );
}

#[test]
fn long_lines_become_truncated_failure_events_and_memory_stays_bounded() {
    let mut data = read("nlb.log");
    data.extend(std::iter::repeat_n(b'x', 5_000_000));
    data.push(b'\n');
    data.extend(read("nlb.log"));
    let out = run(&["--max-line-bytes", "64K", "--block-size", "16K"], &data);
    assert_eq!(out.status.code(), Some(0));
    let ev = events(&out);
    assert_eq!(ev.len(), 5);
    let long = &ev[2];
    assert_eq!(at(long, "message").unwrap().as_str().unwrap().len(), 65536);
    let why = at(long, "error.message").unwrap().as_str().unwrap();
    assert!(why.contains("5000000 bytes"), "{why}");
    assert_eq!(at(&ev[4], "aws.elb.type"), Some(&Value::from("tls")));
}

#[test]
fn binary_garbage_invalid_utf8_crlf_and_empty_lines() {
    let mut data = Vec::new();
    let alb = read("alb.log");
    let first = alb.split(|&b| b == b'\n').next().unwrap();
    let bad_ua: Vec<u8> = String::from_utf8_lossy(first)
        .replace("curl/7.46.0", "cu\u{1}rl\tx")
        .into_bytes()
        .iter()
        .flat_map(|&b| if b == b'x' { vec![0xff, 0xfe] } else { vec![b] })
        .collect();
    data.extend_from_slice(&bad_ua);
    data.extend_from_slice(b"\r\n\n\r\n");
    data.extend_from_slice(b"\x00\x01\x02\xff garbage \x1b[31m\n");
    data.extend_from_slice(first);
    data.extend_from_slice(b"\r\n");
    let out = run(&["--stats=json"], &data);
    assert_eq!(out.status.code(), Some(0));
    let ev = events(&out);
    assert_eq!(ev.len(), 3, "empty lines skipped");
    let ua = at(&ev[0], "user_agent.original").unwrap().as_str().unwrap();
    assert_eq!(ua, "cu\u{1}rl\t\u{fffd}\u{fffd}");
    assert_eq!(
        at(&ev[1], "tags"),
        Some(&serde_json::json!(["_grokparsefailure"]))
    );
    assert!(!at(&ev[2], "message")
        .unwrap()
        .as_str()
        .unwrap()
        .ends_with('\r'));
    let stats: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(stats["lines"], 5);
    assert_eq!(stats["empty_lines"], 2);
    assert_eq!(stats["events"], 3);
    assert_eq!(stats["parse_failures"], 1);
}

#[test]
fn stats_go_to_stderr_only_when_asked_or_on_a_terminal() {
    let quiet = run(&["fixtures/alb.log"], b"");
    assert_eq!(stderr(&quiet), "");
    let text = run(&["--stats", "fixtures/alb.log"], b"");
    let line = stderr(&text);
    assert!(
        line.starts_with("elbship: 12 lines read, 12 events (0 parse failures)"),
        "{line}"
    );
    assert_eq!(text.stdout, quiet.stdout);
}

#[test]
fn empty_input_and_empty_file() {
    let tmp = TempDir::new("empty");
    let empty = tmp.file("empty.log", b"");
    let out = run(&[&empty], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(run(&[], b"").stdout.is_empty());
}

#[test]
fn help_lists_exit_codes() {
    let out = elbship().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("Exit codes:") && help.contains("--strict"),
        "{help}"
    );
    assert!(Path::new(env!("CARGO_BIN_EXE_elbship")).exists());
}

/// The `log.file.path` of each event, in order, deduplicated consecutive runs.
fn paths_in_order(out: &std::process::Output) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for e in events(out) {
        let p = at(&e, "log.file.path")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        if paths.last() != Some(&p) {
            paths.push(p);
        }
    }
    paths
}

#[test]
fn directories_are_walked_for_log_files_in_name_order() {
    let tmp = TempDir::new("walk");
    std::fs::create_dir_all(tmp.0.join("logs/2025/06/01")).unwrap();
    std::fs::create_dir_all(tmp.0.join("logs/2025/06/02")).unwrap();
    std::fs::create_dir_all(tmp.0.join("empty")).unwrap();
    let day1 = tmp.file("logs/2025/06/01/b.log.gz", &gzip(&read("alb.log")));
    let day1a = tmp.file("logs/2025/06/01/a.log", &read("nlb.log"));
    let day2 = tmp.file("logs/2025/06/02/c.log", &read("classic.log"));
    tmp.file("logs/2025/06/01/ELBAccessLogTestFile", b"test\n");
    tmp.file("logs/notes.txt", b"not a log\n");
    let top = tmp.file("logs/z.log", &read("alb_connection.log"));
    let out = run(&[&tmp.path("logs"), &tmp.path("empty")], b"");
    // a directory named with nothing to read fails like a missing file; the rest is read
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(paths_in_order(&out), vec![day1a, day1, day2, top]);
    assert!(events(&out).iter().all(|e| at(e, "tags").is_none()));
    assert!(
        stderr(&out).contains("empty: no .log or .log.gz files"),
        "{}",
        stderr(&out)
    );
    let out = run(&["summary", &tmp.path("empty")], b"");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn files_from_a_list_or_stdin() {
    let tmp = TempDir::new("list");
    let a = tmp.file("a.log", &read("nlb.log"));
    let b = tmp.file("b.log", &read("alb_connection.log"));
    let list = tmp.file("list.txt", format!("# backfill\n{b}\n\n{a}\n").as_bytes());
    let from_file = run(&["--files-from", &list], b"");
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    assert_eq!(paths_in_order(&from_file), vec![b.clone(), a.clone()]);
    let from_stdin = run(&["--files-from", "-"], format!("{a}\n{b}\n").as_bytes());
    assert_eq!(paths_in_order(&from_stdin), vec![a.clone(), b.clone()]);
    // `aws s3 ls --recursive` output, as is
    let listing =
        format!("2025-06-01 00:05:12       1234 {b}\n2025-06-01 00:10:00       5678 {a}\n");
    let from_listing = run(&["--files-from", "-"], listing.as_bytes());
    assert_eq!(paths_in_order(&from_listing), vec![b, a]);
    let twice = run(&["--files-from", "-", "-"], b"");
    assert_eq!(twice.status.code(), Some(2));
    let missing = run(&["--files-from", &tmp.path("nope.txt")], b"");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nope.txt"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn shards_are_disjoint_and_cover_every_file() {
    let tmp = TempDir::new("shard");
    let line = read("nlb.log");
    let mut all = Vec::new();
    for i in 0..40 {
        all.push(tmp.file(
            &format!("f{i:02}.log"),
            &line[..line.iter().position(|&b| b == b'\n').unwrap() + 1],
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let out = run(&["--shard", &shard, &tmp.0.to_string_lossy()], b"");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let mine = paths_in_order(&out);
        assert!(
            !mine.is_empty() && mine.len() < 40,
            "shard {shard}: {}",
            mine.len()
        );
        for p in &mine {
            assert!(!seen.contains(p), "{p} in two shards");
        }
        seen.extend(mine);
    }
    seen.sort();
    assert_eq!(seen, all);
    assert_eq!(
        run(&["--shard", "3/3", "x.log"], b"").status.code(),
        Some(2)
    );
    assert_eq!(run(&["--shard", "0/2", "-"], b"").status.code(), Some(2));
}

/// Classic lines at 10:00:00, 10:00:01, … (one per second), numbered in the path.
fn timed_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "2024-05-01T10:{:02}:{:02}.000000Z lb 10.0.0.1:1 10.0.0.2:80 0.001 0.002 0.003 200 200 1 2 \"GET http://a.example:80/{i} HTTP/1.1\" \"curl\" - -\n",
                i / 60,
                i % 60
            )
        })
        .collect()
}

#[test]
fn since_is_inclusive_until_is_exclusive_and_failures_are_kept() {
    let mut input = timed_lines(10);
    input.push_str("garbage line\n");
    let out = run(
        &[
            "--since",
            "2024-05-01T10:00:03Z",
            "--until",
            "2024-05-01T12:00:07+02:00",
            "--stats=json",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ev = events(&out);
    let paths: Vec<&str> = ev
        .iter()
        .filter_map(|e| at(e, "url.path")?.as_str())
        .collect();
    assert_eq!(paths, vec!["/3", "/4", "/5", "/6"]);
    assert_eq!(
        at(ev.last().unwrap(), "tags"),
        Some(&serde_json::json!(["_grokparsefailure"]))
    );
    let stats: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(stats["outside_window"], 6);
    assert_eq!(stats["events"], 5);
    // an age: everything in 2024 is more than an hour old
    let recent = run(&["--since", "1h"], timed_lines(3).as_bytes());
    assert!(events(&recent).is_empty());
    for bad in [
        &["--since", "soon"][..],
        &["--since", "2024-05-02", "--until", "2024-05-01"],
    ] {
        assert_eq!(run(bad, b"").status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn files_outside_the_window_by_name_are_not_read() {
    let tmp = TempDir::new("window");
    let name = |end: &str| {
        format!("123456789012_elasticloadbalancing_us-east-1_my-lb_{end}_10.0.0.1_abcd.log")
    };
    let before = tmp.file(&name("20240501T0800Z"), b"not even read\n");
    let inside = tmp.file(&name("20240501T1005Z"), timed_lines(5).as_bytes());
    let after = tmp.file(&name("20240501T1300Z"), b"not even read\n");
    let out = run(
        &[
            "--since",
            "2024-05-01T10:00:00Z",
            "--until",
            "2024-05-01T11:00:00Z",
            &before,
            &inside,
            &after,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped 2 files whose names put them outside"),
        "{}",
        stderr(&out)
    );
    assert_eq!(paths_in_order(&out), vec![inside]);
    assert_eq!(events(&out).len(), 5);
    let summary = run(
        &[
            "summary",
            "--format",
            "json",
            "--since",
            "2024-05-01T10:00:02Z",
            &tmp.path(""),
        ],
        b"",
    );
    let report: Value = serde_json::from_slice(&summary.stdout).unwrap();
    assert_eq!(report["requests"], 3);
}

#[test]
fn killed_and_resumed_with_a_checkpoint_every_event_once() {
    use std::collections::BTreeMap;
    use std::io::BufRead;

    let tmp = TempDir::new("resume");
    std::fs::create_dir_all(tmp.0.join("logs")).unwrap();
    let files = 30;
    let per_file = 3000;
    for f in 0..files {
        let mut text = String::new();
        for i in 0..per_file {
            text.push_str(&format!(
                "2015-05-13T23:39:43.945958Z lb 10.0.0.1:1 10.0.0.2:80 0.1 0.2 0.3 200 200 0 29 \"GET http://a.example:80/f{f}/{i} HTTP/1.1\" \"curl\" - -\n"
            ));
        }
        tmp.file(&format!("logs/f{f:02}.log"), text.as_bytes());
    }
    let checkpoint = tmp.path("ckpt");
    let logs = tmp.path("logs");
    let args = [
        "--checkpoint",
        &checkpoint,
        "--checkpoint-interval",
        "0",
        "--block-size",
        "16K",
        &logs,
    ];

    // run 1: read about 40% of the events, then kill -9
    let mut child = elbship()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first: Vec<String> = Vec::new();
    let mut line = String::new();
    while first.len() < files * per_file * 2 / 5 && reader.read_line(&mut line).unwrap() > 0 {
        first.push(std::mem::take(&mut line));
    }
    let mut line = String::new();
    child.kill().unwrap();
    child.wait().unwrap();
    // what it wrote before dying is delivered too; a kill in the middle of a write can leave
    // one unterminated line at the end, which no consumer would take as an event
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 || !line.ends_with('\n') {
            break;
        }
        first.push(line.clone());
    }

    let recorded: Vec<String> = std::fs::read_to_string(&checkpoint)
        .unwrap_or_default()
        .lines()
        .map(|l| l.splitn(3, ' ').nth(2).unwrap().to_string())
        .collect();
    assert!(
        !recorded.is_empty() && recorded.len() < files,
        "{} recorded",
        recorded.len()
    );

    let count = |lines: &[String]| {
        let mut per_file: BTreeMap<String, usize> = BTreeMap::new();
        for l in lines {
            let e = common::parse_event(l.trim_end());
            *per_file
                .entry(
                    at(&e, "log.file.path")
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
                .or_default() += 1;
        }
        per_file
    };
    let first_counts = count(&first);
    // a file is recorded only once all its events were written
    for path in &recorded {
        assert_eq!(
            first_counts.get(path),
            Some(&per_file),
            "{path} recorded before delivery"
        );
    }

    // run 2: the recorded files are skipped, every other file is read whole
    let second = run(&args, b"");
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stderr(&second).contains(&format!("skipping {} files already done", recorded.len())));
    let second_lines: Vec<String> = String::from_utf8(second.stdout)
        .unwrap()
        .lines()
        .map(|l| format!("{l}\n"))
        .collect();
    let second_counts = count(&second_lines);
    for path in &recorded {
        assert!(!second_counts.contains_key(path), "{path} read twice");
    }
    assert_eq!(second_counts.len() + recorded.len(), files);
    assert!(second_counts.values().all(|&n| n == per_file));
    // and now everything is recorded
    let third = run(&args, b"");
    assert!(third.stdout.is_empty());
}

#[test]
fn many_files_read_in_parallel_come_out_in_the_order_given() {
    let tmp = TempDir::new("parallel");
    let mut expected: Vec<(String, usize)> = Vec::new();
    let mut args: Vec<String> = vec!["-j".into(), "4".into(), "--block-size".into(), "4K".into()];
    for f in 0..24 {
        let lines = 50 + f * 37 % 400; // different lengths, so readers finish out of order
        let text = timed_lines(lines);
        let data = if f % 3 == 0 {
            gzip(text.as_bytes())
        } else {
            text.into_bytes()
        };
        let path = tmp.file(&format!("f{f:02}.log"), &data);
        expected.extend((0..lines).map(|i| (path.clone(), i)));
        args.push(path);
        if f == 10 {
            let broken = gzip(timed_lines(500).as_bytes());
            args.push(tmp.file("broken.log.gz", &broken[..broken.len() / 2]));
        }
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&arg_refs, b"");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.log.gz: corrupt or truncated gzip data"));
    let got: Vec<(String, usize)> = events(&out)
        .iter()
        .filter(|e| {
            !at(e, "log.file.path")
                .unwrap()
                .as_str()
                .unwrap()
                .ends_with("broken.log.gz")
        })
        .map(|e| {
            let path = at(e, "log.file.path")
                .unwrap()
                .as_str()
                .unwrap()
                .to_string();
            let n = at(e, "url.path").unwrap().as_str().unwrap()[1..]
                .parse()
                .unwrap();
            (path, n)
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn a_checkpoint_that_cannot_be_kept_is_a_usage_error_before_anything_is_read() {
    let tmp = TempDir::new("ckpt-paths");
    let input = fixture("alb.log");
    let input = input.to_str().unwrap();
    for (checkpoint, says) in [
        (
            tmp.path("missing/dir/ckpt"),
            "does not exist; create it first",
        ),
        ("/dev/full".to_string(), "not a regular file"),
        (tmp.path(""), "not a regular file"),
    ] {
        let out = run(&["--checkpoint", &checkpoint, input], b"");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{checkpoint}: {err}");
        assert!(err.contains(says), "{checkpoint}: {err}");
        assert!(out.stdout.is_empty(), "{checkpoint}: events written");
    }
    // a huge file is not read whole (no running out of memory)
    let big = tmp.path("big.ckpt");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(300 << 20).unwrap();
    let out = run(&["--checkpoint", &big, input], b"");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a checkpoint"),
        "{}",
        stderr(&out)
    );
}

/// Runs the binary with `args` (stdin closed), failing if it takes over `limit`.
fn run_within(args: &[&str], limit: std::time::Duration) -> std::process::Output {
    common::wait_within(common::spawn_without_stdin(args), limit)
}

#[test]
fn links_in_directories_read_each_file_once_and_loops_end() {
    use std::os::unix::fs::symlink;
    let tmp = TempDir::new("links");
    std::fs::create_dir_all(tmp.0.join("logs/sub")).unwrap();
    std::fs::create_dir_all(tmp.0.join("elsewhere")).unwrap();
    let a = tmp.file("logs/a.log", &read("alb.log"));
    let b = tmp.file("logs/sub/b.log", &read("nlb.log"));
    let c = tmp.file("elsewhere/c.log", &read("classic.log"));
    // two loops (an exponential walk if followed blindly), a second name for a.log, and a
    // link to a directory outside
    symlink("..", tmp.0.join("logs/sub/up")).unwrap();
    symlink(".", tmp.0.join("logs/self")).unwrap();
    symlink("a.log", tmp.0.join("logs/twin.log")).unwrap();
    symlink("../elsewhere", tmp.0.join("logs/other")).unwrap();
    let logs = tmp.path("logs");
    let limit = std::time::Duration::from_secs(20);

    // by default, links to directories are not walked (said on stderr); files are read once
    let out = run_within(&[&logs], limit);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(paths_in_order(&out), vec![a.clone(), b.clone()]);
    assert!(
        stderr(&out).contains("skipped 3 links to directories (pass --follow"),
        "{}",
        stderr(&out)
    );
    let per_file = |out: &std::process::Output| events(out).len();
    let expected = per_file(&run(&[&a, &b], b""));
    assert_eq!(per_file(&out), expected);

    // with --follow, the outside directory is walked and the loops are reported, not entered
    let out = run_within(&["--follow", &logs], limit);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let other_c = tmp.path("logs/other/c.log");
    assert_eq!(paths_in_order(&out), vec![a.clone(), other_c, b.clone()]);
    let err = stderr(&out);
    assert!(err.contains("logs/self: a link loop"), "{err}");
    assert!(err.contains("logs/sub/up: a link loop"), "{err}");
    assert_eq!(per_file(&out), per_file(&run(&[&a, &c, &b], b"")));
}

#[test]
fn a_pipe_held_open_gets_its_events_out_at_once() {
    // (cat x.log; sleep 30) | elbship: the events come out while the writer still holds
    // the pipe, not at the end of input or after a 1 MiB block
    let mut child = common::spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut got = Vec::new();
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            let _ = tx.send(got.clone());
        }
    });
    let started = std::time::Instant::now();
    stdin.write_all(&read("alb.log")).unwrap();
    stdin.flush().unwrap();
    let lines = read("alb.log")
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    let mut got = Vec::new();
    while got.iter().filter(|&&b| b == b'\n').count() < lines {
        match rx.recv_timeout(std::time::Duration::from_secs(3)) {
            Ok(g) => got = g,
            Err(_) => panic!("no events after {:?} with the pipe open", started.elapsed()),
        }
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn flags_that_would_do_nothing_are_refused() {
    let alb = fixture("alb.log");
    let alb = alb.to_str().unwrap();
    let tmp = TempDir::new("no-op-flags");
    let ckpt = tmp.path("ckpt");
    for (args, says) in [
        (
            vec!["--checkpoint", ckpt.as_str()],
            "stdin cannot be resumed",
        ),
        (
            vec!["--checkpoint", ckpt.as_str(), alb, "-"],
            "stdin cannot be resumed",
        ),
        (vec!["--shard", "0/2"], "cannot take stdin"),
        (
            vec!["--source", "s3://b/k.log", alb],
            "--source names stdin",
        ),
    ] {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    // and what they mean still works
    let out = run(&["--source", "s3://b/k.log", "-", alb], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_input_that_is_not_a_log_at_all_says_so() {
    let tmp = TempDir::new("not-a-log");
    let json = tmp.file("config.json", b"{\"a\": 1}\n{\"b\": 2}\n\n{\"c\": 3}\n");
    let one = tmp.file("one.txt", b"hello");
    let mixed = tmp.file("mixed.log", &[read("alb.log"), b"junk\n".to_vec()].concat());
    let out = run(&[&json, &one, &mixed], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{json}: none of its 3 lines is a load balancer log line"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{one}: its one line is not")),
        "{err}"
    );
    assert!(!err.contains("mixed.log"), "{err}");
    // the lines are still there, as failure events
    assert_eq!(events(&out).len(), 3 + 1 + 13);
    // summary says it too
    let out = run(&["summary", &json], b"");
    assert!(
        stderr(&out).contains("none of its 3 lines"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_misspelt_subcommand_is_not_read_as_a_file() {
    let out = run(&["sumary", "fixtures/"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean `elbship summary`?"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn an_s3_listing_of_a_prefix_synced_elsewhere_finds_its_files() {
    // aws s3 sync s3://b/AWSLogs/123/elasticloadbalancing/us-east-1/2025/ logs/
    let tmp = TempDir::new("synced-prefix");
    std::fs::create_dir_all(tmp.0.join("logs/06/01")).unwrap();
    tmp.file("logs/06/01/a.log", &read("alb.log"));
    // cd logs && aws s3 ls --recursive s3://b/AWSLogs/123/…/2025/ | elbship --files-from -
    let listing = "2025-06-01 00:05:12      19000 AWSLogs/123/elasticloadbalancing/us-east-1/2025/06/01/a.log\n";
    let mut child = elbship()
        .current_dir(tmp.0.join("logs"))
        .args(["--files-from", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(listing.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(paths_in_order(&out), vec!["06/01/a.log".to_string()]);
}

#[test]
fn ecs_events_carry_filebeats_dataset_unless_the_user_names_another() {
    let dataset = |args: &[&str]| -> Vec<Option<Value>> {
        let mut all = vec![
            "fixtures/alb.log",
            "fixtures/nlb.log",
            "fixtures/malformed.log",
        ];
        all.extend_from_slice(args);
        let out = run(&all, b"");
        assert!(out.status.success(), "{}", stderr(&out));
        events(&out)
            .iter()
            .map(|e| at(e, "event.dataset").cloned())
            .collect()
    };
    let default = dataset(&[]);
    assert!(default.len() > 10);
    assert!(default
        .iter()
        .all(|d| d.as_ref() == Some(&Value::from("aws.elb"))));
    let own = dataset(&["--add-field", "event.dataset=shop.elb"]);
    assert!(own
        .iter()
        .all(|d| d.as_ref() == Some(&Value::from("shop.elb"))));
    // an `event` of the user's own is theirs: no conflict, no dataset added under it
    let event = dataset(&["--add-field", "event=mine"]);
    assert!(event.iter().all(Option::is_none));
    let legacy = dataset(&["--schema", "legacy"]);
    assert!(legacy.iter().all(Option::is_none));
}

/// The niceness of each thread of process `pid`, by thread name (`/proc/PID/task/*/stat`).
#[cfg(target_os = "linux")]
fn thread_niceness(pid: u32) -> Vec<(String, i32)> {
    let mut threads = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let Ok(stat) = std::fs::read_to_string(task.unwrap().path().join("stat")) else {
            continue;
        };
        // `tid (name) state ppid ...`: niceness is the 19th field, the 17th after the name
        let (head, rest) = stat.rsplit_once(") ").unwrap();
        let name = head.split_once(" (").unwrap().1.to_string();
        let nice = rest.split(' ').nth(16).unwrap().parse().unwrap();
        threads.push((name, nice));
    }
    threads
}

/// The parse workers run 10 nicer than the reader and the in-order writer (which are each the
/// bottleneck when they run late), relative to the niceness the run was started with and at
/// most 19.
#[cfg(target_os = "linux")]
#[test]
fn parse_workers_run_nicer_than_the_reader_and_the_writer() {
    use std::os::unix::process::CommandExt;
    for (started, workers) in [(0, 10), (12, 19)] {
        let mut cmd = elbship();
        cmd.args(["-j", "2"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only setpriority, async-signal-safe, between fork and exec
        unsafe {
            cmd.pre_exec(move || {
                libc::setpriority(libc::PRIO_PROCESS, 0, started);
                Ok(())
            });
        }
        let mut child = cmd.spawn().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let threads = loop {
            let threads = thread_niceness(child.id());
            let named = |prefix: &str| {
                threads
                    .iter()
                    .filter(|(n, _)| n.starts_with(prefix))
                    .count()
            };
            if named("elbship-parse") == 2 && named("elbship-read") == 1 {
                break threads;
            }
            assert!(std::time::Instant::now() < deadline, "threads: {threads:?}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        child.kill().unwrap();
        child.wait().unwrap();
        for (name, nice) in &threads {
            let want = if name.starts_with("elbship-parse") {
                workers
            } else {
                started
            };
            assert_eq!(*nice, want, "{name} started at {started}: {threads:?}");
        }
    }
}
