//! The connection side of a summary: NLB TLS lines, Classic TCP/SSL listener lines and ALB
//! connection-log lines are connections, not requests. Counted, timed (NLB connection time,
//! TLS handshake time) and broken down by TLS protocol, cipher and `--by` key.

use super::top::{Tally, TopList};
use super::{GroupBy, Histogram};
use crate::format::conn::ConnRecord;
use crate::format::nlb::NlbRecord;
use crate::format::values::{self, Decimal, Endpoint};
use crate::format::HttpCore;

/// One `--by` group of connections.
#[derive(Clone, Debug, Default)]
pub struct ConnGroup {
    pub received_bytes: u64,
    pub sent_bytes: u64,
    pub handshake_failures: u64,
    pub connection_time: Histogram,
}

impl Tally for ConnGroup {
    fn merge(&mut self, o: ConnGroup) {
        self.received_bytes += o.received_bytes;
        self.sent_bytes += o.sent_bytes;
        self.handshake_failures += o.handshake_failures;
        self.connection_time.merge(&o.connection_time);
    }
}

/// Connections seen, by what their lines say.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    pub count: u64,
    /// Earliest and latest connection time, µs since the epoch.
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
    /// NLB and Classic (ALB connection logs carry no byte counts).
    pub received_bytes: u64,
    pub sent_bytes: u64,
    /// Connections that negotiated (or tried to negotiate) TLS.
    pub tls: u64,
    /// TLS connections whose handshake did not complete (no handshake time).
    pub handshake_failures: u64,
    /// ALB connection logs: `tls_verify_status` `Failed:…` (mutual TLS).
    pub verify_failures: u64,
    /// NLB `connection_time`, µs.
    pub connection_time: Histogram,
    /// NLB `tls_handshake_time` and ALB `tls_handshake_latency`, µs.
    pub handshake_time: Histogram,
    pub protocols: TopList<()>,
    pub ciphers: TopList<()>,
    pub groups: TopList<ConnGroup>,
}

/// `ms` text as µs.
fn ms_to_micros(d: Option<Decimal<'_>>) -> Option<u64> {
    d.and_then(Decimal::nanos).map(|n| n / 1_000_000)
}

/// `s` text as µs.
fn s_to_micros(d: Option<Decimal<'_>>) -> Option<u64> {
    d.and_then(Decimal::nanos).map(|n| n / 1_000)
}

fn ip(e: Option<Endpoint<'_>>) -> &[u8] {
    e.map_or(&b"-"[..], |e| e.ip)
}

/// `ip:port` as the line wrote it: the endpoint's two parts are adjacent slices of the line.
pub(super) fn ip_port<'a>(e: Option<Endpoint<'a>>, line: &'a [u8]) -> &'a [u8] {
    let Some(e) = e else { return b"-" };
    let start = e.ip.as_ptr() as usize - line.as_ptr() as usize;
    let end = e.port.0.as_ptr() as usize - line.as_ptr() as usize + e.port.0.len();
    line.get(start..end).unwrap_or(e.ip)
}

/// A TLS protocol as one name whatever the format wrote (`tlsv12` and `TLSv1.2` are both
/// `TLSv1.2`); kept as written when not recognised.
struct Protocol {
    buf: [u8; 16],
    len: usize,
}

impl Protocol {
    fn of(written: &[u8]) -> Protocol {
        let mut p = Protocol {
            buf: [0; 16],
            len: 0,
        };
        let mut put = |bytes: &[u8]| {
            let end = (p.len + bytes.len()).min(p.buf.len());
            p.buf[p.len..end].copy_from_slice(&bytes[..end - p.len]);
            p.len = end;
        };
        match values::tls_version(written) {
            Some((version, "tls")) => {
                put(b"TLSv");
                put(version.as_bytes());
            }
            Some((version, _)) => {
                put(b"SSLv");
                put(version.as_bytes());
            }
            None => put(written),
        }
        p
    }

    fn name(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// What one line says of its connection, whatever its format.
struct Seen<'a> {
    time: &'a [u8],
    received: Option<u64>,
    sent: Option<u64>,
    tls: bool,
    /// The format logs a handshake time, so its absence is a failed handshake (not Classic).
    times_handshake: bool,
    handshake_us: Option<u64>,
    connection_us: Option<u64>,
    protocol: Option<Protocol>,
    cipher: Option<&'a [u8]>,
    verify_failed: bool,
    key: Option<&'a [u8]>,
}

impl Connections {
    pub fn add_nlb(&mut self, r: &NlbRecord<'_>, by: Option<GroupBy>) {
        let key = match by {
            Some(GroupBy::Listener) => Some(r.listener),
            Some(GroupBy::Target) => Some(ip_port(r.destination, r.line)),
            Some(GroupBy::Client) => Some(ip(r.client)),
            Some(GroupBy::Elb) => Some(r.elb),
            _ => None,
        };
        self.add(Seen {
            time: r.time,
            received: r.received_bytes.map(|b| b.value()),
            sent: r.sent_bytes.map(|b| b.value()),
            // NLB logs only TLS listeners
            tls: true,
            times_handshake: true,
            handshake_us: ms_to_micros(r.tls_handshake_time),
            connection_us: ms_to_micros(r.connection_time),
            protocol: r.tls_protocol_version.map(|t| Protocol::of(t.bytes)),
            cipher: r.tls_cipher.map(|t| t.bytes),
            verify_failed: false,
            key,
        });
    }

    pub fn add_conn(&mut self, r: &ConnRecord<'_>, by: Option<GroupBy>) {
        let key = match by {
            Some(GroupBy::Listener) => Some(r.listener_port.map_or(&b"-"[..], |p| p.0)),
            Some(GroupBy::Client) => Some(r.client_ip.unwrap_or(b"-")),
            Some(GroupBy::Elb) => Some(r.elb.map_or(&b"-"[..], |t| t.bytes)),
            _ => None,
        };
        let protocol = r.tls_protocol.map(|t| Protocol::of(t.bytes));
        self.add(Seen {
            time: r.time,
            received: None,
            sent: None,
            tls: protocol.is_some(),
            times_handshake: true,
            handshake_us: s_to_micros(r.tls_handshake_latency),
            connection_us: None,
            protocol,
            cipher: r.tls_cipher.map(|t| t.bytes),
            verify_failed: r
                .tls_verify_status
                .is_some_and(|t| t.bytes.starts_with(b"Failed")),
            key,
        });
    }

    /// A Classic TCP or SSL listener line (no HTTP request).
    pub fn add_classic(&mut self, core: &HttpCore<'_>, line: &[u8], by: Option<GroupBy>) {
        let key = match by {
            Some(GroupBy::Target) => Some(ip_port(core.backend, line)),
            Some(GroupBy::Client) => Some(ip(core.client)),
            Some(GroupBy::Elb) => Some(core.elb),
            Some(GroupBy::Listener) => Some(&b"-"[..]),
            _ => None,
        };
        let cipher = core.ssl_cipher.map(|t| t.bytes);
        self.add(Seen {
            time: core.time,
            received: core.received_bytes.map(|b| b.value()),
            sent: core.sent_bytes.map(|b| b.value()),
            // an SSL listener logs its cipher; Classic logs no handshake time
            tls: cipher.is_some(),
            times_handshake: false,
            handshake_us: None,
            connection_us: None,
            protocol: core.ssl_protocol.map(|t| Protocol::of(t.bytes)),
            cipher,
            verify_failed: false,
            key,
        });
    }

    fn add(&mut self, s: Seen<'_>) {
        self.count += 1;
        if let Some(t) = crate::clock::parse_timestamp_micros(s.time) {
            self.first_us = Some(self.first_us.map_or(t, |f| f.min(t)));
            self.last_us = Some(self.last_us.map_or(t, |l| l.max(t)));
        }
        self.received_bytes += s.received.unwrap_or(0);
        self.sent_bytes += s.sent.unwrap_or(0);
        let failed = s.tls && s.times_handshake && s.handshake_us.is_none();
        if s.tls {
            self.tls += 1;
        }
        if failed {
            self.handshake_failures += 1;
        }
        if s.verify_failed {
            self.verify_failures += 1;
        }
        if let Some(us) = s.connection_us {
            self.connection_time.record(us);
        }
        if let Some(us) = s.handshake_us {
            self.handshake_time.record(us);
        }
        if let Some(p) = &s.protocol {
            self.protocols.add(p.name());
        }
        if let Some(c) = s.cipher {
            self.ciphers.add(c);
        }
        if let Some(key) = s.key {
            let g = self.groups.add(key);
            g.received_bytes += s.received.unwrap_or(0);
            g.sent_bytes += s.sent.unwrap_or(0);
            g.handshake_failures += u64::from(failed);
            if let Some(us) = s.connection_us {
                g.connection_time.record(us);
            }
        }
    }

    pub fn merge(&mut self, o: Connections) {
        self.count += o.count;
        self.first_us = match (self.first_us, o.first_us) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_us = match (self.last_us, o.last_us) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.received_bytes += o.received_bytes;
        self.sent_bytes += o.sent_bytes;
        self.tls += o.tls;
        self.handshake_failures += o.handshake_failures;
        self.verify_failures += o.verify_failures;
        self.connection_time.merge(&o.connection_time);
        self.handshake_time.merge(&o.handshake_time);
        self.protocols.merge(o.protocols);
        self.ciphers.merge(o.ciphers);
        self.groups.merge(o.groups);
    }
}
