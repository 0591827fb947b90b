#include "net/icmp_error.h"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/control_messages.h"
#include "wire/byte_io.h"

namespace sctps::net {
namespace {

constexpr std::uint8_t kIcmpDestinationUnreachable = 3;
constexpr std::uint8_t kIcmpTimeExceeded = 11;
constexpr std::uint8_t kIcmp6DestinationUnreachable = 1;
constexpr std::uint8_t kIcmp6PacketTooBig = 2;
constexpr std::uint8_t kIcmp6TimeExceeded = 3;
constexpr std::uint8_t kIcmp6ParameterProblem = 4;
constexpr std::size_t kQuoteBuffer = kMaxIcmpQuote;

IcmpError::Kind classify_icmp(std::uint8_t type, std::uint8_t code) {
  if (type == kIcmpTimeExceeded) return IcmpError::Kind::kTimeExceeded;
  if (type != kIcmpDestinationUnreachable) return IcmpError::Kind::kOther;
  switch (code) {
    case 0:
    case 6:
    case 11: return IcmpError::Kind::kNetUnreachable;
    case 1:
    case 7:
    case 12: return IcmpError::Kind::kHostUnreachable;
    case 2: return IcmpError::Kind::kProtocolUnreachable;
    case 3: return IcmpError::Kind::kPortUnreachable;
    case 4: return IcmpError::Kind::kFragmentationNeeded;
    case 9:
    case 10:
    case 13: return IcmpError::Kind::kAdministrativelyProhibited;
    default: return IcmpError::Kind::kOther;
  }
}

IcmpError::Kind classify_icmp6(std::uint8_t type, std::uint8_t code) {
  switch (type) {
    case kIcmp6DestinationUnreachable:
      switch (code) {
        case 0: return IcmpError::Kind::kNetUnreachable;
        case 1:
        case 5:
        case 6: return IcmpError::Kind::kAdministrativelyProhibited;
        case 3: return IcmpError::Kind::kHostUnreachable;
        case 4: return IcmpError::Kind::kPortUnreachable;
        default: return IcmpError::Kind::kOther;
      }
    case kIcmp6PacketTooBig: return IcmpError::Kind::kFragmentationNeeded;
    case kIcmp6TimeExceeded: return IcmpError::Kind::kTimeExceeded;
    case kIcmp6ParameterProblem:
      // Code 1: unrecognized Next Header, the IPv6 form of "protocol unreachable".
      return code == 1 ? IcmpError::Kind::kProtocolUnreachable : IcmpError::Kind::kOther;
    default: return IcmpError::Kind::kOther;
  }
}

}  // namespace

std::string_view to_string(IcmpError::Kind kind) {
  switch (kind) {
    case IcmpError::Kind::kPortUnreachable: return "port unreachable";
    case IcmpError::Kind::kProtocolUnreachable: return "protocol unreachable";
    case IcmpError::Kind::kHostUnreachable: return "host unreachable";
    case IcmpError::Kind::kNetUnreachable: return "network unreachable";
    case IcmpError::Kind::kAdministrativelyProhibited: return "administratively prohibited";
    case IcmpError::Kind::kFragmentationNeeded: return "fragmentation needed";
    case IcmpError::Kind::kTimeExceeded: return "time exceeded";
    case IcmpError::Kind::kOther: break;
  }
  return "other";
}

std::optional<IcmpError> parse_error_message(std::span<const std::uint8_t> control,
                                             std::span<const std::uint8_t> name,
                                             std::span<const std::uint8_t> quote) {
  ControlMessageReader reader(control);
  while (const auto message = reader.next()) {
    const bool v4 = message->level == IPPROTO_IP && message->type == IP_RECVERR;
    const bool v6 = message->level == IPPROTO_IPV6 && message->type == IPV6_RECVERR;
    if ((!v4 && !v6) || message->data.size() < sizeof(sock_extended_err)) continue;
    sock_extended_err ee{};
    std::memcpy(&ee, message->data.data(), sizeof(ee));

    IcmpError error;
    error.error_code = static_cast<int>(ee.ee_errno);
    error.icmp_type = ee.ee_type;
    error.icmp_code = ee.ee_code;
    switch (ee.ee_origin) {
      case SO_EE_ORIGIN_ICMP:
        error.origin = IcmpError::Origin::kIcmp;
        error.kind = classify_icmp(ee.ee_type, ee.ee_code);
        break;
      case SO_EE_ORIGIN_ICMP6:
        error.origin = IcmpError::Origin::kIcmp6;
        error.kind = classify_icmp6(ee.ee_type, ee.ee_code);
        break;
      case SO_EE_ORIGIN_LOCAL:
        error.origin = IcmpError::Origin::kLocal;
        error.kind = ee.ee_errno == EMSGSIZE ? IcmpError::Kind::kFragmentationNeeded
                                             : IcmpError::Kind::kOther;
        break;
      default: continue;  // timestamps, zero-copy completions: not errors about a path
    }
    if (error.kind == IcmpError::Kind::kFragmentationNeeded) error.mtu = ee.ee_info;
    // The offender (SO_EE_OFFENDER) follows the extended error inside the same message.
    const auto offender = message->data.subspan(sizeof(sock_extended_err));
    if (const auto who = SocketAddress::from_sockaddr(offender.data(), offender.size())) {
      error.reporter = who->with_port(0);
    }
    if (const auto to = SocketAddress::from_sockaddr(name.data(), name.size())) {
      error.destination = *to;
    }
    error.quoted_bytes = std::min(quote.size(), error.quote.size());
    std::copy_n(quote.begin(), error.quoted_bytes, error.quote.begin());
    // RFC 9260 §3.1 common header: source port, destination port, verification tag, checksum.
    if (quote.size() >= 4) {
      error.sctp_source_port = wire::load_be16(quote.data());
      error.sctp_destination_port = wire::load_be16(quote.data() + 2);
    }
    if (quote.size() >= 8) error.verification_tag = wire::load_be32(quote.data() + 4);
    return error;
  }
  return std::nullopt;
}

std::size_t read_error_queue(int fd, std::span<IcmpError> out) {
  std::size_t count = 0;
  // Bounded: a queue that keeps producing messages we skip cannot hold the caller forever.
  for (std::size_t attempts = 0; count < out.size() && attempts < out.size() + 64; ++attempts) {
    alignas(cmsghdr) std::uint8_t control[512];
    sockaddr_storage name{};
    std::uint8_t quote[kQuoteBuffer];
    iovec iov{quote, sizeof(quote)};
    msghdr msg{};
    msg.msg_name = &name;
    msg.msg_namelen = sizeof(name);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: the queue is empty
    }
    const std::size_t received = static_cast<std::size_t>(n);
    const std::size_t held = received < sizeof(quote) ? received : sizeof(quote);  // MSG_TRUNC
    const std::size_t controllen =
        msg.msg_controllen < sizeof(control) ? msg.msg_controllen : sizeof(control);
    const std::size_t namelen = msg.msg_namelen < sizeof(name) ? msg.msg_namelen : sizeof(name);
    auto error = parse_error_message(
        std::span<const std::uint8_t>(control, controllen),
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&name), namelen),
        std::span<const std::uint8_t>(quote, held));
    if (error) out[count++] = *error;
  }
  return count;
}

}  // namespace sctps::net
