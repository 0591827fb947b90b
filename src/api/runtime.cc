#include "api/runtime.h"

#include <algorithm>
#include <array>
#include <utility>

namespace sctps::api {
namespace {

std::optional<IpAddress> to_ip(const net::SocketAddress& a) {
  const auto b = a.ip_bytes();
  if (b.size() == 4) {
    std::array<std::uint8_t, 4> v{};
    std::copy(b.begin(), b.end(), v.begin());
    return IpAddress::v4(v);
  }
  if (b.size() == 16) {
    std::array<std::uint8_t, 16> v{};
    std::copy(b.begin(), b.end(), v.begin());
    return IpAddress::v6(v);
  }
  return std::nullopt;
}

std::uint64_t drops(const core::EndpointStats& s) {
  return s.dropped_bad_checksum + s.dropped_malformed + s.dropped_wrong_port +
         s.dropped_bundled_init + s.dropped_zero_tag + s.dropped_out_of_the_blue +
         s.dropped_bad_cookie + s.stale_cookies;
}

constexpr std::size_t kRecvSlotSize = 16384;
constexpr int kMaxReadRounds = 16;

}  // namespace

net::NetResult<std::unique_ptr<Runtime>> Runtime::create(const RuntimeOptions& options) {
  net::UdpEncapsulationConfig config;
  config.local_port = options.udp_port;
  config.default_remote_port = options.remote_udp_port;
  if (options.local_addresses.empty()) {
    config.local_addresses = {net::SocketAddress::any(net::SocketAddress::Family::kV4, 0)};
  } else {
    config.local_addresses = options.local_addresses;
  }
  auto loop = net::EventLoop::create();
  if (!loop.ok()) {
    return net::NetError{loop.error().code, "cannot create event loop: " + loop.error().message};
  }
  auto sockets = net::open_udp_encapsulation(config);
  if (!sockets.ok()) {
    std::string message = sockets.error().message;
    // "bind UDP 127.0.0.1:9899: ..." -> "cannot bind 127.0.0.1:9899: ...".
    if (const auto at = message.find("bind UDP "); at != std::string::npos) {
      message = "bind " + message.substr(at + 9);
    }
    return net::NetError{sockets.error().code, "cannot " + message};
  }
  std::unique_ptr<Runtime> runtime(
      new Runtime(options, std::move(loop).value(), std::move(sockets).value()));
  for (std::size_t i = 0; i < runtime->sockets_.sockets.size(); ++i) {
    Runtime* r = runtime.get();
    auto status = r->loop_->add_fd(
        r->sockets_.sockets[i].fd(), [r, i] { r->on_readable(i); }, [r, i] { r->on_writable(i); });
    if (!status.ok()) {
      return net::NetError{status.error().code,
                           "cannot register socket: " + status.error().message};
    }
  }
  return runtime;
}

Runtime::Runtime(RuntimeOptions options, std::unique_ptr<net::EventLoop> loop,
                 net::UdpEncapsulationSockets sockets)
    : options_(std::move(options)),
      loop_(std::move(loop)),
      sockets_(std::move(sockets)),
      ports_(options_.remote_udp_port, 65536),
      recv_batch_(options_.batch_size, kRecvSlotSize),
      icmp_scratch_(16) {
  core::EndpointConfig config;
  config.local_port = options_.sctp_port;
  config.association = options_.association;
  for (const auto& a : options_.local_addresses) {
    if (a.is_any()) continue;
    if (auto ip = to_ip(a)) config.local_addresses.push_back(*ip);
  }
  engine_ = std::make_unique<core::Endpoint>(std::move(config), random_, now());
  const std::size_t buffer_size = std::max<std::size_t>(options_.association.mtu, 1500);
  buffers_.assign(options_.batch_size, std::vector<std::uint8_t>(buffer_size));
  pending_.reserve(options_.batch_size);
  pending_socket_.reserve(options_.batch_size);
}

Runtime::~Runtime() {
  if (timer_) loop_->cancel_timer(*timer_);
  for (auto& s : sockets_.sockets) loop_->remove_fd(s.fd());
}

core::AssocId Runtime::connect(const net::SocketAddress& remote,
                               std::optional<std::uint16_t> remote_udp_port) {
  const auto ip = to_ip(remote);
  if (!ip) return 0;
  if (remote_udp_port) ports_.set(remote, *remote_udp_port);
  const core::AssocId id = engine_->connect({*ip}, remote.port(), now());
  flush();
  return id;
}

core::SendStatus Runtime::send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                               std::vector<std::uint8_t> payload, bool unordered) {
  core::SendOptions o;
  o.unordered = unordered;
  const auto status = engine_->send(id, StreamId(stream), Ppid(ppid), std::move(payload), o, now());
  flush();
  return status;
}

void Runtime::post_send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                        std::vector<std::uint8_t> payload, bool unordered) {
  loop_->post([this, id, stream, ppid, p = std::move(payload), unordered]() mutable {
    (void)send(id, stream, ppid, std::move(p), unordered);
  });
}

bool Runtime::shutdown(core::AssocId id) {
  const bool ok = engine_->shutdown(id, now());
  flush();
  return ok;
}

bool Runtime::abort(core::AssocId id, std::string_view reason) {
  const bool ok = engine_->abort(id, reason, now());
  flush();
  return ok;
}

std::optional<core::Event> Runtime::poll_event() {
  if (events_.empty()) return std::nullopt;
  core::Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Runtime::run_once(std::chrono::microseconds max_wait) {
  loop_->run_once(max_wait);
}

bool Runtime::run_until(const std::function<bool()>& done, std::chrono::microseconds timeout) {
  return loop_->run_until(done, loop_->now() + timeout);
}

void Runtime::on_readable(std::size_t socket_index) {
  net::UdpSocket& socket = sockets_.sockets[socket_index];
  for (;;) {
    const std::size_t n = socket.read_errors(icmp_scratch_);
    for (std::size_t i = 0; i < n; ++i) {
      ++counters_.icmp_errors;
      if (icmp_scratch_[i].kind == net::IcmpError::Kind::kPortUnreachable) {
        ++counters_.icmp_port_unreachable;
      }
    }
    if (n < icmp_scratch_.size()) break;
  }
  const auto local = to_ip(socket.local_address());
  for (int round = 0; round < kMaxReadRounds; ++round) {
    auto received = socket.recv_batch(recv_batch_);
    if (!received.ok() || *received == 0) break;
    const TimePoint t = now();
    for (const net::ReceivedDatagram d : recv_batch_) {
      ++counters_.datagrams_in;
      if (!net::plausible_encapsulated_packet(d.data, d.from)) {
        ++counters_.implausible_dropped;
        continue;
      }
      const auto from = to_ip(d.from);
      auto to = d.to.is_unspecified() ? local : to_ip(d.to);
      if (!from || !to) {
        ++counters_.implausible_dropped;
        continue;
      }
      const std::uint64_t before = drops(engine_->endpoint_stats());
      engine_->handle_packet(d.data, *from, *to, t);
      if (drops(engine_->endpoint_stats()) == before) ports_.learn(d.from);
    }
    flush();
  }
}

void Runtime::on_writable(std::size_t socket_index) {
  (void)loop_->set_write_interest(sockets_.sockets[socket_index].fd(), false);
  blocked_ = false;
  flush();
}

bool Runtime::send_pending() {
  while (pending_sent_ < pending_.size()) {
    net::UdpSocket* socket = pending_socket_[pending_sent_];
    std::size_t end = pending_sent_;
    while (end < pending_.size() && pending_socket_[end] == socket) ++end;
    const auto result =
        socket->send_batch(std::span(pending_).subspan(pending_sent_, end - pending_sent_));
    pending_sent_ += result.consumed;
    counters_.send_dropped += result.dropped;
    counters_.datagrams_out += result.consumed - result.dropped;
    if (result.would_block) {
      blocked_ = true;
      for (std::size_t i = 0; i < sockets_.sockets.size(); ++i) {
        if (&sockets_.sockets[i] == socket) {
          blocked_socket_ = i;
          (void)loop_->set_write_interest(socket->fd(), true);
        }
      }
      return false;
    }
    if (result.consumed == 0) {  // refused without blocking: give these up
      counters_.send_dropped += end - pending_sent_;
      pending_sent_ = end;
    }
  }
  return true;
}

void Runtime::flush() {
  if (!blocked_) {
    const TimePoint t = now();
    for (;;) {
      if (!send_pending()) break;
      pending_.clear();
      pending_socket_.clear();
      pending_sent_ = 0;
      std::size_t n = 0;
      while (n < buffers_.size()) {
        auto tx = engine_->poll_transmit(buffers_[n], t);
        if (!tx) break;
        const auto to = net::SocketAddress::from_ip_bytes(tx->to.bytes(), 0);
        if (!to) continue;
        const net::SocketAddress destination = ports_.destination(*to);
        net::SocketAddress from;
        if (tx->from) {
          if (auto f = net::SocketAddress::from_ip_bytes(tx->from->bytes(), 0)) from = *f;
        }
        net::UdpSocket* socket = sockets_.socket_for(destination.family(), from);
        if (socket == nullptr) {
          ++counters_.send_dropped;
          continue;
        }
        // A socket bound to one address sends from it anyway; a wildcard one uses `from`.
        if (!socket->local_address().is_any() || from.family() != destination.family()) {
          from = net::SocketAddress();
        }
        pending_.push_back(net::OutgoingDatagram{
            std::span<const std::uint8_t>(buffers_[n].data(), tx->size), destination, from, 0});
        pending_socket_.push_back(socket);
        ++n;
      }
      if (pending_.empty()) break;
    }
  }
  collect_events();
  rearm_timer();
}

void Runtime::collect_events() {
  while (auto e = engine_->poll_event()) {
    if (const auto* down = std::get_if<core::AssociationDown>(&*e)) {
      (void)down;  // learned ports stay: other associations may share the address
    }
    events_.push_back(std::move(*e));
  }
}

void Runtime::rearm_timer() {
  const TimePoint deadline = engine_->poll_timeout();
  if (timer_ && deadline == timer_deadline_) return;
  if (timer_) loop_->cancel_timer(*timer_);
  timer_.reset();
  timer_deadline_ = deadline;
  if (deadline == kTimeInfinite) return;
  timer_ = loop_->add_timer(deadline.time_since_epoch(), [this] {
    timer_.reset();
    timer_deadline_ = kTimeInfinite;
    engine_->advance_time(now());
    flush();
  });
}

}  // namespace sctps::api
