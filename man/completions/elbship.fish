complete -c elbship -l schema -d 'Field names: `ecs` (Filebeat / Elastic Agent) or `legacy` (logstash ELB_ACCESS_LOG)' -r -f -a "ecs\t'Filebeat aws module / Elastic Agent names: source.ip, http.*, url.*, aws.elb.*'
legacy\t'logstash-patterns-core ELB_ACCESS_LOG names (clientip, verb, response), AWS names for the rest'"
complete -c elbship -l add-field -d 'Add a field to every event; dotted keys nest (labels.env=prod); repeatable' -r
complete -c elbship -l tag -d 'Add a tag to every event\'s `tags`; repeatable' -r
complete -c elbship -l source -d 'Name stdin for `log.file.path` and S3 metadata (e.g. the S3 key it was copied from)' -r
complete -c elbship -s j -l threads -d 'Parser threads [default: the number of cores]' -r
complete -c elbship -l max-line-bytes -d 'Longer lines become failure events holding their first BYTES bytes (K, M suffixes)' -r
complete -c elbship -l stats -d 'Print a summary on stderr at the end: `text` or `json` [default when stderr is a terminal: text]' -r -f -a "text\t'One line for people'
json\t'One JSON object for machines'"
complete -c elbship -l block-size -d 'Bytes per parse block (tuning and tests)' -r
complete -c elbship -l no-message -d 'Leave the raw line out of parsed events (failure events always keep it)'
complete -c elbship -l strict -d 'Exit with 3 if any line did not parse'
complete -c elbship -s h -l help -d 'Print help (see more with \'--help\')'
complete -c elbship -s V -l version -d 'Print version'
