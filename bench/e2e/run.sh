#!/usr/bin/env bash
# End-to-end comparison on loopback, side by side in one run, SCTP over UDP encapsulation
# (RFC 6951), one association, server and client in two processes. The stacks:
#   sctps            sctps <-> sctps, unprotected
#   sctps-aes128gcm  sctps with the DTLS chunk, TLS_AES_128_GCM_SHA256, pre-shared keys (method 0)
#   sctps-chacha20   the same with TLS_CHACHA20_POLY1305_SHA256
#   usrsctp          usrsctp <-> usrsctp, unprotected
#   rfc6083-dtls12   DTLS 1.2 (OpenSSL, ECDHE-ECDSA-AES128-GCM-SHA256, mutual certificates) over
#                    usrsctp, one DTLS record per SCTP user message as in RFC 6083
#
#   bench/e2e/run.sh [--build-dir DIR] [--reps N] [--duration S] [--json FILE]
#                    [--stacks a,b,...] [--sizes 100,1200,16384,65536]
#
# Measures, for each stack: throughput of each message size (MB/s, 1e6 bytes, and messages/s: the
# receiver's count over the time from its first to its last message), 100-byte request/response
# latency p50/p99 (one request outstanding), and for sctps the system calls per datagram on the
# send path (client of the 1200 B run) and the receive path (server of that run). sctps_e2e and
# rfc6083_e2e also report the sender's retransmission timeouts and retransmitted chunks of each
# stream run (t3_SIZE, retransmitted_SIZE in the JSON). Every stream run checks that the server
# received every message the client sent, and protected runs that the expected cipher was in use.
# Each figure is the median of N repetitions (default 5); repetitions are the outer loop, so that
# a change in the machine's load spreads over all stacks. Prints a table and writes the JSON file
# (default DIR/bench/e2e/results.json).
#
# The pre-shared keys of the protected sctps runs are fresh random keys in a private temporary
# directory, removed at the end.
#
# The binaries come from DIR (default build/release): build them first with
#   cmake --build DIR --target sctps_e2e usrsctp_e2e rfc6083_e2e
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="$root/build/release"
reps=5
duration=1.5
json=""
stacks="sctps,sctps-aes128gcm,sctps-chacha20,usrsctp,rfc6083-dtls12"
sizes="100,1200,16384,65536"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" && pwd)"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --stacks) stacks="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$json" ]] || json="$build_dir/bench/e2e/results.json"
for b in sctps_e2e usrsctp_e2e rfc6083_e2e; do
  if [[ ! -x "$build_dir/bench/e2e/$b" ]]; then
    echo "run.sh: $build_dir/bench/e2e/$b missing; build it: cmake --build $build_dir --target sctps_e2e usrsctp_e2e rfc6083_e2e" >&2
    exit 1
  fi
done

exec python3 - "$build_dir/bench/e2e" "$reps" "$duration" "$json" "$stacks" "$sizes" <<'PY'
import json, os, secrets, statistics, subprocess, sys, tempfile, time

bindir, reps, duration, out_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
stack_names = [s for s in sys.argv[5].split(",") if s]
sizes = [int(s) for s in sys.argv[6].split(",") if s]

# name: (program, pre-shared key suite or None, expected cipher: TLS 1.3 id for sctps (0: none),
# OpenSSL name for the DTLS baseline, None for plain usrsctp)
STACKS = {
    "sctps": ("sctps", None, 0),
    "sctps-aes128gcm": ("sctps", ("TLS_AES_128_GCM_SHA256", 16), 0x1301),
    "sctps-chacha20": ("sctps", ("TLS_CHACHA20_POLY1305_SHA256", 32), 0x1303),
    "usrsctp": ("usrsctp", None, None),
    "rfc6083-dtls12": ("rfc6083", None, "ECDHE-ECDSA-AES128-GCM-SHA256"),
}
for name in stack_names:
    if name not in STACKS:
        sys.exit(f"run.sh: unknown stack {name} (known: {', '.join(STACKS)})")

def write_psk(directory, name, suite, key_length):
    """Fresh random keys for both directions (docs/psk.md), readable by us only."""
    lines = ["[peer *]", f"suite = {suite}"]
    for role in ("client", "server"):
        lines += [f"{role}_key = {secrets.token_hex(key_length)}",
                  f"{role}_iv = {secrets.token_hex(12)}",
                  f"{role}_sn_key = {secrets.token_hex(key_length)}"]
    path = os.path.join(directory, name + ".psk")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path

def result_line(text):
    for line in text.splitlines():
        if '"event":"result"' in line:
            return json.loads(line)
    return None

def run_pair(stack, extra, test, size):
    """One server + one client run; returns (server result, client result)."""
    program, _, expected = STACKS[stack]
    binary = os.path.join(bindir, program + "_e2e")
    server_args = [binary, "server"] + extra + (["--echo"] if test == "rr" else [])
    server = subprocess.Popen(server_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        ready = json.loads(server.stdout.readline())
        port = ready["udp_port"]
        client = subprocess.run([binary, "client", "--remote-udp-port", str(port), "--test", test,
                                 "--size", str(size), "--duration", str(duration)] + extra,
                                capture_output=True, text=True, timeout=duration + 60)
        server_out, server_err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    s, c = result_line(server_out), result_line(client.stdout)
    what = f"{stack} {test} {size}"
    if s is None or c is None or not s.get("ok") or not c.get("ok"):
        raise RuntimeError(f"{what}: server {s} {server_err.strip()} client {c} "
                           f"{client.stderr.strip()}")
    if test == "stream" and s["messages"] != c["messages_sent"]:
        raise RuntimeError(f"{what}: client sent {c['messages_sent']} messages, "
                           f"server received {s['messages']}")
    if expected is not None and c.get("cipher_suite", c.get("cipher")) != expected:
        raise RuntimeError(f"{what}: expected cipher {expected}, client reports {c}")
    if program == "sctps" and expected and c.get("sent_protected", 0) == 0:
        raise RuntimeError(f"{what}: nothing was protected: {c}")
    return s, c

failures = []
def run_pair_retry(stack, extra, test, size):
    """run_pair, tried again (twice at most) when a run fails; every failure is kept in the JSON
    and printed, so that a flaky run is visible, never silently averaged in."""
    for attempt in range(3):
        try:
            return run_pair(stack, extra, test, size)
        except (RuntimeError, subprocess.SubprocessError, ValueError, KeyError) as e:
            failures.append(str(e))
            print(f"run.sh: attempt {attempt + 1} failed: {e}", file=sys.stderr, flush=True)
    raise RuntimeError(f"{stack} {test} {size}: failed three times")

def ratio(a, b):
    return a / b if b else 0.0

results = {"reps": reps, "duration_s": duration, "cpus": os.cpu_count(), "sizes": sizes,
           "loadavg_start": os.getloadavg()[0],
           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "stacks": {}}
runs = {name: {} for name in stack_names}
def add(stack, key, value):
    runs[stack].setdefault(key, []).append(value)

with tempfile.TemporaryDirectory(prefix="sctps-e2e-") as keys:
    extra = {}
    for name in stack_names:
        psk = STACKS[name][1]
        extra[name] = ["--psk-file", write_psk(keys, name, *psk)] if psk else []
    for rep in range(reps):
        for stack in stack_names:
            for size in sizes:
                s, c = run_pair_retry(stack, extra[stack], "stream", size)
                add(stack, f"mbps_{size}", ratio(s["bytes"], s["seconds"]) / 1e6)
                add(stack, f"msgs_{size}", ratio(s["messages"], s["seconds"]))
                # The sender's retransmission timeouts (each stalls the association for
                # RTO.Min, 1 s) and retransmitted chunks, where the program reports them.
                if "t3_timeouts" in c:
                    add(stack, f"t3_{size}", c["t3_timeouts"])
                    add(stack, f"retransmitted_{size}", c["retransmitted_chunks"])
                if STACKS[stack][0] == "sctps" and size == 1200:
                    add(stack, "send_syscalls_per_datagram",
                        ratio(c["send_syscalls"], c["datagrams_out"]))
                    add(stack, "recv_syscalls_per_datagram",
                        ratio(s["recv_syscalls"], s["datagrams_in"]))
            s, c = run_pair_retry(stack, extra[stack], "rr", 100)
            add(stack, "p50_us", c["rtt_p50_us"])
            add(stack, "p99_us", c["rtt_p99_us"])
        print(f"repetition {rep + 1}/{reps} done", file=sys.stderr, flush=True)
results["loadavg_end"] = os.getloadavg()[0]
results["failed_runs"] = failures
for stack in stack_names:
    results["stacks"][stack] = {k: {"median": statistics.median(v), "runs": v}
                                for k, v in runs[stack].items()}

def size_label(n):
    return f"{n // 1024} KB" if n >= 1024 and n % 1024 == 0 else f"{n} B"

rows = [(f"throughput {size_label(n)} (MB/s)", f"mbps_{n}", "{:.1f}") for n in sizes]
rows += [(f"messages/s, {size_label(n)}", f"msgs_{n}", "{:,.0f}") for n in sizes]
rows += [("100 B echo p50 (us)", "p50_us", "{:.1f}"),
         ("100 B echo p99 (us)", "p99_us", "{:.1f}"),
         ("send syscalls / datagram", "send_syscalls_per_datagram", "{:.3f}"),
         ("recv syscalls / datagram", "recv_syscalls_per_datagram", "{:.3f}")]
print(f"loopback, UDP encapsulation, median of {reps} runs of {duration} s "
      f"({os.cpu_count()} CPUs, load average {results['loadavg_start']:.1f} at start)")
print(f"{'':28}" + "".join(f"{name:>17}" for name in stack_names))
for label, key, fmt in rows:
    cells = []
    for stack in stack_names:
        v = results["stacks"][stack].get(key)
        cells.append(fmt.format(v["median"]) if v else "-")
    print(f"{label:28}" + "".join(f"{cell:>17}" for cell in cells))
os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
with open(out_path, "w") as f:
    json.dump(results, f, indent=2)
print(f"JSON: {out_path}")
PY
