// Congestion control of one destination (RFC 9260 §7.2): cwnd, ssthresh and partial_bytes_acked
// through slow start (§7.2.1), congestion avoidance (§7.2.2), the retransmission timeout (§7.2.3)
// and fast retransmit with its fast recovery (§7.2.4); the decay of cwnd on an idle destination
// (§7.2.1, §7.2.2) and the Max.Burst limit on what may leave at once (§6.1 rule D).
//
// Everything is in bytes. The flight size (bytes outstanding on this destination) is owned by the
// retransmission queue and passed in; TSNs are passed unwrapped to 64 bits (core/sequence_number.h)
// so that the fast recovery exit point is ordered without serial arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sctps::core {

struct CongestionConfig {
  // Max.Burst (§16, default 4): packets one send opportunity may put on the wire beyond what is
  // already in flight (§6.1 D). 0 disables the limit.
  std::size_t max_burst = 4;
  // The byte term of the initial window min(4*MTU, max(2*MTU, this)) (RFC 9260 §7.2.1: 4404).
  std::size_t initial_window_bytes = 4404;
  // Slow start grows cwnd per SACK by at most this many MTUs (§7.2.1; 1 guards against ACK
  // splitting).
  std::size_t slow_start_max_increase_mtus = 1;
};

class CongestionControl {
 public:
  // What one SACK did on this destination. bytes_acked counts the DATA chunks sent here that this
  // SACK newly acknowledges, by the cumulative TSN ack or by gap blocks (not counting chunks
  // already acknowledged before).
  struct SackInfo {
    std::size_t bytes_acked = 0;
    std::size_t flight_size_before = 0;  // on this destination, before the SACK was applied
    std::size_t flight_size_after = 0;   // on this destination, after it
    bool cumulative_tsn_advanced = false;
    std::int64_t cumulative_tsn_ack = 0;  // unwrapped; used to leave fast recovery
  };

  // initial_ssthresh: "arbitrarily high" (§7.2.1), typically the peer's advertised receiver window.
  // The controller refers to `config` rather than copying it (the paths of an association share
  // their association's settings, issue #6): `config` must outlive the controller.
  CongestionControl(std::size_t mtu, std::size_t initial_ssthresh);  // the defaults
  CongestionControl(std::size_t mtu, std::size_t initial_ssthresh, const CongestionConfig& config);
  CongestionControl(std::size_t mtu, std::size_t initial_ssthresh,
                    const CongestionConfig&& config) = delete;  // would dangle

  // §7.2.1: min(4*MTU, max(2*MTU, initial_window_bytes)).
  static std::size_t initial_cwnd(std::size_t mtu, std::size_t initial_window_bytes);

  // §7.2.1 and §7.2.2: grow cwnd (or account partial_bytes_acked) for one SACK.
  void on_sack(const SackInfo& sack);

  // §7.2.4: the first fast retransmit of a loss episode enters fast recovery: ssthresh =
  // max(cwnd/2, 4*MTU), cwnd = ssthresh, partial_bytes_acked = 0, and the recovery ends once the
  // cumulative TSN ack reaches highest_outstanding_tsn (unwrapped). Further fast retransmits while
  // in fast recovery change nothing. Returns true when fast recovery was entered.
  bool on_fast_retransmit(std::int64_t highest_outstanding_tsn);

  // §7.2.3: the T3-rtx timer of this destination expired: ssthresh = max(cwnd/2, 4*MTU), cwnd =
  // 1*MTU, partial_bytes_acked = 0. Fast recovery, if any, is abandoned: the timeout supersedes it.
  void on_retransmission_timeout();

  // §7.2.1/§7.2.2: one RTO elapsed without any data sent to this destination: cwnd =
  // max(cwnd/2, 4*MTU). Read as a decay: it never raises cwnd (after a timeout cwnd may be below
  // 4*MTU, and an idle period is no evidence that the path can take more).
  void on_idle_rto();

  // A new path MTU (§7.3). cwnd keeps its value but never drops below one MTU.
  void set_mtu(std::size_t mtu);

  // Back to the initial values of §7.2.1.
  void reset(std::size_t initial_ssthresh);

  // §6.1 B and D: bytes that may be sent now on top of flight_size: what is left of cwnd, but no
  // more than Max.Burst packets at once. cwnd itself is not changed by the burst limit. Per §6.1 B
  // a sender may start one more packet as long as this is positive, even if the packet is larger.
  std::size_t send_allowance(std::size_t flight_size) const;
  bool may_send(std::size_t flight_size) const { return send_allowance(flight_size) > 0; }

  std::size_t cwnd() const { return cwnd_; }
  std::size_t ssthresh() const { return ssthresh_; }
  std::size_t partial_bytes_acked() const { return partial_bytes_acked_; }
  std::size_t mtu() const { return mtu_; }
  bool in_slow_start() const { return cwnd_ <= ssthresh_; }
  bool in_fast_recovery() const { return fast_recovery_exit_.has_value(); }
  std::optional<std::int64_t> fast_recovery_exit_tsn() const { return fast_recovery_exit_; }
  const CongestionConfig& config() const { return *config_; }

 private:
  // cwnd counts as fully used when not even one more full-sized packet fitted before the SACK:
  // requiring flight >= cwnd exactly would stall growth for senders that never overbook.
  bool was_cwnd_full(std::size_t flight_size_before) const;
  std::size_t reduced_ssthresh() const;

  const CongestionConfig* config_;
  std::size_t mtu_;
  std::size_t cwnd_;
  std::size_t ssthresh_;
  std::size_t partial_bytes_acked_ = 0;
  std::optional<std::int64_t> fast_recovery_exit_;
};

}  // namespace sctps::core
