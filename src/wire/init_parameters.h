// Parameters of INIT, INIT ACK and HEARTBEAT other than addresses and the DTLS Key Management
// parameter: RFC 9260 §3.3.2.1, §3.3.3.1, §3.3.5; RFC 4820 §3 (Padding); RFC 5061 §4.2.6-§4.2.7
// (Adaptation Layer Indication, Supported Extensions); RFC 3758 §3.1 (Forward-TSN-Supported).
// All share the TLV layout of tlv.h; only the value differs:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Parameter Type         |       Parameter Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                             Value                             /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//   Type   Name                          Value
//   1      Heartbeat Info                opaque sender data (echoed in HEARTBEAT ACK)
//   7      State Cookie                  opaque cookie
//   8      Unrecognized Parameter        the unrecognized parameter(s), TLV as received
//   9      Cookie Preservative           32-bit suggested cookie life-span increment, ms
//   0x8000 ECN Capable                   (empty)
//   0x8005 Padding                       any bytes, ignored by the receiver
//   0x8008 Supported Extensions          one byte per supported chunk type
//   0xC000 Forward-TSN-Supported         (empty)
//   0xC006 Adaptation Layer Indication   32-bit indication
//
// Semantic rules left to the engine: which parameters may appear in which chunk (e.g. a State
// Cookie only in INIT ACK, where it is mandatory, RFC 9260 §3.3.3); a Padding parameter only in an
// INIT and ignored (RFC 4820 §3). Variable values longer than 65531 bytes cannot be encoded:
// encode() then writes nothing and leaves the writer overflowed.
#pragma once

#include <cstdint>
#include <string>

#include "wire/byte_io.h"
#include "wire/chunk_type.h"
#include "wire/result.h"
#include "wire/tlv.h"

namespace sctps::wire {

struct StateCookieParameter {
  static constexpr std::uint16_t kType = parameter_type::kStateCookie;

  Bytes cookie;

  static Result<StateCookieParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + cookie.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const StateCookieParameter& a, const StateCookieParameter& b);
};

struct UnrecognizedParameterParameter {
  static constexpr std::uint16_t kType = parameter_type::kUnrecognizedParameter;

  // The peer's copy of the parameter(s) we sent and it did not understand, type and length
  // included. Its TLV framing is validated by parse() (errors as TlvBlock::parse, offsets shifted).
  Bytes parameters;

  static Result<UnrecognizedParameterParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + parameters.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  // Only meaningful for a parsed value (or one built from valid TLVs); empty block otherwise.
  TlvBlock block() const;

  friend bool operator==(const UnrecognizedParameterParameter& a,
                         const UnrecognizedParameterParameter& b);
};

struct CookiePreservativeParameter {
  static constexpr std::uint16_t kType = parameter_type::kCookiePreservative;
  static constexpr std::size_t kSize = 8;

  std::uint32_t increment_ms = 0;

  static Result<CookiePreservativeParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const CookiePreservativeParameter&,
                         const CookiePreservativeParameter&) = default;
};

// Parameters without a value (ECN Capable, Forward-TSN-Supported); any value is kLengthMismatch.
template <std::uint16_t Type>
struct EmptyParameter {
  static constexpr std::uint16_t kType = Type;
  static constexpr std::size_t kSize = 4;

  static Result<EmptyParameter> parse(const TlvView& p) {
    if (!p.value.empty())
      return make_error(ParseErrorCode::kLengthMismatch, p.offset, "parameter must be empty");
    return EmptyParameter{};
  }
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const { TlvScope scope(w, kType); }
  std::string describe() const { return {}; }

  friend bool operator==(const EmptyParameter&, const EmptyParameter&) = default;
};

using EcnCapableParameter = EmptyParameter<parameter_type::kEcnCapable>;
using ForwardTsnSupportedParameter = EmptyParameter<parameter_type::kForwardTsnSupported>;

struct PaddingParameter {
  static constexpr std::uint16_t kType = parameter_type::kPadding;

  // Whatever the sender put there; a sender should use zeros (the receiver ignores it).
  Bytes padding;

  static Result<PaddingParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + padding.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const PaddingParameter& a, const PaddingParameter& b);
};

struct SupportedExtensionsParameter {
  static constexpr std::uint16_t kType = parameter_type::kSupportedExtensions;

  Bytes chunk_types;  // one chunk type code per byte

  static Result<SupportedExtensionsParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + chunk_types.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;
  bool supports(std::uint8_t chunk_type) const;

  friend bool operator==(const SupportedExtensionsParameter& a,
                         const SupportedExtensionsParameter& b);
};

struct HeartbeatInfoParameter {
  static constexpr std::uint16_t kType = parameter_type::kHeartbeatInfo;

  Bytes info;  // opaque to the receiver, echoed unchanged

  static Result<HeartbeatInfoParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return 4 + info.size(); }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const HeartbeatInfoParameter& a, const HeartbeatInfoParameter& b);
};

struct AdaptationLayerIndicationParameter {
  static constexpr std::uint16_t kType = parameter_type::kAdaptationLayerIndication;
  static constexpr std::size_t kSize = 8;

  std::uint32_t indication = 0;

  static Result<AdaptationLayerIndicationParameter> parse(const TlvView& p);
  std::size_t encoded_size() const { return kSize; }
  void encode(ByteWriter& w) const;
  std::string describe() const;

  friend bool operator==(const AdaptationLayerIndicationParameter&,
                         const AdaptationLayerIndicationParameter&) = default;
};

}  // namespace sctps::wire
