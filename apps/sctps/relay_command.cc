#include "relay_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "run_common.h"
#include "support/lossy_relay.h"

namespace sctps::app {
namespace {

using Clock = std::chrono::steady_clock;

struct RelayOptions {
  std::string listen;
  std::string to;
  double loss = 0;
  double delay_ms = 0;
  double jitter_ms = 0;
  double duplicate = 0;
  double reorder = 0;
  double reorder_extra_ms = 5;
  std::uint64_t seed = 1;
  double duration = 0;
  double stats_interval = 0;
  bool json = false;
};

std::atomic<bool> g_stop{false};
extern "C" void on_relay_stop_signal(int) {
  g_stop.store(true);
}

net::Micros micros(double milliseconds) {
  return net::Micros(static_cast<net::Micros::rep>(milliseconds * 1000));
}

std::string direction_json(const test::LossyRelayDirectionStats& d) {
  return fmt::format(
      "{{\"received\":{},\"forwarded\":{},\"lost\":{},\"duplicated\":{},\"reordered\":{},"
      "\"overflow\":{}}}",
      d.received, d.forwarded, d.lost, d.duplicated, d.reordered, d.overflow);
}

std::string direction_text(const test::LossyRelayDirectionStats& d) {
  return fmt::format("{} received, {} forwarded, {} lost, {} duplicated, {} reordered", d.received,
                     d.forwarded, d.lost, d.duplicated, d.reordered);
}

void print_stats(const test::LossyRelayStats& s, bool json, const char* event) {
  if (json) {
    fmt::print("{{\"event\":\"{}\",\"to_server\":{},\"to_client\":{}}}\n", event,
               direction_json(s.to_server), direction_json(s.to_client));
  } else {
    fmt::print("{}to server: {}; to client: {}\n",
               std::string(event) == "summary" ? "summary: " : "", direction_text(s.to_server),
               direction_text(s.to_client));
  }
  std::fflush(stdout);
}

int run_relay(const RelayOptions& o) {
  const auto listen = net::SocketAddress::parse(o.listen);
  if (!listen) {
    fmt::print(stderr,
               "sctps relay: --listen: expected HOST:PORT with an IP address (port 0: ephemeral), "
               "got '{}'\n",
               o.listen);
    return kExitUsage;
  }
  const auto to = net::SocketAddress::parse(o.to);
  if (!to || to->port() == 0 || to->is_any()) {
    fmt::print(stderr,
               "sctps relay: --to: expected the server's HOST:PORT (an IP address and its UDP "
               "port 1-65535), got '{}'\n",
               o.to);
    return kExitUsage;
  }
  if (to->family() != listen->family()) {
    fmt::print(stderr, "sctps relay: --listen {} and --to {} are of different address families\n",
               o.listen, o.to);
    return kExitUsage;
  }
  test::LossyRelayConfig config;
  config.listen = *listen;
  config.server = *to;
  config.loss = o.loss;
  config.delay = micros(o.delay_ms);
  config.jitter = micros(o.jitter_ms);
  config.duplicate = o.duplicate;
  config.reorder = o.reorder;
  config.reorder_extra = micros(o.reorder_extra_ms);
  config.seed = o.seed;
  // Without --duration: until stopped (a century is "forever" and cannot overflow the clock).
  config.max_run_time =
      o.duration > 0 ? micros(o.duration * 1000) : net::Micros(std::chrono::hours(24 * 365 * 100));
  auto loop = net::EventLoop::create();
  if (!loop.ok()) {
    fmt::print(stderr, "sctps relay: cannot create event loop: {}\n", loop.error().message);
    return kExitFailure;
  }
  auto relay = test::LossyRelay::create(**loop, config);
  if (!relay.ok()) {
    fmt::print(stderr, "sctps relay: cannot listen on {}: {}\n", o.listen, relay.error().message);
    return kExitFailure;
  }
  const net::SocketAddress& address = (*relay)->address();
  if (o.json) {
    fmt::print("{{\"event\":\"listening\",\"address\":\"{}\",\"udp_port\":{},\"to\":\"{}\"}}\n",
               json_escape(address.ip_string()), address.port(), json_escape(to->to_string()));
  } else {
    fmt::print("relaying {} <-> {} (loss {}, delay {} ms, jitter {} ms, seed {})\n",
               address.to_string(), to->to_string(), o.loss, o.delay_ms, o.jitter_ms, o.seed);
  }
  std::fflush(stdout);
  std::signal(SIGINT, on_relay_stop_signal);
  std::signal(SIGTERM, on_relay_stop_signal);

  auto last_stats = Clock::now();
  while (!g_stop.load()) {
    (*loop)->run_once(net::Micros(std::chrono::milliseconds(50)));
    // After --duration the relay takes nothing more; what it still holds leaves first.
    if ((*relay)->expired() && (*relay)->in_flight() == 0) break;
    if (o.stats_interval > 0 &&
        std::chrono::duration<double>(Clock::now() - last_stats).count() >= o.stats_interval) {
      last_stats = Clock::now();
      print_stats((*relay)->stats(), o.json, "stats");
    }
  }
  print_stats((*relay)->stats(), o.json, "summary");
  return kExitOk;
}

}  // namespace

void add_relay_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RelayOptions>();
  CLI::App* cmd = app.add_subcommand(
      "relay",
      "Forward UDP-encapsulated SCTP between a client and a server with loss, delay, jitter, "
      "duplication and reordering (seeded, repeatable)");
  cmd->add_option("--listen", o->listen,
                  "HOST:PORT: UDP address clients send to (the client's --connect IP and "
                  "--remote-udp-port); port 0: ephemeral")
      ->required();
  cmd->add_option("--to", o->to, "HOST:PORT: the server's UDP encapsulation address")->required();
  const auto probability = CLI::Range(0.0, 1.0);
  cmd->add_option("--loss", o->loss, "probability that a datagram is dropped, each direction")
      ->check(probability)
      ->capture_default_str();
  cmd->add_option("--delay", o->delay_ms, "milliseconds added to every datagram")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  cmd->add_option("--jitter", o->jitter_ms,
                  "up to this many more milliseconds per datagram, uniform (reorders)")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  cmd->add_option("--duplicate", o->duplicate, "probability that a datagram is sent twice")
      ->check(probability)
      ->capture_default_str();
  cmd->add_option("--reorder", o->reorder,
                  "probability that a datagram is held back by --reorder-extra")
      ->check(probability)
      ->capture_default_str();
  cmd->add_option("--reorder-extra", o->reorder_extra_ms, "milliseconds a reordered datagram waits")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "random seed: the same seed, the same fate per datagram")
      ->capture_default_str();
  cmd->add_option("--duration", o->duration, "stop after S seconds (default: at SIGINT/SIGTERM)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--stats-interval", o->stats_interval,
                  "print counters every S seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "print JSON lines instead of text");
  cmd->footer(
      "The server sees every client as the relay's address. Prints a summary when stopped.\n"
      "Exit codes: 0 success, 1 failure (cannot bind), 2 bad options.");
  cmd->callback([o, &exit_code] { exit_code = run_relay(*o); });
}

}  // namespace sctps::app
