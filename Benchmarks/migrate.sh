#!/usr/bin/env bash
# Migration throughput, memory and request economy: a generated Zendesk full export (tickets with their
# comments inline, their customers and organizations) migrated into a local sandbox, at two sizes, so peak
# RSS can be compared across a 10× larger export.
#
#   Benchmarks/migrate.sh                       # 10,000 and 100,000 tickets, 5 comments each
#   SIZES="100000" Benchmarks/migrate.sh
#   CONCURRENCY=8 Benchmarks/migrate.sh
#
# For each size: wall time, tickets/s and messages/s, peak RSS of cstar-io (the sandbox runs in its own
# process and is not counted), requests made against the minimum possible, and the read-back check.
# As a floor for the reading part, `jq -c .` over the same tickets file is timed in the same run.
# Needs: jq, GNU time (apt-get install -y jq time), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000"}
PER=${PER:-5}
CONCURRENCY=${CONCURRENCY:-4}
DATA=${DATA:-Benchmarks/data}
OUT=${OUT:-Benchmarks/out}
mkdir -p "$DATA" "$OUT"

for tool in jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y jq time python3" >&2; exit 1; }
done

swift build -c release --product cstar-io >/dev/null
BIN="$(swift build -c release --show-bin-path)/cstar-io"

. Benchmarks/sandbox.sh

printf "%-9s %9s %9s %10s %11s %12s %9s %9s %8s %10s %9s %11s\n" tickets messages seconds tickets/s messages/s "peak RSS MB" requests minimum lookups reconciled "jq -c s" "client CPU s"
for n in $SIZES; do
  export_dir="$DATA/export-$n-$PER"
  [ -f "$export_dir/tickets.ndjson" ] || python3 Benchmarks/generate_export.py "$n" "$export_dir" "$PER"
  run="$OUT/migrate-$n"
  rm -rf "$run"; mkdir -p "$run"

  # A fresh sandbox in its own process, with a quota that does not throttle the measurement.
  start_sandbox "$run"

  CSTAR_SECRET_KEY="$key" /usr/bin/time -f "%e %M %U %S" -o "$run/time" \
    "$BIN" migrate "$export_dir" --from zendesk --api-url "$base" --state-dir "$run/state" --concurrency "$CONCURRENCY" --json \
    > "$run/summary.json" 2> "$run/stderr" || { rc=$?; [ "$rc" = 3 ] || { echo "migrate failed ($rc): see $run/stderr" >&2; exit 1; }; }
  stop_sandbox

  read -r secs rss usr sys < "$run/time"
  cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  jq_secs=$( { /usr/bin/time -f "%e" jq -c . "$export_dir/tickets.ndjson" > /dev/null; } 2>&1 | tail -1)
  jq -r --arg secs "$secs" --arg rss "$rss" --arg per "$PER" --arg jqs "$jq_secs" '
    (.entities[] | select(.entity == "tickets")) as $t
    | [$t.created, ($t.created * ($per | tonumber)), ($secs | tonumber), ($t.created / ($secs | tonumber)),
       ($t.created * ($per | tonumber) / ($secs | tonumber)), (($rss | tonumber) / 1024), .requests, .minimumRequests, .lookupRequests,
       .reconciled, ($jqs | tonumber)]
    | "\(.[0]) \(.[1]) \(.[2]) \(.[3] | floor) \(.[4] | floor) \(.[5] * 10 | floor / 10) \(.[6]) \(.[7]) \(.[8]) \(.[9]) \(.[10])"' "$run/summary.json" |
    awk -v cpu="$cpu" '{ printf "%-9s %9s %9.1f %10s %11s %12s %9s %9s %8s %10s %9.1f %11s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, cpu }'
done
echo
echo "summaries: $OUT/migrate-*/summary.json; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -sr)"
