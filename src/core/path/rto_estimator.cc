#include "core/path/rto_estimator.h"

#include <algorithm>

namespace sctps::core {
namespace {

// Keeps a configured gain usable: a positive denominator not so large that products overflow, and
// 0 <= num <= den. Misconfiguration must not turn into undefined behaviour.
Gain sanitize(Gain g, Gain fallback) {
  constexpr std::int64_t kMaxDen = std::int64_t{1} << 20;
  if (g.den <= 0 || g.den > kMaxDen || g.num < 0 || g.num > g.den) return fallback;
  return g;
}

// The defaults of §16, for estimators built without a configuration of their own.
const RtoConfig kDefaultConfig{};

}  // namespace

RtoConfig RtoEstimator::sanitized(RtoConfig c) {
  c.alpha = sanitize(c.alpha, Gain{1, 8});
  c.beta = sanitize(c.beta, Gain{1, 4});
  const Duration zero{0};
  c.min = std::clamp(c.min, zero, RtoEstimator::kMaxSample);
  c.max = std::clamp(c.max, c.min, RtoEstimator::kMaxSample);
  c.initial = std::clamp(c.initial, zero, RtoEstimator::kMaxSample);
  c.granularity = std::clamp(c.granularity, zero, RtoEstimator::kMaxSample);
  return c;
}

namespace {

// (1 - g) * old + g * sample, truncated to whole microseconds.
Duration blend(Duration old, Duration sample, Gain g) {
  return Duration((old.count() * (g.den - g.num) + sample.count() * g.num) / g.den);
}

}  // namespace

RtoEstimator::RtoEstimator() : RtoEstimator(kDefaultConfig) {}

RtoEstimator::RtoEstimator(const RtoConfig& config)
    : config_(&config), rto_(sanitized(config).initial) {}

Duration RtoEstimator::clamp_rto(Duration rto) const {
  // C6 then C7.
  const RtoConfig c = sanitized(*config_);
  return std::min(std::max(rto, c.min), c.max);
}

bool RtoEstimator::on_rtt_sample(Duration rtt) {
  if (rtt < Duration{0}) return false;
  const RtoConfig c = sanitized(*config_);
  const Duration r = std::min(rtt, kMaxSample);
  if (!has_sample_) {
    // C2.
    srtt_ = r;
    rttvar_ = r / 2;
    has_sample_ = true;
  } else {
    // C3: RTTVAR uses the SRTT from before this sample.
    const Duration deviation = srtt_ > r ? srtt_ - r : r - srtt_;
    rttvar_ = blend(rttvar_, deviation, c.beta);
    srtt_ = blend(srtt_, r, c.alpha);
  }
  // G1.
  if (rttvar_ == Duration{0}) rttvar_ = c.granularity;
  rto_ = clamp_rto(srtt_ + 4 * rttvar_);
  return true;
}

void RtoEstimator::back_off() {
  // The RTO never exceeds RTO.Max (or RTO.Initial, when configured above it), so doubling cannot
  // overflow.
  rto_ = std::min(rto_ * 2, std::max(sanitized(*config_).max, rto_));
}

void RtoEstimator::reset() {
  srtt_ = Duration{0};
  rttvar_ = Duration{0};
  rto_ = sanitized(*config_).initial;
  has_sample_ = false;
}

}  // namespace sctps::core
