// One direction of a simulated link: the impairments a packet meets between two addresses (loss,
// MTU, a bandwidth-limited tail-drop queue, propagation delay, jitter, reordering, duplication),
// and the per-direction statistics. Pure decision logic in virtual time; the Network (network.h)
// owns the packets and the event queue. Test support, not part of the library: it exercises the
// engine's retransmission (RFC 9260 §6.3), path management (§8) and congestion control (§7) under
// reproducible conditions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "core/address.h"
#include "core/random.h"
#include "core/time.h"

namespace sctps::sim {

// How one direction of a link treats packets. Sizes are those of the bytes handed to the network
// (the SCTP packet, or whatever a host sends); no IP/UDP overhead is added.
struct LinkConfig {
  Duration delay{0};          // propagation delay, added to every packet
  Duration jitter{0};         // plus a uniform extra in [0, jitter], per packet (may reorder)
  double loss = 0.0;          // probability that a packet is lost
  double duplicate = 0.0;     // probability that a packet is delivered twice
  double reorder = 0.0;       // probability that a packet gets reorder_extra on top (reorders it)
  Duration reorder_extra{0};  //
  std::uint64_t bandwidth_bps = 0;    // 0: infinite; else packets serialize one after the other
  std::size_t queue_limit_bytes = 0;  // bytes waiting or in serialization; 0: unlimited; tail drop
  std::size_t mtu = 0;                // bigger packets are dropped; 0: unlimited
};

enum class DropReason : std::uint8_t {
  kNone,
  kLoss,      // random loss
  kQueue,     // tail drop at a full queue
  kMtu,       // bigger than the link MTU
  kLinkDown,  // link down when sent, or went down while the packet was in flight
  kNoRoute,   // no link from the source to the destination, or nobody holds the destination
  kFilter,    // a test's filter dropped it
};
const char* to_string(DropReason reason);

// Counters of one link direction, or of the whole network (totals). Every packet that enters is
// eventually delivered or dropped: sent + duplicated + injected == delivered + dropped() + in
// flight.
struct LinkStats {
  std::uint64_t sent = 0;        // packets handed to the network by hosts
  std::uint64_t injected = 0;    // packets put in by Network::inject (totals only)
  std::uint64_t delivered = 0;   // packets handed to a host (duplicates included)
  std::uint64_t duplicated = 0;  // extra copies created
  std::uint64_t reordered =
      0;  // delivered after a packet that was sent later on the same direction
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_delivered = 0;
  std::uint64_t dropped_loss = 0;
  std::uint64_t dropped_queue = 0;
  std::uint64_t dropped_mtu = 0;
  std::uint64_t dropped_link_down = 0;
  std::uint64_t dropped_no_route = 0;
  std::uint64_t dropped_filter = 0;

  std::uint64_t dropped() const {
    return dropped_loss + dropped_queue + dropped_mtu + dropped_link_down + dropped_no_route +
           dropped_filter;
  }
  void count_drop(DropReason reason);
};

// A packet in the network, as filters and tracers see it.
struct Packet {
  std::vector<std::uint8_t> bytes;
  IpAddress from;
  IpAddress to;
  TimePoint sent{};        // when it entered the network
  std::uint64_t id = 0;    // unique per copy, in order of creation
  bool duplicate = false;  // an extra copy made by the link
  bool injected = false;   // put in by Network::inject
};

// What a filter decides. A filter may also modify the packet (its bytes, or its addresses: the
// packet stays on the same link but is delivered to whoever holds the new `to`) and inject others
// through Network::inject.
enum class Verdict : std::uint8_t { kPass, kDrop };
using Filter = std::function<Verdict(Packet&)>;

class LinkDirection {
 public:
  // The fate of a packet entering the link: dropped, or delivered at `arrival` (and a second time
  // at `duplicate_arrival` when `duplicate`).
  struct Admission {
    DropReason drop = DropReason::kNone;
    TimePoint arrival{};
    bool duplicate = false;
    TimePoint duplicate_arrival{};
  };

  LinkDirection(const LinkConfig& config, std::uint64_t seed);

  // Applies to packets entering from now on; packets in flight keep their schedule. Probabilities
  // are clamped to [0, 1], negative durations to 0.
  void set_config(const LinkConfig& config);
  const LinkConfig& config() const { return config_; }

  // Taking a link down loses everything queued or in flight on it (see alive()).
  void set_up(bool up, TimePoint now);
  bool up() const { return up_; }
  // Identifies the current up period; a packet is delivered only if the link stayed up since it was
  // admitted (same epoch).
  std::uint64_t epoch() const { return epoch_; }
  bool alive(std::uint64_t admitted_epoch) const { return up_ && admitted_epoch == epoch_; }

  // Decides the fate of a packet of `size` bytes entering at `now`, and reserves its place in the
  // queue. Deterministic given the seed and the sequence of calls.
  Admission admit(std::size_t size, TimePoint now);

  // Sequence numbers in sending order, for reorder accounting: next_sequence() on admission,
  // note_delivery() on delivery returns whether the packet arrives after a later-sent one.
  std::uint64_t next_sequence() { return ++last_sequence_; }
  bool note_delivery(std::uint64_t sequence);

  // Bytes waiting or in serialization at `now` (0 on an infinite-bandwidth link).
  std::size_t backlog_bytes(TimePoint now);

 private:
  bool chance(double p);
  Duration propagation();
  void expire_backlog(TimePoint now);

  LinkConfig config_;
  SeededRandom rng_;
  bool up_ = true;
  std::uint64_t epoch_ = 0;
  // Serializer: busy until busy_until_ plus carry_/bandwidth microseconds (exact long-run rate).
  TimePoint busy_until_{};
  std::uint64_t carry_ = 0;
  struct Queued {
    TimePoint finish;
    std::size_t size;
  };
  std::deque<Queued> backlog_;
  std::size_t backlog_bytes_ = 0;
  std::uint64_t last_sequence_ = 0;
  std::uint64_t highest_delivered_ = 0;
};

}  // namespace sctps::sim
