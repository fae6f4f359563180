# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_elbship_global_optspecs
    string join \n files-from= L/follow shard= since= until= progress= q/quiet profile= region= endpoint-url= no-sign-request request-payer= s3-concurrency= s3-bucket= schema= no-message add-field= tag= source= j/threads= max-line-bytes= stats= strict checkpoint= o/output= index= id= pipeline= http-format= batch-bytes= batch-events= linger= max-in-flight= timeout= retry-initial-delay= retry-max-delay= retry-max-time= dead-letter= header= api-key-file= password-file= ca-cert= insecure drain-timeout= h/help V/version
end

function __fish_elbship_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_elbship_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_elbship_using_subcommand
    set -l cmd (__fish_elbship_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c elbship -n "__fish_elbship_needs_command" -l files-from -d 'Also read the files (or directories) listed in FILE, one per line; `-` reads the list from stdin' -r
complete -c elbship -n "__fish_elbship_needs_command" -l shard -d 'Take only shard I of N (0 <= I < N) of the input files, by a hash of each file\'s name, to split a backfill over N machines or jobs with no coordination' -r
complete -c elbship -n "__fish_elbship_needs_command" -l since -d 'Keep only lines at or after TIME: RFC 3339 (2025-06-01T00:00:00Z), a date, or an age (90m, 2h, 7d, 1w); files whose S3 names end the interval earlier are not read' -r
complete -c elbship -n "__fish_elbship_needs_command" -l until -d 'Keep only lines before TIME (same forms as --since); files whose S3 names start the interval later are not read' -r
complete -c elbship -n "__fish_elbship_needs_command" -l progress -d 'Progress on stderr: `auto` = a bar when stderr is a terminal and CI is not set; `always` = also on a pipe, as a plain line every 5 s' -r -f -a "auto\t'A bar when stderr is a terminal and CI is not set'
always\t'Also on a pipe or in CI (a plain line every 5 s)'
never\t'Never'"
complete -c elbship -n "__fish_elbship_needs_command" -l profile -d 'Profile from the shared AWS config and credentials files [default: AWS_PROFILE, or default]' -r
complete -c elbship -n "__fish_elbship_needs_command" -l region -d 'Region of the bucket [default: AWS_REGION, the profile\'s region, or us-east-1]' -r
complete -c elbship -n "__fish_elbship_needs_command" -l endpoint-url -d 'An S3-compatible store (MinIO, Ceph, a test server), addressed path-style [default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL]' -r
complete -c elbship -n "__fish_elbship_needs_command" -l request-payer -d '`requester`: agree to pay for requests to a requester-pays bucket' -r -f -a "requester\t''"
complete -c elbship -n "__fish_elbship_needs_command" -l s3-concurrency -d 'Objects downloaded at once: the one being read and those after it [default: 16]' -r
complete -c elbship -n "__fish_elbship_needs_command" -l s3-bucket -d '--files-from: read the keys of `aws s3 ls --recursive` lines from this bucket (instead of looking for them on disk)' -r
complete -c elbship -n "__fish_elbship_needs_command" -l schema -d 'Field names: `ecs` (Filebeat / Elastic Agent) or `legacy` (logstash ELB_ACCESS_LOG)' -r -f -a "ecs\t'Filebeat aws module / Elastic Agent names: source.ip, http.*, url.*, aws.elb.*'
legacy\t'logstash-patterns-core ELB_ACCESS_LOG names (clientip, verb, response), AWS names for the rest'"
complete -c elbship -n "__fish_elbship_needs_command" -l add-field -d 'Add a field to every event; dotted keys nest (labels.env=prod); repeatable' -r
complete -c elbship -n "__fish_elbship_needs_command" -l tag -d 'Add a tag to every event\'s `tags`; repeatable' -r
complete -c elbship -n "__fish_elbship_needs_command" -l source -d 'Name stdin for `log.file.path` and S3 metadata (e.g. the S3 key it was copied from)' -r
complete -c elbship -n "__fish_elbship_needs_command" -s j -l threads -d 'Parser threads [default: the number of cores]' -r
complete -c elbship -n "__fish_elbship_needs_command" -l max-line-bytes -d 'Longer lines become failure events holding their first BYTES bytes (K, M, G suffixes)' -r
complete -c elbship -n "__fish_elbship_needs_command" -l stats -d 'Print a summary on stderr at the end: `text` or `json` [default when stderr is a terminal: text]' -r -f -a "text\t'One line for people'
json\t'One JSON object for machines'"
complete -c elbship -n "__fish_elbship_needs_command" -l checkpoint -d 'Record each input file in FILE once all its events are written, and skip the files already recorded there (unchanged) on the next run: a resumable backfill' -r -F
complete -c elbship -n "__fish_elbship_needs_command" -s o -l output -d '`-` (stdout, NDJSON), `http(s)://HOST:PORT[/PATH]` (Logstash http input), or `es+http(s)://HOST:PORT` / `opensearch+http(s)://HOST:PORT` (_bulk)' -r
complete -c elbship -n "__fish_elbship_needs_command" -l index -d '_bulk: index name, with date math from each event\'s @timestamp (UTC), or a data stream [default: elb-logs-%{+yyyy.MM.dd}]' -r
complete -c elbship -n "__fish_elbship_needs_command" -l id -d '_bulk document ids: `line-hash` (128-bit hash of the raw line: re-sending never duplicates) or `none` (Elasticsearch picks; fastest) [default: line-hash]' -r -f -a "line-hash\t''
none\t''"
complete -c elbship -n "__fish_elbship_needs_command" -l pipeline -d '_bulk: run every document through this ingest pipeline (`_bulk?pipeline=NAME`), e.g. one with geoip and user_agent processors' -r
complete -c elbship -n "__fish_elbship_needs_command" -l http-format -d 'Logstash: `json` (a JSON array, for a stock `http` input) or `ndjson` (for a `json_lines` codec) [default: json]' -r -f -a "json\t''
ndjson\t''"
complete -c elbship -n "__fish_elbship_needs_command" -l batch-bytes -d 'Send a batch once it holds this many bytes (K, M, G suffixes)' -r
complete -c elbship -n "__fish_elbship_needs_command" -l batch-events -d 'Send a batch once it holds this many events' -r
complete -c elbship -n "__fish_elbship_needs_command" -l linger -d 'Send a batch that has waited this long for more events' -r
complete -c elbship -n "__fish_elbship_needs_command" -l max-in-flight -d 'Requests at once, each on its own keep-alive connection' -r
complete -c elbship -n "__fish_elbship_needs_command" -l timeout -d 'Give up on a request after this long (connecting included) and retry it' -r
complete -c elbship -n "__fish_elbship_needs_command" -l retry-initial-delay -d 'First wait before a retry; it doubles each time, with full jitter' -r
complete -c elbship -n "__fish_elbship_needs_command" -l retry-max-delay -d 'Longest wait between retries; a Retry-After from the sink is honoured up to this' -r
complete -c elbship -n "__fish_elbship_needs_command" -l retry-max-time -d 'Give a batch up after retrying it this long; 0 retries forever (backfills)' -r
complete -c elbship -n "__fish_elbship_needs_command" -l dead-letter -d 'Append every event that could not be delivered to FILE (NDJSON: reason, status, event)' -r -F
complete -c elbship -n "__fish_elbship_needs_command" -l header -d 'Add a header to every request; repeatable' -r
complete -c elbship -n "__fish_elbship_needs_command" -l api-key-file -d 'Read an API key (`Authorization: ApiKey`) from the first line of FILE (instead of the ELBSHIP_API_KEY variable)' -r -F
complete -c elbship -n "__fish_elbship_needs_command" -l password-file -d 'Read the basic-auth password from the first line of FILE (instead of the ELBSHIP_PASSWORD variable; the user is ELBSHIP_USER)' -r -F
complete -c elbship -n "__fish_elbship_needs_command" -l ca-cert -d 'Trust the CA certificates in this PEM file (instead of the built-in Mozilla roots)' -r -F
complete -c elbship -n "__fish_elbship_needs_command" -l drain-timeout -d 'After Ctrl-C or SIGTERM, wait this long for requests in flight (a second signal aborts)' -r
complete -c elbship -n "__fish_elbship_needs_command" -s L -l follow -d 'Walk links to directories found inside directories (a link loop is reported and not walked again); without it they are skipped, as ripgrep and fd do'
complete -c elbship -n "__fish_elbship_needs_command" -s q -l quiet -d 'No progress, no remarks and no end summary (unless --stats asks for it); errors still go to stderr'
complete -c elbship -n "__fish_elbship_needs_command" -l no-sign-request -d 'Send requests unsigned and look for no credentials (public buckets)'
complete -c elbship -n "__fish_elbship_needs_command" -l no-message -d 'Leave the raw line out of parsed events (failure events always keep it)'
complete -c elbship -n "__fish_elbship_needs_command" -l strict -d 'Exit with 3 if any line did not parse'
complete -c elbship -n "__fish_elbship_needs_command" -l insecure -d 'Do not verify the server\'s TLS certificate (test setups only)'
complete -c elbship -n "__fish_elbship_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c elbship -n "__fish_elbship_needs_command" -s V -l version -d 'Print version'
complete -c elbship -n "__fish_elbship_needs_command" -a "summary" -d 'Report requests (status mix, error reasons, bytes, latency percentiles) and connections (TLS mix, handshake failures and times) instead of events; with --fail-if, a gate for CI (exit 4)'
complete -c elbship -n "__fish_elbship_needs_command" -a "template" -d 'Print the Elasticsearch / OpenSearch index template for the events (PUT it to _index_template/NAME before the first event arrives)'
complete -c elbship -n "__fish_elbship_needs_command" -a "lambda" -d 'Run as an AWS Lambda function (custom runtime): ship each S3 log object that an S3, SNS, SQS or EventBridge event names; flags may come from ELBSHIP_* variables'
complete -c elbship -n "__fish_elbship_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l files-from -d 'Also read the files (or directories) listed in FILE, one per line; `-` reads the list from stdin' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l shard -d 'Take only shard I of N (0 <= I < N) of the input files, by a hash of each file\'s name, to split a backfill over N machines or jobs with no coordination' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l since -d 'Keep only lines at or after TIME: RFC 3339 (2025-06-01T00:00:00Z), a date, or an age (90m, 2h, 7d, 1w); files whose S3 names end the interval earlier are not read' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l until -d 'Keep only lines before TIME (same forms as --since); files whose S3 names start the interval later are not read' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l progress -d 'Progress on stderr: `auto` = a bar when stderr is a terminal and CI is not set; `always` = also on a pipe, as a plain line every 5 s' -r -f -a "auto\t'A bar when stderr is a terminal and CI is not set'
always\t'Also on a pipe or in CI (a plain line every 5 s)'
never\t'Never'"
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l profile -d 'Profile from the shared AWS config and credentials files [default: AWS_PROFILE, or default]' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l region -d 'Region of the bucket [default: AWS_REGION, the profile\'s region, or us-east-1]' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l endpoint-url -d 'An S3-compatible store (MinIO, Ceph, a test server), addressed path-style [default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL]' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l request-payer -d '`requester`: agree to pay for requests to a requester-pays bucket' -r -f -a "requester\t''"
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l s3-concurrency -d 'Objects downloaded at once: the one being read and those after it [default: 16]' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l s3-bucket -d '--files-from: read the keys of `aws s3 ls --recursive` lines from this bucket (instead of looking for them on disk)' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l format -d 'Report format: an aligned table, JSON, Markdown (CI job summaries), JUnit XML (CI test reports: a test case per --fail-if) or HTML (one self-contained page with charts)' -r -f -a "table\t'Aligned columns'
json\t'One JSON object'
markdown\t'Markdown tables'
junit\t'JUnit XML, a test case per --fail-if (for CI test reports)'
html\t'One self-contained HTML page: the verdict, headline numbers and charts (CI artifacts)'"
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l by -d 'Also break requests down by this key (top N by requests)' -r -f -a "path\t'The request URL path'
elb\t'The load balancer'
target-group\t'The ALB target group'
status\t'The load balancer\'s status code'
listener\t'The listener (NLB listener id, ALB connection-log port): connections only'
target\t'The target\'s ip:port (requests and connections)'
client\t'The client\'s IP address (requests and connections)'"
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l top -d 'How many groups and error reasons to list' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l fail-if -d 'Exit 4 if METRIC OP VALUE holds, e.g. \'p99 > 500ms\' or \'5xx_rate > 1%\'; repeatable' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -s j -l threads -d 'Parser threads [default: the number of cores]' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l max-line-bytes -d 'Longer lines count as parse failures (K, M, G suffixes)' -r
complete -c elbship -n "__fish_elbship_using_subcommand summary" -s L -l follow -d 'Walk links to directories found inside directories (a link loop is reported and not walked again); without it they are skipped, as ripgrep and fd do'
complete -c elbship -n "__fish_elbship_using_subcommand summary" -s q -l quiet -d 'No progress, no remarks and no end summary (unless --stats asks for it); errors still go to stderr'
complete -c elbship -n "__fish_elbship_using_subcommand summary" -l no-sign-request -d 'Send requests unsigned and look for no credentials (public buckets)'
complete -c elbship -n "__fish_elbship_using_subcommand summary" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c elbship -n "__fish_elbship_using_subcommand template" -l schema -d 'Field names of the events the template is for' -r -f -a "ecs\t'Filebeat aws module / Elastic Agent names: source.ip, http.*, url.*, aws.elb.*'
legacy\t'logstash-patterns-core ELB_ACCESS_LOG names (clientip, verb, response), AWS names for the rest'"
complete -c elbship -n "__fish_elbship_using_subcommand template" -l index-pattern -d 'Indices (or data streams) the template applies to' -r
complete -c elbship -n "__fish_elbship_using_subcommand template" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l schema -d 'Field names: `ecs` (Filebeat / Elastic Agent) or `legacy` (logstash ELB_ACCESS_LOG)' -r -f -a "ecs\t'Filebeat aws module / Elastic Agent names: source.ip, http.*, url.*, aws.elb.*'
legacy\t'logstash-patterns-core ELB_ACCESS_LOG names (clientip, verb, response), AWS names for the rest'"
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l add-field -d 'Add a field to every event; dotted keys nest (labels.env=prod); repeatable' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l tag -d 'Add a tag to every event\'s `tags`; repeatable' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -s j -l threads -d 'Parser threads [default: the number of cores]' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l max-line-bytes -d 'Longer lines become failure events holding their first BYTES bytes (K, M, G suffixes)' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l deadline-margin -d 'Stop reading this long before the invocation\'s deadline; half of it is for the requests in flight, the rest for the dead-letter object and the answer' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l time-limit -d 'Stop reading after this long in any invocation, whatever its deadline' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l region -d 'S3\'s region [default: the function\'s]' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l endpoint-url -d 'An S3-compatible endpoint instead of AWS\'s (path-style requests)' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l s3-concurrency -d 'Objects fetched at once [default: 16]' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -s o -l output -d '`-` (stdout, NDJSON), `http(s)://HOST:PORT[/PATH]` (Logstash http input), or `es+http(s)://HOST:PORT` / `opensearch+http(s)://HOST:PORT` (_bulk)' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l index -d '_bulk: index name, with date math from each event\'s @timestamp (UTC), or a data stream [default: elb-logs-%{+yyyy.MM.dd}]' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l id -d '_bulk document ids: `line-hash` (128-bit hash of the raw line: re-sending never duplicates) or `none` (Elasticsearch picks; fastest) [default: line-hash]' -r -f -a "line-hash\t''
none\t''"
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l pipeline -d '_bulk: run every document through this ingest pipeline (`_bulk?pipeline=NAME`), e.g. one with geoip and user_agent processors' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l http-format -d 'Logstash: `json` (a JSON array, for a stock `http` input) or `ndjson` (for a `json_lines` codec) [default: json]' -r -f -a "json\t''
ndjson\t''"
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l batch-bytes -d 'Send a batch once it holds this many bytes (K, M, G suffixes)' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l batch-events -d 'Send a batch once it holds this many events' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l linger -d 'Send a batch that has waited this long for more events' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l max-in-flight -d 'Requests at once, each on its own keep-alive connection' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l timeout -d 'Give up on a request after this long (connecting included) and retry it' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l retry-initial-delay -d 'First wait before a retry; it doubles each time, with full jitter' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l retry-max-delay -d 'Longest wait between retries; a Retry-After from the sink is honoured up to this' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l retry-max-time -d 'Give a batch up after retrying it this long; 0 retries forever (backfills)' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l dead-letter -d 'Append every event that could not be delivered to FILE (NDJSON: reason, status, event)' -r -F
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l header -d 'Add a header to every request; repeatable' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l api-key-file -d 'Read an API key (`Authorization: ApiKey`) from the first line of FILE (instead of the ELBSHIP_API_KEY variable)' -r -F
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l password-file -d 'Read the basic-auth password from the first line of FILE (instead of the ELBSHIP_PASSWORD variable; the user is ELBSHIP_USER)' -r -F
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l ca-cert -d 'Trust the CA certificates in this PEM file (instead of the built-in Mozilla roots)' -r -F
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l drain-timeout -d 'After Ctrl-C or SIGTERM, wait this long for requests in flight (a second signal aborts)' -r
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l no-message -d 'Leave the raw line out of parsed events (failure events always keep it)'
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -l insecure -d 'Do not verify the server\'s TLS certificate (test setups only)'
complete -c elbship -n "__fish_elbship_using_subcommand lambda" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c elbship -n "__fish_elbship_using_subcommand help; and not __fish_seen_subcommand_from summary template lambda help" -f -a "summary" -d 'Report requests (status mix, error reasons, bytes, latency percentiles) and connections (TLS mix, handshake failures and times) instead of events; with --fail-if, a gate for CI (exit 4)'
complete -c elbship -n "__fish_elbship_using_subcommand help; and not __fish_seen_subcommand_from summary template lambda help" -f -a "template" -d 'Print the Elasticsearch / OpenSearch index template for the events (PUT it to _index_template/NAME before the first event arrives)'
complete -c elbship -n "__fish_elbship_using_subcommand help; and not __fish_seen_subcommand_from summary template lambda help" -f -a "lambda" -d 'Run as an AWS Lambda function (custom runtime): ship each S3 log object that an S3, SNS, SQS or EventBridge event names; flags may come from ELBSHIP_* variables'
complete -c elbship -n "__fish_elbship_using_subcommand help; and not __fish_seen_subcommand_from summary template lambda help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
