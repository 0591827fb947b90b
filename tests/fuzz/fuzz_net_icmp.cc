// Fuzz target: one message of a socket's error queue (IP_RECVERR / IPV6_RECVERR) as
// parse_error_message sees it: a control buffer, the original destination (msg_name) and the
// quoted bytes. The first byte picks the mode:
//   even  the control buffer is raw fuzz bytes (most of them are not well-formed);
//   odd   a well-formed IP_RECVERR or IPV6_RECVERR message is built around a fuzzed
//         sock_extended_err and offender address, so that the classification is reached.
// Then two length bytes split the rest into name and quote. Whatever parses must agree with its
// input: the quoted SCTP ports and tag exactly when the quote holds them (RFC 9260 §3.1), an MTU
// only for "fragmentation needed", addresses of a real family.
// clang-format off
#include <ctime>  // first: linux/errqueue.h uses struct timespec without declaring it
#include <linux/errqueue.h>
// clang-format on
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "net/control_messages.h"
#include "net/icmp_error.h"

namespace {

using sctps::net::IcmpError;
using sctps::net::SocketAddress;

void check(bool ok) {
  if (!ok) std::abort();
}

bool sane(const SocketAddress& a) {
  return a.is_unspecified() || a.is_v4() || a.is_v6();
}

// A sockaddr_in or sockaddr_in6 whose family and length come from the fuzzer (so also wrong ones).
std::vector<std::uint8_t> fuzzed_sockaddr(std::span<const std::uint8_t>& in) {
  if (in.size() < 2) return {};
  const std::uint8_t kind = in[0];
  const std::size_t length = std::min<std::size_t>(in[1], in.size() - 2);
  std::vector<std::uint8_t> out(in.begin() + 2, in.begin() + 2 + static_cast<long>(length));
  in = in.subspan(2 + length);
  if (out.size() >= sizeof(sa_family_t)) {
    const sa_family_t family = kind % 3 == 0 ? AF_INET : kind % 3 == 1 ? AF_INET6 : kind;
    std::memcpy(out.data(), &family, sizeof(family));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const bool structured = (data[0] & 1) != 0;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  std::vector<std::uint8_t> control;
  sock_extended_err ee{};
  if (structured) {
    if (in.size() < sizeof(ee) + 1) return 0;
    const bool v6 = (in[0] & 1) != 0;
    std::memcpy(&ee, in.data() + 1, sizeof(ee));
    in = in.subspan(1 + sizeof(ee));
    const auto offender = fuzzed_sockaddr(in);
    std::vector<std::uint8_t> payload(sizeof(ee) + offender.size());
    std::memcpy(payload.data(), &ee, sizeof(ee));
    std::copy(offender.begin(), offender.end(), payload.begin() + sizeof(ee));
    control.resize(sctps::net::cmsg_space(payload.size()));
    sctps::net::ControlMessageWriter writer(control);
    check(writer.add(v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, payload));
  } else {
    if (in.empty()) return 0;
    const std::size_t length = std::min<std::size_t>(in[0], in.size() - 1);
    control.assign(in.begin() + 1, in.begin() + 1 + static_cast<long>(length));
    in = in.subspan(1 + length);
  }
  const auto name = fuzzed_sockaddr(in);
  const std::span<const std::uint8_t> quote = in;

  const auto error = sctps::net::parse_error_message(control, name, quote);
  if (!error) {
    // A well-formed extended error is only refused for an origin that is not an error.
    if (structured) {
      check(ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6 &&
            ee.ee_origin != SO_EE_ORIGIN_LOCAL);
    }
    return 0;
  }
  // The first kMaxIcmpQuote bytes are kept (enough for the common header and an INIT's tag).
  check(error->quoted_bytes == std::min(quote.size(), sctps::net::kMaxIcmpQuote));
  check(std::equal(error->quoted().begin(), error->quoted().end(), quote.begin()));
  check(error->sctp_source_port.has_value() == (quote.size() >= 4));
  check(error->sctp_destination_port.has_value() == (quote.size() >= 4));
  check(error->verification_tag.has_value() == (quote.size() >= 8));
  if (quote.size() >= 4) {
    check(*error->sctp_source_port == (quote[0] << 8 | quote[1]));
    check(*error->sctp_destination_port == (quote[2] << 8 | quote[3]));
  }
  check(sane(error->destination) && sane(error->reporter));
  check(error->reporter.is_unspecified() || error->reporter.port() == 0);
  if (error->kind != IcmpError::Kind::kFragmentationNeeded) check(error->mtu == 0);
  if (structured) {
    check(error->icmp_type == ee.ee_type && error->icmp_code == ee.ee_code);
    check(error->error_code == static_cast<int>(ee.ee_errno));
    if (error->kind == IcmpError::Kind::kFragmentationNeeded) check(error->mtu == ee.ee_info);
    if (ee.ee_origin == SO_EE_ORIGIN_LOCAL) check(error->origin == IcmpError::Origin::kLocal);
    if (ee.ee_origin == SO_EE_ORIGIN_ICMP) check(error->origin == IcmpError::Origin::kIcmp);
    if (ee.ee_origin == SO_EE_ORIGIN_ICMP6) check(error->origin == IcmpError::Origin::kIcmp6);
  }
  (void)sctps::net::to_string(error->kind);
  return 0;
}
