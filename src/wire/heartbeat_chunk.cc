#include "wire/heartbeat_chunk.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"
#include "wire/tlv.h"

namespace sctps::wire {

Result<HeartbeatFields> HeartbeatFields::parse_fields(const ChunkView& chunk, const char* what) {
  const std::size_t block_offset = chunk.offset + ChunkView::kHeaderSize;
  auto block = TlvBlock::parse(chunk.value);
  if (!block) {
    ParseError e = block.error();
    // A broken first item means there is no usable Heartbeat Info.
    if (e.offset == 0) return make_error(ParseErrorCode::kInvalidValue, block_offset, what);
    e.offset += static_cast<std::uint32_t>(block_offset);
    return e;
  }
  if (block->empty() || block->begin()->type != parameter_type::kHeartbeatInfo)
    return make_error(ParseErrorCode::kInvalidValue, block_offset, what);
  HeartbeatFields f;
  f.info = block->begin()->value;
  return f;
}

void HeartbeatFields::encode_fields(ByteWriter& w, std::uint8_t type) const {
  if (info.size() > kMaxInfoSize) {
    w.zeros(w.remaining() + 1);  // cannot be framed: fail like a full buffer, write nothing
    return;
  }
  TlvScope scope(w, type, 0);
  // Written by hand rather than with a TlvScope: the padding of this last parameter is the
  // chunk's padding, which the chunk length does not count (§3.2).
  w.u16(parameter_type::kHeartbeatInfo);
  w.u16(static_cast<std::uint16_t>(4 + info.size()));
  w.bytes(info);
}

bool HeartbeatFields::same_fields(const HeartbeatFields& other) const {
  return bytes_equal(info, other.info);
}

std::string HeartbeatFields::describe() const {
  return fmt::format("info_len={}", info.size());
}

Result<HeartbeatChunk> HeartbeatChunk::parse(const ChunkView& chunk) {
  auto f = parse_fields(chunk, "HEARTBEAT: no Heartbeat Info first");
  if (!f) return f.error();
  return HeartbeatChunk{*f};
}

Result<HeartbeatAckChunk> HeartbeatAckChunk::parse(const ChunkView& chunk) {
  auto f = parse_fields(chunk, "HEARTBEAT ACK: no Heartbeat Info first");
  if (!f) return f.error();
  return HeartbeatAckChunk{*f};
}

}  // namespace sctps::wire
