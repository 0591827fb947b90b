// CRC32c throughput (RFC 9260 §6.8 checksum): the dispatching entry point and both variants, at a
// typical packet size (1200 B) and at 64 KiB (the largest SCTP packet over IPv4).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "wire/crc32c.h"

namespace {

using sctps::wire::Bytes;

std::vector<std::uint8_t> make_data(std::size_t n) {
  std::vector<std::uint8_t> data(n);
  std::uint32_t x = 0x9E3779B9;
  for (auto& b : data) {
    x = x * 1664525 + 1013904223;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return data;
}

template <std::uint32_t (*Crc)(std::uint32_t, Bytes)>
void run(benchmark::State& state) {
  const auto data = make_data(static_cast<std::size_t>(state.range(0)));
  const Bytes bytes(data);
  for (auto _ : state) {
    std::uint32_t crc = Crc(0, bytes);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// Each call starts from the previous result, so calls cannot overlap in the out-of-order core:
// the cost of one checksum on its own (the plain loop above lets successive independent calls
// overlap, which flatters small sizes).
void BM_Crc32cChained(benchmark::State& state) {
  const auto data = make_data(static_cast<std::size_t>(state.range(0)));
  const Bytes bytes(data);
  std::uint32_t crc = 0;
  for (auto _ : state) {
    crc = sctps::wire::crc32c_extend(crc, bytes);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_Crc32c(benchmark::State& state) {
  run<sctps::wire::crc32c_extend>(state);
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!sctps::wire::crc32c_hardware_available()) {
    state.SkipWithError("no hardware CRC32c on this CPU");
    return;
  }
  run<sctps::wire::crc32c_extend_hardware>(state);
}

void BM_Crc32cPortable(benchmark::State& state) {
  run<sctps::wire::crc32c_extend_portable>(state);
}

BENCHMARK(BM_Crc32c)->Arg(1200)->Arg(64 * 1024);
BENCHMARK(BM_Crc32cChained)->Arg(1200)->Arg(64 * 1024);
BENCHMARK(BM_Crc32cHardware)->Arg(1200)->Arg(64 * 1024);
BENCHMARK(BM_Crc32cPortable)->Arg(1200)->Arg(64 * 1024);

}  // namespace
