// Chunk and parameter type code points, and the action that the upper two bits of an unrecognized
// type demand (RFC 9260 §3.2 for chunks, §3.2.1 for parameters).
#pragma once

#include <cstdint>
#include <string_view>

namespace sctps::wire {

namespace chunk_type {
inline constexpr std::uint8_t kData = 0;
inline constexpr std::uint8_t kInit = 1;
inline constexpr std::uint8_t kInitAck = 2;
inline constexpr std::uint8_t kSack = 3;
inline constexpr std::uint8_t kHeartbeat = 4;
inline constexpr std::uint8_t kHeartbeatAck = 5;
inline constexpr std::uint8_t kAbort = 6;
inline constexpr std::uint8_t kShutdown = 7;
inline constexpr std::uint8_t kShutdownAck = 8;
inline constexpr std::uint8_t kError = 9;
inline constexpr std::uint8_t kCookieEcho = 10;
inline constexpr std::uint8_t kCookieAck = 11;
inline constexpr std::uint8_t kShutdownComplete = 14;
inline constexpr std::uint8_t kIData = 0x40;        // RFC 8260
inline constexpr std::uint8_t kDtls = 0x41;         // draft-ietf-tsvwg-sctp-dtls-chunk §4.2
inline constexpr std::uint8_t kAsconfAck = 0x80;    // RFC 5061
inline constexpr std::uint8_t kReconfig = 0x82;     // RFC 6525
inline constexpr std::uint8_t kPad = 0x84;          // RFC 4820
inline constexpr std::uint8_t kForwardTsn = 0xC0;   // RFC 3758
inline constexpr std::uint8_t kAsconf = 0xC1;       // RFC 5061
inline constexpr std::uint8_t kIForwardTsn = 0xC2;  // RFC 8260
}  // namespace chunk_type

namespace parameter_type {
inline constexpr std::uint16_t kHeartbeatInfo = 1;
inline constexpr std::uint16_t kIpv4Address = 5;
inline constexpr std::uint16_t kIpv6Address = 6;
inline constexpr std::uint16_t kStateCookie = 7;
inline constexpr std::uint16_t kUnrecognizedParameter = 8;
inline constexpr std::uint16_t kCookiePreservative = 9;
inline constexpr std::uint16_t kHostNameAddress = 11;
inline constexpr std::uint16_t kSupportedAddressTypes = 12;
inline constexpr std::uint16_t kOutgoingSsnResetRequest = 13;    // RFC 6525 §4.1
inline constexpr std::uint16_t kIncomingSsnResetRequest = 14;    // RFC 6525 §4.2
inline constexpr std::uint16_t kSsnTsnResetRequest = 15;         // RFC 6525 §4.3
inline constexpr std::uint16_t kReconfigurationResponse = 16;    // RFC 6525 §4.4
inline constexpr std::uint16_t kAddOutgoingStreamsRequest = 17;  // RFC 6525 §4.5
inline constexpr std::uint16_t kAddIncomingStreamsRequest = 18;  // RFC 6525 §4.6
inline constexpr std::uint16_t kEcnCapable = 0x8000;
inline constexpr std::uint16_t kPadding = 0x8005;                    // RFC 4820 §3
inline constexpr std::uint16_t kDtlsKeyManagement = 0x8006;          // dtls-chunk draft §4.1
inline constexpr std::uint16_t kSupportedExtensions = 0x8008;        // RFC 5061 §4.2.7
inline constexpr std::uint16_t kForwardTsnSupported = 0xC000;        // RFC 3758 §3.1
inline constexpr std::uint16_t kAddIpAddress = 0xC001;               // RFC 5061 §4.2.1
inline constexpr std::uint16_t kDeleteIpAddress = 0xC002;            // RFC 5061 §4.2.2
inline constexpr std::uint16_t kErrorCauseIndication = 0xC003;       // RFC 5061 §4.2.3
inline constexpr std::uint16_t kSetPrimaryAddress = 0xC004;          // RFC 5061 §4.2.4
inline constexpr std::uint16_t kSuccessIndication = 0xC005;          // RFC 5061 §4.2.5
inline constexpr std::uint16_t kAdaptationLayerIndication = 0xC006;  // RFC 5061 §4.2.6
}  // namespace parameter_type

// What to do with an unrecognized chunk or parameter, from the upper two bits of its type.
enum class UnknownAction : std::uint8_t {
  kStop = 0,           // 00: stop processing, discard, do not report
  kStopAndReport = 1,  // 01: stop processing, discard, report
  kSkip = 2,           // 10: skip it, continue, do not report
  kSkipAndReport = 3,  // 11: skip it, continue, report
};

constexpr UnknownAction unknown_chunk_action(std::uint8_t type) {
  return static_cast<UnknownAction>(type >> 6);
}
constexpr UnknownAction unknown_parameter_action(std::uint16_t type) {
  return static_cast<UnknownAction>(type >> 14);
}
constexpr bool stops_processing(UnknownAction a) {
  return a == UnknownAction::kStop || a == UnknownAction::kStopAndReport;
}
constexpr bool must_report(UnknownAction a) {
  return a == UnknownAction::kStopAndReport || a == UnknownAction::kSkipAndReport;
}

// Human-readable names for logs and the `sctps decode` tool; "unknown" for unassigned types.
std::string_view chunk_type_name(std::uint8_t type);
std::string_view parameter_type_name(std::uint16_t type);
std::string_view to_string(UnknownAction action);

}  // namespace sctps::wire
