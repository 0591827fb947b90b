// DATA chunk, RFC 9260 §3.3.1, with the I bit of RFC 7053 §3.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 0    |  Res  |I|U|B|E|            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                              TSN                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      Stream Identifier S      |   Stream Sequence Number n    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  Payload Protocol Identifier                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                 User Data (seq n of Stream S)                 /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctps::wire {

// Flag bits shared by DATA and I-DATA.
namespace data_flags {
inline constexpr std::uint8_t kEnding = 0x01;
inline constexpr std::uint8_t kBeginning = 0x02;
inline constexpr std::uint8_t kUnordered = 0x04;
inline constexpr std::uint8_t kImmediate = 0x08;  // RFC 7053 §3: SACK this packet at once
}  // namespace data_flags

struct DataChunk {
  static constexpr std::uint8_t kType = chunk_type::kData;
  static constexpr std::size_t kHeaderSize = 16;

  Tsn tsn;
  StreamId stream_id;
  Ssn ssn;
  Ppid ppid;
  Bytes payload;  // points into the parsed packet, or at the sender's data when encoding
  bool unordered = false;
  bool beginning = true;
  bool ending = true;
  bool immediate_sack = false;

  // kNoUserData for a chunk without payload: the receiver must ABORT with cause 9 (§6.2).
  static Result<DataChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kHeaderSize + payload.size(); }  // without padding
  void encode(ByteWriter& w) const;
  std::uint8_t flags() const;
  std::string describe() const;

  friend bool operator==(const DataChunk& a, const DataChunk& b);
};

}  // namespace sctps::wire
