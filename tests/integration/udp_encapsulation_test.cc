// RFC 6951 pieces: the remote port map, the shared local port across families, the packet-size
// arithmetic, and two encapsulating endpoints talking over loopback.
#include "net/udp_encapsulation.h"

#include <gtest/gtest.h>

#include "net_test_util.h"

namespace sctps::net {
namespace {

using namespace std::chrono_literals;
using testing::Family;

TEST(UdpEncapsulation, DefaultsFollowRfc6951) {
  const UdpEncapsulationConfig config;
  EXPECT_EQ(config.local_port, 9899);
  EXPECT_EQ(config.default_remote_port, 9899);
  EXPECT_TRUE(config.socket.udp_checksum);
  EXPECT_EQ(sctp_packet_limit(1500, Family::kV4), 1472u);
  EXPECT_EQ(sctp_packet_limit(1500, Family::kV6), 1452u);
  EXPECT_EQ(sctp_packet_limit(20, Family::kV4), 0u);
}

TEST(UdpEncapsulation, RemotePortMapLearnsPerAddress) {
  RemotePortMap map(9899, 2);
  const SocketAddress a = SocketAddress::v4({192, 0, 2, 1}, 0);
  const SocketAddress b = SocketAddress::v4({192, 0, 2, 2}, 0);
  const SocketAddress c = SocketAddress::v4({192, 0, 2, 3}, 0);
  EXPECT_EQ(map.port_for(a), 9899);
  EXPECT_FALSE(map.learned(a));
  EXPECT_TRUE(map.learn(a.with_port(40000)));
  EXPECT_FALSE(map.learn(a.with_port(40000)));     // unchanged
  EXPECT_EQ(map.port_for(a.with_port(1)), 40000);  // the key is the IP alone
  EXPECT_EQ(map.destination(a), a.with_port(40000));
  EXPECT_TRUE(map.learn(a.with_port(40001)));  // a NAT rebinding
  EXPECT_EQ(map.port_for(a), 40001);
  EXPECT_FALSE(map.learn(b.with_port(0)));  // port 0 cannot be answered
  EXPECT_TRUE(map.set(b, 5000));
  EXPECT_FALSE(map.learn(c.with_port(6000)));  // full
  EXPECT_EQ(map.port_for(c), 9899);
  map.forget(b);
  EXPECT_TRUE(map.learn(c.with_port(6000)));
  EXPECT_EQ(map.size(), 2u);
}

TEST(UdpEncapsulation, PlausiblePacketsAndRelevantIcmp) {
  const std::vector<std::uint8_t> header(12, 0);
  const SocketAddress peer = SocketAddress::v4({198, 51, 100, 1}, 9899);
  EXPECT_TRUE(plausible_encapsulated_packet(header, peer));
  EXPECT_FALSE(plausible_encapsulated_packet(std::span(header).first(11), peer));
  EXPECT_FALSE(plausible_encapsulated_packet(header, peer.with_port(0)));

  RemotePortMap map(9899, 16);
  IcmpError e;
  e.destination = peer;
  EXPECT_TRUE(icmp_concerns_encapsulation(e, map));
  ASSERT_TRUE(map.learn(peer.with_port(30000)));
  EXPECT_FALSE(icmp_concerns_encapsulation(e, map));  // an old port: not about our datagrams
  e.destination = peer.with_port(30000);
  EXPECT_TRUE(icmp_concerns_encapsulation(e, map));
  EXPECT_FALSE(icmp_concerns_encapsulation(IcmpError{}, map));
}

TEST(UdpEncapsulation, OneEphemeralPortForEveryFamily) {
  UdpEncapsulationConfig config;
  config.local_port = 0;
  if (!testing::loopback_available(Family::kV6)) {
    config.local_addresses = {SocketAddress::any(Family::kV4, 0)};
  }
  auto sockets = open_udp_encapsulation(config);
  ASSERT_TRUE(sockets) << sockets.error().message;
  ASSERT_EQ(sockets->sockets.size(), config.local_addresses.size());
  EXPECT_NE(sockets->local_port, 0);
  for (const UdpSocket& s : sockets->sockets) {
    EXPECT_EQ(s.local_address().port(), sockets->local_port);
  }
  EXPECT_NE(sockets->socket_for(Family::kV4), nullptr);
  EXPECT_EQ(sockets->socket_for(Family::kV4)->family(), Family::kV4);
  if (config.local_addresses.size() == 2) {
    EXPECT_EQ(sockets->socket_for(Family::kV6)->family(), Family::kV6);
  }
}

TEST(UdpEncapsulation, TwoEndpointsLearnEachOthersPorts) {
  UdpEncapsulationConfig config;
  config.local_port = 0;
  config.local_addresses = {SocketAddress::loopback(Family::kV4, 0)};
  auto a = open_udp_encapsulation(config);
  auto b = open_udp_encapsulation(config);
  ASSERT_TRUE(a && b);
  // A knows B's port by configuration (as a client knows a server's); B learns A's.
  RemotePortMap a_ports(9899, 16);
  RemotePortMap b_ports(9899, 16);
  const SocketAddress loopback = SocketAddress::loopback(Family::kV4, 0);
  ASSERT_TRUE(a_ports.set(loopback, b->local_port));

  std::vector<std::uint8_t> init = testing::pattern(64, 1);
  const OutgoingDatagram to_b{init, a_ports.destination(loopback), {}, 0};
  ASSERT_EQ(a->socket_for(Family::kV4)->send_batch(std::span(&to_b, 1)).consumed, 1u);
  RecvBatch batch(4, 2048);
  UdpSocket& b_socket = *b->socket_for(Family::kV4);
  ASSERT_EQ(testing::receive_until(b_socket, batch, 1, 2000ms,
                                   [&](const ReceivedDatagram& d) {
                                     ASSERT_TRUE(plausible_encapsulated_packet(d.data, d.from));
                                     // ... the engine accepts the packet, then:
                                     b_ports.learn(d.from);
                                   }),
            1u);
  EXPECT_EQ(b_ports.port_for(loopback), a->local_port);

  const std::vector<std::uint8_t> answer = testing::pattern(48, 2);
  const OutgoingDatagram to_a{answer, b_ports.destination(loopback), {}, 0};
  ASSERT_EQ(b_socket.send_batch(std::span(&to_a, 1)).consumed, 1u);
  std::size_t got = testing::receive_until(*a->socket_for(Family::kV4), batch, 1, 2000ms,
                                           [&](const ReceivedDatagram& d) {
                                             EXPECT_EQ(d.from.port(), b->local_port);
                                             EXPECT_EQ(d.data.size(), answer.size());
                                           });
  EXPECT_EQ(got, 1u);
}

}  // namespace
}  // namespace sctps::net
