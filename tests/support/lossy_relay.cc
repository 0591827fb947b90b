#include "lossy_relay.h"

#include <algorithm>

namespace sctps::test {

using net::Micros;

net::NetResult<std::unique_ptr<LossyRelay>> LossyRelay::create(net::EventLoop& loop,
                                                               const LossyRelayConfig& config) {
  net::UdpSocketOptions options;
  options.receive_buffer_bytes = 4 << 20;
  options.send_buffer_bytes = 4 << 20;
  auto socket = net::UdpSocket::open(config.listen, options);
  if (!socket) return socket.error();
  std::unique_ptr<LossyRelay> relay(new LossyRelay(loop, config, std::move(socket).value()));
  LossyRelay* self = relay.get();
  if (auto st = loop.add_fd(self->socket_.fd(), [self] { self->on_readable(); }); !st) {
    return st.error();
  }
  return relay;
}

LossyRelay::LossyRelay(net::EventLoop& loop, const LossyRelayConfig& config, net::UdpSocket socket)
    : loop_(loop),
      config_(config),
      socket_(std::move(socket)),
      batch_(32, 65536),
      random_(config.seed),
      deadline_(loop.now() + config.max_run_time) {}

LossyRelay::~LossyRelay() {
  loop_.remove_fd(socket_.fd());
  if (timer_ != 0) loop_.cancel_timer(timer_);
}

double LossyRelay::uniform() {
  // 53 random bits: the same sequence for a seed whatever the standard library.
  return static_cast<double>(random_() >> 11) * 0x1.0p-53;
}

void LossyRelay::on_readable() {
  for (int round = 0; round < 16; ++round) {
    auto received = socket_.recv_batch(batch_);
    if (!received || *received == 0) break;
    const Micros now = loop_.now();
    for (const net::ReceivedDatagram d : batch_) {
      if (now >= deadline_) {
        ++stats_.after_deadline;
        continue;
      }
      const bool to_server = !(d.from == config_.server);
      if (to_server) client_ = d.from;
      enqueue(d.data, to_server, now);
    }
  }
  // ICMP errors (a peer that went away) are of no interest, but must not stay queued: they keep
  // the socket readable.
  net::IcmpError errors[16];
  while (socket_.read_errors(errors) == std::size(errors)) {
  }
  flush();
  arm_timer();
}

void LossyRelay::enqueue(std::span<const std::uint8_t> bytes, bool to_server, Micros now) {
  LossyRelayDirectionStats& st = to_server ? stats_.to_server : stats_.to_client;
  ++st.received;
  if (!to_server && client_.is_unspecified()) {
    ++st.overflow;
    return;
  }
  if (uniform() < config_.loss) {
    ++st.lost;
    return;
  }
  int copies = 1;
  if (uniform() < config_.duplicate) {
    copies = 2;
    ++st.duplicated;
  }
  for (int c = 0; c < copies; ++c) {
    Micros delay = config_.delay;
    if (config_.jitter > Micros(0)) {
      delay +=
          Micros(static_cast<Micros::rep>(uniform() * static_cast<double>(config_.jitter.count())));
    }
    if (uniform() < config_.reorder) {
      delay += config_.reorder_extra;
      ++st.reordered;
    }
    if (pending_.size() >= config_.max_in_flight) {
      ++st.overflow;
      continue;
    }
    pending_.push(Pending{now + delay, sequence_++, to_server ? config_.server : client_,
                          std::vector<std::uint8_t>(bytes.begin(), bytes.end()), to_server});
  }
}

void LossyRelay::flush() {
  const Micros now = loop_.now();
  while (!pending_.empty() && pending_.top().release <= now) {
    const Pending& p = pending_.top();
    LossyRelayDirectionStats& st = p.to_server ? stats_.to_server : stats_.to_client;
    const net::OutgoingDatagram out{p.bytes, p.to, {}, 0};
    const net::SendResult r = socket_.send_batch(std::span<const net::OutgoingDatagram>(&out, 1));
    if (r.consumed == 1 && r.dropped == 0) {
      ++st.forwarded;
    } else {
      ++st.overflow;
    }
    pending_.pop();
  }
}

void LossyRelay::arm_timer() {
  if (pending_.empty()) {
    if (timer_ != 0) loop_.cancel_timer(timer_);
    timer_ = 0;
    return;
  }
  const Micros at = pending_.top().release;
  if (timer_ != 0 && timer_at_ == at) return;
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_at_ = at;
  timer_ = loop_.add_timer(at, [this] {
    timer_ = 0;
    flush();
    arm_timer();
  });
}

net::NetResult<std::unique_ptr<BackgroundRelay>> BackgroundRelay::start(
    const LossyRelayConfig& config) {
  std::unique_ptr<BackgroundRelay> b(new BackgroundRelay());
  auto loop = net::EventLoop::create();
  if (!loop) return loop.error();
  b->loop_ = std::move(loop).value();
  auto relay = LossyRelay::create(*b->loop_, config);
  if (!relay) return relay.error();
  b->relay_ = std::move(relay).value();
  b->address_ = b->relay_->address();
  // Long enough to deliver what is still held when the relay's own deadline passes.
  const Micros end = b->loop_->now() + config.max_run_time + config.delay + config.jitter +
                     config.reorder_extra + Micros(std::chrono::milliseconds(100));
  BackgroundRelay* self = b.get();
  b->thread_ = std::thread([self, end] {
    while (!self->stopped_.load() && self->loop_->now() < end) {
      self->loop_->run_once(
          std::min(Micros(std::chrono::milliseconds(10)), end - self->loop_->now()));
      const std::lock_guard lock(self->stats_mutex_);
      self->snapshot_ = self->relay_->stats();
    }
  });
  return b;
}

BackgroundRelay::~BackgroundRelay() {
  stop();
}

void BackgroundRelay::stop() {
  if (stopped_.exchange(true)) return;
  loop_->stop();
  if (thread_.joinable()) thread_.join();
  const std::lock_guard lock(stats_mutex_);
  snapshot_ = relay_->stats();
}

LossyRelayStats BackgroundRelay::stats() {
  const std::lock_guard lock(stats_mutex_);
  return snapshot_;
}

}  // namespace sctps::test
