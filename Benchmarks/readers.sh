#!/usr/bin/env bash
# Reader throughput and memory, side by side with peer tools, in one run.
#
#   Benchmarks/readers.sh            # 420,000 tickets (~158 MB CSV, ~355 MB JSON)
#   ROWS=100000 Benchmarks/readers.sh
#   LARGE=1 Benchmarks/readers.sh    # also a file ten times larger (cstar-io only: peak RSS must stay flat)
#
# Measures `cstar-io read` (CSV → NDJSON and wrapped JSON array → NDJSON) against
# `mlr --icsv --ojsonl cat` and `jq -c '.tickets[]'`: wall time (median of RUNS), throughput, peak RSS.
# Needs: miller, jq, GNU time (apt-get install -y miller jq time), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-420000}
RUNS=${RUNS:-3}
DATA=${DATA:-Benchmarks/data}
mkdir -p "$DATA"

for tool in mlr jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y miller jq time python3" >&2; exit 1; }
done

swift build -c release --product cstar-io >/dev/null
BIN="$(swift build -c release --show-bin-path)/cstar-io"

gen() {  # rows
  [ -f "$DATA/tickets-$1.csv" ] && [ -f "$DATA/tickets-$1.json" ] || python3 Benchmarks/generate_tickets.py "$1" "$DATA"
}

# measure NAME FILE CMD... → prints "NAME seconds rss_kb" (median seconds over RUNS, max RSS)
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
      printf "%-28s %10s %9s %10s %12s\n", "tool", "input MB", "seconds", "MB/s", "peak RSS MB"
      for (i = 1; i <= NR; i++)
        printf "%-28s %10s %9.2f %10.1f %12.1f\n", name[i], mb[i], sec[i], (sec[i] > 0 ? mb[i]/sec[i] : 0), rss[i]/1024
    }'
}

gen "$ROWS"
CSV="$DATA/tickets-$ROWS.csv"; JSON="$DATA/tickets-$ROWS.json"

# Same records out of each tool (counts), and byte-identical NDJSON from cstar-io and jq for the JSON input.
n_ours=$("$BIN" read "$CSV" | wc -l); n_mlr=$(mlr --icsv --ojsonl cat "$CSV" | wc -l)
[ "$n_ours" = "$ROWS" ] && [ "$n_mlr" = "$ROWS" ] || { echo "record counts differ: cstar-io $n_ours, mlr $n_mlr, expected $ROWS" >&2; exit 1; }
if cmp -s <("$BIN" read "$JSON" --records tickets) <(jq -c '.tickets[]' "$JSON"); then same_json="identical"; else same_json="DIFFERENT"; fi

results=$(
  measure "cstar-io read (CSV)" "$CSV" "$BIN" read "$CSV"
  measure "mlr --icsv --ojsonl cat" "$CSV" mlr --icsv --ojsonl cat "$CSV"
  measure "cstar-io read (JSON)" "$JSON" "$BIN" read "$JSON" --records tickets
  measure "jq -c .tickets[]" "$JSON" jq -c '.tickets[]' "$JSON"
)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(date -u +%Y-%m-%d)"
echo "rows: $ROWS; runs: $RUNS (median); NDJSON of cstar-io and jq for the JSON input: $same_json"
echo "$results" | report
echo "$results" | awk -F'|' '
  { sec[NR]=$4 }
  END {
    csv_ours=sec[1]; csv_mlr=sec[2]; json_ours=sec[3]; json_jq=sec[4]
    printf "CSV:  cstar-io is %.1fx faster than Miller (target >= 5x)\n", csv_mlr/csv_ours
    printf "JSON: cstar-io is %.1fx faster than jq (target >= 3x)\n", json_jq/json_ours
  }'

if [ "${LARGE:-0}" = "1" ]; then
  BIG=$((ROWS * 10))
  gen "$BIG"
  echo
  echo "ten times larger ($BIG rows), cstar-io only:"
  (
    measure "cstar-io read (CSV) x10" "$DATA/tickets-$BIG.csv" "$BIN" read "$DATA/tickets-$BIG.csv"
    measure "cstar-io read (JSON) x10" "$DATA/tickets-$BIG.json" "$BIN" read "$DATA/tickets-$BIG.json" --records tickets
  ) | report
fi
