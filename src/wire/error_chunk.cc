#include "wire/error_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

Result<CauseChunkFields> CauseChunkFields::parse_fields(const ChunkView& chunk) {
  auto block = TlvBlock::parse(chunk.value);
  if (!block) {
    ParseError e = block.error();
    e.offset += static_cast<std::uint32_t>(chunk.offset + kHeaderSize);
    return e;
  }
  CauseChunkFields f;
  f.causes = chunk.value;
  return f;
}

TlvBlock CauseChunkFields::cause_block() const {
  auto block = TlvBlock::parse(causes);
  return block ? *block : *TlvBlock::parse(Bytes{});
}

void CauseChunkFields::encode_fields(ByteWriter& w, std::uint8_t type, std::uint8_t flags) const {
  if (causes.size() > kMaxCausesSize) {
    w.zeros(w.remaining() + 1);  // cannot be framed: fail like a full buffer, write nothing
    return;
  }
  TlvScope scope(w, type, flags);
  w.bytes(causes);
}

std::string CauseChunkFields::describe_causes() const {
  std::string codes;
  for (const TlvView& c : cause_block()) {
    if (!codes.empty()) codes += ',';
    codes += fmt::format("{}", c.type);
  }
  return fmt::format("causes=[{}]", codes);
}

Result<ErrorChunk> ErrorChunk::parse(const ChunkView& chunk) {
  auto f = parse_fields(chunk);
  if (!f) return f.error();
  return ErrorChunk{*f};
}

bool operator==(const ErrorChunk& a, const ErrorChunk& b) {
  return bytes_equal(a.causes, b.causes);
}

}  // namespace sctps::wire
