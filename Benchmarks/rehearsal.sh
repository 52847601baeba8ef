#!/usr/bin/env bash
# A sandbox rehearsal end to end, two builds side by side in the same run: `cstar-io migrate` of a generated
# Zendesk full export (Benchmarks/generate_export.py: N tickets with PER comments each, their users and
# organizations) into `cstar-io sandbox`, each build's client against the same build's sandbox.
#
#   Benchmarks/rehearsal.sh                          # 100,000 tickets, 3 runs per build, base = 2ada650
#   N=10000 RUNS=1 Benchmarks/rehearsal.sh
#   BASE_BIN=/path/to/old/cstar-io Benchmarks/rehearsal.sh
#
# The base build comes from a separate checkout of BASE_REV (a git worktree under $OUT/base-src, built
# release) unless BASE_BIN names a binary. "new" is this checkout's release build. Runs alternate
# base, new, base, new, ... so both see the same machine load. Reported per run: wall seconds of the
# migrate, the client's CPU (user + sys, GNU time) and peak RSS, the sandbox's CPU (user + sys, from
# /proc/PID/stat just before it is stopped) and peak RSS (VmHWM). Then medians and base ÷ new ratios.
# Each run checks that every ticket was created and the read-back matched.
# Needs: jq, GNU time (apt-get install -y jq time), python3, git.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
PER=${PER:-5}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-4}
BASE_REV=${BASE_REV:-2ada650}
DATA=${DATA:-Benchmarks/data}
OUT=${OUT:-Benchmarks/out}
mkdir -p "$DATA" "$OUT"
for tool in jq /usr/bin/time python3 git; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y jq time python3 git" >&2; exit 1; }
done

if [ -z "${NEW_BIN:-}" ]; then
  swift build -c release --product cstar-io >/dev/null
  NEW_BIN="$(swift build -c release --show-bin-path)/cstar-io"
fi
if [ -z "${BASE_BIN:-}" ]; then
  src="$OUT/base-src"
  [ -d "$src" ] || git worktree add --detach "$src" "$BASE_REV" >/dev/null
  (cd "$src" && swift build -c release --product cstar-io >/dev/null)
  BASE_BIN="$(cd "$src" && swift build -c release --show-bin-path)/cstar-io"
fi

export_dir="$DATA/export-$N-$PER"
[ -f "$export_dir/tickets.ndjson" ] || python3 Benchmarks/generate_export.py "$N" "$export_dir" "$PER"

BIN=
. Benchmarks/sandbox.sh

cpu_of() {  # pid -> "user+sys seconds" of a running process
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

results="$OUT/rehearsal-$N.tsv"
printf "build\trun\twall_s\tclient_cpu_s\tclient_rss_mb\tsandbox_cpu_s\tsandbox_rss_mb\ttickets\trequests\n" > "$results"
for run in $(seq "$RUNS"); do
  for build in base new; do
    if [ "$build" = base ]; then BIN=$BASE_BIN; else BIN=$NEW_BIN; fi
    dir="$OUT/rehearsal-$N-$build-$run"
    rm -rf "$dir"; mkdir -p "$dir"
    start_sandbox "$dir"
    CSTAR_SECRET_KEY="$key" /usr/bin/time -f "%e %U %S %M" -o "$dir/time" \
      "$BIN" migrate "$export_dir" --from zendesk --api-url "$base" --state-dir "$dir/state" --concurrency "$CONCURRENCY" --json \
      > "$dir/summary.json" 2> "$dir/stderr" || { rc=$?; [ "$rc" = 3 ] || { echo "migrate failed ($rc): see $dir/stderr" >&2; exit 1; }; }
    sandbox_cpu=$(cpu_of "$SANDBOX_PID")
    sandbox_rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SANDBOX_PID/status")
    stop_sandbox
    read -r wall user sys rss < "$dir/time"
    tickets=$(jq '.entities[] | select(.entity == "tickets") | .created' "$dir/summary.json")
    requests=$(jq '.requests' "$dir/summary.json")
    reconciled=$(jq -r '.reconciled' "$dir/summary.json")
    [ "$tickets" = "$N" ] || { echo "$build run $run created $tickets tickets, not $N: see $dir" >&2; exit 1; }
    [ "$reconciled" = true ] || { echo "$build run $run: read-back $reconciled: see $dir" >&2; exit 1; }
    client_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    printf "%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\n" "$build" "$run" "$wall" "$client_cpu" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" \
      "$sandbox_cpu" "$sandbox_rss" "$tickets" "$requests" | tee -a "$results"
    rm -rf "$dir/sandbox.sqlite" "$dir/sandbox.sqlite-wal" "$dir/sandbox.sqlite-shm" "$dir/state"
  done
done

echo
python3 - "$results" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cols = ["wall_s", "client_cpu_s", "client_rss_mb", "sandbox_cpu_s", "sandbox_rss_mb"]
med = {b: {c: statistics.median(float(r[c]) for r in rows if r["build"] == b) for c in cols} for b in ("base", "new")}
print("medians of %d runs" % len([r for r in rows if r["build"] == "base"]))
print("%-6s %10s %14s %15s %15s %16s" % ("build", *cols))
for b in ("base", "new"):
    print("%-6s %10.1f %14.1f %15.0f %15.1f %16.0f" % (b, *(med[b][c] for c in cols)))
print("ratio base/new: wall %.2fx, client CPU %.2fx, sandbox CPU %.2fx, sandbox + client CPU %.2fx" % (
    med["base"]["wall_s"] / med["new"]["wall_s"], med["base"]["client_cpu_s"] / med["new"]["client_cpu_s"],
    med["base"]["sandbox_cpu_s"] / med["new"]["sandbox_cpu_s"],
    (med["base"]["sandbox_cpu_s"] + med["base"]["client_cpu_s"]) / (med["new"]["sandbox_cpu_s"] + med["new"]["client_cpu_s"])))
EOF
echo "per run: $results; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
