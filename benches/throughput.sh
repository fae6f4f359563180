#!/usr/bin/env bash
# benches/throughput.sh: elbship side by side with the floors (cat, wc -l, zlib-rs inflate alone,
# gzip -dc) and, when a build is at hand, Vector's VRL parser, on the same data, in one run.
# Prints median seconds, MB/s of log text, lines/s and the ratio of each row to its floor, as a
# Markdown table (also written to benches/results/throughput.md).
#
# Rows are timed in rounds (every row once per round, RUNS rounds, after one warm-up round), so
# a machine whose speed drifts slows every row alike instead of whichever ran last.
#
# Data: the 1M-line ALB file, its gzip, and the 50-file S3-style set, made by the project's own
# seeded generator (benches/gen.rs, `cargo run --release --example gen -- --all`) into
# benches/data/ once (or DATA=dir to reuse one): a clean clone reproduces the README's table.
#
#   benches/throughput.sh                      # RUNS=3 rounds
#   RUNS=5 DATA=/tmp/benchdata benches/throughput.sh
#   BASELINE=/tmp/elbship-before benches/throughput.sh   # adds rows for another build
#   VRL=path/to/vrl-alb benches/throughput.sh  # adds Vector VRL rows (../shared/bench/peers/vrl-alb)
#   (with igzip on PATH, Debian package isal: rows for ISA-L inflate, alone and piped into elbship)
#
# Needs: gzip, python3, cargo.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DATA="${DATA:-$HERE/data}"
RUNS="${RUNS:-3}"
OUT="$HERE/results"
VRL="${VRL:-$ROOT/../shared/bench/peers/vrl-alb/target/release/vrl-alb}"
mkdir -p "$OUT"

(cd "$ROOT" && cargo build --release -q --bin elbship --example gen --example inflate)
BIN="$ROOT/target/release/elbship"
INFLATE="$ROOT/target/release/examples/inflate"
if [ ! -f "$DATA/alb-1m.log" ] || [ ! -f "$DATA/alb-1m.log.gz" ] || [ ! -d "$DATA/many" ]; then
  echo ">> generating data in $DATA (about a minute)" >&2
  "$ROOT/target/release/examples/gen" --all --only alb,many --data "$DATA"
fi
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
row "zlib-rs inflate (floor)"          ""               "$BYTES" "$LINES" "$INFLATE $ALBGZ"
row "2x zlib-rs inflate, 50 files (floor)" ""           "$MANY_BYTES" "$MANY_LINES" "$INFLATE -P 2 $MANYQ"
row "gzip -dc"                         "zlib-rs inflate (floor)" "$BYTES" "$LINES" "gzip -dc $ALBGZ"
row "elbship raw file"                 "cat (floor)"    "$BYTES" "$LINES" "$BIN $ALB"
row "elbship raw file -j1"             "cat (floor)"    "$BYTES" "$LINES" "$BIN -j1 $ALB"
row "elbship raw file --schema legacy" "cat (floor)"    "$BYTES" "$LINES" "$BIN --schema legacy $ALB"
row "elbship raw file --no-message"    "cat (floor)"    "$BYTES" "$LINES" "$BIN --no-message $ALB"
row "elbship gzip stdin"               "zlib-rs inflate (floor)" "$BYTES" "$LINES" "$BIN < $ALBGZ"
row "elbship gzip stdin -j1"           "zlib-rs inflate (floor)" "$BYTES" "$LINES" "$BIN -j1 < $ALBGZ"
row "elbship 50 gzip files"            "2x zlib-rs inflate, 50 files (floor)" "$MANY_BYTES" "$MANY_LINES" "$BIN $MANYQ"
# what a faster streaming inflater would give: ISA-L's igzip (Debian package isal), in a pipe
if command -v igzip >/dev/null 2>&1; then
  row "igzip -dc (ISA-L)"              "zlib-rs inflate (floor)" "$BYTES" "$LINES" "igzip -dc < $ALBGZ"
  row "igzip -dc piped into elbship" "zlib-rs inflate (floor)" "$BYTES" "$LINES" "igzip -dc < $ALBGZ | $BIN"
fi
if [ -x "$VRL" ]; then
  row "Vector VRL parse_aws_alb_log (peer)" "cat (floor)" "$BYTES" "$LINES" "$VRL $ALB"
fi
if [ -n "${BASELINE:-}" ]; then
  row "baseline raw file"              "cat (floor)"    "$BYTES" "$LINES" "$BASELINE $ALB"
  row "baseline gzip stdin"            "zlib-rs inflate (floor)" "$BYTES" "$LINES" "$BASELINE < $ALBGZ"
  row "baseline 50 gzip files"         "2x zlib-rs inflate, 50 files (floor)" "$MANY_BYTES" "$MANY_LINES" "$BASELINE $MANYQ"
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
# the same-run ratios #17 sets targets for (speed = 1 / time)
print()
for row, floor, what in [
    ("elbship gzip stdin", "zlib-rs inflate (floor)", "the speed of zlib-rs inflate alone"),
    ("igzip -dc piped into elbship", "zlib-rs inflate (floor)", "the speed of zlib-rs inflate alone"),
    ("elbship 50 gzip files", "2x zlib-rs inflate, 50 files (floor)", "the speed of two parallel inflaters"),
    ("elbship raw file", "Vector VRL parse_aws_alb_log (peer)", "the speed of Vector's VRL parser"),
    ("elbship raw file -j1", "Vector VRL parse_aws_alb_log (peer)", "the speed of Vector's VRL parser"),
]:
    if row in med and floor in med:
        print(f"- {row}: {med[floor] / med[row]:.2f}x {what}")
PY
