// The simulated network's event loop (see network.h).
#include "support/sim/network.h"

#include <algorithm>
#include <utility>

namespace sctps::sim {
namespace {

// A host that keeps reporting a deadline it was just called for would spin forever at one instant;
// this many consecutive timeouts without time advancing or a packet moving stops the run.
constexpr std::uint64_t kMaxTimeoutsAtInstant = 10'000;

}  // namespace

Network::Network(std::uint64_t seed) : seeds_(seed) {}

bool Network::attach(Host& host, const std::vector<IpAddress>& addresses) {
  for (const IpAddress& a : addresses) {
    if (address_owner_.contains(a)) return false;
  }
  if (std::find(hosts_.begin(), hosts_.end(), &host) == hosts_.end()) hosts_.push_back(&host);
  for (const IpAddress& a : addresses) address_owner_.emplace(a, &host);
  return true;
}

void Network::detach(Host& host) {
  hosts_.erase(std::remove(hosts_.begin(), hosts_.end(), &host), hosts_.end());
  std::erase_if(address_owner_, [&](const auto& entry) { return entry.second == &host; });
}

void Network::connect(const IpAddress& a, const IpAddress& b, const LinkConfig& config) {
  const auto add = [&](const IpAddress& from, const IpAddress& to) {
    if (Direction* d = find(from, to)) {
      d->link.set_config(config);
      return;
    }
    directions_.emplace_back(config, seeds_.next());
    routes_.emplace(RouteKey{from, to}, static_cast<std::uint32_t>(directions_.size() - 1));
  };
  add(a, b);
  if (!(a == b)) add(b, a);
}

Network::Direction* Network::find(const IpAddress& from, const IpAddress& to) {
  const std::uint32_t i = route(from, to);
  return i == kNoDirection ? nullptr : &directions_[i];
}

std::uint32_t Network::route(const IpAddress& from, const IpAddress& to) const {
  const auto it = routes_.find(RouteKey{from, to});
  return it == routes_.end() ? kNoDirection : it->second;
}

bool Network::set_config(const IpAddress& a, const IpAddress& b, const LinkConfig& config) {
  Direction* ab = find(a, b);
  Direction* ba = find(b, a);
  if (ab == nullptr || ba == nullptr) return false;
  ab->link.set_config(config);
  ba->link.set_config(config);
  return true;
}

bool Network::set_direction_config(const IpAddress& from, const IpAddress& to,
                                   const LinkConfig& config) {
  Direction* d = find(from, to);
  if (d == nullptr) return false;
  d->link.set_config(config);
  return true;
}

bool Network::set_link_up(const IpAddress& a, const IpAddress& b, bool up) {
  Direction* ab = find(a, b);
  Direction* ba = find(b, a);
  if (ab == nullptr || ba == nullptr) return false;
  ab->link.set_up(up, now_);
  ba->link.set_up(up, now_);
  return true;
}

bool Network::set_filter(const IpAddress& from, const IpAddress& to, Filter filter) {
  Direction* d = find(from, to);
  if (d == nullptr) return false;
  d->filter = filter ? std::make_shared<Filter>(std::move(filter)) : nullptr;
  return true;
}

const LinkStats* Network::stats(const IpAddress& from, const IpAddress& to) const {
  const std::uint32_t i = route(from, to);
  return i == kNoDirection ? nullptr : &directions_[i].stats;
}

std::uint32_t Network::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t i = free_slots_.back();
    free_slots_.pop_back();
    return i;
  }
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

// The slot keeps its buffer, so that steady traffic stops allocating once warmed up.
void Network::release_slot(std::uint32_t slot) {
  free_slots_.push_back(slot);
}

void Network::schedule(std::uint32_t slot, TimePoint at) {
  events_.push(Event{std::max(at, now_), next_order_++, slot});
}

void Network::trace(TraceKind kind, DropReason reason, const Packet& packet) {
  if (tracer_) tracer_(TraceRecord{now_, kind, reason, packet});
}

void Network::drop(std::uint32_t slot, DropReason reason) {
  Slot& s = slots_[slot];
  if (s.direction != kNoDirection) directions_[s.direction].stats.count_drop(reason);
  totals_.count_drop(reason);
  trace(TraceKind::kDropped, reason, s.packet);
  release_slot(slot);
}

void Network::inject(std::span<const std::uint8_t> bytes, const IpAddress& from,
                     const IpAddress& to, TimePoint at) {
  const std::uint32_t slot = allocate_slot();
  Slot& s = slots_[slot];
  s.packet.bytes.assign(bytes.begin(), bytes.end());
  s.packet.from = from;
  s.packet.to = to;
  s.packet.sent = std::max(at, now_);
  s.packet.id = ++next_packet_id_;
  s.packet.duplicate = false;
  s.packet.injected = true;
  s.direction = kNoDirection;
  ++totals_.injected;
  trace(TraceKind::kInjected, DropReason::kNone, s.packet);
  schedule(slot, s.packet.sent);
}

void Network::send(OutgoingPacket& out) {
  const std::uint32_t slot = allocate_slot();
  Slot& s = slots_[slot];
  s.packet.bytes.swap(out.bytes);  // no copy; `out` takes the slot's old buffer for the next packet
  s.packet.from = out.from;
  s.packet.to = out.to;
  s.packet.sent = now_;
  s.packet.id = ++next_packet_id_;
  s.packet.duplicate = false;
  s.packet.injected = false;
  s.direction = route(out.from, out.to);
  const std::size_t size = s.packet.bytes.size();
  ++totals_.sent;
  totals_.bytes_sent += size;
  if (s.direction == kNoDirection) {
    trace(TraceKind::kSent, DropReason::kNone, s.packet);
    drop(slot, DropReason::kNoRoute);
    return;
  }
  Direction& d = directions_[s.direction];
  ++d.stats.sent;
  d.stats.bytes_sent += size;
  trace(TraceKind::kSent, DropReason::kNone, s.packet);
  if (d.filter) {
    const std::shared_ptr<Filter> filter = d.filter;  // survives set_filter from inside the filter
    if ((*filter)(s.packet) == Verdict::kDrop) {
      drop(slot, DropReason::kFilter);
      return;
    }
  }
  const LinkDirection::Admission admission = d.link.admit(s.packet.bytes.size(), now_);
  if (admission.drop != DropReason::kNone) {
    drop(slot, admission.drop);
    return;
  }
  s.epoch = d.link.epoch();
  s.sequence = d.link.next_sequence();
  schedule(slot, admission.arrival);
  if (admission.duplicate) {
    const std::uint32_t copy_slot = allocate_slot();
    Slot& c = slots_[copy_slot];  // deque: `s` stays valid
    c.packet.bytes.assign(s.packet.bytes.begin(), s.packet.bytes.end());
    c.packet.from = s.packet.from;
    c.packet.to = s.packet.to;
    c.packet.sent = now_;
    c.packet.id = ++next_packet_id_;
    c.packet.duplicate = true;
    c.packet.injected = false;
    c.direction = s.direction;
    c.epoch = s.epoch;
    c.sequence = s.sequence;
    ++d.stats.duplicated;
    ++totals_.duplicated;
    trace(TraceKind::kDuplicated, DropReason::kNone, c.packet);
    schedule(copy_slot, admission.duplicate_arrival);
  }
}

void Network::deliver(std::uint32_t slot) {
  Slot& s = slots_[slot];
  Direction* d = s.direction == kNoDirection ? nullptr : &directions_[s.direction];
  if (d != nullptr && !d->link.alive(s.epoch)) {
    drop(slot, DropReason::kLinkDown);
    return;
  }
  const auto owner = address_owner_.find(s.packet.to);
  if (owner == address_owner_.end()) {
    drop(slot, DropReason::kNoRoute);
    return;
  }
  Host* host = owner->second;
  const std::size_t size = s.packet.bytes.size();
  if (d != nullptr) {
    ++d->stats.delivered;
    d->stats.bytes_delivered += size;
    if (d->link.note_delivery(s.sequence)) {
      ++d->stats.reordered;
      ++totals_.reordered;
    }
  }
  ++totals_.delivered;
  totals_.bytes_delivered += size;
  trace(TraceKind::kDelivered, DropReason::kNone, s.packet);
  host->on_packet(s.packet.bytes, s.packet.from, s.packet.to, now_);
  release_slot(slot);
}

void Network::drain_hosts() {
  // By index: a callback may attach another host meanwhile.
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    Host* host = hosts_[i];
    for (;;) {
      scratch_.bytes.clear();
      if (!host->poll_transmit(scratch_, now_)) break;
      send(scratch_);
    }
  }
}

bool Network::step(TimePoint limit) {
  const TimePoint next_packet = events_.empty() ? kTimeInfinite : events_.top().time;
  TimePoint next_timer = kTimeInfinite;
  Host* timer_host = nullptr;
  for (Host* host : hosts_) {  // in attach order: ties go to the host attached first
    if (const TimePoint t = host->next_timeout(); t < next_timer) {
      next_timer = t;
      timer_host = host;
    }
  }
  const TimePoint t = std::min(next_packet, next_timer);
  if (t == kTimeInfinite || t > limit) return false;
  if (t > now_) {
    now_ = t;
    timeouts_at_instant_ = 0;
  }
  if (next_packet <= next_timer) {  // packets due at an instant go before timers due then
    const std::uint32_t slot = events_.top().slot;
    events_.pop();
    timeouts_at_instant_ = 0;
    deliver(slot);
  } else {
    if (++timeouts_at_instant_ > kMaxTimeoutsAtInstant) {
      stalled_ = true;
      return false;
    }
    timer_host->on_timeout(now_);
  }
  drain_hosts();
  return true;
}

bool Network::run_until(const std::function<bool()>& done, TimePoint limit) {
  stalled_ = false;
  timeouts_at_instant_ = 0;
  drain_hosts();  // what hosts queued since the last run (e.g. a test called into an endpoint)
  for (;;) {
    if (done && done()) return true;
    if (!step(limit)) break;
  }
  if (!stalled_ && limit != kTimeInfinite && limit > now_) now_ = limit;
  return done && done();
}

void Network::run_until(TimePoint t) {
  run_until(std::function<bool()>{}, t);
}

}  // namespace sctps::sim
