// A deterministic simulated network in virtual time, for testing the sans-IO SCTP engine: hosts
// (host.h) hold addresses, links (link.h) join pairs of addresses, and the network moves packets
// and fires host deadlines in time order. For one seed a run is reproducible bit for bit: events
// are ordered by time, then by the order they were scheduled, and randomness comes only from
// SeededRandom streams derived from the seed. Multihoming (RFC 9260 §6.4, §8) is modelled by giving
// a host several addresses and links between chosen address pairs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/address.h"
#include "core/random.h"
#include "core/time.h"
#include "support/sim/host.h"
#include "support/sim/link.h"

namespace sctps::sim {

enum class TraceKind : std::uint8_t {
  kSent,        // a host handed the packet to the network
  kInjected,    // Network::inject put it in
  kDuplicated,  // the link made this extra copy
  kDelivered,   // handed to the destination host
  kDropped,     // lost; see reason
};

struct TraceRecord {
  TimePoint time;
  TraceKind kind;
  DropReason reason;  // kNone unless kDropped
  const Packet& packet;
};
using Tracer = std::function<void(const TraceRecord&)>;

class Network {
 public:
  explicit Network(std::uint64_t seed);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // The host receives packets sent to these addresses. The host must outlive the network's runs.
  // Returns false (and attaches nothing) if one of the addresses already belongs to a host.
  bool attach(Host& host, const std::vector<IpAddress>& addresses);
  // Removes the host and frees its addresses (a crash; attach another host to them for a restart).
  // Packets arriving for them meanwhile are dropped as kNoRoute. Call between runs.
  void detach(Host& host);

  // A bidirectional link between two addresses, each direction with its own queue, randomness and
  // statistics. Connecting an existing pair again replaces the configuration of both directions.
  void connect(const IpAddress& a, const IpAddress& b, const LinkConfig& config);
  // The following return false when there is no such link.
  bool set_config(const IpAddress& a, const IpAddress& b, const LinkConfig& config);
  bool set_direction_config(const IpAddress& from, const IpAddress& to, const LinkConfig& config);
  // Down drops everything, in both directions, including what is queued or in flight.
  bool set_link_up(const IpAddress& a, const IpAddress& b, bool up);
  // Sees, and may modify or drop, every packet entering the direction from -> to, before any
  // impairment. Pass an empty Filter to remove it. It must not replace itself while running.
  bool set_filter(const IpAddress& from, const IpAddress& to, Filter filter);
  // Observes every packet event (for traces and debugging).
  void set_tracer(Tracer tracer) { tracer_ = std::move(tracer); }

  // A packet that appears at `to` at time `at` (now if earlier), bypassing links: an attacker or
  // a test writing packets onto the wire. Delivered if a host holds `to`.
  void inject(std::span<const std::uint8_t> bytes, const IpAddress& from, const IpAddress& to,
              TimePoint at);

  TimePoint now() const { return now_; }
  // Processes every event up to and including `t`, then sets the clock to `t`. Keep `t` finite if
  // hosts keep timers running.
  void run_until(TimePoint t);
  void run_for(Duration d) { run_until(now_ + d); }
  // Advances event by event (a packet delivery or a host timeout, then all hosts are drained) until
  // `done` holds or the next event lies beyond `limit`. Returns whether `done` became true; if not,
  // the clock ends at `limit` (when finite).
  bool run_until(const std::function<bool()>& done, TimePoint limit);

  // True when a run stopped because a host kept reporting a deadline that had already fired.
  bool stalled() const { return stalled_; }
  std::size_t in_flight() const { return events_.size(); }
  // Per direction; nullptr when there is no such link.
  const LinkStats* stats(const IpAddress& from, const IpAddress& to) const;
  const LinkStats& totals() const { return totals_; }

 private:
  static constexpr std::uint32_t kNoDirection = 0xFFFFFFFFu;

  struct RouteKey {
    IpAddress from;
    IpAddress to;
    friend bool operator==(const RouteKey&, const RouteKey&) = default;
  };
  struct RouteKeyHash {
    std::size_t operator()(const RouteKey& k) const noexcept {
      const std::hash<IpAddress> h;
      return h(k.from) * 0x9E3779B97F4A7C15ull ^ h(k.to);
    }
  };
  struct Direction {
    Direction(const LinkConfig& config, std::uint64_t seed) : link(config, seed) {}
    LinkDirection link;
    std::shared_ptr<Filter> filter;  // shared so a running filter survives set_filter
    LinkStats stats;
  };
  // A packet in flight; slots are reused with their buffers.
  struct Slot {
    Packet packet;
    std::uint32_t direction = kNoDirection;
    std::uint64_t epoch = 0;
    std::uint64_t sequence = 0;
  };
  struct Event {
    TimePoint time;
    std::uint64_t order;
    std::uint32_t slot;
    bool operator>(const Event& o) const {
      return time != o.time ? time > o.time : order > o.order;
    }
  };

  Direction* find(const IpAddress& from, const IpAddress& to);
  std::uint32_t route(const IpAddress& from, const IpAddress& to) const;
  std::uint32_t allocate_slot();
  void release_slot(std::uint32_t slot);
  void schedule(std::uint32_t slot, TimePoint at);
  void trace(TraceKind kind, DropReason reason, const Packet& packet);
  void drop(std::uint32_t slot, DropReason reason);
  void send(OutgoingPacket& out);
  void drain_hosts();
  void deliver(std::uint32_t slot);
  bool step(TimePoint limit);

  SeededRandom seeds_;  // one seed per direction, so directions' randomness is independent
  TimePoint now_ = kTimeZero;
  std::vector<Host*> hosts_;
  std::unordered_map<IpAddress, Host*> address_owner_;
  std::deque<Direction> directions_;  // deque: stable references while callbacks add links
  std::unordered_map<RouteKey, std::uint32_t, RouteKeyHash> routes_;
  std::deque<Slot> slots_;  // deque: stable references while callbacks inject
  std::vector<std::uint32_t> free_slots_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_order_ = 0;
  std::uint64_t next_packet_id_ = 0;
  OutgoingPacket scratch_;
  LinkStats totals_;
  Tracer tracer_;
  std::uint64_t timeouts_at_instant_ = 0;  // consecutive timeouts without time or packets moving
  bool stalled_ = false;
};

}  // namespace sctps::sim
