#include "wire/address_parameters.h"

#include <fmt/format.h>

#include <algorithm>

#include "wire/bytes_equal.h"

namespace sctps::wire {
namespace {

// A value of exactly N bytes: shorter is truncated, longer disagrees with the fixed layout.
template <std::size_t N>
Result<FixedReader<N>> exact_value(const TlvView& p, const char* what) {
  auto r = FixedReader<N>::make(p.value);
  if (!r) return make_error(ParseErrorCode::kTruncated, p.offset, what);
  if (p.value.size() != N) return make_error(ParseErrorCode::kLengthMismatch, p.offset, what);
  return *r;
}

// The 16-bit length field cannot describe more; refuse rather than write a wrong length.
bool fits_length_field(ByteWriter& w, std::size_t encoded_size) {
  if (encoded_size <= 0xFFFF) return true;
  w.zeros(w.remaining() + 1);  // never fits: marks the writer overflowed, writes nothing
  return false;
}

}  // namespace

Result<Ipv4AddressParameter> Ipv4AddressParameter::parse(const TlvView& p) {
  auto r = exact_value<4>(p, "IPv4 Address");
  if (!r.ok()) return r.error();
  return Ipv4AddressParameter{r->array<0, 4>()};
}

void Ipv4AddressParameter::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.bytes(address);
}

std::string Ipv4AddressParameter::describe() const {
  return fmt::format("{}.{}.{}.{}", address[0], address[1], address[2], address[3]);
}

Result<Ipv6AddressParameter> Ipv6AddressParameter::parse(const TlvView& p) {
  auto r = exact_value<16>(p, "IPv6 Address");
  if (!r.ok()) return r.error();
  return Ipv6AddressParameter{r->array<0, 16>()};
}

void Ipv6AddressParameter::encode(ByteWriter& w) const {
  TlvScope scope(w, kType);
  w.bytes(address);
}

std::string Ipv6AddressParameter::describe() const {
  std::array<std::uint16_t, 8> g{};
  for (std::size_t i = 0; i < 8; ++i) g[i] = load_be16(address.data() + 2 * i);
  // RFC 5952 §4.2: the longest run of at least two zero groups (the first on a tie) becomes "::".
  std::size_t best_start = 8;
  std::size_t best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[i]);
  }
  return out;
}

Result<HostNameAddressParameter> HostNameAddressParameter::parse(const TlvView& p) {
  return HostNameAddressParameter{p.value};
}

void HostNameAddressParameter::encode(ByteWriter& w) const {
  if (!fits_length_field(w, encoded_size())) return;
  TlvScope scope(w, kType);
  w.bytes(name);
}

std::string HostNameAddressParameter::describe() const {
  std::string out = "\"";
  for (std::uint8_t c : name) {
    if (c == 0) break;
    out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  out += '"';
  return out;
}

bool operator==(const HostNameAddressParameter& a, const HostNameAddressParameter& b) {
  return bytes_equal(a.name, b.name);
}

Result<SupportedAddressTypesParameter> SupportedAddressTypesParameter::parse(const TlvView& p) {
  if (p.value.size() % 2 != 0)
    return make_error(ParseErrorCode::kBadLength, p.offset, "Supported Address Types length odd");
  SupportedAddressTypesParameter s;
  s.types.reserve(p.value.size() / 2);
  for (std::size_t i = 0; i + 2 <= p.value.size(); i += 2)
    s.types.push_back(load_be16(p.value.data() + i));
  return s;
}

void SupportedAddressTypesParameter::encode(ByteWriter& w) const {
  if (!fits_length_field(w, encoded_size())) return;
  TlvScope scope(w, kType);
  for (std::uint16_t t : types) w.u16(t);
}

std::string SupportedAddressTypesParameter::describe() const {
  std::string out = "types=[";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i != 0) out += ',';
    out += fmt::format("{}", types[i]);
  }
  out += ']';
  return out;
}

bool SupportedAddressTypesParameter::contains(std::uint16_t type) const {
  return std::find(types.begin(), types.end(), type) != types.end();
}

}  // namespace sctps::wire
