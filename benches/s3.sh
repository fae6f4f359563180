#!/usr/bin/env bash
# benches/s3.sh: reading s3:// beside reading the same bytes from disk, in one run, against
# moto's S3 server on 127.0.0.1 (pip install 'moto[server]'). Three data sets, each on disk and
# in the bucket: the 50-file gzip set, the 1M-line ALB file as gzip, and 5,000 small gzip objects
# (20 lines each, the shape of a quiet load balancer's 5-minute files). Prints median seconds,
# objects/s, peak RSS (GNU time's %M) and the s3/disk time ratio as a Markdown table (also
# written to benches/results/s3.md).
#
# moto is a Python server: what it costs to serve a byte is part of every s3:// row, so the
# ratios are an upper bound on what elbship adds over a real S3 endpoint.
#
#   benches/s3.sh                     # RUNS=3 rounds after a warm-up round
#   RUNS=5 DATA=/tmp/benchdata benches/s3.sh
#
# Needs: python3 with moto[server] (and the boto3 it brings), GNU time, gzip, cargo.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DATA="${DATA:-$HERE/data}"
RUNS="${RUNS:-3}"
OUT="$HERE/results"
SMALL_OBJECTS="${SMALL_OBJECTS:-5000}"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
python3 -c 'import moto, boto3' 2>/dev/null || { echo "needs pip install 'moto[server]'" >&2; exit 1; }
mkdir -p "$OUT"

if [ ! -f "$DATA/alb-1m.log" ] || [ ! -f "$DATA/alb-1m.log.gz" ] || [ ! -d "$DATA/many" ]; then
  echo ">> generating data in $DATA (about a minute)" >&2
  (cd "$ROOT" && cargo run --release -q --example gen -- --all --only alb,many --data "$DATA")
fi
SMALL="$DATA/small-$SMALL_OBJECTS"
if [ ! -d "$SMALL" ]; then
  echo ">> writing $SMALL_OBJECTS small objects to $SMALL" >&2
  mkdir -p "$SMALL.tmp"
  head -n $((SMALL_OBJECTS * 20)) "$DATA/alb-1m.log" | split -l 20 -a 5 -d - "$SMALL.tmp/part-"
  for f in "$SMALL.tmp"/part-*; do gzip -6 -n "$f" && mv "$f.gz" "$f.log.gz"; done
  mv "$SMALL.tmp" "$SMALL"
fi
(cd "$ROOT" && cargo build --release -q)
BIN="$ROOT/target/release/elbship"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null || true' EXIT
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1

echo ">> uploading to moto at $ENDPOINT" >&2
python3 - "$ENDPOINT" "$DATA" "$SMALL" <<'PY'
import concurrent.futures, glob, os, sys, time
import boto3
endpoint, data, small = sys.argv[1:]
for _ in range(100):
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="bench")
        break
    except Exception:
        time.sleep(0.1)
uploads = [(f"one/{os.path.basename(p)}", p) for p in [f"{data}/alb-1m.log.gz"]]
uploads += [(f"many/{os.path.basename(p)}", p) for p in sorted(glob.glob(f"{data}/many/*.log.gz"))]
uploads += [(f"small/{os.path.basename(p)}", p) for p in sorted(glob.glob(f"{small}/*.log.gz"))]
def put(item):
    key, path = item
    with open(path, "rb") as f:
        s3.put_object(Bucket="bench", Key=key, Body=f.read())
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(put, uploads))
print(f">> {len(uploads)} objects uploaded", file=sys.stderr)
PY

MANY=("$DATA"/many/*.log.gz)
MANYQ=$(printf '%q ' "${MANY[@]}")
S3="$BIN --endpoint-url $ENDPOINT"
NAMES=() OBJECTS=() CMDS=()
row() { NAMES+=("$1") OBJECTS+=("$2") CMDS+=("$3"); }
row "50 gzip files, disk"          50 "$BIN $MANYQ"
row "50 gzip files, s3://"         50 "$S3 s3://bench/many/"
row "1M-line gzip file, disk"      1  "$BIN $DATA/alb-1m.log.gz"
row "1M-line gzip file, s3://"     1  "$S3 s3://bench/one/alb-1m.log.gz"
row "$SMALL_OBJECTS small gzip files, disk"  "$SMALL_OBJECTS" "$BIN $SMALL"
row "$SMALL_OBJECTS small gzip files, s3://" "$SMALL_OBJECTS" "$S3 s3://bench/small/"

TSV="$OUT/s3.tsv"
: > "$TSV"
for round in $(seq 0 "$RUNS"); do
  if [ "$round" -eq 0 ]; then echo ">> warm-up round" >&2; else echo ">> round $round of $RUNS" >&2; fi
  for i in "${!NAMES[@]}"; do
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$OUT/s3.rss" bash -c "exec ${CMDS[$i]} >/dev/null 2>$OUT/s3.err" \
      || { echo "failed: ${CMDS[$i]}" >&2; cat "$OUT/s3.err" >&2; exit 1; }
    end=$(date +%s%N)
    if [ "$round" -gt 0 ]; then
      printf '%s\t%s\t%s\t%s\n' "${NAMES[$i]}" "${OBJECTS[$i]}" \
        "$(( (end - start) / 1000 ))" "$(tail -n 1 "$OUT/s3.rss")" >> "$TSV"
    fi
  done
done

python3 - "$TSV" <<'PY' | tee "$OUT/s3.md"
import statistics, sys
rows, times, rss = {}, {}, {}
for line in open(sys.argv[1]):
    name, objects, micros, kb = line.rstrip("\n").split("\t")
    rows.setdefault(name, int(objects))
    times.setdefault(name, []).append(int(micros) / 1e6)
    rss[name] = max(rss.get(name, 0), int(kb))
med = {name: statistics.median(t) for name, t in times.items()}
print("| run | median s | objects/s | peak RSS MB | s3:// time / disk time |")
print("|---|---:|---:|---:|---:|")
for name, objects in rows.items():
    m = med[name]
    disk = name.replace("s3://", "disk")
    ratio = f"{m / med[disk]:.2f}x" if name.endswith("s3://") else ""
    rate = objects / m
    rate = f"{rate:,.0f}" if rate >= 10 else f"{rate:.2f}"
    print(f"| {name} | {m:.3f} | {rate} | {rss[name] / 1024:.0f} | {ratio} |")
PY
