// Reading the optional parameters of a peer's INIT or INIT ACK once (RFC 9260 §3.3.2, §3.3.3,
// §5.1.2, unrecognized types per §3.2.1), and building ours.
//
// Choices where RFC 9260 leaves room (the assembler relies on them):
//  - A known parameter that does not parse (e.g. an IPv4 Address of length 7) ends the scan with
//    kMalformedParameter: answer with an ABORT holding a Protocol Violation cause (§3.3.10.13).
//  - A known parameter that has no place in the chunk (a State Cookie or Cookie Preservative where
//    §3.3.2/§3.3.3 do not list it, a PAD in an INIT ACK, Heartbeat Info, RE-CONFIG or ASCONF
//    parameters) is ignored, neither parsed nor reported, and its type noted in `ignored_types`
//    (as Linux does; applying the unknown-type bits to it could stop processing of a valid chunk).
//  - An Unrecognized Parameter parameter in an INIT ACK is informational only: a value that is not
//    valid TLV framing is tolerated (nothing is recorded from it).
//  - When a parameter appears twice the first one counts; addresses: all distinct ones count, up
//    to kMaxAddresses (`addresses_truncated` when more were listed).
//  - The ECN Capable parameter (0x8000) is ignored: ECN is not implemented.
//  - Reports are copied up to kMaxReportBytes in total so a hostile INIT cannot make the INIT ACK
//    grow without bound; `reports_truncated` says when some were left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/address.h"
#include "wire/byte_io.h"
#include "wire/dtls_km_parameter.h"
#include "wire/tlv.h"

namespace sctps::core {

enum class InitScanError : std::uint8_t {
  kNone,
  kMalformedParameter,  // a known parameter with an invalid value: ABORT, Protocol Violation
  kMissingStateCookie,  // INIT ACK without State Cookie: ABORT, Missing Mandatory Parameter (7)
};

struct InitParameterScan {
  static constexpr std::size_t kMaxReportBytes = 2048;
  static constexpr std::size_t kMaxAddresses = 64;

  InitScanError error = InitScanError::kNone;
  // kMalformedParameter: the parameter's type and its offset in the parameter block.
  std::uint16_t error_parameter_type = 0;
  std::size_t error_offset = 0;

  // IPv4/IPv6 Address parameters in order, duplicates removed. Empty: the peer is reached only at
  // the source address of the chunk (§5.1.2), which is in any case one of its addresses.
  std::vector<IpAddress> addresses;
  bool addresses_truncated = false;
  // Cookie Preservative (§5.1.3): suggested lifetime increment, milliseconds.
  std::optional<std::uint32_t> cookie_preservative_ms;
  // Supported Address Types (§5.1.2): parameter type codes (5, 6, 11). Absent: any type.
  std::optional<std::vector<std::uint16_t>> supported_address_types;
  // Host Name Address (deprecated, §5.1.2): the whole parameter as received (header and value,
  // no padding), for the Unresolvable Address cause of the ABORT the receiver must send.
  std::optional<std::vector<std::uint8_t>> host_name_parameter;
  bool forward_tsn_supported = false;  // RFC 3758 §3.1
  // Supported Extensions (RFC 5061 §4.2.7): chunk type codes; absent means none.
  std::optional<std::vector<std::uint8_t>> supported_extensions;
  std::optional<std::uint32_t> adaptation_indication;  // RFC 5061 §4.2.6, informational
  // DTLS Key Management. Its `wire` view is cleared (it pointed into the packet): the exact
  // received bytes, the down-grade data of draft §6, are in dtls_km_wire.
  std::optional<wire::DtlsKeyManagementParameter> dtls_km;
  std::vector<std::uint8_t> dtls_km_wire;
  // State Cookie (INIT ACK only, §3.3.3), copied.
  std::optional<std::vector<std::uint8_t>> state_cookie;
  // INIT ACK: the types the peer reported as unrecognized in our INIT (informational: a capability
  // it did not understand is simply not negotiated).
  std::vector<std::uint16_t> peer_unrecognized_types;
  // Known parameters not allowed in this chunk, ignored (see above).
  std::vector<std::uint16_t> ignored_types;

  // Unrecognized parameters whose type asks for a report (§3.2.1 upper bits 01 and 11), each the
  // whole TLV as received without padding. For an INIT: one Unrecognized Parameter parameter each
  // in the INIT ACK (LocalInitParameters::unrecognized); for an INIT ACK: the value of an
  // Unrecognized Parameters cause in an ERROR chunk (unrecognized_cause_value()).
  std::vector<std::vector<std::uint8_t>> unrecognized;
  bool reports_truncated = false;
  // Processing stopped at an unrecognized type with upper bits 00 or 01; later parameters ignored.
  bool stopped = false;
  std::uint16_t stopped_at_type = 0;

  bool ok() const { return error == InitScanError::kNone; }
  // Whether the peer accepts addresses of `family` (true when it listed no types, §5.1.2).
  bool accepts(IpAddress::Family family) const;
  bool host_name_present() const { return host_name_parameter.has_value(); }
  bool lists_extension(std::uint8_t chunk_type) const;
  // The reported TLVs back to back, each padded to 4 bytes: an Unrecognized Parameters cause value.
  std::vector<std::uint8_t> unrecognized_cause_value() const;
};

// Scans a validated parameter block (InitFields::parameter_block()). `is_init_ack` selects which
// parameters are allowed and whether a State Cookie is mandatory.
InitParameterScan scan_init_parameters(wire::TlvBlock params, bool is_init_ack);

// What we put in our INIT or INIT ACK. Empty/absent fields produce no parameter.
struct LocalInitParameters {
  // Our addresses; empty: the peer uses the source address of the packet (§5.1.2).
  std::vector<IpAddress> addresses;
  bool addresses_truncated = false;
  std::optional<std::uint32_t> cookie_preservative_ms;
  std::optional<std::vector<std::uint16_t>> supported_address_types;
  bool forward_tsn = false;
  std::vector<std::uint8_t> supported_extensions;  // chunk types, e.g. 0x82 for RE-CONFIG
  std::optional<wire::DtlsKeyManagementParameter> dtls_km;
  std::optional<std::vector<std::uint8_t>> state_cookie;  // INIT ACK only (mandatory there)
  std::vector<std::vector<std::uint8_t>> unrecognized;    // INIT ACK: InitParameterScan's reports
  // INIT only (RFC 4820 §3): a PAD parameter with this many zero bytes of value (e.g. for path MTU
  // probing with a large INIT).
  std::optional<std::size_t> pad_bytes;
};

// The parameter block, in the order: State Cookie, addresses, Supported Address Types, Cookie
// Preservative, Supported Extensions, Forward-TSN-Supported, DTLS Key Management, Unrecognized
// Parameters, PAD. The last parameter's padding is not included (the chunk encoder pads). nullopt
// when it would not fit in an INIT chunk (InitFields::kMaxParametersSize) or a parameter is
// invalid (a DTLS KM parameter without methods).
std::optional<std::vector<std::uint8_t>> build_init_parameters(const LocalInitParameters& local);

}  // namespace sctps::core
