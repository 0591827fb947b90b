#include "core/path/path_manager.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace sctps::core {
namespace {

constexpr std::size_t kMaxPathIndex = std::numeric_limits<std::uint16_t>::max();

PathId to_id(std::size_t i) {
  return PathId{static_cast<std::uint16_t>(i)};
}

std::uint64_t random_u64(RandomSource& random) {
  return (std::uint64_t{random.next_u32()} << 32) | random.next_u32();
}

}  // namespace

std::string_view to_string(HeartbeatAckError error) {
  switch (error) {
    case HeartbeatAckError::kMalformed: return "malformed heartbeat info";
    case HeartbeatAckError::kUnknownPath: return "unknown path index";
    case HeartbeatAckError::kAddressMismatch: return "address does not match the path";
    case HeartbeatAckError::kNotOutstanding: return "no heartbeat outstanding on the path";
    case HeartbeatAckError::kNonceMismatch: return "nonce or send time mismatch";
  }
  return "unknown";
}

PathManager::PathManager(const PathManagerConfig& config, RandomSource& random)
    : config_(config), random_(&random) {
  config_.max_paths = std::min(config_.max_paths, kMaxPathIndex + 1);
  config_.association_max_retrans = std::max(config_.association_max_retrans, 0);
}

std::optional<PathId> PathManager::add_path(const IpAddress& address, bool confirmed,
                                            TimePoint now) {
  if (const auto existing = find(address)) {
    if (confirmed && paths_[existing->value].confirm()) update_data_path();
    return existing;
  }
  if (paths_.size() >= config_.max_paths) return std::nullopt;
  const PathId id = to_id(paths_.size());
  paths_.emplace_back(id, address, confirmed, config_.path, config_.initial_ssthresh);
  Path& p = paths_.back();
  if (started_) {
    // §5.4: an unconfirmed address is probed at once; a confirmed one waits a heartbeat period.
    if (p.is_probing()) {
      p.set_next_heartbeat(now, now);
    } else {
      p.schedule_heartbeat(now, *random_);
    }
  }
  update_data_path();
  return id;
}

std::optional<PathId> PathManager::find(const IpAddress& address) const {
  for (const Path& p : paths_) {
    if (p.address() == address) return p.id();
  }
  return std::nullopt;
}

Path& PathManager::path(PathId id) {
  if (!contains(id)) std::abort();
  return paths_[id.value];
}

const Path& PathManager::path(PathId id) const {
  if (!contains(id)) std::abort();
  return paths_[id.value];
}

bool PathManager::set_primary(PathId id) {
  if (!contains(id)) return false;
  primary_ = id.value;
  update_data_path();
  return true;
}

std::optional<PathId> PathManager::primary() const {
  if (paths_.empty()) return std::nullopt;
  return to_id(primary_);
}

void PathManager::update_data_path() {
  if (paths_.empty()) return;
  const std::size_t n = paths_.size();
  if (usable(primary_)) {
    current_ = primary_;  // §6.4: the primary whenever it can be used (return after failover)
    return;
  }
  if (usable(current_)) return;  // §6.4.1: stay on the one alternate chosen
  for (std::size_t k = 1; k < n; ++k) {
    const std::size_t i = (primary_ + k) % n;
    if (usable(i)) {
      current_ = i;
      return;
    }
  }
  // Nothing usable: keep sending where retransmissions can still reach the peer if it recovers.
  if (paths_[primary_].is_confirmed()) current_ = primary_;
}

std::optional<PathId> PathManager::data_path() const {
  if (paths_.empty() || !paths_[current_].is_confirmed()) return std::nullopt;
  return to_id(current_);
}

std::optional<PathId> PathManager::retransmission_path(PathId last_sent_to) const {
  if (!contains(last_sent_to)) return data_path();
  const std::size_t last = last_sent_to.value;
  if (current_ != last && usable(current_)) return to_id(current_);
  const std::size_t n = paths_.size();
  for (std::size_t k = 1; k < n; ++k) {
    const std::size_t i = (last + k) % n;
    if (usable(i)) return to_id(i);
  }
  if (usable(last)) return last_sent_to;
  return data_path();
}

PathUpdate PathManager::count_error(PathId id, bool count_for_association) {
  PathUpdate u;
  u.path = id;
  if (!contains(id)) return u;
  const auto before = data_path();
  u.became_inactive = paths_[id.value].record_error();
  if (count_for_association) {
    // Saturate: the association fails at the first excess, and the count must not wrap after.
    if (association_errors_ <= config_.association_max_retrans) ++association_errors_;
    u.association_failed = association_errors_ > config_.association_max_retrans;
  }
  update_data_path();
  u.data_path_changed = before != data_path();
  return u;
}

PathUpdate PathManager::on_error(PathId id) {
  return count_error(id, true);
}

PathUpdate PathManager::on_retransmission_timeout(PathId id) {
  if (contains(id)) {
    Path& p = paths_[id.value];
    p.rto().back_off();
    p.congestion().on_retransmission_timeout();
  }
  return count_error(id, true);
}

PathUpdate PathManager::on_data_acked(PathId id, bool revive) {
  PathUpdate u;
  u.path = id;
  if (!contains(id)) return u;
  if (!revive && !paths_[id.value].is_active()) {
    association_errors_ = 0;  // §8.1: the peer did acknowledge data
    return u;
  }
  const auto before = data_path();
  u.became_active = paths_[id.value].record_success();
  association_errors_ = 0;
  update_data_path();
  u.data_path_changed = before != data_path();
  return u;
}

// --- Heartbeats ---

void PathManager::start_heartbeats(TimePoint now) {
  started_ = true;
  probe_window_end_ = kTimeZero;
  probes_in_window_ = 0;
  for (Path& p : paths_) {
    if (p.is_probing()) {
      p.set_next_heartbeat(now, now);  // §5.4: probing starts with the association
    } else {
      p.schedule_heartbeat(now, *random_);
    }
  }
}

void PathManager::stop_heartbeats() {
  started_ = false;
  for (Path& p : paths_) p.stop_heartbeats();
}

void PathManager::set_heartbeat_enabled(PathId id, bool enabled, TimePoint now) {
  if (!contains(id)) return;
  Path& p = paths_[id.value];
  p.set_heartbeat_enabled(enabled);
  if (started_) p.schedule_heartbeat(now, *random_);
}

void PathManager::set_heartbeat_interval(PathId id, Duration interval, TimePoint now) {
  if (!contains(id)) return;
  Path& p = paths_[id.value];
  p.set_heartbeat_interval(interval);
  if (started_) p.schedule_heartbeat(now, *random_);
}

void PathManager::request_heartbeat(PathId id, TimePoint now) {
  if (!started_ || !contains(id)) return;
  paths_[id.value].request_heartbeat(now);
}

bool PathManager::probe_window_full(TimePoint now) const {
  return config_.heartbeat_max_burst > 0 && now < probe_window_end_ &&
         probes_in_window_ >= config_.heartbeat_max_burst;
}

TimePoint PathManager::effective_deadline(const Path& p) const {
  const TimePoint d = p.heartbeat_deadline();
  const bool awaiting_ack = p.pending_heartbeat() && !p.pending_heartbeat()->timed_out;
  if (!awaiting_ack && p.is_probing() && !p.heartbeat_requested() &&
      config_.heartbeat_max_burst > 0 && probes_in_window_ >= config_.heartbeat_max_burst) {
    return std::max(d, probe_window_end_);
  }
  return d;
}

TimePoint PathManager::next_heartbeat_deadline() const {
  TimePoint earliest = kTimeInfinite;
  if (!started_) return earliest;
  for (const Path& p : paths_) earliest = std::min(earliest, effective_deadline(p));
  return earliest;
}

std::optional<PathUpdate> PathManager::expire_heartbeat(TimePoint now) {
  if (!started_) return std::nullopt;
  Path* expired = nullptr;
  for (Path& p : paths_) {
    const auto& pending = p.pending_heartbeat();
    if (!pending || pending->timed_out || pending->timeout_at > now) continue;
    if (expired == nullptr || pending->timeout_at < expired->pending_heartbeat()->timeout_at) {
      expired = &p;
    }
  }
  if (expired == nullptr) return std::nullopt;
  Path& p = *expired;
  const bool was_probe = !p.is_confirmed();
  const TimePoint sent_at = p.pending_heartbeat()->sent_at;
  p.mark_heartbeat_timed_out();
  p.rto().back_off();
  // §8.1: only the path carrying data counts for the association; §5.4: probes never do.
  const auto data = data_path();
  const bool for_association = !was_probe && data && *data == p.id();
  const PathUpdate u = count_error(p.id(), for_association);
  // §8.3: the next heartbeat waits for the backed-off RTO, at the rate of the state the error
  // left the path in (a probed address that became inactive falls back to the normal rate, §5.4).
  p.set_next_heartbeat(p.heartbeat_period_start(), p.next_heartbeat_from(sent_at, *random_));
  return u;
}

std::optional<HeartbeatToSend> PathManager::due_heartbeat(TimePoint now) {
  if (!started_) return std::nullopt;
  Path* best = nullptr;
  for (Path& p : paths_) {
    const auto& pending = p.pending_heartbeat();
    if (pending && !pending->timed_out) continue;  // one outstanding heartbeat per path
    if (p.next_heartbeat_at() > now) continue;
    if (!p.heartbeat_requested() && p.had_traffic_in_heartbeat_period()) {
      // Not idle (§8.3): the heartbeat period restarts at the last data sent.
      p.schedule_heartbeat(*p.last_data_sent(), *random_);
      if (p.next_heartbeat_at() > now) continue;
    }
    if (p.is_probing() && !p.heartbeat_requested() && probe_window_full(now)) continue;
    if (best == nullptr || p.next_heartbeat_at() < best->next_heartbeat_at()) best = &p;
  }
  if (best == nullptr) return std::nullopt;
  Path& p = *best;
  const bool probe = p.is_probing();
  if (probe) {
    // §5.4: HB.Max.Burst probes per RTO.
    if (now >= probe_window_end_) {
      probe_window_end_ = now + p.rto().rto();
      probes_in_window_ = 0;
    }
    ++probes_in_window_;
  }
  p.apply_idle_decay(now);
  PendingHeartbeat pending;
  pending.nonce = random_u64(*random_);
  pending.sent_at = now;
  pending.timeout_at = now + p.rto().rto();
  p.set_pending_heartbeat(pending);
  p.schedule_heartbeat(now, *random_);

  HeartbeatToSend out;
  out.path = p.id();
  out.destination = p.address();
  out.probe = probe;
  HeartbeatInfo info;
  info.path_index = p.id().value;
  info.address = p.address();
  info.sent_at = now;
  info.nonce = pending.nonce;
  out.info = info.encode();
  return out;
}

HeartbeatAckResult PathManager::on_heartbeat_ack(wire::Bytes bytes, TimePoint now) {
  HeartbeatAckResult r;
  const auto info = HeartbeatInfo::decode(bytes);
  if (!info) {
    r.error = HeartbeatAckError::kMalformed;
    return r;
  }
  const PathId id{info->path_index};
  if (!contains(id)) {
    r.error = HeartbeatAckError::kUnknownPath;
    return r;
  }
  Path& p = paths_[id.value];
  if (p.address() != info->address) {
    r.error = HeartbeatAckError::kAddressMismatch;
    return r;
  }
  const auto& pending = p.pending_heartbeat();
  if (!pending) {
    r.error = HeartbeatAckError::kNotOutstanding;
    return r;
  }
  if (pending->nonce != info->nonce || pending->sent_at != info->sent_at) {
    r.error = HeartbeatAckError::kNonceMismatch;
    return r;
  }
  p.clear_pending_heartbeat();
  r.rtt = std::max(now - info->sent_at, Duration{0});
  p.rto().on_rtt_sample(r.rtt);  // §8.3; also ends the backoff

  const auto before = data_path();
  r.update.path = id;
  r.update.became_confirmed = p.confirm();
  // A newly confirmed path leaves the probing rate for the normal heartbeat rate.
  if (r.update.became_confirmed && started_) p.schedule_heartbeat(now, *random_);
  r.update.became_active = p.record_success();
  association_errors_ = 0;  // §8.1, §8.3
  update_data_path();
  r.update.data_path_changed = before != data_path();
  return r;
}

}  // namespace sctps::core
