#include "wire/chunk_type.h"

namespace sctps::wire {

std::string_view chunk_type_name(std::uint8_t type) {
  switch (type) {
    case chunk_type::kData: return "DATA";
    case chunk_type::kInit: return "INIT";
    case chunk_type::kInitAck: return "INIT ACK";
    case chunk_type::kSack: return "SACK";
    case chunk_type::kHeartbeat: return "HEARTBEAT";
    case chunk_type::kHeartbeatAck: return "HEARTBEAT ACK";
    case chunk_type::kAbort: return "ABORT";
    case chunk_type::kShutdown: return "SHUTDOWN";
    case chunk_type::kShutdownAck: return "SHUTDOWN ACK";
    case chunk_type::kError: return "ERROR";
    case chunk_type::kCookieEcho: return "COOKIE ECHO";
    case chunk_type::kCookieAck: return "COOKIE ACK";
    case chunk_type::kShutdownComplete: return "SHUTDOWN COMPLETE";
    case chunk_type::kIData: return "I-DATA";
    case chunk_type::kDtls: return "DTLS";
    case chunk_type::kAsconfAck: return "ASCONF ACK";
    case chunk_type::kReconfig: return "RE-CONFIG";
    case chunk_type::kPad: return "PAD";
    case chunk_type::kForwardTsn: return "FORWARD TSN";
    case chunk_type::kAsconf: return "ASCONF";
    case chunk_type::kIForwardTsn: return "I-FORWARD TSN";
    default: return "unknown";
  }
}

std::string_view parameter_type_name(std::uint16_t type) {
  namespace p = parameter_type;
  switch (type) {
    case p::kHeartbeatInfo: return "Heartbeat Info";
    case p::kIpv4Address: return "IPv4 Address";
    case p::kIpv6Address: return "IPv6 Address";
    case p::kStateCookie: return "State Cookie";
    case p::kUnrecognizedParameter: return "Unrecognized Parameter";
    case p::kCookiePreservative: return "Cookie Preservative";
    case p::kHostNameAddress: return "Host Name Address";
    case p::kSupportedAddressTypes: return "Supported Address Types";
    case p::kOutgoingSsnResetRequest: return "Outgoing SSN Reset Request";
    case p::kIncomingSsnResetRequest: return "Incoming SSN Reset Request";
    case p::kSsnTsnResetRequest: return "SSN/TSN Reset Request";
    case p::kReconfigurationResponse: return "Re-configuration Response";
    case p::kAddOutgoingStreamsRequest: return "Add Outgoing Streams Request";
    case p::kAddIncomingStreamsRequest: return "Add Incoming Streams Request";
    case p::kEcnCapable: return "ECN Capable";
    case p::kPadding: return "Padding";
    case p::kDtlsKeyManagement: return "DTLS Key Management";
    case p::kSupportedExtensions: return "Supported Extensions";
    case p::kForwardTsnSupported: return "Forward-TSN-Supported";
    case p::kAddIpAddress: return "Add IP Address";
    case p::kDeleteIpAddress: return "Delete IP Address";
    case p::kErrorCauseIndication: return "Error Cause Indication";
    case p::kSetPrimaryAddress: return "Set Primary Address";
    case p::kSuccessIndication: return "Success Indication";
    case p::kAdaptationLayerIndication: return "Adaptation Layer Indication";
    default: return "unknown";
  }
}

std::string_view to_string(UnknownAction action) {
  switch (action) {
    case UnknownAction::kStop: return "stop, discard";
    case UnknownAction::kStopAndReport: return "stop, discard, report";
    case UnknownAction::kSkip: return "skip";
    case UnknownAction::kSkipAndReport: return "skip, report";
  }
  return "unknown";
}

}  // namespace sctps::wire
