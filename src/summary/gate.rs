//! `--fail-if METRIC OP VALUE`: the CI gate over the report's [`Metrics`].

use std::fmt;

use super::{is_time_metric, metric_names, Metrics};
use crate::error::BadValue;

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
    pub fn parse(text: &str) -> Result<Condition, BadValue> {
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
                BadValue(format!(
                    "{text:?}: expected METRIC OP VALUE, like 'p99 > 500ms' (OP: > >= < <= ==)"
                ))
            })?;
        let metric = text[..at].trim().to_string();
        let value = text[at + sym.len()..].trim();
        if !metric_names().contains(&metric) {
            return Err(BadValue(format!(
                "{text:?}: unknown metric {metric:?}; known: {}",
                metric_names().join(", ")
            )));
        }
        let threshold =
            parse_threshold(&metric, value).map_err(|e| BadValue(format!("{text:?}: {e}")))?;
        Ok(Condition {
            text: text.to_string(),
            metric,
            op,
            threshold,
        })
    }

    /// `Ok(())` if the run passes this condition; why not if it holds or cannot be
    /// evaluated (no such value).
    pub fn check(&self, m: &Metrics) -> Result<(), GateFailure> {
        let Some(v) = m.get(&self.metric) else {
            return Err(GateFailure::NoValue {
                condition: self.text.clone(),
                metric: self.metric.clone(),
            });
        };
        let held = match self.op {
            Op::Gt => v > self.threshold,
            Op::Ge => v >= self.threshold,
            Op::Lt => v < self.threshold,
            Op::Le => v <= self.threshold,
            Op::Eq => v == self.threshold,
        };
        if !held {
            return Ok(());
        }
        let shown = if is_time_metric(&self.metric) {
            show_time(v)
        } else if self.metric.ends_with("_rate") {
            format!("{:.3} %", v * 100.0)
        } else {
            format!("{v}")
        };
        Err(GateFailure::Held {
            condition: self.text.clone(),
            metric: self.metric.clone(),
            shown,
        })
    }
}

/// Why the gate failed a run (exit 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateFailure {
    /// The condition holds: `shown` is the metric's value in the condition's unit.
    Held {
        condition: String,
        metric: String,
        shown: String,
    },
    /// The metric has no value (no timed requests), so the condition cannot pass.
    NoValue { condition: String, metric: String },
}

impl fmt::Display for GateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateFailure::Held {
                condition,
                metric,
                shown,
            } => write!(f, "--fail-if '{condition}' failed: {metric} is {shown}"),
            GateFailure::NoValue { condition, metric } => write!(
                f,
                "--fail-if '{condition}': {metric} has no value (no timed requests in the input)"
            ),
        }
    }
}

impl std::error::Error for GateFailure {}

/// The threshold in the metric's unit. A time needs its unit and a rate `%` or a fraction
/// written `0.…`: a bare `5` on a rate would be 500 % and a bare `30` on a time 30 s, gates
/// that can never fail, so both are refused with the two spellings that mean something.
fn parse_threshold(metric: &str, value: &str) -> Result<f64, String> {
    let num_end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
        .unwrap_or(value.len());
    let (num, unit) = value.split_at(num_end);
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| format!("{value:?} is not a number"))?;
    let unit = unit.trim();
    if is_time_metric(metric) {
        match unit {
            "us" | "µs" => Ok(n / 1e6),
            "ms" => Ok(n / 1e3),
            "s" => Ok(n),
            "m" => Ok(n * 60.0),
            "" => Err(format!(
                "a time needs a unit: '{num}ms' or '{num}s' (us, ms, s or m)"
            )),
            _ => Err(format!("unknown time unit {unit:?} (use us, ms, s or m)")),
        }
    } else if metric.ends_with("_rate") {
        match unit {
            "%" => Ok(n / 100.0),
            "" if num == "0" || num.starts_with("0.") => Ok(n),
            "" => Err(format!(
                "a rate needs % or a fraction written 0.…: '{num}%' or '{}'",
                fraction(n / 100.0)
            )),
            _ => Err(format!("a rate takes % or a fraction, not {unit:?}")),
        }
    } else if unit.is_empty() {
        Ok(n)
    } else {
        Err(format!("{metric} takes a plain number, not {unit:?}"))
    }
}

/// `0.05` for 5 %: the fraction spelled as a user would type it.
fn fraction(v: f64) -> String {
    let text = format!("{v:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A time the way the report writes it: `250 us`, `612.0 ms`, `566.2 s`.
pub fn show_time(seconds: f64) -> String {
    if seconds < 1e-3 {
        format!("{:.0} us", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{seconds:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = c.check(&m).unwrap_err().to_string();
        assert!(e.contains("p99 is 612.0 ms"), "{e}");
        assert!(r.check(&m).is_ok());
        let missing = Condition::parse("target_p50 < 1s").unwrap();
        assert!(missing.check(&m).is_err());
    }

    fn threshold(text: &str) -> Result<f64, String> {
        Condition::parse(text).map(|c| c.threshold).map_err(|e| e.0)
    }

    #[test]
    fn every_time_unit_and_no_bare_time() {
        assert_eq!(threshold("p99 > 250us"), Ok(250e-6));
        assert_eq!(threshold("p99 > 250µs"), Ok(250e-6));
        assert_eq!(threshold("p99 > 30ms"), Ok(0.03));
        assert_eq!(threshold("p99 > 1.5s"), Ok(1.5));
        assert_eq!(threshold("p99 > 1m"), Ok(60.0));
        assert_eq!(threshold("target_max >= 2 m"), Ok(120.0));
        let bare = threshold("p50 > 30").unwrap_err();
        assert!(
            bare.contains("a time needs a unit: '30ms' or '30s'"),
            "{bare}"
        );
        assert!(threshold("p50 > 30h")
            .unwrap_err()
            .contains("unknown time unit"));
        assert!(threshold("p50 > 30%")
            .unwrap_err()
            .contains("unknown time unit"));
    }

    #[test]
    fn every_rate_spelling_and_no_bare_rate() {
        assert_eq!(threshold("5xx_rate > 5%"), Ok(0.05));
        assert_eq!(threshold("5xx_rate > 0.05"), Ok(0.05));
        assert_eq!(threshold("error_rate > 0"), Ok(0.0));
        let bare = threshold("5xx_rate > 5").unwrap_err();
        assert!(bare.contains("'5%' or '0.05'"), "{bare}");
        let one = threshold("5xx_rate > 1").unwrap_err();
        assert!(one.contains("'1%' or '0.01'"), "{one}");
        assert!(
            threshold("5xx_rate > .5").is_err(),
            "a fraction needs its 0"
        );
        assert!(threshold("5xx_rate > 5ms")
            .unwrap_err()
            .contains("not \"ms\""));
    }

    #[test]
    fn counts_stay_bare_and_numbers_are_numbers() {
        assert_eq!(threshold("requests < 1000"), Ok(1000.0));
        assert_eq!(threshold("5xx >= 1"), Ok(1.0));
        assert!(threshold("requests < 1000ms").is_err());
        assert!(threshold("p99 > fast")
            .unwrap_err()
            .contains("is not a number"));
        assert!(threshold("p99 > infms").is_err());
    }

    #[test]
    fn times_are_shown_at_a_scale_people_read() {
        assert_eq!(show_time(250e-6), "250 us");
        assert_eq!(show_time(0.612), "612.0 ms");
        assert_eq!(show_time(566.2312), "566.2 s");
    }
}
