// Retransmission timeout of one destination: the smoothed RTT, its variation and the RTO derived
// from them (RFC 9260 §6.3.1 rules C1-C7 and G1), and the doubling of the RTO when the
// retransmission timer expires (§6.3.3 rule E2). All arithmetic is in integer microseconds so that
// results are exact and reproducible; the gains alpha and beta are fractions.
//
// Karn's algorithm (C5: no sample from a retransmitted chunk) and the one-sample-per-round-trip
// rule (C4) are the caller's business: this class takes whatever samples it is given.
#pragma once

#include <cstdint>

#include "core/time.h"

namespace sctps::core {

// A gain written as num/den, e.g. 1/8. num must not exceed den.
struct Gain {
  std::int64_t num = 1;
  std::int64_t den = 8;
};

// The protocol parameters of §6.3.1 with the defaults of §16. Tests of the engine use smaller
// values.
struct RtoConfig {
  Duration initial = sec(1);     // RTO.Initial: the RTO before any sample (C1)
  Duration min = sec(1);         // RTO.Min: floor of every computed RTO (C6)
  Duration max = sec(60);        // RTO.Max: ceiling of the RTO and of its backoff (C7, E2)
  Gain alpha{1, 8};              // RTO.Alpha: weight of a new sample in SRTT (C3)
  Gain beta{1, 4};               // RTO.Beta: weight of a new deviation in RTTVAR (C3)
  Duration granularity = ms(1);  // G: RTTVAR is never left at zero (G1)
};

class RtoEstimator {
 public:
  // Samples above this are clamped: an RTT of an hour is already meaningless, and the bound keeps
  // every product of the computation far from overflow.
  static constexpr Duration kMaxSample = std::chrono::hours(1);

  // The estimator refers to `config` rather than copying it: the paths of an association share
  // their association's settings (issue #6, memory per association), so `config` must outlive the
  // estimator. A configuration out of range is read as the nearest valid one (sanitized()).
  RtoEstimator();  // the defaults of §16
  explicit RtoEstimator(const RtoConfig& config);
  explicit RtoEstimator(const RtoConfig&& config) = delete;  // would dangle

  // `config` with gains outside 0 <= num <= den (or a denominator beyond 2^20) replaced by the
  // defaults and the durations clamped to [0, kMaxSample], RTO.Max to at least RTO.Min.
  static RtoConfig sanitized(RtoConfig config);

  // A new RTT measurement R (C2 for the first one, C3 afterwards). The RTO is recomputed from
  // SRTT and RTTVAR, which also ends any backoff (§6.3.3 last paragraph). A negative sample (a
  // clock that went backwards, or a forged time) is ignored and false is returned.
  bool on_rtt_sample(Duration rtt);

  // E2: the retransmission timer of this destination expired; double the RTO, at most RTO.Max.
  void back_off();

  // Forget all samples (C1 again), e.g. when the association restarts.
  void reset();

  // The current RTO, including any backoff.
  Duration rto() const { return rto_; }
  bool has_sample() const { return has_sample_; }
  // Meaningful only when has_sample().
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  // The configuration in effect (sanitized).
  RtoConfig config() const { return sanitized(*config_); }

 private:
  Duration clamp_rto(Duration rto) const;

  const RtoConfig* config_;
  Duration srtt_{0};
  Duration rttvar_{0};
  Duration rto_;
  bool has_sample_ = false;
};

}  // namespace sctps::core
