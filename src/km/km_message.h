// Key-management user messages of method 192 (draft-porfiri-tsvwg-sctp-dtls-handshake §4): SCTP
// user messages on stream 0, PPID 4242, ordered and reliable, each opening with one header byte.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |T|   Epoch     |  Payload ...                                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// T = 0: the payload is one or more complete TLS records (RFC 8446 §5.1: type, legacy version,
// 16-bit length, fragment). T = 1: a control message (§4.1): one Ctrl Type byte, then its data.
// The only control message is Protection Established (0x01, §4.1.1), which carries no data.
// Epoch: the low 7 bits of the DTLS key context epoch the message belongs to (§4).
//
// The parser checks everything the receiver can check without state: an empty message, a TLS
// payload that is not a sequence of whole records (the draft requires complete records, so a
// record split across messages is malformed), an unknown control type, and data after Protection
// Established. Whether the epoch is the expected one is for the key manager to decide (it drops and
// counts the message, issue #6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/key_management.h"
#include "wire/byte_io.h"

namespace sctps::km {

// draft-ietf-tsvwg-sctp-dtls-chunk §9 (DTLS Key Management Messages): the engine routes them.
using core::kKeyManagementPpid;
// Key-management messages travel on stream 0 (porfiri §4).
inline constexpr std::uint16_t kKeyManagementStream = 0;

enum class KmMessageType : std::uint8_t {
  kTlsRecords = 0,  // T = 0
  kControl = 1,     // T = 1
};

enum class ControlType : std::uint8_t {
  kProtectionEstablished = 0x01,  // porfiri §4.1.1
};

enum class KmMessageError : std::uint8_t {
  kEmpty,                  // no header byte
  kNoTlsRecords,           // T = 0 with nothing after the header
  kTruncatedRecord,        // a TLS record header or fragment running past the end of the message
  kBadRecordType,          // a TLS record content type TLS 1.3 does not define (RFC 8446 §5.1)
  kRecordTooLong,          // a TLS record longer than TLS 1.3 allows (2^14 + 256, RFC 8446 §5.2)
  kNoControlType,          // T = 1 with nothing after the header
  kUnknownControlType,     // a control type this implementation does not know
  kUnexpectedControlData,  // Protection Established followed by data
};
std::string_view to_string(KmMessageError error);

// A parsed message. `tls_records` points into the buffer given to parse().
struct KmMessage {
  static constexpr std::uint8_t kEpochMask = 0x7F;
  static constexpr std::uint8_t kControlBit = 0x80;

  KmMessageType type = KmMessageType::kTlsRecords;
  std::uint8_t epoch = 0;   // low 7 bits of the DKC epoch
  wire::Bytes tls_records;  // type kTlsRecords: the whole records, header byte excluded
  ControlType control = ControlType::kProtectionEstablished;  // type kControl

  // The low 7 bits of a full epoch, as the header carries them.
  static constexpr std::uint8_t epoch_bits(std::uint64_t epoch) {
    return static_cast<std::uint8_t>(epoch & kEpochMask);
  }
};

struct KmParseResult {
  KmMessage message;
  std::optional<KmMessageError> error;
  std::size_t error_offset = 0;  // where in the message the problem starts
  bool ok() const { return !error.has_value(); }
};

KmParseResult parse_km_message(wire::Bytes message);

// The largest TLS 1.3 record: header 5 + TLSCiphertext fragment 2^14 + 256 (RFC 8446 §5.2).
inline constexpr std::size_t kTlsRecordHeaderSize = 5;
inline constexpr std::size_t kMaxTlsRecordFragment = 16384 + 256;

// Encoders append to `out`. The epoch is reduced to its low 7 bits.
void encode_tls_records(std::uint64_t epoch, wire::Bytes records, std::vector<std::uint8_t>& out);
void encode_protection_established(std::uint64_t epoch, std::vector<std::uint8_t>& out);
// The header byte alone, for a caller that appends the records itself (TlsSession::append_output).
std::uint8_t km_header(KmMessageType type, std::uint64_t epoch);

}  // namespace sctps::km
