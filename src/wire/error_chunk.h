// Operation Error (ERROR) chunk, RFC 9260 §3.3.10, and the layout it shares with ABORT (§3.3.7):
// a chunk header followed by a block of error causes. The shared part lives here in
// CauseChunkFields; abort_chunk.h adds the T bit.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 9    |  Chunk Flags  |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                   one or more Error Causes                    /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Causes are kept raw (a validated TLV block); error_causes.h decodes them. ERROR flags are
// reserved (ignored). Left to the engine: an ERROR without any cause (§3.3.10 asks for at least
// one) and the meaning of each cause (§3.3.10.x).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/tlv.h"

namespace sctps::wire {

// Shared by ERROR and ABORT: a header and a raw error-cause block.
struct CauseChunkFields {
  static constexpr std::size_t kHeaderSize = 4;
  // The chunk length is 16 bits; encode() refuses more (it marks the writer overflowed).
  static constexpr std::size_t kMaxCausesSize = 0xFFFF - kHeaderSize;

  // Validated cause block when parsed (may be empty). When encoding it is written as given, so
  // build it with encode_tlv(); the padding of its last item is then counted in the chunk length,
  // which receivers accept (§3.2).
  Bytes causes;

  // The causes as a TLV block; empty if a hand-built `causes` is not valid framing.
  TlvBlock cause_block() const;
  std::size_t encoded_size() const { return kHeaderSize + causes.size(); }  // without padding

 protected:
  static Result<CauseChunkFields> parse_fields(const ChunkView& chunk);
  void encode_fields(ByteWriter& w, std::uint8_t type, std::uint8_t flags) const;
  std::string describe_causes() const;  // "causes=[1,13]": the cause codes in order
};

struct ErrorChunk : CauseChunkFields {
  static constexpr std::uint8_t kType = chunk_type::kError;

  static Result<ErrorChunk> parse(const ChunkView& chunk);
  void encode(ByteWriter& w) const { encode_fields(w, kType, 0); }
  std::string describe() const { return describe_causes(); }

  friend bool operator==(const ErrorChunk& a, const ErrorChunk& b);
};

}  // namespace sctps::wire
