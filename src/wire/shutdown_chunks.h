// The three chunks of a graceful close: SHUTDOWN (RFC 9260 §3.3.8), SHUTDOWN ACK (§3.3.9) and
// SHUTDOWN COMPLETE (§3.3.13). All have a fixed length; any other length is kLengthMismatch.
//
// SHUTDOWN, length 8:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 7    |  Chunk Flags  |          Length = 8           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Cumulative TSN Ack                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// SHUTDOWN ACK, length 4:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 8    |  Chunk Flags  |          Length = 4           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// SHUTDOWN COMPLETE, length 4:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 14   |  Reserved   |T|          Length = 4           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// T set: the verification tag is the sender's own, reflected (§8.4, §8.5.1). Reserved flag bits
// are ignored. Left to the engine: whether the cumulative TSN ack of a SHUTDOWN is in range
// (§9.2) and the state checks of §9.2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctps::wire {

namespace shutdown_complete_flags {
inline constexpr std::uint8_t kTagReflected = 0x01;  // T bit
}  // namespace shutdown_complete_flags

struct ShutdownChunk {
  static constexpr std::uint8_t kType = chunk_type::kShutdown;
  static constexpr std::size_t kSize = 8;

  Tsn cumulative_tsn_ack{0};

  static Result<ShutdownChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "cum_tsn=5"

  friend bool operator==(const ShutdownChunk&, const ShutdownChunk&) = default;
};

struct ShutdownAckChunk {
  static constexpr std::uint8_t kType = chunk_type::kShutdownAck;
  static constexpr std::size_t kSize = 4;

  static Result<ShutdownAckChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const { return {}; }

  friend bool operator==(const ShutdownAckChunk&, const ShutdownAckChunk&) = default;
};

struct ShutdownCompleteChunk {
  static constexpr std::uint8_t kType = chunk_type::kShutdownComplete;
  static constexpr std::size_t kSize = 4;

  bool tag_reflected = false;  // T bit

  static Result<ShutdownCompleteChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::uint8_t flags() const {
    return static_cast<std::uint8_t>(tag_reflected ? shutdown_complete_flags::kTagReflected : 0);
  }
  std::string describe() const;  // "T=1"

  friend bool operator==(const ShutdownCompleteChunk&, const ShutdownCompleteChunk&) = default;
};

}  // namespace sctps::wire
