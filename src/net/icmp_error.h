// ICMP errors about datagrams we sent, read from a socket's error queue (IP_RECVERR /
// IPV6_RECVERR) and surfaced as values for the engine.
//
// Why the engine cares (RFC 6951 §5.5 and §5.6, RFC 9260 Appendix C): a port unreachable for the
// peer's UDP encapsulation port (or protocol unreachable on raw IP) is a reason to treat the path
// or the association as dead, and a "fragmentation needed" / "packet too big" lowers the path MTU.
// Before acting the engine must check that the message really concerns one of its associations: the
// quoted SCTP common header carries the ports and the verification tag, which must be the peer's
// tag (or, for a quoted INIT with tag 0, the Initiate Tag). That is why the quoted header is parsed
// here.
//
// Where the quote starts: for UDP sockets the kernel hands over the quoted UDP payload, for raw
// sockets the quoted IP payload; in both cases the SCTP common header. An ICMPv4 message may quote
// as little as 8 bytes beyond the IP header, which for UDP encapsulation is the UDP header alone:
// then the SCTP fields are absent and the engine must decide without them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "net/socket_address.h"

namespace sctps::net {

// Bytes of the offending SCTP packet kept from an ICMP quote: the common header and the first
// chunk's start (an INIT's Initiate Tag lies at bytes 16-19).
constexpr std::size_t kMaxIcmpQuote = 64;

struct IcmpError {
  enum class Kind : std::uint8_t {
    kPortUnreachable,      // nobody listens on the destination (UDP) port
    kProtocolUnreachable,  // the destination does not speak SCTP (raw IP)
    kHostUnreachable,
    kNetUnreachable,
    kAdministrativelyProhibited,
    kFragmentationNeeded,  // ICMPv4 "fragmentation needed", ICMPv6 "packet too big" or a local
                           // EMSGSIZE: `mtu` is the largest IP packet the path carries
    kTimeExceeded,
    kOther,
  };
  enum class Origin : std::uint8_t { kLocal, kIcmp, kIcmp6, kOther };

  Kind kind = Kind::kOther;
  Origin origin = Origin::kOther;
  int error_code = 0;  // the errno the kernel associates with it (ECONNREFUSED, EMSGSIZE, ...)
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::uint32_t mtu = 0;  // kFragmentationNeeded only: IP MTU of the path (0 when not given)
  // Where the offending datagram went: IP and (UDP) port; raw sockets have port 0.
  SocketAddress destination;
  // Who sent the ICMP message (a router, or the destination itself); unspecified when local.
  SocketAddress reporter;
  // The quoted SCTP common header, as far as it was quoted.
  std::optional<std::uint16_t> sctp_source_port;
  std::optional<std::uint16_t> sctp_destination_port;
  std::optional<std::uint32_t> verification_tag;
  std::size_t quoted_bytes = 0;  // how many bytes of the SCTP packet the message quoted (max 64)
  // Those bytes, from the common header on: for a quoted INIT (tag 0) the engine checks the
  // Initiate Tag inside the chunk instead (RFC 9260 Appendix C).
  std::array<std::uint8_t, kMaxIcmpQuote> quote{};

  std::span<const std::uint8_t> quoted() const {
    return std::span<const std::uint8_t>(quote.data(), quoted_bytes);
  }
};

std::string_view to_string(IcmpError::Kind kind);

// Interprets one error-queue message: its control buffer (the IP_RECVERR / IPV6_RECVERR message),
// its name (the original destination) and payload (the quote, from the SCTP common header on).
// nullopt when the control buffer holds no well-formed extended error.
std::optional<IcmpError> parse_error_message(std::span<const std::uint8_t> control,
                                             std::span<const std::uint8_t> name,
                                             std::span<const std::uint8_t> quote);

// Reads up to out.size() errors from the error queue of `fd` without blocking; returns how many.
// Messages that are not ICMP or local errors (timestamps, zero-copy notices) are skipped.
std::size_t read_error_queue(int fd, std::span<IcmpError> out);

}  // namespace sctps::net
