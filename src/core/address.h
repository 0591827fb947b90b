// An IP address as SCTP uses it: one transport address of a multihomed endpoint (RFC 9260 §1.3),
// carried in INIT parameters and identifying a path. The SCTP port lives with the endpoint; the UDP
// port of the encapsulation (RFC 6951) is the runtime's business.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sctps {

class IpAddress {
 public:
  enum class Family : std::uint8_t { kV4 = 4, kV6 = 6 };

  IpAddress() = default;
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v6(std::array<std::uint8_t, 16> b);
  // "192.0.2.1" or "2001:db8::1"; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  // 4 or 16 bytes in network order.
  std::span<const std::uint8_t> bytes() const {
    return {bytes_.data(), is_v4() ? std::size_t{4} : std::size_t{16}};
  }
  std::string to_string() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  Family family_ = Family::kV4;
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace sctps

template <>
struct std::hash<sctps::IpAddress> {
  std::size_t operator()(const sctps::IpAddress& a) const noexcept {
    std::size_t h = static_cast<std::size_t>(a.family());
    for (std::uint8_t b : a.bytes()) h = h * 131 + b;
    return h;
  }
};
