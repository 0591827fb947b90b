// Two endpoints joined by a simulated network, for association tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "support/sim/endpoint_host.h"
#include "support/sim/network.h"

namespace sctps::sim {

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

// Options small enough that timeouts happen within seconds of virtual time.
inline core::AssociationOptions fast_options() {
  core::AssociationOptions o;
  o.rto_initial = ms(100);
  o.rto_min = ms(50);
  o.rto_max = sec(2);
  o.valid_cookie_life = sec(10);
  o.heartbeat_interval = sec(1);
  return o;
}

// Changes an endpoint's configuration before it is created (key managers, key log, ...).
using ConfigHook = std::function<void(core::EndpointConfig&)>;

struct Pair {
  explicit Pair(std::uint64_t seed = 1, LinkConfig link = {},
                core::AssociationOptions a = fast_options(),
                core::AssociationOptions z = fast_options(), const ConfigHook& client_hook = {},
                const ConfigHook& server_hook = {})
      : net(seed) {
    core::EndpointConfig ca;
    ca.local_port = 5000;
    ca.local_addresses = {client_ip};
    ca.association = a;
    core::EndpointConfig cz;
    cz.local_port = 6000;
    cz.local_addresses = {server_ip};
    cz.association = z;
    if (client_hook) client_hook(ca);
    if (server_hook) server_hook(cz);
    client = std::make_unique<EndpointHost>(ca, seed * 7 + 1, net.now());
    server = std::make_unique<EndpointHost>(cz, seed * 7 + 2, net.now());
    net.attach(*client, {client_ip});
    net.attach(*server, {server_ip});
    if (link.delay == Duration{0}) link.delay = ms(5);
    net.connect(client_ip, server_ip, link);
  }

  core::AssocId connect() { return client->endpoint().connect({server_ip}, 6000, net.now()); }
  bool run_until(const std::function<bool()>& done, Duration limit = sec(60)) {
    return net.run_until(done, net.now() + limit);
  }
  bool established() { return !client->ups.empty() && !server->ups.empty(); }
  core::AssocId server_assoc() const { return server->ups.empty() ? 0 : server->ups.front().id; }

  IpAddress client_ip = ip("10.0.0.1");
  IpAddress server_ip = ip("10.0.0.2");
  Network net;
  std::unique_ptr<EndpointHost> client;
  std::unique_ptr<EndpointHost> server;
};

inline std::vector<std::uint8_t> pattern(std::size_t size, std::uint32_t seed) {
  std::vector<std::uint8_t> v(size);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

}  // namespace sctps::sim
