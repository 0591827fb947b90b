#include "core/rx/data_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace sctps::core {
namespace {

using Observe = DataTracker::Observe;
using wire::GapAckBlock;

constexpr TimePoint kT0 = kTimeZero + sec(10);
constexpr std::size_t kRoomy = 1200;

// One packet carrying DATA chunks with the given TSNs.
void packet(DataTracker& t, std::initializer_list<std::uint32_t> tsns, TimePoint now,
            bool immediate = false) {
  for (std::uint32_t v : tsns) t.observe(Tsn(v), immediate);
  t.on_packet_end(now);
}

TEST(DataTrackerTest, StartsOneBelowInitialTsn) {
  DataTracker t(Tsn(100), ms(200), 2);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(99));
  EXPECT_FALSE(t.has_gaps());
  EXPECT_FALSE(t.sack_due());
  EXPECT_FALSE(t.sack_pending());
  EXPECT_EQ(t.ack_deadline(), kTimeInfinite);
  EXPECT_TRUE(t.is_delivered_or_acked(Tsn(99)));
  EXPECT_FALSE(t.is_delivered_or_acked(Tsn(100)));
}

TEST(DataTrackerTest, InitialTsnZeroWrapsCumAck) {
  DataTracker t(Tsn(0), ms(200), 2);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(0xFFFFFFFF));
  EXPECT_EQ(t.observe(Tsn(0), false), Observe::kNew);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(0));
}

TEST(DataTrackerTest, SinglePacketIsAckedAfterDelay) {
  DataTracker t(Tsn(100), ms(200), 2);
  EXPECT_EQ(t.observe(Tsn(100), false), Observe::kNew);
  t.on_packet_end(kT0);
  EXPECT_FALSE(t.sack_due());
  EXPECT_TRUE(t.sack_pending());
  EXPECT_EQ(t.ack_deadline(), kT0 + ms(200));
  t.on_timeout(kT0 + ms(199));
  EXPECT_FALSE(t.sack_due());
  t.on_timeout(kT0 + ms(200));
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.ack_deadline(), kTimeInfinite);

  const wire::SackChunk s = t.make_sack(5000, kRoomy);
  EXPECT_EQ(s.cumulative_tsn_ack, Tsn(100));
  EXPECT_EQ(s.a_rwnd, 5000u);
  EXPECT_TRUE(s.gap_ack_blocks.empty());
  EXPECT_TRUE(s.duplicate_tsns.empty());
  EXPECT_FALSE(t.sack_due());
  EXPECT_FALSE(t.sack_pending());
}

TEST(DataTrackerTest, EverySecondPacketIsAckedAtOnce) {
  DataTracker t(Tsn(1), ms(200), 2);
  packet(t, {1}, kT0);
  EXPECT_FALSE(t.sack_due());
  packet(t, {2}, kT0 + ms(10));
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.make_sack(1000, kRoomy).cumulative_tsn_ack, Tsn(2));

  // The count restarts after a SACK; the timer starts with the next first unacknowledged packet.
  packet(t, {3}, kT0 + ms(20));
  EXPECT_FALSE(t.sack_due());
  EXPECT_EQ(t.ack_deadline(), kT0 + ms(220));
  packet(t, {4}, kT0 + ms(30));
  EXPECT_TRUE(t.sack_due());
}

TEST(DataTrackerTest, ChunksOfOnePacketCountOnce) {
  DataTracker t(Tsn(1), ms(200), 2);
  packet(t, {1, 2, 3, 4}, kT0);
  EXPECT_FALSE(t.sack_due());
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(4));
}

TEST(DataTrackerTest, LaterPacketsDoNotPushTheDeadline) {
  DataTracker t(Tsn(1), ms(200), 3);
  packet(t, {1}, kT0);
  packet(t, {2}, kT0 + ms(150));
  EXPECT_FALSE(t.sack_due());
  EXPECT_EQ(t.ack_deadline(), kT0 + ms(200));
  packet(t, {3}, kT0 + ms(160));
  EXPECT_TRUE(t.sack_due());
}

TEST(DataTrackerTest, PacketsPerAckOneAcksEveryPacket) {
  DataTracker t(Tsn(1), ms(200), 1);
  packet(t, {1}, kT0);
  EXPECT_TRUE(t.sack_due());
  DataTracker t0(Tsn(1), ms(200), 0);  // nonsensical, treated as 1
  packet(t0, {1}, kT0);
  EXPECT_TRUE(t0.sack_due());
}

TEST(DataTrackerTest, PacketWithoutDataChangesNothing) {
  DataTracker t(Tsn(1), ms(200), 2);
  t.on_packet_end(kT0);
  EXPECT_FALSE(t.sack_pending());
}

TEST(DataTrackerTest, ImmediateBitForcesSack) {
  DataTracker t(Tsn(1), ms(200), 2);
  packet(t, {1}, kT0, /*immediate=*/true);
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.ack_deadline(), kTimeInfinite);
}

TEST(DataTrackerTest, GapAcksEveryPacketUntilFilled) {
  DataTracker t(Tsn(100), ms(200), 2);
  packet(t, {100}, kT0);
  EXPECT_FALSE(t.sack_due());
  packet(t, {102}, kT0 + ms(1));  // 101 missing
  EXPECT_TRUE(t.sack_due());
  wire::SackChunk s = t.make_sack(1000, kRoomy);
  EXPECT_EQ(s.cumulative_tsn_ack, Tsn(100));
  EXPECT_EQ(s.gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));

  packet(t, {103}, kT0 + ms(2));  // the gap remains: SACK again
  EXPECT_TRUE(t.sack_due());
  s = t.make_sack(1000, kRoomy);
  EXPECT_EQ(s.gap_ack_blocks, (std::vector<GapAckBlock>{{2, 3}}));

  packet(t, {101}, kT0 + ms(3));  // fills the gap: SACK at once too
  EXPECT_TRUE(t.sack_due());
  s = t.make_sack(1000, kRoomy);
  EXPECT_EQ(s.cumulative_tsn_ack, Tsn(103));
  EXPECT_TRUE(s.gap_ack_blocks.empty());
  EXPECT_FALSE(t.has_gaps());

  packet(t, {104}, kT0 + ms(4));  // back to delayed acknowledgement
  EXPECT_FALSE(t.sack_due());
}

TEST(DataTrackerTest, ScatteredTsnsGiveHandComputedGapBlocks) {
  DataTracker t(Tsn(1000), ms(200), 2);
  for (std::uint32_t v : {1012u, 1000u, 1005u, 1003u, 1010u, 1001u, 1007u, 1006u}) {
    EXPECT_EQ(t.observe(Tsn(v), false), Observe::kNew) << v;
  }
  t.on_packet_end(kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(1001));
  EXPECT_EQ(t.highest_received_tsn(), Tsn(1012));
  const wire::SackChunk s = t.make_sack(1000, kRoomy);
  // 1003 -> 2; 1005..1007 -> 4..6; 1010 -> 9; 1012 -> 11 (offsets from 1001).
  EXPECT_EQ(s.gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}, {4, 6}, {9, 9}, {11, 11}}));
  EXPECT_TRUE(t.is_delivered_or_acked(Tsn(1001)));
  EXPECT_FALSE(t.is_delivered_or_acked(Tsn(1003)));
}

TEST(DataTrackerTest, GapBlocksAreLimitedToTheRoomGiven) {
  DataTracker t(Tsn(1000), ms(200), 2);
  packet(t, {1000, 1002, 1004, 1006}, kT0);
  packet(t, {1000}, kT0);  // a duplicate as well
  wire::SackChunk s = t.make_sack(1, wire::SackChunk::kHeaderSize + 2 * 4);
  EXPECT_EQ(s.gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}, {4, 4}}));
  EXPECT_TRUE(s.duplicate_tsns.empty());
  EXPECT_LE(s.encoded_size(), wire::SackChunk::kHeaderSize + 8);

  s = t.make_sack(1, 3);  // not even room for the header: still a valid bare SACK
  EXPECT_TRUE(s.gap_ack_blocks.empty());
  EXPECT_EQ(s.cumulative_tsn_ack, Tsn(1000));
}

TEST(DataTrackerTest, ManyGapsFillTheRoomInOrder) {
  DataTracker t(Tsn(1), ms(200), 2);
  for (std::uint32_t i = 0; i < 4000; ++i) t.observe(Tsn(1 + 2 * i), false);  // 1, 3, 5, ...
  t.on_packet_end(kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(1));
  const wire::SackChunk s = t.make_sack(1, 1200);
  ASSERT_EQ(s.gap_ack_blocks.size(), (1200 - 16) / 4);
  for (std::size_t i = 0; i < s.gap_ack_blocks.size(); ++i) {
    const auto off = static_cast<std::uint16_t>(2 * (i + 1));
    EXPECT_EQ(s.gap_ack_blocks[i], (GapAckBlock{off, off}));
  }
  EXPECT_EQ(s.encoded_size(), 1200u);
}

TEST(DataTrackerTest, DuplicatesAreReportedOnceAndAckedAtOnce) {
  DataTracker t(Tsn(10), ms(200), 2);
  packet(t, {10, 12}, kT0);
  t.make_sack(1, kRoomy);
  EXPECT_EQ(t.observe(Tsn(10), false), Observe::kDuplicate);  // below the cum ack
  EXPECT_EQ(t.observe(Tsn(12), false), Observe::kDuplicate);  // held above a gap
  EXPECT_EQ(t.observe(Tsn(10), false), Observe::kDuplicate);  // each arrival is listed
  t.on_packet_end(kT0 + ms(1));
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.pending_duplicates(), 3u);
  wire::SackChunk s = t.make_sack(1, kRoomy);
  EXPECT_EQ(s.duplicate_tsns, (std::vector<Tsn>{Tsn(10), Tsn(12), Tsn(10)}));
  EXPECT_EQ(s.gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));
  s = t.make_sack(1, kRoomy);
  EXPECT_TRUE(s.duplicate_tsns.empty());
}

TEST(DataTrackerTest, DuplicateOnlyPacketIsAckedAtOnceWithoutGaps) {
  DataTracker t(Tsn(10), ms(200), 2);
  packet(t, {10}, kT0);
  t.make_sack(1, kRoomy);
  packet(t, {10}, kT0 + ms(5));
  EXPECT_TRUE(t.sack_due());
}

TEST(DataTrackerTest, DuplicateListIsCapped) {
  DataTracker t(Tsn(10), ms(200), 2);
  packet(t, {10}, kT0);
  for (int i = 0; i < 100; ++i) t.observe(Tsn(10), false);
  t.on_packet_end(kT0);
  EXPECT_EQ(t.make_sack(1, 65535).duplicate_tsns.size(), DataTracker::kMaxDuplicates);
}

TEST(DataTrackerTest, TsnWrapAroundIn32Bits) {
  DataTracker t(Tsn(0xFFFFFFFE), ms(200), 2);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(0xFFFFFFFD));
  packet(t, {0xFFFFFFFE, 0xFFFFFFFF, 0, 1}, kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(1));
  EXPECT_TRUE(t.is_delivered_or_acked(Tsn(0xFFFFFFFF)));
  EXPECT_FALSE(t.is_delivered_or_acked(Tsn(2)));
  EXPECT_EQ(t.observe(Tsn(0xFFFFFFFF), false), Observe::kDuplicate);
  EXPECT_EQ(t.observe(Tsn(3), false), Observe::kNew);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));
}

TEST(DataTrackerTest, GapAcrossTheWrap) {
  DataTracker t(Tsn(0xFFFFFFF0), ms(200), 2);
  EXPECT_EQ(t.observe(Tsn(2), false), Observe::kNew);  // 19 above the cum ack 0xFFFFFFEF
  EXPECT_EQ(t.observe(Tsn(0xFFFFFFFF), false), Observe::kNew);
  EXPECT_EQ(t.observe(Tsn(0), false), Observe::kNew);
  t.on_packet_end(kT0);
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{16, 17}, {19, 19}}));
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(0xFFFFFFEF));
}

TEST(DataTrackerTest, TsnsBeyondGapBlockReachAreOutOfWindow) {
  DataTracker t(Tsn(100), ms(200), 2);
  const std::uint32_t cum = 99;
  EXPECT_EQ(t.observe(Tsn(cum + 65536), false), Observe::kOutOfWindow);
  EXPECT_EQ(t.observe(Tsn(cum + 0x40000000), false), Observe::kOutOfWindow);
  EXPECT_NE(t.observe(Tsn(cum + 0x80000001), false), Observe::kNew);  // looks far behind
  t.on_packet_end(kT0);
  EXPECT_TRUE(t.sack_due());  // dropped data is answered at once
  EXPECT_FALSE(t.has_gaps());
  EXPECT_EQ(t.observe(Tsn(cum + 65535), false), Observe::kNew);
  t.on_packet_end(kT0);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{65535, 65535}}));
  // The ring slot of cum + 65535 must not alias anything: fill the gap completely.
  for (std::uint32_t v = cum + 1; v < cum + 65535; ++v) {
    ASSERT_EQ(t.observe(Tsn(v), false), Observe::kNew) << v;
  }
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(cum + 65535));
  EXPECT_FALSE(t.has_gaps());
  EXPECT_EQ(t.observe(Tsn(cum + 65535 + 65535), false), Observe::kNew);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{65535, 65535}}));
}

TEST(DataTrackerTest, ForwardTsnMovesCumAckAndDropsGaps) {
  DataTracker t(Tsn(100), ms(200), 2);
  packet(t, {100, 103, 105}, kT0);
  t.make_sack(1, kRoomy);
  EXPECT_TRUE(t.handle_forward_tsn(Tsn(102)));  // 101, 102 abandoned; 103 held -> cum 103
  t.on_packet_end(kT0 + ms(1));
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(103));
  EXPECT_TRUE(t.sack_due());  // a gap remains (104)
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));

  EXPECT_TRUE(t.handle_forward_tsn(Tsn(105)));  // the last gap goes away
  t.on_packet_end(kT0 + ms(2));
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(105));
  EXPECT_FALSE(t.has_gaps());
  t.make_sack(1, kRoomy);

  EXPECT_TRUE(t.handle_forward_tsn(Tsn(110)));  // no gap before or after: delayed-ack rules
  t.on_packet_end(kT0 + ms(3));
  EXPECT_FALSE(t.sack_due());
  EXPECT_EQ(t.ack_deadline(), kT0 + ms(203));
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(110));

  EXPECT_FALSE(t.handle_forward_tsn(Tsn(108)));  // stale: SACK at once, nothing moves back
  t.on_packet_end(kT0 + ms(4));
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(110));
  EXPECT_EQ(t.observe(Tsn(109), false), Observe::kDuplicate);
}

TEST(DataTrackerTest, ForwardTsnFarAheadClearsEverything) {
  DataTracker t(Tsn(0xFFFFFF00), ms(200), 2);
  packet(t, {0xFFFFFF00, 0xFFFFFF05, 0xFFFFFF09}, kT0);
  EXPECT_TRUE(t.handle_forward_tsn(Tsn(200000)));
  t.on_packet_end(kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(200000));
  EXPECT_FALSE(t.has_gaps());
  EXPECT_EQ(t.observe(Tsn(200002), false), Observe::kNew);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));
  EXPECT_EQ(t.observe(Tsn(200001), false), Observe::kNew);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(200002));
}

TEST(DataTrackerTest, RequestImmediateSack) {
  DataTracker t(Tsn(1), ms(200), 2);
  t.request_immediate_sack();
  EXPECT_TRUE(t.sack_due());
  EXPECT_EQ(t.make_sack(1, kRoomy).cumulative_tsn_ack, Tsn(0));
  EXPECT_FALSE(t.sack_due());
}

TEST(DataTrackerTest, NoRingWhileThereIsNoGap) {
  DataTracker t(Tsn(100), ms(200), 2);
  EXPECT_EQ(t.ring_bits(), 0u);
  packet(t, {100, 101, 102}, kT0);
  EXPECT_EQ(t.ring_bits(), 0u);
  packet(t, {104}, kT0);  // 103 missing
  EXPECT_EQ(t.ring_bits(), 256u);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));
  packet(t, {103}, kT0);  // the gap closes: the ring goes
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(104));
  EXPECT_EQ(t.ring_bits(), 0u);
  EXPECT_EQ(t.observe(Tsn(104), false), Observe::kDuplicate);
  EXPECT_EQ(t.observe(Tsn(106), false), Observe::kNew);  // a new gap makes a new ring
  EXPECT_EQ(t.ring_bits(), 256u);
  EXPECT_EQ(t.observe(Tsn(106), false), Observe::kDuplicate);
}

TEST(DataTrackerTest, RingGrowsWithTheGapAndKeepsWhatItHeld) {
  DataTracker t(Tsn(1000), ms(200), 2);
  const std::uint32_t cum = 999;
  packet(t, {cum + 2, cum + 3, cum + 200}, kT0);
  EXPECT_EQ(t.ring_bits(), 256u);
  packet(t, {cum + 256}, kT0);  // offset 256 needs 257 bits
  EXPECT_EQ(t.ring_bits(), 512u);
  packet(t, {cum + 3000}, kT0);
  EXPECT_EQ(t.ring_bits(), 4096u);
  packet(t, {cum + 65535}, kT0);  // the farthest a gap block reaches
  EXPECT_EQ(t.ring_bits(), 65536u);
  EXPECT_EQ(t.observe(Tsn(cum + 65536), false), Observe::kOutOfWindow);
  EXPECT_EQ(t.ring_bits(), 65536u);
  for (std::uint32_t v : {cum + 2, cum + 3, cum + 200, cum + 256, cum + 3000, cum + 65535}) {
    EXPECT_EQ(t.observe(Tsn(v), false), Observe::kDuplicate) << v;
  }
  EXPECT_EQ(
      t.make_sack(1, kRoomy).gap_ack_blocks,
      (std::vector<GapAckBlock>{{2, 3}, {200, 200}, {256, 256}, {3000, 3000}, {65535, 65535}}));
  for (std::uint32_t v = cum + 1; v < cum + 65535; ++v) t.observe(Tsn(v), false);
  t.on_packet_end(kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(cum + 65535));
  EXPECT_FALSE(t.has_gaps());
  EXPECT_EQ(t.ring_bits(), 0u);
}

// The bits held move to new positions when the ring grows: held TSNs on both sides of the old
// ring's index wrap, and of the 32-bit TSN wrap.
TEST(DataTrackerTest, RingGrowthAcrossBothWraps) {
  // cum = 0xFFFFFFF9: its ring index (mod 256) is 249, so cum + 10 wraps to index 3.
  DataTracker t(Tsn(0xFFFFFFFA), ms(200), 2);
  const std::uint32_t cum = 0xFFFFFFF9;
  packet(t, {cum + 3, cum + 5, cum + 6, cum + 10, cum + 250}, kT0);
  EXPECT_EQ(t.ring_bits(), 256u);
  packet(t, {cum + 700}, kT0);
  EXPECT_EQ(t.ring_bits(), 1024u);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks,
            (std::vector<GapAckBlock>{{3, 3}, {5, 6}, {10, 10}, {250, 250}, {700, 700}}));
  EXPECT_EQ(t.observe(Tsn(cum + 4), false), Observe::kNew);
  EXPECT_EQ(t.observe(Tsn(cum + 251), false), Observe::kNew);
  EXPECT_EQ(t.observe(Tsn(cum + 7), false), Observe::kNew);
  for (std::uint32_t v : {cum + 3, cum + 5, cum + 10, cum + 250, cum + 700}) {
    EXPECT_EQ(t.observe(Tsn(v), false), Observe::kDuplicate) << v;
  }
  EXPECT_EQ(t.observe(Tsn(cum + 1), false), Observe::kNew);
  EXPECT_EQ(t.observe(Tsn(cum + 2), false), Observe::kNew);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(cum + 7));
  t.on_packet_end(kT0);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks,
            (std::vector<GapAckBlock>{{3, 3}, {243, 244}, {693, 693}}));
}

TEST(DataTrackerTest, ForwardTsnKeepsBitsAboveItAndFreesTheRingAtTheTop) {
  DataTracker t(Tsn(1), ms(200), 2);
  packet(t, {5, 300, 2000}, kT0);
  EXPECT_EQ(t.ring_bits(), 2048u);
  EXPECT_TRUE(t.handle_forward_tsn(Tsn(299)));  // 300 was held: cum moves over it
  t.on_packet_end(kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(300));
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{1700, 1700}}));
  EXPECT_EQ(t.observe(Tsn(2000), false), Observe::kDuplicate);
  EXPECT_EQ(t.observe(Tsn(1999), false), Observe::kNew);
  EXPECT_TRUE(t.handle_forward_tsn(Tsn(1500)));
  t.on_packet_end(kT0);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{499, 500}}));
  EXPECT_NE(t.ring_bits(), 0u);
  EXPECT_TRUE(t.handle_forward_tsn(Tsn(2000)));  // the top: no gap is left
  t.on_packet_end(kT0);
  EXPECT_EQ(t.cumulative_tsn_ack(), Tsn(2000));
  EXPECT_FALSE(t.has_gaps());
  EXPECT_EQ(t.ring_bits(), 0u);
  EXPECT_EQ(t.observe(Tsn(2002), false), Observe::kNew);
  EXPECT_EQ(t.make_sack(1, kRoomy).gap_ack_blocks, (std::vector<GapAckBlock>{{2, 2}}));
}

// Random arrival with losses and duplicates, checked against a plain set-based model. far_every:
// one arrival in that many lands up to far_reach above the cumulative TSN ack (0: never), which
// grows the ring; forward_to_top_every: one round in that many abandons everything up to the
// highest TSN held, which frees it.
void run_reference_model(std::uint32_t seed, std::uint32_t far_every, std::uint32_t far_reach,
                         std::uint32_t forward_to_top_every) {
  std::mt19937 rng(seed);
  const std::uint32_t initial = 0xFFFFF000;  // crosses the 32-bit wrap
  DataTracker t(Tsn(initial), ms(200), 2);
  std::set<std::int64_t> got;  // offsets from initial
  std::int64_t cum = -1;
  TimePoint now = kT0;
  for (int round = 0; round < 3000; ++round) {
    const int n = static_cast<int>(rng() % 4) + 1;
    for (int k = 0; k < n; ++k) {
      const bool far = far_every != 0 && rng() % far_every == 0;
      const std::int64_t off = far ? cum + 1 + static_cast<std::int64_t>(rng() % far_reach)
                                   : cum + 1 + static_cast<std::int64_t>(rng() % 40) - 3;
      const auto tsn = Tsn(static_cast<std::uint32_t>(initial + static_cast<std::uint32_t>(off)));
      const Observe r = t.observe(tsn, false);
      const bool dup = off <= cum || got.count(off) != 0;
      EXPECT_EQ(r, dup ? Observe::kDuplicate : Observe::kNew);
      if (!dup) got.insert(off);
      while (got.count(cum + 1) != 0) got.erase(++cum);
    }
    const bool to_top =
        forward_to_top_every != 0 && rng() % forward_to_top_every == 0 && !got.empty();
    if (to_top || rng() % 50 == 0) {  // occasionally abandon a little, or everything held
      const std::int64_t fwd = to_top ? *got.rbegin() : cum + static_cast<std::int64_t>(rng() % 5);
      const bool moved = t.handle_forward_tsn(
          Tsn(static_cast<std::uint32_t>(initial + static_cast<std::uint32_t>(fwd))));
      EXPECT_EQ(moved, fwd > cum);
      if (fwd > cum) {
        cum = fwd;
        got.erase(got.begin(), got.upper_bound(cum));
        while (got.count(cum + 1) != 0) got.erase(++cum);
      }
    }
    now += ms(1);
    t.on_packet_end(now);
    ASSERT_EQ(t.cumulative_tsn_ack(),
              Tsn(static_cast<std::uint32_t>(initial + static_cast<std::uint32_t>(cum))));
    EXPECT_EQ(t.has_gaps(), !got.empty());
    if (!got.empty()) {
      EXPECT_TRUE(t.sack_due());
      EXPECT_GT(t.ring_bits(), static_cast<std::size_t>(*got.rbegin() - cum));
    } else {
      EXPECT_EQ(t.ring_bits(), 0u);
    }
    if (t.sack_due() || rng() % 3 == 0) {
      const wire::SackChunk s = t.make_sack(1, 65535);
      std::vector<GapAckBlock> expect;
      for (std::int64_t o : got) {
        const auto rel = static_cast<std::uint16_t>(o - cum);
        if (!expect.empty() && expect.back().end + 1 == rel) {
          expect.back().end = rel;
        } else {
          expect.push_back({rel, rel});
        }
      }
      ASSERT_EQ(s.gap_ack_blocks, expect) << "round " << round;
    }
  }
}

TEST(DataTrackerTest, MatchesReferenceModelUnderRandomArrival) {
  run_reference_model(12345, 0, 0, 0);
}

TEST(DataTrackerTest, MatchesReferenceModelWhileTheRingGrowsAndGoes) {
  run_reference_model(777, 25, 20000, 40);
  run_reference_model(4242, 200, 65535, 0);
}

}  // namespace
}  // namespace sctps::core
