// Initialization collisions and restarts, RFC 9260 §5.2: INIT in COOKIE-WAIT and COOKIE-ECHOED
// (§5.2.1), unexpected INIT in ESTABLISHED (§5.2.2), unexpected INIT ACK (§5.2.3) and the
// COOKIE ECHO actions A-D of §5.2.4, observed on the wire and through the endpoints' events.
#include <gtest/gtest.h>

#include "handshake_wire.h"

namespace sctps::sim {
namespace {

std::uint32_t initiate_tag(const SeenPacket& p) {
  return init_fields(p.chunks[0]).initiate_tag;
}

// Sends one message each way and checks both arrive.
void exchange(Pair& p, core::AssocId client_id, core::AssocId server_id, std::uint32_t seed) {
  const std::size_t c0 = p.client->received.size();
  const std::size_t s0 = p.server->received.size();
  ASSERT_EQ(p.client->endpoint().send(client_id, StreamId(1), Ppid(seed), pattern(300, seed), {},
                                      p.net.now()),
            core::SendStatus::kOk);
  ASSERT_EQ(p.server->endpoint().send(server_id, StreamId(2), Ppid(seed + 1),
                                      pattern(200, seed + 1), {}, p.net.now()),
            core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until(
      [&] { return p.server->received.size() > s0 && p.client->received.size() > c0; }, sec(5)));
  EXPECT_EQ(p.server->received.back().message.payload, pattern(300, seed));
  EXPECT_EQ(p.client->received.back().message.payload, pattern(200, seed + 1));
}

// Every DATA packet after `from_index` in each direction carries the tag the receiver chose.
void expect_data_tags(const Capture& cap, const Pair& p, std::size_t from_index,
                      std::uint32_t client_tag, std::uint32_t server_tag) {
  int seen = 0;
  for (std::size_t k = from_index; k < cap.packets.size(); ++k) {
    const SeenPacket& s = cap.packets[k];
    if (s.injected || !s.has(ct::kData)) continue;
    ++seen;
    if (s.from == p.client_ip) {
      EXPECT_EQ(s.vtag, server_tag);
    }
    if (s.from == p.server_ip) {
      EXPECT_EQ(s.vtag, client_tag);
    }
  }
  EXPECT_GE(seen, 2);
}

std::uint64_t wrong_tag_drops(EndpointHost& h, core::AssocId id) {
  auto st = h.endpoint().stats(id);
  return st ? st->dropped_wrong_tag : 0;
}

// §5.2.1: both sides send INIT at once. Each answers the other's INIT in COOKIE-WAIT with its own
// INIT's tag; one association results on each side, with consistent tags.
TEST(Collision, SimultaneousInitsGiveOneAssociationEach) {
  Pair p(21);
  Capture cap(p.net);
  const core::AssocId cid = p.connect();
  const core::AssocId sid = p.server->endpoint().connect({p.client_ip}, 5000, p.net.now());
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  p.net.run_for(ms(200));

  const auto cinit = cap.with(p.client_ip, ct::kInit);
  const auto sinit = cap.with(p.server_ip, ct::kInit);
  ASSERT_EQ(cinit.size(), 1u);
  ASSERT_EQ(sinit.size(), 1u);
  const std::uint32_t a = initiate_tag(cinit[0]);
  const std::uint32_t z = initiate_tag(sinit[0]);
  const auto cack = cap.with(p.client_ip, ct::kInitAck);
  const auto sack = cap.with(p.server_ip, ct::kInitAck);
  ASSERT_EQ(cack.size(), 1u);
  ASSERT_EQ(sack.size(), 1u);
  EXPECT_EQ(initiate_tag(cack[0]), a);  // same tag as its own INIT
  EXPECT_EQ(cack[0].vtag, z);
  EXPECT_EQ(initiate_tag(sack[0]), z);
  EXPECT_EQ(sack[0].vtag, a);

  ASSERT_EQ(p.client->ups.size(), 1u);
  ASSERT_EQ(p.server->ups.size(), 1u);
  EXPECT_EQ(p.client->ups[0].id, cid);
  EXPECT_EQ(p.server->ups[0].id, sid);
  EXPECT_EQ(p.client->endpoint().association_count(), 1u);
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);
  const std::size_t mark = cap.packets.size();
  exchange(p, cid, sid, 1);
  expect_data_tags(cap, p, mark, a, z);
  EXPECT_TRUE(cap.with(p.client_ip, ct::kAbort).empty());
  EXPECT_TRUE(cap.with(p.server_ip, ct::kAbort).empty());
  EXPECT_EQ(wrong_tag_drops(*p.client, cid), 0u);
  EXPECT_EQ(wrong_tag_drops(*p.server, sid), 0u);
}

// §5.2.1 in COOKIE-ECHOED, then §5.2.4 B: the server opens its own association after it answered
// the client's INIT statelessly. The client, in COOKIE-ECHOED, answers the server's INIT with its
// original tag; the client's first COOKIE ECHO matches nothing at the server and is discarded; the
// server's COOKIE ECHO then matches the client's own tag but a new peer tag (action B).
TEST(Collision, InitInCookieEchoedResolvesByActionB) {
  Pair p(22);
  Capture cap(p.net);
  const core::AssocId cid = p.connect();
  p.net.run_for(ms(8));  // the server answered the INIT at 5 ms; the INIT ACK arrives at 10 ms
  const core::AssocId sid = p.server->endpoint().connect({p.client_ip}, 5000, p.net.now());
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  p.net.run_for(ms(200));

  const auto cinit = cap.with(p.client_ip, ct::kInit);
  const auto sinit = cap.with(p.server_ip, ct::kInit);
  ASSERT_EQ(cinit.size(), 1u);
  ASSERT_EQ(sinit.size(), 1u);
  const std::uint32_t a = initiate_tag(cinit[0]);
  const std::uint32_t zs = initiate_tag(sinit[0]);
  const auto sacks = cap.with(p.server_ip, ct::kInitAck);
  ASSERT_EQ(sacks.size(), 1u);
  const std::uint32_t z1 = initiate_tag(sacks[0]);  // from the stateless answer
  EXPECT_NE(z1, zs);
  // The client's INIT ACK went out while it was in COOKIE-ECHOED, with its original tag.
  const auto cacks = cap.with(p.client_ip, ct::kInitAck);
  ASSERT_EQ(cacks.size(), 1u);
  EXPECT_EQ(initiate_tag(cacks[0]), a);
  EXPECT_EQ(cacks[0].vtag, zs);
  const auto cechoes = cap.with(p.client_ip, ct::kCookieEcho);
  ASSERT_GE(cechoes.size(), 1u);
  EXPECT_GT(cacks[0].time, cechoes[0].time);

  EXPECT_EQ(p.client->ups.size(), 1u);
  EXPECT_EQ(p.server->ups.size(), 1u);
  EXPECT_EQ(p.server->ups[0].id, sid);
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);
  EXPECT_EQ(p.client->endpoint().association_count(), 1u);
  EXPECT_EQ(p.client->endpoint().state(cid), core::AssociationState::kEstablished);
  EXPECT_EQ(p.server->endpoint().state(sid), core::AssociationState::kEstablished);
  const std::size_t mark = cap.packets.size();
  exchange(p, cid, sid, 3);
  // The client took the server's new tag from the cookie (action B).
  expect_data_tags(cap, p, mark, a, zs);
  EXPECT_TRUE(cap.with(p.client_ip, ct::kAbort).empty());
  EXPECT_TRUE(cap.with(p.server_ip, ct::kAbort).empty());
}

// §5.2.2: an INIT for an established association is answered with an INIT ACK carrying a new
// Initiate Tag (tagged with the INIT's Initiate Tag), and the association is left as it was.
// §5.2.3: an INIT ACK arriving in ESTABLISHED is discarded.
TEST(Collision, UnexpectedInitInEstablishedGetsNewTagAndChangesNothing) {
  Pair p(23);
  Capture cap(p.net);
  const core::AssocId cid = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  const core::AssocId sid = p.server_assoc();
  const std::uint32_t a = initiate_tag(cap.with(p.client_ip, ct::kInit)[0]);
  const std::uint32_t z = initiate_tag(cap.with(p.server_ip, ct::kInitAck)[0]);
  exchange(p, cid, sid, 5);

  // An INIT from the client's address and port, as a restarted peer would send.
  std::vector<std::uint8_t> v(16);
  wire::store_be32(v.data(), 0x11223344);       // initiate tag
  wire::store_be32(v.data() + 4, 65536);        // a_rwnd
  wire::store_be16(v.data() + 8, 16);           // OS
  wire::store_be16(v.data() + 10, 16);          // MIS
  wire::store_be32(v.data() + 12, 0x0BADF00D);  // initial TSN
  const auto init = raw_packet(5000, 6000, 0, {raw_chunk(ct::kInit, 0, v)});
  const std::size_t mark = cap.packets.size();
  p.net.inject(init, p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(20));
  std::vector<SeenPacket> acks;
  for (std::size_t k = mark; k < cap.packets.size(); ++k) {
    if (!cap.packets[k].injected && cap.packets[k].has(ct::kInitAck))
      acks.push_back(cap.packets[k]);
  }
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].from, p.server_ip);
  EXPECT_EQ(acks[0].to, p.client_ip);
  EXPECT_EQ(acks[0].vtag, 0x11223344u);
  const std::uint32_t fresh = initiate_tag(acks[0]);
  EXPECT_NE(fresh, z);
  EXPECT_NE(fresh, a);
  EXPECT_NE(fresh, 0u);
  // The client drops that INIT ACK: it carries a tag that is not the client's.
  EXPECT_EQ(wrong_tag_drops(*p.client, cid), 1u);
  EXPECT_EQ(p.server->endpoint().state(sid), core::AssociationState::kEstablished);
  EXPECT_TRUE(p.server->restarts.empty());
  EXPECT_EQ(p.server->ups.size(), 1u);

  // §5.2.3: an INIT ACK with the right tag but in ESTABLISHED is discarded as well.
  std::vector<std::uint8_t> w(16);
  wire::store_be32(w.data(), 0x55667788);
  wire::store_be32(w.data() + 4, 65536);
  wire::store_be16(w.data() + 8, 16);
  wire::store_be16(w.data() + 10, 16);
  wire::store_be32(w.data() + 12, 1);
  auto cookie = raw_tlv(wire::parameter_type::kStateCookie, pattern(40, 9));
  cookie.resize(wire::padded4(cookie.size()), 0);
  w.insert(w.end(), cookie.begin(), cookie.end());
  const std::size_t mark2 = cap.packets.size();
  p.net.inject(raw_packet(6000, 5000, a, {raw_chunk(ct::kInitAck, 0, w)}), p.server_ip, p.client_ip,
               p.net.now());
  p.net.run_for(ms(20));
  for (std::size_t k = mark2; k < cap.packets.size(); ++k) {
    EXPECT_FALSE(cap.packets[k].has(ct::kCookieEcho));
  }
  EXPECT_EQ(p.client->endpoint().state(cid), core::AssociationState::kEstablished);
  const std::size_t mark3 = cap.packets.size();
  exchange(p, cid, sid, 7);
  expect_data_tags(cap, p, mark3, a, z);
  EXPECT_TRUE(p.client->downs.empty());
  EXPECT_TRUE(p.server->downs.empty());
}

// §5.2.4 A: the client restarts (a new endpoint on the same address and port). Its INIT reaches
// the server's established association, which answers with a new tag and its tie-tags; the
// COOKIE ECHO then matches the tie-tags: the association restarts with the new tags.
TEST(Collision, PeerRestartActionA) {
  Pair p(24);
  Capture cap(p.net);
  const core::AssocId cid = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  const core::AssocId sid = p.server_assoc();
  const std::uint32_t z1 = initiate_tag(cap.with(p.server_ip, ct::kInitAck)[0]);
  exchange(p, cid, sid, 11);

  // The client host crashes and comes back with a fresh endpoint.
  p.net.detach(*p.client);
  core::EndpointConfig cc;
  cc.local_port = 5000;
  cc.local_addresses = {p.client_ip};
  cc.association = fast_options();
  p.client = std::make_unique<EndpointHost>(cc, 999, p.net.now());
  p.net.attach(*p.client, {p.client_ip});
  const std::size_t mark = cap.packets.size();
  const core::AssocId cid2 = p.client->endpoint().connect({p.server_ip}, 6000, p.net.now());
  ASSERT_TRUE(p.run_until([&] { return !p.client->ups.empty(); }, sec(5)));
  p.net.run_for(ms(50));

  std::vector<SeenPacket> inits, acks;
  for (std::size_t k = mark; k < cap.packets.size(); ++k) {
    const SeenPacket& s = cap.packets[k];
    if (s.has(ct::kInit)) inits.push_back(s);
    if (s.has(ct::kInitAck)) acks.push_back(s);
  }
  ASSERT_EQ(inits.size(), 1u);
  ASSERT_EQ(acks.size(), 1u);
  const std::uint32_t a2 = initiate_tag(inits[0]);
  const std::uint32_t z2 = initiate_tag(acks[0]);
  EXPECT_EQ(acks[0].vtag, a2);
  EXPECT_NE(z2, z1);

  ASSERT_EQ(p.server->restarts.size(), 1u);
  EXPECT_EQ(p.server->restarts[0].id, sid);
  EXPECT_EQ(p.server->ups.size(), 1u);  // a restart, not a second "up"
  EXPECT_TRUE(p.server->downs.empty());
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);
  EXPECT_EQ(p.server->endpoint().state(sid), core::AssociationState::kEstablished);
  EXPECT_EQ(p.client->ups.size(), 1u);
  const std::size_t mark2 = cap.packets.size();
  exchange(p, cid2, sid, 13);
  expect_data_tags(cap, p, mark2, a2, z2);
  EXPECT_TRUE(cap.with(p.server_ip, ct::kAbort).empty());
}

// §5.2.2: a restarting peer whose INIT adds an address the association does not have is refused
// with an ABORT (tagged with the INIT's Initiate Tag) that may name the new addresses; the
// existing association is left alone.
TEST(Collision, RestartWithNewAddressAborted) {
  Pair p(25);
  Capture cap(p.net);
  const core::AssocId cid = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  const core::AssocId sid = p.server_assoc();
  exchange(p, cid, sid, 17);

  const IpAddress extra = ip("10.0.0.7");
  p.net.detach(*p.client);
  core::EndpointConfig cc;
  cc.local_port = 5000;
  cc.local_addresses = {p.client_ip, extra};
  cc.association = fast_options();
  p.client = std::make_unique<EndpointHost>(cc, 1001, p.net.now());
  p.net.attach(*p.client, {p.client_ip, extra});
  const std::size_t mark = cap.packets.size();
  p.client->endpoint().connect({p.server_ip}, 6000, p.net.now());
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }, sec(5)));

  std::vector<SeenPacket> inits, aborts;
  for (std::size_t k = mark; k < cap.packets.size(); ++k) {
    const SeenPacket& s = cap.packets[k];
    if (s.has(ct::kInit)) inits.push_back(s);
    if (s.from == p.server_ip && s.has(ct::kAbort)) aborts.push_back(s);
  }
  ASSERT_EQ(inits.size(), 1u);
  ASSERT_EQ(aborts.size(), 1u);
  EXPECT_EQ(aborts[0].vtag, initiate_tag(inits[0]));
  EXPECT_FALSE(aborts[0].chunks[0].t_bit());
  const auto cs = causes(aborts[0].chunks[0]);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cause_code(cs[0]), wire::cause_code::kRestartWithNewAddresses);
  EXPECT_EQ(std::vector<std::uint8_t>(cs[0].begin() + 4, cs[0].end()), ipv4_param(extra));
  EXPECT_TRUE(cap.with(p.server_ip, ct::kInitAck).size() == 1u);  // only the first handshake's
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kPeerAborted);
  EXPECT_TRUE(p.server->restarts.empty());
  EXPECT_TRUE(p.server->downs.empty());
  EXPECT_EQ(p.server->endpoint().state(sid), core::AssociationState::kEstablished);
}

// §5.2.4 C: a COOKIE ECHO from an old INIT ACK (its tag not ours, the peer's tag right, no
// tie-tags) is discarded silently.
TEST(Collision, OldCookieActionCDiscarded) {
  Pair p(26);
  Capture cap(p.net);
  std::vector<Packet> lost;
  p.net.set_filter(p.server_ip, p.client_ip, drop_chunks(ct::kInitAck, 1, &lost));
  const core::AssocId cid = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  ASSERT_EQ(lost.size(), 1u);
  const auto acks = cap.with(p.server_ip, ct::kInitAck);
  ASSERT_EQ(acks.size(), 2u);
  const std::uint32_t a = initiate_tag(cap.with(p.client_ip, ct::kInit)[0]);
  const std::uint32_t z1 = initiate_tag(acks[0]);
  const std::uint32_t z2 = initiate_tag(acks[1]);
  ASSERT_NE(z1, z2);
  const core::AssocId sid = p.server_assoc();
  exchange(p, cid, sid, 19);

  // The cookie of the lost INIT ACK, echoed as the client would have.
  const InitFieldsSeen f = init_fields(acks[0].chunks[0]);
  const auto* cookie = find_param(f, wire::parameter_type::kStateCookie);
  ASSERT_NE(cookie, nullptr);
  const std::vector<std::uint8_t> value(cookie->begin() + 4, cookie->end());
  const std::size_t mark = cap.packets.size();
  p.net.inject(raw_packet(5000, 6000, z1, {raw_chunk(ct::kCookieEcho, 0, value)}), p.client_ip,
               p.server_ip, p.net.now());
  p.net.run_for(ms(20));
  for (std::size_t k = mark; k < cap.packets.size(); ++k) {
    EXPECT_FALSE(cap.packets[k].has(ct::kCookieAck));
    EXPECT_FALSE(cap.packets[k].has(ct::kAbort));
  }
  EXPECT_EQ(p.server->endpoint().endpoint_stats().dropped_bad_cookie, 0u);  // authentic
  EXPECT_TRUE(p.server->restarts.empty());
  EXPECT_EQ(p.server->ups.size(), 1u);
  EXPECT_EQ(p.server->endpoint().association_count(), 1u);
  const std::size_t mark2 = cap.packets.size();
  exchange(p, cid, sid, 21);
  expect_data_tags(cap, p, mark2, a, z2);
}

// §5.2.4 D: the same COOKIE ECHO again after establishment (and data) gets another COOKIE ACK and
// changes nothing: no second AssociationUp, data keeps flowing without loss or duplicates.
TEST(Collision, DuplicateCookieEchoActionD) {
  Pair p(27);
  Capture cap(p.net);
  const core::AssocId cid = p.connect();
  ASSERT_TRUE(p.run_until([&] { return p.established(); }, sec(5)));
  const core::AssocId sid = p.server_assoc();
  exchange(p, cid, sid, 23);
  const auto echoes = cap.with(p.client_ip, ct::kCookieEcho);
  ASSERT_EQ(echoes.size(), 1u);
  const std::size_t mark = cap.packets.size();
  p.net.inject(echoes[0].bytes, p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(20));
  int cookie_acks = 0;
  for (std::size_t k = mark; k < cap.packets.size(); ++k) {
    const SeenPacket& s = cap.packets[k];
    if (!s.injected && s.from == p.server_ip && s.has(ct::kCookieAck)) {
      ++cookie_acks;
      EXPECT_EQ(s.vtag, initiate_tag(cap.with(p.client_ip, ct::kInit)[0]));
    }
  }
  EXPECT_EQ(cookie_acks, 1);
  EXPECT_EQ(cap.with(p.server_ip, ct::kCookieAck).size(), 2u);
  EXPECT_EQ(p.server->ups.size(), 1u);
  EXPECT_EQ(p.client->ups.size(), 1u);
  EXPECT_TRUE(p.server->restarts.empty());
  exchange(p, cid, sid, 25);
  exchange(p, cid, sid, 27);
  EXPECT_EQ(p.server->received.size(), 3u);
  EXPECT_EQ(p.client->received.size(), 3u);
}

}  // namespace
}  // namespace sctps::sim
