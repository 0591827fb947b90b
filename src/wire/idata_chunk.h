// I-DATA chunk, RFC 8260 §2.1: user data with a 32-bit Message Identifier, so that fragments of
// different messages on one stream can interleave.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 64   |  Res  |I|U|B|E|       Length = Variable       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                              TSN                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Stream Identifier      |           Reserved            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Message Identifier                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Payload Protocol Identifier / Fragment Sequence Number     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                           User Data                           /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The fifth word is shared: with B=1 (first fragment) it carries the PPID and the FSN is implicitly
// 0; otherwise it carries the FSN and the PPID is not sent (it travels only in the first fragment).
// So exactly one of `ppid` / `fsn` is meaningful: parse sets the other to 0, encode writes the one
// `beginning` selects, and operator== ignores the other.
//
// Parse errors: fewer than 20 bytes -> kTruncated; no user data -> kNoUserData (the receiver must
// ABORT with cause 9 "No User Data", RFC 9260 §6.2 via RFC 8260 §2.1).
// Left to the engine: I-DATA is allowed only when both ends negotiated it (RFC 8260 §2.2); a DATA
// chunk on such an association, or I-DATA without it, is a protocol violation. Stream id range and
// MID/FSN consistency are not checked here. Reserved bits are zero on send and ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/data_chunk.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctps::wire {

struct IDataChunk {
  static constexpr std::uint8_t kType = chunk_type::kIData;
  static constexpr std::size_t kHeaderSize = 20;
  // The 16-bit Chunk Length counts the header.
  static constexpr std::size_t kMaxPayload = 0xFFFF - kHeaderSize;

  Tsn tsn;
  StreamId stream_id;
  Mid mid;
  Ppid ppid;      // meaningful only when `beginning`
  Fsn fsn;        // meaningful only when !`beginning` (the first fragment has FSN 0)
  Bytes payload;  // points into the parsed packet, or at the sender's data when encoding
  bool unordered = false;
  bool beginning = true;
  bool ending = true;
  bool immediate_sack = false;

  static Result<IDataChunk> parse(const ChunkView& chunk);
  std::size_t encoded_size() const { return kHeaderSize + payload.size(); }  // without padding
  // A payload above kMaxPayload cannot be expressed: nothing is written, the writer overflows.
  void encode(ByteWriter& w) const;
  std::uint8_t flags() const;
  // The FSN of this fragment whichever field carries it (0 for a first fragment).
  Fsn effective_fsn() const { return beginning ? Fsn(0) : fsn; }
  std::string describe() const;

  friend bool operator==(const IDataChunk& a, const IDataChunk& b);
};

}  // namespace sctps::wire
