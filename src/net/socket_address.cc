#include "net/socket_address.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace sctps::net {
namespace {

constexpr std::size_t kMaxLiteral = 64;  // longer than any IPv6 literal with an interface name

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<std::uint32_t> parse_scope(std::string_view text) {
  if (text.empty() || text.size() >= IF_NAMESIZE) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  }
  char name[IF_NAMESIZE] = {};
  std::memcpy(name, text.data(), text.size());
  const unsigned index = if_nametoindex(name);
  if (index == 0) return std::nullopt;
  return index;
}

void mix(std::size_t& h, std::size_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
}

}  // namespace

SocketAddress::SocketAddress() {
  std::memset(&storage_, 0, sizeof(storage_));
}

SocketAddress SocketAddress::v4(std::array<std::uint8_t, 4> ip, std::uint16_t port) {
  SocketAddress a;
  a.storage_.v4.sin_family = AF_INET;
  a.storage_.v4.sin_port = htons(port);
  std::memcpy(&a.storage_.v4.sin_addr, ip.data(), ip.size());
  return a;
}

SocketAddress SocketAddress::v6(std::array<std::uint8_t, 16> ip, std::uint16_t port,
                                std::uint32_t scope_id) {
  SocketAddress a;
  a.storage_.v6.sin6_family = AF_INET6;
  a.storage_.v6.sin6_port = htons(port);
  a.storage_.v6.sin6_scope_id = scope_id;
  std::memcpy(&a.storage_.v6.sin6_addr, ip.data(), ip.size());
  return a;
}

SocketAddress SocketAddress::any(Family family, std::uint16_t port) {
  if (family == Family::kV4) return v4({0, 0, 0, 0}, port);
  if (family == Family::kV6) return v6({}, port);
  return SocketAddress();
}

SocketAddress SocketAddress::loopback(Family family, std::uint16_t port) {
  if (family == Family::kV4) return v4({127, 0, 0, 1}, port);
  if (family == Family::kV6) {
    std::array<std::uint8_t, 16> ip{};
    ip[15] = 1;
    return v6(ip, port);
  }
  return SocketAddress();
}

std::optional<SocketAddress> SocketAddress::from_ip_bytes(std::span<const std::uint8_t> ip,
                                                          std::uint16_t port) {
  if (ip.size() == 4) return v4({ip[0], ip[1], ip[2], ip[3]}, port);
  if (ip.size() == 16) {
    std::array<std::uint8_t, 16> b{};
    std::copy(ip.begin(), ip.end(), b.begin());
    return v6(b, port);
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return std::nullopt;  // brackets are for IPv6
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  const auto port = parse_port(port_text);
  if (!port) return std::nullopt;
  return parse_ip(host, *port);
}

std::optional<SocketAddress> SocketAddress::parse_ip(std::string_view ip, std::uint16_t port) {
  std::string_view literal = ip;
  std::optional<std::uint32_t> scope;
  if (const std::size_t percent = ip.find('%'); percent != std::string_view::npos) {
    literal = ip.substr(0, percent);
    scope = parse_scope(ip.substr(percent + 1));
    if (!scope) return std::nullopt;
  }
  if (literal.empty() || literal.size() >= kMaxLiteral) return std::nullopt;
  char buffer[kMaxLiteral] = {};
  std::memcpy(buffer, literal.data(), literal.size());
  std::array<std::uint8_t, 16> bytes{};
  if (!scope && inet_pton(AF_INET, buffer, bytes.data()) == 1) {
    return v4({bytes[0], bytes[1], bytes[2], bytes[3]}, port);
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) return v6(bytes, port, scope.value_or(0));
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::from_sockaddr(const void* data, std::size_t length) {
  if (data == nullptr || length < sizeof(sa_family_t)) return std::nullopt;
  sa_family_t family = 0;
  std::memcpy(&family, data, sizeof(family));
  SocketAddress a;
  if (family == AF_INET && length >= sizeof(sockaddr_in)) {
    std::memcpy(&a.storage_.v4, data, sizeof(sockaddr_in));
    std::memset(a.storage_.v4.sin_zero, 0, sizeof(a.storage_.v4.sin_zero));
    return a;
  }
  if (family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    std::memcpy(&a.storage_.v6, data, sizeof(sockaddr_in6));
    a.storage_.v6.sin6_flowinfo = 0;  // not part of the address
    return a;
  }
  return std::nullopt;
}

SocketAddress::Family SocketAddress::family() const {
  sa_family_t family = 0;
  std::memcpy(&family, &storage_, sizeof(family));
  if (family == AF_INET) return Family::kV4;
  if (family == AF_INET6) return Family::kV6;
  return Family::kUnspecified;
}

int SocketAddress::os_family() const {
  switch (family()) {
    case Family::kV4: return AF_INET;
    case Family::kV6: return AF_INET6;
    case Family::kUnspecified: break;
  }
  return AF_UNSPEC;
}

std::uint16_t SocketAddress::port() const {
  switch (family()) {
    case Family::kV4: return ntohs(storage_.v4.sin_port);
    case Family::kV6: return ntohs(storage_.v6.sin6_port);
    case Family::kUnspecified: break;
  }
  return 0;
}

void SocketAddress::set_port(std::uint16_t port) {
  if (is_v4()) storage_.v4.sin_port = htons(port);
  if (is_v6()) storage_.v6.sin6_port = htons(port);
}

SocketAddress SocketAddress::with_port(std::uint16_t port) const {
  SocketAddress a = *this;
  a.set_port(port);
  return a;
}

std::uint32_t SocketAddress::scope_id() const {
  return is_v6() ? storage_.v6.sin6_scope_id : 0;
}

std::span<const std::uint8_t> SocketAddress::ip_bytes() const {
  switch (family()) {
    case Family::kV4: return {reinterpret_cast<const std::uint8_t*>(&storage_.v4.sin_addr), 4};
    case Family::kV6: return {reinterpret_cast<const std::uint8_t*>(&storage_.v6.sin6_addr), 16};
    case Family::kUnspecified: break;
  }
  return {};
}

bool SocketAddress::is_loopback() const {
  const auto ip = ip_bytes();
  if (ip.size() == 4) return ip[0] == 127;
  if (ip.size() == 16) {
    return std::all_of(ip.begin(), ip.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
           ip[15] == 1;
  }
  return false;
}

bool SocketAddress::is_any() const {
  const auto ip = ip_bytes();
  return !ip.empty() && std::all_of(ip.begin(), ip.end(), [](std::uint8_t b) { return b == 0; });
}

bool SocketAddress::same_ip(const SocketAddress& other) const {
  const auto a = ip_bytes();
  const auto b = other.ip_bytes();
  return family() == other.family() && scope_id() == other.scope_id() &&
         std::equal(a.begin(), a.end(), b.begin(), b.end());
}

const sockaddr* SocketAddress::sockaddr_ptr() const {
  if (is_unspecified()) return nullptr;
  return reinterpret_cast<const sockaddr*>(&storage_);
}

socklen_t SocketAddress::sockaddr_length() const {
  switch (family()) {
    case Family::kV4: return sizeof(sockaddr_in);
    case Family::kV6: return sizeof(sockaddr_in6);
    case Family::kUnspecified: break;
  }
  return 0;
}

std::string SocketAddress::ip_string() const {
  char out[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, &storage_.v4.sin_addr, out, sizeof(out));
  } else if (is_v6()) {
    inet_ntop(AF_INET6, &storage_.v6.sin6_addr, out, sizeof(out));
  } else {
    return "unspecified";
  }
  std::string text(out);
  if (scope_id() != 0) text += "%" + std::to_string(scope_id());
  return text;
}

std::string SocketAddress::to_string() const {
  if (is_unspecified()) return "unspecified";
  if (is_v4()) return ip_string() + ":" + std::to_string(port());
  return "[" + ip_string() + "]:" + std::to_string(port());
}

std::size_t SocketAddress::hash() const {
  std::size_t h = static_cast<std::size_t>(family());
  for (const std::uint8_t b : ip_bytes()) mix(h, b);
  mix(h, port());
  mix(h, scope_id());
  return h;
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
  return a.same_ip(b) && a.port() == b.port();
}

bool operator<(const SocketAddress& a, const SocketAddress& b) {
  if (a.family() != b.family()) return a.family() < b.family();
  const auto x = a.ip_bytes();
  const auto y = b.ip_bytes();
  if (!std::equal(x.begin(), x.end(), y.begin(), y.end())) {
    return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
  }
  if (a.scope_id() != b.scope_id()) return a.scope_id() < b.scope_id();
  return a.port() < b.port();
}

}  // namespace sctps::net
