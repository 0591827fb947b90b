#include "wire/iforward_tsn_chunk.h"

#include <fmt/format.h>

namespace sctps::wire {

namespace {
constexpr std::uint16_t kUnorderedBit = 0x0001;
}  // namespace

Result<IForwardTsnChunk> IForwardTsnChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "I-FORWARD-TSN header");
  const Bytes list = r->tail();
  if (list.size() % kEntrySize != 0)
    return make_error(ParseErrorCode::kLengthMismatch, chunk.offset, "I-FORWARD-TSN length");
  IForwardTsnChunk f;
  f.new_cumulative_tsn = Tsn(r->u32<4>());
  f.streams.reserve(list.size() / kEntrySize);
  for (std::size_t pos = 0; pos + kEntrySize <= list.size(); pos += kEntrySize) {
    const std::uint8_t* p = list.data() + pos;
    StreamEntry e;
    e.stream = StreamId(load_be16(p));
    e.unordered = (load_be16(p + 2) & kUnorderedBit) != 0;  // reserved bits ignored
    e.mid = Mid(load_be32(p + 4));
    f.streams.push_back(e);
  }
  return f;
}

void IForwardTsnChunk::encode(ByteWriter& w) const {
  if (streams.size() > kMaxEntries) {
    w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
    return;
  }
  TlvScope scope(w, kType, std::uint8_t{0});
  w.u32(new_cumulative_tsn.value());
  for (const StreamEntry& e : streams) {
    w.u16(e.stream.value());
    w.u16(e.unordered ? kUnorderedBit : std::uint16_t{0});
    w.u32(e.mid.value());
  }
}

std::string IForwardTsnChunk::describe() const {
  std::string out = fmt::format("new_cum_tsn={} streams=[", new_cumulative_tsn.value());
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const StreamEntry& e = streams[i];
    out += fmt::format("{}{}{}:{}", i == 0 ? "" : ", ", e.stream.value(), e.unordered ? "U" : "",
                       e.mid.value());
  }
  out += "]";
  return out;
}

}  // namespace sctps::wire
