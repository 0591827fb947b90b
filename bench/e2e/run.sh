#!/usr/bin/env bash
# End-to-end comparison on loopback, side by side in one run: sctps<->sctps and usrsctp<->usrsctp,
# SCTP over UDP encapsulation (RFC 6951), one association, server and client in two processes.
#
#   bench/e2e/run.sh [--build-dir DIR] [--reps N] [--duration S] [--json FILE]
#
# Measures, for each stack: throughput (MB/s, 1e6 bytes) of 1200 B and 64 KB messages and
# messages/s of 100 B messages (the receiver's count over the time from its first to its last
# message), 100-byte request/response latency p50/p99 (one request outstanding), and for sctps the
# system calls per datagram on the send path (client of the 1200 B run) and the receive path
# (server of that run). Each figure is the median of N repetitions (default 5). Prints a table and
# writes the JSON file (default DIR/bench/e2e/results.json).
#
# The binaries come from DIR (default build/release): build them first with
#   cmake --build DIR --target sctps_e2e usrsctp_e2e
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="$root/build/release"
reps=5
duration=1.5
json=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" && pwd)"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$json" ]] || json="$build_dir/bench/e2e/results.json"
for b in sctps_e2e usrsctp_e2e; do
  if [[ ! -x "$build_dir/bench/e2e/$b" ]]; then
    echo "run.sh: $build_dir/bench/e2e/$b missing; build it: cmake --build $build_dir --target sctps_e2e usrsctp_e2e" >&2
    exit 1
  fi
done

exec python3 - "$build_dir/bench/e2e" "$reps" "$duration" "$json" <<'PY'
import json, os, statistics, subprocess, sys, time

bindir, reps, duration, out_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

def result_line(text):
    for line in text.splitlines():
        if '"event":"result"' in line:
            return json.loads(line)
    return None

def run_pair(stack, test, size):
    """One server + one client run; returns (server result, client result)."""
    binary = os.path.join(bindir, stack + "_e2e")
    server_args = [binary, "server"] + (["--echo"] if test == "rr" else [])
    server = subprocess.Popen(server_args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    try:
        ready = json.loads(server.stdout.readline())
        port = ready["udp_port"]
        client = subprocess.run([binary, "client", "--remote-udp-port", str(port), "--test", test,
                                 "--size", str(size), "--duration", str(duration)],
                                capture_output=True, text=True, timeout=duration + 60)
        server_out, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    s, c = result_line(server_out), result_line(client.stdout)
    if s is None or c is None or not s.get("ok") or not c.get("ok"):
        raise RuntimeError(f"{stack} {test} {size}: server {s} client {c} {client.stderr.strip()}")
    return s, c

def ratio(a, b):
    return a / b if b else 0.0

results = {"reps": reps, "duration_s": duration, "cpus": os.cpu_count(),
           "loadavg_start": os.getloadavg()[0],
           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "stacks": {}}
for stack in ("sctps", "usrsctp"):
    runs = {"mbps_1200": [], "mbps_65536": [], "msgs_100": [], "p50_us": [], "p99_us": [],
            "send_syscalls_per_datagram": [], "recv_syscalls_per_datagram": []}
    for _ in range(reps):
        for size in (1200, 65536):
            s, c = run_pair(stack, "stream", size)
            runs[f"mbps_{size}"].append(ratio(s["bytes"], s["seconds"]) / 1e6)
            if stack == "sctps" and size == 1200:
                runs["send_syscalls_per_datagram"].append(
                    ratio(c["send_syscalls"], c["datagrams_out"]))
                runs["recv_syscalls_per_datagram"].append(
                    ratio(s["recv_syscalls"], s["datagrams_in"]))
        s, c = run_pair(stack, "stream", 100)
        runs["msgs_100"].append(ratio(s["messages"], s["seconds"]))
        s, c = run_pair(stack, "rr", 100)
        runs["p50_us"].append(c["rtt_p50_us"])
        runs["p99_us"].append(c["rtt_p99_us"])
    results["stacks"][stack] = {k: {"median": statistics.median(v), "runs": v}
                                for k, v in runs.items() if v}

rows = [("throughput 1200 B (MB/s)", "mbps_1200", "{:.1f}"),
        ("throughput 64 KB (MB/s)", "mbps_65536", "{:.1f}"),
        ("messages/s, 100 B", "msgs_100", "{:,.0f}"),
        ("100 B echo p50 (us)", "p50_us", "{:.1f}"),
        ("100 B echo p99 (us)", "p99_us", "{:.1f}"),
        ("send syscalls / datagram", "send_syscalls_per_datagram", "{:.3f}"),
        ("recv syscalls / datagram", "recv_syscalls_per_datagram", "{:.3f}")]
print(f"loopback, UDP encapsulation, median of {reps} runs of {duration} s "
      f"({os.cpu_count()} CPUs, load average {results['loadavg_start']:.1f} at start)")
print(f"{'':28}{'sctps':>14}{'usrsctp':>14}")
for label, key, fmt in rows:
    cells = []
    for stack in ("sctps", "usrsctp"):
        v = results["stacks"][stack].get(key)
        cells.append(fmt.format(v["median"]) if v else "-")
    print(f"{label:28}{cells[0]:>14}{cells[1]:>14}")
os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
with open(out_path, "w") as f:
    json.dump(results, f, indent=2)
print(f"JSON: {out_path}")
PY
