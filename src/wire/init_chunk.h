// INIT (RFC 9260 §3.3.2) and INIT ACK (§3.3.3). Both chunks share one layout and differ only in the
// chunk type and in which parameters they may carry, so one base struct holds the fields and the
// codec, and two thin types give each chunk its own kType and its own equality.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 1 or 2 |  Chunk Flags  |         Chunk Length          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Initiate Tag                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Advertised Receiver Window Credit (a_rwnd)           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Number of Outbound Streams   |   Number of Inbound Streams   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          Initial TSN                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /              Optional/Variable-Length Parameters              /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The parser checks syntax only: the 20-byte fixed part and the framing of the parameter block.
// Left to the engine (§3.3.2, §3.3.3): an Initiate Tag of 0, an OS or MIS of 0, an INIT ACK OS
// above the MIS we sent, the State Cookie that an INIT ACK must carry, parameters not allowed in
// the chunk, and the unknown-parameter actions of §3.2.1. The chunk flags are reserved (ignored).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/tlv.h"
#include "wire/types.h"

namespace sctps::wire {

struct InitFields {
  static constexpr std::size_t kHeaderSize = 20;
  // The chunk length is 16 bits; encode() refuses larger blocks (it marks the writer overflowed).
  static constexpr std::size_t kMaxParametersSize = 0xFFFF - kHeaderSize;

  VerificationTag initiate_tag{0};
  std::uint32_t a_rwnd = 0;
  std::uint16_t outbound_streams = 0;  // OS
  std::uint16_t inbound_streams = 0;   // MIS
  Tsn initial_tsn{0};
  // The raw parameter block: a validated TLV block when parsed. When encoding it is written as
  // given, so build it with encode_tlv(); the padding of its last item is then counted in the chunk
  // length, which receivers accept (§3.2).
  Bytes parameters;

  // The parameters as a TLV block; empty if a hand-built `parameters` is not valid framing.
  TlvBlock parameter_block() const;
  std::size_t encoded_size() const { return kHeaderSize + parameters.size(); }  // without padding
  std::string describe() const;

 protected:
  static Result<InitFields> parse_fields(const ChunkView& chunk, const char* what);
  void encode_fields(ByteWriter& w, std::uint8_t type) const;
  bool same_fields(const InitFields& other) const;
};

struct InitChunk : InitFields {
  static constexpr std::uint8_t kType = chunk_type::kInit;

  static Result<InitChunk> parse(const ChunkView& chunk);
  void encode(ByteWriter& w) const { encode_fields(w, kType); }

  friend bool operator==(const InitChunk& a, const InitChunk& b) { return a.same_fields(b); }
};

struct InitAckChunk : InitFields {
  static constexpr std::uint8_t kType = chunk_type::kInitAck;

  static Result<InitAckChunk> parse(const ChunkView& chunk);
  void encode(ByteWriter& w) const { encode_fields(w, kType); }

  friend bool operator==(const InitAckChunk& a, const InitAckChunk& b) { return a.same_fields(b); }
};

}  // namespace sctps::wire
