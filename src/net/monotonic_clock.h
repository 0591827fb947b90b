// The runtime's clock: CLOCK_MONOTONIC in microseconds. Its epoch (boot, roughly) is the same for
// every thread and event loop of the process, so times from different loops compare.
//
// The engine's TimePoint (core/time.h) counts microseconds since an epoch it leaves to the caller;
// the api layer makes one with TimePoint{monotonic_now()} (net cannot name core's types).
#pragma once

#include <chrono>

namespace sctps::net {

using Micros = std::chrono::microseconds;

Micros monotonic_now();

}  // namespace sctps::net
