// Every parameter the codec knows, as one variant, with dispatch from a TlvView. Parameters share
// the TLV layout of RFC 9260 §3.2.1 (see tlv.h):
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Parameter Type         |       Parameter Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                       Parameter Value                         /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Chunks keep their parameters as a raw TlvBlock; the engine walks the block and calls
// parse_parameter() on the items it cares about. An unknown type is not an error here: it becomes
// UnknownParameter, and the engine applies unknown_parameter_action(type) (RFC 9260 §3.2.1) —
// stop or skip, and whether to report it in an Unrecognized Parameter cause/parameter. Which
// parameters may appear in which chunk is also the engine's decision.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "wire/address_parameters.h"
#include "wire/asconf_parameters.h"
#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/dtls_km_parameter.h"
#include "wire/init_parameters.h"
#include "wire/reconfig_parameters.h"
#include "wire/result.h"
#include "wire/tlv.h"

namespace sctps::wire {

// A parameter of a type this codec does not know, kept byte for byte so that it can be copied into
// an Unrecognized Parameter report as received.
struct UnknownParameter {
  std::uint16_t type = 0;
  Bytes value;

  static UnknownParameter from(const TlvView& p) { return {p.type, p.value}; }
  std::size_t encoded_size() const { return 4 + value.size(); }
  void encode(ByteWriter& w) const;  // > 65531 bytes of value: nothing written, writer overflowed
  std::string describe() const;      // "type=0x1234 len=4 action=skip"
  UnknownAction action() const { return unknown_parameter_action(type); }

  friend bool operator==(const UnknownParameter& a, const UnknownParameter& b);
};

using Parameter =
    std::variant<Ipv4AddressParameter, Ipv6AddressParameter, HostNameAddressParameter,
                 SupportedAddressTypesParameter, StateCookieParameter,
                 UnrecognizedParameterParameter, CookiePreservativeParameter, EcnCapableParameter,
                 PaddingParameter, SupportedExtensionsParameter, ForwardTsnSupportedParameter,
                 HeartbeatInfoParameter, AdaptationLayerIndicationParameter,
                 DtlsKeyManagementParameter, OutgoingSsnResetRequestParameter,
                 IncomingSsnResetRequestParameter, SsnTsnResetRequestParameter,
                 ReconfigurationResponseParameter, AddOutgoingStreamsRequestParameter,
                 AddIncomingStreamsRequestParameter, AddIpAddressParameter,
                 DeleteIpAddressParameter, SetPrimaryAddressParameter,
                 ErrorCauseIndicationParameter, SuccessIndicationParameter, UnknownParameter>;

// Unknown types become UnknownParameter, never an error; known types with malformed values are
// errors (offsets as in the TlvView, i.e. relative to the parameter block).
Result<Parameter> parse_parameter(const TlvView& p);
void encode_parameter(ByteWriter& w, const Parameter& p);
std::size_t parameter_encoded_size(const Parameter& p);  // WITH trailing padding
// (Named _of because `parameter_type` is the namespace of type codes in chunk_type.h.)
std::uint16_t parameter_type_of(const Parameter& p);
std::string describe_parameter(const Parameter& p);  // "<type name> <details>"

// Sum of parameter_encoded_size(): the buffer encode_parameters() needs.
std::size_t parameters_encoded_size(std::span<const Parameter> params);

// Encodes `params` in order into `buffer` (e.g. the parameter block of an INIT). Returns the
// written bytes WITHOUT the last parameter's padding, since a chunk's length does not count it (RFC
// 9260 §3.2; the chunk encoder pads the chunk), or nullopt when the buffer is too small or a
// parameter cannot be encoded.
std::optional<Bytes> encode_parameters(MutableBytes buffer, std::span<const Parameter> params);

}  // namespace sctps::wire
