// Fuzz target: the DTLS chunk receive path. The input is everything after a fixed common header;
// it is opened by a protector holding the receive keys of five test vectors (primary epochs 3 to 6
// with all three suites, restart epoch 3). Never a crash, never a sanitizer report, and:
// - an opened packet's chunks lie inside the packet and parse;
// - the same record opened a second time is a replay.
// The seed corpus (corpus/dtls_open) holds the vectors' DTLS chunks and a few broken variants.
#include <cstdint>
#include <string_view>
#include <vector>

#include "protect/chunk_protector.h"
#include "roundtrip.h"
#include "wire/crc32c.h"
#include "wire/packet.h"

using namespace sctps;

namespace {

std::vector<std::uint8_t> hex(std::string_view s) {
  auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(s[i]) << 4) | nibble(s[i + 1])));
  }
  return out;
}

struct Key {
  bool restart;
  std::uint64_t epoch;
  std::uint16_t suite;
  std::string_view key, iv, sn_key;
};

// From tests/vectors/dtls-chunk-vectors.json (vectors 0, 2, 3, 6 and 5).
constexpr Key kKeys[] = {
    {false, 3, 0x1301, "000102030405060708090a0b0c0d0e0f", "a0a1a2a3a4a5a6a7a8a9aaab",
     "505356595c5f6265686b6e7174777a7d"},
    {false, 4, 0x1301, "202122232425262728292a2b2c2d2e2f", "a2a3a4a5a6a7a8a9aaabacad",
     "5255585b5e6164676a6d707376797c7f"},
    {false, 5, 0x1302, "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
     "a3a4a5a6a7a8a9aaabacadae",
     "5356595c5f6265686b6e7174777a7d808386898c8f9295989b9ea1a4a7aaadb0"},
    {false, 6, 0x1303, "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f",
     "a6a7a8a9aaabacadaeafb0b1",
     "56595c5f6265686b6e7174777a7d808386898c8f9295989b9ea1a4a7aaadb0b3"},
    {true, 3, 0x1301, "505152535455565758595a5b5c5d5e5f", "a5a6a7a8a9aaabacadaeafb0",
     "55585b5e6164676a6d707376797c7f82"},
};

protect::ChunkProtector make_receiver() {
  protect::ChunkProtector p;
  for (const Key& k : kKeys) {
    auto m = protect::KeyMaterial::make(k.suite, hex(k.key), hex(k.iv), hex(k.sn_key));
    fuzz::require(m.has_value());
    fuzz::require(p.establish_receive_key(k.restart, k.epoch, *m) == protect::KeyStatus::kOk);
  }
  p.require_protection();
  return p;
}

constexpr std::uint8_t kCommonHeader[] = {0x13, 0x88, 0x13, 0x89, 0x0A, 0x0B,
                                          0x0C, 0x0D, 0,    0,    0,    0};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> packet(std::begin(kCommonHeader), std::end(kCommonHeader));
  packet.insert(packet.end(), data, data + size);
  wire::write_sctp_checksum(packet);
  const std::vector<std::uint8_t> original = packet;

  protect::ChunkProtector receiver = make_receiver();
  const protect::OpenResult r = receiver.open(packet);
  if (!r.ok()) {
    fuzz::require(receiver.stats().dropped_total() == 1);
    return 0;
  }
  // The chunks are a region of the packet buffer, after the DTLS chunk header.
  const std::uint8_t* begin = r.chunks.bytes.data();
  fuzz::require(begin >= packet.data() + 20);
  fuzz::require(begin + r.chunks.bytes.size() <= packet.data() + packet.size());
  fuzz::require(static_cast<std::size_t>(begin - packet.data()) == r.chunks.base_offset);
  auto again = wire::ChunkRegion::parse(r.chunks.bytes, r.chunks.base_offset);
  fuzz::require(again.ok() && again->chunk_count == r.chunks.chunk_count);
  for (const wire::ChunkView& c : *again) fuzz::require(c.whole.size() >= 4);
  fuzz::require(receiver.stats().recv_protected == 1);

  // Replaying the same bytes is refused.
  std::vector<std::uint8_t> replay = original;
  const protect::OpenResult r2 = receiver.open(replay);
  fuzz::require(!r2.ok() && *r2.drop == protect::DropReason::kReplayDuplicate);
  return 0;
}
