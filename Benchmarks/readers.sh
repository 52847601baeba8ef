#!/usr/bin/env bash
# Reader throughput and memory, side by side with peer tools, in one run.
#
#   Benchmarks/readers.sh              # 1,000,000 tickets (~376 MB CSV, ~845 MB JSON array, ~844 MB NDJSON)
#   ROWS=100000 Benchmarks/readers.sh
#   LARGE=1 Benchmarks/readers.sh      # also files ten times larger (cstar-io only: peak RSS must stay flat)
#   PEERS="duckdb jq" Benchmarks/readers.sh   # a subset of the peers
#
# The same tickets as CSV, as a wrapped JSON array ({"tickets": [...]}) and as NDJSON, each printed as NDJSON
# (to /dev/null) by `cstar-io read FILE` and by the peers: polars (scan → sink_ndjson), duckdb (COPY … TO
# (FORMAT json)), pysimdjson and orjson (parse, then orjson.dumps per record), jq -c and Miller. The peer
# programs are Benchmarks/peers/read_to_ndjson.py. Wall time (median of RUNS), throughput, peak RSS (GNU time),
# and for each format the ratio peer time ÷ cstar-io time (above 1: cstar-io is faster).
# Needs: apt-get install -y miller jq time; pip install polars duckdb pysimdjson orjson.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
LARGE_RUNS=${LARGE_RUNS:-1}
DATA=${DATA:-Benchmarks/data}
PEERS=${PEERS:-polars duckdb pysimdjson orjson jq mlr}
mkdir -p "$DATA"

for tool in mlr jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y miller jq time python3" >&2; exit 1; }
done
python3 -c 'import polars, duckdb, simdjson, orjson' 2>/dev/null || { echo "missing Python peers: pip install polars duckdb pysimdjson orjson" >&2; exit 1; }

swift build -c release --product cstar-io >/dev/null
BIN="$(swift build -c release --show-bin-path)/cstar-io"
PEER="python3 Benchmarks/peers/read_to_ndjson.py"

gen() {  # rows
  [ -f "$DATA/tickets-$1.csv" ] && [ -f "$DATA/tickets-$1.json" ] && [ -f "$DATA/tickets-$1.ndjson" ] \
    || python3 Benchmarks/generate_tickets.py "$1" "$DATA"
}

# measure NAME FILE CMD... → prints "NAME|FILE|MB|seconds|rss_kb" (median seconds over RUNS, max RSS)
measure() {
  local name=$1 file=$2; shift 2
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o /tmp/cstar-bench-time "$@" > /dev/null
    read -r t m < /tmp/cstar-bench-time
    times+=("$t"); (( m > rss )) && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  local mb
  mb=$(stat -c %s "$file" | awk '{printf "%.1f", $1/1048576}')
  echo "$name|$file|$mb|$median|$rss"
}

report() {  # lines from measure
  awk -F'|' '
    { name[NR]=$1; file[NR]=$2; mb[NR]=$3; sec[NR]=$4; rss[NR]=$5 }
    END {
      printf "%-34s %9s %9s %9s %12s\n", "tool", "input MB", "seconds", "MB/s", "peak RSS MB"
      for (i = 1; i <= NR; i++)
        printf "%-34s %9s %9.2f %9.1f %12.1f\n", name[i], mb[i], sec[i], (sec[i] > 0 ? mb[i]/sec[i] : 0), rss[i]/1024
    }'
}

# ratios: the first line is cstar-io; every other line's time ÷ its time, and the fastest peer's.
ratios() {  # label
  awk -F'|' -v label="$1" '
    NR == 1 { ours = $4; next }
    { printf "  %-10s %-28s %6.2fx\n", label, $1, $4 / ours; if (best == "" || $4 < best) { best = $4; who = $1 } }
    END { if (who != "") printf "  %-10s fastest peer (%s): cstar-io is %.2fx its speed (target >= 1.00x)\n", label, who, best / ours }'
}

has_peer() { [[ " $PEERS " == *" $1 "* ]]; }

gen "$ROWS"
CSV="$DATA/tickets-$ROWS.csv"; JSON="$DATA/tickets-$ROWS.json"; NDJSON="$DATA/tickets-$ROWS.ndjson"

# Same records out of each reader, and byte-identical NDJSON from cstar-io and jq for both JSON inputs.
n_csv=$("$BIN" read "$CSV" | wc -l)
[ "$n_csv" = "$ROWS" ] || { echo "cstar-io read $n_csv CSV records, expected $ROWS" >&2; exit 1; }
if cmp -s <("$BIN" read "$JSON" --records tickets) <(jq -c '.tickets[]' "$JSON"); then same_json="identical"; else same_json="DIFFERENT"; fi
if cmp -s <("$BIN" read "$NDJSON") <(jq -c . "$NDJSON"); then same_ndjson="identical"; else same_ndjson="DIFFERENT"; fi

csv_results=$(
  measure "cstar-io read (CSV)" "$CSV" "$BIN" read "$CSV"
  for p in polars duckdb; do has_peer $p && measure "$p (CSV)" "$CSV" $PEER $p csv "$CSV"; done
  has_peer mlr && measure "mlr --icsv --ojsonl cat" "$CSV" mlr --icsv --ojsonl cat "$CSV"
  true
)
json_results=$(
  measure "cstar-io read (JSON array)" "$JSON" "$BIN" read "$JSON" --records tickets
  for p in polars duckdb pysimdjson orjson; do has_peer $p && measure "$p (JSON array)" "$JSON" $PEER $p json "$JSON"; done
  has_peer jq && measure "jq -c .tickets[]" "$JSON" jq -c '.tickets[]' "$JSON"
  true
)
ndjson_results=$(
  measure "cstar-io read (NDJSON)" "$NDJSON" "$BIN" read "$NDJSON"
  for p in polars duckdb pysimdjson orjson; do has_peer $p && measure "$p (NDJSON)" "$NDJSON" $PEER $p ndjson "$NDJSON"; done
  has_peer jq && measure "jq -c ." "$NDJSON" jq -c . "$NDJSON"
  true
)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rows: $ROWS; runs: $RUNS (median); cstar-io's NDJSON = jq's: JSON array $same_json, NDJSON $same_ndjson"
printf '%s\n%s\n%s\n' "$csv_results" "$json_results" "$ndjson_results" | report
echo "ratios (peer seconds / cstar-io seconds):"
echo "$csv_results" | ratios CSV
echo "$json_results" | ratios "JSON array"
echo "$ndjson_results" | ratios NDJSON

if [ "${LARGE:-0}" = "1" ]; then
  BIG=$((ROWS * 10))
  # Ten copies of the same records (made by concatenation: generating them takes far longer).
  if [ ! -f "$DATA/tickets-$BIG.ndjson" ]; then
    for _ in $(seq 10); do cat "$NDJSON"; done > "$DATA/tickets-$BIG.ndjson"
  fi
  if [ ! -f "$DATA/tickets-$BIG.csv" ]; then
    { head -n 1 "$CSV"; for _ in $(seq 10); do tail -n +2 "$CSV"; done; } > "$DATA/tickets-$BIG.csv"
  fi
  if [ ! -f "$DATA/tickets-$BIG.json" ]; then
    { head -n 1 "$JSON"
      for k in $(seq 10); do sed -n "2,$((ROWS + 1))p" "$JSON"; [ "$k" -lt 10 ] && echo ","; done
      tail -n 1 "$JSON"; } > "$DATA/tickets-$BIG.json"
  fi
  echo
  echo "ten times larger ($BIG rows), cstar-io only (runs: $LARGE_RUNS):"
  RUNS=$LARGE_RUNS
  (
    head -n 1 <<< "$csv_results"
    measure "cstar-io read (CSV) x10" "$DATA/tickets-$BIG.csv" "$BIN" read "$DATA/tickets-$BIG.csv"
    head -n 1 <<< "$json_results"
    measure "cstar-io read (JSON array) x10" "$DATA/tickets-$BIG.json" "$BIN" read "$DATA/tickets-$BIG.json" --records tickets
    head -n 1 <<< "$ndjson_results"
    measure "cstar-io read (NDJSON) x10" "$DATA/tickets-$BIG.ndjson" "$BIN" read "$DATA/tickets-$BIG.ndjson"
  ) | report
fi
