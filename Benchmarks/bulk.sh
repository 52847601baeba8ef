#!/usr/bin/env bash
# Bulk-edit scaling: N tickets seeded into a local sandbox, then one `bulk update` over all of them (calls of
# 100 ids, each journaled with its items' before-images), at two sizes, so time per call and peak RSS can be
# compared across a 5× larger selection.
#
#   Benchmarks/bulk.sh                 # 20,000 and 100,000 tickets
#   SIZES="50000" Benchmarks/bulk.sh
#
# For each size: wall time, CPU time and peak RSS of `cstar-io bulk update` (the sandbox runs in its own process
# and is not counted; seeding is not timed), calls sent, ms per call. Wall time includes the sandbox's work on the
# same cores; the CPU column is cstar-io's own.
# Needs: jq, GNU time (apt-get install -y jq time), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"20000 100000"}
OUT=${OUT:-Benchmarks/out}
mkdir -p "$OUT"

for tool in jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y jq time python3" >&2; exit 1; }
done

swift build -c release --product cstar-io >/dev/null
BIN=${BIN:-"$(swift build -c release --show-bin-path)/cstar-io"}

. Benchmarks/sandbox.sh

printf "%-9s %9s %7s %11s %14s %12s\n" tickets seconds calls "ms/call" "cstar-io CPU s" "peak RSS MB"
for n in $SIZES; do
  run="$OUT/bulk-$n"
  rm -rf "$run"; mkdir -p "$run"
  start_sandbox "$run"

  # Seed N open tickets, 500 per POST /import (not timed).
  CSTAR_BASE="$base" CSTAR_KEY="$key" python3 - "$n" <<'PY'
import json, os, sys, urllib.request
n, base, key = int(sys.argv[1]), os.environ["CSTAR_BASE"], os.environ["CSTAR_KEY"]
for start in range(0, n, 500):
    records = [{"title": f"Ticket {i}", "customerName": f"Customer {i % 97}", "status": "open", "priority": "normal",
                "tags": ["bench", f"t{i % 13}"], "notes": f"note {i}"} for i in range(start, min(start + 500, n))]
    req = urllib.request.Request(f"{base}/import", data=json.dumps({"resource": "tickets", "records": records}).encode(),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        assert json.load(r)["data"]["created"] == len(records)
PY

  CSTAR_SECRET_KEY="$key" /usr/bin/time -f "%e %M %U %S" -o "$run/time" \
    "$BIN" bulk update tickets --where status=open --set priority=high --yes --json --api-url "$base" --state-dir "$run/state" \
    > "$run/summary.json" 2> "$run/stderr" || { echo "bulk failed: see $run/stderr" >&2; exit 1; }
  stop_sandbox

  read -r secs rss usr sys < "$run/time"
  items=$(jq '.items' "$run/summary.json"); calls=$(jq '.calls' "$run/summary.json"); ok=$(jq '.succeeded' "$run/summary.json")
  [ "$items" = "$n" ] && [ "$ok" = "$n" ] || { echo "expected $n items changed, got items=$items succeeded=$ok" >&2; exit 1; }
  awk -v n="$n" -v s="$secs" -v c="$calls" -v r="$rss" -v cpu="$(awk -v u="$usr" -v k="$sys" 'BEGIN { print u + k }')" \
    'BEGIN { printf "%-9s %9.1f %7d %11.1f %14.1f %12.1f\n", n, s, c, s * 1000 / c, cpu, r / 1024 }'
done
echo
echo "summaries: $OUT/bulk-*/summary.json; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -sr)"
