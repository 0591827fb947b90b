#!/usr/bin/env bash
# 100-byte echo latency while rekeys run, next to the same run without rekeys (issue #6), on
# loopback with `sctps server --echo` and `sctps client --echo-check`, TLS 1.3 key management with
# certificates from `sctps gen-certs`. The two cases alternate, REPS times each, so that a change
# in machine load touches both; the medians of the client's p50 / p99 echo times are printed.
#
#   bench/rekey_latency.sh [--build-dir DIR] [--reps N] [--count N] [--rate N] [--interval S]
#
# Defaults: build/release, 3 repetitions, 20,000 echoes at 2,000 per second (10 s per run; a rate
# well below capacity, so the figures are not queueing), rekeys every 0.2 s on both sides (about
# 50 per run, each side starting some; a real deployment rekeys hourly, this loads the worst case).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build_dir="$root/build/release"
reps=3
count=20000
rate=2000
interval=0.2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" && pwd)"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "rekey_latency.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
sctps="$build_dir/apps/sctps/sctps"
[[ -x "$sctps" ]] || { echo "rekey_latency.sh: $sctps missing; build the sctps target" >&2; exit 1; }

work="$(mktemp -d)"
server_pid=""
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
"$sctps" gen-certs --out "$work/certs" >/dev/null

run_case() {  # $1: rekey interval for both sides (0: none); prints the client's JSON summary
  local rekey="$1"
  "$sctps" server --listen 127.0.0.1:5000 --udp-port 0 --echo --json --protect strict \
    --cert "$work/certs/server.pem" --key "$work/certs/server.key" --ca "$work/certs/ca.pem" \
    --rekey-interval "$rekey" >"$work/server.out" 2>&1 &
  server_pid=$!
  local udp=""
  for _ in $(seq 100); do
    udp=$(sed -n 's/.*"udp_port":\([0-9]*\).*/\1/p' "$work/server.out" | head -n 1)
    [[ -n "$udp" ]] && break
    sleep 0.05
  done
  [[ -n "$udp" ]] || { cat "$work/server.out" >&2; echo "server did not start" >&2; exit 1; }
  "$sctps" client --connect 127.0.0.1:5000 --remote-udp-port "$udp" --echo-check \
    --count "$count" --size 100 --rate "$rate" --json --protect strict \
    --cert "$work/certs/client.pem" --key "$work/certs/client.key" --ca "$work/certs/ca.pem" \
    --rekey-interval "$rekey" 2>/dev/null
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for ((i = 0; i < reps; i++)); do
  run_case 0 >>"$work/steady.json"
  run_case "$interval" >>"$work/rekey.json"
done

python3 - "$work/steady.json" "$work/rekey.json" "$count" "$rate" "$interval" <<'PY'
import json, statistics, sys
def load(path):
    return [json.loads(l) for l in open(path) if l.startswith("{")]
steady, rekey = load(sys.argv[1]), load(sys.argv[2])
for runs in (steady, rekey):
    for r in runs:
        assert r["ok"] and r["messages_received"] == int(sys.argv[3]), r
def med(runs, key):
    return statistics.median(r[key] for r in runs)
print(f"{sys.argv[3]} echoes of 100 B at {sys.argv[4]}/s, median of {len(steady)} runs each")
print(f"{'case':<34}{'p50 us':>10}{'p99 us':>10}{'rekeys':>10}")
print(f"{'steady (no rekey)':<34}{med(steady,'rtt_p50_us'):>10.0f}{med(steady,'rtt_p99_us'):>10.0f}{0:>10}")
label = f"rekey every {sys.argv[5]} s, both sides"
print(f"{label:<34}{med(rekey,'rtt_p50_us'):>10.0f}{med(rekey,'rtt_p99_us'):>10.0f}{med(rekey,'rekeys'):>10.0f}")
durations = sorted(d for r in rekey for d in r.get("rekey_ms", []))
if durations:
    print(f"rekey duration at the client: median {durations[len(durations)//2]:.2f} ms, "
          f"p99 {durations[min(len(durations)-1, len(durations)*99//100)]:.2f} ms over {len(durations)}")
PY
