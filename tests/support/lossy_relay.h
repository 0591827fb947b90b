// A lossy UDP relay over real sockets: it listens on one UDP port and forwards datagrams between a
// server and whichever client last sent to it, meeting each datagram with configurable loss,
// delay, jitter, duplication and reordering, decided by a seeded generator so that a run is
// repeatable. It puts real-socket tests (and users trying the tool) under the conditions the
// simulated network (sim/link.h) creates in virtual time. Users have it as `sctps relay`
// (apps/sctps/relay_command.cc builds this file into the tool).
//
//   client ──► relay ──► server        the relay's address is what the client connects to;
//   client ◄── relay ◄── server        the server sees every client as the relay's address.
//
// Run time is bounded (max_run_time): after it the relay forwards nothing more, so a test that
// forgets to stop it cannot hang on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <vector>

#include "net/event_loop.h"
#include "net/socket_address.h"
#include "net/udp_socket.h"

namespace sctps::test {

struct LossyRelayConfig {
  net::SocketAddress listen;  // the relay's own address; port 0: ephemeral
  net::SocketAddress server;  // where client datagrams go
  double loss = 0.0;          // probability that a datagram is dropped (each direction)
  net::Micros delay{0};       // added to every datagram
  net::Micros jitter{0};      // plus a uniform extra in [0, jitter] per datagram (may reorder)
  double duplicate = 0.0;     // probability that a datagram is sent twice (copy delayed on its own)
  double reorder = 0.0;       // probability that a datagram is held back by reorder_extra
  net::Micros reorder_extra{std::chrono::milliseconds(5)};
  std::uint64_t seed = 1;
  net::Micros max_run_time{std::chrono::seconds(30)};  // then it forwards nothing more
  std::size_t max_in_flight = 65536;  // datagrams held for delay; beyond it new ones are dropped
};

struct LossyRelayDirectionStats {
  std::uint64_t received = 0;
  std::uint64_t forwarded = 0;  // datagrams sent on, duplicates included
  std::uint64_t lost = 0;       // dropped on purpose (loss)
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t overflow = 0;  // dropped: too many in flight, no client yet, or send failed
};

struct LossyRelayStats {
  LossyRelayDirectionStats to_server;
  LossyRelayDirectionStats to_client;
  std::uint64_t after_deadline = 0;  // datagrams ignored after max_run_time
};

// A relay driven by the caller's event loop (on that loop's thread).
class LossyRelay {
 public:
  static net::NetResult<std::unique_ptr<LossyRelay>> create(net::EventLoop& loop,
                                                            const LossyRelayConfig& config);
  LossyRelay(const LossyRelay&) = delete;
  LossyRelay& operator=(const LossyRelay&) = delete;
  ~LossyRelay();

  // The address clients send to.
  const net::SocketAddress& address() const { return socket_.local_address(); }
  const LossyRelayStats& stats() const { return stats_; }
  bool expired() const { return loop_.now() >= deadline_; }
  std::size_t in_flight() const { return pending_.size(); }

 private:
  struct Pending {
    net::Micros release;
    std::uint64_t sequence;  // keeps equal release times in arrival order
    net::SocketAddress to;
    std::vector<std::uint8_t> bytes;
    bool to_server;
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.release != b.release ? a.release > b.release : a.sequence > b.sequence;
    }
  };

  LossyRelay(net::EventLoop& loop, const LossyRelayConfig& config, net::UdpSocket socket);
  void on_readable();
  void enqueue(std::span<const std::uint8_t> bytes, bool to_server, net::Micros now);
  void flush();
  void arm_timer();
  double uniform();  // [0, 1)

  net::EventLoop& loop_;
  LossyRelayConfig config_;
  net::UdpSocket socket_;
  net::RecvBatch batch_;
  net::SocketAddress client_;
  std::mt19937_64 random_;
  std::priority_queue<Pending, std::vector<Pending>, Later> pending_;
  std::uint64_t sequence_ = 0;
  net::TimerId timer_ = 0;
  net::Micros timer_at_{0};
  net::Micros deadline_;
  LossyRelayStats stats_;
};

// A relay with its own thread and event loop, for tests whose peers run on the main thread.
class BackgroundRelay {
 public:
  static net::NetResult<std::unique_ptr<BackgroundRelay>> start(const LossyRelayConfig& config);
  BackgroundRelay(const BackgroundRelay&) = delete;
  BackgroundRelay& operator=(const BackgroundRelay&) = delete;
  ~BackgroundRelay();  // stops and joins

  const net::SocketAddress& address() const { return address_; }
  // Stops the thread (idempotent); stats() is final afterwards.
  void stop();
  // Safe from any thread: the statistics as of the relay thread's last iteration (final after
  // stop()).
  LossyRelayStats stats();

 private:
  BackgroundRelay() = default;

  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<LossyRelay> relay_;
  net::SocketAddress address_;
  std::thread thread_;
  std::mutex stats_mutex_;
  LossyRelayStats snapshot_;
  std::atomic<bool> stopped_{false};
};

}  // namespace sctps::test
