#include "core/path/path.h"

#include <algorithm>

namespace sctps::core {
namespace {

// Time arithmetic that cannot overflow: a huge configured interval means "never".
TimePoint add_saturating(TimePoint t, Duration d) {
  if (d <= Duration{0}) return t + d;
  if (t == kTimeInfinite || d >= kTimeInfinite - t) return kTimeInfinite;
  return t + d;
}

}  // namespace

Path::Path(PathId id, const IpAddress& address, bool confirmed, const PathConfig& config,
           std::size_t initial_ssthresh)
    : id_(id),
      confirmed_(confirmed),
      heartbeat_enabled_(config.heartbeat_enabled),
      max_retrans_(std::max(config.max_retrans, 0)),
      address_(address),
      rto_(config.rto),
      congestion_(config.mtu, initial_ssthresh, config.congestion),
      heartbeat_interval_(std::max(config.heartbeat_interval, Duration{0})) {}

bool Path::record_error() {
  if (!active_) return false;
  ++error_count_;
  if (error_count_ > max_retrans_) {
    active_ = false;
    return true;
  }
  return false;
}

bool Path::record_success() {
  error_count_ = 0;
  if (active_) return false;
  active_ = true;
  return true;
}

bool Path::confirm() {
  if (confirmed_) return false;
  confirmed_ = true;
  return true;
}

void Path::on_data_sent(TimePoint now) {
  apply_idle_decay(now);
  last_data_sent_ = now;
  idle_reference_ = now;
}

void Path::apply_idle_decay(TimePoint now) {
  if (!idle_reference_) return;
  const Duration rto = rto_.rto();
  if (rto <= Duration{0}) return;
  // At most one halving per RTO; once cwnd sits at its floor further RTOs change nothing, so the
  // loop ends after a few dozen rounds at most however long the idle period was.
  while (now - *idle_reference_ >= rto) {
    const std::size_t before = congestion_.cwnd();
    congestion_.on_idle_rto();
    *idle_reference_ += rto;
    if (congestion_.cwnd() == before) {
      idle_reference_ = now;
      break;
    }
  }
}

void Path::set_heartbeat_interval(Duration interval) {
  heartbeat_interval_ = std::max(interval, Duration{0});
}

TimePoint Path::next_heartbeat_from(TimePoint base, RandomSource& random) const {
  const Duration rto = rto_.rto();
  if (is_probing()) return add_saturating(base, rto);
  if (confirmed_ && !heartbeat_enabled_) return kTimeInfinite;
  // Jitter in [-RTO/2, +RTO/2) spreads the heartbeats of many associations (§8.3).
  const double u = random.unit() - 0.5;
  const auto jitter = Duration(static_cast<Duration::rep>(u * static_cast<double>(rto.count())));
  return add_saturating(add_saturating(base, rto + jitter), heartbeat_interval_);
}

void Path::schedule_heartbeat(TimePoint base, RandomSource& random) {
  set_next_heartbeat(base, next_heartbeat_from(base, random));
}

void Path::set_next_heartbeat(TimePoint period_start, TimePoint at) {
  heartbeat_period_start_ = period_start;
  heartbeat_requested_ = false;
  next_heartbeat_at_ = at;
}

void Path::request_heartbeat(TimePoint now) {
  heartbeat_requested_ = true;
  next_heartbeat_at_ = now;
}

void Path::stop_heartbeats() {
  heartbeat_requested_ = false;
  next_heartbeat_at_ = kTimeInfinite;
  pending_.reset();
}

bool Path::had_traffic_in_heartbeat_period() const {
  return last_data_sent_.has_value() && *last_data_sent_ > heartbeat_period_start_;
}

TimePoint Path::heartbeat_deadline() const {
  if (pending_ && !pending_->timed_out) return pending_->timeout_at;
  return next_heartbeat_at_;
}

void Path::mark_heartbeat_timed_out() {
  if (pending_) pending_->timed_out = true;
}

}  // namespace sctps::core
