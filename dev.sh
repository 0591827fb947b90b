#!/usr/bin/env bash
# sctps developer entry point: installs what is missing, builds, runs. Idempotent.
#
#   ./dev.sh demo      set up, build (release) and run `sctps demo` (options are passed on)
#   ./dev.sh test      set up, build (release) and run the whole test suite with CTest
#   ./dev.sh asan      build the `asan` preset (ASan + UBSan, clang) and run its tests
#   ./dev.sh fuzz [S]  build the `fuzz` preset and run every fuzz target for S seconds (default 30)
#   ./dev.sh format    check formatting (clang-format); `./dev.sh format fix` rewrites files
#   ./dev.sh bench     build release and run the micro-benchmarks
#   ./dev.sh setup     only install the Debian packages that are missing
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(cmake ninja-build g++ clang clang-format libclang-rt-14-dev pkg-config
          libssl-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
          libusrsctp-dev tshark iproute2 python3)
JOBS=${JOBS:-$(nproc)}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  local preset=$1
  [ -f "build/$preset/CMakeCache.txt" ] || cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -- -j"$JOBS"
}

run_ctest() {
  local preset=$1; shift
  ctest --preset "$preset" -j"$JOBS" --timeout 600 "$@"
}

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  demo)
    setup
    build release
    log "sctps demo: a server and a client in one process on loopback, UDP encapsulation, the" \
        "DTLS chunk negotiated, keys from a TLS 1.3 handshake with throwaway certificates, traffic" \
        "both ways on several streams, a rekey while it flows, graceful shutdown, a summary"
    ./build/release/apps/sctps/sctps demo "$@"
    ;;
  test)
    setup
    build release
    run_ctest release "$@"
    ;;
  asan)
    setup
    build asan
    run_ctest asan "$@"
    ;;
  fuzz)
    setup
    build fuzz
    seconds=${1:-30}
    for target in build/fuzz/tests/fuzz/fuzz_*; do
      [ -x "$target" ] || continue
      name=$(basename "$target")
      corpus_seed="tests/fuzz/corpus/${name#fuzz_}"
      work=$(mktemp -d)
      dirs=("$work")
      [ -d "$corpus_seed" ] && dirs+=("$corpus_seed")
      mkdir -p build/fuzz/artifacts
      log "fuzzing $name for ${seconds}s"
      "$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 \
        -artifact_prefix=build/fuzz/artifacts/ "${dirs[@]}" 2>&1 | tail -n 12
      rm -rf "$work"
    done
    ;;
  format)
    mapfile -t files < <(git ls-files '*.cc' '*.h')
    if [ "${1:-}" = fix ]; then
      clang-format -i "${files[@]}"
    else
      clang-format --dry-run --Werror "${files[@]}"
      log "formatting ok (${#files[@]} files)"
    fi
    ;;
  bench)
    setup
    build release
    ./build/release/bench/sctps_micro_bench "$@"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    [ "$cmd" = help ] || exit 2
    ;;
esac
