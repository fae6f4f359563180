//! `s3://` inputs against a real S3 server (moto's) on 127.0.0.1, with a proxy in front of
//! it where a test needs a server that misbehaves.

mod common;

use common::s3::{Faults, Proxy, S3Server};
use common::{elbship, events, fixture, stderr, TempDir};
use serde_json::Value;
use std::process::{Command, Output};

const DAY: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2025/06/01/";

fn key(name: &str) -> String {
    format!(
        "{DAY}123456789012_elasticloadbalancing_us-east-1_app.x.1_20250601T0005Z_1.2.3.4_{name}"
    )
}

/// elbship against `endpoint` with test credentials in the environment.
fn run(endpoint: &str, args: &[&str]) -> Output {
    let (command, rest) = match args.split_first() {
        Some((&"summary", rest)) => (vec!["summary"], rest),
        _ => (vec![], args),
    };
    against(endpoint, &command).args(rest).output().unwrap()
}

/// elbship with test credentials, `command` (none or `summary`), pointed at `endpoint`.
fn against(endpoint: &str, command: &[&str]) -> Command {
    let mut cmd = elbship();
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .args(command)
        .args(["--endpoint-url", endpoint]);
    cmd
}

/// The fixtures under an AWS layout, with the test file AWS writes when logging is enabled.
fn upload_fixtures(server: &S3Server) -> Vec<(String, std::path::PathBuf)> {
    server.bucket("logs");
    let mut uploaded = Vec::new();
    for name in ["alb.log", "classic.log", "sample-alb.log.gz", "nlb.log"] {
        let k = key(&name.replace('.', "-"))
            + if name.ends_with(".gz") {
                ".log.gz"
            } else {
                ".log"
            };
        server.put("logs", &k, &std::fs::read(fixture(name)).unwrap());
        uploaded.push((k, fixture(name)));
    }
    server.put(
        "logs",
        &format!("{DAY}ELBAccessLogTestFile"),
        b"Enable AccessLog for ELB",
    );
    uploaded.sort();
    uploaded
}

/// Events without the fields that name where they came from.
fn without_source(mut e: Value) -> Value {
    let o = e.as_object_mut().unwrap();
    o.remove("log");
    if let Some(aws) = o.get_mut("aws").and_then(Value::as_object_mut) {
        aws.remove("s3");
    }
    o.remove("cloud");
    e
}

#[test]
fn a_prefix_reads_like_the_same_files_on_disk_in_key_order() {
    let server = S3Server::start();
    let uploaded = upload_fixtures(&server);
    let out = run(&server.url, &["--stats=json", "s3://logs/AWSLogs/"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let from_s3 = events(&out);
    let files: Vec<String> = uploaded
        .iter()
        .map(|(_, p)| p.display().to_string())
        .collect();
    let mut args = vec!["-j1"];
    args.extend(files.iter().map(String::as_str));
    let from_disk = events(&elbship().args(&args).output().unwrap());
    assert_eq!(from_s3.len(), from_disk.len());
    for (a, b) in from_s3.iter().zip(&from_disk) {
        assert_eq!(without_source(a.clone()), without_source(b.clone()));
    }
    // the first event is from the first key: s3:// path, bucket, key, account from the name
    let first = &from_s3[0];
    let (k, _) = &uploaded[0];
    assert_eq!(first["log"]["file"]["path"], format!("s3://logs/{k}"));
    assert_eq!(first["aws"]["s3"]["bucket"]["name"], "logs");
    assert_eq!(first["aws"]["s3"]["object"]["key"], k.as_str());
    assert_eq!(first["cloud"]["account"]["id"], "123456789012");
    let stats = common::stats_json(&out);
    assert_eq!(stats["inputs"], 4, "the test file is not an input");
    assert_eq!(stats["s3"]["list_requests"], 1);
    assert!(stats["s3"]["requests"].as_u64().unwrap() >= 4);

    // progress counts objects, and says what was downloaded and how fast
    let shown = run(&server.url, &["--progress", "always", "s3://logs/AWSLogs/"]);
    let first = stderr(&shown);
    let first = first.lines().next().unwrap();
    assert!(
        first.starts_with("elbship: progress: objects 0/4, "),
        "{first}"
    );
    assert!(
        first.contains(" MB read, ") && first.ends_with(" MB/s"),
        "{first}"
    );
}

#[test]
fn s3_requests_go_through_the_proxy_the_environment_names() {
    let server = S3Server::start();
    upload_fixtures(&server);
    let direct = run(&server.url, &["s3://logs/AWSLogs/"]);
    assert!(direct.status.success(), "{}", stderr(&direct));
    let proxy = common::proxy::ForwardProxy::start();
    let out = against(&server.url, &[])
        .env("HTTP_PROXY", &proxy.url)
        .arg("s3://logs/AWSLogs/")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout, direct.stdout,
        "the same events through the proxy"
    );
    let seen = proxy.seen();
    let address = server.url.trim_start_matches("http://");
    assert!(
        seen.iter()
            .any(|l| l.contains(address) && l.contains("list-type")),
        "the listing did not go through HTTP_PROXY: {seen:?}"
    );
}

#[test]
fn more_than_a_thousand_keys_are_listed_page_by_page_and_read_in_order() {
    let server = S3Server::start();
    server.bucket("many");
    let line = std::fs::read_to_string(fixture("alb.log")).unwrap();
    let line = line.lines().next().unwrap().to_string();
    let objects: Vec<(String, Vec<u8>)> = (0..1100)
        .map(|i| {
            (
                format!("p/{i:05}.log"),
                format!("{line} {i}\n").into_bytes(),
            )
        })
        .collect();
    server.put_all("many", &objects);
    let proxy = Proxy::start(&server.url, Faults::default());
    let out = run(&proxy.url, &["--s3-concurrency", "32", "s3://many/p/"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = events(&out);
    assert_eq!(got.len(), 1100);
    for (i, e) in got.iter().enumerate() {
        let message = e["message"].as_str().unwrap();
        assert!(message.ends_with(&format!(" {i}")), "event {i}: {message}");
    }
    assert_eq!(proxy.lists(), 2, "1,100 keys are two pages of 1,000");
}

#[test]
fn a_connection_cut_mid_object_resumes_by_range_exactly_once() {
    let server = S3Server::start();
    server.bucket("cut");
    let data = std::fs::read(fixture("sample-alb.log.gz")).unwrap();
    assert!(data.len() > 100_000);
    server.put("cut", "x/big.log.gz", &data);
    let proxy = Proxy::start(
        &server.url,
        Faults {
            cut: Some(("big.log.gz".into(), 40_000)),
            ..Faults::default()
        },
    );
    let out = run(&proxy.url, &["--stats=json", "s3://cut/x/"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let disk = events(
        &elbship()
            .arg(fixture("sample-alb.log.gz"))
            .output()
            .unwrap(),
    );
    let got = events(&out);
    assert_eq!(got.len(), disk.len(), "every line once");
    for (a, b) in got.iter().zip(&disk) {
        assert_eq!(a["message"], b["message"]);
    }
    let ranged: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.range.is_some())
        .collect();
    assert_eq!(ranged.len(), 1, "one ranged GET after the cut: {ranged:?}");
    let from: u64 = ranged[0].range.as_deref().unwrap()["bytes=".len()..]
        .trim_end_matches('-')
        .parse()
        .unwrap();
    assert!(from > 0 && from <= 40_000, "resumed at {from}");
    assert_eq!(common::stats_json(&out)["s3"]["retries"], 1);
}

#[test]
fn slow_down_is_retried_and_a_denied_object_fails_alone() {
    let server = S3Server::start();
    upload_fixtures(&server);
    let proxy = Proxy::start(
        &server.url,
        Faults {
            slow_down_first: 3,
            deny: Some("classic-log".into()),
            ..Faults::default()
        },
    );
    let out = run(&proxy.url, &["--stats=json", "s3://logs/AWSLogs/"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let denied: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("access denied"))
        .collect();
    assert_eq!(denied.len(), 1, "{err}");
    assert!(denied[0].contains("classic-log.log"), "{err}");
    let stats = common::stats_json(&out);
    assert_eq!(
        (stats["inputs"].as_u64(), stats["inputs_failed"].as_u64()),
        (Some(4), Some(1))
    );
    let classic = std::fs::read_to_string(fixture("classic.log")).unwrap();
    let expected: usize = ["alb.log", "nlb.log"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(fixture(f))
                .unwrap()
                .lines()
                .filter(|l| !l.is_empty())
                .count()
        })
        .sum::<usize>()
        + 2000;
    assert_eq!(
        events(&out).len(),
        expected,
        "all but {} classic lines",
        classic.lines().count()
    );
}

#[test]
fn credentials_come_from_a_profile_in_the_shared_files() {
    let server = S3Server::start();
    upload_fixtures(&server);
    let proxy = Proxy::start(&server.url, Faults::default());
    let dir = TempDir::new("s3-profile");
    let config = dir.file("config", b"[profile prod]\nregion = eu-west-1\n");
    let credentials = dir.file(
        "credentials",
        b"[prod]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n",
    );
    let out = elbship()
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args([
            "--profile",
            "prod",
            "--endpoint-url",
            &proxy.url,
            "s3://logs/AWSLogs/",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = proxy.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        let auth = s.authorization.as_deref().unwrap_or("");
        assert!(auth.contains("Credential=AKIDPROFILE/"), "{auth}");
        assert!(
            auth.contains("/eu-west-1/s3/"),
            "the profile's region: {auth}"
        );
    }
}

#[test]
fn a_checkpointed_backfill_skips_what_is_done_and_reads_a_rewritten_object_again() {
    let server = S3Server::start();
    let uploaded = upload_fixtures(&server);
    let dir = TempDir::new("s3-checkpoint");
    let ckpt = dir.path("june.ckpt");
    let first = run(&server.url, &["--checkpoint", &ckpt, "s3://logs/AWSLogs/"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(events(&first).len() > 2000);
    let again = run(&server.url, &["--checkpoint", &ckpt, "s3://logs/AWSLogs/"]);
    assert!(again.status.success());
    assert_eq!(events(&again).len(), 0);
    assert!(
        stderr(&again).contains("skipping 4 files already done"),
        "{}",
        stderr(&again)
    );
    // the same key written again (another ETag) is read again, alone
    let (k, _) = uploaded
        .iter()
        .find(|(k, _)| k.contains("alb-log.log"))
        .unwrap();
    server.put("logs", k, b"not a log line\n");
    let third = run(&server.url, &["--checkpoint", &ckpt, "s3://logs/AWSLogs/"]);
    assert_eq!(events(&third).len(), 1, "{}", stderr(&third));
}

#[test]
fn summary_reads_s3_and_s3_flags_need_an_s3_input() {
    let server = S3Server::start();
    upload_fixtures(&server);
    let out = run(
        &server.url,
        &["summary", "--format", "json", "s3://logs/AWSLogs/"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["requests"].as_u64().unwrap() > 2000);

    let alone = elbship()
        .args([
            "--endpoint-url",
            "http://127.0.0.1:9",
            &fixture("alb.log").display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(alone.status.code(), Some(2));
    assert!(stderr(&alone).contains("--endpoint-url applies to s3:// inputs"));

    let missing = run(
        &server.url,
        &[
            "s3://no-such-bucket/x/",
            &fixture("alb.log").display().to_string(),
        ],
    );
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("no such bucket"),
        "{}",
        stderr(&missing)
    );
    assert!(
        !events(&missing).is_empty(),
        "the other input is still read"
    );
}

#[test]
fn a_day_out_of_three_years_costs_a_handful_of_list_requests() {
    let server = S3Server::start();
    server.bucket("years");
    let line = std::fs::read_to_string(fixture("alb.log")).unwrap();
    let line = line.lines().next().unwrap().to_string();
    let days = [
        "2023/01/01",
        "2023/07/15",
        "2024/06/01",
        "2024/12/31",
        "2025/05/31",
        "2025/06/01",
        "2025/06/02",
        "2025/06/03",
        "2025/12/31",
    ];
    let mut objects = Vec::new();
    for region in ["us-east-1", "eu-west-1"] {
        for day in days {
            let stamp = day.replace('/', "");
            let iso = format!("{}T12:00:00.000000Z", day.replace('/', "-"));
            let text = line.replacen("2018-07-02T22:23:00.186641Z", &iso, 1) + "\n";
            let key = format!(
                "AWSLogs/123456789012/elasticloadbalancing/{region}/{day}/\
                 123456789012_elasticloadbalancing_{region}_app.x.1_{stamp}T1205Z_1.2.3.4_a.log"
            );
            objects.push((key, text.into_bytes()));
        }
    }
    objects.push((
        "other/notes.log".to_string(),
        b"not in the layout\n".to_vec(),
    ));
    server.put_all("years", &objects);
    let proxy = Proxy::start(&server.url, Faults::default());
    let out = run(
        &proxy.url,
        &[
            "--since",
            "2025-06-01",
            "--until",
            "2025-06-02",
            "s3://years/",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got = events(&out);
    // the day in both regions, and the object outside the layout (a failure event: no time)
    assert_eq!(got.len(), 3, "{got:?}");
    let listed: Vec<String> = proxy
        .seen()
        .iter()
        .filter(|s| s.line.contains("list-type=2"))
        .map(|s| s.line.replace("%2F", "/"))
        .collect();
    for outside in ["/2023/", "/2024/", "2025/12/", "2025/06/03/"] {
        assert!(
            !listed.iter().any(|l| l.contains(outside)),
            "{outside} was listed: {listed:#?}"
        );
    }
    assert!(
        listed.len() <= 20,
        "{} List requests: {listed:#?}",
        listed.len()
    );
}

#[test]
fn files_from_takes_s3_urls_and_aws_s3_ls_lines() {
    let server = S3Server::start();
    let uploaded = upload_fixtures(&server);
    let (nlb, alb, classic) = (
        uploaded
            .iter()
            .find(|(k, _)| k.contains("nlb-log"))
            .unwrap(),
        uploaded
            .iter()
            .find(|(k, _)| k.contains("alb-log.log"))
            .unwrap(),
        uploaded
            .iter()
            .find(|(k, _)| k.contains("classic-log"))
            .unwrap(),
    );
    let dir = TempDir::new("s3-files-from");
    let list = dir.file(
        "keys.txt",
        format!(
            "2025-06-01 00:05:12       1234 {}\ns3://logs/{}\n2025-06-01 00:05:13       5678 {}\n",
            nlb.0, alb.0, classic.0
        )
        .as_bytes(),
    );
    let out = run(&server.url, &["--files-from", &list, "--s3-bucket", "logs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let paths: Vec<String> = events(&out)
        .iter()
        .map(|e| e["log"]["file"]["path"].as_str().unwrap().to_string())
        .collect();
    let mut order = paths.clone();
    order.dedup();
    let expected: Vec<String> = [nlb, alb, classic]
        .iter()
        .map(|(k, _)| format!("s3://logs/{k}"))
        .collect();
    assert_eq!(order, expected, "in the order listed");
    let lines = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .count()
    };
    assert_eq!(
        paths.len(),
        lines(&nlb.1) + lines(&alb.1) + lines(&classic.1)
    );
    let stray = elbship()
        .args([
            "--s3-bucket",
            "logs",
            &fixture("alb.log").display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        stray.status.code(),
        Some(2),
        "--s3-bucket without any S3 key"
    );
}

#[test]
fn errors_say_what_to_do_about_credentials_sso_region_and_endpoint() {
    let server = S3Server::start();
    upload_fixtures(&server);
    let dir = TempDir::new("s3-errors");
    let failure = |out: &Output| {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
        let text = stderr(out);
        assert_eq!(text.lines().count(), 1, "one line: {text}");
        text
    };

    // no credentials anywhere: the sources tried, and the ways out
    let none = elbship()
        .args(["--endpoint-url", &server.url, "s3://logs/AWSLogs/"])
        .output()
        .unwrap();
    let text = failure(&none);
    assert!(
        text.contains("no AWS credentials found (tried: Environment, Profile"),
        "{text}"
    );
    assert!(text.contains("--no-sign-request"), "{text}");

    // an SSO profile with no cached token: the login command for that profile
    let config = dir.file(
        "config",
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = ReadLogs\nregion = us-east-1\n\n[sso-session corp]\n\
         sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
            .as_bytes(),
    );
    let sso = elbship()
        .env("HOME", &dir.0)
        .env("AWS_CONFIG_FILE", &config)
        .args(["--profile", "dev", "--endpoint-url", &server.url])
        .arg("s3://logs/AWSLogs/")
        .output()
        .unwrap();
    let text = failure(&sso);
    assert!(text.contains("run `aws sso login --profile dev`"), "{text}");

    // the bucket lives in another region: name it
    let redirect = Proxy::start(
        &server.url,
        Faults {
            bucket_region: Some("eu-west-1".into()),
            ..Faults::default()
        },
    );
    let text = failure(&run(&redirect.url, &["s3://logs/AWSLogs/"]));
    assert!(
        text.contains("the bucket is in eu-west-1: pass --region eu-west-1"),
        "{text}"
    );

    // nothing listens at the endpoint: say so, without the SDK's debug dump
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let endpoint = format!("http://127.0.0.1:{port}");
    let text = failure(&run(&endpoint, &["s3://logs/AWSLogs/"]));
    assert!(
        text.contains(&format!("cannot reach {endpoint}: Connection refused")),
        "{text}"
    );
    assert!(!text.contains("DispatchFailure"), "{text}");
}

/// Complete NDJSON lines of `bytes` (a killed run may leave half a line at the end), counted
/// by the object they came from.
fn events_by_key(bytes: &[u8], counts: &mut std::collections::HashMap<String, usize>) {
    let text = String::from_utf8_lossy(bytes);
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    for line in complete.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let key = event["aws"]["s3"]["object"]["key"].as_str().unwrap();
        *counts.entry(key.to_string()).or_default() += 1;
    }
}

#[test]
fn a_checkpointed_backfill_killed_at_random_moments_loses_nothing() {
    use std::process::Stdio;
    use std::time::Duration;
    let server = S3Server::start();
    server.bucket("logs");
    let lines = std::fs::read(fixture("alb.log")).unwrap().repeat(100);
    let per_object = lines.iter().filter(|&&b| b == b'\n').count();
    let objects = 40;
    let keys: Vec<String> = (0..objects)
        .map(|i| key(&format!("{i:02}.log.gz")))
        .collect();
    let gz = common::gzip(&lines);
    for k in &keys {
        server.put("logs", k, &gz);
    }
    let dir = TempDir::new("s3-kill");
    let ckpt = dir.path("ckpt");
    let args = [
        "--checkpoint",
        &ckpt,
        "--checkpoint-interval",
        "0",
        "-j",
        "1",
        "--s3-concurrency",
        "2",
        "s3://logs/AWSLogs/",
    ];
    let (seed, mut next) = common::kill_moments();
    // every event any run wrote, by object
    let mut written = std::collections::HashMap::new();
    let mut kills = 0;
    for round in 0..6 {
        let out = dir.path(&format!("out-{round}"));
        let mut child = against(&server.url, &[])
            .args(args)
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100 + next() % 900));
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        events_by_key(&std::fs::read(&out).unwrap(), &mut written);
        // an object in the checkpoint had every event written before it was recorded
        let done = std::fs::read_to_string(&ckpt).unwrap_or_default();
        for entry in done.lines().filter(|l| !l.starts_with('#')) {
            let url = entry.splitn(3, ' ').nth(2).unwrap();
            let k = url.trim_start_matches("s3://logs/");
            let seen = written.get(k).copied().unwrap_or(0);
            assert!(
                seen >= per_object,
                "seed {seed}: {k} recorded with {seen} events written"
            );
        }
    }
    assert!(kills > 0, "seed {seed}: every run ended before its kill");
    let done_before = std::fs::read_to_string(&ckpt)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();
    eprintln!("{kills} runs killed, {done_before} of {objects} objects done before the last run");
    let last = run(&server.url, &args);
    assert!(last.status.success(), "seed {seed}: {}", stderr(&last));
    if done_before > 0 {
        let skipping = format!("skipping {done_before} files already done");
        assert!(
            stderr(&last).contains(&skipping),
            "seed {seed}: {}",
            stderr(&last)
        );
    }
    let mut last_counts = std::collections::HashMap::new();
    events_by_key(&last.stdout, &mut last_counts);
    // what the last run read it read whole; with what the killed runs wrote, nothing is lost
    assert!(
        last_counts.values().all(|&n| n == per_object),
        "seed {seed}"
    );
    assert_eq!(last_counts.len(), objects - done_before, "seed {seed}");
    for k in &keys {
        let total = written.get(k).copied().unwrap_or(0) + last_counts.get(k).copied().unwrap_or(0);
        assert!(total >= per_object, "seed {seed}: {k} lost events");
    }
    let again = run(&server.url, &args);
    assert!(
        stderr(&again).contains(&format!("skipping {objects} files already done")),
        "seed {seed}: {}",
        stderr(&again)
    );
    assert!(again.stdout.is_empty());
}

/// The largest resident set of a running process, from `/proc` (0 once it has exited).
fn peak_rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// elbship reading `s3://logs/AWSLogs/` with `concurrency` fetches into a stdout nobody reads:
/// every fetch runs as far ahead as it may. Its peak RSS once it has stalled.
fn stalled_peak_rss(server: &S3Server, concurrency: &str) -> u64 {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = against(&server.url, &[])
        .args(["--s3-concurrency", concurrency])
        .arg("s3://logs/AWSLogs/")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // until the peak has not grown for a second (the fetches are full and waiting)
    let (mut peak, mut since) = (0, Instant::now());
    let deadline = Instant::now() + Duration::from_secs(30);
    while since.elapsed() < Duration::from_secs(1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        let now = peak_rss_bytes(child.id());
        if now > peak {
            (peak, since) = (now, Instant::now());
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "it did not stall");
    child.kill().unwrap();
    child.wait().unwrap();
    peak
}

#[test]
fn read_ahead_memory_is_bounded_per_fetch_whatever_the_size_of_the_objects() {
    let server = S3Server::start();
    server.bucket("logs");
    let objects = 16;
    let sample = std::fs::read(fixture("alb.log")).unwrap();
    // 8 MiB an object, 128 MiB in all, raw (a chunk of body is a chunk of log)
    let body = sample.repeat((8 << 20) / sample.len());
    let all: Vec<(String, Vec<u8>)> = (0..objects)
        .map(|i| (key(&format!("{i:02}.log")), body.clone()))
        .collect();
    server.put_all("logs", &all);
    drop(all);
    let one = stalled_peak_rss(&server, "1");
    let sixteen = stalled_peak_rss(&server, "16");
    let (mb, per_fetch) = (1 << 20, (sixteen.saturating_sub(one)) / 15);
    eprintln!(
        "stalled peak RSS: {} MB with 1 fetch, {} MB with 16 ({:.1} MB a fetch; objects {:.1} MB each)",
        one / mb,
        sixteen / mb,
        per_fetch as f64 / mb as f64,
        body.len() as f64 / mb as f64
    );
    // 2 MiB of read-ahead a fetch plus the chunk in hand and its buffers (2.5-2.7 MiB
    // measured), not the object
    assert!(per_fetch < 4 * mb, "{per_fetch} bytes a fetch");
    assert!(one > 0);
}
