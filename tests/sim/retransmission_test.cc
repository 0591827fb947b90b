// Retransmission (RFC 9260 §6.3, §7.2.4): fast retransmit on the third miss indication, T3-rtx
// with exponential backoff capped at RTO.Max, and Karn's rule (no RTT sample from a retransmitted
// chunk).
#include <gtest/gtest.h>

#include "sim_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

constexpr std::size_t kFull = 1200 - 12 - 16;  // user data filling one 1200-byte packet
const core::AssocId kClientAssoc = 1;

core::SendStatus send(Pair& p, std::uint32_t ppid, std::size_t size = kFull) {
  return p.client->endpoint().send(kClientAssoc, StreamId(0), Ppid(ppid), pattern(size, ppid), {},
                                   p.net.now());
}

core::PathStats client_path(Pair& p) {
  return p.client->endpoint().stats(kClientAssoc)->paths.at(0);
}

// §7.2.4: the third SACK reporting a TSN missing (HTNA) retransmits it at once, long before T3.
TEST(Retransmission, FastRetransmitOnTheThirdMissIndication) {
  core::AssociationOptions o = fast_options();
  o.rto_initial = sec(1);
  o.rto_min = sec(1);
  o.heartbeats_enabled = false;
  Pair p(41, {}, o, o);
  ASSERT_EQ(p.connect(), kClientAssoc);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  // Grow the congestion window so that ten packets leave together.
  std::uint32_t ppid = 0;
  for (int round = 0; round < 30 && client_path(p).cwnd < 10 * 1200 + 1200; ++round) {
    for (int i = 0; i < 20; ++i) ASSERT_EQ(send(p, ppid++), core::SendStatus::kOk);
    ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == ppid; }));
    ASSERT_TRUE(p.run_until(
        [&] { return p.client->endpoint().stats(kClientAssoc)->outstanding_bytes == 0; }));
  }
  const std::size_t cwnd_before = client_path(p).cwnd;
  ASSERT_GE(cwnd_before, 11u * 1200);
  const auto before = *p.client->endpoint().stats(kClientAssoc);

  WireLog log(p.net);
  std::optional<std::uint32_t> lost;
  int data_packets = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    const auto tsns = data_tsns(pk);
    if (!tsns.empty() && ++data_packets == 2) {
      lost = tsns[0];
      return Verdict::kDrop;
    }
    return Verdict::kPass;
  });
  const TimePoint start = p.net.now();
  const std::uint32_t first_new = ppid;
  for (int i = 0; i < 10; ++i) ASSERT_EQ(send(p, ppid++), core::SendStatus::kOk);
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == ppid; }));
  ASSERT_TRUE(lost);
  dump_if_requested(log, start);

  // In the order of events: the SACKs reaching the client that report the lost TSN missing (all
  // arrive at the same instant), and the transmissions of that TSN.
  std::vector<std::size_t> miss_reports;
  std::vector<std::size_t> resent;
  for (std::size_t i = 0; i < log.records.size(); ++i) {
    const WireRecord& r = log.records[i];
    if (r.kind == TraceKind::kDelivered && r.to == p.client_ip && r.has(ct::kSack)) {
      const auto s = r.sack();
      if (s->cumulative_tsn_ack.value() + 1 == *lost && !s->gap_ack_blocks.empty()) {
        miss_reports.push_back(i);
      }
    }
    if (r.kind == TraceKind::kSent && r.from == p.client_ip) {
      for (const auto& d : r.data()) {
        if (d.tsn.value() == *lost) resent.push_back(i);
      }
    }
  }
  ASSERT_GE(miss_reports.size(), 4u);
  ASSERT_EQ(resent.size(), 2u);  // the lost original and one fast retransmission
  EXPECT_EQ(log.records[resent[0]].time, start);
  // Right after the third report: not after the second, not waiting for the fourth.
  EXPECT_GT(resent[1], miss_reports[2]);
  EXPECT_LT(resent[1], miss_reports[3]);
  EXPECT_LT(log.records[resent[1]].time - start, sec(1));  // long before the RTO
  EXPECT_EQ(log.records[resent[1]].time, log.records[miss_reports[2]].time);

  const auto after = *p.client->endpoint().stats(kClientAssoc);
  EXPECT_EQ(after.fast_retransmissions - before.fast_retransmissions, 1u);
  EXPECT_EQ(after.retransmitted_chunks - before.retransmitted_chunks, 1u);
  EXPECT_EQ(after.t3_expirations, before.t3_expirations);
  // §7.2.4 2: ssthresh = max(cwnd / 2, 4 * MTU) on entering fast recovery.
  EXPECT_EQ(after.paths[0].ssthresh, std::max<std::size_t>(cwnd_before / 2, 4 * 1200));
  for (std::uint32_t i = first_new; i < ppid; ++i) {
    EXPECT_EQ(p.server->received[i].message.ppid.value(), i);
    EXPECT_EQ(p.server->received[i].message.payload, pattern(kFull, i));
  }
}

// §6.3.3 E2, §6.3.1 C7: while nothing gets through, each T3-rtx expiry doubles the RTO, up to
// RTO.Max; the same chunk is retransmitted each time.
TEST(Retransmission, T3BackoffDoublesUpToRtoMax) {
  core::AssociationOptions o = fast_options();
  o.rto_initial = ms(100);
  o.rto_min = ms(50);
  o.rto_max = ms(800);
  o.max_association_retransmits = 20;
  o.max_path_retransmits = 20;
  o.heartbeats_enabled = false;
  Pair p(42, {}, o, o);
  ASSERT_EQ(p.connect(), kClientAssoc);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_FALSE(p.client->endpoint().stats(kClientAssoc)->paths[0].srtt.count() > 0);
  WireLog log(p.net);
  bool blackhole = true;
  p.net.set_filter(p.client_ip, p.server_ip,
                   [&](Packet&) { return blackhole ? Verdict::kDrop : Verdict::kPass; });
  const TimePoint start = p.net.now();
  ASSERT_EQ(send(p, 1, 100), core::SendStatus::kOk);
  p.net.run_for(ms(100 + 200 + 400 + 800 + 800 + 800 + 50));
  std::vector<TimePoint> times;
  std::optional<Tsn> tsn;
  for (const WireRecord* r : log.sent(p.client_ip, ct::kData)) {
    ASSERT_EQ(r->data().size(), 1u);
    if (!tsn) tsn = r->data()[0].tsn;
    EXPECT_EQ(r->data()[0].tsn, *tsn);
    times.push_back(r->time);
  }
  ASSERT_EQ(times.size(), 7u);
  const std::vector<Duration> expected = {ms(0),    ms(100),  ms(300), ms(700),
                                          ms(1500), ms(2300), ms(3100)};
  for (std::size_t i = 0; i < times.size(); ++i) {
    EXPECT_EQ(times[i] - start, expected[i]) << "transmission " << i;
  }
  auto st = *p.client->endpoint().stats(kClientAssoc);
  EXPECT_EQ(st.t3_expirations, 6u);
  EXPECT_EQ(st.retransmitted_chunks, 6u);
  EXPECT_EQ(st.paths[0].rto, ms(800));
  // The link heals: the next retransmission gets through and the message arrives once.
  blackhole = false;
  ASSERT_TRUE(p.run_until([&] { return p.server->received.size() == 1; }));
  EXPECT_EQ(p.net.now() - start, ms(3900 + 5));
  p.net.run_for(sec(1));
  EXPECT_EQ(p.server->received.size(), 1u);
  EXPECT_TRUE(p.client->downs.empty());
}

// §6.3.1 C5 (Karn): an acknowledgement of a retransmitted chunk gives no RTT sample, since it may
// answer either transmission; the backed-off RTO stays until a fresh chunk is measured.
TEST(Retransmission, KarnNoRttSampleFromARetransmittedChunk) {
  core::AssociationOptions o = fast_options();
  o.rto_initial = ms(100);
  o.rto_min = ms(50);
  o.heartbeats_enabled = false;
  core::AssociationOptions server = o;
  server.packets_per_ack = 1;  // every packet acknowledged at once: RTT = 2 x 5 ms exactly
  Pair p(43, {}, o, server);
  ASSERT_EQ(p.connect(), kClientAssoc);
  ASSERT_TRUE(p.run_until([&] { return p.established(); }));
  ASSERT_EQ(send(p, 1, 100), core::SendStatus::kOk);
  ASSERT_TRUE(
      p.run_until([&] { return p.client->endpoint().stats(kClientAssoc)->sacks_received == 1; }));
  EXPECT_EQ(client_path(p).srtt, ms(10));
  EXPECT_EQ(client_path(p).rto, ms(50));  // 10 + 4 x 5 = 30, raised to RTO.Min

  // The original is delayed (arrives 52 ms after it left), the T3 retransmission at 50 ms is lost:
  // the SACK arrives 57 ms after the original and 7 ms after the retransmission.
  WireLog log(p.net);
  int data_packets = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    if (data_tsns(pk).empty()) return Verdict::kPass;
    ++data_packets;
    if (data_packets == 1) {
      p.net.inject(pk.bytes, pk.from, pk.to, p.net.now() + ms(52));
      return Verdict::kDrop;
    }
    if (data_packets == 2) return Verdict::kDrop;
    return Verdict::kPass;
  });
  const TimePoint start = p.net.now();
  ASSERT_EQ(send(p, 2, 100), core::SendStatus::kOk);
  ASSERT_TRUE(
      p.run_until([&] { return p.client->endpoint().stats(kClientAssoc)->sacks_received == 2; }));
  EXPECT_EQ(p.net.now() - start, ms(57));
  EXPECT_EQ(data_packets, 2);
  EXPECT_EQ(p.client->endpoint().stats(kClientAssoc)->t3_expirations, 1u);
  EXPECT_EQ(client_path(p).srtt, ms(10)) << "no sample from the retransmitted chunk";
  EXPECT_EQ(client_path(p).rto, ms(100)) << "the backoff stays until a new measurement";

  // A fresh chunk is measured normally and collapses the RTO again (§6.3.3).
  ASSERT_EQ(send(p, 3, 100), core::SendStatus::kOk);
  ASSERT_TRUE(
      p.run_until([&] { return p.client->endpoint().stats(kClientAssoc)->sacks_received == 3; }));
  EXPECT_EQ(client_path(p).srtt, ms(10));
  EXPECT_EQ(client_path(p).rto, ms(50));
  EXPECT_EQ(p.server->received.size(), 3u);
}

}  // namespace
}  // namespace sctps::sim
