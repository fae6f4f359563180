#!/usr/bin/env bash
# fuzz/seed.sh: seed every target's corpus from the real lines in fixtures/ (one file per line),
# plus gzip files for the reader. Corpora live in fuzz/corpus/ (not committed).
set -euo pipefail
cd "$(dirname "$0")"
for target in tokenizer parse_alb parse_classic parse_nlb parse_conn detect json_encoder s3_key gzip_reader bulk_response batcher; do
  mkdir -p "corpus/$target"
done
n=0
for f in ../fixtures/*.log; do
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    for target in tokenizer parse_alb parse_classic parse_nlb parse_conn detect json_encoder; do
      printf '%s' "$line" > "corpus/$target/seed-$n"
    done
  done < "$f"
  gzip -c "$f" > "corpus/gzip_reader/$(basename "$f").gz"
  cp "$f" "corpus/gzip_reader/$(basename "$f")"
done
cat ../fixtures/alb.log | gzip > corpus/gzip_reader/a.gz && cat ../fixtures/nlb.log | gzip >> corpus/gzip_reader/a.gz
printf '%s' "123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz" > corpus/s3_key/alb
printf '%s' "conn_log_123456789012_elasticloadbalancing_eu-west-1_app.x.0123456789abcdef_20231004T1705Z_10.0.0.1_abcd1234.log.gz" > corpus/s3_key/conn
# _bulk responses (first byte: the number of documents sent) and NDJSON event blocks
printf '\003{"took":3,"errors":true,"items":[{"create":{"_index":"i","_id":"a","status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},{"create":{"status":429,"error":{"type":"es_rejected_execution_exception"}}}]}' > corpus/bulk_response/mixed
printf '\001{"errors":false,"items":[{"index":{"status":200}}]}' > corpus/bulk_response/index
printf '\003\040\007{"create":{"_index":"elb-2024.01.01"}}\n{"a":1}\n{"create":{}}\n{"b":2}\n{"c":3}' > corpus/batcher/pairs
printf '\002\001\001elb-logs-%%{+yyyy.MM.dd}' > corpus/batcher/index
echo "seeded $n lines"
