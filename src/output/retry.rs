//! When to send again: which answers are worth a retry, and how long to wait (exponential
//! backoff with full jitter, or what `Retry-After` says). Pure: the caller sleeps.

use std::time::Duration;

/// `--retry-initial-delay`, `--retry-max-delay`, `--retry-max-time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// How long one batch may keep failing before it is given up; `None` = forever.
    pub max_time: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_time: Some(Duration::from_secs(300)),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 = the first retry): uniformly random in
    /// `[0, min(max_delay, initial_delay * 2^attempt)]` ("full jitter"), from `random`.
    pub fn delay(&self, attempt: u32, random: u64) -> Duration {
        let ceiling = self
            .initial_delay
            .saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let fraction = random as f64 / u64::MAX as f64;
        ceiling.mul_f64(fraction)
    }

    /// The wait before retry number `attempt` when the sink asked for `asked` (`Retry-After`):
    /// honoured, but never below the backoff's own draw (a `Retry-After: 0` must not turn the
    /// retries into a busy loop) and never above `max_delay` (a `Retry-After: 999999` must not
    /// park a sender for days). The caller also caps it by what is left of `max_time`.
    pub fn wait(&self, attempt: u32, random: u64, asked: Option<Duration>) -> Duration {
        let backoff = self.delay(attempt, random);
        asked.map_or(backoff, |asked| asked.max(backoff).min(self.max_delay))
    }
}

/// What an HTTP status on the request as a whole means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    Accepted,
    /// 408, 429, any 5xx: the sink is busy or failing for now.
    Retry,
    /// 413: the body is too big; split it.
    TooLarge,
    /// 3xx: reported, never followed (a POST would become a GET, headers would go elsewhere).
    Redirect,
    /// Anything else (400, 401, 403, 404, a redirect, ...): sending again will not help; stop
    /// the run.
    Fatal,
}

pub fn classify(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Accepted,
        408 | 429 | 500..=599 => StatusClass::Retry,
        413 => StatusClass::TooLarge,
        300..=399 => StatusClass::Redirect,
        _ => StatusClass::Fatal,
    }
}

/// What to do about a status the run stops for.
pub fn fatal_hint(status: u16) -> &'static str {
    match status {
        401 => "check the credentials (ELBSHIP_API_KEY, or ELBSHIP_USER and ELBSHIP_PASSWORD)",
        403 => "the credentials lack the privilege to write there",
        404 => "check the --output URL (for Elasticsearch use es+http(s)://HOST:PORT)",
        400 => "the sink refused the request as malformed; check --output and --http-format",
        _ => "check --output",
    }
}

/// `Retry-After` in either of its forms (RFC 9110 10.2.3): seconds, or an HTTP date, which
/// is read against `now` (a date in the past asks for no wait).
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A small, fast, non-cryptographic random source for jitter (xorshift64*).
#[derive(Debug)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }

    pub fn draw(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_a_doubling_capped_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0, u64::MAX), Duration::from_secs(1));
        assert_eq!(p.delay(3, u64::MAX), Duration::from_secs(8));
        assert_eq!(p.delay(6, u64::MAX), Duration::from_secs(60));
        assert_eq!(p.delay(100, u64::MAX), Duration::from_secs(60));
        assert_eq!(p.delay(5, 0), Duration::ZERO);
        let half = p.delay(2, u64::MAX / 2);
        assert!(half > Duration::from_millis(1999) && half < Duration::from_millis(2001));
        let mut j = Jitter::new(7);
        let draws: Vec<u64> = (0..100).map(|_| j.draw()).collect();
        assert!(
            draws.iter().any(|&d| d < u64::MAX / 4) && draws.iter().any(|&d| d > u64::MAX / 4 * 3)
        );
    }

    #[test]
    fn retry_after_is_bounded_by_the_backoff_and_max_delay() {
        let p = RetryPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_time: None,
        };
        let top = u64::MAX;
        // 0 falls back to the backoff (100 ms, 200 ms, ...), a huge one to max_delay
        assert_eq!(
            p.wait(0, top, Some(Duration::ZERO)),
            Duration::from_millis(100)
        );
        assert_eq!(
            p.wait(1, top, Some(Duration::ZERO)),
            Duration::from_millis(200)
        );
        assert_eq!(
            p.wait(0, top, Some(Duration::from_secs(999_999))),
            Duration::from_secs(2)
        );
        // in between, as asked
        assert_eq!(
            p.wait(0, top, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(p.wait(3, top, None), Duration::from_millis(800));
    }

    #[test]
    fn statuses() {
        for s in [200, 201, 204] {
            assert_eq!(classify(s), StatusClass::Accepted);
        }
        for s in [408, 429, 500, 501, 502, 503, 504, 599] {
            assert_eq!(classify(s), StatusClass::Retry);
        }
        assert_eq!(classify(413), StatusClass::TooLarge);
        for s in [100, 400, 401, 403, 404, 405, 422] {
            assert_eq!(classify(s), StatusClass::Fatal);
        }
        for s in [300, 301, 302, 303, 307, 308] {
            assert_eq!(classify(s), StatusClass::Redirect);
        }
    }

    #[test]
    fn retry_after_and_durations() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        // all three date forms of RFC 9110, 10 s after `now`; a past date waits nothing
        for date in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2015",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(10)),
                "{date}"
            );
        }
        assert_eq!(
            parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
