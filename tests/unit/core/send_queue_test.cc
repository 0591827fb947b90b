#include "core/tx/send_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace sctps::core {
namespace {

const TimePoint kT0 = kTimeZero + sec(100);

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t first = 0) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

SendOptions unordered() {
  SendOptions o;
  o.unordered = true;
  return o;
}

SendOptions lifetime(Duration d) {
  SendOptions o;
  o.lifetime = d;
  return o;
}

SendStatus put(SendQueue& q, std::uint16_t stream, std::size_t size, std::uint64_t id,
               SendOptions opts = {}, TimePoint now = kT0) {
  return q.enqueue(StreamId(stream), Ppid(51), bytes(size), opts, now, id);
}

TEST(SendQueue, SingleSmallMessageIsOneCompleteFragment) {
  SendQueue q(1000, 4);
  ASSERT_EQ(q.enqueue(StreamId(2), Ppid(7), bytes(10, 5), {}, kT0, 42), SendStatus::kOk);
  EXPECT_EQ(q.buffered_bytes(), 10u);
  EXPECT_FALSE(q.empty());
  auto d = q.produce(kT0, 100);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->stream, StreamId(2));
  EXPECT_EQ(d->ppid, Ppid(7));
  EXPECT_EQ(d->ssn, Ssn(0));
  EXPECT_TRUE(d->beginning);
  EXPECT_TRUE(d->ending);
  EXPECT_FALSE(d->unordered);
  EXPECT_EQ(d->message_id, 42u);
  EXPECT_EQ(d->offset, 0u);
  EXPECT_EQ(d->length, 10u);
  const std::vector<std::uint8_t> got(d->payload().begin(), d->payload().end());
  EXPECT_EQ(got, bytes(10, 5));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_FALSE(q.produce(kT0, 100));
}

TEST(SendQueue, FragmentsHaveRequestedSizesAndShareTheBuffer) {
  SendQueue q(10000, 1);
  ASSERT_EQ(put(q, 0, 2500, 1), SendStatus::kOk);
  auto a = q.produce(kT0, 1000);
  auto b = q.produce(kT0, 1000);
  EXPECT_EQ(q.buffered_bytes(), 500u);
  auto c = q.produce(kT0, 1000);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->length, 1000u);
  EXPECT_EQ(b->length, 1000u);
  EXPECT_EQ(c->length, 500u);
  EXPECT_EQ(a->offset, 0u);
  EXPECT_EQ(b->offset, 1000u);
  EXPECT_EQ(c->offset, 2000u);
  EXPECT_TRUE(a->beginning && !a->ending);
  EXPECT_TRUE(!b->beginning && !b->ending);
  EXPECT_TRUE(!c->beginning && c->ending);
  EXPECT_EQ(a->ssn, c->ssn);
  EXPECT_EQ(a->message.get(), c->message.get());  // no copy per fragment
  EXPECT_EQ(c->payload()[0], static_cast<std::uint8_t>(2000 % 256));
  EXPECT_FALSE(q.produce(kT0, 1000));
  EXPECT_EQ(q.buffered_bytes(), 0u);
}

TEST(SendQueue, ExactMultipleOfFragmentSizeEndsOnLastFullFragment) {
  SendQueue q(10000, 1);
  ASSERT_EQ(put(q, 0, 2000, 1), SendStatus::kOk);
  auto a = q.produce(kT0, 1000);
  auto b = q.produce(kT0, 1000);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->ending);
  EXPECT_TRUE(b->ending);
  EXPECT_FALSE(q.produce(kT0, 1000));
}

TEST(SendQueue, FragmentSizeMayChangeBetweenCalls) {
  SendQueue q(10000, 1);
  ASSERT_EQ(put(q, 0, 100, 1), SendStatus::kOk);
  EXPECT_EQ(q.produce(kT0, 1)->length, 1u);
  EXPECT_EQ(q.produce(kT0, 60)->length, 60u);
  auto last = q.produce(kT0, 1000);
  EXPECT_EQ(last->length, 39u);
  EXPECT_TRUE(last->ending);
}

TEST(SendQueue, ZeroMaxPayloadProducesNothing) {
  SendQueue q(1000, 1);
  ASSERT_EQ(put(q, 0, 10, 1), SendStatus::kOk);
  EXPECT_FALSE(q.produce(kT0, 0));
  EXPECT_EQ(q.buffered_bytes(), 10u);
  EXPECT_TRUE(q.produce(kT0, 10));
}

TEST(SendQueue, RoundRobinBetweenStreamsAtMessageBoundaries) {
  SendQueue q(100000, 8);
  put(q, 0, 10, 1);
  put(q, 0, 10, 2);
  put(q, 0, 10, 3);
  put(q, 5, 10, 4);
  put(q, 5, 10, 5);
  put(q, 3, 10, 6);
  std::vector<std::uint64_t> order;
  while (auto d = q.produce(kT0, 100)) order.push_back(d->message_id);
  // Streams take turns in the order they became ready: 0, 5, 3, 0, 5, 0.
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 4, 6, 2, 5, 3}));
}

TEST(SendQueue, StartedMessageIsFinishedBeforeAnotherStreamIsServed) {
  SendQueue q(100000, 2);
  put(q, 0, 300, 1);
  put(q, 1, 10, 2);
  auto first = q.produce(kT0, 100);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->message_id, 1u);
  // A message arriving on another stream (and on the same one) waits for message 1 to finish.
  put(q, 0, 10, 3);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 1u);
  auto end = q.produce(kT0, 100);
  EXPECT_EQ(end->message_id, 1u);
  EXPECT_TRUE(end->ending);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 2u);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 3u);
  EXPECT_FALSE(q.produce(kT0, 100));
}

TEST(SendQueue, StreamThatBecomesReadyAgainJoinsAtTheBack) {
  SendQueue q(100000, 3);
  put(q, 0, 10, 1);
  put(q, 1, 10, 2);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 1u);
  put(q, 0, 10, 3);  // stream 0 is ready again, behind stream 1
  put(q, 2, 10, 4);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 2u);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 3u);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 4u);
}

TEST(SendQueue, SsnPerStreamAndUnorderedConsumesNone) {
  SendQueue q(100000, 2);
  put(q, 0, 10, 1);
  put(q, 0, 10, 2, unordered());
  put(q, 0, 10, 3);
  put(q, 1, 10, 4);
  std::vector<DataToSend> out;
  while (auto d = q.produce(kT0, 100)) out.push_back(*d);
  ASSERT_EQ(out.size(), 4u);
  // Order: 1 (s0), 4 (s1), 2 (s0, U), 3 (s0).
  EXPECT_EQ(out[0].message_id, 1u);
  EXPECT_EQ(out[0].ssn, Ssn(0));
  EXPECT_EQ(out[1].message_id, 4u);
  EXPECT_EQ(out[1].ssn, Ssn(0));
  EXPECT_EQ(out[2].message_id, 2u);
  EXPECT_TRUE(out[2].unordered);
  EXPECT_EQ(out[2].ssn, Ssn(0));
  EXPECT_EQ(out[3].message_id, 3u);
  EXPECT_EQ(out[3].ssn, Ssn(1));
}

TEST(SendQueue, SsnWrapsAt65536) {
  SendQueue q(1 << 20, 1);
  Ssn last{0};
  for (std::uint32_t i = 0; i < 65537; ++i) {
    ASSERT_EQ(put(q, 0, 1, i), SendStatus::kOk);
    auto d = q.produce(kT0, 10);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->ssn, Ssn(static_cast<std::uint16_t>(i)));
    last = d->ssn;
  }
  EXPECT_EQ(last, Ssn(0));  // 65536 -> 0
}

TEST(SendQueue, SsnIsAssignedAtFirstFragmentNotAtEnqueue) {
  SendQueue q(100000, 1);
  put(q, 0, 10, 1, lifetime(ms(10)));
  put(q, 0, 10, 2);
  // Message 1 expires unsent: message 2 must get SSN 0, or the receiver would wait for SSN 0.
  auto d = q.produce(kT0 + ms(11), 100);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message_id, 2u);
  EXPECT_EQ(d->ssn, Ssn(0));
  auto expired = q.take_expired(kT0 + ms(11));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].message_id, 1u);
  EXPECT_EQ(expired[0].payload, bytes(10));
}

TEST(SendQueue, LifetimeExpiresStrictlyAfterDeadline) {
  SendQueue q(100000, 1);
  put(q, 0, 10, 1, lifetime(ms(10)));
  EXPECT_TRUE(q.take_expired(kT0 + ms(10)).empty());
  ASSERT_EQ(q.next_expiry(), kT0 + ms(10));
  auto expired = q.take_expired(kT0 + ms(10) + Duration(1));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].stream, StreamId(0));
  EXPECT_EQ(expired[0].ppid, Ppid(51));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_FALSE(q.next_expiry());
  EXPECT_FALSE(q.produce(kT0 + sec(1), 100));
}

TEST(SendQueue, ZeroLifetimeStillSendableAtOnce) {
  SendQueue q(100000, 1);
  put(q, 0, 10, 1, lifetime(Duration(0)));
  EXPECT_TRUE(q.produce(kT0, 100));
}

TEST(SendQueue, ExpiryRemovesMessagesBehindOthersAndKeepsStartedOne) {
  SendQueue q(100000, 2);
  put(q, 0, 300, 1, lifetime(ms(5)));
  put(q, 0, 10, 2);
  put(q, 0, 10, 3, lifetime(ms(5)));
  put(q, 1, 10, 4, lifetime(ms(50)));
  ASSERT_EQ(q.produce(kT0, 100)->message_id, 1u);  // message 1 started
  auto expired = q.take_expired(kT0 + ms(6));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].message_id, 3u);
  EXPECT_EQ(q.buffered_bytes(), 200u + 10u + 10u);
  std::vector<std::uint64_t> order;
  while (auto d = q.produce(kT0 + ms(6), 100)) order.push_back(d->message_id);
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 1, 4, 2}));
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, HugeLifetimeDoesNotOverflow) {
  SendQueue q(100000, 1);
  put(q, 0, 10, 1, lifetime(Duration::max()));
  EXPECT_TRUE(q.take_expired(kTimeInfinite - Duration(1)).empty());
  EXPECT_TRUE(q.produce(kT0 + sec(1000), 100));
}

TEST(SendQueue, BufferLimitAndWouldBlock) {
  SendQueue q(100, 1);
  EXPECT_EQ(put(q, 0, 60, 1), SendStatus::kOk);
  EXPECT_EQ(put(q, 0, 50, 2), SendStatus::kWouldBlock);
  EXPECT_EQ(put(q, 0, 40, 3), SendStatus::kOk);  // exactly at the limit
  EXPECT_EQ(q.buffered_bytes(), 100u);
  EXPECT_EQ(put(q, 0, 1, 4), SendStatus::kWouldBlock);
  // Producing frees room, fragment by fragment.
  ASSERT_TRUE(q.produce(kT0, 30));
  EXPECT_EQ(q.buffered_bytes(), 70u);
  EXPECT_EQ(put(q, 0, 30, 5), SendStatus::kOk);
  EXPECT_EQ(put(q, 0, 1, 6), SendStatus::kWouldBlock);
}

TEST(SendQueue, OneMessageLargerThanLimitIsAcceptedIntoEmptyQueue) {
  SendQueue q(100, 1);
  EXPECT_EQ(put(q, 0, 500, 1), SendStatus::kOk);
  EXPECT_EQ(q.buffered_bytes(), 500u);
  EXPECT_EQ(put(q, 0, 1, 2), SendStatus::kWouldBlock);
  ASSERT_TRUE(q.produce(kT0, 450));
  EXPECT_EQ(q.buffered_bytes(), 50u);
  EXPECT_EQ(put(q, 0, 51, 3), SendStatus::kWouldBlock);
  EXPECT_EQ(put(q, 0, 50, 4), SendStatus::kOk);  // 50 + 50 <= 100
}

TEST(SendQueue, InvalidStreamAndEmptyMessage) {
  SendQueue q(100, 2);
  EXPECT_EQ(put(q, 2, 10, 1), SendStatus::kInvalidStream);
  EXPECT_EQ(put(q, 65535, 10, 1), SendStatus::kInvalidStream);
  EXPECT_EQ(put(q, 0, 0, 1), SendStatus::kEmptyMessage);
  EXPECT_EQ(put(q, 9, 0, 1), SendStatus::kEmptyMessage);  // checked first
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.buffered_bytes(), 0u);
}

TEST(SendQueue, DrainReturnsEverythingIncludingPartialAndExpired) {
  SendQueue q(100000, 2);
  put(q, 0, 300, 1);
  put(q, 1, 10, 2, lifetime(ms(1)));
  put(q, 1, 20, 3);
  ASSERT_EQ(q.produce(kT0, 100)->message_id, 1u);
  // Finish message 1, then stream 1: message 2 is found expired on the way.
  q.produce(kT0, 100);
  q.produce(kT0, 100);
  put(q, 0, 30, 4);
  auto d = q.produce(kT0 + ms(5), 5);  // message 3, first fragment
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message_id, 3u);
  auto all = q.drain();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].message_id, 2u);
  EXPECT_EQ(all[1].message_id, 3u);
  EXPECT_EQ(all[1].payload, bytes(20));  // whole payload, even though partly produced
  EXPECT_EQ(all[2].message_id, 4u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_FALSE(q.produce(kT0 + ms(5), 100));
  // The fragment produced before the drain still owns valid bytes.
  EXPECT_EQ(d->payload().size(), 5u);
  EXPECT_EQ(d->payload()[4], 4);
  // Usable again afterwards.
  EXPECT_EQ(put(q, 0, 10, 5), SendStatus::kOk);
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 5u);
}

TEST(SendQueue, ReducingStreamsReturnsMessagesOnRemovedStreams) {
  SendQueue q(100000, 8);
  put(q, 0, 10, 1);
  put(q, 6, 300, 2);
  put(q, 6, 10, 3);
  put(q, 7, 10, 4);
  ASSERT_EQ(q.produce(kT0, 100)->message_id, 1u);
  ASSERT_EQ(q.produce(kT0, 100)->message_id, 2u);  // message 2 started
  auto removed = q.set_outbound_streams(4);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].message_id, 3u);
  EXPECT_EQ(removed[1].message_id, 4u);
  EXPECT_EQ(q.outbound_streams(), 4u);
  EXPECT_EQ(put(q, 6, 10, 5), SendStatus::kInvalidStream);
  // The started message is completed.
  EXPECT_EQ(q.produce(kT0, 100)->message_id, 2u);
  auto end = q.produce(kT0, 100);
  EXPECT_EQ(end->message_id, 2u);
  EXPECT_TRUE(end->ending);
  EXPECT_FALSE(q.produce(kT0, 100));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.buffered_bytes(), 0u);
  // A stream added again later starts afresh at SSN 0 (message 2 had taken SSN 0 on old 6).
  EXPECT_TRUE(q.set_outbound_streams(8).empty());
  put(q, 6, 10, 6);
  put(q, 6, 10, 7);
  EXPECT_EQ(q.produce(kT0, 100)->ssn, Ssn(0));
  EXPECT_EQ(q.produce(kT0, 100)->ssn, Ssn(1));
}

TEST(SendQueue, AddedStreamsBecomeUsable) {
  SendQueue q(100000, 1);
  EXPECT_EQ(put(q, 3, 10, 1), SendStatus::kInvalidStream);
  EXPECT_TRUE(q.set_outbound_streams(4).empty());
  EXPECT_EQ(put(q, 3, 10, 1), SendStatus::kOk);
  EXPECT_EQ(q.produce(kT0, 100)->stream, StreamId(3));
}

// Urgent messages (key management) overtake the waiting messages of their stream and the other
// streams, after a started message and earlier urgent ones; ordered SSNs still follow production.
TEST(SendQueue, UrgentMessagesOvertakeWaitingOnesAndKeepSsnOrder) {
  SendQueue q(1 << 20, 4);
  ASSERT_EQ(put(q, 0, 100, 1), SendStatus::kOk);
  ASSERT_EQ(put(q, 1, 100, 2), SendStatus::kOk);
  ASSERT_EQ(put(q, 0, 100, 3), SendStatus::kOk);
  auto first = q.produce(kT0, 40);  // message 1 starts
  ASSERT_TRUE(first);
  EXPECT_EQ(first->message_id, 1u);
  SendOptions urgent;
  urgent.urgent = true;
  ASSERT_EQ(q.enqueue(StreamId(0), Ppid(4242), bytes(10), urgent, kT0, 10), SendStatus::kOk);
  ASSERT_EQ(q.enqueue(StreamId(0), Ppid(4242), bytes(10), urgent, kT0, 11), SendStatus::kOk);
  ASSERT_EQ(put(q, 2, 100, 4), SendStatus::kOk);
  std::vector<std::uint64_t> order;
  std::vector<std::uint16_t> ssns;
  while (auto d = q.produce(kT0, 1000)) {
    if (order.empty() || order.back() != d->message_id) {
      order.push_back(d->message_id);
      if (d->stream.value() == 0) ssns.push_back(d->ssn.value());
    }
  }
  // 1 finishes, then the urgent 10 and 11 on stream 0 before everything else; then round robin
  // again (stream 0 went to the back); stream 0's SSNs in production order.
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 10, 11, 2, 4, 3}));
  EXPECT_EQ(ssns, (std::vector<std::uint16_t>{0, 1, 2, 3}));
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, UrgentMessageOnAnotherStreamIsServedNext) {
  SendQueue q(1 << 20, 4);
  ASSERT_EQ(put(q, 1, 100, 1), SendStatus::kOk);
  ASSERT_EQ(put(q, 2, 100, 2), SendStatus::kOk);
  ASSERT_EQ(put(q, 0, 100, 3), SendStatus::kOk);
  SendOptions urgent;
  urgent.urgent = true;
  ASSERT_EQ(q.enqueue(StreamId(0), Ppid(4242), bytes(10), urgent, kT0, 9), SendStatus::kOk);
  std::vector<std::uint64_t> order;
  while (auto d = q.produce(kT0, 1000)) order.push_back(d->message_id);
  EXPECT_EQ(order, (std::vector<std::uint64_t>{9, 1, 2, 3}));
}

// Streams first used in any order (the stream table is kept sorted by id) each number their own
// messages from SSN 0.
TEST(SendQueue, StreamsFirstUsedInAnyOrderKeepTheirOwnSsns) {
  SendQueue q(100000, 16);
  put(q, 15, 10, 1);
  put(q, 2, 10, 2);
  put(q, 9, 10, 3);
  put(q, 2, 10, 4);
  put(q, 0, 10, 5);
  put(q, 15, 10, 6);
  std::vector<DataToSend> out;
  while (auto d = q.produce(kT0, 100)) out.push_back(*d);
  ASSERT_EQ(out.size(), 6u);
  // Round robin in the order the streams became ready: 15, 2, 9, 0, then 15 and 2 again.
  const std::vector<std::uint64_t> ids = {1, 2, 3, 5, 6, 4};
  const std::vector<std::uint16_t> ssns = {0, 0, 0, 0, 1, 1};
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].message_id, ids[i]) << i;
    EXPECT_EQ(out[i].ssn, Ssn(ssns[i])) << i;
  }
  EXPECT_EQ(q.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace sctps::core
