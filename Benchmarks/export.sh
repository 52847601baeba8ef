#!/usr/bin/env bash
# `cstar-io export tickets --include-messages` of N tickets (PER messages each), two builds side by side in the same
# run: each build's client against the same build's sandbox, over one seeded sandbox file.
#
#   Benchmarks/export.sh                     # 100,000 tickets, 3 runs per build, base = 2ada650
#   N=10000 RUNS=1 Benchmarks/export.sh
#   BASE_BIN=/path/to/old/cstar-io NEW_BIN=.build/release/cstar-io Benchmarks/export.sh
#
# The sandbox file is seeded once (a `migrate` of Benchmarks/generate_export.py's export with the new build, kept
# in $OUT/export-seed-N) and then only read. Runs alternate base, new, base, new, ... Reported per run: wall
# seconds, the client's CPU (user + sys) and peak RSS (GNU time), the sandbox's CPU. The script checks that both
# builds wrote N rows and byte-identical files (same SHA-256). Needs: jq, GNU time, python3, git.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
PER=${PER:-5}
RUNS=${RUNS:-3}
BASE_REV=${BASE_REV:-2ada650}
DATA=${DATA:-Benchmarks/data}
OUT=${OUT:-Benchmarks/out}
mkdir -p "$DATA" "$OUT"
for tool in jq /usr/bin/time python3 git sha256sum; do
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

BIN=$NEW_BIN
. Benchmarks/sandbox.sh
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

seed="$OUT/export-seed-$N"
if [ ! -f "$seed/done" ]; then
  export_dir="$DATA/export-$N-$PER"
  [ -f "$export_dir/tickets.ndjson" ] || python3 Benchmarks/generate_export.py "$N" "$export_dir" "$PER"
  rm -rf "$seed"; mkdir -p "$seed"
  start_sandbox "$seed"
  echo "seeding $N tickets into $seed/sandbox.sqlite" >&2
  CSTAR_SECRET_KEY="$key" "$BIN" migrate "$export_dir" --from zendesk --api-url "$base" --state-dir "$seed/state" --concurrency 4 --json \
    > "$seed/summary.json" 2> "$seed/stderr" || { rc=$?; [ "$rc" = 3 ] || { echo "seeding failed ($rc): see $seed/stderr" >&2; exit 1; }; }
  stop_sandbox
  rm -rf "$seed/state"
  touch "$seed/done"
fi

results="$OUT/export-$N.tsv"
printf "build\trun\twall_s\tclient_cpu_s\tclient_rss_mb\tsandbox_cpu_s\trows\tsha256\n" > "$results"
for run in $(seq "$RUNS"); do
  for build in base new; do
    if [ "$build" = base ]; then BIN=$BASE_BIN; else BIN=$NEW_BIN; fi
    dir="$OUT/export-$N-$build-$run"
    rm -rf "$dir"; mkdir -p "$dir"
    # The seeded file, served by this build's sandbox (exports only read it).
    "$BIN" sandbox --data "$seed/sandbox.sqlite" --rate-limit 1000000 --json > "$dir/sandbox.json" 2> "$dir/sandbox.err" &
    SANDBOX_PID=$!
    for _ in $(seq 100); do [ -s "$dir/sandbox.json" ] && break; sleep 0.1; done
    base=$(jq -r '.teams[0].baseURL' "$dir/sandbox.json"); key=$(jq -r '.teams[0].secretKey' "$dir/sandbox.json"); rm -f "$dir/sandbox.json"
    CSTAR_SECRET_KEY="$key" /usr/bin/time -f "%e %U %S %M" -o "$dir/time" \
      "$BIN" export tickets --include-messages --format ndjson --output "$dir/tickets.ndjson" --api-url "$base" > "$dir/stdout" 2> "$dir/stderr" \
      || { echo "export failed: see $dir/stderr" >&2; exit 1; }
    sandbox_cpu=$(cpu_of "$SANDBOX_PID")
    stop_sandbox
    read -r wall user sys rss < "$dir/time"
    rows=$(wc -l < "$dir/tickets.ndjson")
    sum=$(sha256sum "$dir/tickets.ndjson" | cut -c1-16)
    [ "$rows" = "$N" ] || { echo "$build run $run wrote $rows rows, not $N" >&2; exit 1; }
    printf "%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\n" "$build" "$run" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" \
      "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$sandbox_cpu" "$rows" "$sum" | tee -a "$results"
    rm -f "$dir/tickets.ndjson"
  done
done
[ "$(cut -f8 "$results" | tail -n +2 | sort -u | wc -l)" = 1 ] || { echo "the builds wrote different files: $results" >&2; exit 1; }

echo
python3 - "$results" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cols = ["wall_s", "client_cpu_s", "client_rss_mb", "sandbox_cpu_s"]
med = {b: {c: statistics.median(float(r[c]) for r in rows if r["build"] == b) for c in cols} for b in ("base", "new")}
peak = {b: max(float(r["client_rss_mb"]) for r in rows if r["build"] == b) for b in ("base", "new")}
print("medians of %d runs (peak RSS: the largest)" % len([r for r in rows if r["build"] == "base"]))
print("%-6s %8s %13s %14s %14s" % ("build", *cols))
for b in ("base", "new"):
    print("%-6s %8.2f %13.2f %14.0f %14.2f" % (b, med[b]["wall_s"], med[b]["client_cpu_s"], peak[b], med[b]["sandbox_cpu_s"]))
print("ratio base/new: wall %.2fx, client CPU %.2fx, sandbox CPU %.2fx; files identical" % (
    med["base"]["wall_s"] / med["new"]["wall_s"], med["base"]["client_cpu_s"] / med["new"]["client_cpu_s"],
    med["base"]["sandbox_cpu_s"] / med["new"]["sandbox_cpu_s"]))
EOF
echo "per run: $results; machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
