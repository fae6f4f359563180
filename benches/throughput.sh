#!/usr/bin/env bash
# benches/throughput.sh: elbship side by side with the floors (cat, wc -l, gzip -dc) on the
# same data, in one run. Prints median seconds, MB/s of log text, lines/s and the ratio of each
# row to its floor, as a Markdown table (also written to benches/results/throughput.md).
#
# Data: the 1M-line ALB file, its gzip, and the 50-file S3-style set from the shared generator
# (../shared/bench/gen.py --all), built once into benches/data/ (or DATA=dir to reuse one).
#
#   benches/throughput.sh            # RUNS=3 timed runs per row (hyperfine median)
#   RUNS=5 DATA=/tmp/benchdata benches/throughput.sh
#
# Needs: hyperfine, gzip, python3 (apt-get install hyperfine), cargo.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DATA="${DATA:-$HERE/data}"
RUNS="${RUNS:-3}"
OUT="$HERE/results"
GEN="${GEN:-$ROOT/../shared/bench/gen.py}"
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
if [ ! -f "$DATA/alb-1m.log" ] || [ ! -f "$DATA/alb-1m.log.gz" ] || [ ! -d "$DATA/many" ]; then
  echo ">> generating data in $DATA (takes ~3 min)" >&2
  python3 "$GEN" --all --only alb,many --data "$DATA" >&2
fi
(cd "$ROOT" && cargo build --release -q)
BIN="$ROOT/target/release/elbship"
ALB="$DATA/alb-1m.log"
ALBGZ="$DATA/alb-1m.log.gz"
MANY=("$DATA"/many/*.log.gz)
BYTES=$(stat -c %s "$ALB")
LINES=$(wc -l < "$ALB")
MANY_BYTES=$(cat "${MANY[@]}" | gzip -dc | wc -c)
MANY_LINES=$(cat "${MANY[@]}" | gzip -dc | wc -l)
MANYQ=$(printf '%q ' "${MANY[@]}")

TSV="$OUT/throughput.tsv"
: > "$TSV"
# row NAME FLOOR_NAME BYTES LINES CMD
row() {
  local name="$1" floor="$2" bytes="$3" lines="$4" cmd="$5"
  local json="$OUT/hf-$(echo "$name" | tr -c 'A-Za-z0-9' '_').json"
  echo ">> $name" >&2
  hyperfine --shell=bash --warmup 1 --runs "$RUNS" --style none --export-json "$json" \
    "$cmd >/dev/null" >/dev/null
  local med
  med=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$floor" "$med" "$bytes" "$lines" >> "$TSV"
}

row "cat (floor)"                      ""               "$BYTES" "$LINES" "cat $ALB"
row "wc -l (floor)"                    ""               "$BYTES" "$LINES" "wc -l $ALB"
row "gzip -dc (floor)"                 ""               "$BYTES" "$LINES" "gzip -dc $ALBGZ"
row "2x gzip -dc, 50 files (floor)"    ""               "$MANY_BYTES" "$MANY_LINES" "printf '%s\n' $MANYQ | xargs -P2 -n25 gzip -dc"
row "elbship raw file"                 "cat (floor)"    "$BYTES" "$LINES" "$BIN $ALB"
row "elbship raw file -j1"             "cat (floor)"    "$BYTES" "$LINES" "$BIN -j1 $ALB"
row "elbship raw file --schema legacy" "cat (floor)"    "$BYTES" "$LINES" "$BIN --schema legacy $ALB"
row "elbship raw file --no-message"    "cat (floor)"    "$BYTES" "$LINES" "$BIN --no-message $ALB"
row "elbship gzip stdin"               "gzip -dc (floor)" "$BYTES" "$LINES" "$BIN < $ALBGZ"
row "elbship gzip stdin -j1"           "gzip -dc (floor)" "$BYTES" "$LINES" "$BIN -j1 < $ALBGZ"
row "elbship 50 gzip files"            "2x gzip -dc, 50 files (floor)" "$MANY_BYTES" "$MANY_LINES" "$BIN $MANYQ"

python3 - "$TSV" <<'PY' | tee "$OUT/throughput.md"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
med = {r[0]: float(r[2]) for r in rows}
print("| run | median s | MB/s (log text) | lines/s | x floor (time / floor time) |")
print("|---|---:|---:|---:|---|")
for name, floor, m, b, n in rows:
    m, b, n = float(m), int(b), int(n)
    ratio = f"{m / med[floor]:.1f}x {floor.replace(' (floor)', '')}" if floor else ""
    print(f"| {name} | {m:.3f} | {b / 1e6 / m:.0f} | {n / m:,.0f} | {ratio} |")
PY
