#!/usr/bin/env bash
# Delta migration economy: a generated Zendesk full export migrated into a local sandbox, then a copy in which 1%
# of the tickets changed (every 100th ticket's status; every 200th also gets a new comment) migrated again with
# --delta. Reports the delta's requests against the minimum its changes need (one PATCH per changed ticket, one
# POST per new comment) and what reading back cost, and the delta's time against the first pass's.
#
#   Benchmarks/delta.sh                  # 100,000 tickets, 5 comments each
#   SIZES="20000" Benchmarks/delta.sh
#
# Needs: jq, GNU time (apt-get install -y jq time), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100000"}
PER=${PER:-5}
DATA=${DATA:-Benchmarks/data}
OUT=${OUT:-Benchmarks/out}
mkdir -p "$DATA" "$OUT"

for tool in jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y jq time python3" >&2; exit 1; }
done

# BIN=path/to/cstar-io skips the release build (request counts do not depend on the build; times do).
if [ -z "${BIN:-}" ]; then
  swift build -c release --product cstar-io >/dev/null
  BIN="$(swift build -c release --show-bin-path)/cstar-io"
fi

. Benchmarks/sandbox.sh

printf "%-9s %13s %11s %9s %9s %13s %9s %9s %9s\n" tickets "first pass s" "delta s" changed appended "delta requests" minimum lookups ratio
for n in $SIZES; do
  export_dir="$DATA/export-$n-$PER"
  [ -f "$export_dir/tickets.ndjson" ] || python3 Benchmarks/generate_export.py "$n" "$export_dir" "$PER"
  changed_dir="$DATA/export-$n-$PER-delta"
  rm -rf "$changed_dir"; cp -r "$export_dir" "$changed_dir"
  python3 - "$export_dir/tickets.ndjson" "$changed_dir/tickets.ndjson" <<'PY'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f, open(dst, "w") as out:
    for i, line in enumerate(f):
        t = json.loads(line)
        if i % 100 == 0:
            t["status"] = "closed" if t.get("status") != "closed" else "open"
        if i % 200 == 0:
            c = dict(t["comments"][-1])
            c["id"] = c["id"] + 10_000_000
            c["body"] = c["plain_body"] = "A reply written after the first pass"
            c["html_body"] = "<p>A reply written after the first pass</p>"
            c["created_at"] = "2026-01-01T00:00:00Z"
            t["comments"].append(c)
        out.write(json.dumps(t) + "\n")
PY
  run="$OUT/delta-$n"
  rm -rf "$run"; mkdir -p "$run"
  start_sandbox "$run"
  CSTAR_SECRET_KEY="$key" /usr/bin/time -f "%e" -o "$run/first.time" \
    "$BIN" migrate "$export_dir" --from zendesk --api-url "$base" --state-dir "$run/state" --json > "$run/first.json" 2> "$run/first.err" || true
  CSTAR_SECRET_KEY="$key" /usr/bin/time -f "%e" -o "$run/delta.time" \
    "$BIN" migrate "$changed_dir" --from zendesk --delta --api-url "$base" --state-dir "$run/state" --json > "$run/delta.json" 2> "$run/delta.err" || true
  stop_sandbox
  first=$(tail -1 "$run/first.time"); delta=$(tail -1 "$run/delta.time")
  jq -r --arg first "$first" --arg delta "$delta" --arg n "$n" '
    (.entities[] | select(.entity == "tickets")) as $t
    | (.requests - .lookupRequests) as $writes
    | "\($n) \($first) \($delta) \($t.updated) \($t.children.delivered) \(.requests) \(.minimumRequests) \(.lookupRequests) \(if .minimumRequests > 0 then ($writes / .minimumRequests * 100 | floor) / 100 else "-" end)"' "$run/delta.json" |
    awk '{ printf "%-9s %13s %11s %9s %9s %13s %9s %9s %9s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
done
echo
echo "ratio: the delta's requests less those spent reading back, over the minimum its changes need (target ≤ 1.1)."
echo "summaries: $OUT/delta-*/{first,delta}.json; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -sr)"
