//! From parsed arguments to the run's [`Plan`]: every flag validated once, every flag
//! combination checked, inputs discovered, credentials read, and `--since/--until` resolved
//! against the run's one "now" (files and lines are filtered with the same clock).

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::values::parse_header;
use crate::cli::{
    Args, Command, EventArgs, HttpFormatArg, IdArg, InputArgs, LambdaArgs, OutputArgs, ProgressArg,
    RunArgs, S3Args, SchemaArg, StatsFormat, SummaryArgs, TemplateArgs,
};
use crate::clock::{self, TimeWindow};
use crate::error::UsageError;
use crate::event::action::{BulkAction, IdMode, IndexPattern, DEFAULT_INDEX};
use crate::event::{check_add_fields, EncodeEvents};
use crate::input::discover::{discover, Discovered};
use crate::input::{s3, s3key, Input};
use crate::output::retry::RetryPolicy;
use crate::output::{Credentials, Framing, HttpOptions, Target};
use crate::pipeline;
use crate::progress;
use crate::schema::{EventStyle, Schema};
use crate::stats;
use crate::summary::{Condition, GroupBy, ReportFormat, SummarizeBlocks};

/// The clock of a run, read once.
#[derive(Clone, Debug)]
pub struct Now {
    /// Microseconds since the epoch: what `--since 2h` counts back from.
    pub micros: i64,
    /// `@timestamp` of failure events: now, or `SOURCE_DATE_EPOCH` when set.
    pub processing_time: String,
}

impl Now {
    pub fn read() -> Now {
        Now {
            micros: clock::now_micros(),
            processing_time: clock::processing_time(
                std::env::var("SOURCE_DATE_EPOCH").ok().as_deref(),
            ),
        }
    }
}

/// Everything a run does, decided before anything is read.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The engine: inputs, threads, blocks.
    pub engine: pipeline::Config,
    pub job: JobPlan,
    /// Worth a line on stderr before the run (e.g. an empty directory).
    pub remarks: Vec<String>,
    /// Inputs named that hold nothing to read (exit 1 after the others are processed).
    pub failures: Vec<String>,
    /// No file was named: reading stdin.
    pub stdin_only: bool,
    pub progress: progress::Mode,
    pub quiet: bool,
}

/// What is done with the lines.
#[derive(Clone, Debug)]
pub enum JobPlan {
    /// Events to a sink (the default command).
    Events(Box<EventsPlan>),
    /// `elbship summary`.
    Summary(SummaryPlan),
    /// `elbship template`: the index template, no input.
    Template {
        schema: Schema,
        index_pattern: String,
    },
    /// `elbship lambda`: invocations from the Lambda runtime API.
    Lambda(Box<LambdaPlan>),
}

/// What each invocation of `elbship lambda` does with the objects its event names.
#[derive(Clone, Debug)]
pub struct LambdaPlan {
    pub encode: EncodeEvents,
    pub http: HttpOptions,
    pub s3: s3::Options,
    /// `--dead-letter s3://BUCKET/PREFIX`: an object per invocation under it.
    pub dead_letter: Option<(String, String)>,
    /// `--deadline-margin`: stop reading this long before the deadline.
    pub margin: Duration,
    /// `--time-limit`.
    pub time_limit: Option<Duration>,
    /// `--drain-timeout`: the longest wait for the requests in flight once reading stopped.
    pub drain_timeout: Duration,
}

/// The parse blocks when events are shipped (`--output URL`, `elbship lambda`): 3 of 256 KiB
/// a thread instead of the engine's 6 of 512 KiB. The blocks in flight and their events
/// waiting for a batch are most of the peak memory, and 3 x 256 KiB halved it against 3 x
/// 1 MiB at the same speed (release build, 1M-line ALB file to local sinks: 107 -> 53 MB
/// Logstash, 117 -> 60 MB `_bulk`; a function's 62 MB object 148 -> 70 MB; README "Shipping
/// over HTTP"). 6 x 256 KiB was 2-4 % faster but 10 MB bigger (58 -> 67 MB Logstash).
pub const SHIPPING_BLOCK_SIZE: usize = 256 * 1024;
pub const SHIPPING_BLOCKS_PER_THREAD: usize = 3;

/// What the Lambda runtime sets in a function's environment; `elbship lambda` needs them.
pub const LAMBDA_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
];

#[derive(Clone, Debug)]
pub struct EventsPlan {
    pub encode: EncodeEvents,
    pub output: Output,
    /// `--stats`.
    pub stats: Option<stats::Format>,
    /// `--strict`: exit 3 when a line did not parse.
    pub strict: bool,
    /// `--checkpoint FILE` and how often it may be rewritten.
    pub checkpoint: Option<(PathBuf, Duration)>,
    /// `--drain-timeout`.
    pub drain_timeout: Duration,
}

/// Where the events go.
#[derive(Clone, Debug)]
pub enum Output {
    Stdout,
    Http(Box<HttpOptions>),
}

#[derive(Clone, Debug)]
pub struct SummaryPlan {
    pub job: SummarizeBlocks,
    pub format: ReportFormat,
    pub top: usize,
    pub by: Option<GroupBy>,
    pub fail_if: Vec<Condition>,
}

/// The plan for `args`, with `now` as the clock and `env` for credentials.
pub fn resolve(
    args: Args,
    now: &Now,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Plan, UsageError> {
    match args.command {
        Some(Command::Summary(summary)) => resolve_summary(*summary, now),
        Some(Command::Template(template)) => Ok(resolve_template(template)),
        Some(Command::Lambda(lambda)) => resolve_lambda(*lambda, now, env),
        None => resolve_events(args.run, now, env),
    }
}

fn resolve_events(
    args: RunArgs,
    now: &Now,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Plan, UsageError> {
    if let Some(path) = &args.checkpoint {
        check_checkpoint_path(path)?;
    }
    if let Some(command) = args.input.files.first().and_then(|f| misspelt_command(f)) {
        return Err(UsageError(format!(
            "{:?} is neither a file nor a command; did you mean `elbship {command}`?",
            args.input.files[0].to_string_lossy()
        )));
    }
    let window = window(&args.input, now)?;
    let found = inputs(&args.input, &window)?;
    let reads_stdin = found.inputs.contains(&Input::Stdin);
    if args.checkpoint.is_some() && reads_stdin {
        return Err(UsageError(
            "--checkpoint records finished files; stdin cannot be resumed (name the files)".into(),
        ));
    }
    if args.source.is_some() && !reads_stdin {
        return Err(UsageError(
            "--source names stdin; events from files carry each file's own path".into(),
        ));
    }
    let (output, bulk) = match http_options(&args.output, env)? {
        Some((options, action)) => (Output::Http(Box::new(options)), action),
        None => (Output::Stdout, None),
    };
    let encode = encode_events(args.events, now, window, bulk, args.source)?;
    let shipping = matches!(output, Output::Http(_));
    let engine = engine(
        found.inputs,
        args.threads,
        args.max_line_bytes,
        args.block_size,
        shipping,
    );
    let events = EventsPlan {
        encode,
        output,
        stats: args.stats.map(|f| match f {
            StatsFormat::Text => stats::Format::Text,
            StatsFormat::Json => stats::Format::Json,
        }),
        strict: args.strict,
        checkpoint: args
            .checkpoint
            .map(|path| (path, Duration::from_millis(args.checkpoint_interval))),
        drain_timeout: args.output.drain_timeout,
    };
    Ok(Plan {
        engine,
        job: JobPlan::Events(Box::new(events)),
        remarks: found.remarks,
        failures: found.failures,
        stdin_only: args.input.is_stdin_only(),
        progress: progress_mode(&args.input),
        quiet: args.input.quiet,
    })
}

/// The encode job of `elbship` and `elbship lambda`, from their shared event flags.
fn encode_events(
    args: EventArgs,
    now: &Now,
    window: TimeWindow,
    bulk: Option<BulkAction>,
    stdin_name: Option<String>,
) -> Result<EncodeEvents, UsageError> {
    if let Err(conflict) = check_add_fields(&args.add_fields) {
        return Err(UsageError(format!(
            "--add-field {}: this key is both a value and an object (check the other \
             --add-field keys and log.file.path, cloud.account.id, cloud.region)",
            conflict.0
        )));
    }
    let schema = args.schema.into();
    Ok(EncodeEvents {
        style: EventStyle::new(schema, !args.no_message, &args.tags),
        processing_time: now.processing_time.clone(),
        window,
        bulk,
        add_fields: with_dataset(schema, args.add_fields),
        stdin_name,
    })
}

fn resolve_summary(args: SummaryArgs, now: &Now) -> Result<Plan, UsageError> {
    let window = window(&args.input, now)?;
    let found = inputs(&args.input, &window)?;
    let by = args.by.map(Into::into);
    let summary = SummaryPlan {
        job: SummarizeBlocks { by, window },
        format: args.format.into(),
        top: args.top,
        by,
        fail_if: args.fail_if,
    };
    Ok(Plan {
        engine: engine(found.inputs, args.threads, args.max_line_bytes, None, false),
        job: JobPlan::Summary(summary),
        remarks: found.remarks,
        failures: found.failures,
        stdin_only: args.input.is_stdin_only(),
        progress: progress_mode(&args.input),
        quiet: args.input.quiet,
    })
}

fn resolve_lambda(
    mut args: LambdaArgs,
    now: &Now,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Plan, UsageError> {
    if let Some(missing) = LAMBDA_VARIABLES.iter().find(|v| env(v).is_none()) {
        return Err(UsageError(format!(
            "elbship lambda runs inside AWS Lambda, and {missing} is not set (to try it \
             here, start `cargo lambda watch --only-lambda-apis` and set the variables it prints)"
        )));
    }
    let dead_letter = match args.output.dead_letter.take() {
        None => None,
        Some(path) => {
            let text = path.to_string_lossy();
            let Some((bucket, prefix)) = s3::parse_url(&text) else {
                return Err(UsageError(format!(
                    "--dead-letter {text}: a function's files do not outlive it; name an S3 \
                     prefix, s3://BUCKET/PREFIX/"
                )));
            };
            Some((bucket.to_string(), prefix.to_string()))
        }
    };
    let Some((http, bulk)) = http_options(&args.output, &env)? else {
        return Err(UsageError(
            "elbship lambda ships events: give --output (or ELBSHIP_OUTPUT) an \
             http(s)://, es+http(s):// or opensearch+http(s):// URL"
                .into(),
        ));
    };
    if args.deadline_margin.is_zero() {
        return Err(UsageError(
            "--deadline-margin must be above 0: the requests in flight need time to finish".into(),
        ));
    }
    let encode = encode_events(args.events, now, TimeWindow::default(), bulk, None)?;
    let s3 = s3::Options {
        region: args.region,
        endpoint_url: args.endpoint_url,
        concurrency: args
            .s3_concurrency
            .map_or(s3::DEFAULT_CONCURRENCY, |n| n.get()),
        ..s3::Options::default()
    };
    let lambda = LambdaPlan {
        encode,
        http,
        s3,
        dead_letter,
        margin: args.deadline_margin,
        time_limit: args.time_limit,
        drain_timeout: args.output.drain_timeout,
    };
    let engine = engine(
        Vec::new(),
        args.threads,
        args.max_line_bytes,
        args.block_size,
        true,
    );
    Ok(Plan {
        engine,
        job: JobPlan::Lambda(Box::new(lambda)),
        remarks: Vec::new(),
        failures: Vec::new(),
        stdin_only: false,
        progress: progress::Mode::Never,
        quiet: false,
    })
}

fn resolve_template(args: TemplateArgs) -> Plan {
    Plan {
        engine: pipeline::Config::new(Vec::new()),
        job: JobPlan::Template {
            schema: args.schema.into(),
            index_pattern: args.index_pattern,
        },
        remarks: Vec::new(),
        failures: Vec::new(),
        stdin_only: false,
        progress: progress::Mode::Never,
        quiet: true,
    }
}

fn engine(
    inputs: Vec<Input>,
    threads: Option<std::num::NonZeroUsize>,
    max_line_bytes: usize,
    block_size: Option<usize>,
    shipping: bool,
) -> pipeline::Config {
    let mut engine = pipeline::Config::new(inputs);
    if let Some(threads) = threads {
        engine.threads = threads.get();
    }
    engine.max_line_bytes = max_line_bytes;
    if shipping {
        engine.block_size = SHIPPING_BLOCK_SIZE;
        engine.blocks_per_thread = SHIPPING_BLOCKS_PER_THREAD;
    }
    if let Some(block) = block_size {
        engine.block_size = block;
    }
    engine
}

/// `--progress`, with `--quiet` winning.
fn progress_mode(input: &InputArgs) -> progress::Mode {
    use progress::Mode;
    match (input.quiet, input.progress) {
        (true, _) | (_, ProgressArg::Never) => Mode::Never,
        (_, ProgressArg::Always) => Mode::Always,
        (_, ProgressArg::Auto) => Mode::Auto,
    }
}

/// `--since`/`--until`, against `now`.
fn window(input: &InputArgs, now: &Now) -> Result<TimeWindow, UsageError> {
    let window = TimeWindow {
        since: input.since.map(|t| t.resolve(now.micros)),
        until: input.until.map(|t| t.resolve(now.micros)),
    };
    if let (Some(s), Some(u)) = (window.since, window.until) {
        if s >= u {
            return Err(UsageError("--since must be before --until".into()));
        }
    }
    Ok(window)
}

/// The S3 options of the command line.
fn s3_options(args: &S3Args) -> s3::Options {
    s3::Options {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        no_sign_request: args.no_sign_request,
        requester_pays: args.request_payer.is_some(),
        concurrency: args
            .s3_concurrency
            .map_or(s3::DEFAULT_CONCURRENCY, |n| n.get()),
    }
}

/// S3 flags with no `s3://` input would do nothing: say so.
fn check_no_s3_flags(args: &S3Args) -> Result<(), UsageError> {
    let given = [
        ("--profile", args.profile.is_some()),
        ("--region", args.region.is_some()),
        ("--endpoint-url", args.endpoint_url.is_some()),
        ("--no-sign-request", args.no_sign_request),
        ("--request-payer", args.request_payer.is_some()),
        ("--s3-concurrency", args.s3_concurrency.is_some()),
        ("--s3-bucket", args.s3_bucket.is_some()),
    ];
    match given.iter().find(|(_, g)| *g) {
        Some((flag, _)) => Err(UsageError(format!(
            "{flag} applies to s3:// inputs, and none was named"
        ))),
        None => Ok(()),
    }
}

/// Lists the `s3://` prefixes found (all at once) and puts their objects where the
/// prefixes were named; `--shard` takes objects by key. A prefix that cannot be listed is a
/// failure like a missing file: the other inputs are still read, and the run exits 1.
fn list_s3(input: &InputArgs, window: &TimeWindow, found: &mut Discovered) {
    let options = s3_options(&input.s3);
    let urls: Vec<String> = found.s3.iter().map(|(_, url)| url.clone()).collect();
    let listed = s3::list_all(&options, &urls, window);
    let mut failures = Vec::new();
    for ((at, url), result) in found.s3.drain(..).zip(listed).rev() {
        let objects = match result {
            Ok(objects) => objects,
            Err(e) => {
                failures.push(e.to_string());
                continue;
            }
        };
        if objects.is_empty() {
            failures.push(format!(
                "{url}: no log objects (*.log, *.log.gz) under this prefix"
            ));
        }
        let taken = objects
            .into_iter()
            .filter(|o| {
                input
                    .shard
                    .is_none_or(|s| s.takes(std::path::Path::new(&o.key)))
            })
            .map(Input::S3);
        found.inputs.splice(at..at, taken);
    }
    found.failures.extend(failures.into_iter().rev());
}

/// The inputs, in order, with remarks for stderr; files whose S3 names put them outside
/// `window` are left out.
fn inputs(input: &InputArgs, window: &TimeWindow) -> Result<Discovered, UsageError> {
    let stdin = input.is_stdin_only() || input.files.iter().any(|f| f == "-");
    if input.shard.is_some() && stdin {
        return Err(UsageError(
            "--shard splits files; it cannot take stdin (name the files, or use --files-from)"
                .into(),
        ));
    }
    let mut found = discover(
        &input.files,
        input.files_from.as_deref(),
        input.shard,
        input.follow,
        input.s3.s3_bucket.as_deref(),
    )
    .map_err(|e| UsageError(e.to_string()))?;
    if found.s3.is_empty() {
        check_no_s3_flags(&input.s3)?;
    } else {
        list_s3(input, window, &mut found);
    }
    if window.is_set() {
        let before = found.inputs.len();
        found.inputs.retain(|input| {
            let name = match input {
                Input::File(path) => path.to_string_lossy().into_owned(),
                Input::S3(object) => object.key.clone(),
                Input::Stdin => return true,
            };
            let end = s3key::parse(&name)
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
    let list_on_stdin = input.files_from.as_deref().is_some_and(|f| f == "-");
    if stdins > 1 || (stdins == 1 && list_on_stdin) {
        return Err(UsageError(
            "stdin can be read only once: as one input (-) or as the --files-from list".into(),
        ));
    }
    Ok(found)
}

/// The HTTP sink's options (`None` for stdout) and, for `_bulk`, the action line;
/// credentials come from `env` and files.
pub fn http_options(
    out: &OutputArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(HttpOptions, Option<BulkAction>)>, UsageError> {
    let usage = |m: String| UsageError(m);
    let target = Target::parse(&out.output)?;
    let bulk = matches!(target, Target::Bulk { .. });
    if !bulk && (out.index.is_some() || out.id.is_some() || out.pipeline.is_some()) {
        return Err(usage(
                "--index, --id and --pipeline apply to _bulk outputs (--output es+http(s)://... or opensearch+http(s)://...)".into(),
            ));
    }
    if out.pipeline.as_deref().is_some_and(str::is_empty) {
        return Err(usage(
            "--pipeline needs the name of an ingest pipeline".into(),
        ));
    }
    if bulk && out.http_format.is_some() {
        return Err(usage(
            "--http-format applies to a Logstash http input (--output http(s)://...)".into(),
        ));
    }
    let Some(mut url) = target.request_url() else {
        let http_only = [
            ("--dead-letter", out.dead_letter.is_some()),
            ("--header", !out.headers.is_empty()),
            ("--api-key-file", out.api_key_file.is_some()),
            ("--password-file", out.password_file.is_some()),
            ("--ca-cert", out.ca_cert.is_some()),
            ("--insecure", out.insecure),
        ];
        if let Some((flag, _)) = http_only.iter().find(|(_, given)| *given) {
            return Err(usage(format!(
                "{flag} applies to HTTP output: add --output URL (events go to stdout now)"
            )));
        }
        return Ok(None);
    };
    if let Some(name) = &out.pipeline {
        // a query value: everything but RFC 3986's unreserved characters escaped
        const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let name = percent_encoding::utf8_percent_encode(name, ESCAPED);
        url = format!("{url}?pipeline={name}");
    }
    let framing = match (bulk, out.http_format) {
        (true, _) => Framing::Bulk,
        (false, Some(HttpFormatArg::Ndjson)) => Framing::Ndjson,
        (false, _) => Framing::JsonArray,
    };
    let action = bulk.then(|| BulkAction {
        index: out.index.clone().unwrap_or_else(|| {
            IndexPattern::parse(DEFAULT_INDEX).unwrap_or_else(|_| unreachable!())
        }),
        id: match out.id {
            Some(IdArg::None) => IdMode::None,
            Some(IdArg::LineHash) | None => IdMode::LineHash,
        },
    });
    let credentials = Credentials::load(
        env,
        out.api_key_file.as_deref(),
        out.password_file.as_deref(),
    )?;
    let headers = out
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    if credentials.is_given()
        && headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    {
        return Err(usage(
            "credentials were given both in the environment or a file and as --header Authorization".into(),
        ));
    }
    if out.retry_initial_delay.is_zero() || out.retry_max_delay < out.retry_initial_delay {
        return Err(usage(
            "--retry-initial-delay must be above 0 and at most --retry-max-delay".into(),
        ));
    }
    if out.timeout.is_zero() {
        return Err(usage("--timeout must be above 0".into()));
    }
    let options = HttpOptions {
        url,
        framing,
        max_in_flight: out.max_in_flight.get(),
        batch_bytes: out.batch_bytes,
        batch_events: out.batch_events.get(),
        linger: out.linger,
        timeout: out.timeout,
        retry: RetryPolicy {
            initial_delay: out.retry_initial_delay,
            max_delay: out.retry_max_delay,
            max_time: (!out.retry_max_time.is_zero()).then_some(out.retry_max_time),
        },
        dead_letter: out.dead_letter.clone(),
        headers,
        credentials: credentials.is_given().then_some(credentials),
        ca_cert: out.ca_cert.clone(),
        insecure: out.insecure,
        progress: None,
    };
    Ok(Some((options, action)))
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
    ["summary", "template"]
        .into_iter()
        .find(|command| strsim::damerau_levenshtein(text, command) <= 2)
}

/// ECS events carry `event.dataset: aws.elb`, Filebeat's value, which its and Elastic Agent's
/// dashboards filter on; `--add-field event.dataset=...` replaces it.
fn with_dataset(schema: Schema, mut add_fields: Vec<(String, String)>) -> Vec<(String, String)> {
    const KEY: &str = "event.dataset";
    let user_set = add_fields
        .iter()
        .any(|(k, _)| k == "event" || k == KEY || k.starts_with("event.dataset."));
    if schema == Schema::Ecs && !user_set {
        add_fields.insert(0, (KEY.to_string(), "aws.elb".to_string()));
    }
    add_fields
}

impl From<SchemaArg> for Schema {
    fn from(arg: SchemaArg) -> Schema {
        match arg {
            SchemaArg::Ecs => Schema::Ecs,
            SchemaArg::Legacy => Schema::Legacy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn plan(args: &[&str]) -> Result<Plan, UsageError> {
        let now = Now {
            micros: 1_700_000_000_000_000,
            processing_time: String::new(),
        };
        resolve(Args::try_parse_from(args).unwrap(), &now, |_| None)
    }

    #[test]
    fn conflicting_add_fields_are_usage_errors() {
        assert!(plan(&["elbship", "--add-field", "a=1", "--add-field", "a.b=2"]).is_err());
        assert!(plan(&["elbship", "--add-field", "log=x"]).is_err());
        assert!(plan(&["elbship", "--add-field", "labels.env=x"]).is_ok());
    }

    #[test]
    fn shipping_uses_fewer_smaller_parse_blocks_unless_told() {
        let block = |args: &[&str]| plan(args).unwrap().engine.block_size;
        let per_thread = |args: &[&str]| plan(args).unwrap().engine.blocks_per_thread;
        let stdout = block(&["elbship", "-"]);
        assert!(stdout > SHIPPING_BLOCK_SIZE);
        assert_eq!(
            block(&["elbship", "-", "-o", "http://127.0.0.1:9"]),
            SHIPPING_BLOCK_SIZE
        );
        assert!(per_thread(&["elbship", "-"]) > SHIPPING_BLOCKS_PER_THREAD);
        assert_eq!(
            per_thread(&["elbship", "-", "-o", "http://127.0.0.1:9"]),
            SHIPPING_BLOCKS_PER_THREAD
        );
        let told = [
            "elbship",
            "-",
            "-o",
            "http://127.0.0.1:9",
            "--block-size",
            "1M",
        ];
        assert_eq!(block(&told), 1 << 20);
    }

    #[test]
    fn a_misspelt_subcommand_is_named() {
        for typo in ["sumary", "summry", "sumamry", "Summary", "summar"] {
            assert_eq!(misspelt_command(typo.as_ref()), Some("summary"), "{typo}");
        }
        for other in ["logs", "x.log", "sum", "-"] {
            assert_eq!(misspelt_command(other.as_ref()), None, "{other}");
        }
        let message = plan(&["elbship", "sumary", "logs/"]).unwrap_err().0;
        assert!(
            message.contains("did you mean `elbship summary`"),
            "{message}"
        );
    }

    /// Ages are counted back from the one "now" given, for the files' names and the lines
    /// alike.
    #[test]
    fn since_and_until_use_the_run_clock() {
        let p = plan(&["elbship", "--since", "1h", "--until", "2030-01-01"]).unwrap();
        let JobPlan::Events(events) = p.job else {
            panic!("not the events job")
        };
        let hour = 3_600_000_000;
        assert_eq!(
            events.encode.window.since,
            Some(1_700_000_000_000_000 - hour)
        );
        assert!(plan(&["elbship", "--since", "1h", "--until", "2h"]).is_err());
    }
}
