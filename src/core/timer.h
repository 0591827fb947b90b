// A timer as a plain value: a deadline and how often it expired in a row. The association asks each
// timer whether it is due when time advances; there are no timer objects, ids or callbacks.
#pragma once

#include <algorithm>

#include "core/time.h"

namespace sctps::core {

class Timer {
 public:
  bool running() const { return deadline_ != kTimeInfinite; }
  TimePoint deadline() const { return deadline_; }
  bool due(TimePoint now) const { return deadline_ <= now; }
  // Consecutive expirations since the last start() with reset (the retransmission count).
  int expirations() const { return expirations_; }

  void start(TimePoint now, Duration after) { deadline_ = now + after; }
  // Start only when not running (e.g. T3-rtx when the first chunk goes out, RFC 9260 §6.3.2 R1).
  void start_if_stopped(TimePoint now, Duration after) {
    if (!running()) start(now, after);
  }
  void stop() {
    deadline_ = kTimeInfinite;
    expirations_ = 0;
  }
  // Call when it fired: counts the expiration and stops it; the owner restarts it as needed.
  void fired() {
    deadline_ = kTimeInfinite;
    ++expirations_;
  }

 private:
  TimePoint deadline_ = kTimeInfinite;
  int expirations_ = 0;
};

inline TimePoint earliest(TimePoint a, TimePoint b) {
  return std::min(a, b);
}

}  // namespace sctps::core
