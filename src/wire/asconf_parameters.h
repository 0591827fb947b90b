// Parameters of the ASCONF and ASCONF-ACK chunks, RFC 5061 §4.2.1-§4.2.5.
//
// Add IP Address (0xC001), Delete IP Address (0xC002), Set Primary Address (0xC004), length
// 8 + length of the address parameter:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Type = 0xC001/0xC002/0xC004  |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  ASCONF-Request Correlation ID                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |              Address Parameter (IPv4 type 5 or IPv6 type 6)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Error Cause Indication (0xC003), length 8 + causes:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Type = 0xC003         |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  ASCONF-Request Correlation ID                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                  Error Cause(s) (TLV, RFC 9260 §3.3.10)       /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Success Indication (0xC005), length 8:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Type = 0xC005         |          Length = 8           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  ASCONF-Request Correlation ID                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Errors: a value shorter than 8 (correlation ID + address header) is kTruncated; an address
// parameter whose length is below 4 is kBadLength, past the end kParameterOverrun, not exactly
// filling the rest kLengthMismatch; a type other than 5 or 6 is kInvalidValue; a type 5/6 with the
// wrong length is kLengthMismatch (address_parameters.h). Error causes are validated as a TLV
// block.
//
// Semantic rules left to the engine (RFC 5061 §5): the wildcard address (all zeros) in Delete or
// Set Primary means the packet's source address; deleting the last or the source address is
// refused; Error Cause Indication should carry at least one cause (an empty block is accepted
// here); correlation IDs are only matched between request and answer.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "wire/address_parameters.h"
#include "wire/byte_io.h"
#include "wire/bytes_equal.h"
#include "wire/chunk_type.h"
#include "wire/result.h"
#include "wire/tlv.h"

namespace sctps::wire {

using AddressParameter = std::variant<Ipv4AddressParameter, Ipv6AddressParameter>;

// Decodes a raw IPv4/IPv6 address parameter (header included); kInvalidValue for another type.
Result<AddressParameter> parse_address_parameter(Bytes whole, std::size_t offset);

// Add IP Address, Delete IP Address and Set Primary Address share one layout.
template <std::uint16_t Type>
struct AsconfAddressParameter {
  static constexpr std::uint16_t kType = Type;

  std::uint32_t correlation_id = 0;
  // The whole IPv4 or IPv6 address parameter (type, length, address). When encoding it points at
  // the caller's bytes, which must be a valid address TLV (as Ipv4AddressParameter::encode or
  // Ipv6AddressParameter::encode writes it).
  Bytes address_parameter;

  static Result<AsconfAddressParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 8 + address_parameter.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;  // "corr_id=7 address=192.0.2.1"
  // Decoded address; only an error for a value built from invalid bytes.
  Result<AddressParameter> address() const;

  friend bool operator==(const AsconfAddressParameter& a, const AsconfAddressParameter& b) {
    return a.correlation_id == b.correlation_id &&
           bytes_equal(a.address_parameter, b.address_parameter);
  }
};

using AddIpAddressParameter = AsconfAddressParameter<parameter_type::kAddIpAddress>;
using DeleteIpAddressParameter = AsconfAddressParameter<parameter_type::kDeleteIpAddress>;
using SetPrimaryAddressParameter = AsconfAddressParameter<parameter_type::kSetPrimaryAddress>;

extern template struct AsconfAddressParameter<parameter_type::kAddIpAddress>;
extern template struct AsconfAddressParameter<parameter_type::kDeleteIpAddress>;
extern template struct AsconfAddressParameter<parameter_type::kSetPrimaryAddress>;

struct ErrorCauseIndicationParameter {
  static constexpr std::uint16_t kType = parameter_type::kErrorCauseIndication;

  std::uint32_t correlation_id = 0;
  Bytes error_causes;  // raw cause block, TLV framing validated by parse()

  static Result<ErrorCauseIndicationParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 8 + error_causes.size(); }
  void encode(ByteWriter& w) const;  // > 65527 bytes of causes: nothing written, writer overflowed
  std::string describe() const;      // "corr_id=7 causes=[1,3]"
  TlvBlock causes() const;           // empty block if error_causes is not valid TLV

  friend bool operator==(const ErrorCauseIndicationParameter& a,
                         const ErrorCauseIndicationParameter& b);
};

struct SuccessIndicationParameter {
  static constexpr std::uint16_t kType = parameter_type::kSuccessIndication;
  static constexpr std::size_t kSize = 8;

  std::uint32_t correlation_id = 0;

  static Result<SuccessIndicationParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const SuccessIndicationParameter&,
                         const SuccessIndicationParameter&) = default;
};

}  // namespace sctps::wire
