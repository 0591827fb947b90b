// Paths of a multihomed peer (RFC 9260 §5.4, §6.4, §8): the alternate address confirmed by a
// heartbeat probe, failover when the primary becomes unreachable after Path.Max.Retrans and the
// return to it, association failure after Association.Max.Retrans with the undelivered messages
// handed back, and RTT sampling by heartbeats on an idle path (§8.3).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

constexpr std::size_t kFull = 1200 - 12 - 16;  // user data filling one 1200-byte packet
const core::AssocId kClientAssoc = 1;

// A single-homed client (10.0.0.1) and a server with two addresses, each reached over its own link:
// 10.0.0.2 (the primary: the client connects to it) and 10.0.1.2.
struct MultiPair {
  explicit MultiPair(std::uint64_t seed, core::AssociationOptions a = fast_options(),
                     core::AssociationOptions z = fast_options())
      : net(seed) {
    core::EndpointConfig ca;
    ca.local_port = 5000;
    ca.local_addresses = {client_ip};
    ca.association = a;
    core::EndpointConfig cz;
    cz.local_port = 6000;
    cz.local_addresses = {primary_ip, alternate_ip};
    cz.association = z;
    client = std::make_unique<EndpointHost>(ca, seed * 7 + 1, net.now());
    server = std::make_unique<EndpointHost>(cz, seed * 7 + 2, net.now());
    net.attach(*client, {client_ip});
    net.attach(*server, {primary_ip, alternate_ip});
    LinkConfig link;
    link.delay = ms(5);
    net.connect(client_ip, primary_ip, link);
    net.connect(client_ip, alternate_ip, link);
  }

  void establish() {
    ASSERT_EQ(client->endpoint().connect({primary_ip}, 6000, net.now()), kClientAssoc);
    ASSERT_TRUE(net.run_until([&] { return !client->ups.empty() && !server->ups.empty(); },
                              net.now() + sec(10)));
  }
  bool run_until(const std::function<bool()>& done, Duration limit = sec(60)) {
    return net.run_until(done, net.now() + limit);
  }
  core::AssociationStats stats() { return *client->endpoint().stats(kClientAssoc); }
  const core::PathStats& path(const core::AssociationStats& s, const IpAddress& a) {
    for (const auto& p : s.paths) {
      if (p.address == a) return p;
    }
    ADD_FAILURE() << "no path " << a.to_string();
    return s.paths.at(0);
  }
  // Keeps the send buffer full with numbered messages up to `total`.
  void refill() {
    while (next < total) {
      const auto ppid = static_cast<std::uint32_t>(next);
      const auto st = client->endpoint().send(kClientAssoc, StreamId(0), Ppid(ppid),
                                              pattern(kFull, ppid), {}, net.now());
      if (st != core::SendStatus::kOk) return;
      ++next;
    }
  }
  void expect_received_once_in_order(std::size_t count) {
    ASSERT_EQ(server->received.size(), count);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& m = server->received[i].message;
      ASSERT_EQ(m.ppid.value(), i);
      EXPECT_EQ(m.payload, pattern(kFull, static_cast<std::uint32_t>(i)));
    }
  }

  IpAddress client_ip = ip("10.0.0.1");
  IpAddress primary_ip = ip("10.0.0.2");
  IpAddress alternate_ip = ip("10.0.1.2");
  Network net;
  std::unique_ptr<EndpointHost> client;
  std::unique_ptr<EndpointHost> server;
  std::size_t next = 0;
  std::size_t total = 0;
};

// §5.4: the address listed in the INIT ACK is unconfirmed until a HEARTBEAT sent to it at once
// comes back; data meanwhile goes to the primary only.
TEST(Paths, AlternateAddressConfirmedByHeartbeat) {
  MultiPair p(51);
  WireLog log(p.net);
  p.establish();
  const TimePoint up = p.net.now();
  ASSERT_EQ(p.client->ups[0].peer_addresses.size(), 2u);
  {
    const auto s = p.stats();
    EXPECT_TRUE(p.path(s, p.primary_ip).confirmed);
    EXPECT_TRUE(p.path(s, p.primary_ip).primary);
    EXPECT_FALSE(p.path(s, p.alternate_ip).confirmed);
  }
  ASSERT_TRUE(p.run_until([&] { return p.path(p.stats(), p.alternate_ip).confirmed; }, sec(1)));
  const auto probes = log.select(TraceKind::kSent, p.client_ip, ct::kHeartbeat, p.alternate_ip);
  ASSERT_FALSE(probes.empty());
  EXPECT_EQ(probes[0]->time, up) << "§5.4: probed as soon as the association is up";
  // The HEARTBEAT ACK comes back from the probed address and echoes the information unchanged.
  const auto acks = log.select(TraceKind::kDelivered, p.alternate_ip, ct::kHeartbeatAck);
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks[0]->to, p.client_ip);
  const auto hb = probes[0]->first_of(ct::kHeartbeat);
  const auto ack = acks[0]->first_of(ct::kHeartbeatAck);
  EXPECT_TRUE(std::equal(hb->value.begin(), hb->value.end(), ack->value.begin(), ack->value.end()));
  EXPECT_TRUE(p.path(p.stats(), p.primary_ip).primary);

  p.total = 50;
  p.refill();
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == p.total; }));
  EXPECT_TRUE(log.select(TraceKind::kSent, p.client_ip, ct::kData, p.alternate_ip).empty());
  EXPECT_FALSE(log.select(TraceKind::kSent, p.client_ip, ct::kData, p.primary_ip).empty());
}

// §8.2, §6.4.1: the primary's link fails mid-transfer: after Path.Max.Retrans errors it is reported
// unreachable and data moves to the alternate, losing nothing; when the link heals a heartbeat
// finds the primary reachable again and data returns to it (§6.4).
TEST(Paths, FailoverToTheAlternateAndReturnToThePrimary) {
  MultiPair p(52);
  WireLog log(p.net);
  p.establish();
  ASSERT_TRUE(p.run_until([&] { return p.path(p.stats(), p.alternate_ip).confirmed; }, sec(1)));
  p.total = 3000;
  p.client->on_event = [&](const core::Event& e) {
    if (std::holds_alternative<core::SendBufferAvailable>(e)) p.refill();
  };
  p.refill();
  ASSERT_TRUE(p.run_until([&] {
    p.refill();
    return p.server->received.size() >= 500;
  }));
  p.net.set_link_up(p.client_ip, p.primary_ip, false);
  const TimePoint down = p.net.now();
  // Data keeps flowing meanwhile: §6.4, what times out is retransmitted to the alternate.
  std::size_t received_at_first_t3 = 0;
  ASSERT_TRUE(p.run_until([&] {
    p.refill();
    if (received_at_first_t3 == 0 && p.stats().t3_expirations > 0) {
      received_at_first_t3 = p.server->received.size();
    }
    return !p.client->path_changes.empty();
  }));
  const TimePoint unreachable = p.net.now();
  const auto s_down = p.stats();
  std::printf(
      "  primary down at %.3f s, unreachable after %.3f s (%llu T3 expirations); %zu "
      "messages delivered meanwhile\n",
      std::chrono::duration<double>(down.time_since_epoch()).count(),
      std::chrono::duration<double>(unreachable - down).count(),
      static_cast<unsigned long long>(s_down.t3_expirations),
      p.server->received.size() - received_at_first_t3);
  ASSERT_EQ(p.client->path_changes.size(), 1u);
  EXPECT_EQ(p.client->path_changes[0].address, p.primary_ip);
  EXPECT_FALSE(p.client->path_changes[0].reachable);
  EXPECT_FALSE(p.path(s_down, p.primary_ip).active);
  EXPECT_TRUE(p.path(s_down, p.alternate_ip).active);
  // §8.2: only after more than Path.Max.Retrans (5) consecutive timeouts on the primary, each
  // with a doubled RTO (50 ms + 100 + 200 + 400 + 800 + 1600 ms at least).
  EXPECT_GE(s_down.t3_expirations, 6u);
  EXPECT_GE(unreachable - down, ms(3150));
  // §6.4: the first timeout (RTO 50 ms) already sends the retransmissions to the alternate.
  const auto to_alternate = log.select(TraceKind::kSent, p.client_ip, ct::kData, p.alternate_ip);
  ASSERT_FALSE(to_alternate.empty());
  EXPECT_LE(to_alternate[0]->time - down, ms(60));
  EXPECT_GT(p.server->received.size(), received_at_first_t3 + 100);

  ASSERT_TRUE(p.run_until([&] {
    p.refill();
    return p.server->received.size() == p.total;
  }));
  // After the failover, data went to the alternate only.
  for (const WireRecord* r : log.sent(p.client_ip, ct::kData)) {
    if (r->time > unreachable) {
      EXPECT_EQ(r->to, p.alternate_ip) << r->describe(down);
    }
  }
  EXPECT_TRUE(p.client->downs.empty());
  p.expect_received_once_in_order(p.total);

  // The link heals: the heartbeat to the inactive primary is answered.
  p.net.set_link_up(p.client_ip, p.primary_ip, true);
  ASSERT_TRUE(p.run_until([&] { return p.client->path_changes.size() == 2; }));
  EXPECT_EQ(p.client->path_changes[1].address, p.primary_ip);
  EXPECT_TRUE(p.client->path_changes[1].reachable);
  const TimePoint reachable = p.net.now();
  EXPECT_LT(reachable - down, sec(60));
  const auto hb_acks = log.select(TraceKind::kDelivered, p.primary_ip, ct::kHeartbeatAck);
  ASSERT_FALSE(hb_acks.empty());
  EXPECT_EQ(hb_acks.back()->time, reachable);
  p.total += 200;
  ASSERT_TRUE(p.run_until([&] {
    p.refill();
    return p.server->received.size() == p.total;
  }));
  p.expect_received_once_in_order(p.total);
  int to_primary = 0;
  for (const WireRecord* r : log.sent(p.client_ip, ct::kData)) {
    if (r->time > reachable) {
      EXPECT_EQ(r->to, p.primary_ip) << r->describe(reachable);
      ++to_primary;
    }
  }
  EXPECT_GE(to_primary, 200);
  EXPECT_EQ(p.client->path_changes.size(), 2u);
}

// §5.4: nothing but heartbeats goes to an address that was never confirmed, even while
// retransmissions are pending and a probe leaves for that address.
TEST(Paths, NoDataToAnUnconfirmedAddress) {
  MultiPair p(55);
  WireLog log(p.net);
  // The alternate never answers, so it stays unconfirmed; the primary loses 5 % of the packets.
  p.net.set_filter(p.client_ip, p.alternate_ip, [](Packet&) { return Verdict::kDrop; });
  LinkConfig lossy;
  lossy.delay = ms(5);
  lossy.loss = 0.05;
  p.net.set_config(p.client_ip, p.primary_ip, lossy);
  p.establish();
  p.total = 2000;
  p.refill();
  ASSERT_TRUE(p.run_until([&] {
    p.refill();
    return p.server->received.size() == p.total;
  }));
  p.expect_received_once_in_order(p.total);
  EXPECT_FALSE(p.path(p.stats(), p.alternate_ip).confirmed);
  EXPECT_GT(p.stats().retransmitted_chunks, 20u);
  const auto probes = log.select(TraceKind::kSent, p.client_ip, ct::kHeartbeat, p.alternate_ip);
  EXPECT_GE(probes.size(), 3u);
  for (const WireRecord* r : log.select(TraceKind::kSent, p.client_ip, {}, p.alternate_ip)) {
    EXPECT_EQ(r->types(), std::vector<std::uint8_t>{ct::kHeartbeat}) << r->describe(kTimeZero);
  }
}

// §8.1: with every path down, the association fails after Association.Max.Retrans consecutive
// errors; the messages not acknowledged are handed back, with their payloads.
TEST(Paths, AllPathsDownEndsTheAssociationWithUndeliveredMessages) {
  MultiPair p(53);
  p.establish();
  ASSERT_TRUE(p.run_until([&] { return p.path(p.stats(), p.alternate_ip).confirmed; }, sec(1)));
  p.total = 200;
  p.refill();
  ASSERT_EQ(p.next, p.total);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() >= 50; }));
  p.net.set_link_up(p.client_ip, p.primary_ip, false);
  p.net.set_link_up(p.client_ip, p.alternate_ip, false);
  const TimePoint down = p.net.now();
  const std::size_t received = p.server->received.size();
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }, sec(120)));
  const auto& d = p.client->downs[0];
  EXPECT_EQ(d.reason, core::DownReason::kCommunicationLost);
  std::printf("  communication lost %.3f s after the links went down\n",
              std::chrono::duration<double>(p.net.now() - down).count());
  // Every message the server did not get is handed back, intact; none twice.
  std::set<std::uint32_t> back;
  for (const auto& m : d.undelivered) {
    EXPECT_TRUE(back.insert(m.ppid.value()).second);
    EXPECT_EQ(m.payload, pattern(kFull, m.ppid.value()));
  }
  for (std::size_t i = received; i < p.total; ++i) {
    EXPECT_TRUE(back.count(static_cast<std::uint32_t>(i))) << "message " << i;
  }
  EXPECT_LE(back.size(), p.total - received + 64);  // at most what was in flight, acked or not
  EXPECT_TRUE(p.client->endpoint().stats(kClientAssoc) == std::nullopt ||
              p.client->endpoint().state(kClientAssoc) == core::AssociationState::kClosed);
  EXPECT_EQ(p.client->endpoint().send(kClientAssoc, StreamId(0), Ppid(0), pattern(10, 0), {},
                                      p.net.now()),
            core::SendStatus::kClosed);
}

// §8.3: heartbeats on an idle path measure its RTT: srtt follows a change of the link's delay
// while no DATA flows at all.
TEST(Paths, HeartbeatsSampleTheRttOfAnIdlePath) {
  Pair p(54);
  ASSERT_EQ(p.connect(), kClientAssoc);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  WireLog log(p.net);
  p.net.run_for(sec(5));
  auto s = *p.client->endpoint().stats(kClientAssoc);
  EXPECT_EQ(s.data_chunks_sent, 0u);
  EXPECT_GE(s.heartbeats_sent, 3u);
  EXPECT_EQ(s.paths[0].srtt, ms(10));
  LinkConfig slow;
  slow.delay = ms(50);
  p.net.set_config(p.client_ip, p.server_ip, slow);
  p.net.run_for(sec(20));
  s = *p.client->endpoint().stats(kClientAssoc);
  EXPECT_EQ(s.data_chunks_sent, 0u);
  EXPECT_GT(s.paths[0].srtt, ms(90));
  EXPECT_LE(s.paths[0].srtt, ms(100));
  EXPECT_TRUE(log.sent(p.client_ip, ct::kData).empty());
  EXPECT_FALSE(log.delivered(p.client_ip, ct::kHeartbeatAck).empty());
  EXPECT_TRUE(p.client->downs.empty());
}

}  // namespace
}  // namespace sctps::sim
