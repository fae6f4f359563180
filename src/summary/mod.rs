//! The `summary` subcommand: requests, status mix, error reasons, bytes and latency percentiles
//! over the inputs, optionally per group, and a gate (`--fail-if 'p99 > 500ms'`) for CI.
//!
//! Pure: blocks of lines become partial [`Summary`] values that merge (like xsv's stats,
//! `work.rs` is the job the engine runs); [`Metrics`] are derived once at the end
//! (`metrics.rs`), printed (`render.rs`) and tested by the gate (`gate.rs`). Latency
//! percentiles come from a [`Histogram`].

mod gate;
mod histogram;
mod html;
mod junit;
mod metrics;
mod render;
pub mod tcp;
pub mod timeline;
pub mod top;
mod work;

pub use gate::{Condition, GateFailure, Op};
pub use histogram::Histogram;
pub use metrics::{is_time_metric, metric_names, Metrics, PERCENTILES};
pub use render::{render, ReportFormat};
pub use work::SummarizeBlocks;

/// A `--fail-if` condition and how the run fared against it.
pub type Verdict<'a> = (&'a Condition, Result<(), GateFailure>);

use crate::format::values::Decimal;
use crate::format::{self, HttpCore, Record};
use top::TopList;

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
    /// The listener (NLB listener id, ALB connection-log port): connections only.
    Listener,
    /// The target's `ip:port`.
    Target,
    /// The client's IP address.
    Client,
}

/// One group's share beside its request count (which its [`top::Entry`] holds).
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub status_4xx: u64,
    pub status_5xx: u64,
    pub total_time: Histogram,
}

impl top::Tally for Group {
    fn merge(&mut self, other: Group) {
        self.status_4xx += other.status_4xx;
        self.status_5xx += other.status_5xx;
        self.total_time.merge(&other.total_time);
    }
}

/// A partial or whole report; blocks' summaries merge with [`Summary::merge`].
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// ALB and Classic HTTP(S) lines.
    pub requests: u64,
    /// NLB, Classic TCP/SSL and ALB connection-log lines.
    pub connections: tcp::Connections,
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
    pub error_reasons: TopList<()>,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    /// Target (backend) processing time, µs; `-1` lines counted in `target_time_unset`.
    pub target_time: Histogram,
    pub target_time_unset: u64,
    /// request + target + response processing time, µs; any `-1` → `total_time_unset`.
    pub total_time: Histogram,
    pub total_time_unset: u64,
    /// `--by`: requests per key, the heaviest kept (see [`top`]).
    pub groups: TopList<Group>,
    /// Requests per minute (or wider buckets), for the HTML report.
    pub timeline: timeline::Timeline,
}

fn micros(d: Option<Decimal<'_>>) -> Option<u64> {
    d.and_then(Decimal::nanos).map(|ns| ns / 1000)
}

impl Summary {
    /// Adds one parsed line.
    pub fn add(&mut self, record: &Record<'_>, by: Option<GroupBy>) {
        let (core, alb, line) = match record {
            Record::Alb(r) => (&r.core, Some(r), r.line),
            Record::Classic(r) if r.is_tcp_listener() => {
                self.connections.add_classic(&r.core, r.line, by);
                return;
            }
            Record::Classic(r) => (&r.core, None, r.line),
            Record::Nlb(r) => {
                self.connections.add_nlb(r, by);
                return;
            }
            Record::Conn(r) => {
                self.connections.add_conn(r, by);
                return;
            }
        };
        self.requests += 1;
        let status = core.elb_status_code.map(|s| s.value());
        let class = match status {
            None => 0,
            Some(s @ 100..=599) => (s / 100) as usize,
            Some(_) => 6,
        };
        if let Some(t) = crate::clock::parse_timestamp_micros(core.time) {
            self.first_us = Some(self.first_us.map_or(t, |f| f.min(t)));
            self.last_us = Some(self.last_us.map_or(t, |l| l.max(t)));
            self.timeline.add(t, class);
        }
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
            self.error_reasons.add(reason.bytes);
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
            let key: Option<&[u8]> = match by {
                GroupBy::Path => Some(
                    core.request
                        .url
                        .and_then(format::values::split_url)
                        .and_then(|u| u.path)
                        .unwrap_or(b"-"),
                ),
                GroupBy::Elb => Some(core.elb),
                GroupBy::TargetGroup => Some(
                    alb.and_then(|a| a.target_group_arn)
                        .map_or(&b"-"[..], |t| t.bytes),
                ),
                GroupBy::Target => Some(tcp::ip_port(core.backend, line)),
                GroupBy::Client => Some(core.client.map_or(&b"-"[..], |c| c.ip)),
                // HTTP lines name no listener
                GroupBy::Listener => None,
                GroupBy::Status => Some(match status {
                    Some(s) if s < 1000 => {
                        buf = [
                            b'0' + (s / 100) as u8,
                            b'0' + (s / 10 % 10) as u8,
                            b'0' + (s % 10) as u8,
                        ];
                        &buf
                    }
                    _ => b"-",
                }),
            };
            if let Some(key) = key {
                let group = self.groups.add(key);
                group.status_4xx += u64::from(class == 4);
                group.status_5xx += u64::from(class == 5);
                if let Some(us) = total {
                    group.total_time.record(us);
                }
            }
        }
    }

    pub fn merge(&mut self, o: Summary) {
        self.requests += o.requests;
        self.connections.merge(o.connections);
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
        self.error_reasons.merge(o.error_reasons);
        self.received_bytes += o.received_bytes;
        self.sent_bytes += o.sent_bytes;
        self.target_time.merge(&o.target_time);
        self.target_time_unset += o.target_time_unset;
        self.total_time.merge(&o.total_time);
        self.total_time_unset += o.total_time_unset;
        self.groups.merge(o.groups);
        self.timeline.merge(o.timeline);
    }
}

fn total_micros(core: &HttpCore<'_>) -> Option<u64> {
    core.duration_nanos().map(|ns| ns / 1000)
}
