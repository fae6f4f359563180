#!/usr/bin/env bash
# benches/limits.sh: elbship under tight limits, with the release build.
#  1. 2 GB of ALB lines through stdin with `ulimit -v 131072` (128 MB of address space);
#  2. 10,000 small files with `ulimit -n 16` (a handful of descriptors).
# Prints what each did and exits non-zero if either failed. (tests/faults.rs has quick twins.)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
(cd "$ROOT" && cargo build --release -q)
BIN="$ROOT/target/release/elbship"
LINE="$(head -1 "$ROOT/fixtures/alb.log")"

echo ">> 2 GB on stdin with ulimit -v 131072" >&2
start=$(date +%s.%N)
lines=$(bash -c "ulimit -v 131072; yes '$LINE' | head -c 2000000000 | '$BIN' | wc -l; exit \${PIPESTATUS[2]}")
echo "ok: $lines events, $(echo "$(date +%s.%N) - $start" | bc) s" >&2

echo ">> 10,000 files with ulimit -n 16" >&2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in $(seq 1 10000); do echo "$LINE" > "$dir/f$i.log"; done
n=$(bash -c "ulimit -n 16; find '$dir' -name '*.log' -print0 | xargs -0 '$BIN' | wc -l")
[ "$n" = 10000 ] || { echo "FAIL: $n events of 10000" >&2; exit 1; }
echo "ok: $n events" >&2
