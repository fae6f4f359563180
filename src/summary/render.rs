//! The report for people (aligned table, Markdown) and machines (JSON).

use std::fmt::Write as _;

use super::tcp::Connections;
use super::top::{self, Entry, TopList};
use super::{Group, GroupBy, Metrics, Summary, Verdict, PERCENTILES};
use crate::json::Object;

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
    /// JUnit XML: a test case per `--fail-if`.
    Junit,
    /// One self-contained HTML page with charts.
    Html,
}

/// A time in seconds for people, as every message writes it: `250 us`, `38.1 ms`, `687.9 s`.
fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), super::gate::show_time)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{:.2} %", r * 100.0))
}

/// A top list's count: exact, or the range the true count is in (`4990..5002`).
fn listed_count<V>(e: &Entry<V>) -> String {
    if e.error == 0 {
        e.count.to_string()
    } else {
        format!("{}..{}", e.count - e.error, e.count)
    }
}

/// Under a top list with a range in it: what the range means.
fn bound_note<V: top::Tally>(
    text: &mut Text,
    list: &TopList<V>,
    rows: &[(&[u8], &Entry<V>)],
    what: &str,
) {
    if rows.iter().all(|(_, e)| e.error == 0) {
        return;
    }
    let note = format!(
        "a..b: between a and b. The list keeps the {} heaviest of many keys; a key not listed \
         occurred at most {} times, and {what} of a range row cover the requests seen while it \
         was listed.",
        top::CAPACITY,
        list.floor()
    );
    let _ = writeln!(text.out, "{note}\n");
}

/// Renders the report; `verdicts` are the gate's, in `--fail-if` order.
pub fn render(
    s: &Summary,
    m: &Metrics,
    verdicts: &[Verdict<'_>],
    format: ReportFormat,
    top: usize,
    by: Option<GroupBy>,
) -> String {
    match format {
        ReportFormat::Json => render_json(s, m, verdicts, top),
        ReportFormat::Table => render_text(s, m, top, by, false),
        ReportFormat::Markdown => render_text(s, m, top, by, true),
        ReportFormat::Junit => {
            super::junit::render(m, verdicts, &render_text(s, m, top, by, false))
        }
        ReportFormat::Html => super::html::render(s, m, verdicts, top, by.map(group_name)),
    }
}

fn render_json(s: &Summary, m: &Metrics, verdicts: &[Verdict<'_>], top: usize) -> String {
    let mut out = Vec::new();
    {
        let mut report = Object::new(&mut out);
        for (name, value) in &m.values {
            report.number(name, *value);
        }
        let mut reasons = report.object("error_reasons");
        for (k, e) in s.error_reasons.top(top) {
            reasons.u64_under(k, e.count);
        }
        drop(reasons);
        let c = &s.connections;
        for (name, list) in [("tls_protocols", &c.protocols), ("tls_ciphers", &c.ciphers)] {
            let mut counts = report.object(name);
            for (k, e) in list.top(top) {
                counts.u64_under(k, e.count);
            }
        }
        let mut groups = report.array("connection_groups");
        for (k, e) in c.groups.top(top) {
            let g = &e.value;
            let mut group = groups.object();
            group
                .str("key", k)
                .u64("connections", e.count)
                .u64("connections_error", e.error)
                .u64("received_bytes", g.received_bytes)
                .u64("sent_bytes", g.sent_bytes)
                .u64("handshake_failures", g.handshake_failures);
            for (p, q) in [("p50", 0.5), ("p99", 0.99)] {
                if let Some(us) = g.connection_time.quantile(q) {
                    group.number(p, us as f64 / 1e6);
                }
            }
        }
        drop(groups);
        let mut gate = report.array("fail_if");
        for (condition, verdict) in verdicts {
            let mut one = gate.object();
            one.str("condition", condition.text.as_bytes())
                .bool("passed", verdict.is_ok());
            if let Err(why) = verdict {
                one.str("message", why.to_string().as_bytes());
            }
        }
        drop(gate);
        let mut groups = report.array("groups");
        for (k, e) in s.groups.top(top) {
            let g = &e.value;
            let mut group = groups.object();
            group
                .str("key", k)
                .u64("requests", e.count)
                .u64("requests_error", e.error)
                .u64("4xx", g.status_4xx)
                .u64("5xx", g.status_5xx);
            for (p, q) in [("p50", 0.5), ("p99", 0.99)] {
                if let Some(us) = g.total_time.quantile(q) {
                    group.number(p, us as f64 / 1e6);
                }
            }
        }
    }
    out.push(b'\n');
    String::from_utf8_lossy(&out).into_owned()
}

fn render_text(
    s: &Summary,
    m: &Metrics,
    top: usize,
    by: Option<GroupBy>,
    markdown: bool,
) -> String {
    let mut text = Text {
        out: String::new(),
        markdown,
    };
    let http = s.requests > 0 || s.connections.count == 0;
    if http {
        requests(&mut text, m);
        statuses(&mut text, m);
        latency(&mut text, m);
    }
    let reasons = s.error_reasons.top(top);
    if !reasons.is_empty() {
        text.heading("Error reasons");
        let rows: Vec<Vec<String>> = reasons
            .iter()
            .map(|(k, e)| vec![String::from_utf8_lossy(k).into_owned(), listed_count(e)])
            .collect();
        text.table(&["error_reason", "count"], &rows);
        bound_note(&mut text, &s.error_reasons, &reasons, "the counts");
    }
    if let Some(by) = by {
        groups(&mut text, &s.groups, top, by);
    }
    if s.connections.count > 0 {
        connections(&mut text, &s.connections, m, top, by);
    }
    text.out
}

/// The report as text: headings and tables, aligned columns or Markdown.
struct Text {
    out: String,
    markdown: bool,
}

impl Text {
    fn heading(&mut self, title: &str) {
        if self.markdown {
            let _ = writeln!(self.out, "### {title}\n");
        } else {
            let _ = writeln!(self.out, "{title}");
        }
    }

    /// A table: the first column left-aligned, the others right-aligned; then a blank line.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let out = &mut self.out;
        if self.markdown {
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(
                out,
                "|{}",
                header.iter().map(|_| "---|").collect::<String>()
            );
            for r in rows {
                let _ = writeln!(out, "| {} |", r.join(" | "));
            }
        } else {
            let widths: Vec<usize> = (0..header.len())
                .map(|c| {
                    rows.iter()
                        .map(|r| r[c].chars().count())
                        .chain([header[c].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: Vec<&str>| {
                cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, w))| {
                        if i == 0 {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            let _ = writeln!(out, "{}", line(header.to_vec()));
            for r in rows {
                let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
            }
        }
        out.push('\n');
    }
}

/// A count for the table, `-` when there is none.
fn count(m: &Metrics, name: &str) -> String {
    m.get(name).map_or("-".into(), |v| format!("{v:.0}"))
}

fn requests(text: &mut Text, m: &Metrics) {
    text.heading("Requests");
    let rows = [
        vec!["requests".into(), count(m, "requests")],
        vec![
            "duration".into(),
            format!("{:.1} s", m.get("duration_seconds").unwrap_or(0.0)),
        ],
        vec![
            "requests/s".into(),
            m.get("rps").map_or("-".into(), |v| format!("{v:.1}")),
        ],
        vec!["parse failures".into(), count(m, "parse_failures")],
        vec![
            "received".into(),
            format!("{} B", count(m, "received_bytes")),
        ],
        vec!["sent".into(), format!("{} B", count(m, "sent_bytes"))],
    ];
    text.table(&["", "value"], &rows);
}

fn statuses(text: &mut Text, m: &Metrics) {
    text.heading("Status");
    let requests = m.get("requests").unwrap_or(1.0).max(1.0);
    let rows = [
        vec![
            "2xx".into(),
            count(m, "2xx"),
            pct(m.get("2xx_rate")),
            "".into(),
            "".into(),
        ],
        vec![
            "3xx".into(),
            count(m, "3xx"),
            pct(m.get("3xx").map(|c| c / requests)),
            "".into(),
            "".into(),
        ],
        vec![
            "4xx".into(),
            count(m, "4xx"),
            pct(m.get("4xx_rate")),
            count(m, "elb_4xx"),
            count(m, "target_4xx"),
        ],
        vec![
            "5xx".into(),
            count(m, "5xx"),
            pct(m.get("5xx_rate")),
            count(m, "elb_5xx"),
            count(m, "target_5xx"),
        ],
    ];
    let header = [
        "status",
        "count",
        "share",
        "by the load balancer",
        "from targets",
    ];
    text.table(&header, &rows);
}

fn latency(text: &mut Text, m: &Metrics) {
    text.heading("Latency");
    let mut rows = Vec::new();
    for (label, prefix, unset) in [
        ("total", "", "total_time_unset"),
        ("target", "target_", "target_time_unset"),
    ] {
        let mut row = vec![label.to_string()];
        for (p, _) in PERCENTILES {
            row.push(ms(m.get(&format!("{prefix}{p}"))));
        }
        row.push(ms(m.get(&format!("{prefix}max"))));
        row.push(count(m, unset));
        rows.push(row);
    }
    let header = [
        "time",
        "p50",
        "p90",
        "p95",
        "p99",
        "p99.9",
        "max",
        "not dispatched (-1)",
    ];
    text.table(&header, &rows);
}

fn group_name(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Path => "path",
        GroupBy::Elb => "elb",
        GroupBy::TargetGroup => "target_group",
        GroupBy::Status => "status",
        GroupBy::Listener => "listener",
        GroupBy::Target => "target",
        GroupBy::Client => "client",
    }
}

fn groups(text: &mut Text, groups: &TopList<Group>, top: usize, by: GroupBy) {
    if groups.is_empty() {
        return;
    }
    let name = group_name(by);
    text.heading(&format!("Top {top} by {name}"));
    let listed = groups.top(top);
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|(k, e)| {
            let g = &e.value;
            vec![
                String::from_utf8_lossy(k).into_owned(),
                listed_count(e),
                g.status_4xx.to_string(),
                g.status_5xx.to_string(),
                ms(g.total_time.quantile(0.5).map(|u| u as f64 / 1e6)),
                ms(g.total_time.quantile(0.99).map(|u| u as f64 / 1e6)),
            ]
        })
        .collect();
    text.table(&[name, "requests", "4xx", "5xx", "p50", "p99"], &rows);
    bound_note(text, groups, &listed, "4xx, 5xx, p50 and p99");
}

/// The connection side: NLB, Classic TCP/SSL and ALB connection-log lines.
fn connections(text: &mut Text, c: &Connections, m: &Metrics, top: usize, by: Option<GroupBy>) {
    text.heading("Connections");
    let rows = [
        vec!["connections".into(), count(m, "connections")],
        vec![
            "connections/s".into(),
            m.get("cps").map_or("-".into(), |v| format!("{v:.1}")),
        ],
        vec![
            "received".into(),
            format!("{} B", count(m, "conn_received_bytes")),
        ],
        vec!["sent".into(), format!("{} B", count(m, "conn_sent_bytes"))],
        vec!["TLS connections".into(), count(m, "tls_connections")],
        vec![
            "TLS handshake failures".into(),
            format!(
                "{} ({})",
                count(m, "handshake_failures"),
                pct(m.get("handshake_failure_rate"))
            ),
        ],
        vec![
            "client certificate failures".into(),
            format!(
                "{} ({})",
                count(m, "verify_failures"),
                pct(m.get("verify_failure_rate"))
            ),
        ],
    ];
    text.table(&["", "value"], &rows);
    let mut rows = Vec::new();
    for (label, prefix) in [
        ("connection (NLB)", "conn_"),
        ("TLS handshake", "handshake_"),
    ] {
        let mut row = vec![label.to_string()];
        for (p, _) in PERCENTILES {
            row.push(ms(m.get(&format!("{prefix}{p}"))));
        }
        row.push(ms(m.get(&format!("{prefix}max"))));
        rows.push(row);
    }
    text.table(&["time", "p50", "p90", "p95", "p99", "p99.9", "max"], &rows);
    for (title, list) in [("TLS protocols", &c.protocols), ("TLS ciphers", &c.ciphers)] {
        let listed = list.top(top);
        if listed.is_empty() {
            continue;
        }
        text.heading(title);
        let tls = c.tls.max(1) as f64;
        let rows: Vec<Vec<String>> = listed
            .iter()
            .map(|(k, e)| {
                vec![
                    String::from_utf8_lossy(k).into_owned(),
                    listed_count(e),
                    pct(Some(e.count as f64 / tls)),
                ]
            })
            .collect();
        text.table(&["name", "connections", "share of TLS"], &rows);
        bound_note(text, list, &listed, "the counts");
    }
    let Some(by) = by else { return };
    let listed = c.groups.top(top);
    if listed.is_empty() {
        return;
    }
    let name = group_name(by);
    text.heading(&format!("Top {top} connections by {name}"));
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|(k, e)| {
            let g = &e.value;
            vec![
                String::from_utf8_lossy(k).into_owned(),
                listed_count(e),
                g.received_bytes.to_string(),
                g.sent_bytes.to_string(),
                g.handshake_failures.to_string(),
                ms(g.connection_time.quantile(0.5).map(|u| u as f64 / 1e6)),
                ms(g.connection_time.quantile(0.99).map(|u| u as f64 / 1e6)),
            ]
        })
        .collect();
    let header = [
        name,
        "connections",
        "received B",
        "sent B",
        "handshake failures",
        "p50",
        "p99",
    ];
    text.table(&header, &rows);
    bound_note(text, &c.groups, &listed, "bytes, failures, p50 and p99");
}
