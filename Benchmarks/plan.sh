#!/usr/bin/env bash
# Mapping throughput: `cstar-io plan` (read and map a Zendesk export with the built-in mapping, send nothing) side
# by side, in one run, with `cstar-io read` over the same files (reading alone, the floor) and with jq doing the
# same field mapping (Benchmarks/plan-zendesk.jq: organizations, customers, memberships, tickets with their comments,
# user lookups, html_body → text). Optionally the plan of another build (the base of a change), so a speed-up is
# a ratio measured in the same run.
#
#   Benchmarks/plan.sh                          # 100,000 tickets with 5 comments each (Zendesk-shaped, --zendesk)
#   TICKETS=20000 Benchmarks/plan.sh
#   BASE=/path/to/base-worktree Benchmarks/plan.sh   # also the plan of that worktree's release build (built first)
#   BIN=… BASE_BIN=… Benchmarks/plan.sh         # binaries already built
#   CHECK=0 Benchmarks/plan.sh                  # skip comparing the batches of the two builds
#   JQ=0 Benchmarks/plan.sh                     # without jq (about 20 minutes a run at 100,000 tickets here)
#
# Wall time is the median of RUNS (3); peak RSS the largest of the runs (GNU time). Ratios: plan ÷ read (target at
# most 5), jq ÷ plan (target at least 2: plan twice as fast), base plan ÷ plan (the speed-up). With BASE, both
# builds first write every batch of the plan (--out) and the files are compared byte for byte: a speed-up that
# changed what would be sent is no speed-up. Needs: apt-get install -y jq time.
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${TICKETS:-100000}
PER=${PER:-5}
RUNS=${RUNS:-3}
DATA=${DATA:-Benchmarks/data}
CHECK=${CHECK:-1}
JQ=${JQ:-1}
EXPORT="$DATA/plan-export-$TICKETS-$PER"

for tool in jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y jq time python3" >&2; exit 1; }
done

if [ -z "${BIN:-}" ]; then
  swift build -c release --product cstar-io >/dev/null
  BIN="$(swift build -c release --show-bin-path)/cstar-io"
fi
if [ -z "${BASE_BIN:-}" ] && [ -n "${BASE:-}" ]; then
  (cd "$BASE" && swift build -c release --product cstar-io >/dev/null)
  BASE_BIN="$(cd "$BASE" && swift build -c release --show-bin-path)/cstar-io"
fi

[ -f "$EXPORT/tickets.ndjson" ] || python3 Benchmarks/generate_export.py "$TICKETS" "$EXPORT" "$PER" --zendesk
STATE=$(mktemp -d)
trap 'rm -rf "$STATE"' EXIT
FILES=("$EXPORT/organizations.json" "$EXPORT/users.json" "$EXPORT/tickets.ndjson")
MB=$(cat "${FILES[@]}" | wc -c | awk '{printf "%.1f", $1/1048576}')

# What plan finds (also a check that it maps everything), and, with a base build, the same batches from both.
"$BIN" plan "$EXPORT" --mapping zendesk --state-dir "$STATE/check" --json > "$STATE/plan.json" || [ $? = 3 ]
jq -r '.entities[] | "  \(.entity): read \(.read), would create \(.created), skipped \(.skipped), rejected \(.rejected)"' "$STATE/plan.json"
if [ -n "${BASE_BIN:-}" ] && [ "$CHECK" = 1 ]; then
  "$BIN" plan "$EXPORT" --mapping zendesk --state-dir "$STATE/check" --out "$STATE/out-new" --quiet || [ $? = 3 ]
  "$BASE_BIN" plan "$EXPORT" --mapping zendesk --state-dir "$STATE/check-base" --out "$STATE/out-base" --quiet || [ $? = 3 ]
  if diff -rq "$STATE/out-new" "$STATE/out-base" >/dev/null; then
    echo "  batches: $(find "$STATE/out-new" -type f | wc -l) files, identical from both builds"
  else
    echo "  batches DIFFER between the builds" >&2; diff -rq "$STATE/out-new" "$STATE/out-base" | head >&2; exit 1
  fi
  rm -rf "$STATE/out-new" "$STATE/out-base"
fi

# measure NAME CMD... → "NAME|median seconds|max RSS KB"; exit status 0 and 3 (plan: some records rejected) are fine.
measure() {
  local name=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M %x" -o "$STATE/time" "$@" > /dev/null 2>"$STATE/stderr" || true
    read -r t m x < <(tail -1 "$STATE/time")
    if [ "$x" != 0 ] && [ "$x" != 3 ]; then echo "$name failed ($x):" >&2; cat "$STATE/stderr" >&2; exit 1; fi
    times+=("$t"); (( m > rss )) && rss=$m
  done
  echo "$name|$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')|$rss|${times[*]}"
}

# Each tool runs RUNS times in a row, in the order below, after one untimed read of the files (page cache warm).
cat "${FILES[@]}" > /dev/null
results=()
results+=("$(measure "cstar-io read" "$BIN" read "${FILES[@]}")")
results+=("$(measure "cstar-io plan" "$BIN" plan "$EXPORT" --mapping zendesk --state-dir "$STATE/new" --quiet)")
if [ -n "${BASE_BIN:-}" ]; then
  results+=("$(measure "cstar-io plan (base)" "$BASE_BIN" plan "$EXPORT" --mapping zendesk --state-dir "$STATE/base" --quiet)")
fi
[ "$JQ" = 1 ] && results+=("$(measure "jq plan-zendesk.jq" jq -c -n --slurpfile users "$EXPORT/users.json" --slurpfile orgs "$EXPORT/organizations.json" \
  -f Benchmarks/plan-zendesk.jq "$EXPORT/tickets.ndjson")")

echo
echo "$TICKETS tickets, $PER comments each, $MB MB; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
printf '%s\n' "${results[@]}" | awk -F'|' -v mb="$MB" '
  { name[NR]=$1; sec[NR]=$2; rss[NR]=$3; all[NR]=$4; if ($1 == "cstar-io read") r = $2; if ($1 == "cstar-io plan") p = $2
    if ($1 == "cstar-io plan (base)") b = $2; if ($1 ~ /^jq/) j = $2 }
  END {
    printf "%-22s %9s %9s %12s   %s\n", "tool", "seconds", "MB/s", "peak RSS MB", "runs"
    for (i = 1; i <= NR; i++) printf "%-22s %9.2f %9.1f %12.1f   %s\n", name[i], sec[i], (sec[i] > 0 ? mb/sec[i] : 0), rss[i]/1024, all[i]
    printf "\nplan / read      %6.2fx  (target <= 5)\n", p / r
    if (j != "") printf "jq / plan        %6.2fx  (target >= 2)\n", j / p
    if (b != "") printf "base / plan      %6.2fx  (speed-up of this build)\n", b / p
  }'
