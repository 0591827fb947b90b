// One direction of a simulated link (see link.h).
#include "support/sim/link.h"

#include <algorithm>

namespace sctps::sim {
namespace {

double clamp_probability(double p) {
  if (!(p > 0.0)) return 0.0;  // also NaN
  return p > 1.0 ? 1.0 : p;
}

Duration clamp_duration(Duration d) {
  return d.count() < 0 ? Duration{0} : d;
}

}  // namespace

const char* to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kNone: return "none";
    case DropReason::kLoss: return "loss";
    case DropReason::kQueue: return "queue";
    case DropReason::kMtu: return "mtu";
    case DropReason::kLinkDown: return "link-down";
    case DropReason::kNoRoute: return "no-route";
    case DropReason::kFilter: return "filter";
  }
  return "?";
}

void LinkStats::count_drop(DropReason reason) {
  switch (reason) {
    case DropReason::kNone: break;
    case DropReason::kLoss: ++dropped_loss; break;
    case DropReason::kQueue: ++dropped_queue; break;
    case DropReason::kMtu: ++dropped_mtu; break;
    case DropReason::kLinkDown: ++dropped_link_down; break;
    case DropReason::kNoRoute: ++dropped_no_route; break;
    case DropReason::kFilter: ++dropped_filter; break;
  }
}

LinkDirection::LinkDirection(const LinkConfig& config, std::uint64_t seed) : rng_(seed) {
  set_config(config);
}

void LinkDirection::set_config(const LinkConfig& config) {
  config_ = config;
  config_.delay = clamp_duration(config.delay);
  config_.jitter = clamp_duration(config.jitter);
  config_.reorder_extra = clamp_duration(config.reorder_extra);
  config_.loss = clamp_probability(config.loss);
  config_.duplicate = clamp_probability(config.duplicate);
  config_.reorder = clamp_probability(config.reorder);
}

void LinkDirection::set_up(bool up, TimePoint now) {
  if (up == up_) return;
  up_ = up;
  if (!up) {
    // A cut link loses its queue and everything on the wire: a new epoch makes alive() false for
    // packets admitted before.
    ++epoch_;
    backlog_.clear();
    backlog_bytes_ = 0;
    busy_until_ = now;
    carry_ = 0;
  }
}

bool LinkDirection::chance(double p) {
  // Draw only when the outcome is uncertain, so that a link without impairments does not consume
  // randomness.
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return rng_.unit() < p;
}

Duration LinkDirection::propagation() {
  Duration d = config_.delay;
  if (const auto j = static_cast<std::uint64_t>(config_.jitter.count()); j > 0) {
    // Inclusive range [0, j]; the modulo bias is negligible for jitters far below 2^64 us.
    d += Duration{static_cast<Duration::rep>(rng_.next() % (j + 1))};
  }
  if (chance(config_.reorder)) d += config_.reorder_extra;
  return d;
}

void LinkDirection::expire_backlog(TimePoint now) {
  while (!backlog_.empty() && backlog_.front().finish <= now) {
    backlog_bytes_ -= backlog_.front().size;
    backlog_.pop_front();
  }
}

std::size_t LinkDirection::backlog_bytes(TimePoint now) {
  expire_backlog(now);
  return backlog_bytes_;
}

LinkDirection::Admission LinkDirection::admit(std::size_t size, TimePoint now) {
  Admission a;
  if (!up_) {
    a.drop = DropReason::kLinkDown;
    return a;
  }
  if (config_.mtu != 0 && size > config_.mtu) {
    a.drop = DropReason::kMtu;
    return a;
  }
  if (chance(config_.loss)) {
    a.drop = DropReason::kLoss;
    return a;
  }
  TimePoint departure = now;
  if (config_.bandwidth_bps != 0) {
    expire_backlog(now);
    if (config_.queue_limit_bytes != 0 && backlog_bytes_ + size > config_.queue_limit_bytes) {
      a.drop = DropReason::kQueue;
      return a;
    }
    // The serializer takes packets in arrival order; the carry keeps the long-run rate exact
    // although times are whole microseconds.
    if (busy_until_ <= now) {
      busy_until_ = now;
      carry_ = 0;
    }
    const std::uint64_t bits_us = std::uint64_t{size} * 8u * 1'000'000u + carry_;
    busy_until_ += Duration{static_cast<Duration::rep>(bits_us / config_.bandwidth_bps)};
    carry_ = bits_us % config_.bandwidth_bps;
    departure = busy_until_;
    backlog_.push_back({departure, size});
    backlog_bytes_ += size;
  }
  a.arrival = departure + propagation();
  if (chance(config_.duplicate)) {
    // The copy appears after the bottleneck, so it takes no queue space, but it has its own
    // jitter and may be reordered independently.
    a.duplicate = true;
    a.duplicate_arrival = departure + propagation();
  }
  return a;
}

bool LinkDirection::note_delivery(std::uint64_t sequence) {
  if (sequence < highest_delivered_) return true;
  highest_delivered_ = sequence;
  return false;
}

}  // namespace sctps::sim
