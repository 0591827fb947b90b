#include "wire/reconfig_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"
#include "wire/chunk_type.h"

namespace sctps::wire {

namespace {

// The block up to the end of its last item: the last item's padding is not counted by the chunk
// length (RFC 9260 §3.2). An invalid block is returned unchanged.
Bytes without_last_padding(Bytes block) {
  auto b = TlvBlock::parse(block);
  if (!b.ok() || b->empty()) return block;
  std::size_t end = 0;
  for (const TlvView& t : *b) end = t.offset + t.whole.size();
  return block.first(end);
}

}  // namespace

Result<ReconfigChunk> ReconfigChunk::parse(const ChunkView& chunk) {
  auto r = FixedReader<kHeaderSize>::make(chunk.whole);
  if (!r) return make_error(ParseErrorCode::kTruncated, chunk.offset, "RE-CONFIG header");
  auto block = TlvBlock::parse(r->tail());
  if (!block) {
    ParseError e = block.error();
    return make_error(e.code, chunk.offset + kHeaderSize + e.offset, e.detail);
  }
  if (block->empty() || block->count() > kMaxParameters)
    return make_error(ParseErrorCode::kInvalidValue, chunk.offset + kHeaderSize,
                      "RE-CONFIG parameter count");
  ReconfigChunk c;
  c.parameters = r->tail();
  return c;
}

TlvBlock ReconfigChunk::parameter_block() const {
  auto b = TlvBlock::parse(parameters);
  return b.ok() ? *b : *TlvBlock::parse(Bytes{});
}

std::size_t ReconfigChunk::encoded_size() const {
  return kHeaderSize + without_last_padding(parameters).size();
}

void ReconfigChunk::encode(ByteWriter& w) const {
  const Bytes params = without_last_padding(parameters);
  if (kHeaderSize + params.size() > kMaxLength) {
    w.zeros(w.remaining() + 1);  // cannot fit the length field: write nothing, flag overflow
    return;
  }
  TlvScope scope(w, kType, std::uint8_t{0});
  w.bytes(params);
}

std::string ReconfigChunk::describe() const {
  std::string out = "params=[";
  bool first = true;
  for (const TlvView& t : parameter_block()) {
    const std::string_view name = parameter_type_name(t.type);
    out += first ? "" : ", ";
    out += name == "unknown" ? fmt::format("0x{:04x}", t.type) : std::string(name);
    out += fmt::format("/{}", t.whole.size());
    first = false;
  }
  out += "]";
  return out;
}

bool operator==(const ReconfigChunk& a, const ReconfigChunk& b) {
  return bytes_equal(without_last_padding(a.parameters), without_last_padding(b.parameters));
}

}  // namespace sctps::wire
