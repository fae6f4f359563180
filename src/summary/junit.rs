//! `summary --format junit`: the gate as JUnit XML, which every CI system shows natively.
//! One test case per `--fail-if` (a failure when it held, with the value), the metrics as
//! properties, the text report as the suite's output.

use std::fmt::Write as _;

use super::{GateFailure, Metrics, Verdict};

/// `text` made safe inside an XML 1.0 attribute or element: the five markup characters
/// escaped, characters XML cannot hold at all (most C0 controls) replaced by U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn render(metrics: &Metrics, verdicts: &[Verdict<'_>], report: &str) -> String {
    let failures = verdicts.iter().filter(|(_, v)| v.is_err()).count();
    let tests = verdicts.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"elbship summary\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"elbship summary --fail-if\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">"
    );
    out.push_str("    <properties>\n");
    for (name, value) in &metrics.values {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{value}\"/>",
            xml(name)
        );
    }
    out.push_str("    </properties>\n");
    for (condition, verdict) in verdicts {
        let name = xml(&condition.text);
        match verdict {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "    <testcase name=\"{name}\" classname=\"elbship.summary.fail-if\" time=\"0\"/>"
                );
            }
            Err(why) => {
                let kind = match why {
                    GateFailure::Held { .. } => "held",
                    GateFailure::NoValue { .. } => "no-value",
                };
                let message = xml(&why.to_string());
                let _ = writeln!(
                    out,
                    "    <testcase name=\"{name}\" classname=\"elbship.summary.fail-if\" time=\"0\">\n      <failure type=\"{kind}\" message=\"{message}\">{message}</failure>\n    </testcase>"
                );
            }
        }
    }
    let _ = writeln!(out, "    <system-out>{}</system-out>", xml(report));
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_never_break_the_document() {
        assert_eq!(
            xml("p99 > 5ms & <x> \"'"),
            "p99 &gt; 5ms &amp; &lt;x&gt; &quot;&apos;"
        );
        assert_eq!(xml("a\u{1}b\tc"), "a\u{fffd}b\tc");
    }
}
