#include "wire/pad_chunk.h"

#include <fmt/format.h>

namespace sctps::wire {

Result<PadChunk> PadChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "PAD header");
  PadChunk p;
  p.padding_length = r->tail().size();
  return p;
}

void PadChunk::encode(ByteWriter& w) const {
  if (padding_length > kMaxPaddingLength) {
    w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
    return;
  }
  TlvScope scope(w, kType, std::uint8_t{0});
  w.zeros(padding_length);
}

std::string PadChunk::describe() const {
  return fmt::format("padding={}", padding_length);
}

}  // namespace sctps::wire
