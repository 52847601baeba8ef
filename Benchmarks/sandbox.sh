# Sourced by the benchmarks: a throwaway sandbox in its own process, with a quota that does not throttle the
# measurement. `start_sandbox DIR` sets SANDBOX_PID, base and key; `stop_sandbox` ends it (also on exit).
SANDBOX_PID=
stop_sandbox() {
  [ -n "$SANDBOX_PID" ] || return 0
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  SANDBOX_PID=
}
trap stop_sandbox EXIT

start_sandbox() {  # run-dir
  "$BIN" sandbox --data "$1/sandbox.sqlite" --rate-limit 1000000 --json > "$1/sandbox.json" 2> "$1/sandbox.err" &
  SANDBOX_PID=$!
  for _ in $(seq 100); do [ -s "$1/sandbox.json" ] && break; sleep 0.1; done
  base=$(jq -r '.teams[0].baseURL' "$1/sandbox.json")
  key=$(jq -r '.teams[0].secretKey' "$1/sandbox.json")
  rm -f "$1/sandbox.json"  # holds the throwaway sandbox's keys: not kept with the results
  [ -n "$base" ] && [ "$base" != null ] || { echo "the sandbox did not start:" >&2; cat "$1/sandbox.err" >&2; exit 1; }
}
