// ICMP errors fed to the engine (RFC 9260 §10 and Appendix C, RFC 6951 §5.5): the quoted packet
// locates the association and must carry the right tag; Packet Too Big lowers the path MTU;
// protocol (or, with UDP encapsulation, port) unreachable ends an unprotected association.
#include <gtest/gtest.h>

#include "protection_harness.h"
#include "wire/byte_io.h"

namespace sctps::sim {
namespace {

// The first bytes of a packet from `local_port` to `peer_port` with `tag`, as an ICMP error quotes
// them; `init_tag` appends an INIT chunk header with that Initiate Tag.
std::vector<std::uint8_t> quoted(std::uint16_t local_port, std::uint16_t peer_port,
                                 std::uint32_t tag, std::optional<std::uint32_t> init_tag = {}) {
  std::vector<std::uint8_t> q(init_tag ? 20 : 8, 0);
  wire::store_be16(q.data(), local_port);
  wire::store_be16(q.data() + 2, peer_port);
  wire::store_be32(q.data() + 4, tag);
  if (init_tag) {
    q[12] = wire::chunk_type::kInit;
    wire::store_be16(q.data() + 14, 20);
    wire::store_be32(q.data() + 16, *init_tag);
  }
  return q;
}

core::IcmpReport report(core::IcmpReport::Kind kind, const IpAddress& peer,
                        const std::vector<std::uint8_t>& q, std::size_t mtu = 0) {
  core::IcmpReport r;
  r.kind = kind;
  r.peer = peer;
  r.quoted = q;
  r.mtu = mtu;
  return r;
}

struct Established {
  Established() {
    id = p.connect();
    EXPECT_TRUE(p.run_until([&] { return p.established(); }));
  }
  Pair p{11};
  core::AssocId id = 0;
};

// The tag the client's packets carry (the server's Initiate Tag), read off a DATA packet.
std::uint32_t server_tag_seen_by_client(Pair& p, core::AssocId id) {
  std::uint32_t tag = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&tag](Packet& pkt) {
    if (pkt.bytes.size() >= 8) tag = wire::load_be32(pkt.bytes.data() + 4);
    return Verdict::kPass;
  });
  p.client->endpoint().send(id, StreamId(0), Ppid(1), pattern(10, 1), {}, p.net.now());
  p.run_until([&] { return !p.server->received.empty(); });
  p.net.set_filter(p.client_ip, p.server_ip, {});
  return tag;
}

TEST(IcmpTest, PacketTooBigLowersThePathMtuWithAFloor) {
  Established e;
  const std::uint32_t tag = server_tag_seen_by_client(e.p, e.id);
  ASSERT_NE(tag, 0u);
  core::Endpoint& c = e.p.client->endpoint();
  c.handle_icmp(report(core::IcmpReport::Kind::kFragmentationNeeded, e.p.server_ip,
                       quoted(5000, 6000, tag), 1000),
                e.p.net.now());
  EXPECT_EQ(c.stats(e.id)->paths[0].mtu, 1000u);
  EXPECT_EQ(c.stats(e.id)->icmp_mtu_updates, 1u);
  // Never raised, never below the floor.
  c.handle_icmp(report(core::IcmpReport::Kind::kFragmentationNeeded, e.p.server_ip,
                       quoted(5000, 6000, tag), 1400),
                e.p.net.now());
  EXPECT_EQ(c.stats(e.id)->paths[0].mtu, 1000u);
  c.handle_icmp(report(core::IcmpReport::Kind::kFragmentationNeeded, e.p.server_ip,
                       quoted(5000, 6000, tag), 60),
                e.p.net.now());
  EXPECT_EQ(c.stats(e.id)->paths[0].mtu, 508u);
  // Messages still flow, in packets that respect the new MTU.
  std::size_t largest = 0;
  e.p.net.set_filter(e.p.client_ip, e.p.server_ip, [&largest](Packet& pkt) {
    largest = std::max(largest, pkt.bytes.size());
    return Verdict::kPass;
  });
  c.send(e.id, StreamId(0), Ppid(1), pattern(5000, 2), {}, e.p.net.now());
  ASSERT_TRUE(e.p.run_until([&] { return e.p.server->received.size() == 2; }));
  EXPECT_EQ(e.p.server->received[1].message.payload, pattern(5000, 2));
  EXPECT_LE(largest, 508u);
}

TEST(IcmpTest, WrongTagPortOrPeerIsIgnored) {
  Established e;
  const std::uint32_t tag = server_tag_seen_by_client(e.p, e.id);
  core::Endpoint& c = e.p.client->endpoint();
  const auto unreachable = core::IcmpReport::Kind::kProtocolUnreachable;
  c.handle_icmp(report(unreachable, e.p.server_ip, quoted(5000, 6000, tag + 1)), e.p.net.now());
  c.handle_icmp(report(unreachable, e.p.server_ip, quoted(5001, 6000, tag)), e.p.net.now());
  c.handle_icmp(report(unreachable, e.p.server_ip, quoted(5000, 6001, tag)), e.p.net.now());
  c.handle_icmp(report(unreachable, ip("10.9.9.9"), quoted(5000, 6000, tag)), e.p.net.now());
  c.handle_icmp(report(unreachable, e.p.server_ip, std::vector<std::uint8_t>(7, 0)), e.p.net.now());
  // Tag 0 is only accepted for our INIT: here the association is established and the quoted
  // Initiate Tag is not ours.
  c.handle_icmp(report(unreachable, e.p.server_ip, quoted(5000, 6000, 0, 12345)), e.p.net.now());
  EXPECT_EQ(c.endpoint_stats().icmp_ignored, 6u);
  EXPECT_EQ(c.state(e.id), core::AssociationState::kEstablished);
}

TEST(IcmpTest, ProtocolUnreachableEndsAnUnprotectedAssociation) {
  Established e;
  const std::uint32_t tag = server_tag_seen_by_client(e.p, e.id);
  core::Endpoint& c = e.p.client->endpoint();
  c.handle_icmp(
      report(core::IcmpReport::Kind::kProtocolUnreachable, e.p.server_ip, quoted(5000, 6000, tag)),
      e.p.net.now());
  e.p.net.run_for(ms(1));
  ASSERT_EQ(e.p.client->downs.size(), 1u);
  EXPECT_EQ(e.p.client->downs[0].reason, core::DownReason::kPeerAborted);
}

TEST(IcmpTest, UnreachableForOurInitStopsTheAttempt) {
  Pair p(12);
  p.net.set_link_up(p.client_ip, p.server_ip, false);  // the INIT never arrives
  std::uint32_t init_tag = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&init_tag](Packet& pkt) {
    if (pkt.bytes.size() >= 20) init_tag = wire::load_be32(pkt.bytes.data() + 16);
    return Verdict::kPass;
  });
  const core::AssocId id = p.connect();
  p.net.run_for(ms(1));
  ASSERT_NE(init_tag, 0u);
  core::Endpoint& c = p.client->endpoint();
  c.handle_icmp(report(core::IcmpReport::Kind::kProtocolUnreachable, p.server_ip,
                       quoted(5000, 6000, 0, init_tag + 1)),
                p.net.now());
  EXPECT_EQ(c.state(id), core::AssociationState::kCookieWait);  // not our INIT: ignored
  c.handle_icmp(report(core::IcmpReport::Kind::kProtocolUnreachable, p.server_ip,
                       quoted(5000, 6000, 0, init_tag)),
                p.net.now());
  p.net.run_for(ms(1));
  ASSERT_EQ(p.client->downs.size(), 1u);
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kCannotStart);
}

TEST(IcmpTest, ProtectedAssociationIsNotEndedByIcmp) {
  PskPair pp(13);
  Pair& p = pp.pair;
  const core::AssocId id = p.connect();
  ASSERT_TRUE(p.run_until([&] {
    return !events_of<core::ProtectionEstablished>(*p.client).empty() &&
           !events_of<core::ProtectionEstablished>(*p.server).empty();
  }));
  const std::uint32_t tag = server_tag_seen_by_client(p, id);
  core::Endpoint& c = p.client->endpoint();
  c.handle_icmp(
      report(core::IcmpReport::Kind::kProtocolUnreachable, p.server_ip, quoted(5000, 6000, tag)),
      p.net.now());
  p.net.run_for(ms(10));
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_EQ(c.stats(id)->icmp_unreachable, 1u);
}

}  // namespace
}  // namespace sctps::sim
