#include "wire/forward_tsn_chunk.h"

#include <fmt/format.h>

namespace sctps::wire {

Result<ForwardTsnChunk> ForwardTsnChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "FORWARD TSN header");
  const Bytes list = r->tail();
  if (list.size() % kEntrySize != 0)
    return make_error(ParseErrorCode::kLengthMismatch, chunk.offset, "FORWARD TSN length");
  ForwardTsnChunk f;
  f.new_cumulative_tsn = Tsn(r->u32<4>());
  f.streams.reserve(list.size() / kEntrySize);
  for (std::size_t pos = 0; pos + kEntrySize <= list.size(); pos += kEntrySize) {
    f.streams.push_back(
        {StreamId(load_be16(list.data() + pos)), Ssn(load_be16(list.data() + pos + 2))});
  }
  return f;
}

void ForwardTsnChunk::encode(ByteWriter& w) const {
  if (streams.size() > kMaxEntries) {
    w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
    return;
  }
  TlvScope scope(w, kType, std::uint8_t{0});
  w.u32(new_cumulative_tsn.value());
  for (const StreamEntry& e : streams) {
    w.u16(e.stream.value());
    w.u16(e.ssn.value());
  }
}

std::string ForwardTsnChunk::describe() const {
  std::string out = fmt::format("new_cum_tsn={} streams=[", new_cumulative_tsn.value());
  for (std::size_t i = 0; i < streams.size(); ++i) {
    out += fmt::format("{}{}:{}", i == 0 ? "" : ", ", streams[i].stream.value(),
                       streams[i].ssn.value());
  }
  out += "]";
  return out;
}

}  // namespace sctps::wire
