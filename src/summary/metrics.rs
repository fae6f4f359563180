//! The report's numbers by name, derived once from a whole [`Summary`]: what `--format json`
//! prints and `--fail-if` tests.

use super::Summary;

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

/// The prefixes of the percentile metrics: total request time, target time, NLB connection
/// time, TLS handshake time.
const TIMED: [&str; 4] = ["", "target_", "conn_", "handshake_"];

/// Is `name` a metric that is a time (so `500ms` is a valid threshold for it)?
pub fn is_time_metric(name: &str) -> bool {
    let base = ["target_", "conn_", "handshake_"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
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
        "connections",
        "cps",
        "conn_received_bytes",
        "conn_sent_bytes",
        "tls_connections",
        "handshake_failures",
        "handshake_failure_rate",
        "verify_failures",
        "verify_failure_rate",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for prefix in TIMED {
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
        let c = &self.connections;
        let of_tls = |n: u64| {
            if c.tls == 0 {
                0.0
            } else {
                n as f64 / c.tls as f64
            }
        };
        v.push(("connections".into(), c.count as f64));
        if let (Some(a), Some(b)) = (c.first_us, c.last_us) {
            if b > a {
                v.push(("cps".into(), c.count as f64 / ((b - a) as f64 / 1e6)));
            }
        }
        v.push(("conn_received_bytes".into(), c.received_bytes as f64));
        v.push(("conn_sent_bytes".into(), c.sent_bytes as f64));
        v.push(("tls_connections".into(), c.tls as f64));
        v.push(("handshake_failures".into(), c.handshake_failures as f64));
        v.push((
            "handshake_failure_rate".into(),
            of_tls(c.handshake_failures),
        ));
        v.push(("verify_failures".into(), c.verify_failures as f64));
        v.push(("verify_failure_rate".into(), of_tls(c.verify_failures)));
        let timed = [
            &self.total_time,
            &self.target_time,
            &c.connection_time,
            &c.handshake_time,
        ];
        for (prefix, h) in TIMED.into_iter().zip(timed) {
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
