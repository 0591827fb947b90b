#include "wire/sack_chunk.h"

#include <fmt/format.h>

namespace sctps::wire {

Result<SackChunk> SackChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "SACK header");
  const std::size_t gaps = r->u16<12>();
  const std::size_t dups = r->u16<14>();
  const Bytes tail = r->tail();
  if (tail.size() != 4 * (gaps + dups))
    return make_error(ParseErrorCode::kLengthMismatch, chunk.offset, "SACK gap/duplicate counts");
  SackChunk s;
  s.cumulative_tsn_ack = Tsn(r->u32<4>());
  s.a_rwnd = r->u32<8>();
  // The length check above bounds every read below: 4 * (gaps + dups) bytes are present.
  s.gap_ack_blocks.reserve(gaps);
  for (std::size_t i = 0; i < gaps; ++i) {
    const std::uint8_t* p = tail.data() + 4 * i;
    s.gap_ack_blocks.push_back(GapAckBlock{load_be16(p), load_be16(p + 2)});
  }
  s.duplicate_tsns.reserve(dups);
  for (std::size_t i = 0; i < dups; ++i) {
    s.duplicate_tsns.push_back(Tsn(load_be32(tail.data() + 4 * (gaps + i))));
  }
  return s;
}

void SackChunk::encode(ByteWriter& w) const {
  if (gap_ack_blocks.size() + duplicate_tsns.size() > kMaxEntries) {
    w.zeros(w.remaining() + 1);  // cannot be framed: fail like a full buffer, write nothing
    return;
  }
  TlvScope scope(w, kType, 0);
  w.u32(cumulative_tsn_ack.value());
  w.u32(a_rwnd);
  w.u16(static_cast<std::uint16_t>(gap_ack_blocks.size()));
  w.u16(static_cast<std::uint16_t>(duplicate_tsns.size()));
  for (const GapAckBlock& g : gap_ack_blocks) {
    w.u16(g.start);
    w.u16(g.end);
  }
  for (const Tsn t : duplicate_tsns) w.u32(t.value());
}

std::string SackChunk::describe() const {
  std::string gaps;
  for (const GapAckBlock& g : gap_ack_blocks) {
    if (!gaps.empty()) gaps += ',';
    gaps += fmt::format("{}-{}", g.start, g.end);
  }
  std::string dups;
  for (const Tsn t : duplicate_tsns) {
    if (!dups.empty()) dups += ',';
    dups += fmt::format("{}", t.value());
  }
  return fmt::format("cum_tsn={} a_rwnd={} gaps=[{}] dups=[{}]", cumulative_tsn_ack.value(), a_rwnd,
                     gaps, dups);
}

}  // namespace sctps::wire
