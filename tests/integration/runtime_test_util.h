// Two api::Runtimes on loopback driven from the test's thread, with their events collected.
// Ephemeral UDP ports, bounded waits.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "api/runtime.h"
#include "net/monotonic_clock.h"
#include "net/socket_address.h"

namespace sctps::api::testing {

using namespace std::chrono_literals;

inline RuntimeOptions loopback_options(net::SocketAddress::Family family, std::uint16_t sctp_port) {
  RuntimeOptions o;
  o.local_addresses = {net::SocketAddress::loopback(family, 0)};
  o.udp_port = 0;
  o.sctp_port = sctp_port;
  return o;
}

struct RuntimePair {
  std::unique_ptr<Runtime> server;
  std::unique_ptr<Runtime> client;
  core::AssocId client_id = 0;
  core::AssocId server_id = 0;
  std::vector<core::Event> client_events, server_events;

  // Creates both (the client learns the server's UDP port) and connects; check ok() after.
  RuntimePair(RuntimeOptions server_options, RuntimeOptions client_options) {
    auto s = Runtime::create(server_options);
    if (!s.ok()) {
      error = s.error().message;
      return;
    }
    server = std::move(s).value();
    client_options.remote_udp_port = server->udp_port();
    auto c = Runtime::create(client_options);
    if (!c.ok()) {
      error = c.error().message;
      return;
    }
    client = std::move(c).value();
    const auto family = server_options.local_addresses.empty()
                            ? net::SocketAddress::Family::kV4
                            : server_options.local_addresses.front().family();
    client_id = client->connect(net::SocketAddress::loopback(family, server->sctp_port()));
  }
  bool ok() const { return server && client && client_id != 0; }
  std::string error;

  // Runs both until `done` or the timeout; collects events.
  bool run(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto end = net::monotonic_now() + timeout;
    while (net::monotonic_now() < end) {
      client->run_once(0us);
      server->run_once(1ms);
      collect();
      if (done()) return true;
    }
    return done();
  }
  void collect() {
    while (auto e = client->poll_event()) client_events.push_back(std::move(*e));
    while (auto e = server->poll_event()) {
      if (auto* up = std::get_if<core::AssociationUp>(&*e)) server_id = up->id;
      server_events.push_back(std::move(*e));
    }
  }
  template <typename T>
  static const T* find(const std::vector<core::Event>& events) {
    for (const auto& e : events) {
      if (const auto* p = std::get_if<T>(&e)) return p;
    }
    return nullptr;
  }
  bool up() {
    return run([&] { return find<core::AssociationUp>(client_events) && server_id != 0; }, 5000ms);
  }
};

}  // namespace sctps::api::testing
