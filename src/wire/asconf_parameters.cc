#include "wire/asconf_parameters.h"

#include <fmt/format.h>

#include "wire/bytes_equal.h"

namespace sctps::wire {
namespace {

constexpr std::size_t kCorrelationIdSize = 4;

// Returns false (writer overflowed, nothing written) when the 16-bit length cannot hold the size.
bool fits_length_field(ByteWriter& w, std::size_t encoded_size) {
  if (encoded_size <= 0xFFFF) return true;
  w.zeros(w.remaining() + 1);
  return false;
}

}  // namespace

Result<AddressParameter> parse_address_parameter(Bytes whole, std::size_t offset) {
  auto h = FixedReader<4>::make(whole);
  if (!h) return make_error(ParseErrorCode::kTruncated, offset, "address parameter header");
  const std::uint16_t type = h->u16<0>();
  const std::uint16_t length = h->u16<2>();
  if (length < 4) return make_error(ParseErrorCode::kBadLength, offset, "address parameter length");
  if (length > whole.size())
    return make_error(ParseErrorCode::kParameterOverrun, offset, "address parameter length");
  if (length != whole.size())
    return make_error(ParseErrorCode::kLengthMismatch, offset, "address parameter length");
  const TlvView view{type, whole.subspan(4), whole, offset};
  switch (type) {
    case parameter_type::kIpv4Address: {
      auto a = Ipv4AddressParameter::parse(view);
      if (!a.ok()) return a.error();
      return AddressParameter(*a);
    }
    case parameter_type::kIpv6Address: {
      auto a = Ipv6AddressParameter::parse(view);
      if (!a.ok()) return a.error();
      return AddressParameter(*a);
    }
    default: return make_error(ParseErrorCode::kInvalidValue, offset, "address parameter type");
  }
}

// --- Add IP / Delete IP / Set Primary Address (§4.2.1, §4.2.2, §4.2.4) ----------------------

template <std::uint16_t Type>
Result<AsconfAddressParameter<Type>> AsconfAddressParameter<Type>::parse(const TlvView& p) {
  auto r = FixedReader<kCorrelationIdSize + 4>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "ASCONF address parameter");
  AsconfAddressParameter a;
  a.correlation_id = r->template u32<0>();
  a.address_parameter = p.value.subspan(kCorrelationIdSize);
  auto addr = parse_address_parameter(a.address_parameter, p.offset + 4 + kCorrelationIdSize);
  if (!addr.ok()) return addr.error();
  return a;
}

template <std::uint16_t Type>
void AsconfAddressParameter<Type>::encode(ByteWriter& w) const {
  if (!fits_length_field(w, encoded_size())) return;
  TlvScope scope(w, kType);
  w.u32(correlation_id);
  w.bytes(address_parameter);
}

template <std::uint16_t Type>
Result<AddressParameter> AsconfAddressParameter<Type>::address() const {
  return parse_address_parameter(address_parameter, 0);
}

template <std::uint16_t Type>
std::string AsconfAddressParameter<Type>::describe() const {
  auto addr = address();
  const std::string text =
      addr.ok() ? std::visit([](const auto& x) { return x.describe(); }, *addr) : "invalid";
  return fmt::format("corr_id={} address={}", correlation_id, text);
}

template struct AsconfAddressParameter<parameter_type::kAddIpAddress>;
template struct AsconfAddressParameter<parameter_type::kDeleteIpAddress>;
template struct AsconfAddressParameter<parameter_type::kSetPrimaryAddress>;

// --- Error Cause Indication (§4.2.3) --------------------------------------------------------

Result<ErrorCauseIndicationParameter> ErrorCauseIndicationParameter::parse(const TlvView& p) {
  auto r = FixedReader<kCorrelationIdSize>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "Error Cause Indication");
  auto block = TlvBlock::parse(r->tail());
  if (!block.ok()) {
    ParseError e = block.error();
    e.offset += static_cast<std::uint32_t>(p.offset + 4 + kCorrelationIdSize);
    return e;
  }
  return ErrorCauseIndicationParameter{r->u32<0>(), r->tail()};
}

void ErrorCauseIndicationParameter::encode(ByteWriter& w) const {
  if (!fits_length_field(w, encoded_size())) return;
  TlvScope scope(w, kType);
  w.u32(correlation_id);
  w.bytes(error_causes);
}

TlvBlock ErrorCauseIndicationParameter::causes() const {
  auto b = TlvBlock::parse(error_causes);
  if (b.ok()) return *b;
  return *TlvBlock::parse(Bytes{});
}

std::string ErrorCauseIndicationParameter::describe() const {
  std::string list;
  for (const TlvView& c : causes()) {
    if (!list.empty()) list += ',';
    list += fmt::format("{}", c.type);
  }
  return fmt::format("corr_id={} causes=[{}]", correlation_id, list);
}

bool operator==(const ErrorCauseIndicationParameter& a, const ErrorCauseIndicationParameter& b) {
  return a.correlation_id == b.correlation_id && bytes_equal(a.error_causes, b.error_causes);
}

// --- Success Indication (§4.2.5) ------------------------------------------------------------

Result<SuccessIndicationParameter> SuccessIndicationParameter::parse(const TlvView& p) {
  auto r = FixedReader<kCorrelationIdSize>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "Success Indication");
  if (p.value.size() != kCorrelationIdSize)
    return make_error(ParseErrorCode::kLengthMismatch, p.offset, "Success Indication");
  return SuccessIndicationParameter{r->u32<0>()};
}

void SuccessIndicationParameter::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.u32(correlation_id);
}

std::string SuccessIndicationParameter::describe() const {
  return fmt::format("corr_id={}", correlation_id);
}

}  // namespace sctps::wire
