//! UTC timestamps without a date library: RFC 3339 text from Unix time.

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
    fn source_date_epoch_pins_the_time() {
        assert_eq!(processing_time(Some("86400")), "1970-01-02T00:00:00.000Z");
    }
}
