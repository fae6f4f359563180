//! The command line as clap sees it: declarations only. One definition gives parsing,
//! `--help`, the man page and the shell completions; `config` turns what was parsed
//! into the run's plan, and [`super::values`] parses the values.

use std::ffi::OsString;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use super::values::{
    parse_condition, parse_duration, parse_index, parse_key_value, parse_shard, parse_size,
    parse_time,
};
use crate::clock::TimeArg;
use crate::event::action::IndexPattern;
use crate::input::discover::Shard;
use crate::summary::{Condition, GroupBy, ReportFormat};

/// Turn AWS load balancer access logs into Logstash-compatible NDJSON events.
///
/// Reads Classic ELB (HTTP and TCP/SSL listeners), Application Load Balancer (access and
/// connection logs) and Network Load Balancer TLS logs, raw or gzip (detected from the content,
/// multi-member gzip included), from files or stdin, and writes one JSON event per line on
/// stdout, in input order. The format is detected per line. Lines that do not parse become
/// events tagged _grokparsefailure that keep the raw line.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "elbship",
    version,
    after_help = super::help::exit_codes(),
    after_long_help = super::help::long_footer(),
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Report requests (status mix, error reasons, bytes, latency percentiles) and connections
    /// (TLS mix, handshake failures and times) instead of events; with --fail-if, a gate for CI
    /// (exit 4)
    Summary(Box<SummaryArgs>),
    /// Print the Elasticsearch / OpenSearch index template for the events (PUT it to
    /// _index_template/NAME before the first event arrives)
    Template(TemplateArgs),
    /// Run as an AWS Lambda function (custom runtime): ship each S3 log object that an S3,
    /// SNS, SQS or EventBridge event names; flags may come from ELBSHIP_* variables
    Lambda(Box<LambdaArgs>),
}

#[derive(clap::Args, Debug, Clone)]
pub struct TemplateArgs {
    /// Field names of the events the template is for
    #[arg(long, value_enum, default_value_t = SchemaArg::Ecs, value_name = "SCHEMA")]
    pub schema: SchemaArg,

    /// Indices (or data streams) the template applies to
    #[arg(long, value_name = "PATTERN", default_value = "elb-logs-*")]
    pub index_pattern: String,
}

/// Where the lines come from (shared by the default job and `summary`).
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Log files (raw or gzip) or directories (searched for *.log and *.log.gz); `-` or
    /// nothing reads stdin
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,

    /// Also read the files (or directories) listed in FILE, one per line; `-` reads the list
    /// from stdin
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<OsString>,

    /// Walk links to directories found inside directories (a link loop is reported and not
    /// walked again); without it they are skipped, as ripgrep and fd do
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Take only shard I of N (0 <= I < N) of the input files, by a hash of each file's name,
    /// to split a backfill over N machines or jobs with no coordination
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,

    /// Keep only lines at or after TIME: RFC 3339 (2025-06-01T00:00:00Z), a date, or an age
    /// (90m, 2h, 7d, 1w); files whose S3 names end the interval earlier are not read
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<TimeArg>,

    /// Keep only lines before TIME (same forms as --since); files whose S3 names start the
    /// interval later are not read
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<TimeArg>,

    /// Progress on stderr: `auto` = a bar when stderr is a terminal and CI is not set;
    /// `always` = also on a pipe, as a plain line every 5 s
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto, value_name = "WHEN")]
    pub progress: ProgressArg,

    /// No progress, no remarks and no end summary (unless --stats asks for it); errors still
    /// go to stderr
    #[arg(short = 'q', long)]
    pub quiet: bool,

    #[command(flatten)]
    pub s3: S3Args,
}

const S3_HEADING: &str = "S3 inputs";

/// How to reach S3 for `s3://` inputs; unset, each is found as the aws cli finds it.
#[derive(clap::Args, Debug, Clone, Default)]
// each flag names its heading: a struct-level heading would go on covering the flags
// declared after the flatten
pub struct S3Args {
    /// Profile from the shared AWS config and credentials files [default: AWS_PROFILE, or default]
    #[arg(help_heading = S3_HEADING, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Region of the bucket [default: AWS_REGION, the profile's region, or us-east-1]
    #[arg(help_heading = S3_HEADING, long, value_name = "REGION")]
    pub region: Option<String>,

    /// An S3-compatible store (MinIO, Ceph, a test server), addressed path-style
    /// [default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL]
    #[arg(help_heading = S3_HEADING, long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Send requests unsigned and look for no credentials (public buckets)
    #[arg(help_heading = S3_HEADING, long)]
    pub no_sign_request: bool,

    /// `requester`: agree to pay for requests to a requester-pays bucket
    #[arg(help_heading = S3_HEADING, long, value_name = "WHO", value_parser = ["requester"])]
    pub request_payer: Option<String>,

    /// Objects downloaded at once: the one being read and those after it [default: 16]
    #[arg(help_heading = S3_HEADING, long, value_name = "N")]
    pub s3_concurrency: Option<std::num::NonZeroUsize>,

    /// --files-from: read the keys of `aws s3 ls --recursive` lines from this bucket
    /// (instead of looking for them on disk)
    #[arg(help_heading = S3_HEADING, long, value_name = "BUCKET")]
    pub s3_bucket: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ProgressArg {
    /// A bar when stderr is a terminal and CI is not set
    #[default]
    Auto,
    /// Also on a pipe or in CI (a plain line every 5 s)
    Always,
    /// Never
    Never,
}

impl InputArgs {
    /// True when no file, directory or list was named: the input is stdin.
    pub fn is_stdin_only(&self) -> bool {
        self.files.is_empty() && self.files_from.is_none()
    }
}

/// The default job: events on stdout.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub events: EventArgs,

    /// Name stdin for `log.file.path` and S3 metadata (e.g. the S3 key it was copied from)
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,

    /// Parser threads [default: the number of cores]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// Longer lines become failure events holding their first BYTES bytes (K, M, G suffixes)
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    pub max_line_bytes: usize,

    /// Print a summary on stderr at the end: `text` or `json` [default when stderr is a terminal: text]
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, require_equals = true, default_missing_value = "text")]
    pub stats: Option<StatsFormat>,

    /// Exit with 3 if any line did not parse
    #[arg(long)]
    pub strict: bool,

    /// Record each input file in FILE once all its events are written, and skip the files
    /// already recorded there (unchanged) on the next run: a resumable backfill
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,

    /// Most frequent checkpoint rewrite, in milliseconds (tests)
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
    pub checkpoint_interval: u64,

    /// Bytes per parse block (tuning and tests)
    #[arg(long, value_name = "BYTES", value_parser = parse_size, hide = true)]
    pub block_size: Option<usize>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// What the events hold (shared by the default job and `lambda`).
#[derive(clap::Args, Debug, Clone)]
pub struct EventArgs {
    /// Field names: `ecs` (Filebeat / Elastic Agent) or `legacy` (logstash ELB_ACCESS_LOG)
    #[arg(long, value_enum, default_value_t = SchemaArg::Ecs, value_name = "SCHEMA")]
    pub schema: SchemaArg,

    /// Leave the raw line out of parsed events (failure events always keep it)
    #[arg(long)]
    pub no_message: bool,

    /// Add a field to every event; dotted keys nest (labels.env=prod); repeatable
    #[arg(long = "add-field", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub add_fields: Vec<(String, String)>,

    /// Add a tag to every event's `tags`; repeatable
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// `elbship lambda`: the function, for the Lambda runtime API.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = LAMBDA_HELP, after_long_help = LAMBDA_HELP)]
pub struct LambdaArgs {
    #[command(flatten)]
    pub events: EventArgs,

    /// Parser threads [default: the number of cores]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// Longer lines become failure events holding their first BYTES bytes (K, M, G suffixes)
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    pub max_line_bytes: usize,

    /// Stop reading this long before the invocation's deadline; half of it is for the
    /// requests in flight, the rest for the dead-letter object and the answer
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub deadline_margin: Duration,

    /// Stop reading after this long in any invocation, whatever its deadline
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<Duration>,

    /// Bytes per parse block (tuning and tests)
    #[arg(long, value_name = "BYTES", value_parser = parse_size, hide = true)]
    pub block_size: Option<usize>,

    /// S3's region [default: the function's]
    #[arg(help_heading = S3_HEADING, long, value_name = "REGION")]
    pub region: Option<String>,

    /// An S3-compatible endpoint instead of AWS's (path-style requests)
    #[arg(help_heading = S3_HEADING, long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Objects fetched at once [default: 16]
    #[arg(help_heading = S3_HEADING, long, value_name = "N")]
    pub s3_concurrency: Option<NonZeroUsize>,

    #[command(flatten)]
    pub output: OutputArgs,
}

const LAMBDA_HELP: &str = "\
Run as the function's bootstrap (a binary named bootstrap is `elbship lambda`). Every flag may
also come from a variable: --output from ELBSHIP_OUTPUT, --no-message from ELBSHIP_NO_MESSAGE=true,
repeatable flags one value per line; a flag on the command line wins over its variable, and an
ELBSHIP_* variable that names no flag is an error. --dead-letter takes s3://BUCKET/PREFIX/ (an
object per invocation). Each invocation prints one JSON line of counts on stdout.";

/// Where events go: stdout, a Logstash `http` input, or `_bulk`.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// `-` (stdout, NDJSON), `http(s)://HOST:PORT[/PATH]` (Logstash http input), or
    /// `es+http(s)://HOST:PORT` / `opensearch+http(s)://HOST:PORT` (_bulk)
    // parsed in `http_options`, not by clap, whose messages would echo a URL's secrets
    #[arg(short = 'o', long, value_name = "URL", default_value = "-")]
    pub output: String,

    /// _bulk: index name, with date math from each event's @timestamp (UTC), or a data stream
    /// [default: elb-logs-%{+yyyy.MM.dd}]
    #[arg(long, value_name = "PATTERN", value_parser = parse_index)]
    pub index: Option<IndexPattern>,

    /// _bulk document ids: `line-hash` (128-bit hash of the raw line: re-sending never
    /// duplicates) or `none` (Elasticsearch picks; fastest) [default: line-hash]
    #[arg(long, value_enum, value_name = "MODE")]
    pub id: Option<IdArg>,

    /// _bulk: run every document through this ingest pipeline (`_bulk?pipeline=NAME`), e.g.
    /// one with geoip and user_agent processors
    #[arg(long, value_name = "NAME")]
    pub pipeline: Option<String>,

    /// Logstash: `json` (a JSON array, for a stock `http` input) or `ndjson` (for a
    /// `json_lines` codec) [default: json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub http_format: Option<HttpFormatArg>,

    /// Send a batch once it holds this many bytes (K, M, G suffixes)
    #[arg(long, value_name = "BYTES", default_value = "5M", value_parser = parse_size)]
    pub batch_bytes: usize,

    /// Send a batch once it holds this many events
    #[arg(long, value_name = "N", default_value = "2000")]
    pub batch_events: NonZeroUsize,

    /// Send a batch that has waited this long for more events
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub linger: Duration,

    /// Requests at once, each on its own keep-alive connection
    #[arg(long, value_name = "N", default_value = "4")]
    pub max_in_flight: NonZeroUsize,

    /// Give up on a request after this long (connecting included) and retry it
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// First wait before a retry; it doubles each time, with full jitter
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub retry_initial_delay: Duration,

    /// Longest wait between retries; a Retry-After from the sink is honoured up to this
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub retry_max_delay: Duration,

    /// Give a batch up after retrying it this long; 0 retries forever (backfills)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub retry_max_time: Duration,

    /// Append every event that could not be delivered to FILE (NDJSON: reason, status, event)
    #[arg(long, value_name = "FILE")]
    pub dead_letter: Option<PathBuf>,

    /// Add a header to every request; repeatable
    // parsed in `http_options`, not by clap, whose messages would echo the value
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Read an API key (`Authorization: ApiKey`) from the first line of FILE (instead of the
    /// ELBSHIP_API_KEY variable)
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,

    /// Read the basic-auth password from the first line of FILE (instead of the
    /// ELBSHIP_PASSWORD variable; the user is ELBSHIP_USER)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Trust the CA certificates in this PEM file (instead of the built-in Mozilla roots)
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify the server's TLS certificate (test setups only)
    #[arg(long)]
    pub insecure: bool,

    /// After Ctrl-C or SIGTERM, wait this long for requests in flight (a second signal aborts)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub drain_timeout: Duration,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdArg {
    LineHash,
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpFormatArg {
    Json,
    Ndjson,
}

/// `elbship summary`: a report for people and CI instead of events.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = SUMMARY_HELP, after_long_help = SUMMARY_HELP)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Report format: an aligned table, JSON, Markdown (CI job summaries), JUnit XML (CI test
    /// reports: a test case per --fail-if) or HTML (one self-contained page with charts)
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Table, value_name = "FORMAT")]
    pub format: ReportFormatArg,

    /// Also break requests down by this key (top N by requests)
    #[arg(long, value_enum, value_name = "KEY")]
    pub by: Option<GroupByArg>,

    /// How many groups and error reasons to list
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,

    /// Exit 4 if METRIC OP VALUE holds, e.g. 'p99 > 500ms' or '5xx_rate > 1%'; repeatable
    #[arg(long = "fail-if", value_name = "CONDITION", value_parser = parse_condition)]
    pub fail_if: Vec<Condition>,

    /// Parser threads [default: the number of cores]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// Longer lines count as parse failures (K, M, G suffixes)
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    pub max_line_bytes: usize,
}

const SUMMARY_HELP: &str = "\
Latency: p50..p99.9 and max of the total time (request + target + response processing) and of
target_ (the target's own time). Lines with -1 (never dispatched) are left out of both and counted
apart. A percentile is the upper edge of a log-linear histogram bucket: never below the true value,
at most 0.78 % above it (exact under 128 us).

Metrics for --fail-if: requests, rps, duration_seconds, parse_failures, 2xx, 3xx, 4xx, 5xx,
elb_4xx, elb_5xx, target_4xx, target_5xx, 2xx_rate, 3xx_rate, 4xx_rate, 5xx_rate, error_rate, elb_5xx_rate,
target_5xx_rate, received_bytes, sent_bytes, target_time_unset, total_time_unset, p50, p90, p95,
p99, p99.9, max, target_p50 .. target_max; for NLB, Classic TCP/SSL and ALB connection-log lines:
connections, cps, conn_received_bytes, conn_sent_bytes, tls_connections, handshake_failures,
handshake_failure_rate, verify_failures, verify_failure_rate, conn_p50 .. conn_max,
handshake_p50 .. handshake_max. Times need a unit (us, ms, s, m: 500ms); rates % or a
fraction written 0.… (1% or 0.01); counts are bare. A bare number on a time or a rate is refused.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// Aligned columns
    Table,
    /// One JSON object
    Json,
    /// Markdown tables
    Markdown,
    /// JUnit XML, a test case per --fail-if (for CI test reports)
    Junit,
    /// One self-contained HTML page: the verdict, headline numbers and charts (CI artifacts)
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// The request URL path
    Path,
    /// The load balancer
    Elb,
    /// The ALB target group
    TargetGroup,
    /// The load balancer's status code
    Status,
    /// The listener (NLB listener id, ALB connection-log port): connections only
    Listener,
    /// The target's ip:port (requests and connections)
    Target,
    /// The client's IP address (requests and connections)
    Client,
}

impl From<GroupByArg> for GroupBy {
    fn from(a: GroupByArg) -> GroupBy {
        match a {
            GroupByArg::Path => GroupBy::Path,
            GroupByArg::Elb => GroupBy::Elb,
            GroupByArg::TargetGroup => GroupBy::TargetGroup,
            GroupByArg::Status => GroupBy::Status,
            GroupByArg::Listener => GroupBy::Listener,
            GroupByArg::Target => GroupBy::Target,
            GroupByArg::Client => GroupBy::Client,
        }
    }
}

impl From<ReportFormatArg> for ReportFormat {
    fn from(a: ReportFormatArg) -> ReportFormat {
        match a {
            ReportFormatArg::Table => ReportFormat::Table,
            ReportFormatArg::Json => ReportFormat::Json,
            ReportFormatArg::Markdown => ReportFormat::Markdown,
            ReportFormatArg::Junit => ReportFormat::Junit,
            ReportFormatArg::Html => ReportFormat::Html,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaArg {
    /// Filebeat aws module / Elastic Agent names: source.ip, http.*, url.*, aws.elb.*
    Ecs,
    /// logstash-patterns-core ELB_ACCESS_LOG names (clientip, verb, response), AWS names for the rest
    Legacy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// One line for people
    Text,
    /// One JSON object for machines
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn stats_flag_does_not_swallow_a_file() {
        let args = Args::try_parse_from(["elbship", "--stats", "x.log"])
            .unwrap()
            .run;
        assert_eq!(args.stats, Some(StatsFormat::Text));
        assert_eq!(args.input.files, vec![OsString::from("x.log")]);
        let args = Args::try_parse_from(["elbship", "--stats=json"])
            .unwrap()
            .run;
        assert_eq!(args.stats, Some(StatsFormat::Json));
    }

    #[test]
    fn summary_is_a_subcommand() {
        let args = Args::try_parse_from([
            "elbship",
            "summary",
            "--fail-if",
            "p99 > 500ms",
            "--by",
            "path",
            "a.log",
        ])
        .unwrap();
        let Some(Command::Summary(s)) = args.command else {
            panic!("not the summary subcommand")
        };
        assert_eq!(s.input.files, vec![OsString::from("a.log")]);
        assert_eq!(s.fail_if[0].threshold, 0.5);
        assert!(Args::try_parse_from(["elbship", "summary", "--fail-if", "p42 > 1"]).is_err());
        assert!(Args::try_parse_from(["elbship", "x.log"])
            .unwrap()
            .command
            .is_none());
    }
}
