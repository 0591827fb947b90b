// Receive-path parsing cost: a packet bundling 12 DATA chunks (about 1.2 KB) is framed by
// PacketView::parse and each chunk decoded by DataChunk::parse, with and without the CRC32c check
// that precedes it on a real receive (RFC 9260 §6.8).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "wire/crc32c.h"
#include "wire/data_chunk.h"
#include "wire/packet.h"

namespace {

using namespace sctps;
using namespace sctps::wire;

constexpr std::size_t kChunks = 12;
constexpr std::size_t kPayload = 80;  // 12 * (16 + 80) + 12 = 1164 bytes

std::vector<std::uint8_t> make_packet() {
  std::vector<std::uint8_t> payload(kPayload);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
  std::vector<std::uint8_t> buf(CommonHeader::kSize + kChunks * padded4(16 + kPayload));
  ByteWriter w(buf);
  CommonHeader h;
  h.source_port = 5000;
  h.destination_port = 5001;
  h.verification_tag = VerificationTag(0x12345678);
  h.encode(w);
  for (std::size_t i = 0; i < kChunks; ++i) {
    DataChunk d;
    d.tsn = Tsn(static_cast<std::uint32_t>(1000 + i));
    d.stream_id = StreamId(static_cast<std::uint16_t>(i % 3));
    d.ssn = Ssn(static_cast<std::uint16_t>(i));
    d.ppid = Ppid(51);
    d.payload = payload;
    d.encode(w);
  }
  if (w.overflowed() || w.size() != buf.size()) std::abort();
  write_sctp_checksum(buf);
  return buf;
}

// Returns the number of chunks decoded, so that the work cannot be optimized away.
std::size_t parse_all(Bytes packet) {
  auto p = PacketView::parse(packet);
  if (!p) return 0;
  std::size_t n = 0;
  for (const ChunkView& c : *p) {
    auto d = DataChunk::parse(c);
    benchmark::DoNotOptimize(d);
    n += d.ok() ? 1 : 0;
  }
  return n;
}

void BM_ParseDataPacket(benchmark::State& state) {
  const auto packet = make_packet();
  if (parse_all(packet) != kChunks) {
    state.SkipWithError("packet does not parse");
    return;
  }
  for (auto _ : state) {
    std::size_t n = parse_all(packet);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * packet.size()));
}

void BM_ParseDataPacketVerifyChecksum(benchmark::State& state) {
  const auto packet = make_packet();
  if (!verify_sctp_checksum(packet) || parse_all(packet) != kChunks) {
    state.SkipWithError("packet does not verify");
    return;
  }
  for (auto _ : state) {
    std::size_t n = verify_sctp_checksum(packet) ? parse_all(packet) : 0;
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * packet.size()));
}

BENCHMARK(BM_ParseDataPacket);
BENCHMARK(BM_ParseDataPacketVerifyChecksum);

}  // namespace
