// The simulated network: timing of delay, jitter, bandwidth and queues; loss, duplication and
// reordering rates for fixed seeds; link failures; filters and injection; determinism.
#include "support/sim/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace sctps::sim {
namespace {

IpAddress addr(std::uint8_t last) {
  return IpAddress::v4({10, 0, 0, last});
}
TimePoint at_ms(std::int64_t v) {
  return kTimeZero + ms(v);
}
TimePoint at_us(std::int64_t v) {
  return kTimeZero + Duration{v};
}

// Test packets: a 4-byte big-endian number, then filler up to `size`.
std::vector<std::uint8_t> numbered(std::uint32_t n, std::size_t size) {
  std::vector<std::uint8_t> b(std::max<std::size_t>(size, 4), static_cast<std::uint8_t>(n));
  b[0] = static_cast<std::uint8_t>(n >> 24);
  b[1] = static_cast<std::uint8_t>(n >> 16);
  b[2] = static_cast<std::uint8_t>(n >> 8);
  b[3] = static_cast<std::uint8_t>(n);
  return b;
}
std::uint32_t number_of(std::span<const std::uint8_t> b) {
  if (b.size() < 4) return 0xFFFFFFFFu;
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

struct Received {
  TimePoint at;
  std::uint32_t number;
  IpAddress from;
  IpAddress to;
  std::size_t size;
};

// Sends numbered packets at scripted times; records what it receives.
class ScriptedHost : public Host {
 public:
  explicit ScriptedHost(IpAddress self) : self_(self) {}

  void send_at(TimePoint t, IpAddress to, std::uint32_t number, std::size_t size = 100) {
    script_.emplace(t, OutgoingPacket{numbered(number, size), self_, to});
  }
  // Sends n packets numbered 0..n-1, one every `interval` from `start`.
  void send_series(TimePoint start, Duration interval, std::uint32_t n, IpAddress to,
                   std::size_t size = 100) {
    for (std::uint32_t i = 0; i < n; ++i) send_at(start + interval * i, to, i, size);
  }

  void on_packet(std::span<const std::uint8_t> packet, const IpAddress& from, const IpAddress& to,
                 TimePoint now) override {
    received.push_back({now, number_of(packet), from, to, packet.size()});
  }
  TimePoint next_timeout() const override {
    return script_.empty() ? kTimeInfinite : script_.begin()->first;
  }
  void on_timeout(TimePoint now) override {
    timeouts.push_back(now);
    while (!script_.empty() && script_.begin()->first <= now) {
      outbox_.push_back(std::move(script_.begin()->second));
      script_.erase(script_.begin());
    }
  }
  bool poll_transmit(OutgoingPacket& out, TimePoint) override {
    if (outbox_.empty()) return false;
    out.bytes.assign(outbox_.front().bytes.begin(), outbox_.front().bytes.end());
    out.from = outbox_.front().from;
    out.to = outbox_.front().to;
    outbox_.pop_front();
    return true;
  }

  std::vector<Received> received;
  std::vector<TimePoint> timeouts;

 private:
  IpAddress self_;
  std::multimap<TimePoint, OutgoingPacket> script_;
  std::deque<OutgoingPacket> outbox_;
};

// Sends every packet back to where it came from.
class EchoHost : public Host {
 public:
  void on_packet(std::span<const std::uint8_t> packet, const IpAddress& from, const IpAddress& to,
                 TimePoint now) override {
    received.push_back({now, number_of(packet), from, to, packet.size()});
    outbox_.push_back(OutgoingPacket{{packet.begin(), packet.end()}, to, from});
  }
  TimePoint next_timeout() const override { return kTimeInfinite; }
  void on_timeout(TimePoint) override {}
  bool poll_transmit(OutgoingPacket& out, TimePoint) override {
    if (outbox_.empty()) return false;
    std::swap(out, outbox_.front());
    outbox_.pop_front();
    return true;
  }
  std::vector<Received> received;

 private:
  std::deque<OutgoingPacket> outbox_;
};

// Only timers: records when each fired.
class TimerHost : public Host {
 public:
  explicit TimerHost(std::multiset<TimePoint> deadlines) : deadlines_(std::move(deadlines)) {}
  void on_packet(std::span<const std::uint8_t>, const IpAddress&, const IpAddress&,
                 TimePoint now) override {
    log.push_back("packet@" + std::to_string(now.time_since_epoch().count()));
  }
  TimePoint next_timeout() const override {
    return deadlines_.empty() ? kTimeInfinite : *deadlines_.begin();
  }
  void on_timeout(TimePoint now) override {
    fired.push_back(now);
    log.push_back("timer@" + std::to_string(now.time_since_epoch().count()));
    while (!deadlines_.empty() && *deadlines_.begin() <= now) deadlines_.erase(deadlines_.begin());
  }
  bool poll_transmit(OutgoingPacket&, TimePoint) override { return false; }
  std::vector<TimePoint> fired;
  std::vector<std::string> log;

 private:
  std::multiset<TimePoint> deadlines_;
};

// Every packet that entered is accounted for.
void expect_conservation(const Network& net) {
  const LinkStats& t = net.totals();
  EXPECT_EQ(t.sent + t.injected + t.duplicated, t.delivered + t.dropped() + net.in_flight());
}

LinkConfig delay_only(Duration d) {
  LinkConfig c;
  c.delay = d;
  return c;
}

class TwoHosts : public ::testing::Test {
 protected:
  TwoHosts() : a_(addr(1)), net_(42) {
    net_.attach(a_, {addr(1)});
    net_.attach(b_, {addr(2)});
  }
  ScriptedHost a_;
  EchoHost b_;
  Network net_;
};

TEST_F(TwoHosts, DelayIsExactAndEchoReturnsAfterRoundTrip) {
  net_.connect(addr(1), addr(2), delay_only(ms(5)));
  a_.send_series(at_ms(0), ms(1), 10, addr(2));
  net_.run_until(at_ms(100));
  EXPECT_EQ(net_.now(), at_ms(100));
  ASSERT_EQ(b_.received.size(), 10u);
  ASSERT_EQ(a_.received.size(), 10u);
  for (std::uint32_t i = 0; i < 10; ++i) {
    EXPECT_EQ(b_.received[i].number, i);
    EXPECT_EQ(b_.received[i].at, at_ms(5 + i));
    EXPECT_EQ(b_.received[i].from, addr(1));
    EXPECT_EQ(b_.received[i].to, addr(2));
    EXPECT_EQ(a_.received[i].at, at_ms(10 + i));
    EXPECT_EQ(a_.received[i].from, addr(2));
  }
  const LinkStats* ab = net_.stats(addr(1), addr(2));
  ASSERT_NE(ab, nullptr);
  EXPECT_EQ(ab->sent, 10u);
  EXPECT_EQ(ab->delivered, 10u);
  EXPECT_EQ(ab->bytes_sent, 1000u);
  EXPECT_EQ(ab->bytes_delivered, 1000u);
  EXPECT_EQ(ab->reordered, 0u);
  EXPECT_EQ(net_.stats(addr(2), addr(1))->delivered, 10u);
  EXPECT_EQ(net_.totals().delivered, 20u);
  EXPECT_EQ(net_.totals().dropped(), 0u);
  EXPECT_EQ(net_.stats(addr(1), addr(3)), nullptr);
  expect_conservation(net_);
}

TEST_F(TwoHosts, ZeroDelayDeliversAtTheSameInstant) {
  net_.connect(addr(1), addr(2), LinkConfig{});
  a_.send_at(at_ms(3), addr(2), 7);
  net_.run_until(at_ms(10));
  ASSERT_EQ(a_.received.size(), 1u);
  EXPECT_EQ(b_.received[0].at, at_ms(3));
  EXPECT_EQ(a_.received[0].at, at_ms(3));
}

TEST_F(TwoHosts, JitterStaysWithinBoundsAndSpreadsArrivals) {
  LinkConfig c = delay_only(ms(10));
  c.jitter = ms(2);
  net_.connect(addr(1), addr(2), c);
  net_.set_direction_config(addr(2), addr(1), LinkConfig{});  // echoes come back at once
  constexpr std::uint32_t kN = 2000;
  a_.send_series(at_ms(0), Duration{100}, kN, addr(2));
  net_.run_until(at_ms(1000));
  ASSERT_EQ(b_.received.size(), kN);
  Duration lo = Duration::max(), hi = Duration::min(), sum{0};
  for (const Received& r : b_.received) {
    const Duration latency = r.at - at_us(100 * r.number);
    EXPECT_GE(latency, ms(10));
    EXPECT_LE(latency, ms(12));
    lo = std::min(lo, latency);
    hi = std::max(hi, latency);
    sum += latency;
  }
  EXPECT_LT(lo, ms(10) + Duration{50});
  EXPECT_GT(hi, ms(12) - Duration{50});
  // Uniform on [10, 12] ms: mean 11 ms, standard error about 13 us for 2000 samples.
  EXPECT_NEAR(static_cast<double>(sum.count()) / kN, 11000.0, 100.0);
  // Packets 100 us apart with 2 ms of jitter overtake each other.
  EXPECT_GT(net_.stats(addr(1), addr(2))->reordered, 0u);
}

TEST_F(TwoHosts, LossRateMatchesProbability) {
  LinkConfig c = delay_only(ms(1));
  c.loss = 0.1;
  net_.connect(addr(1), addr(2), c);
  net_.set_direction_config(addr(2), addr(1), delay_only(ms(1)));
  constexpr std::uint32_t kN = 10000;
  a_.send_series(at_ms(0), Duration{10}, kN, addr(2));
  net_.run_until(at_ms(1000));
  const LinkStats& ab = *net_.stats(addr(1), addr(2));
  EXPECT_EQ(ab.sent, kN);
  EXPECT_EQ(ab.delivered + ab.dropped_loss, kN);
  EXPECT_EQ(ab.dropped(), ab.dropped_loss);
  // Binomial(10000, 0.1): sd 30; allow five.
  EXPECT_NEAR(static_cast<double>(ab.dropped_loss), 1000.0, 150.0);
  EXPECT_EQ(b_.received.size(), ab.delivered);
  EXPECT_EQ(a_.received.size(), ab.delivered);  // the way back is lossless
  EXPECT_EQ(net_.stats(addr(2), addr(1))->dropped(), 0u);
  expect_conservation(net_);
}

TEST_F(TwoHosts, LossOfZeroAndOneAreExact) {
  LinkConfig c;
  c.loss = 1.0;
  net_.connect(addr(1), addr(2), c);
  a_.send_series(at_ms(0), ms(1), 100, addr(2));
  net_.run_until(at_ms(200));
  EXPECT_TRUE(b_.received.empty());
  EXPECT_EQ(net_.totals().dropped_loss, 100u);
  c.loss = 0.0;
  ASSERT_TRUE(net_.set_config(addr(1), addr(2), c));
  a_.send_series(at_ms(300), ms(1), 100, addr(2));
  net_.run_until(at_ms(500));
  EXPECT_EQ(b_.received.size(), 100u);
  EXPECT_EQ(net_.totals().dropped_loss, 100u);
}

TEST_F(TwoHosts, NonsensicalConfigIsClamped) {
  LinkConfig c;
  c.delay = ms(-5);
  c.loss = std::nan("");
  c.duplicate = -3.0;
  c.reorder = 7.0;
  c.reorder_extra = ms(-1);
  net_.connect(addr(1), addr(2), c);
  a_.send_series(at_ms(0), ms(1), 20, addr(2));
  net_.run_until(at_ms(100));
  ASSERT_EQ(b_.received.size(), 20u);
  for (const Received& r : b_.received) EXPECT_EQ(r.at, at_ms(r.number));
}

TEST_F(TwoHosts, DuplicationDeliversExtraCopies) {
  LinkConfig c = delay_only(ms(2));
  c.duplicate = 0.2;
  net_.connect(addr(1), addr(2), c);
  net_.set_direction_config(addr(2), addr(1), delay_only(ms(2)));
  constexpr std::uint32_t kN = 5000;
  a_.send_series(at_ms(0), Duration{50}, kN, addr(2));
  net_.run_until(at_ms(1000));
  const LinkStats& ab = *net_.stats(addr(1), addr(2));
  EXPECT_NEAR(static_cast<double>(ab.duplicated), 1000.0, 150.0);  // sd about 28
  EXPECT_EQ(ab.delivered, kN + ab.duplicated);
  EXPECT_EQ(b_.received.size(), kN + ab.duplicated);
  std::map<std::uint32_t, int> copies;
  for (const Received& r : b_.received) ++copies[r.number];
  ASSERT_EQ(copies.size(), kN);
  std::uint64_t twice = 0;
  for (const auto& [n, k] : copies) {
    EXPECT_TRUE(k == 1 || k == 2) << n;
    twice += k == 2 ? 1u : 0u;
  }
  EXPECT_EQ(twice, ab.duplicated);
  EXPECT_EQ(net_.totals().duplicated, ab.duplicated);
  expect_conservation(net_);
}

TEST_F(TwoHosts, DuplicateAlwaysGivesTwoIdenticalCopies) {
  LinkConfig c = delay_only(ms(1));
  c.duplicate = 1.0;
  net_.connect(addr(1), addr(2), c);
  net_.set_direction_config(addr(2), addr(1), delay_only(ms(1)));
  a_.send_at(at_ms(0), addr(2), 5, 300);
  net_.run_until(at_ms(10));
  ASSERT_EQ(b_.received.size(), 2u);
  for (const Received& r : b_.received) {
    EXPECT_EQ(r.number, 5u);
    EXPECT_EQ(r.size, 300u);
    EXPECT_EQ(r.at, at_ms(1));
  }
  EXPECT_EQ(a_.received.size(), 2u);
  EXPECT_EQ(net_.stats(addr(1), addr(2))->reordered, 0u);  // a duplicate is not a reorder
}

TEST_F(TwoHosts, ReorderingDelaysSomePacketsPastLaterOnes) {
  LinkConfig c = delay_only(ms(10));
  c.reorder = 0.1;
  c.reorder_extra = ms(5);
  net_.connect(addr(1), addr(2), c);
  constexpr std::uint32_t kN = 1000;
  a_.send_series(at_ms(0), ms(1), kN, addr(2));
  net_.run_until(at_ms(2000));
  ASSERT_EQ(b_.received.size(), kN);
  std::uint32_t late = 0;
  bool in_order = true;
  for (std::size_t i = 0; i < b_.received.size(); ++i) {
    const Received& r = b_.received[i];
    const Duration latency = r.at - at_ms(r.number);
    EXPECT_TRUE(latency == ms(10) || latency == ms(15));
    late += latency == ms(15) ? 1u : 0u;
    if (i > 0 && r.number < b_.received[i - 1].number) in_order = false;
  }
  EXPECT_FALSE(in_order);
  EXPECT_NEAR(late, 100.0, 50.0);  // sd about 9.5
  const std::uint64_t reordered = net_.stats(addr(1), addr(2))->reordered;
  EXPECT_GT(reordered, 0u);
  EXPECT_LE(reordered, late);
}

TEST_F(TwoHosts, NoImpairmentKeepsOrder) {
  net_.connect(addr(1), addr(2), delay_only(ms(3)));
  a_.send_series(at_ms(0), Duration{1}, 500, addr(2));
  net_.run_until(at_ms(100));
  ASSERT_EQ(b_.received.size(), 500u);
  for (std::uint32_t i = 0; i < 500; ++i) EXPECT_EQ(b_.received[i].number, i);
  EXPECT_EQ(net_.totals().reordered, 0u);
}

TEST_F(TwoHosts, BandwidthSerializesPackets) {
  LinkConfig c = delay_only(ms(1));
  c.bandwidth_bps = 1'000'000;  // 1250 bytes take 10 ms
  net_.connect(addr(1), addr(2), c);
  net_.set_direction_config(addr(2), addr(1), LinkConfig{});
  for (std::uint32_t i = 0; i < 5; ++i) a_.send_at(at_ms(0), addr(2), i, 1250);
  a_.send_at(at_ms(100), addr(2), 5, 1250);  // the link is idle again by then
  a_.send_at(at_ms(100), addr(2), 6, 125);   // 1 ms, queued behind the previous one
  net_.run_until(at_ms(500));
  ASSERT_EQ(b_.received.size(), 7u);
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(b_.received[i].number, i);
    EXPECT_EQ(b_.received[i].at, at_ms(11 + 10 * i));
  }
  EXPECT_EQ(b_.received[5].at, at_ms(111));
  EXPECT_EQ(b_.received[6].at, at_ms(112));
}

TEST_F(TwoHosts, BandwidthKeepsExactLongRunRate) {
  LinkConfig c;
  c.bandwidth_bps = 3'000'000;  // one byte takes 8/3 us: rounding must not accumulate
  net_.connect(addr(1), addr(2), c);
  for (std::uint32_t i = 0; i < 300; ++i) a_.send_at(at_ms(0), addr(2), i, 4);
  net_.run_until(at_ms(10));
  ASSERT_EQ(b_.received.size(), 300u);
  EXPECT_EQ(b_.received.back().at, at_us(3200));  // 300 * 32 bits / 3 Mbit/s
  for (std::size_t i = 1; i < b_.received.size(); ++i) {
    const auto gap = (b_.received[i].at - b_.received[i - 1].at).count();
    EXPECT_TRUE(gap == 10 || gap == 11) << gap;
  }
}

TEST_F(TwoHosts, FullQueueDropsTail) {
  LinkConfig c = delay_only(ms(1));
  c.bandwidth_bps = 1'000'000;
  c.queue_limit_bytes = 3 * 1250;
  net_.connect(addr(1), addr(2), c);
  net_.set_direction_config(addr(2), addr(1), LinkConfig{});
  for (std::uint32_t i = 0; i < 10; ++i) a_.send_at(at_ms(0), addr(2), i, 1250);
  // At 15 ms packet 0 has left: room for exactly one more.
  a_.send_at(at_ms(15), addr(2), 10, 1250);
  a_.send_at(at_ms(15), addr(2), 11, 1250);
  net_.run_until(at_ms(500));
  const LinkStats& ab = *net_.stats(addr(1), addr(2));
  EXPECT_EQ(ab.dropped_queue, 8u);
  EXPECT_EQ(ab.delivered, 4u);
  ASSERT_EQ(b_.received.size(), 4u);
  EXPECT_EQ(b_.received[0].number, 0u);
  EXPECT_EQ(b_.received[1].number, 1u);
  EXPECT_EQ(b_.received[2].number, 2u);
  EXPECT_EQ(b_.received[3].number, 10u);
  EXPECT_EQ(b_.received[3].at, at_ms(41));
  expect_conservation(net_);
}

TEST_F(TwoHosts, OversizedPacketsAreDropped) {
  LinkConfig c;
  c.mtu = 1200;
  net_.connect(addr(1), addr(2), c);
  a_.send_at(at_ms(0), addr(2), 1, 1200);
  a_.send_at(at_ms(0), addr(2), 2, 1201);
  net_.run_until(at_ms(10));
  ASSERT_EQ(b_.received.size(), 1u);
  EXPECT_EQ(b_.received[0].number, 1u);
  EXPECT_EQ(net_.stats(addr(1), addr(2))->dropped_mtu, 1u);
  EXPECT_EQ(net_.totals().dropped_mtu, 1u);
}

TEST_F(TwoHosts, LinkDownDropsBothDirectionsAndWhatIsInFlight) {
  net_.connect(addr(1), addr(2), delay_only(ms(10)));
  a_.send_at(at_ms(0), addr(2), 0);   // echo is on the wire back when the link goes down at 15
  a_.send_at(at_ms(12), addr(2), 1);  // on the wire when the link goes down
  net_.run_until(at_ms(15));
  EXPECT_EQ(b_.received.size(), 1u);
  ASSERT_TRUE(net_.set_link_up(addr(2), addr(1), false));
  a_.send_at(at_ms(16), addr(2), 2);  // sent while down
  net_.run_until(at_ms(17));
  ASSERT_TRUE(net_.set_link_up(addr(1), addr(2), true));  // back up before they would arrive
  a_.send_at(at_ms(30), addr(2), 3);
  net_.run_until(at_ms(100));
  ASSERT_EQ(b_.received.size(), 2u);
  EXPECT_EQ(b_.received[1].number, 3u);
  EXPECT_EQ(b_.received[1].at, at_ms(40));
  ASSERT_EQ(a_.received.size(), 1u);
  EXPECT_EQ(a_.received[0].number, 3u);
  EXPECT_EQ(net_.stats(addr(1), addr(2))->dropped_link_down, 2u);
  EXPECT_EQ(net_.stats(addr(2), addr(1))->dropped_link_down, 1u);
  EXPECT_EQ(net_.totals().dropped_link_down, 3u);
  EXPECT_FALSE(net_.set_link_up(addr(1), addr(9), false));
  expect_conservation(net_);
}

TEST_F(TwoHosts, LinkDownDropsQueuedPackets) {
  LinkConfig c;
  c.bandwidth_bps = 1'000'000;
  net_.connect(addr(1), addr(2), c);
  for (std::uint32_t i = 0; i < 4; ++i) a_.send_at(at_ms(0), addr(2), i, 1250);
  net_.run_until(at_ms(15));
  net_.set_link_up(addr(1), addr(2), false);
  net_.set_link_up(addr(1), addr(2), true);
  a_.send_at(at_ms(16), addr(2), 9, 1250);  // the queue is empty: 10 ms from now
  net_.run_until(at_ms(100));
  ASSERT_EQ(b_.received.size(), 2u);
  EXPECT_EQ(b_.received[1].number, 9u);
  EXPECT_EQ(b_.received[1].at, at_ms(26));
  EXPECT_EQ(net_.stats(addr(1), addr(2))->dropped_link_down, 3u);
  EXPECT_EQ(net_.stats(addr(2), addr(1))->dropped_link_down, 1u);  // echo of 0, due at 20 ms
}

TEST_F(TwoHosts, NoRouteIsCounted) {
  net_.connect(addr(1), addr(2), LinkConfig{});
  net_.connect(addr(1), addr(3), LinkConfig{});  // nobody holds 10.0.0.3
  a_.send_at(at_ms(0), addr(4), 1);              // no link at all
  a_.send_at(at_ms(0), addr(3), 2);
  net_.run_until(at_ms(10));
  EXPECT_TRUE(b_.received.empty());
  EXPECT_EQ(net_.totals().dropped_no_route, 2u);
  EXPECT_EQ(net_.stats(addr(1), addr(3))->dropped_no_route, 1u);
  EXPECT_EQ(net_.totals().sent, 2u);
  expect_conservation(net_);
}

TEST_F(TwoHosts, AddressBelongsToOneHost) {
  EchoHost other;
  EXPECT_FALSE(net_.attach(other, {addr(5), addr(2)}));
  EXPECT_TRUE(net_.attach(other, {addr(5)}));
}

TEST_F(TwoHosts, DetachedHostGetsNothingAndAReplacementTakesOver) {
  net_.connect(addr(1), addr(2), delay_only(ms(10)));
  a_.send_at(at_ms(0), addr(2), 0);
  net_.run_until(at_ms(5));
  net_.detach(b_);  // crashes with a packet on the way
  net_.run_until(at_ms(20));
  EXPECT_TRUE(b_.received.empty());
  EXPECT_EQ(net_.stats(addr(1), addr(2))->dropped_no_route, 1u);
  EchoHost restarted;
  ASSERT_TRUE(net_.attach(restarted, {addr(2)}));
  a_.send_at(at_ms(30), addr(2), 1);
  net_.run_until(at_ms(100));
  ASSERT_EQ(restarted.received.size(), 1u);
  EXPECT_EQ(a_.received.size(), 1u);
  EXPECT_TRUE(b_.received.empty());
}

TEST_F(TwoHosts, ConfigChangeAppliesToLaterPackets) {
  net_.connect(addr(1), addr(2), delay_only(ms(10)));
  a_.send_at(at_ms(0), addr(2), 0);
  a_.send_at(at_ms(6), addr(2), 1);
  net_.run_until(at_ms(5));
  ASSERT_TRUE(net_.set_config(addr(1), addr(2), delay_only(ms(1))));
  net_.run_until(at_ms(50));
  ASSERT_EQ(b_.received.size(), 2u);
  EXPECT_EQ(b_.received[0].number, 1u);
  EXPECT_EQ(b_.received[0].at, at_ms(7));
  EXPECT_EQ(b_.received[1].number, 0u);
  EXPECT_EQ(b_.received[1].at, at_ms(10));
  EXPECT_EQ(net_.stats(addr(1), addr(2))->reordered, 1u);
}

TEST_F(TwoHosts, FilterInspectsModifiesAndDrops) {
  net_.connect(addr(1), addr(2), delay_only(ms(1)));
  std::vector<std::uint32_t> seen;
  net_.set_filter(addr(1), addr(2), [&](Packet& p) {
    seen.push_back(number_of(p.bytes));
    if (number_of(p.bytes) % 2 == 1) return Verdict::kDrop;
    p.bytes[4] = 0xEE;
    return Verdict::kPass;
  });
  a_.send_series(at_ms(0), ms(1), 6, addr(2));
  net_.run_until(at_ms(20));
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5}));
  ASSERT_EQ(b_.received.size(), 3u);
  ASSERT_EQ(a_.received.size(), 3u);  // the way back has no filter
  EXPECT_EQ(net_.stats(addr(1), addr(2))->dropped_filter, 3u);
  net_.set_filter(addr(1), addr(2), nullptr);
  a_.send_at(at_ms(30), addr(2), 7);
  net_.run_until(at_ms(40));
  EXPECT_EQ(b_.received.size(), 4u);
  EXPECT_FALSE(net_.set_filter(addr(1), addr(7), nullptr));
}

TEST_F(TwoHosts, FilterSeesModificationInDelivery) {
  net_.connect(addr(1), addr(2), LinkConfig{});
  std::vector<std::uint8_t> echoed;
  net_.set_filter(addr(2), addr(1), [&](Packet& p) {
    p.bytes[3] = 99;  // the number becomes 99
    return Verdict::kPass;
  });
  a_.send_at(at_ms(0), addr(2), 1);
  net_.run_until(at_ms(1));
  ASSERT_EQ(a_.received.size(), 1u);
  EXPECT_EQ(a_.received[0].number, 99u);
}

TEST_F(TwoHosts, FilterCanInjectAndReplaceItself) {
  net_.connect(addr(1), addr(2), delay_only(ms(5)));
  net_.set_filter(addr(1), addr(2), [&](Packet& p) {
    // An on-path attacker answering in place of the peer, faster than the real answer.
    net_.inject(numbered(1000 + number_of(p.bytes), 20), p.to, p.from, net_.now() + ms(1));
    net_.set_filter(addr(1), addr(2), nullptr);  // only the first packet
    return Verdict::kPass;
  });
  a_.send_series(at_ms(0), ms(1), 3, addr(2));
  net_.run_until(at_ms(50));
  ASSERT_EQ(a_.received.size(), 4u);
  EXPECT_EQ(a_.received[0].number, 1000u);
  EXPECT_EQ(a_.received[0].at, at_ms(1));
  EXPECT_EQ(a_.received[0].from, addr(2));
  EXPECT_EQ(net_.totals().injected, 1u);
  expect_conservation(net_);
}

TEST_F(TwoHosts, InjectBypassesLinks) {
  // No link at all: injected packets still arrive, at the given time.
  net_.inject(numbered(3, 50), addr(9), addr(1), at_ms(7));
  net_.inject(numbered(4, 50), addr(9), addr(8), at_ms(7));  // nobody there
  net_.run_until(at_ms(5));
  EXPECT_TRUE(a_.received.empty());
  net_.run_until(at_ms(20));
  ASSERT_EQ(a_.received.size(), 1u);
  EXPECT_EQ(a_.received[0].at, at_ms(7));
  EXPECT_EQ(a_.received[0].from, addr(9));
  EXPECT_EQ(a_.received[0].size, 50u);
  EXPECT_EQ(net_.totals().dropped_no_route, 1u);
  net_.inject(numbered(5, 50), addr(9), addr(1), at_ms(0));  // in the past: now
  net_.run_until(at_ms(30));
  ASSERT_EQ(a_.received.size(), 2u);
  EXPECT_EQ(a_.received[1].at, at_ms(20));
  expect_conservation(net_);
}

TEST(Network, MultihomedHostReceivesOnEachAddress) {
  Network net(1);
  ScriptedHost a(addr(1));
  EchoHost b;
  net.attach(a, {addr(1)});
  net.attach(b, {addr(2), addr(3)});
  net.connect(addr(1), addr(2), delay_only(ms(5)));
  net.connect(addr(1), addr(3), delay_only(ms(20)));
  a.send_at(at_ms(0), addr(2), 1);
  a.send_at(at_ms(0), addr(3), 2);
  net.set_link_up(addr(1), addr(2), false);
  a.send_at(at_ms(50), addr(2), 3);
  a.send_at(at_ms(50), addr(3), 4);
  net.run_until(at_ms(100));
  ASSERT_EQ(b.received.size(), 2u);
  EXPECT_EQ(b.received[0].to, addr(3));
  EXPECT_EQ(b.received[0].at, at_ms(20));
  EXPECT_EQ(b.received[1].number, 4u);
  ASSERT_EQ(a.received.size(), 2u);
  EXPECT_EQ(a.received[0].from, addr(3));
  EXPECT_EQ(a.received[0].at, at_ms(40));
}

TEST(Network, TimeoutsFireAtTheirVirtualTime) {
  Network net(1);
  TimerHost t({at_ms(3), at_ms(7), at_ms(7), at_ms(20)});
  net.attach(t, {addr(1)});
  net.run_until(at_ms(10));
  EXPECT_EQ(t.fired, (std::vector<TimePoint>{at_ms(3), at_ms(7)}));
  EXPECT_EQ(net.now(), at_ms(10));
  EXPECT_TRUE(net.run_until([&] { return t.fired.size() == 3; }, at_ms(100)));
  EXPECT_EQ(net.now(), at_ms(20));  // stops at the event that made it true
  EXPECT_FALSE(net.run_until([] { return false; }, at_ms(50)));
  EXPECT_EQ(net.now(), at_ms(50));
  net.run_until(at_ms(40));  // never backwards
  EXPECT_EQ(net.now(), at_ms(50));
  net.run_for(ms(5));
  EXPECT_EQ(net.now(), at_ms(55));
  // Nothing pending and no limit: returns at once without moving the clock.
  EXPECT_FALSE(net.run_until([] { return false; }, kTimeInfinite));
  EXPECT_EQ(net.now(), at_ms(55));
  EXPECT_FALSE(net.stalled());
}

TEST(Network, PacketsDueGoBeforeTimersDueAtTheSameInstant) {
  Network net(1);
  ScriptedHost a(addr(1));
  TimerHost t({at_ms(5)});
  net.attach(t, {addr(2)});
  net.attach(a, {addr(1)});
  net.connect(addr(1), addr(2), delay_only(ms(4)));
  a.send_at(at_ms(1), addr(2), 1);
  net.run_until(at_ms(10));
  EXPECT_EQ(t.log, (std::vector<std::string>{"packet@5000", "timer@5000"}));
}

TEST(Network, RunUntilDoneStopsOnThePacketThatSatisfiesIt) {
  Network net(1);
  ScriptedHost a(addr(1));
  EchoHost b;
  net.attach(a, {addr(1)});
  net.attach(b, {addr(2)});
  net.connect(addr(1), addr(2), delay_only(ms(5)));
  a.send_series(at_ms(0), ms(1), 10, addr(2));
  EXPECT_TRUE(net.run_until([&] { return a.received.size() == 3; }, at_ms(1000)));
  EXPECT_EQ(net.now(), at_ms(12));
  EXPECT_EQ(a.received.size(), 3u);
  EXPECT_GT(net.in_flight(), 0u);
}

// A host whose deadline never moves: the network must not spin forever.
class StuckHost : public Host {
 public:
  void on_packet(std::span<const std::uint8_t>, const IpAddress&, const IpAddress&,
                 TimePoint) override {}
  TimePoint next_timeout() const override { return at_ms(1); }
  void on_timeout(TimePoint) override { ++calls; }
  bool poll_transmit(OutgoingPacket&, TimePoint) override { return false; }
  std::uint64_t calls = 0;
};

TEST(Network, StuckTimerStopsTheRun) {
  Network net(1);
  StuckHost h;
  net.attach(h, {addr(1)});
  net.run_until(at_ms(10));
  EXPECT_TRUE(net.stalled());
  EXPECT_EQ(net.now(), at_ms(1));
  EXPECT_GT(h.calls, 0u);
}

std::vector<std::string> impaired_trace(std::uint64_t seed) {
  Network net(seed);
  ScriptedHost a(addr(1));
  EchoHost b;
  net.attach(a, {addr(1)});
  net.attach(b, {addr(2)});
  LinkConfig c = delay_only(ms(10));
  c.jitter = ms(3);
  c.loss = 0.05;
  c.duplicate = 0.05;
  c.reorder = 0.05;
  c.reorder_extra = ms(7);
  c.bandwidth_bps = 10'000'000;
  c.queue_limit_bytes = 20'000;
  net.connect(addr(1), addr(2), c);
  std::vector<std::string> trace;
  net.set_tracer([&](const TraceRecord& r) {
    std::ostringstream s;
    s << r.time.time_since_epoch().count() << ' ' << static_cast<int>(r.kind) << ' '
      << to_string(r.reason) << ' ' << r.packet.id << ' ' << r.packet.from.to_string() << '>'
      << r.packet.to.to_string() << ' ' << number_of(r.packet.bytes) << ' '
      << r.packet.bytes.size();
    trace.push_back(s.str());
  });
  for (std::uint32_t i = 0; i < 500; ++i) a.send_at(at_us(200 * i), addr(2), i, 100 + i % 1000);
  net.run_until(at_ms(2000));
  expect_conservation(net);
  return trace;
}

TEST(Network, SameSeedGivesIdenticalTraceOtherSeedDiffers) {
  const auto t1 = impaired_trace(7);
  const auto t2 = impaired_trace(7);
  const auto t3 = impaired_trace(8);
  EXPECT_GT(t1.size(), 1000u);
  EXPECT_EQ(t1, t2);
  EXPECT_NE(t1, t3);
}

// Keeps `window` packets outstanding against an echo host until `total` have returned.
class BulkHost : public Host {
 public:
  BulkHost(IpAddress self, IpAddress peer, std::uint32_t window, std::uint32_t total)
      : self_(self), peer_(peer), to_send_(window), total_(total) {}
  void on_packet(std::span<const std::uint8_t>, const IpAddress&, const IpAddress&,
                 TimePoint) override {
    ++returned;
    if (sent_ + to_send_ < total_) ++to_send_;
  }
  TimePoint next_timeout() const override { return kTimeInfinite; }
  void on_timeout(TimePoint) override {}
  bool poll_transmit(OutgoingPacket& out, TimePoint) override {
    if (to_send_ == 0) return false;
    --to_send_;
    out.bytes.resize(1200);
    out.bytes[0] = static_cast<std::uint8_t>(sent_++);
    out.from = self_;
    out.to = peer_;
    return true;
  }
  std::uint32_t returned = 0;

 private:
  IpAddress self_, peer_;
  std::uint32_t to_send_;
  std::uint32_t sent_ = 0;
  std::uint32_t total_;
};

TEST(Network, ManyPackets) {
  Network net(3);
  BulkHost a(addr(1), addr(2), 64, 20'000);
  EchoHost b;
  net.attach(a, {addr(1)});
  net.attach(b, {addr(2)});
  LinkConfig c = delay_only(ms(10));
  c.jitter = Duration{500};
  c.bandwidth_bps = 100'000'000;
  net.connect(addr(1), addr(2), c);
  EXPECT_TRUE(net.run_until([&] { return a.returned == 20'000; }, kTimeZero + sec(3600)));
  EXPECT_EQ(net.totals().delivered, 40'000u);
  EXPECT_EQ(net.totals().bytes_delivered, 40'000u * 1200u);
  expect_conservation(net);
}

}  // namespace
}  // namespace sctps::sim
