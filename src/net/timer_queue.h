// Deadlines and their callbacks, earliest first: a binary min-heap. Cancelling removes the callback
// at once and leaves its heap entry to be skipped when it surfaces, so cancel is O(1) amortized
// and nothing is searched. Timers with equal deadlines fire in the order they were added.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/monotonic_clock.h"

namespace sctps::net {

using TimerId = std::uint64_t;

class TimerQueue {
 public:
  using Callback = std::function<void()>;

  TimerId add(Micros deadline, Callback callback);
  // False when the timer already fired or was cancelled.
  bool cancel(TimerId id);
  // The earliest live deadline.
  std::optional<Micros> next_deadline();
  // Runs every timer due at `now` (deadline <= now), earliest first; a timer added by a callback
  // with a deadline <= now runs in the same call. Returns how many ran.
  std::size_t run_due(Micros now);
  std::size_t size() const { return callbacks_.size(); }

 private:
  struct Entry {
    Micros deadline;
    TimerId id;  // increasing: the tie-breaker that keeps insertion order
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.id > b.id;
  }
  void drop_cancelled_top();

  std::vector<Entry> heap_;
  std::unordered_map<TimerId, Callback> callbacks_;
  TimerId next_id_ = 1;
};

}  // namespace sctps::net
