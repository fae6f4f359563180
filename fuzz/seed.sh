#!/usr/bin/env bash
# fuzz/seed.sh: seed every target's corpus from the real lines in fixtures/ (one file per line),
# plus gzip files for the reader. Corpora live in fuzz/corpus/ (not committed).
set -euo pipefail
cd "$(dirname "$0")"
for target in tokenizer parse_alb parse_classic parse_nlb parse_conn detect json_encoder s3_key gzip_reader; do
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
echo "seeded $n lines"
