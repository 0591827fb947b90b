// Termination (RFC 9260 §9): graceful shutdown by either side with data still queued, the
// shutdown collision, lost SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE recovered by T2-shutdown,
// the T5-shutdown-guard, refusing new data once shutdown began, and ABORT in both directions.
#include <gtest/gtest.h>

#include <set>

#include "sim_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

const core::AssocId kClientAssoc = 1;

core::AssociationOptions quiet() {
  core::AssociationOptions o = fast_options();
  o.heartbeats_enabled = false;
  return o;
}

// One side of an established Pair, so that tests run from either end.
struct Side {
  EndpointHost* host;
  core::AssocId id;
  IpAddress address;
  core::SendStatus send(Pair& p, std::uint32_t ppid, std::size_t size) {
    return host->endpoint().send(id, StreamId(static_cast<std::uint16_t>(ppid % 4)), Ppid(ppid),
                                 pattern(size, ppid), {}, p.net.now());
  }
};

struct Sides {
  Side initiator;
  Side peer;
};

Sides establish(Pair& p, bool client_initiates) {
  EXPECT_EQ(p.connect(), kClientAssoc);
  EXPECT_TRUE(p.run_until([&] { return p.established(); }));
  const Side client{p.client.get(), kClientAssoc, p.client_ip};
  const Side server{p.server.get(), p.server_assoc(), p.server_ip};
  return client_initiates ? Sides{client, server} : Sides{server, client};
}

void expect_messages(const EndpointHost& host, std::size_t count, std::size_t size) {
  ASSERT_EQ(host.received.size(), count);
  std::set<std::uint32_t> seen;
  for (const auto& m : host.received) {
    EXPECT_TRUE(seen.insert(m.message.ppid.value()).second);
    EXPECT_EQ(m.message.payload, pattern(size, m.message.ppid.value()));
  }
  EXPECT_EQ(seen.size(), count);
}

std::size_t index_of_first(const WireLog& log, TraceKind kind, const IpAddress& from,
                           std::uint8_t type) {
  for (std::size_t i = 0; i < log.records.size(); ++i) {
    const WireRecord& r = log.records[i];
    if (r.kind == kind && r.from == from && r.has(type)) return i;
  }
  return log.records.size();
}

class GracefulShutdown : public ::testing::TestWithParam<bool> {};

// §9.2: shutdown() with data queued: every message is delivered and acknowledged first, then
// SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE; both applications hear kShutdown, nothing undelivered.
TEST_P(GracefulShutdown, DeliversQueuedDataThenCloses) {
  Pair p(61, {}, quiet(), quiet());
  Sides s = establish(p, GetParam());
  WireLog log(p.net);
  // The peer sent something too, so the SHUTDOWN's cumulative TSN ack means something.
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_EQ(s.peer.send(p, i, 100), core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return s.initiator.host->received.size() == 3; }));
  constexpr std::size_t kCount = 100;
  constexpr std::size_t kSize = 5000;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(s.initiator.send(p, i, kSize), core::SendStatus::kOk);
  }
  ASSERT_TRUE(s.initiator.host->endpoint().shutdown(s.initiator.id, p.net.now()));
  // §9.2: no new data once shutdown was asked for.
  EXPECT_EQ(s.initiator.send(p, 999, 10), core::SendStatus::kShuttingDown);
  EXPECT_EQ(s.initiator.host->endpoint().state(s.initiator.id),
            core::AssociationState::kShutdownPending);
  ASSERT_TRUE(
      p.run_until([&] { return log.delivered(s.peer.address, ct::kShutdown).size() == 1; }));
  // The peer, having received SHUTDOWN, refuses new data too.
  EXPECT_EQ(s.peer.send(p, 999, 10), core::SendStatus::kShuttingDown);
  ASSERT_TRUE(
      p.run_until([&] { return !s.initiator.host->downs.empty() && !s.peer.host->downs.empty(); }));
  expect_messages(*s.peer.host, kCount, kSize);
  for (const EndpointHost* h : {s.initiator.host, s.peer.host}) {
    ASSERT_EQ(h->downs.size(), 1u);
    EXPECT_EQ(h->downs[0].reason, core::DownReason::kShutdown);
    EXPECT_TRUE(h->downs[0].undelivered.empty());
  }

  const auto shutdowns = log.sent(s.initiator.address, ct::kShutdown);
  const auto acks = log.sent(s.peer.address, ct::kShutdownAck);
  const auto completes = log.sent(s.initiator.address, ct::kShutdownComplete);
  ASSERT_EQ(shutdowns.size(), 1u);
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_FALSE(completes[0]->first_of(ct::kShutdownComplete)->flags & 0x01) << "T bit clear";
  EXPECT_LT(shutdowns[0]->time, acks[0]->time);
  EXPECT_LT(acks[0]->time, completes[0]->time);
  // SHUTDOWN left after the last DATA was acknowledged by the peer.
  const std::size_t shutdown_at =
      index_of_first(log, TraceKind::kSent, s.initiator.address, ct::kShutdown);
  std::size_t last_sack = 0;
  std::size_t last_data = 0;
  for (std::size_t i = 0; i < log.records.size(); ++i) {
    const WireRecord& r = log.records[i];
    if (r.kind == TraceKind::kSent && r.from == s.initiator.address && r.has(ct::kData))
      last_data = i;
    if (r.kind == TraceKind::kDelivered && r.to == s.initiator.address && r.has(ct::kSack))
      last_sack = i;
  }
  EXPECT_LT(last_data, shutdown_at);
  EXPECT_LT(last_sack, shutdown_at);
  const auto last_data_tsn = log.records[last_data].data().back().tsn;
  EXPECT_EQ(log.records[last_sack].sack()->cumulative_tsn_ack, last_data_tsn);
  // The SHUTDOWN's cumulative TSN ack covers the peer's three messages.
  const auto peer_data = log.sent(s.peer.address, ct::kData);
  ASSERT_FALSE(peer_data.empty());
  auto chunk = shutdowns[0]->first_of(ct::kShutdown);
  auto shutdown = wire::ShutdownChunk::parse(*chunk);
  ASSERT_TRUE(shutdown);
  EXPECT_EQ(shutdown->cumulative_tsn_ack, peer_data.back()->data().back().tsn);
  // Closed and forgotten: further sends fail.
  EXPECT_EQ(s.initiator.send(p, 1000, 10), core::SendStatus::kClosed);
  p.net.run_for(sec(1));
  EXPECT_EQ(p.client->endpoint().association_count(), 0u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Termination, GracefulShutdown, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "ByClient" : "ByServer";
                         });

// §9.2: the SHUTDOWN receiver still sends what it has queued; the SHUTDOWN sender acknowledges
// each DATA packet at once and answers it with a SHUTDOWN.
TEST(Termination, ShutdownReceiverStillSendsItsQueuedData) {
  Pair p(62, {}, quiet(), quiet());
  Sides s = establish(p, true);
  WireLog log(p.net);
  constexpr std::size_t kCount = 60;
  constexpr std::size_t kSize = 3000;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(s.peer.send(p, i, kSize), core::SendStatus::kOk);
  }
  ASSERT_TRUE(s.initiator.host->endpoint().shutdown(s.initiator.id, p.net.now()));
  ASSERT_TRUE(
      p.run_until([&] { return !s.initiator.host->downs.empty() && !s.peer.host->downs.empty(); }));
  expect_messages(*s.initiator.host, kCount, kSize);
  EXPECT_EQ(s.initiator.host->downs[0].reason, core::DownReason::kShutdown);
  EXPECT_EQ(s.peer.host->downs[0].reason, core::DownReason::kShutdown);
  EXPECT_TRUE(s.peer.host->downs[0].undelivered.empty());
  // Every DATA packet reaching the SHUTDOWN sender after its SHUTDOWN is answered at once by a
  // packet with a SHUTDOWN and a SACK.
  const std::size_t first_shutdown =
      index_of_first(log, TraceKind::kSent, s.initiator.address, ct::kShutdown);
  int answered = 0;
  for (std::size_t i = first_shutdown; i < log.records.size(); ++i) {
    const WireRecord& r = log.records[i];
    if (r.kind != TraceKind::kDelivered || r.to != s.initiator.address || !r.has(ct::kData))
      continue;
    bool found = false;
    for (std::size_t j = i + 1; j < log.records.size() && log.records[j].time == r.time; ++j) {
      const WireRecord& a = log.records[j];
      if (a.kind == TraceKind::kSent && a.from == s.initiator.address && a.has(ct::kShutdown) &&
          a.has(ct::kSack)) {
        found = true;
        break;
      }
    }
    EXPECT_TRUE(found) << r.describe(log.records.front().time);
    ++answered;
  }
  EXPECT_GT(answered, 5);
  // SHUTDOWN ACK only after all the peer's data was acknowledged.
  const std::size_t ack_at =
      index_of_first(log, TraceKind::kSent, s.peer.address, ct::kShutdownAck);
  ASSERT_LT(ack_at, log.records.size());
  for (std::size_t i = ack_at; i < log.records.size(); ++i) {
    const WireRecord& r = log.records[i];
    EXPECT_FALSE(r.kind == TraceKind::kSent && r.from == s.peer.address && r.has(ct::kData));
  }
}

// §9.2: both sides call shutdown() at once: each answers the other's SHUTDOWN with a SHUTDOWN ACK,
// each SHUTDOWN ACK with a SHUTDOWN COMPLETE; no ABORT.
TEST(Termination, ShutdownCollision) {
  Pair p(63, {}, quiet(), quiet());
  Sides s = establish(p, true);
  WireLog log(p.net);
  ASSERT_TRUE(p.client->endpoint().shutdown(kClientAssoc, p.net.now()));
  ASSERT_TRUE(p.server->endpoint().shutdown(p.server_assoc(), p.net.now()));
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  p.net.run_for(sec(2));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kShutdown);
  EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kShutdown);
  for (const IpAddress& a : {p.client_ip, p.server_ip}) {
    EXPECT_EQ(log.sent(a, ct::kShutdown).size(), 1u);
    EXPECT_EQ(log.sent(a, ct::kShutdownAck).size(), 1u);
    EXPECT_EQ(log.sent(a, ct::kShutdownComplete).size(), 1u);
    EXPECT_TRUE(log.sent(a, ct::kAbort).empty());
  }
  EXPECT_EQ(p.client->endpoint().association_count(), 0u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
  (void)s;
}

class LostShutdownChunk : public ::testing::TestWithParam<std::uint8_t> {};

// §9.2: T2-shutdown recovers each lost chunk of the sequence. A lost SHUTDOWN COMPLETE is
// recovered by the retransmitted SHUTDOWN ACK, answered out of the blue (§8.4 rule 5) with a
// SHUTDOWN COMPLETE carrying the T bit.
TEST_P(LostShutdownChunk, T2RetransmitsAndTheShutdownCompletes) {
  const std::uint8_t lost_type = GetParam();
  Pair p(64, {}, quiet(), quiet());
  Sides s = establish(p, true);
  (void)s;
  WireLog log(p.net);
  bool dropped = false;
  auto filter = [&](Packet& pk) {
    if (!dropped && packet_has(pk, lost_type)) {
      dropped = true;
      return Verdict::kDrop;
    }
    return Verdict::kPass;
  };
  p.net.set_filter(p.client_ip, p.server_ip, filter);
  p.net.set_filter(p.server_ip, p.client_ip, filter);
  const TimePoint start = p.net.now();
  ASSERT_TRUE(p.client->endpoint().shutdown(kClientAssoc, start));
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty() && !p.server->downs.empty(); }));
  ASSERT_TRUE(dropped);
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kShutdown);
  EXPECT_EQ(p.server->downs[0].reason, core::DownReason::kShutdown);
  dump_if_requested(log, start);
  // The lost chunk's sender, or its peer, timed out after one RTO (100 ms: no RTT measured yet)
  // and retransmitted.
  const IpAddress sender = lost_type == ct::kShutdownAck ? p.server_ip : p.client_ip;
  if (lost_type == ct::kShutdown) {
    const auto sent = log.sent(p.client_ip, ct::kShutdown);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1]->time - sent[0]->time, ms(100));
  } else if (lost_type == ct::kShutdownAck) {
    // Both T2 timers run: the client repeats SHUTDOWN, the server repeats SHUTDOWN ACK.
    const auto acks = log.sent(p.server_ip, ct::kShutdownAck);
    ASSERT_GE(acks.size(), 2u);
    EXPECT_LE(acks[1]->time - acks[0]->time, ms(100));
  } else {
    const auto acks = log.sent(p.server_ip, ct::kShutdownAck);
    ASSERT_EQ(acks.size(), 2u);
    EXPECT_EQ(acks[1]->time - acks[0]->time, ms(100));
    const auto completes = log.sent(p.client_ip, ct::kShutdownComplete);
    ASSERT_EQ(completes.size(), 2u);
    EXPECT_FALSE(completes[0]->first_of(ct::kShutdownComplete)->flags & 0x01);
    // The second comes from an endpoint that no longer knows the association: T bit, and the tag
    // of the SHUTDOWN ACK it answers.
    EXPECT_TRUE(completes[1]->first_of(ct::kShutdownComplete)->flags & 0x01);
    EXPECT_EQ(completes[1]->tag(), acks[1]->tag());
  }
  (void)sender;
  EXPECT_TRUE(log.sent(p.client_ip, ct::kAbort).empty());
  EXPECT_TRUE(log.sent(p.server_ip, ct::kAbort).empty());
}

INSTANTIATE_TEST_SUITE_P(Termination, LostShutdownChunk,
                         ::testing::Values(ct::kShutdown, ct::kShutdownAck, ct::kShutdownComplete),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case ct::kShutdown: return std::string("Shutdown");
                             case ct::kShutdownAck: return std::string("ShutdownAck");
                             default: return std::string("ShutdownComplete");
                           }
                         });

// §9.2: T5-shutdown-guard bounds the whole shutdown: when the peer never answers, the SHUTDOWN
// sender aborts when it expires, even though T2 could still retransmit.
TEST(Termination, T5GuardAbortsWhenThePeerNeverAnswers) {
  core::AssociationOptions client = quiet();
  client.shutdown_guard = sec(1);
  client.max_association_retransmits = 100;
  Pair p(65, {}, client, quiet());
  establish(p, true);
  WireLog log(p.net);
  p.net.set_filter(p.client_ip, p.server_ip, [](Packet&) { return Verdict::kDrop; });
  const TimePoint start = p.net.now();
  ASSERT_TRUE(p.client->endpoint().shutdown(kClientAssoc, start));
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }));
  EXPECT_EQ(p.net.now() - start, sec(1));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kLocalAbort);
  EXPECT_NE(p.client->downs[0].detail.find("T5"), std::string::npos) << p.client->downs[0].detail;
  // SHUTDOWN at 0, then T2 with backoff: 100, 300, 700 ms; ABORT at 1 s.
  const auto shutdowns = log.sent(p.client_ip, ct::kShutdown);
  ASSERT_EQ(shutdowns.size(), 4u);
  const std::vector<Duration> expected = {ms(0), ms(100), ms(300), ms(700)};
  for (std::size_t i = 0; i < shutdowns.size(); ++i) {
    EXPECT_EQ(shutdowns[i]->time - start, expected[i]);
  }
  const auto aborts = log.sent(p.client_ip, ct::kAbort);
  ASSERT_EQ(aborts.size(), 1u);
  EXPECT_EQ(aborts[0]->time - start, sec(1));
}

// §9.2: without the guard, SHUTDOWN retransmissions stop after Association.Max.Retrans.
TEST(Termination, ShutdownGivesUpAfterAssociationMaxRetrans) {
  core::AssociationOptions client = quiet();
  client.max_association_retransmits = 3;
  Pair p(66, {}, client, quiet());
  establish(p, true);
  WireLog log(p.net);
  p.net.set_filter(p.client_ip, p.server_ip, [](Packet&) { return Verdict::kDrop; });
  const TimePoint start = p.net.now();
  ASSERT_TRUE(p.client->endpoint().shutdown(kClientAssoc, start));
  ASSERT_TRUE(p.run_until([&] { return !p.client->downs.empty(); }));
  EXPECT_EQ(p.client->downs[0].reason, core::DownReason::kCommunicationLost);
  // The first SHUTDOWN and three retransmissions (100, 300, 700 ms); the fourth expiry gives up.
  EXPECT_EQ(log.sent(p.client_ip, ct::kShutdown).size(), 4u);
  EXPECT_EQ(p.net.now() - start, ms(1500));
  EXPECT_EQ(log.sent(p.client_ip, ct::kAbort).size(), 1u);
}

class Abort : public ::testing::TestWithParam<bool> {};

// §9.1: abort() sends ABORT with a User-Initiated Abort cause carrying the reason; the peer reports
// kPeerAborted with the reason, the aborting side kLocalAbort with every unacknowledged message.
TEST_P(Abort, WithReasonAndUndeliveredMessages) {
  Pair p(67, {}, quiet(), quiet());
  Sides s = establish(p, GetParam());
  WireLog log(p.net);
  constexpr std::size_t kCount = 200;
  constexpr std::size_t kSize = 20000;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(s.initiator.send(p, i, kSize), core::SendStatus::kOk);
  }
  ASSERT_TRUE(p.run_until([&] { return s.peer.host->received.size() >= 10; }));
  const std::size_t delivered = s.peer.host->received.size();
  ASSERT_TRUE(
      s.initiator.host->endpoint().abort(s.initiator.id, "maintenance window", p.net.now()));
  EXPECT_EQ(s.initiator.send(p, 999, 10), core::SendStatus::kClosed);
  ASSERT_TRUE(p.run_until([&] { return !s.peer.host->downs.empty(); }));
  p.net.run_for(sec(1));

  ASSERT_EQ(s.initiator.host->downs.size(), 1u);
  const auto& local = s.initiator.host->downs[0];
  EXPECT_EQ(local.reason, core::DownReason::kLocalAbort);
  EXPECT_NE(local.detail.find("maintenance window"), std::string::npos) << local.detail;
  const auto& remote = s.peer.host->downs[0];
  EXPECT_EQ(remote.reason, core::DownReason::kPeerAborted);
  EXPECT_NE(remote.detail.find("maintenance window"), std::string::npos) << remote.detail;
  EXPECT_TRUE(remote.undelivered.empty());

  // Every message is either delivered or handed back (possibly both if its SACK was in flight).
  std::set<std::uint32_t> back;
  for (const auto& m : local.undelivered) {
    EXPECT_TRUE(back.insert(m.ppid.value()).second);
    EXPECT_EQ(m.payload, pattern(kSize, m.ppid.value()));
  }
  std::set<std::uint32_t> got;
  for (const auto& m : s.peer.host->received) got.insert(m.message.ppid.value());
  for (std::uint32_t i = 0; i < kCount; ++i) {
    EXPECT_TRUE(back.count(i) || got.count(i)) << "message " << i << " lost";
  }
  EXPECT_GE(back.size(), kCount - s.peer.host->received.size());
  EXPECT_GE(s.peer.host->received.size(), delivered);

  // One ABORT from the association (T bit clear: it knows the peer's tag). SACKs the peer sent
  // before the ABORT reached it arrive out of the blue and are answered by the endpoint with ABORTs
  // carrying the T bit (§8.4 rule 8).
  std::vector<const WireRecord*> aborts;
  for (const WireRecord* r : log.sent(s.initiator.address, ct::kAbort)) {
    if ((r->first_of(ct::kAbort)->flags & 0x01) == 0) {
      aborts.push_back(r);
    } else {
      EXPECT_TRUE(r->causes(ct::kAbort).empty());
    }
  }
  ASSERT_EQ(aborts.size(), 1u);
  const auto causes = aborts[0]->causes(ct::kAbort);
  ASSERT_EQ(causes.size(), 1u);
  const auto* user = std::get_if<wire::UserInitiatedAbortCause>(&causes[0]);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(std::string(user->value.begin(), user->value.end()), "maintenance window");
  // No DATA after the ABORT; once the ABORT arrived, the peer sends nothing more.
  const std::size_t abort_at =
      index_of_first(log, TraceKind::kSent, s.initiator.address, ct::kAbort);
  const std::size_t abort_arrival =
      index_of_first(log, TraceKind::kDelivered, s.initiator.address, ct::kAbort);
  ASSERT_LT(abort_arrival, log.records.size());
  for (std::size_t i = abort_at + 1; i < log.records.size(); ++i) {
    const WireRecord& r = log.records[i];
    if (r.kind != TraceKind::kSent) continue;
    if (r.from == s.initiator.address) {
      EXPECT_FALSE(r.has(ct::kData) || r.has(ct::kSack)) << r.describe(log.records[0].time);
    }
    if (i > abort_arrival) {
      EXPECT_NE(r.from, s.peer.address) << r.describe(log.records[0].time);
    }
  }
  EXPECT_EQ(p.client->endpoint().association_count(), 0u);
  EXPECT_EQ(p.server->endpoint().association_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Termination, Abort, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "ByClient" : "ByServer";
                         });

}  // namespace
}  // namespace sctps::sim
