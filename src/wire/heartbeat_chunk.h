// HEARTBEAT (RFC 9260 §3.3.5) and HEARTBEAT ACK (§3.3.6). Same layout, so one base struct holds the
// field and the codec, and two thin types give each chunk its own kType and equality.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 4 or 5 |  Chunk Flags  |         Chunk Length          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Heartbeat Info Type = 1    |         HB Info Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /            Sender-Specific Heartbeat Info (opaque)            /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Only the opaque value of the Heartbeat Info parameter is kept: the sender defines its content
// and the ACK returns it unchanged (§8.3). The parser demands that the first parameter be a
// well-framed Heartbeat Info (kInvalidValue otherwise); parameters after it must be well framed but
// are dropped, so they are not re-encoded. Chunk flags are reserved (ignored). Left to the engine:
// checking that an ACK's info is one it sent (and its nonce/time), per §8.3.
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

struct HeartbeatFields {
  // Chunk header and the Heartbeat Info parameter header.
  static constexpr std::size_t kHeaderSize = 8;
  // The chunk length is 16 bits; encode() refuses more (it marks the writer overflowed).
  static constexpr std::size_t kMaxInfoSize = 0xFFFF - kHeaderSize;

  Bytes info;  // the Heartbeat Info parameter's value

  std::size_t encoded_size() const { return kHeaderSize + info.size(); }  // without padding
  std::string describe() const;

 protected:
  static Result<HeartbeatFields> parse_fields(const ChunkView& chunk, const char* what);
  void encode_fields(ByteWriter& w, std::uint8_t type) const;
  bool same_fields(const HeartbeatFields& other) const;
};

struct HeartbeatChunk : HeartbeatFields {
  static constexpr std::uint8_t kType = chunk_type::kHeartbeat;

  static Result<HeartbeatChunk> parse(const ChunkView& chunk);
  void encode(ByteWriter& w) const { encode_fields(w, kType); }

  friend bool operator==(const HeartbeatChunk& a, const HeartbeatChunk& b) {
    return a.same_fields(b);
  }
};

struct HeartbeatAckChunk : HeartbeatFields {
  static constexpr std::uint8_t kType = chunk_type::kHeartbeatAck;

  static Result<HeartbeatAckChunk> parse(const ChunkView& chunk);
  void encode(ByteWriter& w) const { encode_fields(w, kType); }

  friend bool operator==(const HeartbeatAckChunk& a, const HeartbeatAckChunk& b) {
    return a.same_fields(b);
  }
};

}  // namespace sctps::wire
