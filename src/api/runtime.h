// Runtime: one core::Endpoint (the sans-IO engine) driven over UDP-encapsulated sockets (RFC 6951)
// by one net::EventLoop. It owns the loop, the sockets, the engine and the clock conversion.
//
// Driving: when a socket is readable, recv_batch → engine.handle_packet (with `to` from pktinfo)
// → the engine's packets are drained with poll_transmit into a fixed pool of buffers (allocated
// once; nothing per packet) and sent with send_batch. A single loop timer follows poll_timeout().
// When a send would block, draining stops and resumes when the socket is writable.
//
// Events: poll style. Engine events (core::Event) are queued and taken with poll_event(); call it
// after run_once / run_until, or give run_until a predicate that polls. No callbacks re-enter the
// engine.
//
// Threads: every method runs on the thread that drives the loop (run_once / run_until), except
// post_send() and loop().post()/stop(), which are thread-safe: post_send hands the message to the
// loop thread through EventLoop::post, where it is given to the engine and flushed.
//
// Remote UDP ports: learned from the source port of packets the engine accepted (its endpoint
// drop counters did not move), else the configured default (RFC 6951 §5.3-5.4).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/openssl_random.h"
#include "core/endpoint.h"
#include "core/events.h"
#include "core/options.h"
#include "net/event_loop.h"
#include "net/net_error.h"
#include "net/socket_address.h"
#include "net/udp_encapsulation.h"

namespace sctps::api {

struct RuntimeOptions {
  // IPs to bind (ports ignored). Empty: the IPv4 wildcard.
  std::vector<net::SocketAddress> local_addresses;
  // Our UDP encapsulation port: 9899 (RFC 6951 §5.1); 0: ephemeral.
  std::uint16_t udp_port = net::kSctpUdpTunnelingPort;
  // Where to send to a peer nothing was learned from yet.
  std::uint16_t remote_udp_port = net::kSctpUdpTunnelingPort;
  // Our SCTP port (0 is not allowed by SCTP for a listener; a client may pick any).
  std::uint16_t sctp_port = 5000;
  core::AssociationOptions association;
  // Receive batch slots; send batch slots.
  std::size_t batch_size = 64;
};

struct RuntimeCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  std::uint64_t implausible_dropped = 0;
  std::uint64_t send_dropped = 0;
  std::uint64_t icmp_errors = 0;
  std::uint64_t icmp_port_unreachable = 0;
};

class Runtime {
 public:
  // Errors name what failed: "cannot bind 127.0.0.1:9899: Address already in use".
  static net::NetResult<std::unique_ptr<Runtime>> create(const RuntimeOptions& options);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  // The UDP port actually bound (useful with udp_port 0) and the SCTP port.
  std::uint16_t udp_port() const { return sockets_.local_port; }
  std::uint16_t sctp_port() const { return options_.sctp_port; }

  // Starts an association to `remote` (IP and SCTP port). `remote_udp_port`: the peer's UDP port
  // if known (else the configured default). The AssociationUp / AssociationDown event tells how it
  // went.
  core::AssocId connect(const net::SocketAddress& remote,
                        std::optional<std::uint16_t> remote_udp_port = std::nullopt);
  core::SendStatus send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                        std::vector<std::uint8_t> payload, bool unordered = false);
  // Thread-safe: runs send() on the loop thread. The status is not reported; a kWouldBlock there
  // is dropped, so callers from other threads should pace themselves (see
  // stats().send_buffer_bytes).
  void post_send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                 std::vector<std::uint8_t> payload, bool unordered = false);
  bool shutdown(core::AssocId id);
  bool abort(core::AssocId id, std::string_view reason);

  std::optional<core::Event> poll_event();
  std::optional<core::AssociationStats> stats(core::AssocId id) const { return engine_->stats(id); }
  const core::EndpointStats& endpoint_stats() const { return engine_->endpoint_stats(); }
  const RuntimeCounters& counters() const { return counters_; }
  core::Endpoint& engine() { return *engine_; }
  net::EventLoop& loop() { return *loop_; }

  // Runs the loop once, waiting at most `max_wait`.
  void run_once(std::chrono::microseconds max_wait);
  // Runs until `done()` holds or `timeout` has passed; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::microseconds timeout);

 private:
  Runtime(RuntimeOptions options, std::unique_ptr<net::EventLoop> loop,
          net::UdpEncapsulationSockets sockets);
  TimePoint now() const { return TimePoint{loop_->now()}; }
  void on_readable(std::size_t socket_index);
  void on_writable(std::size_t socket_index);
  // Drains the engine: packets to the sockets, events to the queue, the timer to poll_timeout().
  void flush();
  bool send_pending();  // false: blocked
  void rearm_timer();
  void collect_events();

  RuntimeOptions options_;
  std::unique_ptr<net::EventLoop> loop_;
  net::UdpEncapsulationSockets sockets_;
  net::RemotePortMap ports_;
  OpenSslRandom random_;
  std::unique_ptr<core::Endpoint> engine_;
  net::RecvBatch recv_batch_;
  // Send pool: buffers_ are allocated once; pending_ holds views of them awaiting send_batch.
  std::vector<std::vector<std::uint8_t>> buffers_;
  std::vector<net::OutgoingDatagram> pending_;
  std::vector<net::UdpSocket*> pending_socket_;
  std::size_t pending_sent_ = 0;
  bool blocked_ = false;
  std::size_t blocked_socket_ = 0;
  std::deque<core::Event> events_;
  std::optional<net::TimerId> timer_;
  TimePoint timer_deadline_ = kTimeInfinite;
  RuntimeCounters counters_;
  std::vector<net::IcmpError> icmp_scratch_;
};

}  // namespace sctps::api
