// Address parameters of INIT and INIT ACK, RFC 9260 §3.3.2.1; the IPv4 and IPv6 ones also travel
// inside the ASCONF parameters of RFC 5061 (asconf_parameters.h).
//
// IPv4 Address (type 5), length 8:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |            Type = 5           |          Length = 8           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         IPv4 Address                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// IPv6 Address (type 6), length 20:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |            Type = 6           |          Length = 20          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                                                               |
// |                     IPv6 Address (16 bytes)                   |
// |                                                               |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Host Name Address (type 11), variable length:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Type = 11           |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                Host Name (NUL terminated) + padding           /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Supported Address Types (type 12), length 4 + 2 * N:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Type = 12           |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Address Type #1        |        Address Type #2        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            ......                             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Semantic rules left to the engine: RFC 9260 §5.1.2 deprecates host names — an INIT carrying one
// is answered with an ABORT holding an Unresolvable Address cause; the address types listed must
// include the family the peer is reached over. Variable values longer than 65531 bytes cannot be
// encoded: encode() then writes nothing and leaves the writer overflowed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/result.h"
#include "wire/tlv.h"

namespace sctps::wire {

struct Ipv4AddressParameter {
  static constexpr std::uint16_t kType = parameter_type::kIpv4Address;
  static constexpr std::size_t kSize = 8;

  std::array<std::uint8_t, 4> address{};  // network byte order

  static Result<Ipv4AddressParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;  // dotted quad

  friend bool operator==(const Ipv4AddressParameter&, const Ipv4AddressParameter&) = default;
};

struct Ipv6AddressParameter {
  static constexpr std::uint16_t kType = parameter_type::kIpv6Address;
  static constexpr std::size_t kSize = 20;

  std::array<std::uint8_t, 16> address{};  // network byte order

  static Result<Ipv6AddressParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;  // RFC 5952 text form

  friend bool operator==(const Ipv6AddressParameter&, const Ipv6AddressParameter&) = default;
};

struct HostNameAddressParameter {
  static constexpr std::uint16_t kType = parameter_type::kHostNameAddress;

  // The value as sent, including the terminating NUL and any extra NULs a sender used to pad; the
  // encoder writes it unchanged (the caller supplies the NUL).
  Bytes name;

  static Result<HostNameAddressParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + name.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;  // the name up to the first NUL, non-printable bytes as '?'

  friend bool operator==(const HostNameAddressParameter& a, const HostNameAddressParameter& b);
};

struct SupportedAddressTypesParameter {
  static constexpr std::uint16_t kType = parameter_type::kSupportedAddressTypes;

  std::vector<std::uint16_t> types;  // parameter type codes: 5, 6, 11

  // kBadLength when the value is not a whole number of 16-bit entries.
  static Result<SupportedAddressTypesParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + 2 * types.size(); }
  void encode(ByteWriter& w) const;  // an odd count gets two bytes of padding
  std::string describe() const;
  bool contains(std::uint16_t type) const;

  friend bool operator==(const SupportedAddressTypesParameter&,
                         const SupportedAddressTypesParameter&) = default;
};

}  // namespace sctps::wire
