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

TEST(UdpEncapsulation, RemotePortMapLearnsPerPeerTransportAddress) {
  RemotePortMap map(9899, 3);
  const SocketAddress a = SocketAddress::v4({192, 0, 2, 1}, 0);
  const SocketAddress b = SocketAddress::v4({192, 0, 2, 2}, 0);
  const SocketAddress c = SocketAddress::v4({192, 0, 2, 3}, 0);
  EXPECT_EQ(map.port_for(a, 5000), 9899);
  EXPECT_FALSE(map.learned(a, 5000));
  EXPECT_TRUE(map.learn(a.with_port(40000), 5000));
  EXPECT_FALSE(map.learn(a.with_port(40000), 5000));     // unchanged
  EXPECT_EQ(map.port_for(a.with_port(1), 5000), 40000);  // the UDP port of `remote` is ignored
  EXPECT_EQ(map.destination(a, 5000), a.with_port(40000));
  // Another peer on the same IP (behind the same NAT, or on the same host): its own port, and the
  // first one's stays.
  EXPECT_TRUE(map.learn(a.with_port(40002), 5001));
  EXPECT_EQ(map.port_for(a, 5001), 40002);
  EXPECT_EQ(map.port_for(a, 5000), 40000);
  EXPECT_EQ(map.port_for(a, 5002), 9899);            // a third SCTP port: nothing learned
  EXPECT_TRUE(map.learn(a.with_port(40001), 5000));  // a NAT rebinding of the first peer
  EXPECT_EQ(map.port_for(a, 5000), 40001);
  EXPECT_EQ(map.port_for(a, 5001), 40002);
  EXPECT_FALSE(map.learn(b.with_port(0), 5000));  // port 0 cannot be answered
  EXPECT_TRUE(map.set(b, 5000, 5000));
  EXPECT_FALSE(map.learn(c.with_port(6000), 5000));  // full
  EXPECT_EQ(map.port_for(c, 5000), 9899);
  map.forget(b, 5000);
  EXPECT_TRUE(map.learn(c.with_port(6000), 5000));
  EXPECT_EQ(map.size(), 3u);
  map.forget(a, 5001);
  EXPECT_EQ(map.port_for(a, 5001), 9899);
  EXPECT_EQ(map.port_for(a, 5000), 40001);
}

TEST(UdpEncapsulation, RemotePortMapKeysIgnoreTheIpv6Scope) {
  // The engine's addresses carry no scope; a received link-local source does.
  RemotePortMap map(9899, 4);
  const SocketAddress scoped =
      SocketAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 41000, 2);
  const auto unscoped = SocketAddress::from_ip_bytes(scoped.ip_bytes(), 0);
  ASSERT_TRUE(unscoped);
  ASSERT_TRUE(map.learn(scoped, 5000));
  EXPECT_EQ(map.port_for(*unscoped, 5000), 41000);
}

TEST(UdpEncapsulation, AnswersGoWhereAnUncheckedPacketCameFromWithoutRedirecting) {
  // draft-tuexen-tsvwg-sctp-udp-encaps-cons: an INIT (no tag to check) for an existing peer is
  // answered at its source port; the stored port stays until a packet with a checked tag moves it.
  RemotePortMap map(9899, 2);
  const SocketAddress a = SocketAddress::v4({192, 0, 2, 1}, 0);
  ASSERT_TRUE(map.learn(a.with_port(40000), 5000));
  EXPECT_EQ(map.answer_destination(a, 5000), a.with_port(40000));  // none pending
  EXPECT_TRUE(map.answer_to(a.with_port(41000), 5000));
  EXPECT_EQ(map.answer_destination(a, 5000), a.with_port(41000));
  EXPECT_EQ(map.destination(a, 5000), a.with_port(40000));  // not redirected
  EXPECT_EQ(map.answer_destination(a, 5001), a.with_port(9899));
  EXPECT_FALSE(map.answer_to(a.with_port(0), 5001));
  EXPECT_TRUE(map.answer_to(a.with_port(42000), 5001));
  EXPECT_FALSE(map.answer_to(a.with_port(43000), 5002));  // bounded
  EXPECT_EQ(map.answers(), 2u);
  map.clear_answers();
  EXPECT_EQ(map.answers(), 0u);
  EXPECT_EQ(map.answer_destination(a, 5000), a.with_port(40000));
  EXPECT_FALSE(map.learned(a, 5001));
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
  EXPECT_FALSE(icmp_concerns_encapsulation(e, map));  // no SCTP header quoted: no association
  e.sctp_destination_port = 5000;
  EXPECT_TRUE(icmp_concerns_encapsulation(e, map));
  ASSERT_TRUE(map.learn(peer.with_port(30000), 5000));
  EXPECT_FALSE(icmp_concerns_encapsulation(e, map));  // an old port: not about our datagrams
  e.destination = peer.with_port(30000);
  EXPECT_TRUE(icmp_concerns_encapsulation(e, map));
  e.sctp_destination_port = 5001;  // another peer on that IP: still the default port
  EXPECT_FALSE(icmp_concerns_encapsulation(e, map));
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
  constexpr std::uint16_t kSctpA = 5001;  // the SCTP ports inside
  constexpr std::uint16_t kSctpB = 5000;
  ASSERT_TRUE(a_ports.set(loopback, kSctpB, b->local_port));

  std::vector<std::uint8_t> init = testing::pattern(64, 1);
  const OutgoingDatagram to_b{init, a_ports.destination(loopback, kSctpB), {}, 0};
  ASSERT_EQ(a->socket_for(Family::kV4)->send_batch(std::span(&to_b, 1)).consumed, 1u);
  RecvBatch batch(4, 2048);
  UdpSocket& b_socket = *b->socket_for(Family::kV4);
  ASSERT_EQ(testing::receive_until(b_socket, batch, 1, 2000ms,
                                   [&](const ReceivedDatagram& d) {
                                     ASSERT_TRUE(plausible_encapsulated_packet(d.data, d.from));
                                     // ... the engine accepts the packet, then:
                                     b_ports.learn(d.from, kSctpA);
                                   }),
            1u);
  EXPECT_EQ(b_ports.port_for(loopback, kSctpA), a->local_port);

  const std::vector<std::uint8_t> answer = testing::pattern(48, 2);
  const OutgoingDatagram to_a{answer, b_ports.destination(loopback, kSctpA), {}, 0};
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
