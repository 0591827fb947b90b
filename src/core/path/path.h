// One destination transport address of the peer (RFC 9260 §1.3, §6.4): its reachability
// (active/inactive, §8.2) and verification (confirmed/unconfirmed, §5.4), its error counter against
// Path.Max.Retrans (§8.2), its RTO (§6.3) and congestion window (§7.2), and the state of its
// heartbeats (§8.3): when the next one is due and the one still awaiting its ACK.
//
// A Path does not decide which heartbeats are sent or what errors mean for the association; the
// PathManager does. The caller reports through it the data it sends (on_data_sent), which both
// keeps the path from being idle (§8.3) and drives the idle decay of cwnd (§7.2.1).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/address.h"
#include "core/path/congestion_control.h"
#include "core/path/rto_estimator.h"
#include "core/random.h"
#include "core/time.h"

namespace sctps::core {

// Index of a path in its association's PathManager; stable for the association's lifetime.
struct PathId {
  std::uint16_t value = 0;
  friend auto operator<=>(const PathId&, const PathId&) = default;
};

// Per-destination protocol parameters, with the defaults of §16.
struct PathConfig {
  std::size_t mtu = 1280;  // the packet size used for this destination (configured; §7.3)
  RtoConfig rto{};
  CongestionConfig congestion{};
  int max_retrans = 5;                    // Path.Max.Retrans (§8.2)
  Duration heartbeat_interval = sec(30);  // HB.interval (§8.3)
  bool heartbeat_enabled = true;          // §8.3 (A)/(C): heartbeats on idle confirmed paths
};

// A HEARTBEAT sent and not yet acknowledged.
struct PendingHeartbeat {
  std::uint64_t nonce = 0;
  TimePoint sent_at = kTimeZero;
  TimePoint timeout_at = kTimeZero;  // sent_at + RTO at the time of sending (§8.3)
  bool timed_out = false;            // counted as an error already; a late ACK is still accepted
};

class Path {
 public:
  // The path refers to the RTO and congestion settings of `config` rather than copying them: all
  // paths of an association share its PathManager's (issue #6, memory per association), so
  // `config` must outlive the path.
  Path(PathId id, const IpAddress& address, bool confirmed, const PathConfig& config,
       std::size_t initial_ssthresh);
  Path(PathId id, const IpAddress& address, bool confirmed, const PathConfig&& config,
       std::size_t initial_ssthresh) = delete;  // would dangle

  PathId id() const { return id_; }
  const IpAddress& address() const { return address_; }

  // --- State (§5.4, §8.2) ---
  bool is_active() const { return active_; }
  bool is_confirmed() const { return confirmed_; }
  // May carry DATA: reachable as far as we know, and verified (§5.4 forbids data to unconfirmed).
  bool is_usable() const { return active_ && confirmed_; }
  int error_count() const { return error_count_; }
  int max_retrans() const { return max_retrans_; }

  // One error on this path (§8.2). The counter stops growing once the path is inactive (§8.3).
  // Returns true when this error made the path inactive (counter exceeded Path.Max.Retrans).
  bool record_error();
  // An acknowledgement of data sent here, or a HEARTBEAT ACK (§8.2): clears the counter. Returns
  // true when the path was inactive and is active again.
  bool record_success();
  // §5.4: a HEARTBEAT ACK with the right nonce came back. Returns true when newly confirmed.
  bool confirm();

  // --- RTO and congestion (§6.3, §7.2) ---
  RtoEstimator& rto() { return rto_; }
  const RtoEstimator& rto() const { return rto_; }
  CongestionControl& congestion() { return congestion_; }
  const CongestionControl& congestion() const { return congestion_; }
  std::size_t mtu() const { return congestion_.mtu(); }
  void set_mtu(std::size_t mtu) { congestion_.set_mtu(mtu); }

  // --- Data sent (§7.2.1, §8.3) ---
  // A first transmission of DATA (or another chunk that can measure the RTT) left for this path.
  // Applies any idle decay first, so call it before the chunk is accounted in the flight size.
  void on_data_sent(TimePoint now);
  std::optional<TimePoint> last_data_sent() const { return last_data_sent_; }
  // §7.2.1: halve cwnd (down to 4*MTU) once per full RTO in which nothing was sent here. Call
  // before using cwnd to decide what to send; it is idempotent for a given `now`.
  void apply_idle_decay(TimePoint now);

  // --- Heartbeats (§8.3, §5.4); driven by the PathManager ---
  bool heartbeat_enabled() const { return heartbeat_enabled_; }
  void set_heartbeat_enabled(bool enabled) { heartbeat_enabled_ = enabled; }
  Duration heartbeat_interval() const { return heartbeat_interval_; }
  void set_heartbeat_interval(Duration interval);
  // A probe for §5.4: the path is unconfirmed and still active, so it is probed once per RTO.
  bool is_probing() const { return !confirmed_ && active_; }
  // Interval to the next heartbeat counted from `base`: one RTO when probing (§5.4), otherwise
  // RTO + HB.interval with a jitter uniform in +/-RTO/2 (§8.3); kTimeInfinite when heartbeats are
  // disabled on a confirmed path. The RTO includes its backoff.
  TimePoint next_heartbeat_from(TimePoint base, RandomSource& random) const;
  // Schedules the next heartbeat from `base` (next_heartbeat_from); the period in which data sent
  // keeps the path from being idle starts at `base`.
  void schedule_heartbeat(TimePoint base, RandomSource& random);
  // The same with an explicit time for the next heartbeat.
  void set_next_heartbeat(TimePoint period_start, TimePoint at);
  // A heartbeat at `now` regardless of the schedule and of traffic (§8.3 (D), on-demand HEARTBEAT);
  // it still waits for the ACK or the timeout of a heartbeat already outstanding.
  void request_heartbeat(TimePoint now);
  bool heartbeat_requested() const { return heartbeat_requested_; }
  void stop_heartbeats();
  TimePoint next_heartbeat_at() const { return next_heartbeat_at_; }
  TimePoint heartbeat_period_start() const { return heartbeat_period_start_; }
  // True when data was sent since the current heartbeat period began: the path was not idle (§8.3).
  bool had_traffic_in_heartbeat_period() const;
  // When the PathManager must next look at this path: the timeout of the outstanding heartbeat,
  // else the time of the next one.
  TimePoint heartbeat_deadline() const;
  const std::optional<PendingHeartbeat>& pending_heartbeat() const { return pending_; }
  void set_pending_heartbeat(const PendingHeartbeat& p) { pending_ = p; }
  void mark_heartbeat_timed_out();
  void clear_pending_heartbeat() { pending_.reset(); }

 private:
  // Of the PathConfig only Path.Max.Retrans and the heartbeat settings (which may change per path)
  // are copied; the estimator and the controller refer to the rest. Members are ordered by size so
  // that an idle association's paths carry no padding (issue #6: memory per association).
  PathId id_;
  bool active_ = true;
  bool confirmed_;
  bool heartbeat_enabled_;
  bool heartbeat_requested_ = false;
  int error_count_ = 0;
  int max_retrans_;  // Path.Max.Retrans (§8.2), >= 0
  IpAddress address_;
  RtoEstimator rto_;
  CongestionControl congestion_;

  std::optional<TimePoint> last_data_sent_;
  // Start of the RTO interval that the idle decay examines next; nullopt until data was sent.
  std::optional<TimePoint> idle_reference_;

  Duration heartbeat_interval_;
  TimePoint next_heartbeat_at_ = kTimeInfinite;
  TimePoint heartbeat_period_start_ = kTimeZero;
  std::optional<PendingHeartbeat> pending_;
};

}  // namespace sctps::core
