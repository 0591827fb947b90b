// Runtime and ICMP (RFC 6951 §5.5, RFC 9260 §10): an INIT to a UDP port where nobody listens
// brings back a port unreachable, which the runtime reads from the error queue, recognizes as about
// our packet to that peer, and reports with the quoted SCTP header. Loopback only, bounded time.
#include <gtest/gtest.h>

#include "net/udp_socket.h"
#include "runtime_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using Family = net::SocketAddress::Family;

// A UDP port on loopback that was just free: bound, read, closed.
std::uint16_t closed_udp_port(Family family) {
  auto s = net::UdpSocket::open(net::SocketAddress::loopback(family, 0));
  EXPECT_TRUE(s.ok());
  return s.ok() ? s->local_address().port() : 0;
}

TEST(RuntimeIcmp, PortUnreachableForInitIsReportedWithQuotedHeader) {
  RuntimeOptions o = testing::loopback_options(Family::kV4, 5001);
  o.remote_udp_port = closed_udp_port(Family::kV4);
  ASSERT_NE(o.remote_udp_port, 0);
  auto created = Runtime::create(o);
  ASSERT_TRUE(created.ok()) << created.error().message;
  Runtime& rt = *created.value();
  const core::AssocId id = rt.connect(net::SocketAddress::loopback(Family::kV4, 5000));
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(rt.run_until([&] { return rt.counters().icmp_relevant > 0; }, 2s));
  EXPECT_GE(rt.counters().icmp_errors, 1u);
  EXPECT_GE(rt.counters().icmp_port_unreachable, 1u);
  const auto& report = rt.last_icmp_report();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->kind, net::IcmpError::Kind::kPortUnreachable);
  EXPECT_EQ(report->peer.to_string(), "127.0.0.1");
  EXPECT_EQ(report->icmp_type, 3);  // destination unreachable
  EXPECT_EQ(report->icmp_code, 3);  // port unreachable
  // The INIT's common header: our port, the peer's, and verification tag 0 (RFC 9260 §8.5.1).
  EXPECT_EQ(report->sctp_source_port, std::optional<std::uint16_t>(5001));
  EXPECT_EQ(report->sctp_destination_port, std::optional<std::uint16_t>(5000));
  EXPECT_EQ(report->verification_tag, std::optional<std::uint32_t>(0));
  EXPECT_FALSE(report->sctp_mtu.has_value());
  // The INIT was quoted beyond its common header (the kernel quotes up to 64 bytes): chunk type 1,
  // and the Initiate Tag the engine would match for a tag-0 quote.
  ASSERT_GE(report->quoted_bytes, 20u);
  EXPECT_EQ(report->quoted()[12], 1);  // INIT
  const std::uint32_t initiate_tag =
      std::uint32_t{report->quoted()[16]} << 24 | std::uint32_t{report->quoted()[17]} << 16 |
      std::uint32_t{report->quoted()[18]} << 8 | report->quoted()[19];
  EXPECT_NE(initiate_tag, 0u);  // RFC 9260 §5.1.2: never 0
}

TEST(RuntimeIcmp, ErrorsAboutTwoPeersOnOneIpAreEachAboutThatPeersPort) {
  // RFC 6951 §5.1, §5.5: the remote UDP port is kept per association and destination address, so
  // two peers on one IP (SCTP ports 5000 and 5003) each have their own, and an ICMP error counts
  // when it is about the port used for the peer its quoted SCTP header names. (Per IP, the second
  // connect would have replaced the first peer's port and its error would not have counted.)
  RuntimeOptions o = testing::loopback_options(Family::kV4, 5001);
  auto created = Runtime::create(o);
  ASSERT_TRUE(created.ok()) << created.error().message;
  Runtime& rt = *created.value();
  const std::uint16_t first_port = closed_udp_port(Family::kV4);
  std::uint16_t second_port = closed_udp_port(Family::kV4);
  while (second_port == first_port) second_port = closed_udp_port(Family::kV4);
  ASSERT_NE(rt.connect(net::SocketAddress::loopback(Family::kV4, 5000), first_port), 0u);
  ASSERT_NE(rt.connect(net::SocketAddress::loopback(Family::kV4, 5003), second_port), 0u);
  ASSERT_TRUE(rt.run_until([&] { return rt.counters().icmp_errors >= 2; }, 2s));
  EXPECT_EQ(rt.counters().icmp_port_unreachable, 2u);
  EXPECT_EQ(rt.counters().icmp_relevant, 2u);
  ASSERT_TRUE(rt.last_icmp_report().has_value());
  EXPECT_EQ(rt.last_icmp_report()->sctp_destination_port, std::optional<std::uint16_t>(5003));
}

}  // namespace
}  // namespace sctps::api
