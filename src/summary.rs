//! The `summary` subcommand: requests, status mix, error reasons, bytes and latency percentiles
//! over the inputs, optionally per group, and a gate (`--fail-if 'p99 > 500ms'`) for CI.
//!
//! Pure: blocks of lines become partial [`Summary`] values that merge (`+=`, like xsv's stats);
//! [`Metrics`] are derived once at the end. Latency percentiles come from a log-linear
//! [`Histogram`]: memory is bounded whatever the input size, and a reported percentile is the
//! upper edge of its bucket, never below the true value and at most 1/128 (0.78 %) above it
//! (exact below 128 µs).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::format::values::Decimal;
use crate::format::{self, HttpCore, Record};

/// Sub-buckets per power of two: 2^7 = 128, so a bucket is at most 1/128 of its values wide.
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;

/// Counts of values (microseconds) in log-linear buckets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < SUB {
            return v as usize;
        }
        let e = 63 - v.leading_zeros(); // >= SUB_BITS
        let m = (v >> (e - SUB_BITS)) & (SUB - 1);
        (SUB + u64::from(e - SUB_BITS) * SUB + m) as usize
    }

    /// The largest value that falls in bucket `i`.
    fn upper(i: usize) -> u64 {
        let i = i as u64;
        if i < SUB {
            return i;
        }
        let k = i - SUB;
        let e = k / SUB + u64::from(SUB_BITS);
        let m = k % SUB;
        let width = 1u64 << (e - u64::from(SUB_BITS));
        (1u64 << e) + m * width + (width - 1)
    }

    pub fn record(&mut self, v: u64) {
        let i = Self::index(v);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q`-quantile (0 < q <= 1) in microseconds: the upper edge of the bucket holding the
    /// value of rank ceil(q * n), capped at the exact maximum. `None` without values.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::upper(i).min(self.max));
            }
        }
        Some(self.max)
    }
}

/// What `--by` groups on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// The request URL's path.
    Path,
    /// The load balancer.
    Elb,
    /// The ALB target group ARN.
    TargetGroup,
    /// The load balancer's status code.
    Status,
}

/// At most this many groups are tracked; later new keys count under `(other)`.
pub const MAX_GROUPS: usize = 1000;
const OTHER_GROUP: &[u8] = b"(other)";

/// One group's share.
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub requests: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
    pub total_time: Histogram,
}

/// A partial or whole report; blocks' summaries merge with [`Summary::merge`].
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// ALB and Classic lines (HTTP requests and TCP connections).
    pub requests: u64,
    /// Lines of other formats (NLB, ALB connection log): counted, not summarised.
    pub other_lines: u64,
    /// Earliest and latest request time, µs since the epoch.
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
    /// By the load balancer's status: [no status, 1xx, 2xx, 3xx, 4xx, 5xx, other].
    pub status: [u64; 7],
    /// 4xx/5xx the load balancer generated itself (no target status) vs passed on from a target.
    pub elb_4xx: u64,
    pub elb_5xx: u64,
    pub target_4xx: u64,
    pub target_5xx: u64,
    pub error_reasons: HashMap<Vec<u8>, u64>,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    /// Target (backend) processing time, µs; `-1` lines counted in `target_time_unset`.
    pub target_time: Histogram,
    pub target_time_unset: u64,
    /// request + target + response processing time, µs; any `-1` → `total_time_unset`.
    pub total_time: Histogram,
    pub total_time_unset: u64,
    pub groups: HashMap<Vec<u8>, Group>,
}

fn micros(d: Option<Decimal<'_>>) -> Option<u64> {
    d.and_then(Decimal::nanos).map(|ns| ns / 1000)
}

impl Summary {
    /// Adds one parsed line.
    pub fn add(&mut self, record: &Record<'_>, by: Option<GroupBy>) {
        let (core, alb) = match record {
            Record::Alb(r) => (&r.core, Some(r)),
            Record::Classic(r) => (&r.core, None),
            Record::Nlb(_) | Record::Conn(_) => {
                self.other_lines += 1;
                return;
            }
        };
        self.requests += 1;
        if let Some(t) = crate::clock::parse_timestamp_micros(core.time) {
            self.first_us = Some(self.first_us.map_or(t, |f| f.min(t)));
            self.last_us = Some(self.last_us.map_or(t, |l| l.max(t)));
        }
        let status = core.elb_status_code.map(|s| s.value());
        let class = match status {
            None => 0,
            Some(s @ 100..=599) => (s / 100) as usize,
            Some(_) => 6,
        };
        self.status[class] += 1;
        let from_target = core.backend_status_code.is_some();
        match (class, from_target) {
            (4, false) => self.elb_4xx += 1,
            (4, true) => self.target_4xx += 1,
            (5, false) => self.elb_5xx += 1,
            (5, true) => self.target_5xx += 1,
            _ => {}
        }
        if let Some(reason) = alb.and_then(|a| a.error_reason) {
            *capped_entry(&mut self.error_reasons, reason.bytes) += 1;
        }
        self.received_bytes += core.received_bytes.map_or(0, |b| b.value());
        self.sent_bytes += core.sent_bytes.map_or(0, |b| b.value());
        match micros(core.backend_processing_time) {
            Some(us) => self.target_time.record(us),
            None => self.target_time_unset += 1,
        }
        let total = total_micros(core);
        match total {
            Some(us) => self.total_time.record(us),
            None => self.total_time_unset += 1,
        }
        if let Some(by) = by {
            let buf: [u8; 3];
            let key: &[u8] = match by {
                GroupBy::Path => core
                    .request
                    .url
                    .and_then(format::values::split_url)
                    .and_then(|u| u.path)
                    .unwrap_or(b"-"),
                GroupBy::Elb => core.elb,
                GroupBy::TargetGroup => alb
                    .and_then(|a| a.target_group_arn)
                    .map_or(&b"-"[..], |t| t.bytes),
                GroupBy::Status => match status {
                    Some(s) if s < 1000 => {
                        buf = [
                            b'0' + (s / 100) as u8,
                            b'0' + (s / 10 % 10) as u8,
                            b'0' + (s % 10) as u8,
                        ];
                        &buf
                    }
                    _ => b"-",
                },
            };
            let group = capped_entry(&mut self.groups, key);
            group.requests += 1;
            group.status_4xx += u64::from(class == 4);
            group.status_5xx += u64::from(class == 5);
            if let Some(us) = total {
                group.total_time.record(us);
            }
        }
    }

    pub fn merge(&mut self, o: Summary) {
        self.requests += o.requests;
        self.other_lines += o.other_lines;
        self.first_us = match (self.first_us, o.first_us) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_us = match (self.last_us, o.last_us) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (a, b) in self.status.iter_mut().zip(o.status) {
            *a += b;
        }
        self.elb_4xx += o.elb_4xx;
        self.elb_5xx += o.elb_5xx;
        self.target_4xx += o.target_4xx;
        self.target_5xx += o.target_5xx;
        for (k, v) in o.error_reasons {
            *capped_entry(&mut self.error_reasons, &k) += v;
        }
        self.received_bytes += o.received_bytes;
        self.sent_bytes += o.sent_bytes;
        self.target_time.merge(&o.target_time);
        self.target_time_unset += o.target_time_unset;
        self.total_time.merge(&o.total_time);
        self.total_time_unset += o.total_time_unset;
        for (k, g) in o.groups {
            let mine = capped_entry(&mut self.groups, &k);
            mine.requests += g.requests;
            mine.status_4xx += g.status_4xx;
            mine.status_5xx += g.status_5xx;
            mine.total_time.merge(&g.total_time);
        }
    }
}

fn total_micros(core: &HttpCore<'_>) -> Option<u64> {
    core.duration_nanos().map(|ns| ns / 1000)
}

/// The value for `key` in a map of at most [`MAX_GROUPS`] keys: created if there is room
/// (allocating only for a new key), else `(other)`'s.
fn capped_entry<'m, V: Default>(map: &'m mut HashMap<Vec<u8>, V>, key: &[u8]) -> &'m mut V {
    let key: &[u8] = if map.contains_key(key) || map.len() < MAX_GROUPS {
        key
    } else {
        OTHER_GROUP
    };
    if !map.contains_key(key) {
        map.insert(key.to_vec(), V::default());
    }
    map.get_mut(key)
        .unwrap_or_else(|| unreachable!("inserted above"))
}

/// Percentile names and quantiles, in report order.
pub const PERCENTILES: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

/// What the report says, by name: the numbers `--format json` prints and `--fail-if` tests.
/// Times are in seconds, rates are fractions (0.01 = 1 %).
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub values: Vec<(String, f64)>,
}

impl Metrics {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// Is `name` a metric that is a time (so `500ms` is a valid threshold for it)?
pub fn is_time_metric(name: &str) -> bool {
    let base = name.strip_prefix("target_").unwrap_or(name);
    base == "max" || PERCENTILES.iter().any(|(p, _)| *p == base)
}

/// Every metric name `--fail-if` accepts.
pub fn metric_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "requests",
        "rps",
        "duration_seconds",
        "parse_failures",
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "elb_4xx",
        "elb_5xx",
        "target_4xx",
        "target_5xx",
        "2xx_rate",
        "3xx_rate",
        "4xx_rate",
        "5xx_rate",
        "error_rate",
        "elb_5xx_rate",
        "target_5xx_rate",
        "received_bytes",
        "sent_bytes",
        "target_time_unset",
        "total_time_unset",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for prefix in ["", "target_"] {
        for (p, _) in PERCENTILES {
            names.push(format!("{prefix}{p}"));
        }
        names.push(format!("{prefix}max"));
    }
    names
}

impl Summary {
    /// The numbers of the report; percentiles are absent when there are no timed requests.
    pub fn metrics(&self, parse_failures: u64) -> Metrics {
        let mut v: Vec<(String, f64)> = Vec::new();
        let n = self.requests as f64;
        let rate = |c: u64| {
            if self.requests == 0 {
                0.0
            } else {
                c as f64 / n
            }
        };
        let duration = match (self.first_us, self.last_us) {
            (Some(a), Some(b)) => (b - a) as f64 / 1e6,
            _ => 0.0,
        };
        v.push(("requests".into(), n));
        v.push(("duration_seconds".into(), duration));
        if duration > 0.0 {
            v.push(("rps".into(), n / duration));
        }
        v.push(("parse_failures".into(), parse_failures as f64));
        for (i, name) in ["2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
            v.push(((*name).into(), self.status[i + 2] as f64));
        }
        v.push(("elb_4xx".into(), self.elb_4xx as f64));
        v.push(("elb_5xx".into(), self.elb_5xx as f64));
        v.push(("target_4xx".into(), self.target_4xx as f64));
        v.push(("target_5xx".into(), self.target_5xx as f64));
        v.push(("2xx_rate".into(), rate(self.status[2])));
        v.push(("3xx_rate".into(), rate(self.status[3])));
        v.push(("4xx_rate".into(), rate(self.status[4])));
        v.push(("5xx_rate".into(), rate(self.status[5])));
        v.push(("error_rate".into(), rate(self.status[4] + self.status[5])));
        v.push(("elb_5xx_rate".into(), rate(self.elb_5xx)));
        v.push(("target_5xx_rate".into(), rate(self.target_5xx)));
        v.push(("received_bytes".into(), self.received_bytes as f64));
        v.push(("sent_bytes".into(), self.sent_bytes as f64));
        v.push(("target_time_unset".into(), self.target_time_unset as f64));
        v.push(("total_time_unset".into(), self.total_time_unset as f64));
        for (prefix, h) in [("", &self.total_time), ("target_", &self.target_time)] {
            for (p, q) in PERCENTILES {
                if let Some(us) = h.quantile(q) {
                    v.push((format!("{prefix}{p}"), us as f64 / 1e6));
                }
            }
            if h.count() > 0 {
                v.push((format!("{prefix}max"), h.max as f64 / 1e6));
            }
        }
        Metrics { values: v }
    }
}

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

fn json_str(s: &[u8]) -> String {
    let mut out = Vec::new();
    crate::json::write_str(&mut out, s, false);
    String::from_utf8_lossy(&out).into_owned()
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
    let mut out = String::from("{");
    for (i, (name, value)) in m.values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{name}\":{}", json_number(*value));
    }
    out.push_str(",\"error_reasons\":{");
    for (i, (k, c)) in top_counts(&s.error_reasons, top).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{c}", json_str(k));
    }
    out.push_str("},\"groups\":[");
    for (i, (k, g)) in top_groups(&s.groups, top).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"key\":{},\"requests\":{},\"4xx\":{},\"5xx\":{}",
            json_str(k),
            g.requests,
            g.status_4xx,
            g.status_5xx
        );
        for (p, q) in [("p50", 0.5), ("p99", 0.99)] {
            if let Some(us) = g.total_time.quantile(q) {
                let _ = write!(out, ",\"{p}\":{}", json_number(us as f64 / 1e6));
            }
        }
        out.push('}');
    }
    out.push_str("]}\n");
    out
}

fn json_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn render_text(
    s: &Summary,
    m: &Metrics,
    top: usize,
    by: Option<GroupBy>,
    markdown: bool,
) -> String {
    let mut out = String::new();
    let table = |out: &mut String, header: &[&str], rows: &[Vec<String>]| {
        if markdown {
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
    };
    let heading = |out: &mut String, title: &str| {
        if markdown {
            let _ = writeln!(out, "### {title}\n");
        } else {
            let _ = writeln!(out, "{title}");
        }
    };
    let g = |n: &str| m.get(n);
    heading(&mut out, "Requests");
    let count = |n: &str| g(n).map_or("-".into(), |v| format!("{v:.0}"));
    table(
        &mut out,
        &["", "value"],
        &[
            vec!["requests".into(), count("requests")],
            vec![
                "duration".into(),
                format!("{:.1} s", g("duration_seconds").unwrap_or(0.0)),
            ],
            vec![
                "requests/s".into(),
                g("rps").map_or("-".into(), |v| format!("{v:.1}")),
            ],
            vec!["parse failures".into(), count("parse_failures")],
            vec!["received".into(), format!("{} B", count("received_bytes"))],
            vec!["sent".into(), format!("{} B", count("sent_bytes"))],
        ],
    );
    heading(&mut out, "Status");
    table(
        &mut out,
        &[
            "status",
            "count",
            "share",
            "by the load balancer",
            "from targets",
        ],
        &[
            vec![
                "2xx".into(),
                count("2xx"),
                pct(g("2xx_rate")),
                "".into(),
                "".into(),
            ],
            vec![
                "3xx".into(),
                count("3xx"),
                pct(g("3xx").map(|c| c / g("requests").unwrap_or(1.0).max(1.0))),
                "".into(),
                "".into(),
            ],
            vec![
                "4xx".into(),
                count("4xx"),
                pct(g("4xx_rate")),
                count("elb_4xx"),
                count("target_4xx"),
            ],
            vec![
                "5xx".into(),
                count("5xx"),
                pct(g("5xx_rate")),
                count("elb_5xx"),
                count("target_5xx"),
            ],
        ],
    );
    heading(&mut out, "Latency");
    let mut rows = Vec::new();
    for (label, prefix, unset) in [
        ("total", "", "total_time_unset"),
        ("target", "target_", "target_time_unset"),
    ] {
        let mut row = vec![label.to_string()];
        for (p, _) in PERCENTILES {
            row.push(ms(g(&format!("{prefix}{p}"))));
        }
        row.push(ms(g(&format!("{prefix}max"))));
        row.push(count(unset));
        rows.push(row);
    }
    table(
        &mut out,
        &[
            "time",
            "p50",
            "p90",
            "p95",
            "p99",
            "p99.9",
            "max",
            "not dispatched (-1)",
        ],
        &rows,
    );
    let reasons = top_counts(&s.error_reasons, top);
    if !reasons.is_empty() {
        heading(&mut out, "Error reasons");
        let rows: Vec<Vec<String>> = reasons
            .iter()
            .map(|(k, c)| vec![String::from_utf8_lossy(k).into_owned(), c.to_string()])
            .collect();
        table(&mut out, &["error_reason", "count"], &rows);
    }
    if let Some(by) = by {
        let name = match by {
            GroupBy::Path => "path",
            GroupBy::Elb => "elb",
            GroupBy::TargetGroup => "target_group",
            GroupBy::Status => "status",
        };
        heading(&mut out, &format!("Top {top} by {name}"));
        let rows: Vec<Vec<String>> = top_groups(&s.groups, top)
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
        table(
            &mut out,
            &[name, "requests", "4xx", "5xx", "p50", "p99"],
            &rows,
        );
    }
    out
}

/// One `--fail-if` condition: `METRIC OP VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub text: String,
    pub metric: String,
    pub op: Op,
    /// In the metric's unit: seconds for times, a fraction for rates.
    pub threshold: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

impl Condition {
    /// Parses `p99 > 500ms`, `5xx_rate>1%`, `requests < 1000`.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let ops = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
        ];
        let (at, sym, op) = ops
            .iter()
            .filter_map(|(sym, op)| text.find(sym).map(|at| (at, *sym, *op)))
            .min_by_key(|(at, sym, _)| (*at, usize::MAX - sym.len()))
            .ok_or_else(|| {
                format!("{text:?}: expected METRIC OP VALUE, like 'p99 > 500ms' (OP: > >= < <= ==)")
            })?;
        let metric = text[..at].trim().to_string();
        let value = text[at + sym.len()..].trim();
        if !metric_names().contains(&metric) {
            return Err(format!(
                "{text:?}: unknown metric {metric:?}; known: {}",
                metric_names().join(", ")
            ));
        }
        let threshold = parse_threshold(&metric, value).map_err(|e| format!("{text:?}: {e}"))?;
        Ok(Condition {
            text: text.to_string(),
            metric,
            op,
            threshold,
        })
    }

    /// `Ok(())` if it holds; `Err(why)` if it fails or cannot be evaluated (no such value).
    pub fn check(&self, m: &Metrics) -> Result<(), String> {
        let Some(v) = m.get(&self.metric) else {
            return Err(format!(
                "--fail-if '{}': {} has no value (no timed requests in the input)",
                self.text, self.metric
            ));
        };
        let failed = match self.op {
            Op::Gt => v > self.threshold,
            Op::Ge => v >= self.threshold,
            Op::Lt => v < self.threshold,
            Op::Le => v <= self.threshold,
            Op::Eq => v == self.threshold,
        };
        if failed {
            let shown = if is_time_metric(&self.metric) {
                format!("{:.1} ms", v * 1e3)
            } else if self.metric.ends_with("_rate") {
                format!("{:.3} %", v * 100.0)
            } else {
                format!("{v}")
            };
            Err(format!(
                "--fail-if '{}' failed: {} is {shown}",
                self.text, self.metric
            ))
        } else {
            Ok(())
        }
    }
}

fn parse_threshold(metric: &str, value: &str) -> Result<f64, String> {
    let num_end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
        .unwrap_or(value.len());
    let (num, unit) = value.split_at(num_end);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    let unit = unit.trim();
    if is_time_metric(metric) {
        match unit {
            "" | "s" => Ok(n),
            "ms" => Ok(n / 1e3),
            "us" | "µs" => Ok(n / 1e6),
            _ => Err(format!("unknown time unit {unit:?} (use s, ms or us)")),
        }
    } else if metric.ends_with("_rate") {
        match unit {
            "%" => Ok(n / 100.0),
            "" => Ok(n),
            _ => Err(format!("a rate takes % or a fraction, not {unit:?}")),
        }
    } else if unit.is_empty() {
        Ok(n)
    } else {
        Err(format!("{metric} takes a plain number, not {unit:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_contiguous_and_bounded() {
        let mut prev_upper = None;
        for i in 0..4000 {
            let up = Histogram::upper(i);
            if let Some(p) = prev_upper {
                assert_eq!(Histogram::index(p + 1), i, "bucket {i} starts after {p}");
            }
            assert_eq!(Histogram::index(up), i);
            prev_upper = Some(up);
        }
        for v in [
            0,
            1,
            127,
            128,
            129,
            255,
            256,
            1_000,
            123_456,
            60_000_000,
            u64::MAX / 2,
        ] {
            let up = Histogram::upper(Histogram::index(v));
            assert!(up >= v);
            assert!((up - v) as f64 <= v as f64 / 128.0 + 1.0, "{v} -> {up}");
        }
    }

    #[test]
    fn quantiles_match_exact_values_within_the_bound() {
        let mut h = Histogram::default();
        let mut values: Vec<u64> = (1..=10_000).map(|i| i * 37 % 100_003 + i).collect();
        for &v in &values {
            h.record(v);
        }
        values.sort_unstable();
        for q in [0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let rank = ((q * values.len() as f64).ceil() as usize).max(1);
            let exact = values[rank - 1];
            let got = h.quantile(q).unwrap();
            assert!(
                got >= exact && (got - exact) as f64 <= exact as f64 / 128.0 + 1.0,
                "q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.quantile(1.0), Some(*values.last().unwrap()));
    }

    #[test]
    fn conditions_parse_and_check() {
        let c = Condition::parse("p99 > 500ms").unwrap();
        assert_eq!((c.metric.as_str(), c.op, c.threshold), ("p99", Op::Gt, 0.5));
        let r = Condition::parse("5xx_rate>=1%").unwrap();
        assert_eq!((r.op, r.threshold), (Op::Ge, 0.01));
        assert!(Condition::parse("p42 > 1ms").is_err());
        assert!(Condition::parse("p99 > 5 parsecs").is_err());
        assert!(Condition::parse("requests").is_err());
        let m = Metrics {
            values: vec![("p99".into(), 0.612), ("5xx_rate".into(), 0.005)],
        };
        let e = c.check(&m).unwrap_err();
        assert!(e.contains("p99 is 612.0 ms"), "{e}");
        assert!(r.check(&m).is_ok());
        let missing = Condition::parse("target_p50 < 1s").unwrap();
        assert!(missing.check(&m).is_err());
    }
}
