// Acknowledgement of DATA (RFC 9260 §6.2, §6.7, §3.3.4; RFC 7053): delayed SACK every second
// packet or within 200 ms, an immediate SACK on gaps, duplicates and the I bit, and the exact gap
// ack blocks and duplicate TSNs reported.
#include <gtest/gtest.h>

#include <array>

#include "sim_harness.h"
#include "wire_trace.h"

namespace sctps::sim {
namespace {

constexpr std::size_t kFull = 1200 - 12 - 16;  // user data filling one 1200-byte packet
const core::AssocId kClientAssoc = 1;

// RFC defaults for the RTO (1 s) so that no T3-rtx interferes with a 200 ms delayed SACK, and no
// heartbeats (a HEARTBEAT ACK would carry a pending SACK with it).
core::AssociationOptions quiet_options() {
  core::AssociationOptions o = fast_options();
  o.rto_initial = sec(1);
  o.rto_min = sec(1);
  o.rto_max = sec(4);
  o.heartbeats_enabled = false;
  return o;
}

struct SackPair : Pair {
  SackPair(std::uint64_t seed, LinkConfig link = {})
      : Pair(seed, link, quiet_options(), quiet_options()) {
    EXPECT_EQ(connect(), kClientAssoc);
    EXPECT_TRUE(run_until([&] { return established(); }));
    net.run_for(ms(500));  // let the handshake's stray packets settle
    log.clear();
    t0 = net.now();
  }
  void send_full(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      const auto ppid = static_cast<std::uint32_t>(sent++);
      ASSERT_EQ(client->endpoint().send(kClientAssoc, StreamId(0), Ppid(ppid), pattern(kFull, ppid),
                                        {}, net.now()),
                core::SendStatus::kOk);
    }
  }
  bool all_received() {
    return run_until([&] { return server->received.size() == sent; });
  }
  // Sends until the congestion window has grown past `packets` full packets and all is acked.
  void warm_up(std::size_t packets) {
    for (int round = 0; round < 40; ++round) {
      const auto st = client->endpoint().stats(kClientAssoc);
      if (st->paths[0].cwnd >= packets * kFull + 1200) break;
      send_full(2 * packets);
      ASSERT_TRUE(all_received());
      ASSERT_TRUE(run_until(
          [&] { return client->endpoint().stats(kClientAssoc)->outstanding_bytes == 0; }));
    }
    net.run_for(ms(500));
    log.clear();
  }
  std::vector<const WireRecord*> server_sacks() const { return log.sent(server_ip, ct::kSack); }
  std::vector<const WireRecord*> data_arrivals() const {
    return log.delivered(server_ip, ct::kData);
  }

  WireLog log{net};
  TimePoint t0;
  std::size_t sent = 0;
};

// §6.2: a single packet is acknowledged after the delayed-ack timer, 200 ms.
TEST(Sack, DelayedSackForALonePacketAfter200ms) {
  SackPair p(31);
  p.send_full(1);
  ASSERT_TRUE(p.all_received());
  p.net.run_for(sec(1));
  const auto arrivals = p.data_arrivals();
  const auto sacks = p.server_sacks();
  ASSERT_EQ(arrivals.size(), 1u);
  ASSERT_EQ(sacks.size(), 1u);
  EXPECT_EQ(sacks[0]->time - arrivals[0]->time, ms(200));
  EXPECT_EQ(sacks[0]->sack()->cumulative_tsn_ack, arrivals[0]->data()[0].tsn);
  EXPECT_TRUE(sacks[0]->sack()->gap_ack_blocks.empty());
  EXPECT_TRUE(sacks[0]->sack()->duplicate_tsns.empty());
}

// §6.2: at least every second packet is acknowledged at once; one SACK per two packets.
TEST(Sack, EverySecondPacketIsAcknowledgedAtOnce) {
  SackPair p(32);
  p.send_full(4);  // 4 packets, sent together (initial cwnd 4404 bytes)
  ASSERT_TRUE(p.all_received());
  p.net.run_for(sec(1));
  auto arrivals = p.data_arrivals();
  auto sacks = p.server_sacks();
  ASSERT_EQ(arrivals.size(), 4u);
  ASSERT_EQ(sacks.size(), 2u);
  EXPECT_EQ(sacks[0]->time, arrivals[1]->time);
  EXPECT_EQ(sacks[0]->sack()->cumulative_tsn_ack, arrivals[1]->data()[0].tsn);
  EXPECT_EQ(sacks[1]->time, arrivals[3]->time);
  EXPECT_EQ(sacks[1]->sack()->cumulative_tsn_ack, arrivals[3]->data()[0].tsn);

  // Three packets: the pair at once, the third after 200 ms.
  p.log.clear();
  p.send_full(3);
  ASSERT_TRUE(p.all_received());
  p.net.run_for(sec(1));
  arrivals = p.data_arrivals();
  sacks = p.server_sacks();
  ASSERT_EQ(arrivals.size(), 3u);
  ASSERT_EQ(sacks.size(), 2u);
  EXPECT_EQ(sacks[0]->time, arrivals[1]->time);
  EXPECT_EQ(sacks[1]->time - arrivals[2]->time, ms(200));
  EXPECT_EQ(sacks[1]->sack()->cumulative_tsn_ack, arrivals[2]->data()[0].tsn);
}

// §6.7: with a gap, every arriving packet is acknowledged at once, listing the gap ack blocks.
TEST(Sack, ImmediateSackWithGapBlocksWhenAPacketIsLost) {
  SackPair p(33);
  bool dropped = false;
  int seen = 0;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    if (!data_tsns(pk).empty() && ++seen == 2) {
      dropped = true;
      return Verdict::kDrop;
    }
    return Verdict::kPass;
  });
  p.send_full(4);
  ASSERT_TRUE(p.all_received());
  ASSERT_TRUE(dropped);
  const auto arrivals = p.data_arrivals();
  const auto sacks = p.server_sacks();
  ASSERT_GE(arrivals.size(), 4u);  // three first transmissions and the retransmission
  ASSERT_GE(sacks.size(), 2u);
  const std::uint32_t t0 = arrivals[0]->data()[0].tsn.value();
  // Arrivals: t0 (delayed: no SACK), t0+2 (gap: at once), t0+3 (gap: at once).
  EXPECT_EQ(arrivals[1]->data()[0].tsn.value(), t0 + 2);
  EXPECT_EQ(sacks[0]->time, arrivals[1]->time);
  EXPECT_EQ(sacks[0]->sack()->cumulative_tsn_ack.value(), t0);
  EXPECT_EQ(sacks[0]->sack()->gap_ack_blocks, (std::vector<wire::GapAckBlock>{{2, 2}}));
  EXPECT_EQ(sacks[1]->time, arrivals[2]->time);
  EXPECT_EQ(sacks[1]->sack()->cumulative_tsn_ack.value(), t0);
  EXPECT_EQ(sacks[1]->sack()->gap_ack_blocks, (std::vector<wire::GapAckBlock>{{2, 3}}));
  // The retransmission fills the gap: acknowledged at once, cumulatively.
  ASSERT_GE(sacks.size(), 3u);
  EXPECT_EQ(arrivals[3]->data()[0].tsn.value(), t0 + 1);
  EXPECT_EQ(sacks[2]->time, arrivals[3]->time);
  EXPECT_EQ(sacks[2]->sack()->cumulative_tsn_ack.value(), t0 + 3);
  EXPECT_TRUE(sacks[2]->sack()->gap_ack_blocks.empty());
}

// §6.2: a duplicate is acknowledged at once and listed in the SACK's duplicate TSNs.
TEST(Sack, ImmediateSackListingADuplicate) {
  SackPair p(34);
  std::optional<TimePoint> duplicate_at;
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    if (!duplicate_at && !data_tsns(pk).empty()) {
      duplicate_at = p.net.now() + ms(50);
      p.net.inject(pk.bytes, pk.from, pk.to, p.net.now() + ms(55));  // arrives 50 ms after it
    }
    return Verdict::kPass;
  });
  p.send_full(1);
  ASSERT_TRUE(p.all_received());
  p.net.run_for(sec(1));
  const auto arrivals = p.data_arrivals();
  const auto sacks = p.server_sacks();
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_EQ(arrivals[1]->time - arrivals[0]->time, ms(50));
  ASSERT_EQ(sacks.size(), 1u) << "the duplicate's SACK also acknowledges the first arrival";
  EXPECT_EQ(sacks[0]->time, arrivals[1]->time);
  const Tsn tsn = arrivals[0]->data()[0].tsn;
  EXPECT_EQ(sacks[0]->sack()->cumulative_tsn_ack, tsn);
  EXPECT_EQ(sacks[0]->sack()->duplicate_tsns, std::vector<Tsn>{tsn});
  EXPECT_EQ(p.server->received.size(), 1u);

  // A duplicate after the SACK: acknowledged at once again, listed once more.
  const std::vector<std::uint8_t> copy = arrivals[0]->bytes;
  p.log.clear();
  p.net.inject(copy, p.client_ip, p.server_ip, p.net.now());
  p.net.run_for(ms(300));
  const auto again = p.server_sacks();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]->time, p.data_arrivals()[0]->time);
  EXPECT_EQ(again[0]->sack()->duplicate_tsns, std::vector<Tsn>{tsn});
  EXPECT_EQ(p.server->received.size(), 1u);
}

// RFC 7053 §4: a DATA chunk with the I bit is acknowledged without delay. (The sender has no API
// to set it; a filter sets it on the wire.)
TEST(Sack, ImmediateSackOnTheIBit) {
  SackPair p(35);
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    rewrite_chunks(pk, ct::kData, [](std::uint8_t* c, std::size_t) {
      c[1] = static_cast<std::uint8_t>(c[1] | wire::data_flags::kImmediate);
      return true;
    });
    return Verdict::kPass;
  });
  p.send_full(1);
  ASSERT_TRUE(p.all_received());
  p.net.run_for(sec(1));
  const auto arrivals = p.data_arrivals();
  const auto sacks = p.server_sacks();
  ASSERT_EQ(arrivals.size(), 1u);
  ASSERT_TRUE(arrivals[0]->data()[0].immediate_sack);
  ASSERT_EQ(sacks.size(), 1u);
  EXPECT_EQ(sacks[0]->time, arrivals[0]->time);
}

// §3.3.4: several holes and a duplicate: the blocks are offsets from the cumulative TSN ack, in
// order, and the duplicate is listed.
TEST(Sack, GapBlocksAndDuplicatesAreExact) {
  SackPair p(36);
  p.warm_up(8);
  ASSERT_GE(p.client->endpoint().stats(kClientAssoc)->paths[0].cwnd, 8 * kFull);
  // Of 8 packets b..b+7: b+1, b+4 and b+5 are lost; b+6 arrives twice.
  std::optional<std::uint32_t> base;
  std::array<bool, 8> first_time;
  first_time.fill(true);
  p.net.set_filter(p.client_ip, p.server_ip, [&](Packet& pk) {
    const auto tsns = data_tsns(pk);
    if (tsns.empty()) return Verdict::kPass;
    if (!base) base = tsns[0];
    const std::uint32_t k = tsns[0] - *base;
    if (k < 8 && first_time[k]) {
      first_time[k] = false;
      if (k == 1 || k == 4 || k == 5) return Verdict::kDrop;
      if (k == 6) p.net.inject(pk.bytes, pk.from, pk.to, p.net.now() + ms(6));
    }
    return Verdict::kPass;
  });
  const TimePoint start = p.net.now();
  p.send_full(8);
  ASSERT_TRUE(p.all_received());
  // All eight left at once.
  const auto data = p.log.sent(p.client_ip, ct::kData);
  ASSERT_GE(data.size(), 8u);
  EXPECT_EQ(data[7]->time, start);
  const std::uint32_t b = *base;
  const auto sacks = p.server_sacks();
  // The SACK after the last first transmission (b+7), before anything was retransmitted.
  const WireRecord* after_last = nullptr;  // the last SACK of the instant the burst arrived
  const WireRecord* after_dup = nullptr;
  for (const WireRecord* s : sacks) {
    if (s->time == start + ms(5)) after_last = s;
    if (s->time == start + ms(6)) after_dup = s;
  }
  ASSERT_NE(after_last, nullptr);
  EXPECT_EQ(after_last->sack()->cumulative_tsn_ack.value(), b);
  EXPECT_EQ(after_last->sack()->gap_ack_blocks, (std::vector<wire::GapAckBlock>{{2, 3}, {6, 7}}));
  EXPECT_TRUE(after_last->sack()->duplicate_tsns.empty());
  ASSERT_NE(after_dup, nullptr) << "the duplicate is acknowledged at once";
  EXPECT_EQ(after_dup->sack()->duplicate_tsns, std::vector<Tsn>{Tsn(b + 6)});
  EXPECT_EQ(after_dup->sack()->gap_ack_blocks, (std::vector<wire::GapAckBlock>{{2, 3}, {6, 7}}));
  dump_if_requested(p.log, start);
}

}  // namespace
}  // namespace sctps::sim
