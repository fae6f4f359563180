//! `summary --format html`: one self-contained page for CI artifacts. No script, no font, no
//! fetch: inline CSS and SVG drawn from the histogram and timeline the summary keeps, so it
//! reads the same with JavaScript off, offline, and printed. Every drawn number carries its
//! raw value in a `data-` attribute (seconds, fractions, counts), which the browser test
//! compares with `--format json`.

use std::fmt::Write as _;

use super::gate::show_time;
use super::tcp::Connections;
use super::top::{Entry, Tally, TopList};
use super::{GateFailure, Histogram, Metrics, Summary, Verdict, PERCENTILES};

/// Quantiles of the percentile curve, in percent: every whole percent, then the tail.
fn curve_quantiles() -> Vec<f64> {
    let mut q: Vec<f64> = (1..=99).map(f64::from).collect();
    q.extend([99.5, 99.9, 99.99, 100.0]);
    q
}

/// `text` safe in HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn lossy(bytes: &[u8]) -> String {
    esc(&String::from_utf8_lossy(bytes))
}

const STYLE: &str = "
:root { --fg: #1b1f24; --muted: #5b6470; --line: #d0d7de; --bar: #2f6fb3; --err: #c62828;
  --warn: #ef8f00; --ok: #1a7f37; --bg: #ffffff; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.muted { color: var(--muted); }
.verdict { border-radius: 6px; padding: 10px 14px; margin: 14px 0; font-weight: 600; }
.verdict.pass { background: #dafbe1; color: var(--ok); }
.verdict.fail { background: #ffebe9; color: var(--err); }
.verdict.none { background: #f6f8fa; color: var(--muted); font-weight: 400; }
.verdict ul { margin: 6px 0 0; padding-left: 20px; font-weight: 400; }
.condition[data-result=passed] { color: var(--ok); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .label { display: block; font-size: 12px; color: var(--muted); }
.card .value { font-size: 20px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0 8px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; max-width: 520px; overflow-wrap: anywhere; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.bar { fill: var(--bar); } .err { fill: var(--err); } .warn { fill: var(--warn); }
.ok { fill: var(--ok); } .curve { fill: none; stroke: var(--bar); stroke-width: 2; }
.point { fill: var(--bar); } .axis { stroke: var(--line); } .none { fill: #8c959f; }
.note { font-size: 13px; color: var(--muted); }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; }
  svg, table, .cards { break-inside: avoid; } }
";

/// What the browser may do with the page: inline styles, nothing else. No script runs and
/// nothing is fetched even if a log line smuggled markup past the escaping.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// Chart geometry: width, height and the margins around the plot.
const W: f64 = 1000.0;
const H: f64 = 220.0;
const LEFT: f64 = 60.0;
const BOTTOM: f64 = 30.0;
const TOP: f64 = 10.0;

pub(super) fn render(
    s: &Summary,
    m: &Metrics,
    verdicts: &[Verdict<'_>],
    top: usize,
    by_name: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <title>elbship summary</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let window = match (
        s.first_us.or(s.connections.first_us),
        s.last_us.or(s.connections.last_us),
    ) {
        (Some(a), Some(b)) => format!(
            "{} to {}",
            crate::clock::rfc3339_utc(a.div_euclid(1_000_000), 0),
            crate::clock::rfc3339_utc(b.div_euclid(1_000_000), 0)
        ),
        _ => "no timed lines".into(),
    };
    let _ = writeln!(
        out,
        "<h1>Load balancer summary</h1>\n<p class=\"muted\">{} requests, {} connections, {}</p>",
        s.requests,
        s.connections.count,
        esc(&window)
    );
    verdict(&mut out, verdicts);
    if s.requests > 0 || s.connections.count == 0 {
        requests(&mut out, s, m, top, by_name);
    }
    if s.connections.count > 0 {
        connections(&mut out, &s.connections, m, top, by_name);
    }
    out.push_str(
        "<p class=\"note\">Made by elbship summary. Percentiles are upper edges of log-linear \
         buckets: never below the true value, at most 0.78 % above it.</p>\n</body>\n</html>\n",
    );
    out
}

fn verdict(out: &mut String, verdicts: &[Verdict<'_>]) {
    if verdicts.is_empty() {
        out.push_str("<div class=\"verdict none\" id=\"verdict\" data-verdict=\"none\">No --fail-if gate was given.</div>\n");
        return;
    }
    let failed = verdicts.iter().filter(|(_, v)| v.is_err()).count();
    let (class, title) = if failed == 0 {
        (
            "pass",
            format!(
                "Gate passed: none of the {} conditions held",
                verdicts.len()
            ),
        )
    } else {
        (
            "fail",
            format!(
                "Gate failed: {failed} of {} conditions held",
                verdicts.len()
            ),
        )
    };
    let _ = writeln!(
        out,
        "<div class=\"verdict {class}\" id=\"verdict\" data-verdict=\"{class}\">{}<ul>",
        esc(&title)
    );
    for (condition, v) in verdicts {
        let (mark, said) = match v {
            Ok(()) => ("passed", format!("--fail-if '{}' passed", condition.text)),
            Err(why @ GateFailure::Held { .. }) | Err(why @ GateFailure::NoValue { .. }) => {
                ("failed", why.to_string())
            }
        };
        let _ = writeln!(
            out,
            "<li class=\"condition\" data-result=\"{mark}\">{}</li>",
            esc(&said)
        );
    }
    out.push_str("</ul></div>\n");
}

/// A headline number: label, shown text, the raw value for machines.
fn card(out: &mut String, label: &str, metric: &str, m: &Metrics, shown: impl Fn(f64) -> String) {
    let (text, raw) = match m.get(metric) {
        Some(v) => (shown(v), v.to_string()),
        None => ("-".to_string(), String::new()),
    };
    let _ = writeln!(
        out,
        "<div class=\"card\"><span class=\"label\">{}</span><span class=\"value\" data-metric=\"{metric}\" data-value=\"{raw}\">{}</span></div>",
        esc(label),
        esc(&text)
    );
}

fn count_text(v: f64) -> String {
    format!("{v:.0}")
}

fn rate_text(v: f64) -> String {
    format!("{:.2} %", v * 100.0)
}

fn requests(out: &mut String, s: &Summary, m: &Metrics, top: usize, by_name: Option<&str>) {
    out.push_str("<h2>Requests</h2>\n<div class=\"cards\">\n");
    card(out, "requests", "requests", m, count_text);
    card(out, "requests/s", "rps", m, |v| format!("{v:.1}"));
    card(out, "5xx rate", "5xx_rate", m, rate_text);
    card(out, "4xx rate", "4xx_rate", m, rate_text);
    card(out, "p50", "p50", m, show_time);
    card(out, "p99", "p99", m, show_time);
    card(out, "p99.9", "p99.9", m, show_time);
    card(out, "max", "max", m, show_time);
    card(out, "parse failures", "parse_failures", m, count_text);
    out.push_str("</div>\n");

    out.push_str("<h2>Latency (total time)</h2>\n");
    histogram_chart(out, "latency-histogram", &s.total_time);
    percentile_curve(out, "latency-percentiles", &s.total_time);
    let mut rows = String::new();
    for (label, prefix) in [("total", ""), ("target", "target_")] {
        let _ = write!(rows, "<tr><td>{label}</td>");
        for name in PERCENTILES.iter().map(|(p, _)| *p).chain(["max"]) {
            let key = format!("{prefix}{name}");
            let cell = m.get(&key).map_or("-".into(), show_time);
            let _ = write!(rows, "<td data-metric=\"{key}\">{}</td>", esc(&cell));
        }
        rows.push_str("</tr>\n");
    }
    let _ = writeln!(
        out,
        "<table><tr><th>time</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n{rows}</table>"
    );

    out.push_str("<h2>Requests and errors per minute</h2>\n");
    timeline_chart(out, s);

    out.push_str("<h2>Status</h2>\n");
    status_mix(out, s, m);

    if !s.error_reasons.is_empty() {
        out.push_str("<h2>Error reasons</h2>\n");
        top_table(
            out,
            "error-reasons",
            &s.error_reasons,
            top,
            &["reason", "count"],
            |_| Vec::new(),
        );
    }
    if let Some(name) = by_name {
        if !s.groups.is_empty() {
            let _ = writeln!(out, "<h2>Top {top} by {}</h2>", esc(name));
            top_table(
                out,
                "groups",
                &s.groups,
                top,
                &[name, "requests", "4xx", "5xx", "p50", "p99"],
                |g| {
                    vec![
                        g.status_4xx.to_string(),
                        g.status_5xx.to_string(),
                        us_text(g.total_time.quantile(0.5)),
                        us_text(g.total_time.quantile(0.99)),
                    ]
                },
            );
        }
    }
}

fn us_text(us: Option<u64>) -> String {
    us.map_or("-".into(), |u| show_time(u as f64 / 1e6))
}

/// A top list as a table: key, count (or its range), then `more` columns.
fn top_table<V: Tally>(
    out: &mut String,
    id: &str,
    list: &TopList<V>,
    top: usize,
    header: &[&str],
    more: impl Fn(&V) -> Vec<String>,
) {
    let _ = write!(out, "<table id=\"{id}\"><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    let listed = list.top(top);
    for (key, e) in &listed {
        let _ = write!(
            out,
            "<tr class=\"row\" data-count=\"{}\" data-error=\"{}\"><td>{}</td><td>{}</td>",
            e.count,
            e.error,
            lossy(key),
            entry_count(e)
        );
        for cell in more(&e.value) {
            let _ = write!(out, "<td>{}</td>", esc(&cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    if listed.iter().any(|(_, e)| e.error > 0) {
        let _ = writeln!(
            out,
            "<p class=\"note\">a..b: the true count is between a and b (a key not listed occurred at most {} times).</p>",
            list.floor()
        );
    }
}

fn entry_count<V>(e: &Entry<V>) -> String {
    if e.error == 0 {
        e.count.to_string()
    } else {
        format!("{}..{}", e.count - e.error, e.count)
    }
}

/// Bars of the histogram, 4 per power of two, on a log time axis.
fn histogram_chart(out: &mut String, id: &str, h: &Histogram) {
    let bins = h.bins(4);
    if bins.is_empty() {
        out.push_str("<p class=\"muted\">No timed requests.</p>\n");
        return;
    }
    let most = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64;
    let plot_w = W - LEFT - 10.0;
    let plot_h = H - TOP - BOTTOM;
    let bar_w = plot_w / bins.len() as f64;
    let _ = writeln!(
        out,
        "<svg id=\"{id}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"latency histogram, {} bars\">",
        bins.len()
    );
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        H - BOTTOM,
        W - 10.0,
        H - BOTTOM
    );
    for (i, (lower, upper, count)) in bins.iter().enumerate() {
        let height = plot_h * (*count as f64) / most;
        let x = LEFT + i as f64 * bar_w;
        let _ = writeln!(
            out,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" data-lower-us=\"{lower}\" data-upper-us=\"{upper}\" data-count=\"{count}\"><title>{} to {}: {count}</title></rect>",
            H - BOTTOM - height,
            (bar_w - 1.0).max(0.5),
            esc(&show_time(*lower as f64 / 1e6)),
            esc(&show_time(*upper as f64 / 1e6)),
        );
    }
    // a label under the first bar, about every sixth, and the last
    let step = (bins.len() / 6).max(1);
    for (i, (lower, _, _)) in bins.iter().enumerate() {
        if i % step == 0 {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{}\">{}</text>",
                (LEFT + i as f64 * bar_w).min(W - 60.0),
                H - 10.0,
                esc(&show_time(*lower as f64 / 1e6))
            );
        }
    }
    let _ = writeln!(
        out,
        "<text x=\"4\" y=\"{}\">{most:.0}</text>\n</svg>",
        TOP + 10.0
    );
}

/// The percentile curve: time at each quantile, quantiles spaced so the tail is readable
/// (x is -log10(1 - q), so 90, 99, 99.9 are evenly apart).
fn percentile_curve(out: &mut String, id: &str, h: &Histogram) {
    if h.count() == 0 {
        return;
    }
    let qs = curve_quantiles();
    let x_of = |q: f64| -> f64 { (-(1.0 - q / 100.0).max(1e-4).log10()) / 4.0 };
    let values: Vec<(f64, u64)> = qs
        .iter()
        // q / 100 would make 99.9 into 0.9990000000000001 (another rank than p99.9's)
        .filter_map(|&q| h.quantile((q * 100.0).round() / 10_000.0).map(|us| (q, us)))
        .collect();
    // y on a log scale from the fastest to the slowest: a tail 1,000 times the median stays
    // readable beside it
    let max = values.iter().map(|v| v.1).max().unwrap_or(1).max(1) as f64;
    let min = values.iter().map(|v| v.1).min().unwrap_or(1).max(1) as f64;
    let span = (max.ln() - min.ln()).max(1e-9);
    let plot_w = W - LEFT - 10.0;
    let plot_h = H - TOP - BOTTOM;
    let point = |q: f64, us: u64| {
        let y = ((us.max(1) as f64).ln() - min.ln()) / span;
        (LEFT + plot_w * x_of(q), H - BOTTOM - plot_h * y)
    };
    let _ = writeln!(
        out,
        "<svg id=\"{id}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"percentile curve, {} points\">",
        values.len()
    );
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        H - BOTTOM,
        W - 10.0,
        H - BOTTOM
    );
    let points: Vec<String> = values
        .iter()
        .map(|&(q, us)| {
            let (x, y) = point(q, us);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = writeln!(
        out,
        "<polyline class=\"curve\" points=\"{}\"/>",
        points.join(" ")
    );
    for &(q, us) in &values {
        let (x, y) = point(q, us);
        let _ = writeln!(
            out,
            "<circle class=\"point\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2\" data-q=\"{q}\" data-us=\"{us}\"><title>p{q}: {}</title></circle>",
            esc(&show_time(us as f64 / 1e6))
        );
    }
    for q in [50.0, 90.0, 99.0, 99.9, 99.99] {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">p{q}</text>",
            (LEFT + plot_w * x_of(q)).min(W - 30.0),
            H - 10.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"4\" y=\"{}\">{}</text><text x=\"4\" y=\"{}\">{}</text>\n</svg>",
        TOP + 10.0,
        esc(&show_time(max / 1e6)),
        H - BOTTOM,
        esc(&show_time(min / 1e6))
    );
}

/// Requests per bucket, with its 5xx and 4xx stacked at the foot.
fn timeline_chart(out: &mut String, s: &Summary) {
    let buckets = s.timeline.buckets();
    if buckets.is_empty() {
        out.push_str("<p class=\"muted\">No timed requests.</p>\n");
        return;
    }
    let width = s.timeline.width_minutes();
    let most = buckets
        .iter()
        .map(|b| b.1.requests)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let plot_w = W - LEFT - 10.0;
    let plot_h = H - TOP - BOTTOM;
    let bar_w = plot_w / buckets.len() as f64;
    let _ = writeln!(
        out,
        "<svg id=\"timeline\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"requests per {width} minute(s), {} buckets\" data-minutes=\"{width}\">",
        buckets.len()
    );
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        H - BOTTOM,
        W - 10.0,
        H - BOTTOM
    );
    for (i, (minute, slot)) in buckets.iter().enumerate() {
        let x = LEFT + i as f64 * bar_w;
        let h = |n: u64| plot_h * n as f64 / most;
        let when = crate::clock::rfc3339_utc(minute * 60, 0);
        let (total, e5, e4) = (h(slot.requests), h(slot.status_5xx), h(slot.status_4xx));
        let bw = (bar_w - 0.5).max(0.3);
        let _ = writeln!(
            out,
            "<g class=\"slot\" data-minute=\"{minute}\" data-requests=\"{}\" data-4xx=\"{}\" data-5xx=\"{}\"><title>{}: {} requests, {} 4xx, {} 5xx</title>\
             <rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{total:.1}\"/>\
             <rect class=\"warn\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{e4:.1}\"/>\
             <rect class=\"err\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{e5:.1}\"/></g>",
            slot.requests,
            slot.status_4xx,
            slot.status_5xx,
            esc(&when),
            slot.requests,
            slot.status_4xx,
            slot.status_5xx,
            H - BOTTOM - total,
            H - BOTTOM - e5 - e4,
            H - BOTTOM - e5,
        );
    }
    let (first, last) = (buckets[0].0, buckets[buckets.len() - 1].0);
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        H - 10.0,
        esc(&crate::clock::rfc3339_utc(first * 60, 0)),
        W - 10.0,
        H - 10.0,
        esc(&crate::clock::rfc3339_utc(last * 60, 0))
    );
    let _ = writeln!(
        out,
        "<text x=\"4\" y=\"{}\">{most:.0}</text>\n</svg>",
        TOP + 10.0
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">{width} minute(s) a bar; blue: requests, orange: 4xx, red: 5xx.</p>"
    );
}

/// One bar split by status class, and the counts.
fn status_mix(out: &mut String, s: &Summary, m: &Metrics) {
    let classes = [
        ("2xx", s.status[2], "ok"),
        ("3xx", s.status[3], "bar"),
        ("4xx", s.status[4], "warn"),
        ("5xx", s.status[5], "err"),
        ("none", s.status[0] + s.status[1] + s.status[6], "none"),
    ];
    let total = s.requests.max(1) as f64;
    let _ = writeln!(
        out,
        "<svg id=\"status-mix\" viewBox=\"0 0 {W} 40\" role=\"img\" aria-label=\"status mix\">"
    );
    let mut x = 0.0;
    for (name, n, class) in classes {
        let w = W * n as f64 / total;
        if n > 0 {
            let _ = writeln!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"5\" width=\"{w:.1}\" height=\"30\" data-status=\"{name}\" data-count=\"{n}\"><title>{name}: {n}</title></rect>"
            );
        }
        x += w;
    }
    out.push_str("</svg>\n<table><tr><th>status</th><th>count</th><th>share</th><th>by the load balancer</th><th>from targets</th></tr>\n");
    for (name, split) in [
        ("2xx", None),
        ("3xx", None),
        ("4xx", Some(("elb_4xx", "target_4xx"))),
        ("5xx", Some(("elb_5xx", "target_5xx"))),
    ] {
        let n = m.get(name).unwrap_or(0.0);
        let (elb, target) = match split {
            Some((a, b)) => (
                count_text(m.get(a).unwrap_or(0.0)),
                count_text(m.get(b).unwrap_or(0.0)),
            ),
            None => (String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td data-metric=\"{name}\">{}</td><td>{}</td><td>{elb}</td><td>{target}</td></tr>",
            count_text(n),
            rate_text(n / total)
        );
    }
    out.push_str("</table>\n");
}

fn connections(out: &mut String, c: &Connections, m: &Metrics, top: usize, by_name: Option<&str>) {
    out.push_str(
        "<h2>Connections (NLB, Classic TCP/SSL, ALB connection logs)</h2>\n<div class=\"cards\">\n",
    );
    card(out, "connections", "connections", m, count_text);
    card(out, "connections/s", "cps", m, |v| format!("{v:.1}"));
    card(out, "TLS connections", "tls_connections", m, count_text);
    card(
        out,
        "handshake failures",
        "handshake_failures",
        m,
        count_text,
    );
    card(
        out,
        "handshake failure rate",
        "handshake_failure_rate",
        m,
        rate_text,
    );
    card(
        out,
        "client certificate failures",
        "verify_failures",
        m,
        count_text,
    );
    card(out, "bytes in", "conn_received_bytes", m, count_text);
    card(out, "bytes out", "conn_sent_bytes", m, count_text);
    card(out, "handshake p50", "handshake_p50", m, show_time);
    card(out, "handshake p99", "handshake_p99", m, show_time);
    card(out, "connection p50", "conn_p50", m, show_time);
    card(out, "connection p99", "conn_p99", m, show_time);
    out.push_str("</div>\n");
    if c.handshake_time.count() > 0 {
        out.push_str("<h2>TLS handshake time</h2>\n");
        histogram_chart(out, "handshake-histogram", &c.handshake_time);
    }
    for (title, id, list) in [
        ("TLS protocols", "tls-protocols", &c.protocols),
        ("TLS ciphers", "tls-ciphers", &c.ciphers),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "<h2>{title}</h2>");
            top_table(out, id, list, top, &["name", "connections"], |_| Vec::new());
        }
    }
    if let Some(name) = by_name {
        if !c.groups.is_empty() {
            let _ = writeln!(out, "<h2>Top {top} connections by {}</h2>", esc(name));
            top_table(
                out,
                "connection-groups",
                &c.groups,
                top,
                &[
                    name,
                    "connections",
                    "bytes in",
                    "bytes out",
                    "handshake failures",
                    "p50",
                    "p99",
                ],
                |g| {
                    vec![
                        g.received_bytes.to_string(),
                        g.sent_bytes.to_string(),
                        g.handshake_failures.to_string(),
                        us_text(g.connection_time.quantile(0.5)),
                        us_text(g.connection_time.quantile(0.99)),
                    ]
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_keys_is_text() {
        assert_eq!(esc("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
        assert_eq!(esc("a\u{7}b"), "a\u{fffd}b");
    }
}
