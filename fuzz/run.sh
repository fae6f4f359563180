#!/usr/bin/env bash
# fuzz/run.sh [SECONDS]: build every target (stable toolchain via RUSTC_BOOTSTRAP, no
# sanitizer, overflow checks on), seed the corpora, run each target for SECONDS (default 120),
# two at a time, and print executions and crashes per target. Crash inputs land in
# fuzz/artifacts/<target>/; copy each into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
SECS="${1:-120}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none -O -a
./seed.sh >/dev/null
mkdir -p logs
targets=(tokenizer parse_alb parse_classic parse_nlb parse_conn detect json_encoder gzip_reader s3_key bulk_response batcher)
run_one() {
  local t="$1"
  cargo fuzz run -s none -O -a "$t" -- -max_total_time="$SECS" -print_final_stats=1 \
    > "logs/$t.log" 2>&1 || true
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run_one "${targets[i]}" &
  if [ $((i + 1)) -lt ${#targets[@]} ]; then run_one "${targets[i + 1]}" & fi
  wait
done
printf '| target | executions | seconds | crashes |\n|---|---:|---:|---:|\n'
for t in "${targets[@]}"; do
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo "?")
  crashes=$(ls "artifacts/$t" 2>/dev/null | grep -c . || true)
  printf '| %s | %s | %s | %s |\n' "$t" "$runs" "$SECS" "$crashes"
done
