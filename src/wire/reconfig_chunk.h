// RE-CONFIG chunk, RFC 6525 §3.1: carries one or two stream re-configuration parameters
// (requests of §4.1-§4.3, §4.5, §4.6 and responses of §4.4).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 130    |  Chunk Flags  |      Chunk Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                                                               /
// /                  Re-configuration Parameter                   /
// /                                                               /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                                                               /
// /             Re-configuration Parameter (optional)             /
// /                                                               /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The parameters are kept raw (a validated TLV block); parameters.h decodes them.
// Parse errors: nested framing errors of TlvBlock::parse (offset within the packet); a block of
// zero or more than two parameters -> kInvalidValue.
// Left to the engine (RFC 6525 §3.1): only some pairs of parameters may share a chunk (e.g. an
// outgoing and an incoming SSN reset request, or two responses); parameter types that are not
// re-configuration parameters, and the request sequence numbers, are checked there. Chunk flags
// are reserved: zero on send, ignored on receipt.
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

struct ReconfigChunk {
  static constexpr std::uint8_t kType = chunk_type::kReconfig;
  static constexpr std::size_t kHeaderSize = 4;
  static constexpr std::size_t kMaxParameters = 2;
  static constexpr std::size_t kMaxLength = 0xFFFF;  // the Chunk Length field's limit

  // The encoded parameter block: into the packet when parsed; when encoding, the caller's
  // encoded parameters (a trailing padding of the last one is dropped, as §3.2 of RFC 9260 wants
  // the chunk length to exclude it).
  Bytes parameters;

  static Result<ReconfigChunk> parse(const ChunkView& chunk);
  // The parameters as items; empty if `parameters` is not a valid block (only possible for a
  // hand-made value, never for a parsed one).
  TlvBlock parameter_block() const;
  std::size_t encoded_size() const;  // without padding
  // A chunk longer than kMaxLength cannot be expressed: nothing is written, the writer overflows.
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "params=[Outgoing SSN Reset Request/16]" (name/length)

  friend bool operator==(const ReconfigChunk& a, const ReconfigChunk& b);
};

}  // namespace sctps::wire
