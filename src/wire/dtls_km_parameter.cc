#include "wire/dtls_km_parameter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sctps::wire {

Result<DtlsKeyManagementParameter> DtlsKeyManagementParameter::parse(const TlvView& p) {
  auto r = FixedReader<5>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, "DTLS Key Management fixed part");
  if (r->tail().empty())
    return make_error(ParseErrorCode::kBadLength, p.offset, "DTLS Key Management without method");
  DtlsKeyManagementParameter d;
  d.tie_breaker = r->u32<0>();
  const std::uint8_t f = r->u8<4>();  // reserved bits ignored (§4.1)
  d.restart = (f & kFlagRestart) != 0;
  d.server = (f & kFlagServer) != 0;
  d.client = (f & kFlagClient) != 0;
  d.methods.assign(r->tail().begin(), r->tail().end());
  d.wire = p.whole;
  return d;
}

std::uint8_t DtlsKeyManagementParameter::flags() const {
  return static_cast<std::uint8_t>((restart ? kFlagRestart : 0) | (server ? kFlagServer : 0) |
                                   (client ? kFlagClient : 0));
}

void DtlsKeyManagementParameter::encode(ByteWriter& w) const {
  if (methods.empty() || methods.size() > kMaxMethods) {
    w.zeros(w.remaining() + 1);  // never fits: marks the writer overflowed, writes nothing
    return;
  }
  TlvScope scope(w, kType);
  w.u32(tie_breaker);
  w.u8(flags());
  w.bytes(methods);
}

std::vector<std::uint8_t> DtlsKeyManagementParameter::encoded_bytes() const {
  std::vector<std::uint8_t> out(padded4(encoded_size()));
  ByteWriter w(out);
  encode(w);
  if (w.overflowed()) return {};
  out.resize(encoded_size());
  return out;
}

std::vector<std::uint8_t> DtlsKeyManagementParameter::downgrade_data() const {
  if (!wire.empty()) return std::vector<std::uint8_t>(wire.begin(), wire.end());
  return encoded_bytes();
}

std::string DtlsKeyManagementParameter::describe() const {
  std::string f;
  auto add = [&f](bool on, const char* name) {
    if (!on) return;
    if (!f.empty()) f += '|';
    f += name;
  };
  add(restart, "R");
  add(server, "S");
  add(client, "C");
  if (f.empty()) f = "-";
  return fmt::format("tie_breaker=0x{:08x} flags={} methods=[{}]", tie_breaker, f,
                     fmt::join(methods, ","));
}

bool operator==(const DtlsKeyManagementParameter& a, const DtlsKeyManagementParameter& b) {
  return a.tie_breaker == b.tie_breaker && a.flags() == b.flags() && a.methods == b.methods;
}

}  // namespace sctps::wire
