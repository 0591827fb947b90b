// COOKIE ECHO (RFC 9260 §3.3.11) and COOKIE ACK (§3.3.12).
//
// COOKIE ECHO:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 10   |  Chunk Flags  |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                            Cookie                             /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// COOKIE ACK, length 4 (any other length is kLengthMismatch):
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 11   |  Chunk Flags  |          Length = 4           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The cookie is opaque here: it is the State Cookie value that our INIT ACK carried, echoed back
// byte for byte, and only its creator can interpret it. Left to the engine: verifying the cookie
// (an empty or forged one fails there, §5.1.5). Chunk flags are reserved (ignored).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"

namespace sctps::wire {

struct CookieEchoChunk {
  static constexpr std::uint8_t kType = chunk_type::kCookieEcho;
  static constexpr std::size_t kHeaderSize = 4;
  // The chunk length is 16 bits; encode() refuses more (it marks the writer overflowed).
  static constexpr std::size_t kMaxCookieSize = 0xFFFF - kHeaderSize;

  Bytes cookie;

  static Result<CookieEchoChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kHeaderSize + cookie.size(); }  // without padding
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "cookie_len=N"

  friend bool operator==(const CookieEchoChunk& a, const CookieEchoChunk& b);
};

struct CookieAckChunk {
  static constexpr std::uint8_t kType = chunk_type::kCookieAck;
  static constexpr std::size_t kSize = 4;

  static Result<CookieAckChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const { return {}; }

  friend bool operator==(const CookieAckChunk&, const CookieAckChunk&) = default;
};

}  // namespace sctps::wire
