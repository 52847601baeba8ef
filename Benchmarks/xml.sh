#!/usr/bin/env bash
# XML reader throughput and memory against libxml2's own streaming tools, in one run.
#
#   Benchmarks/xml.sh                 # tickets.xml of 100 MB and 1 GB (Zendesk XML export layout)
#   SIZES="100 1000 10000" Benchmarks/xml.sh   # also 10 GB
#
# Measures `cstar-io read tickets.xml` (XML → NDJSON on stdout) against `xmllint --stream --noout` (libxml2's
# reader, parsing only: no output) and `xmlstarlet el` (element paths, streamed): wall time (median of RUNS),
# throughput, peak RSS (GNU time). Checks that cstar-io prints one line per <ticket>.
# Needs: xmllint, xmlstarlet, GNU time, python3 (apt-get install -y libxml2-utils xmlstarlet time python3).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100 1000"}
RUNS=${RUNS:-3}
DATA=${DATA:-Benchmarks/data}
mkdir -p "$DATA"

for tool in xmllint xmlstarlet /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y libxml2-utils xmlstarlet time python3" >&2; exit 1; }
done

swift build -c release --product cstar-io >/dev/null
BIN="$(swift build -c release --show-bin-path)/cstar-io"

measure() {  # NAME FILE CMD... → "NAME|FILE|MB|median wall seconds|max RSS KB|median CPU seconds (user+sys)"
  local name=$1 file=$2; shift 2
  local times=() cpus=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M %U %S" -o /tmp/cstar-bench-time "$@" > /dev/null
    read -r t m u s < /tmp/cstar-bench-time
    times+=("$t"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')"); (( m > rss )) && rss=$m
  done
  local median cpu mb
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mb=$(stat -c %s "$file" | awk '{printf "%.1f", $1/1048576}')
  echo "$name|$file|$mb|$median|$rss|$cpu"
}

report() {
  awk -F'|' '
    { name[NR]=$1; mb[NR]=$3; sec[NR]=$4; rss[NR]=$5; cpu[NR]=$6 }
    END {
      printf "%-34s %10s %9s %10s %9s %12s\n", "tool", "input MB", "seconds", "MB/s", "CPU s", "peak RSS MB"
      for (i = 1; i <= NR; i++)
        printf "%-34s %10s %9.2f %10.1f %9.2f %12.1f\n", name[i], mb[i], sec[i], (sec[i] > 0 ? mb[i]/sec[i] : 0), cpu[i], rss[i]/1024
    }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(date -u +%Y-%m-%d)"
echo "$(xmllint --version 2>&1 | head -1); xmlstarlet $(xmlstarlet --version | head -1); runs: $RUNS (median)"
for size in $SIZES; do
  FILE="$DATA/tickets-$size.xml"
  [ -f "$FILE" ] || python3 Benchmarks/generate_xml_tickets.py "$size" "$FILE"
  want=$(grep -c '^  <ticket>$' "$FILE")
  got=$("$BIN" read "$FILE" --records tickets | wc -l)
  [ "$got" = "$want" ] || { echo "cstar-io printed $got records, the file holds $want tickets" >&2; exit 1; }
  echo
  echo "$FILE: $want tickets, every one printed"
  results=$(
    measure "cstar-io read (XML → NDJSON)" "$FILE" "$BIN" read "$FILE" --records tickets
    measure "xmllint --stream --noout" "$FILE" xmllint --stream --noout "$FILE"
    [ "${NO_XMLSTARLET:-0}" = "1" ] || measure "xmlstarlet el" "$FILE" xmlstarlet el "$FILE"
  )
  echo "$results" | report
  echo "$results" | awk -F'|' '{ sec[NR]=$4; cpu[NR]=$6 } END { printf "cstar-io takes %.2fx the wall time of xmllint --stream (target <= 2x; %.2fx its CPU time), %.2fx the wall time of xmlstarlet el\n", sec[1]/sec[2], cpu[1]/cpu[2], sec[1]/sec[3] }'
done
