#!/usr/bin/env bash
# Every benchmark of issue #7 in one command, and the report: docs/benchmarks.md and its chart
# docs/benchmarks.png, both generated (do not edit them by hand; run this again).
#
#   bench/run_all.sh [--build-dir DIR] [--reps N] [--duration S] [--out-dir DIR] [--no-build]
#
#   --build-dir  Release build to use (default build/bench; configured with
#                -DCMAKE_BUILD_TYPE=Release if it does not exist yet)
#   --reps       repetitions of every end-to-end figure, the median is reported (default 5)
#   --duration   seconds of each end-to-end run (default 1.5)
#   --out-dir    where benchmarks.md and benchmarks.png go (default docs)
#   --no-build   use the binaries as they are
#
# Steps: build the benchmark programs (-j2); physical limits from the micro benchmarks (bare AEAD
# on one core, UDP loopback datagram rate); the end-to-end comparison of bench/e2e/run.sh (sctps
# unprotected and protected with AES-128-GCM and ChaCha20-Poly1305, usrsctp, DTLS 1.2 over
# usrsctp as in RFC 6083); the handshake and memory benchmark (bench/handshake) when it is built;
# then the report and the chart (gnuplot, installed with apt-get when missing and we are root).
# About 4 to 5 minutes on a 2-core machine. Raw results stay in DIR/bench/results/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
command_line="bench/run_all.sh${*:+ $*}"
build_dir="$root/build/bench"
reps=5
duration=1.5
out_dir="$root/docs"
build=1
handshake_broken=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --out-dir) out_dir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run_all.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "[run_all] $*" >&2; }
results="$build_dir/bench/results"

if [[ $build -eq 1 ]]; then
  if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    log "configuring $build_dir (Release)"
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  targets=(sctps_micro_bench sctps_e2e usrsctp_e2e rfc6083_e2e)
  log "building ${targets[*]}"
  if ! cmake --build "$build_dir" -j2 --target "${targets[@]}" >"$build_dir/run_all-build.log" 2>&1; then
    tail -n 30 "$build_dir/run_all-build.log" >&2
    log "build failed (whole log: $build_dir/run_all-build.log)"
    exit 1
  fi
  # The handshake benchmark is optional: the report says so when it is missing or broken.
  if cmake --build "$build_dir" --target help 2>/dev/null | grep -q '^sctps_handshake_bench:'; then
    log "building sctps_handshake_bench"
    cmake --build "$build_dir" -j2 --target sctps_handshake_bench \
      >"$build_dir/run_all-build-handshake.log" 2>&1 ||
      { log "sctps_handshake_bench does not build; its section is left out"
        handshake_broken="does not build in this tree ($(grep -m1 -o 'error: .*' \
          "$build_dir/run_all-build-handshake.log" || echo 'see the build log'))"; }
  fi
fi
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)"
[[ "$build_type" == Release ]] || log "warning: $build_dir is a '$build_type' build, not Release"

if ! command -v gnuplot >/dev/null; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing gnuplot-nox"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 ||
      { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; } ||
      log "could not install gnuplot-nox: no chart"
  else
    log "gnuplot missing (apt-get install gnuplot-nox): no chart"
  fi
fi

mkdir -p "$results"
load_start="$(cut -d' ' -f1 /proc/loadavg)"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
SECONDS=0

log "micro benchmarks: bare AEAD, UDP loopback"
"$build_dir/bench/sctps_micro_bench" \
  --benchmark_filter='BM_BareAead(Seal|Open)/suite:(4865|4867)/|BM_UdpLoopback' \
  --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$results/micro.json" --benchmark_out_format=json \
  >/dev/null

log "end to end: $reps repetitions of $duration s"
"$root/bench/e2e/run.sh" --build-dir "$build_dir" --reps "$reps" --duration "$duration" \
  --json "$results/e2e.json" >"$results/e2e.txt"
cat "$results/e2e.txt" >&2

handshake="$build_dir/bench/handshake/sctps_handshake_bench"
rm -f "$results/handshake.json" "$results/handshake.err"
if [[ -n "$handshake_broken" ]]; then
  echo "sctps_handshake_bench $handshake_broken" >"$results/handshake.err"
elif [[ -x "$handshake" ]]; then
  log "handshake and memory"
  # Two runs: the memory phase counts every allocation, which would slow the timed phases.
  if timeout 300 "$handshake" --json --phases latency,throughput \
      >"$results/handshake-timing.json" 2>"$results/handshake.err" &&
    timeout 300 "$handshake" --json --phases memory \
      >"$results/handshake-memory.json" 2>>"$results/handshake.err"; then
    python3 - "$results" <<'MERGE'
import json, os, sys
d = sys.argv[1]
timing = json.load(open(os.path.join(d, "handshake-timing.json")))
memory = json.load(open(os.path.join(d, "handshake-memory.json")))
timing["memory"] = memory["memory"]
timing["config"]["allocations_counted"] = memory["config"]["allocations_counted"]
timing["config"]["openssl_counted"] = memory["config"]["openssl_counted"]
json.dump(timing, open(os.path.join(d, "handshake.json"), "w"))
MERGE
  else
    log "handshake benchmark failed: $(tail -n 1 "$results/handshake.err")"
    rm -f "$results/handshake.json"
  fi
else
  log "no $handshake: handshake section left out"
fi
load_end="$(cut -d' ' -f1 /proc/loadavg)"

log "report: $out_dir/benchmarks.md"
python3 - "$results" "$out_dir" "$command_line" "$build_dir" "$build_type" "$started" \
  "$SECONDS" "$load_start" "$load_end" "$root" <<'PY'
import json, os, platform, re, subprocess, sys

(results, out_dir, command, build_dir, build_type, started, elapsed, load_start, load_end,
 root) = sys.argv[1:]

def shown(path):
    """A path as the reader of the report can use it: relative to the repository if inside."""
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel
e2e = json.load(open(os.path.join(results, "e2e.json")))
micro = json.load(open(os.path.join(results, "micro.json")))
hs_path = os.path.join(results, "handshake.json")
handshake = None
if os.path.exists(hs_path):
    text = open(hs_path).read().strip()
    try:
        handshake = json.loads(text.splitlines()[-1]) if text else None
    except (json.JSONDecodeError, IndexError):
        handshake = None

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"

def cache_value(key):
    try:
        for line in open(os.path.join(build_dir, "CMakeCache.txt")):
            if line.startswith(key + ":"):
                return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""

def command_output(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""

def package_version(name):
    return command_output(["dpkg-query", "-W", "-f=${Version}", name]) or "?"

compiler = cache_value("CMAKE_CXX_COMPILER")
compiler_version = command_output([compiler, "--version"]).splitlines()[0] if compiler else "?"
memory_kb = 0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        memory_kb = int(line.split()[1])

STACKS = [
    ("sctps", "sctps, unprotected"),
    ("sctps-aes128gcm", "sctps, DTLS chunk AES-128-GCM"),
    ("sctps-chacha20", "sctps, DTLS chunk ChaCha20-Poly1305"),
    ("usrsctp", "usrsctp, unprotected"),
    ("rfc6083-dtls12", "DTLS 1.2 over usrsctp (RFC 6083-style), AES-128-GCM"),
]
stacks = [(k, label) for k, label in STACKS if k in e2e["stacks"]]
sizes = e2e["sizes"]

def size_label(n):
    return f"{n // 1024} KB" if n >= 1024 and n % 1024 == 0 else f"{n} B"

def med(stack, key):
    v = e2e["stacks"].get(stack, {}).get(key)
    return v["median"] if v else None

def spread(stack, key, fmt):
    v = e2e["stacks"].get(stack, {}).get(key)
    if not v:
        return "–"
    runs = v["runs"]
    return f"{fmt.format(v['median'])} ({fmt.format(min(runs))}–{fmt.format(max(runs))})"

def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"

# Micro benchmarks: medians of the repetitions, by name.
micro_by_name = {}
for b in micro.get("benchmarks", []):
    if b.get("aggregate_name") == "median":
        micro_by_name[b["run_name"]] = b

def aead(op, suite, n):
    b = micro_by_name.get(f"BM_BareAead{op}/suite:{suite}/bytes:{n}")
    return b["bytes_per_second"] / 1e9 if b else None

def udp(name):
    b = micro_by_name.get(f"BM_UdpLoopback{name}/real_time")
    return b.get("datagrams/s") if b else None

ctx = micro.get("context", {})
L = []
w = L.append
w("# Benchmarks")
w("")
w(f"Generated by `bench/run_all.sh` on {started}; do not edit by hand, run it again. Issue #7: "
  "sctps with and without the DTLS chunk, next to usrsctp and to DTLS 1.2 over usrsctp as in "
  "RFC 6083, on one machine, over loopback.")
w("")
w("## Machine and build")
w("")
w("| | |")
w("|---|---|")
w(f"| CPU | {cpu_model()} |")
w(f"| CPUs (nproc) | {os.cpu_count()} |")
w(f"| memory | {memory_kb / 1048576:.1f} GiB |")
w(f"| kernel | {platform.system()} {platform.release()} ({platform.machine()}) |")
w(f"| compiler | {compiler_version} |")
w(f"| build type | {build_type or '?'} (`{shown(build_dir)}`) |")
w(f"| OpenSSL | {package_version('libssl3')} (Debian package) |")
w(f"| usrsctp | {package_version('libusrsctp2')} (Debian package) |")
w(f"| load average (1 min) | {load_start} at the start, {load_end} at the end |")
w(f"| whole run | {int(elapsed) // 60} min {int(elapsed) % 60} s |")
w("")
w("**Caveat.** This machine is shared: other engineers' compilers ran on the same two cores "
  "during the run (see the load average), and both peers of every end-to-end run share those "
  "two cores as well. Figures move by tens of percent from run to run; the tables give the "
  "median and, in parentheses, the lowest and highest of the repetitions. Compare stacks within "
  "one report, not across reports, and treat small differences as noise.")
w("")
w("Command:")
w("")
w("```")
w(command)
w("```")
w("")
w(f"Every end-to-end figure is the median of {e2e['reps']} runs of {e2e['duration_s']} s; the "
  "repetitions are the outer loop, so that a change in load is spread over all stacks.")
w("")
failed = e2e.get("failed_runs", [])
if failed:
    w(f"{len(failed)} run(s) failed and were repeated (a run is tried three times at most):")
    w("")
    for f in failed:
        w(f"- `{f}`")
    w("")

# Headline.
w("## Headline")
w("")
w("Throughput of sctps protected with AES-128-GCM (DTLS chunk) divided by that of plain usrsctp "
  "and by that of the RFC 6083-style DTLS 1.2 baseline (same cipher), per message size; "
  "above 1 means sctps is faster. Latency: the other stack's 100-byte echo time divided by ours "
  "(above 1: sctps answers sooner).")
w("")
w("| | sctps AES-128-GCM (MB/s) | usrsctp (MB/s) | ratio | RFC 6083-style (MB/s) | ratio |")
w("|---|---:|---:|---:|---:|---:|")
for n in sizes:
    a = med("sctps-aes128gcm", f"mbps_{n}")
    u = med("usrsctp", f"mbps_{n}")
    d = med("rfc6083-dtls12", f"mbps_{n}")
    f = lambda x: f"{x:.1f}" if x is not None else "–"
    w(f"| {size_label(n)} messages | {f(a)} | {f(u)} | {ratio(a, u)} | {f(d)} | {ratio(a, d)} |")
for key, label in (("p50_us", "100 B echo p50"), ("p99_us", "100 B echo p99")):
    a, u, d = med("sctps-aes128gcm", key), med("usrsctp", key), med("rfc6083-dtls12", key)
    f = lambda x: f"{x:.1f} µs" if x is not None else "–"
    w(f"| {label} | {f(a)} | {f(u)} | {ratio(u, a)} | {f(d)} | {ratio(d, a)} |")
w("")
w("![Throughput per message size and stack](benchmarks.png)")
w("")

# Full tables.
w("## Throughput")
w("")
w("MB/s of application payload (10^6 bytes), as the receiver counts it from its first to its "
  "last message; median (lowest–highest).")
w("")
w("| stack | " + " | ".join(size_label(n) for n in sizes) + " |")
w("|---|" + "---:|" * len(sizes))
for k, label in stacks:
    w(f"| {label} | " + " | ".join(spread(k, f"mbps_{n}", "{:.1f}") for n in sizes) + " |")
w("")
w("Messages per second, median:")
w("")
w("| stack | " + " | ".join(size_label(n) for n in sizes) + " |")
w("|---|" + "---:|" * len(sizes))
for k, label in stacks:
    cells = []
    for n in sizes:
        v = med(k, f"msgs_{n}")
        cells.append(f"{v:,.0f}" if v is not None else "–")
    w(f"| {label} | " + " | ".join(cells) + " |")
w("")
w("## Request/response latency")
w("")
w("100-byte request, the server echoes it, one request outstanding; the client's round-trip "
  "time in µs, median (lowest–highest) over the repetitions of each run's percentile.")
w("")
w("| stack | p50 | p99 |")
w("|---|---:|---:|")
for k, label in stacks:
    w(f"| {label} | {spread(k, 'p50_us', '{:.1f}')} | {spread(k, 'p99_us', '{:.1f}')} |")
w("")
sc = [(k, label) for k, label in stacks if med(k, "send_syscalls_per_datagram") is not None]
if sc:
    w("System calls per datagram of sctps in the 1200 B run (sendmmsg/recvmmsg with UDP GSO/GRO "
      "batching; usrsctp's internal threads are not counted):")
    w("")
    w("| stack | send path | receive path |")
    w("|---|---:|---:|")
    for k, label in sc:
        w(f"| {label} | {med(k, 'send_syscalls_per_datagram'):.3f} | "
          f"{med(k, 'recv_syscalls_per_datagram'):.3f} |")
    w("")

# Retransmissions: where the programs report them (sctps_e2e, rfc6083_e2e).
rt = [(k, label) for k, label in stacks
      if any(f"t3_{n}" in e2e["stacks"].get(k, {}) for n in sizes)]
if rt:
    w("Losses in the stream runs, as the sender saw them: retransmission timeouts / retransmitted "
      f"DATA chunks, summed over the {e2e['reps']} runs of each size. A timeout stalls the "
      "association for at least RTO.Min, 1 s in both stacks (RFC 9260 §6.3.1 default), a large "
      "part of a 1.5 s run; a fast retransmission costs far less. On loopback, packets are lost "
      "when a receiving UDP socket's buffer overflows while its reader waits for a CPU. "
      "usrsctp_e2e does not report these counters.")
    w("")
    w("| stack | " + " | ".join(size_label(n) for n in sizes) + " |")
    w("|---|" + "---:|" * len(sizes))
    for k, label in rt:
        cells = []
        for n in sizes:
            t = e2e["stacks"][k].get(f"t3_{n}")
            r = e2e["stacks"][k].get(f"retransmitted_{n}")
            cells.append(f"{sum(t['runs']):.0f} / {sum(r['runs']):,.0f}" if t and r else "–")
        w(f"| {label} | " + " | ".join(cells) + " |")
    w("")

# Physical limits.
w("## Physical limits (micro benchmarks)")
w("")
w("From `sctps_micro_bench` (Google Benchmark, median of 3 repetitions): what one core can do "
  "without any SCTP, so that the end-to-end figures can be read against it.")
w("")
w("Bare AEAD with a prepared OpenSSL context (nonce, 3-byte AAD, data, tag), one core, GB/s "
  "(10^9 bytes of plaintext per CPU second):")
w("")
aead_sizes = sorted({int(m.group(1)) for name in micro_by_name
                     for m in [re.search(r"BM_BareAead\w+/suite:\d+/bytes:(\d+)", name)] if m})
w("| | " + " | ".join(size_label(n) for n in aead_sizes) + " |")
w("|---|" + "---:|" * len(aead_sizes))
for suite, sname in ((4865, "AES-128-GCM"), (4867, "ChaCha20-Poly1305")):
    for op, oname in (("Seal", "seal"), ("Open", "open")):
        cells = []
        for n in aead_sizes:
            v = aead(op, suite, n)
            cells.append(f"{v:.2f}" if v is not None else "–")
        w(f"| {sname} {oname} | " + " | ".join(cells) + " |")
w("")
w("UDP over loopback, 1200-byte datagrams, batches of 32 (`bench/micro/udp_bench.cc`):")
w("")
w("| | datagrams/s | MB/s of 1200 B datagrams |")
w("|---|---:|---:|")
for name, label in (("Alternating/sendmmsg_recvmmsg", "one thread, sendmmsg + recvmmsg"),
                    ("Alternating/gso", "one thread, GSO send"),
                    ("Alternating/gso_gro", "one thread, GSO send + GRO receive"),
                    ("TwoThreads/sendmmsg_recvmmsg", "sender and receiver thread, sendmmsg"),
                    ("TwoThreads/gso", "sender and receiver thread, GSO"),
                    ("TwoThreads/gso_gro", "sender and receiver thread, GSO + GRO")):
    v = udp(name)
    if v is not None:
        w(f"| {label} | {v:,.0f} | {v * 1200 / 1e6:,.0f} |")
w("")
a1200 = aead("Seal", 4865, 1200)
e1200 = med("sctps-aes128gcm", "mbps_1200")
if a1200 and e1200:
    w(f"One core seals 1200-byte AES-128-GCM records at about {a1200 * 1e3:,.0f} MB/s, "
      f"{a1200 * 1e3 / e1200:.0f}× the {e1200:.0f} MB/s that protected sctps carried end to end "
      "with 1200 B messages: the cipher alone does not set that limit; the SCTP work, the system "
      "calls and the second peer on the same two cores do.")
    w("")

# Handshake and memory.
w("## Handshake and memory")
w("")
if handshake is None:
    err_path = os.path.join(results, "handshake.err")
    err = open(err_path).read().strip().splitlines() if os.path.exists(err_path) else []
    if err:
        w("Left out of this run: `bench/handshake/sctps_handshake_bench --json` did not give a "
          "result:")
        w("")
        w("```")
        w(err[-1])
        w("```")
        w("")
    else:
        w("Left out: `bench/handshake/sctps_handshake_bench` is not built in this tree.")
else:
    w("From `sctps_handshake_bench --json` (TLS 1.3 key management, method 192, mutual "
      "certificates, EC P-256; client and server in one process; see "
      "[benchmarks-handshake.md](benchmarks-handshake.md) for its method).")
    w("")
    lat = handshake.get("latency")
    if lat:
        w("| connect latency (sequential) | median | p99 |")
        w("|---|---:|---:|")
        resumed = lat.get("resumed")
        resumed_label = "connect → protection established, resumed TLS session"
        if resumed is not None and lat.get("protected_resumed"):
            resumed_label += f" ({resumed} of {lat['protected_resumed'].get('count', 0)} resumed)"
        for key, label in (("protected", "connect → protection established, full TLS handshake"),
                           ("protected_resumed", resumed_label),
                           ("unprotected", "connect → association up, plain")):
            p = lat.get(key)
            if p:
                w(f"| {label} | {p.get('median_us', 0):,.0f} µs | {p.get('p99_us', 0):,.0f} µs |")
        w("")
    thr = handshake.get("throughput")
    if thr:
        conc = handshake.get("config", {}).get("concurrency", "?")
        w(f"| handshake rate ({conc} in flight) | per second | CPU µs per handshake, both ends |")
        w("|---|---:|---:|")
        for key in ("protected", "unprotected"):
            t = thr.get(key)
            if t:
                w(f"| {key} | {t.get('per_second', 0):,.0f} | "
                  f"{t.get('cpu_us_per_handshake_both_endpoints', 0):,.0f} |")
        w("")
    mem = handshake.get("memory")
    if mem:
        w("| memory per idle association | associations | heap per side (est.) | client | server |")
        w("|---|---:|---:|---:|---:|")
        for m in mem:
            w(f"| {'protected' if m.get('protected') else 'plain'} | {m.get('associations')} | "
              f"{m.get('heap_bytes_per_assoc_per_side_est', 0):,.0f} B | "
              f"{m.get('client_bytes_per_assoc', 0):,.0f} B | "
              f"{m.get('server_bytes_per_assoc', 0):,.0f} B |")
        w("")
        target = handshake.get("memory_target_bytes_per_side")
        if target:
            w(f"Target of issue #7: at most {target:,} bytes per side for an idle protected "
              "association.")
            w("")

# Method.
w("## Method")
w("")
w("- **Transport.** Every stack runs SCTP over UDP encapsulation (RFC 6951) on 127.0.0.1, one "
  "association, server and client as two processes (`bench/e2e/run.sh`). Buffers are alike: "
  "1 MiB receive window, 4 MiB send buffer; usrsctp runs without Nagle's delay, as sctps does.")
w("- **Throughput.** The client sends messages of one size as fast as its stack takes them for "
  "the run's duration, then shuts the association down; the server counts messages and bytes "
  "between its first and its last received message. The script checks that the server received "
  "every message the client sent. sctps uses streams 0–3 in turn, usrsctp too; the RFC 6083 "
  "baseline uses stream 0 only (below).")
w("- **Latency.** One 100-byte request outstanding; the server echoes it; p50 and p99 of the "
  "client's round trips within each run.")
w("- **sctps protected.** The DTLS chunk (draft-ietf-tsvwg-sctp-dtls-chunk) with pre-shared keys "
  "(key-management method 0, `docs/psk.md`), fresh random keys per run, strict mode; the script "
  "checks the cipher suite the association reports and that records were sealed. Once keys are "
  "installed the data path is the same as with TLS 1.3 key management (method 192): every packet "
  "after the handshake is one DTLS chunk.")
w("- **RFC 6083-style baseline** (`bench/e2e/rfc6083_e2e.cc`). DTLS 1.2 from OpenSSL "
  "(`DTLS_method`, version pinned to 1.2, ECDHE-ECDSA-AES128-GCM-SHA256) over usrsctp, through "
  "memory BIOs. Each DTLS record is one SCTP user message (RFC 6083 §4.1). A record carries at "
  "most 2^14 bytes, so a message larger than that is written as several records — a 64 KB "
  "message is four 16 KB records, four SCTP user messages — and the receiver joins them: the "
  "PPID of each user message says whether more records of the same message follow. Mutual "
  "authentication with EC P-256 certificates made in-process (self-signed; each peer proves "
  "possession of its key in the handshake). All records go on stream 0, ordered, because "
  "OpenSSL's DTLS replay window cannot be switched off through a memory BIO (RFC 6083 §3.3 asks "
  "for it off) and records reordered across streams could fall outside it. DTLS retransmission "
  "timers are not driven (SCTP is reliable). SCTP-AUTH of the DATA chunks (RFC 6083 §4.5) is "
  "not set up: it would add an HMAC per packet, so leaving it out favours the baseline.")
w("- **Physical limits.** `sctps_micro_bench` `BM_BareAead*` (one EVP AEAD operation per "
  "record, one core) and `BM_UdpLoopback*` (the kernel's loopback UDP rate with sendmmsg, GSO "
  "and GRO), without any SCTP.")
if handshake is not None:
    w("- **Handshake and memory.** `sctps_handshake_bench --json`, as it is "
      "(`bench/handshake/`).")
w(f"- Raw results (every repetition): `{shown(results)}/` "
  "(`e2e.json`, `micro.json`, `handshake.json`).")
w("")

with open(os.path.join(out_dir, "benchmarks.md"), "w") as f:
    f.write("\n".join(L))  # the last line is empty: the file ends with one newline

# Chart data: one row per message size, one column per stack (MB/s medians).
with open(os.path.join(results, "throughput.dat"), "w") as f:
    f.write("size " + " ".join(f'"{label}"' for _, label in stacks) + "\n")
    for n in sizes:
        f.write(f'"{size_label(n)}" ' +
                " ".join(f"{med(k, f'mbps_{n}') or 0:.3f}" for k, _ in stacks) + "\n")
with open(os.path.join(results, "chart_title.txt"), "w") as f:
    f.write(f"Loopback throughput, median of {e2e['reps']} runs ({os.cpu_count()} CPUs, shared)")
PY

if command -v gnuplot >/dev/null; then
  log "chart: $out_dir/benchmarks.png"
  gnuplot -e "datafile='$results/throughput.dat'; outfile='$out_dir/benchmarks.png'; \
charttitle='$(cat "$results/chart_title.txt")'; stacks=$(head -1 "$results/throughput.dat" | grep -o '"' | wc -l)/2" \
    "$root/bench/plot.gnuplot"
else
  log "no gnuplot: $out_dir/benchmarks.png not drawn"
fi
log "done in $((SECONDS / 60)) min $((SECONDS % 60)) s"
