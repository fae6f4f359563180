#!/usr/bin/env bash
# benches/throughput.sh: elbship side by side with the floors (cat, wc -l, gzip -dc) on the
# same data, in one run. Prints median seconds, MB/s of log text, lines/s and the ratio of each
# row to its floor, as a Markdown table (also written to benches/results/throughput.md).
#
# Rows are timed in rounds (every row once per round, RUNS rounds, after one warm-up round), so
# a machine whose speed drifts slows every row alike instead of whichever ran last.
#
# Data: the 1M-line ALB file, its gzip, and the 50-file S3-style set from the shared generator
# (../shared/bench/gen.py --all), built once into benches/data/ (or DATA=dir to reuse one).
#
#   benches/throughput.sh                      # RUNS=3 rounds
#   RUNS=5 DATA=/tmp/benchdata benches/throughput.sh
#   BASELINE=/tmp/elbship-before benches/throughput.sh   # adds rows for another build
#
# Needs: gzip, python3, cargo.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DATA="${DATA:-$HERE/data}"
RUNS="${RUNS:-3}"
OUT="$HERE/results"
GEN="${GEN:-$ROOT/../shared/bench/gen.py}"
mkdir -p "$OUT"

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
NAMES=() FLOORS=() SIZES=() COUNTS=() CMDS=()
# row NAME FLOOR_NAME BYTES LINES CMD
row() {
  NAMES+=("$1") FLOORS+=("$2") SIZES+=("$3") COUNTS+=("$4") CMDS+=("$5")
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
if [ -n "${BASELINE:-}" ]; then
  row "baseline raw file"              "cat (floor)"    "$BYTES" "$LINES" "$BASELINE $ALB"
  row "baseline gzip stdin"            "gzip -dc (floor)" "$BYTES" "$LINES" "$BASELINE < $ALBGZ"
  row "baseline 50 gzip files"         "2x gzip -dc, 50 files (floor)" "$MANY_BYTES" "$MANY_LINES" "$BASELINE $MANYQ"
fi

for round in $(seq 0 "$RUNS"); do
  if [ "$round" -eq 0 ]; then echo ">> warm-up round" >&2; else echo ">> round $round of $RUNS" >&2; fi
  for i in "${!NAMES[@]}"; do
    start=$(date +%s%N)
    bash -c "${CMDS[$i]} >/dev/null"
    end=$(date +%s%N)
    if [ "$round" -gt 0 ]; then
      printf '%s\t%s\t%s\t%s\t%s\n' "${NAMES[$i]}" "${FLOORS[$i]}" \
        "$(( (end - start) / 1000 ))" "${SIZES[$i]}" "${COUNTS[$i]}" >> "$TSV"
    fi
  done
done

python3 - "$TSV" <<'PY' | tee "$OUT/throughput.md"
import statistics, sys
rows, times = {}, {}
for line in open(sys.argv[1]):
    name, floor, micros, b, n = line.rstrip("\n").split("\t")
    rows.setdefault(name, (floor, int(b), int(n)))
    times.setdefault(name, []).append(int(micros) / 1e6)
med = {name: statistics.median(t) for name, t in times.items()}
print("| run | median s | MB/s (log text) | lines/s | x floor (time / floor time) |")
print("|---|---:|---:|---:|---|")
for name, (floor, b, n) in rows.items():
    m = med[name]
    ratio = f"{m / med[floor]:.1f}x {floor.replace(' (floor)', '')}" if floor else ""
    print(f"| {name} | {m:.3f} | {b / 1e6 / m:.0f} | {n / m:,.0f} | {ratio} |")
PY
