//! UTC timestamps without a date library: RFC 3339 text from Unix time.

use crate::error::BadValue;
use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `secs` + `millis` since the Unix epoch.
pub fn rfc3339_utc(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The processing time stamped on failure events: now, or `SOURCE_DATE_EPOCH` if set (so
/// that runs over the same input give byte-identical output).
pub fn processing_time(source_date_epoch: Option<&str>) -> String {
    if let Some(secs) = source_date_epoch.and_then(|s| s.trim().parse::<i64>().ok()) {
        return rfc3339_utc(secs, 0);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339_utc(now.as_secs() as i64, now.subsec_millis())
}

/// Microseconds since the epoch of an AWS log time, `YYYY-MM-DDTHH:MM:SS[.fraction][Z]`, UTC.
pub fn parse_timestamp_micros(s: &[u8]) -> Option<i64> {
    if !crate::format::values::is_timestamp(s, false) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> i64 {
        s[r].iter().fold(0, |n, &d| n * 10 + i64::from(d - b'0'))
    };
    let days = days_from_civil(num(0..4), num(5..7), num(8..10));
    let secs = days * 86_400 + num(11..13) * 3600 + num(14..16) * 60 + num(17..19);
    let mut micros = 0;
    if s.get(19) == Some(&b'.') {
        let digits = s[20..].iter().take_while(|b| b.is_ascii_digit());
        let mut scale = 100_000;
        for &d in digits.take(6) {
            micros += i64::from(d - b'0') * scale;
            scale /= 10;
        }
    }
    Some(secs * 1_000_000 + micros)
}

/// Microseconds since the epoch of a log file name's interval end, `YYYYMMDDTHHMMZ`.
pub fn parse_interval_end_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 14 {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:00Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13]
    );
    parse_timestamp_micros(iso.as_bytes())
}

/// A `--since`/`--until` value as given: a time, or an age to take from the run's "now".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeArg {
    /// Microseconds since the epoch.
    At(i64),
    /// This many microseconds before now.
    Ago(i64),
}

impl TimeArg {
    /// Microseconds since the epoch, ages counted back from `now_us`.
    pub fn resolve(self, now_us: i64) -> i64 {
        match self {
            TimeArg::At(t) => t,
            TimeArg::Ago(age) => now_us - age,
        }
    }
}

/// A `--since`/`--until` value: RFC 3339 (`2025-06-01T00:00:00Z`, a fraction and a `+02:00`
/// offset allowed; no zone means UTC), a date (`2025-06-01`), or an age like `90s`, `30m`,
/// `2h`, `7d`, `1w`.
pub fn parse_time_arg(s: &str) -> Result<TimeArg, BadValue> {
    parse_time_text(s).map_err(BadValue)
}

fn parse_time_text(s: &str) -> Result<TimeArg, String> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && t[digits..].chars().all(|c| c.is_ascii_alphabetic()) && digits < t.len() {
        let n: i64 = t[..digits].parse().map_err(|_| format!("bad age {s:?}"))?;
        let unit: i64 = match &t[digits..] {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            other => {
                return Err(format!(
                    "unknown unit {other:?} in {s:?} (use s, m, h, d or w)"
                ))
            }
        };
        return Ok(TimeArg::Ago(n * unit * 1_000_000));
    }
    let (body, offset_secs) = match t.len().checked_sub(6).map(|at| t.split_at(at)) {
        Some((body, off))
            if (off.starts_with('+') || off.starts_with('-'))
                && off.as_bytes()[3] == b':'
                && body.contains('T') =>
        {
            let h: i64 = off[1..3]
                .parse()
                .map_err(|_| format!("bad offset in {s:?}"))?;
            let m: i64 = off[4..6]
                .parse()
                .map_err(|_| format!("bad offset in {s:?}"))?;
            let sign = if off.starts_with('-') { -1 } else { 1 };
            (body.to_string(), sign * (h * 3600 + m * 60))
        }
        _ => (t.to_string(), 0),
    };
    let full = if body.len() == 10 {
        format!("{body}T00:00:00")
    } else {
        body
    };
    parse_timestamp_micros(full.as_bytes())
        .map(|us| TimeArg::At(us - offset_secs * 1_000_000))
        .ok_or_else(|| {
            format!("{s:?} is not a time: use RFC 3339 (2025-06-01T00:00:00Z) or an age (2h, 7d)")
        })
}

/// `--since` (inclusive) and `--until` (exclusive), in microseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// How far past its name's interval end a log file may still hold entries, and how long an
/// interval may be (Classic ELB can publish every 60 minutes): margins for skipping files.
const FILE_SLACK_US: i64 = 5 * 60 * 1_000_000;
const LONGEST_INTERVAL_US: i64 = 60 * 60 * 1_000_000;

impl TimeWindow {
    pub fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// since <= t < until.
    pub fn contains(&self, t_us: i64) -> bool {
        self.since.is_none_or(|s| t_us >= s) && self.until.is_none_or(|u| t_us < u)
    }

    /// True when a file whose interval ended at `end_us` cannot hold a line in the window.
    /// Whether no entry of a folder of files dated `[start_us, end_us)` (an S3 day, month
    /// or year prefix, dated by the intervals its files end) can be inside the window.
    pub fn excludes_range(&self, start_us: i64, end_us: i64) -> bool {
        self.since.is_some_and(|s| end_us + FILE_SLACK_US < s)
            || self
                .until
                .is_some_and(|u| start_us - LONGEST_INTERVAL_US - FILE_SLACK_US >= u)
    }

    pub fn excludes_interval_ending(&self, end_us: i64) -> bool {
        self.since.is_some_and(|s| end_us + FILE_SLACK_US < s)
            || self
                .until
                .is_some_and(|u| end_us - LONGEST_INTERVAL_US - FILE_SLACK_US >= u)
    }
}

/// Microseconds since the epoch, now.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Howard Hinnant's days from civil: day number (since 1970-01-01) of a date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-from-civil inverse: (year, month, day) of a day number.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339_utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339_utc(1_530_570_180, 186), "2018-07-02T22:23:00.186Z");
        assert_eq!(rfc3339_utc(4_102_444_799, 999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_log_times_back() {
        assert_eq!(parse_timestamp_micros(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp_micros(b"2018-07-02T22:23:00.186641Z"),
            Some(1_530_570_180_186_641)
        );
        assert_eq!(
            parse_timestamp_micros(b"2000-02-29T00:00:00.5"),
            Some(951_782_400_500_000)
        );
        assert_eq!(parse_timestamp_micros(b"nope"), None);
        for secs in [0i64, 951_782_400, 1_530_570_180, 4_102_444_799] {
            let text = rfc3339_utc(secs, 0);
            assert_eq!(
                parse_timestamp_micros(text.as_bytes()),
                Some(secs * 1_000_000)
            );
        }
    }

    #[test]
    fn time_arguments() {
        let now = 1_700_000_000_000_000;
        assert_eq!(
            parse_time_arg("2h").map(|t| t.resolve(now)),
            Ok(now - 7_200_000_000)
        );
        assert_eq!(
            parse_time_arg("7d").map(|t| t.resolve(now)),
            Ok(now - 604_800_000_000)
        );
        assert_eq!(
            parse_time_arg("1970-01-01T00:00:10Z").map(|t| t.resolve(now)),
            Ok(10_000_000)
        );
        assert_eq!(
            parse_time_arg("1970-01-01T01:00:00+01:00").map(|t| t.resolve(now)),
            Ok(0)
        );
        assert_eq!(
            parse_time_arg("1970-01-01T00:00:00-00:30").map(|t| t.resolve(now)),
            Ok(1_800_000_000)
        );
        assert_eq!(
            parse_time_arg("1970-01-02").map(|t| t.resolve(now)),
            Ok(86_400_000_000)
        );
        assert_eq!(
            parse_time_arg("1970-01-01T00:00:00.5").map(|t| t.resolve(now)),
            Ok(500_000)
        );
        assert!(parse_time_arg("yesterday").map(|t| t.resolve(now)).is_err());
        assert!(parse_time_arg("5y").map(|t| t.resolve(now)).is_err());
        assert_eq!(
            parse_interval_end_micros("19700101T0001Z"),
            Some(60_000_000)
        );
    }

    #[test]
    fn window_bounds_and_file_skipping() {
        let w = TimeWindow {
            since: Some(100),
            until: Some(200),
        };
        assert!(!w.contains(99) && w.contains(100) && w.contains(199) && !w.contains(200));
        let hour = 3_600_000_000;
        let w = TimeWindow {
            since: Some(10 * hour),
            until: Some(20 * hour),
        };
        assert!(w.excludes_interval_ending(9 * hour));
        assert!(!w.excludes_interval_ending(10 * hour - 60_000_000));
        assert!(!w.excludes_interval_ending(21 * hour));
        assert!(w.excludes_interval_ending(22 * hour));
    }

    #[test]
    fn source_date_epoch_pins_the_time() {
        assert_eq!(processing_time(Some("86400")), "1970-01-02T00:00:00.000Z");
    }
}
