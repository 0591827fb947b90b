// Time as the engine sees it: passed in by the caller (the runtime's clock, or the simulator's
// virtual clock), never read inside core. Microsecond resolution.
#pragma once

#include <chrono>
#include <cstdint>

namespace sctps {

struct SctpClock {
  using duration = std::chrono::microseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<SctpClock>;
  static constexpr bool is_steady = true;
};

using Duration = SctpClock::duration;
using TimePoint = SctpClock::time_point;

constexpr TimePoint kTimeZero{};
constexpr TimePoint kTimeInfinite = TimePoint::max();

constexpr Duration ms(std::int64_t v) {
  return std::chrono::milliseconds(v);
}
constexpr Duration sec(std::int64_t v) {
  return std::chrono::seconds(v);
}

}  // namespace sctps
