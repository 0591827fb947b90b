// DTLS Key Management parameter, draft-ietf-tsvwg-sctp-dtls-chunk §4.1. Carried in INIT and INIT
// ACK to negotiate the DTLS chunk, the key management method and the client/server roles.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Type = 0x8006          |     Length = 9 + N            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          Tie Breaker                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Reserved |R|S|C|   KMId #1     |   KMId #2     |   KMId #3     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// :                                                               :
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   KMId #N     |              Padding (0 to 3 bytes)           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// R: restart supported, S: server role supported, C: client role supported. The identifiers are
// listed most preferred first (§9.1 registry). The type's upper bits "10" make a peer without the
// extension skip the parameter silently (RFC 9260 §3.2.1).
//
// Down-grade protection (§6, §10.3): each side feeds into its key derivation the parameter it sent
// in the INIT/INIT ACK and the one it received, header included, padding excluded, as the exact
// bytes on the wire. For a received parameter that is `wire` (reserved bits as the peer set them);
// for our own it is what encoded_bytes() returns (identical to what encode() writes, less padding).
//
// Semantic rules left to the engine (§5.1): at least one identifier must match a local method and
// one offered role must complement a local role, otherwise (strict mode) ABORT with "No Common DTLS
// Key Management Method" / "Incompatible DTLS Key Management Roles"; the parameter is allowed only
// in INIT and INIT ACK; when both sides offer both roles the larger tie breaker is the server, and
// equal tie breakers abort the association ("Tie Breaker Collision", §4.3.3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/result.h"
#include "wire/tlv.h"

namespace sctps::wire {

// DTLS Key Management Method identifiers (draft §9.1 and draft-porfiri-tsvwg-sctp-dtls-handshake).
namespace dtls_km_method {
inline constexpr std::uint8_t kPreSharedKeys = 0;  // pre-shared cryptographic parameters
inline constexpr std::uint8_t kTls13 = 192;        // DTLS 1.3 handshake carried by SCTP
}  // namespace dtls_km_method

struct DtlsKeyManagementParameter {
  static constexpr std::uint16_t kType = parameter_type::kDtlsKeyManagement;
  static constexpr std::size_t kFixedSize = 9;  // header, tie breaker, flags
  static constexpr std::size_t kMaxMethods = 0xFFFF - kFixedSize;

  static constexpr std::uint8_t kFlagRestart = 0x04;
  static constexpr std::uint8_t kFlagServer = 0x02;
  static constexpr std::uint8_t kFlagClient = 0x01;

  std::uint32_t tie_breaker = 0;
  bool restart = false;
  bool server = false;
  bool client = false;
  std::vector<std::uint8_t> methods;  // most preferred first; at least one

  // Set by parse(): the parameter exactly as received (header and value, no padding). Empty for a
  // value built locally. Not part of operator==.
  Bytes wire;

  // kTruncated below the fixed part; kBadLength when no method identifier is listed (length 9).
  static Result<DtlsKeyManagementParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kFixedSize + methods.size(); }
  // Writes the parameter with zero reserved bits and zero padding. An empty method list or more
  // than kMaxMethods writes nothing and leaves the writer overflowed: both would be malformed.
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "tie_breaker=0x01020304 flags=R|S|C methods=[192,0]"
  std::uint8_t flags() const;

  // The bytes encode() writes, without padding: the down-grade data for a parameter we send.
  std::vector<std::uint8_t> encoded_bytes() const;
  // `wire` when parsed, otherwise encoded_bytes(): the down-grade data for this parameter.
  std::vector<std::uint8_t> downgrade_data() const;

  friend bool operator==(const DtlsKeyManagementParameter& a, const DtlsKeyManagementParameter& b);
};

}  // namespace sctps::wire
