// UDP over loopback with 1200-byte datagrams (a typical SCTP-over-UDP packet size): the rate of
// the batched socket layer with sendmmsg/recvmmsg, with GSO, and with GSO plus GRO; one thread
// alternating send and receive (lossless, measures the system call cost), and a sender and a
// receiver thread (measures what arrives). The alternating runs report system calls per datagram.
//
//   build/release/bench/sctps_micro_bench --benchmark_filter=Udp
#include <benchmark/benchmark.h>
#include <poll.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "net/datagram_batch.h"
#include "net/udp_socket.h"

namespace sctps::net {
namespace {

constexpr std::size_t kDatagram = 1200;
constexpr std::size_t kBatch = 32;

enum class Mode { kMmsg, kGso, kGsoGro };

struct Pair {
  UdpSocket sender;
  UdpSocket receiver;
};

std::optional<Pair> open_pair(Mode mode) {
  UdpSocketOptions send_options;
  send_options.send_buffer_bytes = 4 << 20;
  UdpSocketOptions receive_options;
  receive_options.receive_buffer_bytes = 4 << 20;
  receive_options.enable_gro = mode == Mode::kGsoGro;
  auto receiver =
      UdpSocket::open(SocketAddress::loopback(SocketAddress::Family::kV4, 0), receive_options);
  auto sender =
      UdpSocket::open(SocketAddress::loopback(SocketAddress::Family::kV4, 0), send_options);
  if (!receiver || !sender) return std::nullopt;
  return Pair{std::move(sender).value(), std::move(receiver).value()};
}

// What one "send" hands the socket: kBatch datagrams, or one GSO buffer holding them.
std::vector<OutgoingDatagram> make_outgoing(Mode mode, const std::vector<std::uint8_t>& bytes,
                                            const SocketAddress& to) {
  std::vector<OutgoingDatagram> out;
  if (mode == Mode::kMmsg) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      out.push_back(
          OutgoingDatagram{std::span(bytes).subspan(i * kDatagram, kDatagram), to, {}, 0});
    }
  } else {
    out.push_back(OutgoingDatagram{bytes, to, {}, static_cast<std::uint16_t>(kDatagram)});
  }
  return out;
}

bool skip_unsupported(benchmark::State& state, Mode mode, const Pair& p) {
  if (mode != Mode::kMmsg && !p.sender.gso_enabled()) {
    state.SkipWithError("UDP GSO not available");
    return true;
  }
  if (mode == Mode::kGsoGro && !p.receiver.gro_enabled()) {
    state.SkipWithError("UDP GRO not available");
    return true;
  }
  return false;
}

void BM_UdpLoopbackAlternating(benchmark::State& state, Mode mode) {
  auto pair = open_pair(mode);
  if (!pair) {
    state.SkipWithError("cannot open loopback sockets");
    return;
  }
  if (skip_unsupported(state, mode, *pair)) return;
  const std::vector<std::uint8_t> bytes(kDatagram * kBatch, 0xab);
  const auto out = make_outgoing(mode, bytes, pair->receiver.local_address());
  RecvBatch batch(kBatch, mode == Mode::kGsoGro ? kGroSlotSize : 2048);
  std::uint64_t received = 0;
  std::uint64_t waits = 0;  // receive calls that found nothing yet (delivery runs in softirq)
  for (auto _ : state) {
    const SendResult r = pair->sender.send_batch(out);
    benchmark::DoNotOptimize(r);
    std::size_t got = 0;
    for (int spins = 0; got < kBatch && spins < 1000; ++spins) {
      auto n = pair->receiver.recv_batch(batch);
      if (!n) break;
      if (*n == 0) {
        ++waits;
        pollfd p{pair->receiver.fd(), POLLIN, 0};
        ::poll(&p, 1, 1);
        continue;
      }
      got += *n;
      for (const ReceivedDatagram d : batch) benchmark::DoNotOptimize(d.data.data());
    }
    received += got;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(received * kDatagram));
  state.counters["datagrams/s"] =
      benchmark::Counter(static_cast<double>(received), benchmark::Counter::kIsRate);
  state.counters["waits/iter"] = static_cast<double>(waits) /
                                 static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
  // System calls per datagram on each side (SocketStats counts them).
  const double datagrams = static_cast<double>(std::max<std::uint64_t>(1, received));
  state.counters["send_calls/dgram"] =
      static_cast<double>(pair->sender.stats().send_calls) / datagrams;
  state.counters["recv_calls/dgram"] =
      static_cast<double>(pair->receiver.stats().receive_calls) / datagrams;
}

void BM_UdpLoopbackTwoThreads(benchmark::State& state, Mode mode) {
  auto pair = open_pair(mode);
  if (!pair) {
    state.SkipWithError("cannot open loopback sockets");
    return;
  }
  if (skip_unsupported(state, mode, *pair)) return;
  const std::vector<std::uint8_t> bytes(kDatagram * kBatch, 0xcd);
  const auto out = make_outgoing(mode, bytes, pair->receiver.local_address());
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> received{0};
  std::thread receiver([&] {
    RecvBatch batch(64, mode == Mode::kGsoGro ? kGroSlotSize : 2048);
    std::uint64_t count = 0;
    while (!done.load(std::memory_order_relaxed)) {
      auto n = pair->receiver.recv_batch(batch);
      if (!n) break;
      if (*n == 0) {
        pollfd p{pair->receiver.fd(), POLLIN, 0};
        ::poll(&p, 1, 1);
        continue;
      }
      count += *n;
    }
    received.store(count);
  });
  for (auto _ : state) {
    SendResult r = pair->sender.send_batch(out);
    if (r.would_block) {
      pollfd p{pair->sender.fd(), POLLOUT, 0};
      ::poll(&p, 1, 1);
    }
  }
  done.store(true);
  receiver.join();
  state.SetBytesProcessed(static_cast<std::int64_t>(received.load() * kDatagram));
  state.counters["datagrams/s"] =
      benchmark::Counter(static_cast<double>(received.load()), benchmark::Counter::kIsRate);
  state.counters["delivered"] =
      static_cast<double>(received.load()) / static_cast<double>(state.iterations() * kBatch);
}

BENCHMARK_CAPTURE(BM_UdpLoopbackAlternating, sendmmsg_recvmmsg, Mode::kMmsg)->UseRealTime();
BENCHMARK_CAPTURE(BM_UdpLoopbackAlternating, gso, Mode::kGso)->UseRealTime();
BENCHMARK_CAPTURE(BM_UdpLoopbackAlternating, gso_gro, Mode::kGsoGro)->UseRealTime();
BENCHMARK_CAPTURE(BM_UdpLoopbackTwoThreads, sendmmsg_recvmmsg, Mode::kMmsg)->UseRealTime();
BENCHMARK_CAPTURE(BM_UdpLoopbackTwoThreads, gso, Mode::kGso)->UseRealTime();
BENCHMARK_CAPTURE(BM_UdpLoopbackTwoThreads, gso_gro, Mode::kGsoGro)->UseRealTime();

}  // namespace
}  // namespace sctps::net
