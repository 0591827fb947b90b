#include "core/path/congestion_control.h"

#include <algorithm>
#include <limits>

namespace sctps::core {
namespace {

std::size_t valid_mtu(std::size_t mtu) {
  return std::max<std::size_t>(mtu, 1);
}

std::size_t saturating_add(std::size_t a, std::size_t b) {
  return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

std::size_t saturating_mul(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    return std::numeric_limits<std::size_t>::max();
  }
  return a * b;
}

// The defaults, for controllers built without a configuration of their own.
const CongestionConfig kDefaultConfig{};

}  // namespace

CongestionControl::CongestionControl(std::size_t mtu, std::size_t initial_ssthresh)
    : CongestionControl(mtu, initial_ssthresh, kDefaultConfig) {}

CongestionControl::CongestionControl(std::size_t mtu, std::size_t initial_ssthresh,
                                     const CongestionConfig& config)
    : config_(&config),
      mtu_(valid_mtu(mtu)),
      cwnd_(initial_cwnd(mtu_, config_->initial_window_bytes)),
      ssthresh_(initial_ssthresh) {}

std::size_t CongestionControl::initial_cwnd(std::size_t mtu, std::size_t initial_window_bytes) {
  const std::size_t m = valid_mtu(mtu);
  return std::min(saturating_mul(4, m), std::max(saturating_mul(2, m), initial_window_bytes));
}

bool CongestionControl::was_cwnd_full(std::size_t flight_size_before) const {
  return saturating_add(flight_size_before, mtu_) > cwnd_;
}

std::size_t CongestionControl::reduced_ssthresh() const {
  return std::max(cwnd_ / 2, saturating_mul(4, mtu_));
}

void CongestionControl::on_sack(const SackInfo& sack) {
  // A SACK reaching the exit point ends fast recovery (§7.2.4), but it arrived while the sender
  // was in fast recovery and so does not grow cwnd itself.
  const bool was_in_fast_recovery = in_fast_recovery();
  if (was_in_fast_recovery && sack.cumulative_tsn_advanced &&
      sack.cumulative_tsn_ack >= *fast_recovery_exit_) {
    fast_recovery_exit_.reset();
  }
  // A SACK that does not advance the cumulative TSN ack point never changes cwnd (§7.2.1).
  const bool full = was_cwnd_full(sack.flight_size_before);
  const bool may_grow = sack.cumulative_tsn_advanced && !was_in_fast_recovery;
  if (cwnd_ <= ssthresh_) {
    // §7.2.1 slow start, increase bounded by L*MTU.
    if (may_grow && full) {
      const std::size_t limit = saturating_mul(config_->slow_start_max_increase_mtus, mtu_);
      cwnd_ = saturating_add(cwnd_, std::min(sack.bytes_acked, limit));
    }
  } else {
    // §7.2.2 congestion avoidance: one MTU per cwnd's worth of acknowledged bytes.
    partial_bytes_acked_ = saturating_add(partial_bytes_acked_, sack.bytes_acked);
    if (partial_bytes_acked_ >= cwnd_) {
      if (!full) {
        // An application-limited sender may not bank credit beyond one window.
        partial_bytes_acked_ = cwnd_;
      } else {
        partial_bytes_acked_ -= cwnd_;
        if (may_grow) cwnd_ = saturating_add(cwnd_, mtu_);
      }
    }
  }
  // §7.2.2: everything acknowledged resets the credit.
  if (sack.flight_size_after == 0) partial_bytes_acked_ = 0;
}

bool CongestionControl::on_fast_retransmit(std::int64_t highest_outstanding_tsn) {
  if (in_fast_recovery()) return false;
  ssthresh_ = reduced_ssthresh();
  cwnd_ = ssthresh_;
  partial_bytes_acked_ = 0;
  fast_recovery_exit_ = highest_outstanding_tsn;
  return true;
}

void CongestionControl::on_retransmission_timeout() {
  ssthresh_ = reduced_ssthresh();
  cwnd_ = mtu_;
  partial_bytes_acked_ = 0;
  fast_recovery_exit_.reset();
}

void CongestionControl::on_idle_rto() {
  cwnd_ = std::min(cwnd_, std::max(cwnd_ / 2, saturating_mul(4, mtu_)));
}

void CongestionControl::set_mtu(std::size_t mtu) {
  mtu_ = valid_mtu(mtu);
  cwnd_ = std::max(cwnd_, mtu_);
}

void CongestionControl::reset(std::size_t initial_ssthresh) {
  cwnd_ = initial_cwnd(mtu_, config_->initial_window_bytes);
  ssthresh_ = initial_ssthresh;
  partial_bytes_acked_ = 0;
  fast_recovery_exit_.reset();
}

std::size_t CongestionControl::send_allowance(std::size_t flight_size) const {
  std::size_t limit = cwnd_;
  if (config_->max_burst > 0) {
    limit = std::min(limit, saturating_add(flight_size, saturating_mul(config_->max_burst, mtu_)));
  }
  return flight_size < limit ? limit - flight_size : 0;
}

}  // namespace sctps::core
