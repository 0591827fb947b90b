// Fuzz target: arbitrary bytes as an SCTP packet. Everything that parses is re-encoded with the
// packet builder and must parse back to equal chunks; nested parameters and error causes are
// round-tripped too. Never a crash, never a sanitizer report.
#include <cstdint>
#include <vector>

#include "roundtrip.h"
#include "wire/any_chunk.h"
#include "wire/crc32c.h"
#include "wire/packet.h"
#include "wire/packet_builder.h"

using namespace sctps;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::Bytes input(data, size);
  const bool checksum_ok = wire::verify_sctp_checksum(input);
  auto packet = wire::PacketView::parse(input);
  if (!packet) return 0;

  std::vector<wire::Chunk> chunks;
  for (const wire::ChunkView& view : *packet) {
    auto chunk = wire::parse_chunk(view);
    if (!chunk) continue;
    const wire::NestedBlock nested = wire::nested_block(*chunk);
    if (nested.kind != wire::NestedKind::kNone) {
      fuzz::roundtrip_tlv_block(nested.bytes, nested.kind == wire::NestedKind::kErrorCauses);
    }
    (void)wire::describe_chunk(*chunk);
    chunks.push_back(std::move(*chunk));
  }
  if (chunks.empty()) return 0;

  // Re-encoding can only add the padding that the input's last chunk may have left out.
  std::vector<std::uint8_t> out(size + 3);
  wire::PacketBuilder builder(out, packet->header());
  for (const wire::Chunk& c : chunks) {
    const bool added = std::visit([&](const auto& typed) { return builder.add(typed); }, c);
    fuzz::require(added);
  }
  const wire::MutableBytes encoded = builder.finish();
  fuzz::require(wire::verify_sctp_checksum(encoded));
  (void)checksum_ok;

  auto again = wire::PacketView::parse(encoded);
  fuzz::require(again.ok() && again->chunk_count() == chunks.size());
  std::size_t i = 0;
  for (const wire::ChunkView& view : *again) {
    auto back = wire::parse_chunk(view);
    fuzz::require(back.ok() && *back == chunks[i]);
    ++i;
  }
  return 0;
}
