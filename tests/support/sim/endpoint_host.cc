#include "support/sim/endpoint_host.h"

namespace sctps::sim {

EndpointHost::EndpointHost(core::EndpointConfig config, std::uint64_t seed, TimePoint now)
    : random_(seed),
      endpoint_(std::make_unique<core::Endpoint>(std::move(config), random_, now)),
      buffer_(65536) {}

void EndpointHost::on_packet(std::span<const std::uint8_t> packet, const IpAddress& from,
                             const IpAddress& to, TimePoint now) {
  endpoint_->handle_packet(packet, from, to, now);
  drain_events();
}

void EndpointHost::on_timeout(TimePoint now) {
  endpoint_->advance_time(now);
  drain_events();
}

bool EndpointHost::poll_transmit(OutgoingPacket& out, TimePoint now) {
  auto t = endpoint_->poll_transmit(buffer_, now);
  drain_events();
  if (!t) return false;
  out.bytes.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(t->size));
  out.to = t->to;
  if (t->from) {
    out.from = *t->from;
  } else {
    // The first local address of the destination's family.
    out.from = endpoint_->config().local_addresses.empty() ? IpAddress{}
                                                           : endpoint_->config().local_addresses[0];
    for (const IpAddress& a : endpoint_->config().local_addresses) {
      if (a.family() == t->to.family()) {
        out.from = a;
        break;
      }
    }
  }
  return true;
}

void EndpointHost::drain_events() {
  while (auto e = endpoint_->poll_event()) {
    if (auto* m = std::get_if<core::MessageReceived>(&*e)) received.push_back(*m);
    if (auto* u = std::get_if<core::AssociationUp>(&*e)) ups.push_back(*u);
    if (auto* d = std::get_if<core::AssociationDown>(&*e)) downs.push_back(*d);
    if (auto* r = std::get_if<core::AssociationRestarted>(&*e)) restarts.push_back(*r);
    if (auto* p = std::get_if<core::PathChanged>(&*e)) path_changes.push_back(*p);
    if (on_event) on_event(*e);
    events_.push_back(std::move(*e));
  }
}

std::vector<core::Event> EndpointHost::take_events() {
  std::vector<core::Event> out;
  out.swap(events_);
  return out;
}

}  // namespace sctps::sim
