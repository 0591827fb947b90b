// An IPv4 or IPv6 socket address (IP, port, IPv6 scope), stored in the layout the kernel reads and
// writes (sockaddr_in / sockaddr_in6) so that batches point msg_name at it without conversion.
//
// The network layer has its own address type on purpose: it depends on wire only, never on core.
// The api layer converts between this and the engine's IpAddress (family + ip_bytes()).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sctps::net {

class SocketAddress {
 public:
  enum class Family : std::uint8_t { kUnspecified = 0, kV4 = 4, kV6 = 6 };

  // Unspecified: no family; the kernel chooses (for example the source address of a send).
  SocketAddress();
  static SocketAddress v4(std::array<std::uint8_t, 4> ip, std::uint16_t port);
  static SocketAddress v6(std::array<std::uint8_t, 16> ip, std::uint16_t port,
                          std::uint32_t scope_id = 0);
  // 0.0.0.0 / :: and 127.0.0.1 / ::1.
  static SocketAddress any(Family family, std::uint16_t port);
  static SocketAddress loopback(Family family, std::uint16_t port);
  // The IP address given as 4 or 16 bytes in network order; nullopt for any other length.
  static std::optional<SocketAddress> from_ip_bytes(std::span<const std::uint8_t> ip,
                                                    std::uint16_t port);

  // "192.0.2.1:9899", "[2001:db8::1]:9899", "[fe80::1%eth0]:9899" (scope by name or number).
  // nullopt when the text is anything else (missing or out-of-range port, bad literal).
  static std::optional<SocketAddress> parse(std::string_view text);
  // An IP literal without a port ("192.0.2.1", "2001:db8::1", "fe80::1%2") and the port apart.
  static std::optional<SocketAddress> parse_ip(std::string_view ip, std::uint16_t port);
  // From a sockaddr the kernel filled in, `length` bytes long; nullopt for a family other than
  // AF_INET / AF_INET6 or a length too short for it.
  static std::optional<SocketAddress> from_sockaddr(const void* data, std::size_t length);

  Family family() const;
  bool is_v4() const { return family() == Family::kV4; }
  bool is_v6() const { return family() == Family::kV6; }
  bool is_unspecified() const { return family() == Family::kUnspecified; }
  // AF_INET, AF_INET6 or AF_UNSPEC.
  int os_family() const;

  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  SocketAddress with_port(std::uint16_t port) const;
  std::uint32_t scope_id() const;

  // The IP address in network order: 4 or 16 bytes; empty when unspecified.
  std::span<const std::uint8_t> ip_bytes() const;
  bool is_loopback() const;
  bool is_any() const;
  // The same IP address (family, bytes and scope); ports ignored.
  bool same_ip(const SocketAddress& other) const;

  // For system calls. Null / 0 when unspecified.
  const sockaddr* sockaddr_ptr() const;
  socklen_t sockaddr_length() const;

  // "192.0.2.1:9899", "[2001:db8::1]:9899" ("[fe80::1%2]:9899" with a scope); "unspecified".
  std::string to_string() const;
  // The IP alone: "192.0.2.1", "2001:db8::1".
  std::string ip_string() const;

  std::size_t hash() const;
  friend bool operator==(const SocketAddress& a, const SocketAddress& b);
  // A strict weak order (family, IP bytes, scope, port) for ordered containers.
  friend bool operator<(const SocketAddress& a, const SocketAddress& b);

 private:
  union Storage {
    sockaddr_in v4;
    sockaddr_in6 v6;
  };
  Storage storage_;
};

}  // namespace sctps::net

template <>
struct std::hash<sctps::net::SocketAddress> {
  std::size_t operator()(const sctps::net::SocketAddress& a) const noexcept { return a.hash(); }
};
