#include "wire/cookie_chunks.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {

Result<CookieEchoChunk> CookieEchoChunk::parse(const ChunkView& chunk) {
  return CookieEchoChunk{chunk.value};
}

void CookieEchoChunk::encode(ByteWriter& w) const {
  if (cookie.size() > kMaxCookieSize) {
    w.zeros(w.remaining() + 1);  // cannot be framed: fail like a full buffer, write nothing
    return;
  }
  TlvScope scope(w, kType, 0);
  w.bytes(cookie);
}

std::string CookieEchoChunk::describe() const {
  return fmt::format("cookie_len={}", cookie.size());
}

bool operator==(const CookieEchoChunk& a, const CookieEchoChunk& b) {
  return bytes_equal(a.cookie, b.cookie);
}

Result<CookieAckChunk> CookieAckChunk::parse(const ChunkView& chunk) {
  if (chunk.whole.size() != kSize)
    return make_error(ParseErrorCode::kLengthMismatch, chunk.offset, "COOKIE ACK length");
  return CookieAckChunk{};
}

void CookieAckChunk::encode(ByteWriter& w) const {
  TlvScope scope(w, kType, 0);
}

}  // namespace sctps::wire
