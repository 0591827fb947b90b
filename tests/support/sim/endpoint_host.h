// Adapts a core::Endpoint to the simulated network, and records its events for tests.
#pragma once

#include <memory>
#include <vector>

#include "core/endpoint.h"
#include "core/random.h"
#include "support/sim/host.h"

namespace sctps::sim {

class EndpointHost : public Host {
 public:
  EndpointHost(core::EndpointConfig config, std::uint64_t seed, TimePoint now);

  core::Endpoint& endpoint() { return *endpoint_; }
  const core::Endpoint& endpoint() const { return *endpoint_; }

  void on_packet(std::span<const std::uint8_t> packet, const IpAddress& from, const IpAddress& to,
                 TimePoint now) override;
  TimePoint next_timeout() const override { return endpoint_->poll_timeout(); }
  void on_timeout(TimePoint now) override;
  bool poll_transmit(OutgoingPacket& out, TimePoint now) override;

  // Events collected since the last take_events(); messages are also kept in `received`.
  std::vector<core::Event> take_events();
  const std::vector<core::Event>& events() const { return events_; }
  std::vector<core::MessageReceived> received;
  std::vector<core::AssociationUp> ups;
  std::vector<core::AssociationDown> downs;
  std::vector<core::AssociationRestarted> restarts;
  std::vector<core::PathChanged> path_changes;
  // Called for each event as it happens (e.g. to echo messages).
  std::function<void(const core::Event&)> on_event;

 private:
  void drain_events();
  SeededRandom random_;
  std::unique_ptr<core::Endpoint> endpoint_;
  std::vector<std::uint8_t> buffer_;
  std::vector<core::Event> events_;
};

}  // namespace sctps::sim
