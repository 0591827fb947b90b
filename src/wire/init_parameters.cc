#include "wire/init_parameters.h"

#include <fmt/format.h>

#include <algorithm>

#include "wire/bytes_equal.h"

namespace sctps::wire {
namespace {

template <std::size_t N>
Result<FixedReader<N>> exact_value(const TlvView& p, const char* what) {
  auto r = FixedReader<N>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, what);
  if (p.value.size() != N) return make_error(ParseErrorCode::kLengthMismatch, p.offset, what);
  return *r;
}

// Opaque values share one encoder. The 16-bit length field cannot describe more than 65535 bytes:
// refuse (writer overflowed, nothing written) rather than write a wrong length.
void encode_opaque(ByteWriter& w, std::uint16_t type, Bytes value) {
  if (4 + value.size() > 0xFFFF) {
    w.zeros(w.remaining() + 1);
    return;
  }
  encode_tlv(w, type, value);
}

void encode_u32(ByteWriter& w, std::uint16_t type, std::uint32_t v) {
  TlvScope scope(w, type);
  w.u32(v);
}

}  // namespace

// --- State Cookie ---------------------------------------------------------------------------

Result<StateCookieParameter> StateCookieParameter::parse(const TlvView& p) {
  return StateCookieParameter{p.value};
}
void StateCookieParameter::encode(ByteWriter& w) const {
  encode_opaque(w, kType, cookie);
}
std::string StateCookieParameter::describe() const {
  return fmt::format("len={}", cookie.size());
}
bool operator==(const StateCookieParameter& a, const StateCookieParameter& b) {
  return bytes_equal(a.cookie, b.cookie);
}

// --- Unrecognized Parameter -----------------------------------------------------------------

Result<UnrecognizedParameterParameter> UnrecognizedParameterParameter::parse(const TlvView& p) {
  auto block = TlvBlock::parse(p.value);
  if (!block.ok()) {
    ParseError e = block.error();
    e.offset += static_cast<std::uint32_t>(p.offset + 4);
    return e;
  }
  return UnrecognizedParameterParameter{p.value};
}
void UnrecognizedParameterParameter::encode(ByteWriter& w) const {
  encode_opaque(w, kType, parameters);
}
TlvBlock UnrecognizedParameterParameter::block() const {
  auto b = TlvBlock::parse(parameters);
  if (b.ok()) return *b;
  return *TlvBlock::parse(Bytes{});
}
std::string UnrecognizedParameterParameter::describe() const {
  std::string out = "params=[";
  bool first = true;
  for (const TlvView& item : block()) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("0x{:04x}", item.type);
  }
  out += ']';
  return out;
}
bool operator==(const UnrecognizedParameterParameter& a, const UnrecognizedParameterParameter& b) {
  return bytes_equal(a.parameters, b.parameters);
}

// --- Cookie Preservative --------------------------------------------------------------------

Result<CookiePreservativeParameter> CookiePreservativeParameter::parse(const TlvView& p) {
  auto r = exact_value<4>(p, "Cookie Preservative");
  if (!r.ok()) return r.error();
  return CookiePreservativeParameter{r->u32<0>()};
}
void CookiePreservativeParameter::encode(ByteWriter& w) const {
  encode_u32(w, kType, increment_ms);
}
std::string CookiePreservativeParameter::describe() const {
  return fmt::format("increment_ms={}", increment_ms);
}

// --- Padding --------------------------------------------------------------------------------

Result<PaddingParameter> PaddingParameter::parse(const TlvView& p) {
  return PaddingParameter{p.value};
}
void PaddingParameter::encode(ByteWriter& w) const {
  encode_opaque(w, kType, padding);
}
std::string PaddingParameter::describe() const {
  return fmt::format("len={}", padding.size());
}
bool operator==(const PaddingParameter& a, const PaddingParameter& b) {
  return bytes_equal(a.padding, b.padding);
}

// --- Supported Extensions -------------------------------------------------------------------

Result<SupportedExtensionsParameter> SupportedExtensionsParameter::parse(const TlvView& p) {
  return SupportedExtensionsParameter{p.value};
}
void SupportedExtensionsParameter::encode(ByteWriter& w) const {
  encode_opaque(w, kType, chunk_types);
}
bool SupportedExtensionsParameter::supports(std::uint8_t chunk_type) const {
  return std::find(chunk_types.begin(), chunk_types.end(), chunk_type) != chunk_types.end();
}
std::string SupportedExtensionsParameter::describe() const {
  std::string out = "chunks=[";
  for (std::size_t i = 0; i < chunk_types.size(); ++i) {
    if (i != 0) out += ',';
    const std::string_view name = chunk_type_name(chunk_types[i]);
    if (name == "unknown") {
      out += fmt::format("0x{:02x}", chunk_types[i]);
    } else {
      out += name;
    }
  }
  out += ']';
  return out;
}
bool operator==(const SupportedExtensionsParameter& a, const SupportedExtensionsParameter& b) {
  return bytes_equal(a.chunk_types, b.chunk_types);
}

// --- Heartbeat Info -------------------------------------------------------------------------

Result<HeartbeatInfoParameter> HeartbeatInfoParameter::parse(const TlvView& p) {
  return HeartbeatInfoParameter{p.value};
}
void HeartbeatInfoParameter::encode(ByteWriter& w) const {
  encode_opaque(w, kType, info);
}
std::string HeartbeatInfoParameter::describe() const {
  return fmt::format("len={}", info.size());
}
bool operator==(const HeartbeatInfoParameter& a, const HeartbeatInfoParameter& b) {
  return bytes_equal(a.info, b.info);
}

// --- Adaptation Layer Indication ------------------------------------------------------------

Result<AdaptationLayerIndicationParameter> AdaptationLayerIndicationParameter::parse(
    const TlvView& p) {
  auto r = exact_value<4>(p, "Adaptation Layer Indication");
  if (!r.ok()) return r.error();
  return AdaptationLayerIndicationParameter{r->u32<0>()};
}
void AdaptationLayerIndicationParameter::encode(ByteWriter& w) const {
  encode_u32(w, kType, indication);
}
std::string AdaptationLayerIndicationParameter::describe() const {
  return fmt::format("indication=0x{:08x}", indication);
}

}  // namespace sctps::wire
