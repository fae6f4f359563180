//! The report for people (aligned table, Markdown) and machines (JSON).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{Group, GroupBy, Metrics, Summary, PERCENTILES};
use crate::json::Object;

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
}

/// A time in seconds for people: `38.1 ms` below a second, `687.866 s` from one up.
fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(s) if s < 1.0 => format!("{:.1} ms", s * 1e3),
        Some(s) => format!("{s:.3} s"),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{:.2} %", r * 100.0))
}

/// The top `top` entries of a count map, largest first (ties by key, for stable output).
fn top_counts(map: &HashMap<Vec<u8>, u64>, top: usize) -> Vec<(&[u8], u64)> {
    let mut v: Vec<(&[u8], u64)> = map.iter().map(|(k, c)| (k.as_slice(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(top);
    v
}

fn top_groups(groups: &HashMap<Vec<u8>, Group>, top: usize) -> Vec<(&[u8], &Group)> {
    let mut v: Vec<(&[u8], &Group)> = groups.iter().map(|(k, g)| (k.as_slice(), g)).collect();
    v.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then(a.0.cmp(b.0)));
    v.truncate(top);
    v
}

/// Renders the report.
pub fn render(
    s: &Summary,
    m: &Metrics,
    format: ReportFormat,
    top: usize,
    by: Option<GroupBy>,
) -> String {
    match format {
        ReportFormat::Json => render_json(s, m, top),
        ReportFormat::Table => render_text(s, m, top, by, false),
        ReportFormat::Markdown => render_text(s, m, top, by, true),
    }
}

fn render_json(s: &Summary, m: &Metrics, top: usize) -> String {
    let mut out = Vec::new();
    {
        let mut report = Object::new(&mut out);
        for (name, value) in &m.values {
            report.number(name, *value);
        }
        let mut reasons = report.object("error_reasons");
        for (k, c) in top_counts(&s.error_reasons, top) {
            reasons.u64_under(k, c);
        }
        drop(reasons);
        let mut groups = report.array("groups");
        for (k, g) in top_groups(&s.groups, top) {
            let mut group = groups.object();
            group
                .str("key", k)
                .u64("requests", g.requests)
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
    requests(&mut text, m);
    statuses(&mut text, m);
    latency(&mut text, m);
    let reasons = top_counts(&s.error_reasons, top);
    if !reasons.is_empty() {
        text.heading("Error reasons");
        let rows: Vec<Vec<String>> = reasons
            .iter()
            .map(|(k, c)| vec![String::from_utf8_lossy(k).into_owned(), c.to_string()])
            .collect();
        text.table(&["error_reason", "count"], &rows);
    }
    if let Some(by) = by {
        groups(&mut text, &s.groups, top, by);
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

fn groups(text: &mut Text, groups: &HashMap<Vec<u8>, Group>, top: usize, by: GroupBy) {
    let name = match by {
        GroupBy::Path => "path",
        GroupBy::Elb => "elb",
        GroupBy::TargetGroup => "target_group",
        GroupBy::Status => "status",
    };
    text.heading(&format!("Top {top} by {name}"));
    let rows: Vec<Vec<String>> = top_groups(groups, top)
        .iter()
        .map(|(k, g)| {
            vec![
                String::from_utf8_lossy(k).into_owned(),
                g.requests.to_string(),
                g.status_4xx.to_string(),
                g.status_5xx.to_string(),
                ms(g.total_time.quantile(0.5).map(|u| u as f64 / 1e6)),
                ms(g.total_time.quantile(0.99).map(|u| u as f64 / 1e6)),
            ]
        })
        .collect();
    text.table(&[name, "requests", "4xx", "5xx", "p50", "p99"], &rows);
}
