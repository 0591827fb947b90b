// ABORT chunk, RFC 9260 §3.3.7. Same layout as ERROR (error_chunk.h) plus the T bit.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 6    |  Reserved   |T|            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                   zero or more Error Causes                   /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// T set: the packet's verification tag is the sender's own tag reflected, not the receiver's
// (§8.4, §8.5.1); the engine checks the tag accordingly. Reserved flag bits are ignored.
#pragma once

#include <cstdint>
#include <string>

#include "wire/error_chunk.h"

namespace sctps::wire {

namespace abort_flags {
inline constexpr std::uint8_t kTagReflected = 0x01;  // T bit
}  // namespace abort_flags

struct AbortChunk : CauseChunkFields {
  static constexpr std::uint8_t kType = chunk_type::kAbort;

  bool tag_reflected = false;  // T bit

  static Result<AbortChunk> parse(const ChunkView& chunk);
  void encode(ByteWriter& w) const { encode_fields(w, kType, flags()); }
  std::uint8_t flags() const {
    return static_cast<std::uint8_t>(tag_reflected ? abort_flags::kTagReflected : 0);
  }
  std::string describe() const;  // "T=1 causes=[12]"

  friend bool operator==(const AbortChunk& a, const AbortChunk& b);
};

}  // namespace sctps::wire
