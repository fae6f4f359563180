//! Value parsers for the command line: sizes, durations, times, `KEY=VALUE`, headers,
//! shards, index patterns and `--fail-if` conditions. Each says what a good value looks like;
//! clap adds the flag and the value to the message.

use std::time::Duration;

use crate::clock::{self, TimeArg};
use crate::error::BadValue;
use crate::event::action::IndexPattern;
use crate::input::discover::Shard;
use crate::summary::Condition;

fn bad(message: String) -> BadValue {
    BadValue(message)
}

/// `4096`, `64K`, `1M`, `1MiB`, `2G` (binary multiples).
pub fn parse_size(s: &str) -> Result<usize, BadValue> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let n: usize = num
        .parse()
        .map_err(|_| bad(format!("expected a size like 4096, 64K or 1M, got {s:?}")))?;
    let mult: usize = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(bad(format!("unknown size unit {unit:?} (use K, M or G)"))),
    };
    match n.checked_mul(mult) {
        Some(0) => Err(bad("size must be at least 1".into())),
        Some(v) => Ok(v),
        None => Err(bad(format!("size {s:?} is too large"))),
    }
}

/// Parses `1s`, `250ms`, `5m`, `1h`, or `0`.
pub fn parse_duration(text: &str) -> Result<Duration, BadValue> {
    let t = text.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number.parse().map_err(|_| {
        bad(format!(
            "{text:?}: expected a duration like 500ms, 30s, 5m or 1h"
        ))
    })?;
    let seconds = match unit {
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad(format!("{text:?}: unknown unit (use ms, s, m or h)"))),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad(format!("{text:?}: out of range")))
}

pub fn parse_key_value(s: &str) -> Result<(String, String), BadValue> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| bad(format!("expected KEY=VALUE, got {s:?}")))?;
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(bad(format!(
            "invalid key {key:?}: use names joined by dots, like labels.env"
        )));
    }
    Ok((key.to_string(), value.to_string()))
}

/// `NAME: VALUE`. The messages never quote the argument: a header usually carries a secret.
pub fn parse_header(s: &str) -> Result<(String, String), BadValue> {
    let Some((name, value)) = s.split_once(':') else {
        return Err(bad(
            "--header: expected 'NAME: VALUE' with a colon (the argument is not shown: it may \
             hold a secret)"
                .into(),
        ));
    };
    let name = name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
    {
        return Err(bad(
            "--header: a header name (before the ':') takes only letters, digits, '-' and '_' \
             (the argument is not shown: it may hold a secret)"
                .into(),
        ));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// `--since`/`--until`: a time, or an age resolved later against the run's one "now".
pub fn parse_time(s: &str) -> Result<TimeArg, BadValue> {
    clock::parse_time_arg(s)
}

pub fn parse_shard(s: &str) -> Result<Shard, BadValue> {
    Shard::parse(s)
}

pub fn parse_index(s: &str) -> Result<IndexPattern, BadValue> {
    IndexPattern::parse(s)
}

pub fn parse_condition(s: &str) -> Result<Condition, BadValue> {
    Condition::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T, BadValue>) -> Result<T, ()> {
        r.map_err(|_| ())
    }

    #[test]
    fn sizes() {
        assert_eq!(ok(parse_size("4096")), Ok(4096));
        assert_eq!(ok(parse_size("64K")), Ok(65536));
        assert_eq!(ok(parse_size("1MiB")), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(ok(parse_duration("250ms")), Ok(Duration::from_millis(250)));
        assert_eq!(ok(parse_duration("1.5s")), Ok(Duration::from_millis(1500)));
        assert_eq!(ok(parse_duration("5m")), Ok(Duration::from_secs(300)));
        assert_eq!(ok(parse_duration("0")), Ok(Duration::ZERO));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5 days").is_err());
    }

    #[test]
    fn key_values() {
        assert_eq!(
            ok(parse_key_value("labels.env=prod=1")),
            Ok(("labels.env".into(), "prod=1".into()))
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("a..b=1").is_err());
        assert!(parse_key_value("=1").is_err());
    }

    #[test]
    fn header_messages_never_quote_the_argument() {
        for bad in ["Authorization Bearer s3cret", "Bad Name: s3cret"] {
            let message = parse_header(bad).unwrap_err().0;
            assert!(!message.contains("s3cret"), "{message}");
        }
        assert_eq!(
            ok(parse_header("X-Token:  abc ")),
            Ok(("X-Token".into(), "abc".into()))
        );
    }
}
