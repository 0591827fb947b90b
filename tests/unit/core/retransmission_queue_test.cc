#include "core/tx/retransmission_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/random.h"

namespace sctps::core {
namespace {

const TimePoint kT0 = kTimeZero + sec(100);

// One complete message of `size` bytes (one fragment), or fragment `index` of a message.
DataToSend fragment(std::uint64_t id, std::size_t size, bool beginning = true, bool ending = true) {
  DataToSend d;
  d.stream = StreamId(1);
  d.ssn = Ssn(static_cast<std::uint16_t>(id));
  d.ppid = Ppid(51);
  d.beginning = beginning;
  d.ending = ending;
  auto buf = std::make_shared<std::vector<std::uint8_t>>(size);
  for (std::size_t i = 0; i < size; ++i) (*buf)[i] = static_cast<std::uint8_t>(id + i);
  d.message = buf;
  d.offset = 0;
  d.length = size;
  d.message_id = id;
  return d;
}

wire::SackChunk sack(std::uint32_t cum, std::vector<wire::GapAckBlock> gaps = {},
                     std::uint32_t a_rwnd = 100000) {
  wire::SackChunk s;
  s.cumulative_tsn_ack = Tsn(cum);
  s.a_rwnd = a_rwnd;
  s.gap_ack_blocks = std::move(gaps);
  return s;
}

// Sends `n` single-chunk messages of `size` bytes with ids 1..n on `path`.
void send_n(RetransmissionQueue& q, int n, std::size_t size = 100, std::size_t path = 0,
            TimePoint now = kT0) {
  for (int i = 1; i <= n; ++i) q.add_sent(fragment(static_cast<std::uint64_t>(i), size), path, now);
}

TEST(RetransmissionQueue, AssignsConsecutiveTsnsAndCountsFlight) {
  RetransmissionQueue q(Tsn(1000));
  EXPECT_EQ(q.highest_sent(), Tsn(999));
  EXPECT_EQ(q.cumulative_ack(), Tsn(999));
  EXPECT_EQ(q.add_sent(fragment(1, 100), 0, kT0), Tsn(1000));
  EXPECT_EQ(q.add_sent(fragment(2, 50), 1, kT0), Tsn(1001));
  EXPECT_EQ(q.highest_sent(), Tsn(1001));
  EXPECT_EQ(q.outstanding_bytes(), 150u);
  EXPECT_EQ(q.outstanding_bytes(0), 100u);
  EXPECT_EQ(q.outstanding_bytes(1), 50u);
  EXPECT_EQ(q.outstanding_bytes(7), 0u);
  EXPECT_TRUE(q.has_outstanding(1));
  EXPECT_FALSE(q.has_outstanding(2));
  EXPECT_FALSE(q.empty());
}

TEST(RetransmissionQueue, ChunkForPointsIntoTheMessage) {
  RetransmissionQueue q(Tsn(7));
  DataToSend d = fragment(9, 20, true, false);
  d.unordered = true;
  const auto* raw = d.message->data();
  const Tsn tsn = q.add_sent(d, 0, kT0);
  auto c = q.chunk_for(tsn);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tsn, Tsn(7));
  EXPECT_EQ(c->stream_id, StreamId(1));
  EXPECT_EQ(c->ssn, Ssn(9));
  EXPECT_EQ(c->ppid, Ppid(51));
  EXPECT_TRUE(c->unordered);
  EXPECT_TRUE(c->beginning);
  EXPECT_FALSE(c->ending);
  EXPECT_EQ(c->payload.data(), raw);
  EXPECT_EQ(c->payload.size(), 20u);
  EXPECT_FALSE(q.chunk_for(Tsn(8)));
  EXPECT_FALSE(q.chunk_for(Tsn(6)));
}

TEST(RetransmissionQueue, CumulativeAckRemovesAndReports) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100, true, false), 0, kT0);
  q.add_sent(fragment(1, 100, false, true), 0, kT0);
  q.add_sent(fragment(2, 100), 1, kT0);
  auto r = q.handle_sack(sack(2), kT0 + ms(10));
  EXPECT_TRUE(r.accepted);
  EXPECT_FALSE(r.stale);
  EXPECT_EQ(r.reject_reason, nullptr);
  EXPECT_TRUE(r.cumulative_advanced);
  EXPECT_EQ(r.bytes_newly_acked, 200u);
  ASSERT_EQ(r.acked_bytes_per_path.size(), 1u);
  EXPECT_EQ(r.acked_bytes_per_path[0], (std::pair<std::size_t, std::size_t>{0, 200}));
  EXPECT_EQ(r.completed_message_ids, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(q.cumulative_ack(), Tsn(2));
  EXPECT_EQ(q.outstanding_bytes(), 100u);
  EXPECT_FALSE(q.has_outstanding(0));
  EXPECT_TRUE(q.has_outstanding(1));
  EXPECT_EQ(r.peer_rwnd, 100000u - 100u);

  r = q.handle_sack(sack(3), kT0 + ms(20));
  EXPECT_EQ(r.completed_message_ids, (std::vector<std::uint64_t>{2}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.outstanding_bytes(), 0u);
}

TEST(RetransmissionQueue, GapAckedBytesCountOnce) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 4);
  auto r = q.handle_sack(sack(1, {{2, 3}}), kT0);  // acks 1, 3, 4; 2 missing
  EXPECT_EQ(r.bytes_newly_acked, 300u);
  EXPECT_EQ(q.outstanding_bytes(), 100u);
  EXPECT_TRUE(r.completed_message_ids == std::vector<std::uint64_t>{1});
  r = q.handle_sack(sack(4), kT0);
  EXPECT_EQ(r.bytes_newly_acked, 100u);  // only TSN 2 is new
  EXPECT_EQ(r.completed_message_ids, (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_TRUE(q.empty());
}

TEST(RetransmissionQueue, DuplicateSackChangesNothing) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 4);
  q.handle_sack(sack(1, {{2, 2}}), kT0);
  auto r = q.handle_sack(sack(1, {{2, 2}}), kT0);
  EXPECT_TRUE(r.accepted);
  EXPECT_FALSE(r.cumulative_advanced);
  EXPECT_EQ(r.bytes_newly_acked, 0u);
  EXPECT_TRUE(r.acked_bytes_per_path.empty());
  EXPECT_EQ(q.outstanding_bytes(), 200u);
}

TEST(RetransmissionQueue, OldReorderedSackIsIgnored) {
  RetransmissionQueue q(Tsn(1));
  q.set_peer_rwnd(50000);
  send_n(q, 4);
  q.handle_sack(sack(3, {}, 9000), kT0);
  EXPECT_EQ(q.peer_rwnd(), 9000u - 100u);
  auto r = q.handle_sack(sack(2, {{2, 2}}, 1), kT0);
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.stale);
  EXPECT_EQ(r.reject_reason, nullptr);
  EXPECT_EQ(q.cumulative_ack(), Tsn(3));
  EXPECT_EQ(q.peer_rwnd(), 8900u);  // the old a_rwnd is not applied
  EXPECT_EQ(q.outstanding_bytes(), 100u);
}

TEST(RetransmissionQueue, CumAckBeyondHighestSentIsRejected) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 3);
  auto r = q.handle_sack(sack(4), kT0);
  EXPECT_FALSE(r.accepted);
  EXPECT_FALSE(r.stale);
  ASSERT_NE(r.reject_reason, nullptr);
  EXPECT_EQ(q.cumulative_ack(), Tsn(0));
  EXPECT_EQ(q.outstanding_bytes(), 300u);
}

TEST(RetransmissionQueue, SackBeforeAnythingSentIsRejected) {
  RetransmissionQueue q(Tsn(1));
  EXPECT_TRUE(q.handle_sack(sack(0), kT0).accepted);  // acks nothing new: harmless
  auto r = q.handle_sack(sack(1), kT0);
  EXPECT_FALSE(r.accepted);
  EXPECT_NE(r.reject_reason, nullptr);
}

TEST(RetransmissionQueue, GapBeyondHighestSentIsRejectedWithoutTouchingState) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 3);
  // TSNs 1..3 sent; a block reaching TSN 4 and one reaching far beyond (65535 above the cum ack:
  // the index-out-of-range pattern) are both refused, even alongside a valid block.
  auto r = q.handle_sack(sack(1, {{1, 1}, {2, 3}}), kT0);
  EXPECT_FALSE(r.accepted);
  EXPECT_NE(r.reject_reason, nullptr);
  r = q.handle_sack(sack(1, {{65535, 65535}}), kT0);
  EXPECT_FALSE(r.accepted);
  r = q.handle_sack(sack(0, {{1, 65535}}), kT0);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(q.cumulative_ack(), Tsn(0));
  EXPECT_EQ(q.outstanding_bytes(), 300u);
  // A valid one still works afterwards.
  EXPECT_TRUE(q.handle_sack(sack(1, {{2, 2}}), kT0).accepted);
  EXPECT_EQ(q.outstanding_bytes(), 100u);
}

TEST(RetransmissionQueue, GapWithStartAfterEndIsRejected) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 5);
  auto r = q.handle_sack(sack(1, {{3, 2}}), kT0);
  EXPECT_FALSE(r.accepted);
  EXPECT_NE(r.reject_reason, nullptr);
  EXPECT_EQ(q.outstanding_bytes(), 500u);
}

TEST(RetransmissionQueue, UnsortedOverlappingAndZeroStartGapsAreUnderstood) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 10);
  // cum 1; blocks (any order, overlapping): TSNs 6-7, 3-5, 4-4, and 0-0 (the cum ack itself).
  auto r = q.handle_sack(sack(1, {{5, 6}, {2, 4}, {3, 3}, {0, 0}}), kT0);
  ASSERT_TRUE(r.accepted);
  EXPECT_EQ(r.bytes_newly_acked, 100u + 500u);  // TSN 1 and 3..7
  EXPECT_EQ(q.outstanding_bytes(), 400u);       // 2, 8, 9, 10
}

TEST(RetransmissionQueue, SackAfterDrainDoesNotIndexMissingEntries) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 5);
  auto drained = q.drain_unacked();
  EXPECT_EQ(drained.size(), 5u);
  EXPECT_TRUE(q.empty());
  // TSNs 1..5 were sent, so these are valid by the window but nothing is held any more.
  auto r = q.handle_sack(sack(2, {{2, 3}}), kT0);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.bytes_newly_acked, 0u);
  EXPECT_EQ(q.cumulative_ack(), Tsn(2));
  EXPECT_FALSE(q.chunk_for(Tsn(4)));
  EXPECT_EQ(q.add_sent(fragment(6, 10), 0, kT0), Tsn(6));
  r = q.handle_sack(sack(6), kT0);
  EXPECT_EQ(r.bytes_newly_acked, 10u);
  EXPECT_TRUE(q.empty());
}

TEST(RetransmissionQueue, TsnWrapAround) {
  RetransmissionQueue q(Tsn(0xFFFFFFFE));
  EXPECT_EQ(q.add_sent(fragment(1, 100), 0, kT0), Tsn(0xFFFFFFFE));
  EXPECT_EQ(q.add_sent(fragment(2, 100), 0, kT0), Tsn(0xFFFFFFFF));
  EXPECT_EQ(q.add_sent(fragment(3, 100), 0, kT0), Tsn(0));
  EXPECT_EQ(q.add_sent(fragment(4, 100), 0, kT0), Tsn(1));
  EXPECT_EQ(q.highest_sent(), Tsn(1));
  // Old SACK from before the first chunk.
  EXPECT_TRUE(q.handle_sack(sack(0xFFFFFFFD), kT0).accepted);
  auto r = q.handle_sack(sack(0xFFFFFFFF, {{2, 2}}), kT0);  // acks FFFFFFFE, FFFFFFFF, 1
  ASSERT_TRUE(r.accepted);
  EXPECT_EQ(r.bytes_newly_acked, 300u);
  EXPECT_EQ(q.cumulative_ack(), Tsn(0xFFFFFFFF));
  EXPECT_FALSE(q.handle_sack(sack(0xFFFFFFFF, {{3, 3}}), kT0).accepted);  // TSN 2 never sent
  EXPECT_FALSE(q.handle_sack(sack(2), kT0).accepted);
  EXPECT_TRUE(q.handle_sack(sack(0xFFFFFFFE), kT0).stale);
  r = q.handle_sack(sack(1), kT0);
  EXPECT_EQ(r.bytes_newly_acked, 100u);
  EXPECT_EQ(r.completed_message_ids, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(q.cumulative_ack(), Tsn(1));
  EXPECT_TRUE(q.empty());
}

TEST(RetransmissionQueue, FastRetransmitAfterExactlyThreeMissIndications) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 6);
  auto r = q.handle_sack(sack(1, {{2, 2}}), kT0);  // TSN 2 missing: 1
  EXPECT_FALSE(q.has_fast_retransmissions());
  r = q.handle_sack(sack(1, {{2, 3}}), kT0);  // 2
  EXPECT_FALSE(q.has_fast_retransmissions());
  EXPECT_FALSE(r.enter_fast_recovery);
  r = q.handle_sack(sack(1, {{2, 4}}), kT0);  // 3
  EXPECT_TRUE(q.has_fast_retransmissions());
  EXPECT_TRUE(q.has_retransmissions());
  EXPECT_TRUE(r.enter_fast_recovery);
  EXPECT_EQ(r.fast_recovery_path, 0u);
  EXPECT_TRUE(q.in_fast_recovery());
  EXPECT_TRUE(q.fast_retransmit_ignores_cwnd());
  // Marked chunk left the flight: 2 marked, 6 in flight.
  EXPECT_EQ(q.outstanding_bytes(), 100u);
  auto chunks = q.take_retransmissions(1200, 0, kT0 + ms(1));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(2));
  EXPECT_FALSE(q.has_retransmissions());
  EXPECT_FALSE(q.fast_retransmit_ignores_cwnd());
  EXPECT_EQ(q.outstanding_bytes(), 200u);
}

TEST(RetransmissionQueue, HtnaDuplicateSacksDoNotCountMisses) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 6);
  q.handle_sack(sack(1, {{2, 2}}), kT0);
  // Same SACK again and again: nothing newly acked, so no new miss indication for TSN 2.
  for (int i = 0; i < 5; ++i) q.handle_sack(sack(1, {{2, 2}}), kT0);
  EXPECT_FALSE(q.has_fast_retransmissions());
  q.handle_sack(sack(1, {{2, 3}}), kT0);
  EXPECT_FALSE(q.has_fast_retransmissions());
  q.handle_sack(sack(1, {{2, 4}}), kT0);
  EXPECT_TRUE(q.has_fast_retransmissions());
}

TEST(RetransmissionQueue, HtnaDoesNotCountHolesAboveHighestNewlyAcked) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 8);
  // TSN 2 and 4 missing; 3 and 5 acked in the first SACK.
  q.handle_sack(sack(1, {{2, 2}, {4, 4}}), kT0);          // 2: 1, 4: 1
  q.handle_sack(sack(1, {{2, 2}, {4, 4}, {6, 6}}), kT0);  // newly 7: 2: 2, 4: 2, 6: 1
  // Newly acked only TSN 3? No: newly acked TSN 6 (offset 5). Holes below 6: 2, 4. Now 3 each.
  auto r = q.handle_sack(sack(1, {{2, 2}, {4, 5}, {6, 6}}), kT0);
  EXPECT_TRUE(r.enter_fast_recovery);
  auto chunks = q.take_retransmissions(100000, 0, kT0);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].tsn, Tsn(2));
  EXPECT_EQ(chunks[1].tsn, Tsn(4));
  // TSN 8 was above every newly acked TSN: never counted.
  EXPECT_EQ(q.outstanding_bytes(), 300u);  // 2, 4 resent + 8
}

TEST(RetransmissionQueue, FastRecoveryIsEnteredOnceAndExitedAtExitPoint) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 10);
  q.handle_sack(sack(1, {{2, 2}}), kT0);
  q.handle_sack(sack(1, {{2, 3}}), kT0);
  auto r = q.handle_sack(sack(1, {{2, 4}}), kT0);
  ASSERT_TRUE(r.enter_fast_recovery);  // exit point: TSN 10
  q.take_retransmissions(1200, 0, kT0);
  // Now TSN 6 goes missing and collects 3 miss indications while in fast recovery.
  q.handle_sack(sack(1, {{2, 4}, {6, 6}}), kT0);      // newly 7: 6 gets 1
  q.handle_sack(sack(1, {{2, 4}, {6, 7}}), kT0);      // 2
  r = q.handle_sack(sack(1, {{2, 4}, {6, 8}}), kT0);  // 3
  EXPECT_FALSE(r.enter_fast_recovery);
  EXPECT_TRUE(q.has_fast_retransmissions());
  EXPECT_FALSE(q.fast_retransmit_ignores_cwnd());  // only the first packet of recovery may
  auto chunks = q.take_retransmissions(1200, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(6));
  // Cum ack reaches 9 < 10: still in recovery.
  q.handle_sack(sack(9), kT0);
  EXPECT_TRUE(q.in_fast_recovery());
  send_n(q, 6);  // TSNs 11..16 (message ids reused: irrelevant here)
  r = q.handle_sack(sack(10), kT0);
  EXPECT_FALSE(q.in_fast_recovery());
  // A new loss now enters recovery again.
  q.handle_sack(sack(10, {{2, 2}}), kT0);
  q.handle_sack(sack(10, {{2, 3}}), kT0);
  r = q.handle_sack(sack(10, {{2, 4}}), kT0);
  EXPECT_TRUE(r.enter_fast_recovery);
}

TEST(RetransmissionQueue, OutsideFastRecoveryCumAdvanceAloneCountsNoMiss) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 6);
  q.handle_sack(sack(0, {{2, 2}, {4, 4}}), kT0);  // TSN 2, 4 acked: 1 and 3 get 1 miss
  q.handle_sack(sack(0, {{2, 2}, {4, 5}}), kT0);  // TSN 5 newly: 1 and 3 get 2
  // TSN 1 arrives: the cum ack moves to 2, nothing above hole 3 is newly acked (HTNA: no count).
  auto r = q.handle_sack(sack(2, {{2, 3}}), kT0);
  EXPECT_TRUE(r.cumulative_advanced);
  EXPECT_FALSE(q.has_fast_retransmissions());
  r = q.handle_sack(sack(2, {{2, 4}}), kT0);  // TSN 6 newly: 3 gets its third
  EXPECT_TRUE(r.enter_fast_recovery);
  auto chunks = q.take_retransmissions(1200, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(3));
}

TEST(RetransmissionQueue, InFastRecoveryCumAdvanceWithoutNewGapAcksStillCountsHoles) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 12);
  // Lose TSN 1 and TSN 5.
  q.handle_sack(sack(0, {{2, 2}}), kT0);
  q.handle_sack(sack(0, {{2, 3}}), kT0);
  ASSERT_TRUE(q.handle_sack(sack(0, {{2, 4}, {6, 6}}), kT0).enter_fast_recovery);  // 1: 3 misses
  // TSN 5 has 1 miss (below newly acked 6).
  q.take_retransmissions(1200, 0, kT0);
  // The retransmitted TSN 1 arrives: cum ack 4, TSN 5 missing, 6 acked earlier. Nothing above
  // the hole is newly acked, so HTNA alone would not count; in recovery with cum advancing, it
  // does.
  q.handle_sack(sack(4, {{2, 2}}), kT0);  // 5: 2
  EXPECT_FALSE(q.has_fast_retransmissions());
  q.handle_sack(sack(4, {{2, 3}}), kT0);  // newly 7: 5: 3 (plain HTNA)
  EXPECT_TRUE(q.has_fast_retransmissions());
  auto chunks = q.take_retransmissions(1200, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(5));
}

TEST(RetransmissionQueue, ChunkIsFastRetransmittedOnlyOnce) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 10);
  q.handle_sack(sack(1, {{2, 2}}), kT0);
  q.handle_sack(sack(1, {{2, 3}}), kT0);
  q.handle_sack(sack(1, {{2, 4}}), kT0);
  ASSERT_EQ(q.take_retransmissions(1200, 0, kT0).size(), 1u);
  // The retransmission is lost too: more miss indications do not mark it again.
  for (int end = 5; end <= 9; ++end) {
    q.handle_sack(sack(1, {{2, static_cast<std::uint16_t>(end)}}), kT0);
  }
  EXPECT_FALSE(q.has_retransmissions());
  // Only T3 recovers it.
  EXPECT_EQ(q.on_t3_expired(0), 1u);
  auto chunks = q.take_retransmissions(1200, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(2));
}

TEST(RetransmissionQueue, FastRetransmissionIsOnePacketThenRestWaitForCwnd) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 20);
  // TSNs 1..5 lost; 6.. acked progressively.
  q.handle_sack(sack(0, {{6, 6}}), kT0);
  q.handle_sack(sack(0, {{6, 7}}), kT0);
  auto r = q.handle_sack(sack(0, {{6, 8}}), kT0);
  ASSERT_TRUE(r.enter_fast_recovery);
  EXPECT_TRUE(q.fast_retransmit_ignores_cwnd());
  // A packet with room for 3 chunks of 100 bytes (116 each).
  auto chunks = q.take_retransmissions(3 * 116 + 50, 0, kT0);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].tsn, Tsn(1));
  EXPECT_EQ(chunks[2].tsn, Tsn(3));
  EXPECT_FALSE(q.fast_retransmit_ignores_cwnd());
  EXPECT_FALSE(q.has_fast_retransmissions());
  EXPECT_TRUE(q.has_retransmissions());  // 4, 5 wait, marked like after T3
  chunks = q.take_retransmissions(115, 0, kT0);
  EXPECT_TRUE(chunks.empty());  // budget too small for one chunk
  chunks = q.take_retransmissions(10000, 0, kT0);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].tsn, Tsn(4));
  EXPECT_FALSE(q.has_retransmissions());
}

TEST(RetransmissionQueue, FastRetransmissionsGoBeforeT3Retransmissions) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100), 1, kT0);  // TSN 1 on path 1
  send_n(q, 8, 100, 0);                  // TSNs 2..9 on path 0
  q.on_t3_expired(1);                    // TSN 1 marked, not fast
  q.handle_sack(sack(0, {{3, 3}}), kT0);
  q.handle_sack(sack(0, {{3, 4}}), kT0);
  auto r = q.handle_sack(sack(0, {{3, 5}}), kT0);  // TSN 2 (path 0): 3 misses
  ASSERT_TRUE(r.enter_fast_recovery);
  EXPECT_EQ(r.fast_recovery_path, 0u);
  auto chunks = q.take_retransmissions(10000, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);  // the fast one alone
  EXPECT_EQ(chunks[0].tsn, Tsn(2));
  chunks = q.take_retransmissions(10000, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(1));
}

TEST(RetransmissionQueue, T3MarksEverythingInFlightOnThatPathOnly) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100), 0, kT0);
  q.add_sent(fragment(2, 100), 1, kT0);
  q.add_sent(fragment(3, 100), 0, kT0);
  q.add_sent(fragment(4, 100), 0, kT0);
  q.handle_sack(sack(0, {{3, 3}}), kT0);  // TSN 3 gap acked
  EXPECT_EQ(q.outstanding_bytes(0), 200u);
  EXPECT_EQ(q.on_t3_expired(0), 2u);  // 1 and 4
  EXPECT_EQ(q.outstanding_bytes(0), 0u);
  EXPECT_FALSE(q.has_outstanding(0));
  EXPECT_EQ(q.outstanding_bytes(1), 100u);
  EXPECT_TRUE(q.has_retransmissions());
  EXPECT_FALSE(q.has_fast_retransmissions());
  auto chunks = q.take_retransmissions(10000, 1, kT0 + sec(1));  // to the alternate path
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].tsn, Tsn(1));
  EXPECT_EQ(chunks[1].tsn, Tsn(4));
  EXPECT_EQ(q.outstanding_bytes(1), 300u);
  EXPECT_EQ(q.outstanding_bytes(0), 0u);
  // A second T3 on path 0 finds nothing.
  EXPECT_EQ(q.on_t3_expired(0), 0u);
}

TEST(RetransmissionQueue, AckOfChunkMarkedForRetransmissionClearsTheMark) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 2);
  q.on_t3_expired(0);
  auto r = q.handle_sack(sack(2), kT0);
  EXPECT_EQ(r.bytes_newly_acked, 200u);
  EXPECT_FALSE(q.has_retransmissions());
  EXPECT_TRUE(q.take_retransmissions(10000, 0, kT0).empty());
  EXPECT_TRUE(q.empty());
}

TEST(RetransmissionQueue, RttSampleFromTimedChunkSentOnce) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100), 0, kT0);           // timed on path 0
  q.add_sent(fragment(2, 100), 0, kT0 + ms(10));  // not timed: one measurement per round trip
  auto r = q.handle_sack(sack(1), kT0 + ms(50));
  ASSERT_TRUE(r.rtt_sample);
  EXPECT_EQ(r.rtt_sample->first, 0u);
  EXPECT_EQ(r.rtt_sample->second, ms(50));
  r = q.handle_sack(sack(2), kT0 + ms(70));
  EXPECT_FALSE(r.rtt_sample);
  // The next chunk sent is timed again; a sample through a gap block counts too.
  q.add_sent(fragment(3, 100), 0, kT0 + ms(100));
  q.add_sent(fragment(4, 100), 0, kT0 + ms(100));
  r = q.handle_sack(sack(2, {{2, 2}}), kT0 + ms(130));
  EXPECT_FALSE(r.rtt_sample);  // TSN 4 was not the timed one
  r = q.handle_sack(sack(4), kT0 + ms(140));
  ASSERT_TRUE(r.rtt_sample);
  EXPECT_EQ(r.rtt_sample->second, ms(40));
}

TEST(RetransmissionQueue, KarnNoSampleFromRetransmittedChunk) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100), 0, kT0);
  q.on_t3_expired(0);
  ASSERT_EQ(q.take_retransmissions(10000, 0, kT0 + sec(1)).size(), 1u);
  auto r = q.handle_sack(sack(1), kT0 + sec(1) + ms(20));
  EXPECT_FALSE(r.rtt_sample);
  EXPECT_EQ(r.bytes_newly_acked, 100u);
  // Timing starts again with the next new chunk.
  q.add_sent(fragment(2, 100), 0, kT0 + sec(2));
  r = q.handle_sack(sack(2), kT0 + sec(2) + ms(30));
  ASSERT_TRUE(r.rtt_sample);
  EXPECT_EQ(r.rtt_sample->second, ms(30));
}

TEST(RetransmissionQueue, RttSamplePerPath) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100), 0, kT0);
  q.add_sent(fragment(2, 100), 1, kT0 + ms(5));
  auto r = q.handle_sack(sack(0, {{2, 2}}), kT0 + ms(25));
  ASSERT_TRUE(r.rtt_sample);
  EXPECT_EQ(r.rtt_sample->first, 1u);
  EXPECT_EQ(r.rtt_sample->second, ms(20));
  ASSERT_EQ(r.acked_bytes_per_path.size(), 1u);
  EXPECT_EQ(r.acked_bytes_per_path[0].first, 1u);
}

TEST(RetransmissionQueue, AckedBytesPerPath) {
  RetransmissionQueue q(Tsn(1));
  q.add_sent(fragment(1, 100), 0, kT0);
  q.add_sent(fragment(2, 40), 1, kT0);
  q.add_sent(fragment(3, 60), 0, kT0);
  auto r = q.handle_sack(sack(3), kT0);
  EXPECT_EQ(r.bytes_newly_acked, 200u);
  ASSERT_EQ(r.acked_bytes_per_path.size(), 2u);
  EXPECT_EQ(r.acked_bytes_per_path[0], (std::pair<std::size_t, std::size_t>{0, 160}));
  EXPECT_EQ(r.acked_bytes_per_path[1], (std::pair<std::size_t, std::size_t>{1, 40}));
}

TEST(RetransmissionQueue, PeerRwndTracking) {
  RetransmissionQueue q(Tsn(1));
  q.set_peer_rwnd(1000);
  send_n(q, 3, 300);
  EXPECT_EQ(q.peer_rwnd(), 100u);  // §6.2.1 B
  q.add_sent(fragment(4, 300), 0, kT0);
  EXPECT_EQ(q.peer_rwnd(), 0u);  // saturates
  auto r = q.handle_sack(sack(1, {}, 2000), kT0);
  EXPECT_EQ(r.peer_rwnd, 2000u - 900u);  // §6.2.1 D ii: a_rwnd - outstanding
  EXPECT_EQ(q.peer_rwnd(), 1100u);
  q.on_t3_expired(0);
  EXPECT_EQ(q.peer_rwnd(), 2000u);  // §6.2.1 C: marked bytes come back
  q.take_retransmissions(10000, 0, kT0);
  EXPECT_EQ(q.peer_rwnd(), 1100u);
  r = q.handle_sack(sack(1, {}, 500), kT0);
  EXPECT_EQ(r.peer_rwnd, 0u);
}

TEST(RetransmissionQueue, RenegedChunksAreOutstandingAgain) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 5);
  q.handle_sack(sack(1, {{2, 4}}), kT0);  // 3, 4, 5 gap acked
  EXPECT_EQ(q.outstanding_bytes(), 100u);
  auto r = q.handle_sack(sack(1, {{2, 2}}), kT0);  // 4, 5 reneged
  ASSERT_TRUE(r.accepted);
  EXPECT_EQ(r.bytes_reneged, 200u);
  EXPECT_EQ(r.bytes_newly_acked, 0u);
  EXPECT_EQ(q.outstanding_bytes(), 300u);
  // Acked again later: counted as newly acked once more (they had left the flight).
  r = q.handle_sack(sack(1, {{2, 4}}), kT0);
  EXPECT_EQ(r.bytes_newly_acked, 200u);
  EXPECT_EQ(q.outstanding_bytes(), 100u);
  // Renege of everything above the cum ack, then T3 retransmits them.
  r = q.handle_sack(sack(1, {}, 100000), kT0);
  EXPECT_EQ(r.bytes_reneged, 300u);
  EXPECT_EQ(q.on_t3_expired(0), 4u);
}

TEST(RetransmissionQueue, RenegeCountsOneMissIndication) {
  RetransmissionQueue q(Tsn(1));
  send_n(q, 6);
  q.handle_sack(sack(0, {{2, 2}}), kT0);  // 1: 1 miss
  q.handle_sack(sack(0, {{2, 3}}), kT0);  // 1: 2 misses
  q.handle_sack(sack(0, {{2, 2}}), kT0);  // TSN 3 reneged: 1 miss for it; 1 unchanged
  EXPECT_FALSE(q.has_fast_retransmissions());
  auto r = q.handle_sack(sack(0, {{2, 2}, {5, 5}}), kT0);  // newly 5: 1 -> 3, 3 -> 2, 4 -> 1
  EXPECT_TRUE(r.enter_fast_recovery);
  auto chunks = q.take_retransmissions(1200, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(1));
  r = q.handle_sack(sack(0, {{2, 2}, {5, 6}}), kT0);  // newly 6: 3 -> 3
  EXPECT_TRUE(q.has_fast_retransmissions());
  chunks = q.take_retransmissions(1200, 0, kT0);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(3));
}

TEST(RetransmissionQueue, DrainReportsEachMessageOnceWithPayload) {
  RetransmissionQueue q(Tsn(1));
  auto msg = std::make_shared<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{1, 2, 3, 4});
  for (std::size_t i = 0; i < 4; ++i) {
    DataToSend d = fragment(7, 1, i == 0, i == 3);
    d.message = msg;
    d.offset = i;
    q.add_sent(d, 0, kT0);
  }
  q.add_sent(fragment(8, 10), 1, kT0);
  q.add_sent(fragment(9, 10), 1, kT0);
  q.handle_sack(sack(1, {{4, 4}}), kT0);  // first fragment of 7 acked, message 8 gap acked
  auto all = q.drain_unacked();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].message_id, 7u);
  EXPECT_EQ(all[0].payload, (std::vector<std::uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(all[0].stream, StreamId(1));
  EXPECT_EQ(all[0].ppid, Ppid(51));
  EXPECT_EQ(all[1].message_id, 8u);
  EXPECT_EQ(all[2].message_id, 9u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.outstanding_bytes(), 0u);
  EXPECT_FALSE(q.has_outstanding(1));
  EXPECT_FALSE(q.has_retransmissions());
  EXPECT_EQ(q.next_tsn(), Tsn(7));
}

// A lossy receiver model (20 % loss, occasional renege) plus random garbage SACKs, against random
// sending, T3 expiries and retransmissions: never crashes, and the accounting stays consistent.
TEST(RetransmissionQueue, RandomTrafficKeepsAccountingConsistent) {
  constexpr std::uint32_t kInit = 0xFFFFFF00;  // crosses the 2^32 wrap
  SeededRandom rnd(12345);
  RetransmissionQueue q{Tsn{kInit}};
  q.set_peer_rwnd(1 << 20);
  TimePoint now = kT0;
  std::uint64_t id = 0;
  std::set<std::uint32_t> received;  // offsets from kInit received above the receiver's cum
  std::uint32_t next_expected = 0;   // offsets below are all received
  auto deliver = [&](Tsn tsn) {
    if (rnd.uniform(10) < 2) return;  // lost
    const std::uint32_t off = tsn.value() - kInit;
    if (off >= next_expected) received.insert(off);
    while (received.erase(next_expected) != 0) ++next_expected;
  };
  int accepted = 0;
  int rejected = 0;
  int recoveries = 0;
  for (int step = 0; step < 10000; ++step) {
    now += ms(1);
    const std::uint32_t action = rnd.uniform(20);
    if (action < 8) {
      deliver(q.add_sent(fragment(++id, 1 + rnd.uniform(300)), rnd.uniform(3), now));
    } else if (action < 15) {
      wire::SackChunk s;
      s.cumulative_tsn_ack = Tsn(kInit + next_expected - 1);
      s.a_rwnd = rnd.uniform(1 << 20);
      std::optional<wire::GapAckBlock> run;
      for (const std::uint32_t off : received) {
        const auto rel = static_cast<std::uint16_t>(off - (next_expected - 1));
        if (run && run->end + 1 == rel) {
          run->end = rel;
        } else {
          if (run) s.gap_ack_blocks.push_back(*run);
          run = wire::GapAckBlock{rel, rel};
        }
      }
      if (run) s.gap_ack_blocks.push_back(*run);
      auto r = q.handle_sack(s, now);
      ASSERT_TRUE(r.accepted);
      ++accepted;
      if (r.enter_fast_recovery) ++recoveries;
      ASSERT_EQ(r.peer_rwnd, q.peer_rwnd());
    } else if (action == 15) {
      // Invalid or stale SACKs of each kind, which must change nothing.
      const std::uint32_t cum = q.cumulative_ack().value();
      const std::uint32_t span = q.highest_sent().value() - cum;  // TSNs sent above the cum
      wire::SackChunk s;
      s.a_rwnd = rnd.next_u32();
      s.cumulative_tsn_ack = Tsn(cum);
      ASSERT_LT(span, 60000u);  // the model keeps the window small
      const auto far = static_cast<std::uint16_t>(span + 1 + rnd.uniform(65535 - span));
      switch (rnd.uniform(4)) {
        case 0: s.cumulative_tsn_ack = Tsn(cum + span + 1 + rnd.uniform(1000)); break;
        case 1: s.cumulative_tsn_ack = Tsn(cum - 1 - rnd.uniform(1000)); break;
        case 2: s.gap_ack_blocks.push_back({1, far}); break;
        default: s.gap_ack_blocks.push_back({far, static_cast<std::uint16_t>(far - 1)}); break;
      }
      const std::size_t before = q.outstanding_bytes();
      const std::uint32_t rwnd_before = q.peer_rwnd();
      auto r = q.handle_sack(s, now);
      ASSERT_FALSE(r.accepted);
      ASSERT_TRUE(r.stale || r.reject_reason != nullptr);
      ASSERT_EQ(q.outstanding_bytes(), before);
      ASSERT_EQ(q.peer_rwnd(), rwnd_before);
      ASSERT_EQ(q.cumulative_ack(), Tsn(cum));
      ++rejected;
    } else if (action == 16) {
      if (rnd.uniform(10) == 0) received.clear();  // the receiver reneges
    } else if (action == 17) {
      q.on_t3_expired(rnd.uniform(3));
    } else {
      for (const auto& c : q.take_retransmissions(rnd.uniform(2000), rnd.uniform(3), now)) {
        ASSERT_FALSE(c.payload.empty());
        deliver(c.tsn);
      }
    }
    ASSERT_EQ(q.outstanding_bytes(),
              q.outstanding_bytes(0) + q.outstanding_bytes(1) + q.outstanding_bytes(2));
    if (q.empty()) {
      ASSERT_EQ(q.outstanding_bytes(), 0u);
      ASSERT_FALSE(q.has_retransmissions());
    }
  }
  EXPECT_GT(accepted, 2500);
  EXPECT_GT(rejected, 200);
  EXPECT_GT(recoveries, 3);
  q.handle_sack(sack(q.highest_sent().value()), now);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.outstanding_bytes(), 0u);
  EXPECT_FALSE(q.has_retransmissions());
  EXPECT_FALSE(q.has_fast_retransmissions());
  EXPECT_FALSE(q.in_fast_recovery());
}

}  // namespace
}  // namespace sctps::core
