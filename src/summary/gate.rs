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
            format!("{:.1} ms", v * 1e3)
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
}
