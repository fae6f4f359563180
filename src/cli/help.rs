//! Texts that `--help`, the man pages and the README all give: the exit codes, the
//! environment variables read, and worked examples. One copy here; the man pages are
//! rendered from it (tests/generated.rs) and tests/docs.rs checks the README against it.

use crate::error::ExitCode;

/// Every environment variable elbship reads, and what it does.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "ELBSHIP_API_KEY",
        "Elasticsearch API key for --output URLs (Authorization: ApiKey), instead of \
         --api-key-file",
    ),
    (
        "ELBSHIP_USER, ELBSHIP_PASSWORD",
        "basic authentication for --output URLs (the password instead of --password-file); \
         credentials are never printed",
    ),
    (
        "ELBSHIP_API_KEY_ARN, ELBSHIP_USER_ARN, ELBSHIP_PASSWORD_ARN",
        "the same credentials read at start from AWS Secrets Manager          (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, :JSON-KEY for a field of a JSON          secret) or SSM Parameter Store (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME,          SecureString decrypted); one of each pair",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "proxies for --output URLs and s3:// requests (lowercase names too); NO_PROXY lists \
         hosts reached directly",
    ),
    (
        "AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...",
        "for s3:// inputs, read as the aws cli reads them (the flags of the S3 inputs section \
         win)",
    ),
    (
        "CI",
        "when set (and not \"false\"), --progress auto draws no bar",
    ),
    (
        "SOURCE_DATE_EPOCH",
        "seconds since the epoch used as the @timestamp of failure events instead of the \
         clock (reproducible output)",
    ),
    (
        "MALLOC_ARENA_MAX",
        "glibc malloc arenas; elbship uses 1 unless this is set",
    ),
    (
        "MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_",
        "glibc malloc: elbship uses 32 MiB and 64 MiB unless these are set, so a freed block \
         buffer is reused rather than returned to the kernel and faulted in again",
    ),
];

/// Worked examples: (what it does, the command).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "One file from S3, streamed through a pipe:",
        "aws s3 cp s3://bucket/AWSLogs/.../file.log.gz - | elbship > events.ndjson",
    ),
    (
        "A backfill straight from S3 into Elasticsearch, resumable:",
        "elbship --output es+https://es:9200 --checkpoint done.txt --since 2025-06-01 \
         s3://bucket/AWSLogs/",
    ),
    (
        "A synced prefix on disk to a Logstash http input, keeping what is refused:",
        "elbship --output http://logstash:8080 --dead-letter rejected.ndjson logs/",
    ),
    (
        "A gate for CI after a load test:",
        "elbship summary logs/ --fail-if 'p99 > 500ms' --fail-if '5xx_rate > 1%'",
    ),
    (
        "The index template, before the first event:",
        "curl -XPUT https://es:9200/_index_template/elb-logs -H 'Content-Type: application/json' \
         -d @<(elbship template)",
    ),
];

/// The exit codes as `--help` prints them, wrapped under their numbers.
pub fn exit_codes() -> String {
    let mut out = String::from("Exit codes:\n");
    for code in ExitCode::ALL {
        let number = format!("  {:<5}", code as u8);
        out.push_str(&hang(&number, code.meaning(), 80));
    }
    out
}

/// `--help`'s footer: the exit codes, then the environment.
pub fn long_footer() -> String {
    let mut out = exit_codes();
    out.push_str("\nEnvironment:\n");
    for (name, what) in ENVIRONMENT {
        out.push_str(&format!("  {name}\n"));
        out.push_str(&hang("        ", what, 80));
    }
    out.pop();
    out
}

/// `text` wrapped at `width` columns, the first line after `lead`, the others indented as far.
fn hang(lead: &str, text: &str, width: usize) -> String {
    let indent = lead.chars().count();
    let mut out = String::from(lead);
    let mut column = indent;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if column > indent && column + 1 + len > width {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
            column = indent;
        }
        if column > indent {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += len;
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_under_their_lead_and_never_pass_the_width() {
        let text = hang("  1    ", &"word ".repeat(40), 30);
        assert!(text.lines().all(|l| l.chars().count() <= 30), "{text}");
        assert!(text.starts_with("  1    word"));
        assert!(text.lines().skip(1).all(|l| l.starts_with("       word")));
        assert_eq!(text.split_whitespace().filter(|w| *w == "word").count(), 40);
    }

    #[test]
    fn every_exit_code_is_in_the_help() {
        let help = exit_codes();
        for code in ExitCode::ALL {
            assert!(help.contains(&format!("\n  {:<5}", code as u8)), "{help}");
        }
    }
}
