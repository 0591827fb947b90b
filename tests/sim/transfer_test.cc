// Property tests: many messages of log-uniform sizes on several streams, ordered and unordered,
// over lossy, reordering, duplicating links — each delivered exactly once, intact, in order per
// stream where ordered, within bounded virtual time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "sim_harness.h"

namespace sctps::sim {
namespace {

struct Sent {
  std::uint16_t stream;
  bool unordered;
  std::size_t size;
};

// Message i carries its index in the first 4 bytes (when large enough) and a pattern keyed by i.
std::vector<std::uint8_t> message(std::size_t i, std::size_t size) {
  auto v = pattern(size, static_cast<std::uint32_t>(i));
  for (std::size_t k = 0; k < 4 && k < size; ++k) v[k] = static_cast<std::uint8_t>(i >> (8 * k));
  return v;
}

struct TransferResult {
  bool completed = false;
  Duration elapsed{0};
  std::size_t bytes = 0;
};

// Sends `count` messages from client to server, keeping the send buffer full, and checks them.
TransferResult run_transfer(Pair& p, std::size_t count, std::uint64_t seed, std::size_t max_size,
                            std::size_t big_every, Duration limit) {
  const core::AssocId id = p.connect();
  EXPECT_TRUE(p.run_until([&] { return p.established(); }, sec(30)));
  SeededRandom rnd(seed);
  std::vector<Sent> sent;
  sent.reserve(count);
  std::size_t next = 0;
  std::size_t total_bytes = 0;
  const TimePoint start = p.net.now();
  // The next message is made once and kept until the endpoint takes it.
  std::optional<Sent> pending;
  std::vector<std::uint8_t> pending_bytes;
  auto refill = [&] {
    while (next < count) {
      if (!pending) {
        std::size_t size;
        if (big_every != 0 && next % big_every == big_every - 1) {
          size = 1 << 20;
        } else {
          const double lg = rnd.unit() * std::log(static_cast<double>(max_size));
          size = std::max<std::size_t>(1, static_cast<std::size_t>(std::exp(lg)));
        }
        pending = Sent{static_cast<std::uint16_t>(rnd.uniform(8)), rnd.uniform(4) == 0, size};
        pending_bytes = message(next, size);
      }
      core::SendOptions o;
      o.unordered = pending->unordered;
      const auto st = p.client->endpoint().send(id, StreamId(pending->stream),
                                                Ppid(static_cast<std::uint32_t>(next)),
                                                pending_bytes, o, p.net.now());
      if (st == core::SendStatus::kWouldBlock) return;
      EXPECT_EQ(st, core::SendStatus::kOk);
      sent.push_back(*pending);
      total_bytes += pending->size;
      pending.reset();
      ++next;
    }
  };
  p.client->on_event = [&](const core::Event& e) {
    if (std::holds_alternative<core::SendBufferAvailable>(e)) refill();
  };
  refill();
  // Also refill on a timer in case no buffer event comes (the buffer never filled).
  TransferResult r;
  r.completed = p.run_until(
      [&] {
        refill();
        return p.server->received.size() >= count;
      },
      limit);
  r.elapsed = p.net.now() - start;
  r.bytes = total_bytes;
  const auto st = p.client->endpoint().stats(id);
  if (const auto sst = p.server->endpoint().stats(p.server_assoc())) {
    std::printf("  receiver: dropped out of window %llu, duplicates %llu, sacks sent %llu\n",
                static_cast<unsigned long long>(sst->dropped_out_of_window),
                static_cast<unsigned long long>(sst->duplicate_tsns_received),
                static_cast<unsigned long long>(sst->sacks_sent));
  }
  std::printf(
      "  %zu messages, %zu bytes in %.3f s virtual: goodput %.2f MB/s; retransmitted %llu, "
      "t3 %llu, fast %llu, packets sent %llu\n",
      count, total_bytes, std::chrono::duration<double>(r.elapsed).count(),
      static_cast<double>(total_bytes) / std::chrono::duration<double>(r.elapsed).count() / 1e6,
      st ? static_cast<unsigned long long>(st->retransmitted_chunks) : 0ull,
      st ? static_cast<unsigned long long>(st->t3_expirations) : 0ull,
      st ? static_cast<unsigned long long>(st->fast_retransmissions) : 0ull,
      st ? static_cast<unsigned long long>(st->packets_sent) : 0ull);

  // Exactly once, intact, in order per ordered stream.
  std::vector<int> seen(count, 0);
  std::map<std::uint16_t, std::int64_t> last_ordered;
  for (const auto& m : p.server->received) {
    const std::size_t i = m.message.ppid.value();
    EXPECT_LT(i, count);
    if (i >= count) continue;
    ++seen[i];
    EXPECT_EQ(m.message.stream.value(), sent[i].stream);
    EXPECT_EQ(m.message.unordered, sent[i].unordered);
    EXPECT_EQ(m.message.payload, message(i, sent[i].size)) << "message " << i;
    if (!sent[i].unordered) {
      auto it = last_ordered.find(sent[i].stream);
      if (it != last_ordered.end()) {
        EXPECT_LT(it->second, static_cast<std::int64_t>(i));
      }
      last_ordered[sent[i].stream] = static_cast<std::int64_t>(i);
    }
  }
  for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(seen[i], 1) << "message " << i;
  return r;
}

// 100,000 messages log-uniform in 1 B .. 64 KiB, every 20,000th of 1 MiB, on 8 streams, a quarter
// of them unordered.
// Sanitizer builds may scale the count down with SCTPS_PROPERTY_MESSAGES (the asan preset does).
std::size_t message_count() {
  if (const char* v = std::getenv("SCTPS_PROPERTY_MESSAGES")) {
    const long n = std::strtol(v, nullptr, 10);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  return 100000;
}
const std::size_t kMessages = message_count();
constexpr std::size_t kBigEvery = 20000;

TEST(Transfer, NoLoss) {
  Pair p(11);
  auto r = run_transfer(p, kMessages, 1, 64 * 1024, kBigEvery, sec(3600));
  EXPECT_TRUE(r.completed);
}

TEST(Transfer, OnePercentLossWithReorderingAndDuplication) {
  LinkConfig link;
  link.delay = ms(10);
  link.jitter = ms(2);
  link.loss = 0.01;
  link.duplicate = 0.01;
  link.reorder = 0.02;
  link.reorder_extra = ms(5);
  Pair p(12, link);
  auto r = run_transfer(p, kMessages, 2, 64 * 1024, kBigEvery, sec(36000));
  EXPECT_TRUE(r.completed);
}

TEST(Transfer, TenPercentLossWithReorderingAndDuplication) {
  LinkConfig link;
  link.delay = ms(10);
  link.jitter = ms(2);
  link.loss = 0.10;
  link.duplicate = 0.02;
  link.reorder = 0.05;
  link.reorder_extra = ms(5);
  Pair p(13, link);
  auto r = run_transfer(p, kMessages, 3, 64 * 1024, kBigEvery, sec(360000));
  EXPECT_TRUE(r.completed);
}

}  // namespace
}  // namespace sctps::sim
