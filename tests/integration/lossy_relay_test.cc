// The lossy relay does what it is configured to do, within statistical bounds for a fixed seed.
#include "support/lossy_relay.h"

#include <gtest/gtest.h>

#include <map>

#include "net_test_util.h"

namespace sctps::test {
namespace {

using namespace std::chrono_literals;
using net::Micros;
using net::OutgoingDatagram;
using net::ReceivedDatagram;
using net::RecvBatch;
using net::SocketAddress;
using net::UdpSocket;
using net::testing::Family;
using net::testing::index_of;
using net::testing::pattern;

struct RelayRig {
  UdpSocket client;
  UdpSocket server;
  std::unique_ptr<BackgroundRelay> relay;
};

net::UdpSocketOptions big_buffers() {
  net::UdpSocketOptions o;
  o.receive_buffer_bytes = 4 << 20;
  o.send_buffer_bytes = 4 << 20;
  return o;
}

RelayRig make(LossyRelayConfig config) {
  auto client = UdpSocket::open(SocketAddress::loopback(Family::kV4, 0), big_buffers());
  auto server = UdpSocket::open(SocketAddress::loopback(Family::kV4, 0), big_buffers());
  EXPECT_TRUE(client && server);
  config.listen = SocketAddress::loopback(Family::kV4, 0);
  config.server = server->local_address();
  auto relay = BackgroundRelay::start(config);
  EXPECT_TRUE(relay) << relay.error().message;
  return RelayRig{std::move(client).value(), std::move(server).value(), std::move(relay).value()};
}

// Sends `count` datagrams (the index and the send time inside), paced in bursts of 50.
void send_indexed(UdpSocket& from, const SocketAddress& to, std::uint32_t count) {
  for (std::uint32_t i = 0; i < count; ++i) {
    auto p = pattern(100, i);
    const auto now = net::monotonic_now().count();
    std::memcpy(p.data() + 4, &now, sizeof(now));
    const OutgoingDatagram d{p, to, {}, 0};
    ASSERT_EQ(from.send_batch(std::span(&d, 1)).consumed, 1u);
    if (i % 50 == 49) std::this_thread::sleep_for(1ms);
  }
}

struct Arrival {
  std::uint32_t index;
  Micros latency;
};

std::vector<Arrival> receive_all(UdpSocket& socket, std::chrono::milliseconds quiet) {
  std::vector<Arrival> got;
  RecvBatch batch(64, 2048);
  // Until nothing arrived for `quiet`.
  for (;;) {
    const std::size_t n = net::testing::receive_until(
        socket, batch, 1'000'000, quiet, [&](const ReceivedDatagram& d) {
          std::int64_t sent = 0;
          std::memcpy(&sent, d.data.data() + 4, sizeof(sent));
          got.push_back(Arrival{*index_of(d.data), net::monotonic_now() - Micros(sent)});
        });
    if (n == 0) return got;
  }
}

TEST(LossyRelay, DropsTheConfiguredShare) {
  LossyRelayConfig config;
  config.loss = 0.25;
  config.seed = 7;
  RelayRig s = make(config);
  constexpr std::uint32_t kCount = 2000;
  send_indexed(s.client, s.relay->address(), kCount);
  const auto got = receive_all(s.server, 300ms);
  s.relay->stop();
  const LossyRelayStats st = s.relay->stats();
  EXPECT_EQ(st.to_server.received, kCount);
  EXPECT_EQ(st.to_server.lost + st.to_server.forwarded, kCount);
  EXPECT_EQ(got.size(), st.to_server.forwarded);
  // Binomial(2000, 0.75): mean 1500, sd 19.4; 5 sd either way.
  EXPECT_GT(got.size(), 1400u);
  EXPECT_LT(got.size(), 1600u);
  std::printf("loss 0.25: %zu of %u arrived\n", got.size(), kCount);
}

TEST(LossyRelay, SameSeedSameFate) {
  LossyRelayConfig config;
  config.loss = 0.3;
  config.seed = 99;
  std::vector<std::vector<std::uint32_t>> runs;
  for (int run = 0; run < 2; ++run) {
    RelayRig s = make(config);
    send_indexed(s.client, s.relay->address(), 300);
    std::vector<std::uint32_t> indexes;
    for (const Arrival& a : receive_all(s.server, 200ms)) indexes.push_back(a.index);
    std::sort(indexes.begin(), indexes.end());
    runs.push_back(indexes);
  }
  EXPECT_EQ(runs[0], runs[1]);
}

TEST(LossyRelay, DelaysEveryDatagram) {
  LossyRelayConfig config;
  config.delay = Micros(30ms);
  config.jitter = Micros(10ms);
  RelayRig s = make(config);
  send_indexed(s.client, s.relay->address(), 50);
  const auto got = receive_all(s.server, 300ms);
  ASSERT_EQ(got.size(), 50u);
  for (const Arrival& a : got) {
    EXPECT_GE(a.latency, Micros(30ms)) << "datagram " << a.index;
    EXPECT_LT(a.latency, Micros(30ms + 10ms + 250ms)) << "datagram " << a.index;
  }
}

TEST(LossyRelay, DuplicatesAndReorders) {
  LossyRelayConfig config;
  config.duplicate = 0.2;
  config.reorder = 0.1;
  config.reorder_extra = Micros(20ms);
  config.seed = 3;
  RelayRig s = make(config);
  constexpr std::uint32_t kCount = 1000;
  send_indexed(s.client, s.relay->address(), kCount);
  const auto got = receive_all(s.server, 300ms);
  s.relay->stop();
  const LossyRelayStats st = s.relay->stats();
  std::map<std::uint32_t, int> copies;
  std::uint32_t highest = 0;
  std::size_t late = 0;
  for (const Arrival& a : got) {
    ++copies[a.index];
    if (a.index < highest) ++late;
    highest = std::max(highest, a.index);
  }
  EXPECT_EQ(copies.size(), kCount);  // nothing lost
  std::size_t doubled = 0;
  for (const auto& [index, n] : copies) doubled += n == 2 ? 1 : 0;
  EXPECT_EQ(doubled, st.to_server.duplicated);
  EXPECT_EQ(got.size(), kCount + st.to_server.duplicated);
  // Binomial(1000, 0.2): mean 200, sd 12.6. Reordering applies per copy: about 120 of 1200.
  EXPECT_GT(st.to_server.duplicated, 135u);
  EXPECT_LT(st.to_server.duplicated, 265u);
  EXPECT_GT(st.to_server.reordered, 60u);
  EXPECT_LT(st.to_server.reordered, 180u);
  EXPECT_GT(late, 0u);
  std::printf("duplicated %llu, reordered %llu, arrived late %zu\n",
              static_cast<unsigned long long>(st.to_server.duplicated),
              static_cast<unsigned long long>(st.to_server.reordered), late);
}

TEST(LossyRelay, RepliesReachTheClient) {
  RelayRig s = make(LossyRelayConfig{});
  send_indexed(s.client, s.relay->address(), 1);
  RecvBatch batch(4, 2048);
  SocketAddress relay_seen_by_server;
  ASSERT_EQ(net::testing::receive_until(
                s.server, batch, 1, 2000ms,
                [&](const ReceivedDatagram& d) { relay_seen_by_server = d.from; }),
            1u);
  EXPECT_EQ(relay_seen_by_server, s.relay->address());
  const auto reply = pattern(10, 77);
  const OutgoingDatagram d{reply, relay_seen_by_server, {}, 0};
  ASSERT_EQ(s.server.send_batch(std::span(&d, 1)).consumed, 1u);
  std::uint32_t index = 0;
  ASSERT_EQ(net::testing::receive_until(s.client, batch, 1, 2000ms,
                                        [&](const ReceivedDatagram& got) {
                                          index = *index_of(got.data);
                                          EXPECT_EQ(got.from, s.relay->address());
                                        }),
            1u);
  EXPECT_EQ(index, 77u);
  s.relay->stop();
  EXPECT_EQ(s.relay->stats().to_client.forwarded, 1u);
}

TEST(LossyRelay, RunTimeIsBounded) {
  LossyRelayConfig config;
  config.max_run_time = Micros(100ms);
  RelayRig s = make(config);
  std::this_thread::sleep_for(250ms);
  send_indexed(s.client, s.relay->address(), 5);
  const auto got = receive_all(s.server, 200ms);
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace sctps::test
