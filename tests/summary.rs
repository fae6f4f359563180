//! `elbship summary`: counts, percentiles checked against exact values computed here, the
//! formats, grouping, and the `--fail-if` gate's exit code and message.

mod common;

use common::{fixture, run, stderr};
use serde_json::Value;

/// A Classic line with the given processing times (seconds text) and statuses.
fn classic(i: usize, times: (&str, &str, &str), status: &str, backend_status: &str) -> String {
    format!(
        "2024-05-01T10:{:02}:{:02}.000000Z my-lb 10.0.0.{}:40000 10.0.1.1:80 {} {} {} {status} {backend_status} 100 2000 \"GET http://shop.example:80/p/{} HTTP/1.1\" \"curl/8\" - -\n",
        i / 60 % 60,
        i % 60,
        i % 250,
        times.0,
        times.1,
        times.2,
        i % 3
    )
}

/// 1,000 requests whose target time is `i` ms (i = 1..=1000), plus 20 never dispatched (-1),
/// 30 ELB 503s and 10 target 500s; the first at 10:00:00, the last at 10:16:39.
fn known_data() -> (String, Vec<u64>) {
    let mut text = String::new();
    let mut target_us = Vec::new();
    for i in 1..=1000usize {
        let t = format!("{}.{:03}", i / 1000, i % 1000);
        let (status, backend) = match i {
            1..=30 => ("503", "-"),
            31..=40 => ("500", "500"),
            _ => ("200", "200"),
        };
        text.push_str(&classic(
            i - 1,
            ("0.000100", &t, "0.000050"),
            status,
            backend,
        ));
        target_us.push(i as u64 * 1000);
    }
    for i in 0..20 {
        text.push_str(&classic(i, ("-1", "-1", "-1"), "504", "-"));
    }
    (text, target_us)
}

fn json_report(args: &[&str], input: &str) -> (Value, std::process::Output) {
    let mut all = vec!["summary", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all, input.as_bytes());
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (report, out)
}

/// The exact q-quantile by rank ceil(q * n).
fn exact(sorted: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted[rank - 1]
}

#[test]
fn percentiles_are_within_the_stated_bound_of_the_exact_values() {
    let (input, mut target) = known_data();
    target.sort_unstable();
    let total: Vec<u64> = target.iter().map(|t| t + 150).collect();
    let (r, out) = json_report(&[], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (name, q) in [
        ("p50", 0.5),
        ("p90", 0.9),
        ("p95", 0.95),
        ("p99", 0.99),
        ("p99.9", 0.999),
    ] {
        for (prefix, values) in [("target_", &target), ("", &total)] {
            let want = exact(values, q) as f64 / 1e6;
            let got = r[format!("{prefix}{name}")].as_f64().unwrap();
            assert!(
                got >= want && got <= want * (1.0 + 1.0 / 128.0) + 1e-6,
                "{prefix}{name}: {got} vs exact {want}"
            );
        }
    }
    assert_eq!(r["target_max"].as_f64(), Some(1.0));
    assert_eq!(r["max"].as_f64(), Some(1.00015));
    // -1 lines are counted apart, never averaged in
    assert_eq!(r["target_time_unset"], 20);
    assert_eq!(r["total_time_unset"], 20);
}

#[test]
fn counts_rates_and_time_window() {
    let (input, _) = known_data();
    let (r, _) = json_report(&[], &input);
    assert_eq!(r["requests"], 1020);
    assert_eq!(r["2xx"], 960);
    assert_eq!(r["5xx"], 60);
    assert_eq!(r["elb_5xx"], 50);
    assert_eq!(r["target_5xx"], 10);
    assert_eq!(r["5xx_rate"].as_f64(), Some(60.0 / 1020.0));
    assert_eq!(r["received_bytes"], 102_000);
    assert_eq!(r["duration_seconds"].as_f64(), Some(999.0));
    assert_eq!(r["rps"].as_f64(), Some(1020.0 / 999.0));
    assert_eq!(r["parse_failures"], 0);
}

#[test]
fn the_gate_exits_4_and_says_which_condition_failed() {
    let (input, _) = known_data();
    let out = run(
        &[
            "summary",
            "--fail-if",
            "p99 > 500ms",
            "--fail-if",
            "5xx_rate > 10%",
            "--fail-if",
            "target_p50 >= 400ms",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(
        err.contains("--fail-if 'p99 > 500ms' failed: p99 is "),
        "{err}"
    );
    assert!(
        err.contains("--fail-if 'target_p50 >= 400ms' failed"),
        "{err}"
    );
    assert!(
        !err.contains("5xx_rate"),
        "a passing condition is not reported: {err}"
    );
    let pass = run(
        &[
            "summary",
            "--fail-if",
            "p99 > 2s",
            "--fail-if",
            "5xx_rate > 10%",
        ],
        input.as_bytes(),
    );
    assert_eq!(pass.status.code(), Some(0), "{}", stderr(&pass));
    // a bare number on a time or a rate could never mean what was meant: refused, with the
    // spellings that do
    for (condition, says) in [
        ("5xx_rate > 5", "'5%' or '0.05'"),
        ("p50 > 30", "'30ms' or '30s'"),
    ] {
        let out = run(&["summary", "--fail-if", condition], input.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{condition}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    let minutes = run(&["summary", "--fail-if", "p99 > 1m"], input.as_bytes());
    assert_eq!(minutes.status.code(), Some(0), "{}", stderr(&minutes));
    let bad = run(&["summary", "--fail-if", "p42 > 1s"], input.as_bytes());
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown metric"), "{}", stderr(&bad));
    // no timed requests: the condition cannot hold or fail silently
    let empty = run(&["summary", "--fail-if", "p99 > 1s"], b"");
    assert_eq!(empty.status.code(), Some(4));
    assert!(
        stderr(&empty).contains("has no value"),
        "{}",
        stderr(&empty)
    );
}

#[test]
fn grouping_formats_and_parse_failures() {
    let (input, _) = known_data();
    let with_junk = format!("{input}this is not a log line\n");
    let (r, _) = json_report(&["--by", "path", "--top", "2"], &with_junk);
    assert_eq!(r["parse_failures"], 1);
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let counted: u64 = groups.iter().map(|g| g["requests"].as_u64().unwrap()).sum();
    assert!((680..=681).contains(&counted), "{counted}");
    assert!(groups[0]["key"].as_str().unwrap().starts_with("/p/"));

    let md = run(
        &["summary", "--format", "markdown", "--by", "status"],
        input.as_bytes(),
    );
    let text = String::from_utf8(md.stdout).unwrap();
    assert!(
        text.contains("### Latency") && text.contains("| time | p50 | p90 |"),
        "{text}"
    );
    assert!(text.contains("| 503 | 30 | 0 | 30 |"), "{text}");

    let table = run(&["summary"], input.as_bytes());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("requests") && text.contains("not dispatched (-1)"),
        "{text}"
    );
}

#[test]
fn real_fixture_files_in_any_format_mix() {
    let alb = fixture("alb.log");
    let nlb = fixture("nlb.log");
    let out = run(
        &[
            "summary",
            "--format",
            "json",
            alb.to_str().unwrap(),
            nlb.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["requests"], 12);
    assert_eq!(r["error_reasons"]["LambdaInvalidResponse"], 1);
    // three 25-field lines with -1 times (460, 504) and the "- - -" 400
    assert_eq!(r["total_time_unset"], 3);
}

/// A Classic 200 for `path`.
fn request_for(i: usize, path: &str) -> String {
    format!(
        "2024-05-01T10:00:{:02}.000000Z my-lb 10.0.0.1:40000 10.0.1.1:80 0.000100 0.002000 0.000050 200 200 100 2000 \"GET http://shop.example:80{path} HTTP/1.1\" \"curl/8\" - -\n",
        i % 60
    )
}

#[test]
fn the_heaviest_path_is_listed_whatever_the_order_with_its_count_or_its_bound() {
    // the order that hid it before: 1,001 one-off paths first, then the heavy one
    let mut input = String::new();
    for i in 0..1001 {
        input.push_str(&request_for(i, &format!("/u{i}")));
    }
    for i in 0..5000 {
        input.push_str(&request_for(i, "/checkout"));
    }
    let (r, out) = json_report(&["--by", "path", "--top", "3"], &input);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = &r["groups"][0];
    assert_eq!(first["key"], "/checkout", "{r}");
    let (count, error) = (
        first["requests"].as_u64().unwrap(),
        first["requests_error"].as_u64().unwrap(),
    );
    assert!(count - error <= 5000 && 5000 <= count, "{first}");
    assert!(
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["key"] != "(other)"),
        "{r}"
    );

    // many keys interleaved with a skewed few, in several blocks: the listed top 5 are the
    // true top 5 and every listed count bounds the exact one
    let mut input = String::new();
    let mut exact = std::collections::HashMap::<String, u64>::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..40_000usize {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let path = if x % 4 == 0 {
            format!("/hot{}", x % 7 * (x % 7))
        } else {
            format!("/cold{}", x % 30_000)
        };
        *exact.entry(path.clone()).or_default() += 1;
        input.push_str(&request_for(i, &path));
    }
    let (r, _) = json_report(&["--by", "path", "--top", "5"], &input);
    let mut want: Vec<(&String, &u64)> = exact.iter().collect();
    want.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let listed: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    let top5: Vec<&str> = want[..5].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(listed, top5, "{r}");
    for g in r["groups"].as_array().unwrap() {
        let truth = exact[g["key"].as_str().unwrap()];
        let (count, error) = (
            g["requests"].as_u64().unwrap(),
            g["requests_error"].as_u64().unwrap(),
        );
        assert!(count - error <= truth && truth <= count, "{g} vs {truth}");
    }
    let table = run(&["summary", "--by", "path", "--top", "3"], input.as_bytes());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(!text.contains("(other)"), "{text}");
}

#[test]
fn junit_has_a_test_case_per_condition_and_parses_as_xml() {
    let (input, _) = known_data();
    let conditions = ["p99 > 500ms", "5xx_rate > 10%"];
    let mut args = vec!["summary", "--format", "junit"];
    for c in &conditions {
        args.extend(["--fail-if", c]);
    }
    let out = run(&args, input.as_bytes());
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        (root.attribute("tests"), root.attribute("failures")),
        (Some("2"), Some("1"))
    );
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names, conditions);
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("p99 > 500ms held");
    assert!(
        failure.attribute("message").unwrap().contains("p99 is "),
        "{text}"
    );
    assert!(cases[1].children().all(|n| !n.has_tag_name("failure")));
    // the properties are the JSON report's metrics, which carries the verdicts too
    let (json, _) = json_report(&["--fail-if", conditions[0]], &input);
    assert_eq!(json["fail_if"][0]["condition"], conditions[0]);
    assert_eq!(json["fail_if"][0]["passed"], false);
    assert!(json["fail_if"][0]["message"]
        .as_str()
        .unwrap()
        .contains("p99 is "));
    let properties: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .collect();
    assert!(!properties.is_empty());
    for p in properties {
        let name = p.attribute("name").unwrap();
        let value: f64 = p.attribute("value").unwrap().parse().unwrap();
        let reported = json[name].as_f64().unwrap();
        assert!(
            (reported - value).abs() <= 1e-12 * value.abs(),
            "{name}: {reported} vs {value}"
        );
    }
    let report = doc
        .descendants()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(report.contains("Latency"), "{report}");

    // the condition's `<` is escaped markup, and a run that passes has no failure
    let out = run(
        &["summary", "--format", "junit", "--fail-if", "requests < 5"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(case.attribute("name"), Some("requests < 5"));
}

/// An NLB TLS line: connection `conn_ms`, handshake `hs_ms` (None: failed handshake).
fn nlb(i: usize, conn_ms: u64, hs_ms: Option<u64>, listener: &str) -> String {
    let (hs, cipher, protocol) = match hs_ms {
        Some(ms) => (ms.to_string(), "ECDHE-RSA-AES128-SHA", "tlsv12"),
        None => ("-".to_string(), "-", "-"),
    };
    format!(
        "tls 2.0 2024-05-01T10:{:02}:{:02} net/my-nlb/c6e77e28c25b2234 {listener} 10.0.0.{}:51341 172.16.0.1:443 {conn_ms} {hs} 100 2000 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19 - {cipher} {protocol} - my-nlb.elb.us-east-2.amazonaws.com - - -\n",
        i / 60 % 60,
        i % 60,
        i % 4
    )
}

#[test]
fn connections_are_counted_timed_and_gated_apart_from_requests() {
    // 1,000 NLB connections lasting i ms, their handshakes i % 100 ms, plus 10 failed
    // handshakes; 5 Classic TCP lines, and 4 ALB connection-log lines (one certificate refused)
    let mut input = String::new();
    let mut conn_us = Vec::new();
    let mut handshake_us = Vec::new();
    for i in 1..=1000usize {
        let hs = i as u64 % 100;
        input.push_str(&nlb(i, i as u64, Some(hs), "listener-a"));
        conn_us.push(i as u64 * 1000);
        handshake_us.push(hs * 1000);
    }
    for i in 0..10 {
        input.push_str(&nlb(i, 3, None, "listener-b"));
        conn_us.push(3000);
    }
    for i in 0..5 {
        input.push_str(&format!(
            "2015-05-13T23:39:4{i}.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 \"- - - \" \"-\" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2\n"
        ));
    }
    for (i, status) in [
        "Success",
        "Success",
        "Success",
        "Failed:ClientCertUntrusted",
    ]
    .iter()
    .enumerate()
    {
        let latency = if status.starts_with("Failed") {
            "-".to_string()
        } else {
            format!("0.00{i}")
        };
        input.push_str(&format!(
            "2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 {latency} \"CN=x\" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 {status} TID_3180a73013c8ca4bac2f731159d4b0fe\n"
        ));
        if !status.starts_with("Failed") {
            handshake_us.push(i as u64 * 1000);
        }
    }
    let (r, out) = json_report(&[], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(r["requests"], 0, "connections are not requests");
    assert_eq!(r["connections"], 1019);
    assert_eq!(r["tls_connections"], 1019);
    assert_eq!(r["handshake_failures"], 11, "10 NLB, 1 ALB");
    // (serde_json's default float parsing may be an ulp off what was printed)
    let rate = r["handshake_failure_rate"].as_f64().unwrap();
    assert!((rate - 11.0 / 1019.0).abs() < 1e-15, "{rate}");
    assert_eq!(r["verify_failures"], 1);
    assert_eq!(r["conn_received_bytes"], 1010 * 100 + 5 * 82);
    assert_eq!(r["conn_sent_bytes"], 1010 * 2000 + 5 * 305);
    conn_us.sort_unstable();
    handshake_us.sort_unstable();
    for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)] {
        for (prefix, values) in [("conn_", &conn_us), ("handshake_", &handshake_us)] {
            let want = exact(values, q) as f64 / 1e6;
            let got = r[format!("{prefix}{name}")].as_f64().unwrap();
            assert!(
                got >= want && got <= want * (1.0 + 1.0 / 128.0) + 1e-6,
                "{prefix}{name}: {got} vs exact {want}"
            );
        }
    }
    assert_eq!(r["tls_protocols"]["TLSv1.2"], 1009);
    assert_eq!(r["tls_ciphers"]["ECDHE-RSA-AES128-SHA"], 1000);
    let (by_client, _) = json_report(&["--by", "client"], &input);
    let first = &by_client["connection_groups"][0];
    assert_eq!(
        (
            first["connections"].as_u64(),
            first["connections_error"].as_u64()
        ),
        (Some(253), Some(0)),
        "{first}"
    );
    assert_eq!(r["conn_max"].as_f64(), Some(1.0));
    assert_eq!(r["handshake_max"].as_f64(), Some(0.099));

    // the text report has a connections section, by listener, and one TLS protocol name
    let out = run(&["summary", "--by", "listener"], input.as_bytes());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Top 10 connections by listener"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("listener-a") && l.contains(" 1000 ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("listener-b") && l.contains(" 10 ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("TLSv1.2") && l.contains(" 1009 ")),
        "tlsv12 and TLSv1.2 are one protocol: {text}"
    );
    assert!(
        !text.contains("Latency"),
        "no HTTP sections without requests: {text}"
    );

    // and the gate takes the connection metrics, with units
    let gate = run(
        &[
            "summary",
            "--fail-if",
            "handshake_failure_rate > 1%",
            "--fail-if",
            "conn_p99 > 2s",
        ],
        input.as_bytes(),
    );
    assert_eq!(gate.status.code(), Some(4));
    let err = stderr(&gate);
    assert!(err.contains("handshake_failure_rate is 1.079 %"), "{err}");
    assert!(!err.contains("conn_p99"), "{err}");
}

/// Chromium's DOM of `page` after loading it from disk, and a screenshot; `None` (skipped) when Chromium is not installed outside CI; in CI
/// (where `.ci/run` installs it) a missing browser fails the test.
fn rendered_dom(page: &std::path::Path) -> Option<(String, Vec<u8>)> {
    let browser = ["chromium", "chromium-browser"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok()
    });
    let Some(browser) = browser else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Chromium for the HTML report test"
        );
        eprintln!("skipped: no chromium");
        return None;
    };
    let profile = common::TempDir::new("chromium-profile");
    let chromium = |mode: &[&str]| {
        let out = std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .args(mode)
            .arg(format!("--user-data-dir={}", profile.0.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let dom = String::from_utf8(chromium(&["--dump-dom"])).unwrap();
    let shot = profile.path("report.png");
    chromium(&["--window-size=1150,1400", &format!("--screenshot={shot}")]);
    Some((dom, std::fs::read(&shot).unwrap_or_default()))
}

/// The attributes of every `<tag …>` in `html` whose attributes include `marker`.
fn elements(html: &str, tag: &str, marker: &str) -> Vec<std::collections::HashMap<String, String>> {
    let open = format!("<{tag} ");
    html.match_indices(&open)
        .filter_map(|(at, _)| {
            let end = html[at..].find('>')? + at;
            let inside = &html[at + open.len()..end];
            inside.contains(marker).then(|| {
                let mut attrs = std::collections::HashMap::new();
                let mut rest = inside;
                while let Some(eq) = rest.find("=\"") {
                    let name = rest[..eq].trim().trim_end_matches('/').to_string();
                    let after = &rest[eq + 2..];
                    let close = after.find('"').unwrap_or(after.len());
                    attrs.insert(name, after[..close].to_string());
                    rest = &after[(close + 1).min(after.len())..];
                }
                attrs
            })
        })
        .collect()
}

/// The part of `html` from the element with `id` to the end of that `</tag>`.
fn by_id<'a>(html: &'a str, tag: &str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<{tag} id=\"{id}\""))
        .unwrap_or_else(|| panic!("no <{tag} id={id}>"));
    let end = html[start..].find(&format!("</{tag}>")).unwrap() + start;
    &html[start..end]
}

#[test]
fn the_html_report_draws_the_summary_in_a_real_browser() {
    let (input, mut target) = known_data();
    let dir = common::TempDir::new("html-report");
    let log = dir.file("in.log", input.as_bytes());
    let page = dir.path("report.html");
    let out = common::elbship()
        .args([
            "summary",
            "--format",
            "html",
            "--by",
            "status",
            "--fail-if",
            "p99 > 500ms",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let html = String::from_utf8(out.stdout).unwrap();
    // self-contained: nothing to fetch, no script
    for never in [
        "<script", "<link", "src=", "href=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!html.contains(never), "the report holds {never:?}");
    }
    std::fs::write(&page, &html).unwrap();
    let (json, _) = json_report(&["--fail-if", "p99 > 500ms"], &input);
    let Some((dom, screenshot)) = rendered_dom(std::path::Path::new(&page)) else {
        return;
    };
    assert!(screenshot.starts_with(b"\x89PNG"), "no screenshot");
    // the page forbids every script and fetch itself: the browser enforces what it needs
    assert!(
        dom.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""),
        "no Content-Security-Policy in the DOM"
    );
    assert!(
        screenshot.len() > 20_000,
        "a blank page? {} bytes",
        screenshot.len()
    );

    // the verdict comes first, and says why
    let verdict = dom.find("id=\"verdict\"").expect("a verdict");
    assert!(verdict < dom.find("latency-histogram").unwrap());
    assert!(dom.contains("data-verdict=\"fail\""), "{dom}");
    assert!(dom.contains("--fail-if 'p99 &gt; 500ms' failed: p99 is"));

    // headline numbers are the JSON report's
    let cards = elements(&dom, "span", "data-metric");
    assert!(cards.len() >= 8, "{}", cards.len());
    for card in cards {
        let (name, raw) = (&card["data-metric"], &card["data-value"]);
        let want = json[name.as_str()]
            .as_f64()
            .unwrap_or_else(|| panic!("{name}"));
        let got: f64 = raw.parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{name}: {got} vs {want}"
        );
    }

    // every histogram bar holds exactly the requests whose total time is within its edges
    target.sort_unstable();
    let total_us: Vec<u64> = target.iter().map(|t| t + 150).collect();
    let bars = elements(
        by_id(&dom, "svg", "latency-histogram"),
        "rect",
        "class=\"bar\"",
    );
    assert!(bars.len() > 10, "{} bars", bars.len());
    let mut drawn = 0;
    for bar in &bars {
        let lower: u64 = bar["data-lower-us"].parse().unwrap();
        let upper: u64 = bar["data-upper-us"].parse().unwrap();
        let count: u64 = bar["data-count"].parse().unwrap();
        let exact = total_us
            .iter()
            .filter(|&&t| t >= lower && t <= upper)
            .count() as u64;
        assert_eq!(count, exact, "bar {lower}..{upper} µs");
        drawn += count;
    }
    assert_eq!(drawn, 1000, "every timed request is in a bar");

    // the percentile curve has its 103 points and they are the JSON percentiles
    let points = elements(
        by_id(&dom, "svg", "latency-percentiles"),
        "circle",
        "class=\"point\"",
    );
    assert_eq!(points.len(), 103);
    for (q, name) in [
        ("50", "p50"),
        ("99", "p99"),
        ("99.9", "p99.9"),
        ("100", "max"),
    ] {
        let point = points.iter().find(|p| p["data-q"] == q).unwrap();
        let us: f64 = point["data-us"].parse().unwrap();
        assert_eq!(Some(us / 1e6), json[name].as_f64(), "{name}");
    }

    // a timeline bar per minute from 10:00 to 10:16, with each minute's exact counts
    let slots = elements(by_id(&dom, "svg", "timeline"), "g", "class=\"slot\"");
    assert_eq!(slots.len(), 17);
    let mut per_minute = [0u64; 17];
    let mut errors_5xx = [0u64; 17];
    for line in input.lines() {
        let minute: usize = line[14..16].parse().unwrap();
        per_minute[minute] += 1;
        let status = line.split(' ').nth(7).unwrap();
        errors_5xx[minute] += u64::from(status.starts_with('5'));
    }
    for (slot, (want, want_5xx)) in slots.iter().zip(per_minute.iter().zip(errors_5xx)) {
        assert_eq!(slot["data-requests"].parse::<u64>().unwrap(), *want);
        assert_eq!(slot["data-5xx"].parse::<u64>().unwrap(), want_5xx);
    }

    // the status mix and the top list
    let mix = elements(by_id(&dom, "svg", "status-mix"), "rect", "data-status");
    let shown: u64 = mix
        .iter()
        .map(|r| r["data-count"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(shown, 1020);
    let groups = elements(by_id(&dom, "table", "groups"), "tr", "class=\"row\"");
    assert_eq!(groups[0]["data-count"], "960", "200 is the top status");
}
