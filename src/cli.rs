//! The command line: one clap definition gives parsing, `--help`, the man page and the shell
//! completions. `Args` only validates; [`Args::resolve`] turns it into the run's plan.

use std::ffi::OsString;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::clock::{self, TimeWindow};
use crate::error::UsageError;
use crate::input::discover::{discover, Discovered, Shard};
use crate::input::s3key;
use crate::input::Input;
use crate::output::bulk::{self, BulkAction, IdMode, IndexPattern};
use crate::output::retry::{self, RetryPolicy};
use crate::output::{Credentials, Framing, HttpOptions, Target};
use crate::pipeline::{self, Config};
use crate::schema::{EventStyle, Schema};
use crate::summary::{Condition, GroupBy, ReportFormat};
use std::time::Duration;

const EXIT_CODES: &str = "\
Exit codes:
  0  everything read and written (lines that did not parse are written as failure events)
  1  an input could not be read, was corrupt or truncated, or is a directory holding no log
     files (the others were still processed), or the output could not be written: stdout failed, or the --output URL refused the
     requests (400, 401, 403, 404), redirected them (never followed), or stayed unreachable
     past --retry-max-time
  2  usage error
  3  events were not delivered: --output URL and the sink did not take some of them (they
     are dead-lettered or counted undelivered), or --strict was given and some lines did
     not parse
  4  summary --fail-if: a condition failed

A closed output (elbship ... | head) ends the run quietly with 0.";

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
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES,
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
    /// Report requests, status mix, error reasons, bytes and latency percentiles instead of
    /// events; with --fail-if, a gate for CI (exit 4)
    Summary(SummaryArgs),
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
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,

    /// Keep only lines at or after TIME: RFC 3339 (2025-06-01T00:00:00Z), a date, or an age
    /// (90m, 2h, 7d); files whose S3 names end the interval earlier are not read
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Keep only lines before TIME (same forms as --since); files whose S3 names start the
    /// interval later are not read
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Progress on stderr: `auto` = a bar when stderr is a terminal and CI is not set;
    /// `always` = also on a pipe, as a plain line every 5 s
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto, value_name = "WHEN")]
    pub progress: ProgressArg,

    /// No progress, no remarks and no end summary (unless --stats asks for it); errors still
    /// go to stderr
    #[arg(short = 'q', long)]
    pub quiet: bool,
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
    /// `--progress`, with `--quiet` winning.
    pub fn progress_mode(&self) -> crate::progress::Mode {
        use crate::progress::Mode;
        match (self.quiet, self.progress) {
            (true, _) | (_, ProgressArg::Never) => Mode::Never,
            (_, ProgressArg::Always) => Mode::Always,
            (_, ProgressArg::Auto) => Mode::Auto,
        }
    }
}

impl InputArgs {
    /// True when no file, directory or list was named: the input is stdin.
    pub fn is_stdin_only(&self) -> bool {
        self.files.is_empty() && self.files_from.is_none()
    }

    /// `--since`/`--until`, resolved against now.
    pub fn window(&self) -> Result<TimeWindow, UsageError> {
        let now = clock::now_micros();
        let parse = |v: &Option<String>, flag: &str| {
            v.as_deref()
                .map(|t| clock::parse_time_arg(t, now))
                .transpose()
                .map_err(|e| UsageError(format!("{flag}: {e}")))
        };
        let window = TimeWindow {
            since: parse(&self.since, "--since")?,
            until: parse(&self.until, "--until")?,
        };
        if let (Some(s), Some(u)) = (window.since, window.until) {
            if s >= u {
                return Err(UsageError("--since must be before --until".into()));
            }
        }
        Ok(window)
    }

    /// The inputs, in order, and remarks for stderr.
    pub fn discover(&self) -> Result<Discovered, UsageError> {
        let stdin = self.is_stdin_only() || self.files.iter().any(|f| f == "-");
        if self.shard.is_some() && stdin {
            return Err(UsageError(
                "--shard splits files; it cannot take stdin (name the files, or use --files-from)"
                    .into(),
            ));
        }
        let mut found = discover(
            &self.files,
            self.files_from.as_deref(),
            self.shard,
            self.follow,
        )
        .map_err(|e| UsageError(e.to_string()))?;
        let window = self.window()?;
        if window.is_set() {
            let before = found.inputs.len();
            found.inputs.retain(|input| {
                let Input::File(path) = input else {
                    return true;
                };
                let end = s3key::parse(&path.to_string_lossy())
                    .and_then(|name| name.end_time)
                    .and_then(clock::parse_interval_end_micros);
                !end.is_some_and(|end| window.excludes_interval_ending(end))
            });
            let skipped = before - found.inputs.len();
            if skipped > 0 {
                found.remarks.push(format!(
                    "skipped {skipped} files whose names put them outside --since/--until"
                ));
            }
        }
        let stdins = found.inputs.iter().filter(|i| **i == Input::Stdin).count();
        let list_on_stdin = self.files_from.as_deref().is_some_and(|f| f == "-");
        if stdins > 1 || (stdins == 1 && list_on_stdin) {
            return Err(UsageError(
                "stdin can be read only once: as one input (-) or as the --files-from list".into(),
            ));
        }
        Ok(found)
    }
}

/// The default job: events on stdout.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,

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

    /// Name stdin for `log.file.path` and S3 metadata (e.g. the S3 key it was copied from)
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,

    /// Parser threads [default: the number of cores]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// Longer lines become failure events holding their first BYTES bytes (K, M suffixes)
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
    #[arg(long, value_name = "PATTERN", value_parser = IndexPattern::parse)]
    pub index: Option<IndexPattern>,

    /// _bulk document ids: `line-hash` (128-bit hash of the raw line: re-sending never
    /// duplicates) or `none` (Elasticsearch picks; fastest) [default: line-hash]
    #[arg(long, value_enum, value_name = "MODE")]
    pub id: Option<IdArg>,

    /// Logstash: `json` (a JSON array, for a stock `http` input) or `ndjson` (for a
    /// `json_lines` codec) [default: json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub http_format: Option<HttpFormatArg>,

    /// Send a batch once it holds this many bytes (K, M suffixes)
    #[arg(long, value_name = "BYTES", default_value = "5M", value_parser = parse_size)]
    pub batch_bytes: usize,

    /// Send a batch once it holds this many events
    #[arg(long, value_name = "N", default_value = "2000")]
    pub batch_events: NonZeroUsize,

    /// Send a batch that has waited this long for more events
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = retry::parse_duration)]
    pub linger: Duration,

    /// Requests at once, each on its own keep-alive connection
    #[arg(long, value_name = "N", default_value = "4")]
    pub max_in_flight: NonZeroUsize,

    /// Give up on a request after this long (connecting included) and retry it
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = retry::parse_duration)]
    pub timeout: Duration,

    /// First wait before a retry; it doubles each time, with full jitter
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = retry::parse_duration)]
    pub retry_initial_delay: Duration,

    /// Longest wait between retries; a Retry-After from the sink is honoured up to this
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = retry::parse_duration)]
    pub retry_max_delay: Duration,

    /// Give a batch up after retrying it this long; 0 retries forever (backfills)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = retry::parse_duration)]
    pub retry_max_time: Duration,

    /// Append every event that could not be delivered to FILE (NDJSON: reason, status, event)
    #[arg(long, value_name = "FILE")]
    pub dead_letter: Option<PathBuf>,

    /// Add a header to every request; repeatable
    // parsed in `http_options`, not by clap, whose messages would echo the value
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Read an API key (`Authorization: ApiKey`) from the first line of FILE [env: ELBSHIP_API_KEY]
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,

    /// Read the basic-auth password from the first line of FILE (user: ELBSHIP_USER) [env: ELBSHIP_PASSWORD]
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Trust the CA certificates in this PEM file (instead of the built-in Mozilla roots)
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify the server's TLS certificate (test setups only)
    #[arg(long)]
    pub insecure: bool,

    /// After Ctrl-C or SIGTERM, wait this long for requests in flight (a second signal aborts)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = retry::parse_duration)]
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

/// `NAME: VALUE`. The messages never quote the argument: a header usually carries a secret.
fn parse_header(s: &str) -> Result<(String, String), String> {
    let Some((name, value)) = s.split_once(':') else {
        return Err(
            "--header: expected 'NAME: VALUE' with a colon (the argument is not shown: it may \
             hold a secret)"
                .into(),
        );
    };
    let name = name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
    {
        return Err(
            "--header: a header name (before the ':') takes only letters, digits, '-' and '_' \
             (the argument is not shown: it may hold a secret)"
                .into(),
        );
    }
    Ok((name.to_string(), value.trim().to_string()))
}

impl OutputArgs {
    /// The HTTP sink's options (`None` for stdout); credentials come from `env` and files.
    pub fn http_options(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<(HttpOptions, Option<BulkAction>)>, UsageError> {
        let usage = |m: String| UsageError(m);
        let target = Target::parse(&self.output).map_err(usage)?;
        let bulk = matches!(target, Target::Bulk { .. });
        if !bulk && (self.index.is_some() || self.id.is_some()) {
            return Err(usage(
                "--index and --id apply to _bulk outputs (--output es+http(s)://... or opensearch+http(s)://...)".into(),
            ));
        }
        if bulk && self.http_format.is_some() {
            return Err(usage(
                "--http-format applies to a Logstash http input (--output http(s)://...)".into(),
            ));
        }
        let Some(url) = target.request_url() else {
            let http_only = [
                ("--dead-letter", self.dead_letter.is_some()),
                ("--header", !self.headers.is_empty()),
                ("--api-key-file", self.api_key_file.is_some()),
                ("--password-file", self.password_file.is_some()),
                ("--ca-cert", self.ca_cert.is_some()),
                ("--insecure", self.insecure),
            ];
            if let Some((flag, _)) = http_only.iter().find(|(_, given)| *given) {
                return Err(usage(format!(
                    "{flag} applies to HTTP output: add --output URL (events go to stdout now)"
                )));
            }
            return Ok(None);
        };
        let framing = match (bulk, self.http_format) {
            (true, _) => Framing::Bulk,
            (false, Some(HttpFormatArg::Ndjson)) => Framing::Ndjson,
            (false, _) => Framing::JsonArray,
        };
        let action = bulk.then(|| BulkAction {
            index: self.index.clone().unwrap_or_else(|| {
                IndexPattern::parse(bulk::DEFAULT_INDEX).unwrap_or_else(|_| unreachable!())
            }),
            id: match self.id {
                Some(IdArg::None) => IdMode::None,
                Some(IdArg::LineHash) | None => IdMode::LineHash,
            },
        });
        let credentials = Credentials::load(
            env,
            self.api_key_file.as_deref(),
            self.password_file.as_deref(),
        )
        .map_err(usage)?;
        let mut headers = self
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<Vec<_>, _>>()
            .map_err(usage)?;
        if let Some(value) = credentials.authorization() {
            if headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            {
                return Err(usage(
                    "credentials were given both in the environment or a file and as --header Authorization".into(),
                ));
            }
            headers.push(("Authorization".into(), value));
        }
        if self.retry_initial_delay.is_zero() || self.retry_max_delay < self.retry_initial_delay {
            return Err(usage(
                "--retry-initial-delay must be above 0 and at most --retry-max-delay".into(),
            ));
        }
        if self.timeout.is_zero() {
            return Err(usage("--timeout must be above 0".into()));
        }
        let options = HttpOptions {
            url,
            framing,
            max_in_flight: self.max_in_flight.get(),
            batch_bytes: self.batch_bytes,
            batch_events: self.batch_events.get(),
            linger: self.linger,
            timeout: self.timeout,
            retry: RetryPolicy {
                initial_delay: self.retry_initial_delay,
                max_delay: self.retry_max_delay,
                max_time: (!self.retry_max_time.is_zero()).then_some(self.retry_max_time),
            },
            dead_letter: self.dead_letter.clone(),
            headers,
            ca_cert: self.ca_cert.clone(),
            insecure: self.insecure,
            progress: None,
        };
        Ok(Some((options, action)))
    }
}

/// `elbship summary`: a report for people and CI instead of events.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = SUMMARY_HELP, after_long_help = SUMMARY_HELP)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Report format: an aligned table, JSON, or Markdown (for CI job summaries)
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

    /// Longer lines count as parse failures (K, M suffixes)
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
p99, p99.9, max, target_p50 .. target_max. Times take s, ms or us; rates take % or a fraction.";

fn parse_condition(s: &str) -> Result<Condition, String> {
    Condition::parse(s)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// Aligned columns
    Table,
    /// One JSON object
    Json,
    /// Markdown tables
    Markdown,
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
}

impl From<GroupByArg> for GroupBy {
    fn from(a: GroupByArg) -> GroupBy {
        match a {
            GroupByArg::Path => GroupBy::Path,
            GroupByArg::Elb => GroupBy::Elb,
            GroupByArg::TargetGroup => GroupBy::TargetGroup,
            GroupByArg::Status => GroupBy::Status,
        }
    }
}

impl From<ReportFormatArg> for ReportFormat {
    fn from(a: ReportFormatArg) -> ReportFormat {
        match a {
            ReportFormatArg::Table => ReportFormat::Table,
            ReportFormatArg::Json => ReportFormat::Json,
            ReportFormatArg::Markdown => ReportFormat::Markdown,
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

/// What the command line asks for beyond the pipeline itself.
#[derive(Clone, Debug)]
pub struct Plan {
    pub config: Config,
    pub stats: Option<StatsFormat>,
    pub strict: bool,
    /// No file was named: reading stdin.
    pub stdin_only: bool,
    /// Worth a line on stderr before the run (e.g. an empty directory).
    pub remarks: Vec<String>,
    /// Inputs named that hold nothing to read (exit 1 after the others are processed).
    pub failures: Vec<String>,
    /// `--checkpoint FILE` and how often it may be rewritten.
    pub checkpoint: Option<(PathBuf, std::time::Duration)>,
    pub progress: crate::progress::Mode,
    pub quiet: bool,
    /// HTTP output (`None`: stdout).
    pub http: Option<HttpOptions>,
    /// `--drain-timeout`.
    pub drain_timeout: Duration,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!(
            "invalid key {key:?}: use names joined by dots, like labels.env"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

/// `4096`, `64K`, `1M`, `1MiB`, `2G` (binary multiples).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let n: usize = num
        .parse()
        .map_err(|_| format!("expected a size like 4096, 64K or 1M, got {s:?}"))?;
    let mult: usize = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("unknown size unit {unit:?} (use K, M or G)")),
    };
    match n.checked_mul(mult) {
        Some(0) => Err("size must be at least 1".into()),
        Some(v) => Ok(v),
        None => Err(format!("size {s:?} is too large")),
    }
}

/// `--checkpoint FILE` is checked before anything is read: its directory exists and takes a
/// new file (the checkpoint is replaced through `FILE.tmp`), and FILE, if there, is a regular
/// file (`/dev/full` or a FIFO would be read for ever).
fn check_checkpoint_path(path: &std::path::Path) -> Result<(), UsageError> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if !dir.is_dir() {
        return Err(UsageError(format!(
            "--checkpoint {shown}: the directory {} does not exist; create it first",
            dir.display()
        )));
    }
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(UsageError(format!(
                "--checkpoint {shown}: not a regular file (name a file for elbship to keep)"
            )))
        }
        _ => {}
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let existed = tmp.exists();
    if let Err(e) = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&tmp)
    {
        return Err(UsageError(format!(
            "--checkpoint {shown}: cannot write {}: {e}",
            tmp.display()
        )));
    }
    if !existed {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(())
}

/// The subcommand a first argument that names no file was probably meant to be
/// (`elbship sumary logs/`), by the edit distance clap uses for its own suggestions.
fn misspelt_command(arg: &std::ffi::OsStr) -> Option<&'static str> {
    let text = arg.to_str()?;
    if text.len() < 4 || std::path::Path::new(arg).exists() {
        return None;
    }
    ["summary"]
        .into_iter()
        .find(|command| strsim::damerau_levenshtein(text, command) <= 2)
}

impl RunArgs {
    /// The run's plan; `processing_time` stamps failure events.
    pub fn resolve(self, processing_time: String) -> Result<Plan, UsageError> {
        if let Some(path) = &self.checkpoint {
            check_checkpoint_path(path)?;
        }
        if let Some(command) = self.input.files.first().and_then(|f| misspelt_command(f)) {
            return Err(UsageError(format!(
                "{:?} is neither a file nor a command; did you mean `elbship {command}`?",
                self.input.files[0].to_string_lossy()
            )));
        }
        let stdin_only = self.input.is_stdin_only();
        let found = self.input.discover()?;
        let reads_stdin = found.inputs.contains(&Input::Stdin);
        if self.checkpoint.is_some() && reads_stdin {
            return Err(UsageError(
                "--checkpoint records finished files; stdin cannot be resumed (name the files)"
                    .into(),
            ));
        }
        if self.source.is_some() && !reads_stdin {
            return Err(UsageError(
                "--source names stdin; events from files carry each file's own path".into(),
            ));
        }
        // a conflict between --add-field keys, or with the source fields, is a usage error
        let probe = Some("123456789012_elasticloadbalancing_us-east-1_x_20200101T0000Z_a.log");
        if let Err(conflict) = pipeline::static_fields(probe, &self.add_fields) {
            return Err(UsageError(format!(
                "--add-field {}: this key is both a value and an object (check the other \
                 --add-field keys and log.file.path, cloud.account.id, cloud.region)",
                conflict.0
            )));
        }
        let schema = match self.schema {
            SchemaArg::Ecs => Schema::Ecs,
            SchemaArg::Legacy => Schema::Legacy,
        };
        let mut config = Config::new(found.inputs);
        config.window = self.input.window()?;
        config.stdin_name = self.source;
        config.style = EventStyle::new(schema, !self.no_message, &self.tags);
        config.add_fields = self.add_fields;
        if let Some(threads) = self.threads {
            config.threads = threads.get();
        }
        if let Some(block) = self.block_size {
            config.block_size = block;
        }
        config.max_line_bytes = self.max_line_bytes;
        config.processing_time = processing_time;
        let http = match self.output.http_options(|k| std::env::var(k).ok())? {
            Some((options, action)) => {
                config.bulk = action;
                Some(options)
            }
            None => None,
        };
        Ok(Plan {
            http,
            drain_timeout: self.output.drain_timeout,
            config,
            stats: self.stats,
            strict: self.strict,
            stdin_only,
            remarks: found.remarks,
            failures: found.failures,
            progress: self.input.progress_mode(),
            quiet: self.input.quiet,
            checkpoint: self.checkpoint.map(|path| {
                (
                    path,
                    std::time::Duration::from_millis(self.checkpoint_interval),
                )
            }),
        })
    }
}

impl SummaryArgs {
    /// The pipeline configuration for reading the inputs, remarks for stderr, and failures
    /// (inputs named that hold nothing to read).
    pub fn config(&self) -> Result<(Config, Vec<String>, Vec<String>), UsageError> {
        let found = self.input.discover()?;
        let mut config = Config::new(found.inputs);
        config.window = self.input.window()?;
        if let Some(threads) = self.threads {
            config.threads = threads.get();
        }
        config.max_line_bytes = self.max_line_bytes;
        Ok((config, found.remarks, found.failures))
    }
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
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn key_values() {
        assert_eq!(
            parse_key_value("labels.env=prod=1"),
            Ok(("labels.env".into(), "prod=1".into()))
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("a..b=1").is_err());
        assert!(parse_key_value("=1").is_err());
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
    fn conflicting_add_fields_are_usage_errors() {
        let args = Args::try_parse_from(["elbship", "--add-field", "a=1", "--add-field", "a.b=2"])
            .unwrap();
        assert!(args.run.resolve(String::new()).is_err());
        let args = Args::try_parse_from(["elbship", "--add-field", "log=x"]).unwrap();
        assert!(args.run.resolve(String::new()).is_err());
    }

    #[test]
    fn a_misspelt_subcommand_is_named() {
        for typo in ["sumary", "summry", "sumamry", "Summary", "summar"] {
            assert_eq!(misspelt_command(typo.as_ref()), Some("summary"), "{typo}");
        }
        for other in ["logs", "x.log", "sum", "-"] {
            assert_eq!(misspelt_command(other.as_ref()), None, "{other}");
        }
        let args = Args::try_parse_from(["elbship", "sumary", "logs/"]).unwrap();
        let message = args.run.resolve(String::new()).unwrap_err().0;
        assert!(
            message.contains("did you mean `elbship summary`"),
            "{message}"
        );
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
