// What a simulated network talks to: a sans-IO endpoint seen from outside, taking packets and time
// in and giving packets and a deadline out. An adapter around the engine's Endpoint implements it;
// tests implement it with tiny scripted hosts.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/address.h"
#include "core/time.h"

namespace sctps::sim {

// A packet a host hands to the network. The network keeps and reuses these buffers: `bytes` arrives
// empty (with capacity from earlier packets), the host fills it.
struct OutgoingPacket {
  std::vector<std::uint8_t> bytes;
  IpAddress from;
  IpAddress to;
};

class Host {
 public:
  virtual ~Host() = default;

  // A packet arrived for one of this host's addresses. `packet` is valid only during the call.
  virtual void on_packet(std::span<const std::uint8_t> packet, const IpAddress& from,
                         const IpAddress& to, TimePoint now) = 0;
  // The earliest time on_timeout() must be called; kTimeInfinite when none. After on_timeout(now)
  // a host should no longer report a deadline <= now (the network stops if one keeps firing).
  virtual TimePoint next_timeout() const = 0;
  virtual void on_timeout(TimePoint now) = 0;
  // Fills `out` and returns true while the host has something to send; false when it has nothing.
  virtual bool poll_transmit(OutgoingPacket& out, TimePoint now) = 0;
};

}  // namespace sctps::sim
