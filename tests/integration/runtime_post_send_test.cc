// Runtime::post_send from another thread: lossless back-pressure (nothing dropped, order kept,
// memory bounded by post_limit_bytes) and failures reported as SendFailed events with the message.
// Loopback UDP encapsulation, ephemeral ports, bounded time.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "net_test_util.h"
#include "runtime_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using testing::RuntimePair;
using Family = net::SocketAddress::Family;

RuntimeOptions small_buffers(std::uint16_t sctp_port) {
  RuntimeOptions o = testing::loopback_options(Family::kV4, sctp_port);
  o.association.send_buffer_limit = 64 << 10;  // far below what the producer posts
  o.post_limit_bytes = 256 << 10;
  return o;
}

std::vector<const core::SendFailed*> failures(const std::vector<core::Event>& events) {
  std::vector<const core::SendFailed*> out;
  for (const auto& e : events) {
    if (const auto* f = std::get_if<core::SendFailed>(&e)) out.push_back(f);
  }
  return out;
}

TEST(RuntimePostSend, ProducerFarBeyondSendBufferLosesNothingAndKeepsOrder) {
  RuntimePair p(small_buffers(5000), small_buffers(5001));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  constexpr std::uint32_t kMessages = 3000;
  constexpr std::size_t kSize = 1000;       // 3 MB in all: 46 times the send buffer
  constexpr std::size_t limit = 256 << 10;  // small_buffers().post_limit_bytes

  std::atomic<std::uint32_t> posted{0};
  std::atomic<bool> over_limit{false};
  std::atomic<bool> refused{false};
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kMessages; ++i) {
      auto payload = net::testing::pattern(kSize, i);
      const auto status = p.client->post_send(p.client_id, 0, i, std::move(payload), false, 5s);
      if (status != PostStatus::kQueued) {
        refused = true;
        return;
      }
      if (p.client->posted_bytes() > limit) over_limit = true;
      posted = i + 1;
    }
  });

  std::uint32_t next = 0;
  bool in_order = true;
  const bool all = p.run(
      [&] {
        for (const auto& e : p.server_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            if (m->message.ppid.value() != next ||
                m->message.payload != net::testing::pattern(kSize, next)) {
              in_order = false;
            }
            ++next;
          }
        }
        p.server_events.clear();
        return next >= kMessages || refused;
      },
      30000ms);
  producer.join();
  ASSERT_FALSE(refused) << "post_send gave up after waiting 5 s for room";
  ASSERT_TRUE(all) << "received " << next << " of " << kMessages << ", posted " << posted.load();
  EXPECT_EQ(next, kMessages);
  EXPECT_TRUE(in_order);
  EXPECT_FALSE(over_limit) << "posted bytes exceeded post_limit_bytes";
  EXPECT_EQ(p.client->posted_bytes(), 0u);
  EXPECT_EQ(p.client->posted_messages(), 0u);
  EXPECT_EQ(p.client->counters().posted_failed, 0u);
  // The engine refused for room and took the messages later: the path under test was used.
  EXPECT_GT(p.client->counters().posted_deferred, 0u);
  EXPECT_TRUE(failures(p.client_events).empty());
}

TEST(RuntimePostSend, FinalRefusalsComeBackWithTheMessage) {
  RuntimePair p(small_buffers(5000), small_buffers(5001));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  ASSERT_EQ(p.client->post_send(p.client_id, 1000, 7, {1, 2, 3}), PostStatus::kQueued);
  ASSERT_EQ(p.client->post_send(p.client_id, 0, 8, {}), PostStatus::kQueued);
  ASSERT_EQ(p.client->post_send(p.client_id + 100, 0, 9, {4, 5}), PostStatus::kQueued);
  ASSERT_TRUE(p.run([&] { return failures(p.client_events).size() == 3; }, 2000ms));
  const auto f = failures(p.client_events);
  ASSERT_EQ(f[0]->messages.size(), 1u);
  EXPECT_EQ(f[0]->id, p.client_id);
  EXPECT_EQ(f[0]->messages[0].stream.value(), 1000);
  EXPECT_EQ(f[0]->messages[0].ppid.value(), 7u);
  EXPECT_EQ(f[0]->messages[0].payload, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_NE(f[0]->reason.find("invalid stream"), std::string::npos) << f[0]->reason;
  EXPECT_NE(f[1]->reason.find("empty message"), std::string::npos) << f[1]->reason;
  EXPECT_EQ(f[2]->id, p.client_id + 100);
  EXPECT_EQ(f[2]->messages[0].payload, (std::vector<std::uint8_t>{4, 5}));
  EXPECT_NE(f[2]->reason.find("closed or unknown"), std::string::npos) << f[2]->reason;
  EXPECT_EQ(p.client->counters().posted_failed, 3u);
  EXPECT_EQ(p.client->posted_bytes(), 0u);
  EXPECT_EQ(p.client->posted_messages(), 0u);

  // After a shutdown the association takes nothing new (RFC 9260 §9.2).
  ASSERT_TRUE(p.client->shutdown(p.client_id));
  ASSERT_EQ(p.client->post_send(p.client_id, 0, 10, {6}), PostStatus::kQueued);
  ASSERT_TRUE(p.run([&] { return failures(p.client_events).size() == 4; }, 2000ms));
  const auto* last = failures(p.client_events).back();
  EXPECT_EQ(last->messages[0].payload, (std::vector<std::uint8_t>{6}));
  EXPECT_TRUE(last->reason.find("shutting down") != std::string::npos ||
              last->reason.find("closed") != std::string::npos)
      << last->reason;
}

TEST(RuntimePostSend, ShutdownBeforeTheHandshakeCompletesRefusesWithTheMessage) {
  RuntimePair p(small_buffers(5000), small_buffers(5001));
  ASSERT_TRUE(p.ok()) << p.error;
  // Still in COOKIE-WAIT: the engine's state does not show the shutdown yet.
  ASSERT_TRUE(p.client->shutdown(p.client_id));
  ASSERT_EQ(p.client->post_send(p.client_id, 0, 1, {9, 9}), PostStatus::kQueued);
  ASSERT_TRUE(p.run([&] { return !failures(p.client_events).empty(); }, 2000ms));
  const auto* f = failures(p.client_events).front();
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].payload, (std::vector<std::uint8_t>{9, 9}));
  EXPECT_NE(f->reason.find("shutting down"), std::string::npos) << f->reason;
}

TEST(RuntimePostSend, WaitingMessagesComeBackWhenTheAssociationGoesDown) {
  RuntimePair p(small_buffers(5000), small_buffers(5001));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  // The server's loop does not run from here on: no SACKs, the client's send buffer fills and the
  // rest waits in the runtime.
  constexpr std::uint32_t kMessages = 150;  // 150 KB: beyond the 64 KiB buffer, below the limit
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    ASSERT_EQ(p.client->post_send(p.client_id, 0, i, net::testing::pattern(1000, i)),
              PostStatus::kQueued);
  }
  // One iteration runs every posted task; a few more let the first packets go out.
  for (int i = 0; i < 5; ++i) p.client->run_once(1ms);
  p.collect();
  ASSERT_GT(p.client->posted_messages(), 0u) << "expected messages waiting for room";
  const std::size_t waiting = p.client->posted_messages();
  // A direct send must not overtake them.
  EXPECT_EQ(p.client->send(p.client_id, 0, 999, {1}), core::SendStatus::kWouldBlock);
  ASSERT_TRUE(p.client->abort(p.client_id, "test"));
  p.collect();
  const auto f = failures(p.client_events);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->messages.size(), waiting);
  EXPECT_NE(f[0]->reason.find("association down"), std::string::npos) << f[0]->reason;
  // The returned ones are the last posted, in order, intact.
  for (std::size_t k = 0; k < f[0]->messages.size(); ++k) {
    const std::uint32_t i =
        kMessages - static_cast<std::uint32_t>(waiting) + static_cast<std::uint32_t>(k);
    EXPECT_EQ(f[0]->messages[k].ppid.value(), i);
    EXPECT_EQ(f[0]->messages[k].payload, net::testing::pattern(1000, i));
  }
  EXPECT_EQ(p.client->posted_bytes(), 0u);
  EXPECT_EQ(p.client->posted_messages(), 0u);
}

TEST(RuntimePostSend, LimitRefusesWithoutTakingThePayloadAndWaitIsBounded) {
  RuntimeOptions o = testing::loopback_options(Family::kV4, 5001);
  o.post_limit_bytes = 10000;
  auto r = Runtime::create(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto& rt = *r.value();
  // Nobody runs the loop yet: posts accumulate up to the limit.
  std::size_t queued = 0;
  for (int i = 0; i < 100; ++i) {
    std::vector<std::uint8_t> payload(1000, 1);
    const auto status = rt.post_send(1, 0, 0, std::move(payload));
    if (status == PostStatus::kFull) {
      EXPECT_EQ(payload.size(), 1000u) << "a refused payload stays with the caller";
      break;
    }
    ++queued;
  }
  EXPECT_EQ(queued, 10u);
  EXPECT_EQ(rt.posted_bytes(), 10000u);
  EXPECT_FALSE(rt.wait_posted_below(0, 20ms));

  // Another thread waits for room, bounded.
  std::thread waiter([&] {
    std::vector<std::uint8_t> payload(1000, 2);
    const auto start = net::monotonic_now();
    EXPECT_EQ(rt.post_send(1, 0, 0, std::move(payload), false, 50ms), PostStatus::kFull);
    EXPECT_GE(net::monotonic_now() - start, net::Micros{40000});
    EXPECT_EQ(payload.size(), 1000u);
  });
  waiter.join();

  // The loop runs: association 1 does not exist, so the messages come back as failures, which
  // frees the room.
  std::size_t failed = 0;
  const auto end = net::monotonic_now() + 2s;
  while (net::monotonic_now() < end && failed < queued) {
    rt.run_once(1ms);
    while (auto e = rt.poll_event()) {
      if (const auto* f = std::get_if<core::SendFailed>(&*e)) failed += f->messages.size();
    }
  }
  EXPECT_EQ(failed, queued);
  EXPECT_TRUE(rt.wait_posted_below(0, 100ms));
  // On the loop thread, a full limit never blocks (only that thread makes room).
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(rt.post_send(1, 0, 0, std::vector<std::uint8_t>(1000)), PostStatus::kQueued);
  const auto start = net::monotonic_now();
  EXPECT_EQ(rt.post_send(1, 0, 0, std::vector<std::uint8_t>(1000), false, 2s), PostStatus::kFull);
  EXPECT_LT(net::monotonic_now() - start, net::Micros{500000});
}

}  // namespace
}  // namespace sctps::api
