#include "core/rx/reassembly_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace sctps::core {
namespace {

using AddResult = ReassemblyQueue::AddResult;

struct Frag {
  std::uint16_t stream = 0;
  std::uint16_t ssn = 0;
  bool b = true;
  bool e = true;
  bool unordered = false;
  std::uint32_t ppid = 0;
};

wire::DataChunk chunk(const Frag& f, const std::vector<std::uint8_t>& payload) {
  wire::DataChunk c;
  c.stream_id = StreamId(f.stream);
  c.ssn = Ssn(f.ssn);
  c.ppid = Ppid(f.ppid);
  c.beginning = f.b;
  c.ending = f.e;
  c.unordered = f.unordered;
  c.payload = payload;
  return c;
}

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t fill) {
  return std::vector<std::uint8_t>(n, fill);
}

AddResult add(ReassemblyQueue& q, std::uint32_t tsn, const Frag& f,
              const std::vector<std::uint8_t>& payload, bool prot = false) {
  return q.add(Tsn(tsn), chunk(f, payload), prot);
}

// Drains the queue and returns the first payload byte of each message (tests tag messages so).
std::vector<int> drain_tags(ReassemblyQueue& q) {
  std::vector<int> out;
  while (auto m = q.poll_message()) out.push_back(m->payload.empty() ? -1 : m->payload[0]);
  return out;
}

TEST(ReassemblyQueueTest, SingleChunkMessage) {
  ReassemblyQueue q(4);
  EXPECT_EQ(add(q, 1, {.stream = 2, .ssn = 0, .ppid = 51}, {7, 8, 9}), AddResult::kOk);
  EXPECT_EQ(q.buffered_bytes(), 3u);
  auto m = q.poll_message();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->stream, StreamId(2));
  EXPECT_EQ(m->ppid, Ppid(51));
  EXPECT_FALSE(m->unordered);
  EXPECT_EQ(m->payload, (std::vector<std::uint8_t>{7, 8, 9}));
  EXPECT_FALSE(q.poll_message().has_value());
  EXPECT_EQ(q.buffered_bytes(), 0u);
}

TEST(ReassemblyQueueTest, InvalidStream) {
  ReassemblyQueue q(2);
  EXPECT_EQ(add(q, 1, {.stream = 2}, {1}), AddResult::kInvalidStream);
  EXPECT_EQ(add(q, 2, {.stream = 0xFFFF}, {1}), AddResult::kInvalidStream);
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_FALSE(q.has_message());
  ReassemblyQueue none(0);
  EXPECT_EQ(add(none, 1, {.stream = 0}, {1}), AddResult::kInvalidStream);
}

TEST(ReassemblyQueueTest, OrderedWaitsForEarlierSsn) {
  ReassemblyQueue q(2);
  EXPECT_EQ(add(q, 3, {.ssn = 2}, {2}), AddResult::kOk);
  EXPECT_EQ(add(q, 2, {.ssn = 1}, {1}), AddResult::kOk);
  EXPECT_FALSE(q.has_message());
  EXPECT_EQ(q.buffered_bytes(), 2u);
  EXPECT_EQ(add(q, 1, {.ssn = 0}, {0}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{0, 1, 2}));
}

TEST(ReassemblyQueueTest, StreamsAreIndependent) {
  ReassemblyQueue q(2);
  EXPECT_EQ(add(q, 2, {.stream = 0, .ssn = 1}, {1}), AddResult::kOk);
  EXPECT_EQ(add(q, 3, {.stream = 1, .ssn = 0}, {10}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{10}));
  EXPECT_EQ(add(q, 1, {.stream = 0, .ssn = 0}, {0}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{0, 1}));
}

TEST(ReassemblyQueueTest, UnorderedIsDeliveredAsSoonAsComplete) {
  ReassemblyQueue q(1);
  EXPECT_EQ(add(q, 2, {.ssn = 1}, {1}), AddResult::kOk);  // ordered, waits for SSN 0
  EXPECT_EQ(add(q, 3, {.ssn = 9, .unordered = true}, {50}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{50}));
  // Fragments of an unordered message: the SSN field is not looked at.
  EXPECT_EQ(add(q, 5, {.ssn = 4, .b = false, .e = true, .unordered = true}, {61}), AddResult::kOk);
  EXPECT_EQ(add(q, 4, {.ssn = 3, .b = true, .e = false, .unordered = true, .ppid = 7}, {60}),
            AddResult::kOk);
  auto m = q.poll_message();
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->unordered);
  EXPECT_EQ(m->ppid, Ppid(7));
  EXPECT_EQ(m->payload, (std::vector<std::uint8_t>{60, 61}));
  EXPECT_EQ(add(q, 1, {.ssn = 0}, {0}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{0, 1}));
}

TEST(ReassemblyQueueTest, FragmentsInAnyOrder) {
  const std::vector<std::vector<int>> orders = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1},
                                                {1, 3, 0, 2}, {3, 0, 1, 2}, {1, 2, 3, 0}};
  for (const auto& order : orders) {
    ReassemblyQueue q(1);
    for (std::size_t k = 0; k < order.size(); ++k) {
      const int i = order[k];
      const Frag f{.ssn = 0, .b = i == 0, .e = i == 3, .ppid = static_cast<std::uint32_t>(100 + i)};
      const std::vector<std::uint8_t> p(static_cast<std::size_t>(i + 1),
                                        static_cast<std::uint8_t>(i));
      EXPECT_EQ(add(q, 10 + static_cast<std::uint32_t>(i), f, p), AddResult::kOk);
      EXPECT_EQ(q.has_message(), k + 1 == order.size());
    }
    auto m = q.poll_message();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->ppid, Ppid(100));  // from the B fragment
    EXPECT_EQ(m->payload, (std::vector<std::uint8_t>{0, 1, 1, 2, 2, 2, 3, 3, 3, 3}));
    EXPECT_EQ(q.piece_count(), 0u);
    EXPECT_EQ(q.buffered_bytes(), 0u);
  }
}

TEST(ReassemblyQueueTest, BackToBackMessagesDoNotMerge) {
  ReassemblyQueue q(1);
  EXPECT_EQ(add(q, 1, {.ssn = 0, .b = true, .e = false}, {1}), AddResult::kOk);
  EXPECT_EQ(add(q, 3, {.ssn = 1, .b = true, .e = false}, {3}), AddResult::kOk);
  EXPECT_EQ(add(q, 4, {.ssn = 1, .b = false, .e = true}, {4}), AddResult::kOk);
  EXPECT_EQ(add(q, 2, {.ssn = 0, .b = false, .e = true}, {2}), AddResult::kOk);
  auto a = q.poll_message();
  auto b = q.poll_message();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->payload, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(b->payload, (std::vector<std::uint8_t>{3, 4}));
}

TEST(ReassemblyQueueTest, InconsistentNeighboursAreNotJoined) {
  ReassemblyQueue q(2);
  // B on stream 0 followed by an E on stream 1, and by an E with another SSN, and unordered.
  EXPECT_EQ(add(q, 1, {.stream = 0, .ssn = 0, .b = true, .e = false}, {1}), AddResult::kOk);
  EXPECT_EQ(add(q, 2, {.stream = 1, .ssn = 0, .b = false, .e = true}, {2}), AddResult::kOk);
  EXPECT_EQ(add(q, 11, {.ssn = 0, .b = true, .e = false}, {1}), AddResult::kOk);
  EXPECT_EQ(add(q, 12, {.ssn = 5, .b = false, .e = true}, {2}), AddResult::kOk);
  EXPECT_EQ(add(q, 21, {.ssn = 0, .b = true, .e = false}, {1}), AddResult::kOk);
  EXPECT_EQ(add(q, 22, {.ssn = 0, .b = false, .e = true, .unordered = true}, {2}), AddResult::kOk);
  EXPECT_FALSE(q.has_message());
  EXPECT_EQ(q.piece_count(), 6u);
}

TEST(ReassemblyQueueTest, DuplicateTsnIsIgnored) {
  ReassemblyQueue q(1);
  EXPECT_EQ(add(q, 5, {.b = true, .e = false}, {1, 2}), AddResult::kOk);
  EXPECT_EQ(add(q, 5, {.b = true, .e = false}, {1, 2}), AddResult::kDuplicateTsn);
  EXPECT_EQ(q.buffered_bytes(), 2u);
}

TEST(ReassemblyQueueTest, StaleOrRepeatedSsnIsDropped) {
  ReassemblyQueue q(1);
  EXPECT_EQ(add(q, 1, {.ssn = 0}, {0}), AddResult::kOk);
  EXPECT_EQ(add(q, 2, {.ssn = 0}, {0}), AddResult::kStaleSsn);       // already delivered
  EXPECT_EQ(add(q, 3, {.ssn = 0x8001}, {0}), AddResult::kStaleSsn);  // more than half ahead
  EXPECT_EQ(add(q, 4, {.ssn = 5}, {5}), AddResult::kOk);
  EXPECT_EQ(add(q, 5, {.ssn = 5}, {5}), AddResult::kStaleSsn);  // same SSN waiting
  EXPECT_EQ(q.buffered_bytes(), 2u);                            // SSN 0 unpolled + SSN 5
  EXPECT_EQ(drain_tags(q), (std::vector<int>{0}));
  EXPECT_EQ(q.buffered_bytes(), 1u);
}

TEST(ReassemblyQueueTest, SsnWrapsAt16Bits) {
  ReassemblyQueue q(1);
  std::uint32_t tsn = 1;
  for (std::uint32_t s = 0; s < 65534; ++s) {
    ASSERT_EQ(add(q, tsn++, {.ssn = static_cast<std::uint16_t>(s)}, {1}), AddResult::kOk);
    ASSERT_TRUE(q.poll_message().has_value());
  }
  // Next expected: 65534. Arrive as 1, 0, 65535, 65534.
  EXPECT_EQ(add(q, tsn + 3, {.ssn = 1}, {4}), AddResult::kOk);
  EXPECT_EQ(add(q, tsn + 2, {.ssn = 0}, {3}), AddResult::kOk);
  EXPECT_EQ(add(q, tsn + 1, {.ssn = 65535}, {2}), AddResult::kOk);
  EXPECT_FALSE(q.has_message());
  EXPECT_EQ(add(q, tsn, {.ssn = 65534}, {1}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(add(q, tsn + 4, {.ssn = 1}, {9}), AddResult::kStaleSsn);
}

TEST(ReassemblyQueueTest, FragmentsAcrossTsnWrap) {
  ReassemblyQueue q(1);
  EXPECT_EQ(add(q, 1, {.b = false, .e = true}, {3}), AddResult::kOk);
  EXPECT_EQ(add(q, 0xFFFFFFFF, {.b = true, .e = false}, {1}), AddResult::kOk);
  EXPECT_EQ(add(q, 0, {.b = false, .e = false}, {2}), AddResult::kOk);
  auto m = q.poll_message();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->payload, (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(ReassemblyQueueTest, ProtectedOnlyIfEveryFragmentWas) {
  ReassemblyQueue q(1);
  add(q, 1, {.ssn = 0, .b = true, .e = false}, {1}, true);
  add(q, 3, {.ssn = 0, .b = false, .e = true}, {3}, true);
  add(q, 2, {.ssn = 0, .b = false, .e = false}, {2}, false);
  add(q, 4, {.ssn = 1, .b = true, .e = false}, {1}, true);
  add(q, 5, {.ssn = 1, .b = false, .e = true}, {2}, true);
  auto a = q.poll_message();
  auto b = q.poll_message();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->is_protected);
  EXPECT_TRUE(b->is_protected);
}

TEST(ReassemblyQueueTest, MessageTooLarge) {
  ReassemblyQueue q(1, 1000);
  EXPECT_EQ(add(q, 1, {}, bytes(1001, 0)), AddResult::kMessageTooLarge);
  EXPECT_EQ(add(q, 2, {.b = true, .e = false}, bytes(600, 0)), AddResult::kOk);
  EXPECT_EQ(add(q, 3, {.b = false, .e = true}, bytes(400, 0)), AddResult::kOk);  // exactly 1000
  EXPECT_EQ(q.poll_message()->payload.size(), 1000u);
  EXPECT_EQ(add(q, 4, {.ssn = 1, .b = true, .e = false}, bytes(600, 0)), AddResult::kOk);
  EXPECT_EQ(add(q, 6, {.ssn = 1, .b = false, .e = true}, bytes(300, 0)), AddResult::kOk);
  EXPECT_EQ(add(q, 5, {.ssn = 1, .b = false, .e = false}, bytes(200, 0)),
            AddResult::kMessageTooLarge);
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_EQ(q.piece_count(), 0u);
}

TEST(ReassemblyQueueTest, WindowExcludesOnlyTheInOrderPartialMessage) {
  ReassemblyQueue q(2);
  // Message on stream 0, TSN 10..13, 100 bytes each; 10 and 11 arrived -> cum ack 11.
  add(q, 10, {.ssn = 0, .b = true, .e = false}, bytes(100, 0));
  add(q, 11, {.ssn = 0, .b = false, .e = false}, bytes(100, 0));
  EXPECT_EQ(q.buffered_bytes(), 200u);
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(11)), 0u);
  // With an older cum ack the piece has fragments above it: it counts.
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(10)), 200u);
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(9)), 200u);
  // 13 arrives beyond the gap: it counts, the in-order part still does not.
  add(q, 13, {.ssn = 0, .b = false, .e = true}, bytes(100, 0));
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(11)), 100u);
  // A complete message waiting for its SSN, and a partial one beyond the gap, count.
  add(q, 14, {.ssn = 2}, bytes(50, 0));
  add(q, 15, {.stream = 1, .ssn = 0, .b = true, .e = false}, bytes(30, 0));
  EXPECT_EQ(q.buffered_bytes(), 380u);
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(11)), 180u);
  // 12 completes SSN 0 and the cum ack moves to 15: the complete message counts until polled, and
  // the partial message starting at 15 is now the one received in order.
  add(q, 12, {.ssn = 0, .b = false, .e = false}, bytes(100, 0));
  EXPECT_TRUE(q.has_message());
  EXPECT_EQ(q.buffered_bytes(), 480u);
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(15)), 450u);
  EXPECT_EQ(q.poll_message()->payload.size(), 400u);
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(15)), 50u);
  EXPECT_EQ(q.bytes_counting_against_window(Tsn(14)), 80u);
}

TEST(ReassemblyQueueTest, ForwardTsnDropsAbandonedAndSkipsSsns) {
  ReassemblyQueue q(3);
  // Stream 0: SSN 0 lost entirely (TSN 1), SSN 1 partial (TSN 2..4, only 2 and 3 arrived),
  // SSN 2 complete (TSN 5), SSN 3 complete (TSN 6), SSN 5 complete (TSN 8).
  add(q, 2, {.ssn = 1, .b = true, .e = false}, bytes(10, 1));
  add(q, 3, {.ssn = 1, .b = false, .e = false}, bytes(10, 1));
  add(q, 5, {.ssn = 2}, bytes(1, 2));
  add(q, 6, {.ssn = 3}, bytes(1, 3));
  add(q, 8, {.ssn = 5}, bytes(1, 5));
  // An unordered partial message at TSN 9 (beyond the new cum) survives.
  add(q, 9, {.b = true, .e = false, .unordered = true}, bytes(7, 9));
  EXPECT_FALSE(q.has_message());
  const std::vector<wire::ForwardTsnChunk::StreamEntry> entries = {
      {StreamId(0), Ssn(1)}, {StreamId(7), Ssn(0)}, {StreamId(2), Ssn(0xFFFF)}};
  EXPECT_EQ(q.handle_forward_tsn(Tsn(4), entries), 1u);  // stream 7 is invalid
  EXPECT_EQ(drain_tags(q), (std::vector<int>{2, 3}));    // SSN 4 still missing
  EXPECT_EQ(q.piece_count(), 1u);                        // TSN 9; SSN 5 waits complete
  EXPECT_EQ(q.buffered_bytes(), 8u);
  add(q, 7, {.ssn = 4}, bytes(1, 4));
  EXPECT_EQ(drain_tags(q), (std::vector<int>{4, 5}));
  // Stream 2 listed SSN 0xFFFF (already passed, nothing skipped): SSN 0 is still expected.
  add(q, 20, {.stream = 2, .ssn = 0}, bytes(1, 20));
  EXPECT_EQ(drain_tags(q), (std::vector<int>{20}));
}

TEST(ReassemblyQueueTest, ForwardTsnDeliversWaitingMessagesUpToSkippedSsn) {
  ReassemblyQueue q(1);
  add(q, 2, {.ssn = 1}, bytes(1, 1));  // SSN 0 (TSN 1) abandoned
  add(q, 4, {.ssn = 3}, bytes(1, 3));  // SSN 2 (TSN 3) abandoned as well, SSN 3 arrived
  add(q, 5, {.ssn = 4}, bytes(1, 4));
  const std::vector<wire::ForwardTsnChunk::StreamEntry> entries = {{StreamId(0), Ssn(2)}};
  EXPECT_EQ(q.handle_forward_tsn(Tsn(3), entries), 0u);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{1, 3, 4}));
}

// 16 MiB in 1200-byte fragments, arriving in random order, across the TSN wrap.
TEST(ReassemblyQueueTest, SixteenMegabyteMessageInRandomOrder) {
  constexpr std::size_t kSize = std::size_t{16} << 20;
  constexpr std::size_t kFrag = 1200;
  std::vector<std::uint8_t> message(kSize);
  std::mt19937 rng(7);
  for (auto& b : message) b = static_cast<std::uint8_t>(rng());
  const std::size_t n = (kSize + kFrag - 1) / kFrag;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);

  const std::uint32_t first_tsn = 0xFFFFF000;
  ReassemblyQueue q(1);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = order[k];
    wire::DataChunk c;
    c.stream_id = StreamId(0);
    c.ssn = Ssn(0);
    c.ppid = Ppid(53);
    c.beginning = i == 0;
    c.ending = i == n - 1;
    const std::size_t off = i * kFrag;
    c.payload = wire::Bytes(message.data() + off, std::min(kFrag, kSize - off));
    ASSERT_EQ(q.add(Tsn(first_tsn + static_cast<std::uint32_t>(i)), c, true), AddResult::kOk);
    ASSERT_EQ(q.has_message(), k + 1 == n);
  }
  EXPECT_EQ(q.buffered_bytes(), kSize);
  auto m = q.poll_message();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ppid, Ppid(53));
  EXPECT_TRUE(m->is_protected);
  EXPECT_TRUE(m->payload == message);
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_EQ(q.piece_count(), 0u);
}

// The same message arriving in order through a 1 MiB window never counts against it.
TEST(ReassemblyQueueTest, LargeMessageInOrderPassesSmallWindow) {
  constexpr std::size_t kSize = std::size_t{16} << 20;
  constexpr std::size_t kFrag = 1200;
  constexpr std::size_t kWindow = std::size_t{1} << 20;
  const std::size_t n = (kSize + kFrag - 1) / kFrag;
  const std::vector<std::uint8_t> frag(kFrag, 0xAB);
  ReassemblyQueue q(1);
  std::uint32_t tsn = 0xFFFFFFF0;
  for (std::size_t i = 0; i < n; ++i, ++tsn) {
    wire::DataChunk c;
    c.beginning = i == 0;
    c.ending = i == n - 1;
    c.payload = wire::Bytes(frag.data(), std::min(kFrag, kSize - i * kFrag));
    ASSERT_LT(q.bytes_counting_against_window(Tsn(tsn - 1)) + c.payload.size(), kWindow);
    ASSERT_EQ(q.add(Tsn(tsn), c, false), AddResult::kOk);
  }
  auto m = q.poll_message();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->payload.size(), kSize);
}

// The per-stream SSN state exists only for streams in use; streams first used in any order, the
// highest first, each keep their own next SSN.
TEST(ReassemblyQueueTest, StreamsFirstUsedInAnyOrderKeepTheirOwnSsns) {
  ReassemblyQueue q(16);
  EXPECT_EQ(add(q, 1, {.stream = 15, .ssn = 0}, {150}), AddResult::kOk);
  EXPECT_EQ(add(q, 2, {.stream = 3, .ssn = 1}, {31}), AddResult::kOk);  // waits for SSN 0
  EXPECT_EQ(drain_tags(q), (std::vector<int>{150}));
  EXPECT_EQ(add(q, 3, {.stream = 15, .ssn = 1}, {151}), AddResult::kOk);
  EXPECT_EQ(add(q, 4, {.stream = 3, .ssn = 0}, {30}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{151, 30, 31}));
  EXPECT_EQ(add(q, 5, {.stream = 15, .ssn = 1}, {99}), AddResult::kStaleSsn);
  EXPECT_EQ(add(q, 6, {.stream = 16, .ssn = 0}, {1}), AddResult::kInvalidStream);
  EXPECT_EQ(add(q, 7, {.stream = 0, .ssn = 0}, {0}), AddResult::kOk);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{0}));
}

}  // namespace
}  // namespace sctps::core
