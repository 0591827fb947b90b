// Error causes carried by ABORT and ERROR chunks (and inside the Error Cause Indication parameter
// of ASCONF-ACK): RFC 9260 §3.3.10.1-13, RFC 5061 §5.2 and draft-ietf-tsvwg-sctp-dtls-chunk §4.3.
// Every cause is a TLV of the shape of tlv.h (§3.3.10): 16-bit code, 16-bit length counting the
// header and the value but not the padding, the value, zero padding to 4 bytes.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Cause Code           |         Cause Length          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                   Cause-Specific Information                  /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The value layouts (after the 4-byte header):
//
//  1 Invalid Stream Identifier (length 8)     | Stream Identifier | (Reserved, 16 bits) |
//  2 Missing Mandatory Parameter (8 + 2*N)     | Number of missing params N (32 bits)    |
//                                              | Missing Param Type #1 | ... #N (16 each)|
//  3 Stale Cookie (length 8)                   | Measure of Staleness, microseconds (32) |
//  9 No User Data (length 8)                   | TSN (32 bits)                           |
//  4, 7, 10, 100-103 (length 4)                (no value)
//  5 Unresolvable Address                      / address parameter, complete TLV        /
//  6 Unrecognized Chunk Type                   / the chunk as received (type..value)     /
//  8 Unrecognized Parameters                   / the parameters, complete TLVs           /
// 11 Restart of an Association w/ New Addrs    / the new address parameters, TLVs        /
// 12 User-Initiated Abort                      / upper-layer abort reason (opaque)       /
// 13 Protocol Violation                        / additional information (opaque)         /
// 0x00A0-0x00A4 (RFC 5061 §5.2)                / the ASCONF parameter, TLV-copied        /
//
// What the parser checks (syntax only, like every codec of this layer):
//  - fixed-size causes (1, 3, 9 and the empty ones) must have exactly their length, else
//    kLengthMismatch;
//  - cause 2: the 4-byte count must be there (kTruncated) and agree with the length
//    (kLengthMismatch);
//  - causes whose value is a list of TLVs (5, 8, 11, 0x00A0-0x00A4) must frame correctly; the
//    TlvBlock error is returned, its offset made relative to the block the cause came from.
//  - cause 6 keeps its copy unchecked: a sender may cut a large chunk short to fit the path MTU.
// Left to the engine: what a cause means for the association (e.g. §5.2.6 for Stale Cookie, §6.2
// for No User Data, the cookie lifetime increase it may ask for), whether a cause is allowed in
// the chunk it arrived in, and that 0x00A3 carries no parameter per RFC 5061 (tolerated here).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wire/byte_io.h"
#include "wire/bytes_equal.h"
#include "wire/result.h"
#include "wire/tlv.h"
#include "wire/types.h"

namespace sctps::wire {

namespace cause_code {
inline constexpr std::uint16_t kInvalidStreamIdentifier = 1;
inline constexpr std::uint16_t kMissingMandatoryParameter = 2;
inline constexpr std::uint16_t kStaleCookie = 3;
inline constexpr std::uint16_t kOutOfResource = 4;
inline constexpr std::uint16_t kUnresolvableAddress = 5;
inline constexpr std::uint16_t kUnrecognizedChunkType = 6;
inline constexpr std::uint16_t kInvalidMandatoryParameter = 7;
inline constexpr std::uint16_t kUnrecognizedParameters = 8;
inline constexpr std::uint16_t kNoUserData = 9;
inline constexpr std::uint16_t kCookieReceivedWhileShuttingDown = 10;
inline constexpr std::uint16_t kRestartWithNewAddresses = 11;
inline constexpr std::uint16_t kUserInitiatedAbort = 12;
inline constexpr std::uint16_t kProtocolViolation = 13;
// draft-ietf-tsvwg-sctp-dtls-chunk §4.3
inline constexpr std::uint16_t kMissingDtlsChunkSupport = 100;
inline constexpr std::uint16_t kNoCommonDtlsKeyManagement = 101;
inline constexpr std::uint16_t kDtlsKeyManagementTieBreakerCollision = 102;
inline constexpr std::uint16_t kIncompatibleDtlsKeyManagementRoles = 103;
// RFC 5061 §5.2
inline constexpr std::uint16_t kDeleteLastRemainingAddress = 0x00A0;
inline constexpr std::uint16_t kResourceShortage = 0x00A1;
inline constexpr std::uint16_t kDeleteSourceAddress = 0x00A2;
inline constexpr std::uint16_t kIllegalAsconfAck = 0x00A3;
inline constexpr std::uint16_t kNoAuthorization = 0x00A4;
}  // namespace cause_code

// The largest value a cause can carry: its length field is 16 bits and counts the 4-byte header.
inline constexpr std::size_t kMaxCauseValueSize = 0xFFFF - 4;

struct InvalidStreamIdentifierCause {
  static constexpr std::uint16_t kType = cause_code::kInvalidStreamIdentifier;
  StreamId stream_id;

  static Result<InvalidStreamIdentifierCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const { return 8; }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  friend bool operator==(const InvalidStreamIdentifierCause&,
                         const InvalidStreamIdentifierCause&) = default;
};

struct MissingMandatoryParameterCause {
  static constexpr std::uint16_t kType = cause_code::kMissingMandatoryParameter;
  // Encoding writes at most this many (the length limit); the count field always matches.
  static constexpr std::size_t kMaxTypes = (kMaxCauseValueSize - 4) / 2;
  std::vector<std::uint16_t> missing_types;

  static Result<MissingMandatoryParameterCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const;
  void encode(ByteWriter& w) const;
  std::string describe() const;
  friend bool operator==(const MissingMandatoryParameterCause&,
                         const MissingMandatoryParameterCause&) = default;
};

struct StaleCookieCause {
  static constexpr std::uint16_t kType = cause_code::kStaleCookie;
  std::uint32_t staleness_us = 0;  // how long past its lifetime the cookie arrived (§5.2.6)

  static Result<StaleCookieCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const { return 8; }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  friend bool operator==(const StaleCookieCause&, const StaleCookieCause&) = default;
};

struct NoUserDataCause {
  static constexpr std::uint16_t kType = cause_code::kNoUserData;
  Tsn tsn;  // of the DATA chunk that had no payload

  static Result<NoUserDataCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const { return 8; }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  friend bool operator==(const NoUserDataCause&, const NoUserDataCause&) = default;
};

// Causes without a value: the length is exactly 4.
template <std::uint16_t Code>
struct EmptyCause {
  static constexpr std::uint16_t kType = Code;

  static Result<EmptyCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const { return 4; }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  friend bool operator==(const EmptyCause&, const EmptyCause&) = default;
};

// What the value of an opaque-bytes cause holds, which decides what parse() validates.
enum class CauseBody : std::uint8_t {
  kOpaque,  // free-form bytes (12, 13)
  kTlvs,    // one or more complete parameter TLVs (5, 8, 11, 0x00A0-0x00A4): framing validated
  kChunk,   // a copied chunk (6): not validated, it may have been cut short
};

// Causes whose value is a byte string; `value` points into the parsed buffer, or at the caller's
// data when encoding. A value above kMaxCauseValueSize is cut to it when encoding, so the length
// field is always right.
template <std::uint16_t Code, CauseBody Body>
struct BytesCause {
  static constexpr std::uint16_t kType = Code;
  static constexpr CauseBody kBody = Body;
  Bytes value;

  static Result<BytesCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const;
  void encode(ByteWriter& w) const;
  std::string describe() const;

  // The TLVs inside (already validated by parse(), so this fails only on a hand-built value).
  Result<TlvBlock> tlvs() const requires(Body == CauseBody::kTlvs) {
    return TlvBlock::parse(value);
  }
  // Type of the copied chunk, if the copy has its first byte.
  std::optional<std::uint8_t> copied_chunk_type() const requires(Body == CauseBody::kChunk) {
    if (value.empty()) return std::nullopt;
    return value[0];
  }

  friend bool operator==(const BytesCause& a, const BytesCause& b) {
    return bytes_equal(a.value, b.value);
  }
};

using OutOfResourceCause = EmptyCause<cause_code::kOutOfResource>;
using InvalidMandatoryParameterCause = EmptyCause<cause_code::kInvalidMandatoryParameter>;
using CookieReceivedWhileShuttingDownCause =
    EmptyCause<cause_code::kCookieReceivedWhileShuttingDown>;
using MissingDtlsChunkSupportCause = EmptyCause<cause_code::kMissingDtlsChunkSupport>;
using NoCommonDtlsKeyManagementCause = EmptyCause<cause_code::kNoCommonDtlsKeyManagement>;
using DtlsKeyManagementTieBreakerCollisionCause =
    EmptyCause<cause_code::kDtlsKeyManagementTieBreakerCollision>;
using IncompatibleDtlsKeyManagementRolesCause =
    EmptyCause<cause_code::kIncompatibleDtlsKeyManagementRoles>;

using UnresolvableAddressCause = BytesCause<cause_code::kUnresolvableAddress, CauseBody::kTlvs>;
using UnrecognizedChunkTypeCause =
    BytesCause<cause_code::kUnrecognizedChunkType, CauseBody::kChunk>;
using UnrecognizedParametersCause =
    BytesCause<cause_code::kUnrecognizedParameters, CauseBody::kTlvs>;
using RestartWithNewAddressesCause =
    BytesCause<cause_code::kRestartWithNewAddresses, CauseBody::kTlvs>;
using UserInitiatedAbortCause = BytesCause<cause_code::kUserInitiatedAbort, CauseBody::kOpaque>;
using ProtocolViolationCause = BytesCause<cause_code::kProtocolViolation, CauseBody::kOpaque>;
using DeleteLastRemainingAddressCause =
    BytesCause<cause_code::kDeleteLastRemainingAddress, CauseBody::kTlvs>;
using ResourceShortageCause = BytesCause<cause_code::kResourceShortage, CauseBody::kTlvs>;
using DeleteSourceAddressCause = BytesCause<cause_code::kDeleteSourceAddress, CauseBody::kTlvs>;
using IllegalAsconfAckCause = BytesCause<cause_code::kIllegalAsconfAck, CauseBody::kTlvs>;
using NoAuthorizationCause = BytesCause<cause_code::kNoAuthorization, CauseBody::kTlvs>;

// Defined in error_causes.cc for exactly the codes below.
extern template struct EmptyCause<cause_code::kOutOfResource>;
extern template struct EmptyCause<cause_code::kInvalidMandatoryParameter>;
extern template struct EmptyCause<cause_code::kCookieReceivedWhileShuttingDown>;
extern template struct EmptyCause<cause_code::kMissingDtlsChunkSupport>;
extern template struct EmptyCause<cause_code::kNoCommonDtlsKeyManagement>;
extern template struct EmptyCause<cause_code::kDtlsKeyManagementTieBreakerCollision>;
extern template struct EmptyCause<cause_code::kIncompatibleDtlsKeyManagementRoles>;
extern template struct BytesCause<cause_code::kUnresolvableAddress, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kUnrecognizedChunkType, CauseBody::kChunk>;
extern template struct BytesCause<cause_code::kUnrecognizedParameters, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kRestartWithNewAddresses, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kUserInitiatedAbort, CauseBody::kOpaque>;
extern template struct BytesCause<cause_code::kProtocolViolation, CauseBody::kOpaque>;
extern template struct BytesCause<cause_code::kDeleteLastRemainingAddress, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kResourceShortage, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kDeleteSourceAddress, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kIllegalAsconfAck, CauseBody::kTlvs>;
extern template struct BytesCause<cause_code::kNoAuthorization, CauseBody::kTlvs>;

// Any code not listed above, kept as received so it can be logged or echoed.
struct UnknownCause {
  std::uint16_t code = 0;
  Bytes value;  // cut to kMaxCauseValueSize when encoding

  static Result<UnknownCause> parse(const TlvView& tlv);
  std::size_t encoded_size() const;
  void encode(ByteWriter& w) const;
  std::string describe() const;
  friend bool operator==(const UnknownCause& a, const UnknownCause& b) {
    return a.code == b.code && bytes_equal(a.value, b.value);
  }
};

using ErrorCause =
    std::variant<InvalidStreamIdentifierCause, MissingMandatoryParameterCause, StaleCookieCause,
                 OutOfResourceCause, UnresolvableAddressCause, UnrecognizedChunkTypeCause,
                 InvalidMandatoryParameterCause, UnrecognizedParametersCause, NoUserDataCause,
                 CookieReceivedWhileShuttingDownCause, RestartWithNewAddressesCause,
                 UserInitiatedAbortCause, ProtocolViolationCause, DeleteLastRemainingAddressCause,
                 ResourceShortageCause, DeleteSourceAddressCause, IllegalAsconfAckCause,
                 NoAuthorizationCause, MissingDtlsChunkSupportCause, NoCommonDtlsKeyManagementCause,
                 DtlsKeyManagementTieBreakerCollisionCause, IncompatibleDtlsKeyManagementRolesCause,
                 UnknownCause>;

// Decodes one cause by its code; an unlisted code gives UnknownCause (never an error).
Result<ErrorCause> parse_error_cause(const TlvView& tlv);
// Decodes every cause of a validated block (the causes of an ABORT or ERROR chunk).
Result<std::vector<ErrorCause>> parse_error_causes(const TlvBlock& block);

void encode_error_cause(ByteWriter& w, const ErrorCause& cause);  // with padding
std::size_t error_cause_encoded_size(const ErrorCause& cause);    // with padding
std::uint16_t error_cause_code(const ErrorCause& cause);
std::string describe_error_cause(const ErrorCause& cause);  // e.g. "Stale Cookie staleness_us=5"
std::string_view error_cause_name(std::uint16_t code);      // "unknown" for unlisted codes

// Room the causes take back to back, each padded (what encode_error_causes needs in `out`).
std::size_t error_causes_encoded_size(std::span<const ErrorCause> causes);
// Writes the causes back to back into `out`, for the value of an ABORT or ERROR chunk. Returns
// the written bytes without the last cause's padding (a chunk's length does not count it,
// RFC 9260 §3.2; the chunk encoder pads again), or nullopt when `out` is smaller than
// error_causes_encoded_size() or the causes exceed what a chunk can carry (0xFFFF - 4 bytes).
std::optional<Bytes> encode_error_causes(std::span<const ErrorCause> causes, MutableBytes out);

}  // namespace sctps::wire
