// ASCONF and ASCONF-ACK chunks, RFC 5061 §3.1.1 and §3.1.2: dynamic address reconfiguration
// requests and their responses, matched by a serial number.
//
// ASCONF (§3.1.1):
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 0xC1   |  Chunk Flags  |      Chunk Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Sequence Number                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Address Parameter                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     ASCONF Parameter #1                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                             ....                              /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     ASCONF Parameter #N                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// ASCONF-ACK (§3.1.2):
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Type = 0x80   |  Chunk Flags  |      Chunk Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Sequence Number                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 ASCONF Parameter Response #1                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                             ....                              /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 ASCONF Parameter Response #N                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Parameters are kept raw (validated TLV blocks); parameters.h decodes them. The ASCONF Address
// Parameter is kept as its whole TLV (header and value, no padding).
// Parse errors: fewer than 8 bytes -> kTruncated; ASCONF without an Address Parameter ->
// kTruncated; an Address Parameter that is not IPv4 (type 5) or IPv6 (type 6) -> kInvalidValue,
// of the wrong size (8 resp. 20 bytes) -> kLengthMismatch; nested framing errors of
// TlvBlock::parse (offset within the packet).
// Left to the engine: both chunks must arrive authenticated (RFC 5061 §4.1 with RFC 4895); the
// serial number is compared with the expected one (§5.2); an ASCONF whose list of parameters is
// empty, parameter types that are not ASCONF parameters, and the correlation ids are checked there.
// Chunk flags are reserved: zero on send, ignored on receipt.
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

struct AsconfChunk {
  static constexpr std::uint8_t kType = chunk_type::kAsconf;
  static constexpr std::size_t kHeaderSize = 8;      // chunk header and serial number
  static constexpr std::size_t kMaxLength = 0xFFFF;  // the Chunk Length field's limit

  AsconfSerial serial;
  Bytes address_parameter;  // the whole IPv4/IPv6 Address Parameter TLV, without padding
  // The ASCONF parameters (a trailing padding of the last one is dropped when encoding).
  Bytes parameters;

  static Result<AsconfChunk> parse(const ChunkView& chunk);
  // Empty if `parameters` is not a valid block (only possible for a hand-made value).
  TlvBlock parameter_block() const;
  std::size_t encoded_size() const;  // without padding
  // A chunk longer than kMaxLength cannot be expressed: nothing is written, the writer overflows.
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "serial=7 address=192.0.2.1 params=[Add IP Address/16]"

  friend bool operator==(const AsconfChunk& a, const AsconfChunk& b);
};

struct AsconfAckChunk {
  static constexpr std::uint8_t kType = chunk_type::kAsconfAck;
  static constexpr std::size_t kHeaderSize = 8;      // chunk header and serial number
  static constexpr std::size_t kMaxLength = 0xFFFF;  // the Chunk Length field's limit

  AsconfSerial serial;
  // The responses; may be empty, since successes need not be reported (RFC 5061 §5.2).
  Bytes parameters;

  static Result<AsconfAckChunk> parse(const ChunkView& chunk);
  TlvBlock parameter_block() const;
  std::size_t encoded_size() const;  // without padding
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "serial=7 params=[Success Indication/8]"

  friend bool operator==(const AsconfAckChunk& a, const AsconfAckChunk& b);
};

}  // namespace sctps::wire
