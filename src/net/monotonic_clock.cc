#include "net/monotonic_clock.h"

#include <time.h>

namespace sctps::net {

Micros monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::chrono::duration_cast<Micros>(std::chrono::seconds(ts.tv_sec) +
                                            std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace sctps::net
