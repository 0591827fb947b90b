#include "server_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>

#include "api/runtime.h"
#include "run_common.h"

namespace sctps::app {
namespace {

struct ServerOptions {
  std::string listen;
  int udp_port = 9899;
  int streams = 16;
  bool echo = false;
  bool discard = false;
  double stats_interval = 0;
  bool json = false;
};

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

struct Echo {
  core::AssocId id;
  core::ReceivedMessage message;
};

int run_server(const ServerOptions& o) {
  std::string why;
  const auto listen = parse_host_port("--listen", o.listen, why);
  if (!listen) {
    fmt::print(stderr, "sctps server: {}\n", why);
    return 2;
  }
  api::RuntimeOptions options;
  options.local_addresses = {*listen};
  options.udp_port = static_cast<std::uint16_t>(o.udp_port);
  options.sctp_port = listen->port();
  options.association.outbound_streams = static_cast<std::uint16_t>(o.streams);
  options.association.max_inbound_streams = static_cast<std::uint16_t>(o.streams);
  auto runtime = api::Runtime::create(options);
  if (!runtime.ok()) {
    fmt::print(stderr, "sctps server: {}\n", runtime.error().message);
    return 1;
  }
  api::Runtime& rt = **runtime;
  if (o.json) {
    fmt::print("{{\"event\":\"listening\",\"address\":\"{}\",\"sctp_port\":{},\"udp_port\":{}}}\n",
               json_escape(listen->ip_string()), listen->port(), rt.udp_port());
  } else {
    fmt::print("listening on {} (SCTP port {}, UDP port {}), {}\n", listen->ip_string(),
               listen->port(), rt.udp_port(), o.echo ? "echo" : "discard");
  }
  std::fflush(stdout);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  std::uint64_t messages = 0, bytes = 0, associations = 0, interval_bytes = 0;
  std::deque<Echo> backlog;
  const auto start = std::chrono::steady_clock::now();
  auto last_stats = start;
  while (!g_stop.load()) {
    rt.run_once(std::chrono::milliseconds(backlog.empty() ? 50 : 1));
    while (auto e = rt.poll_event()) {
      if (auto* up = std::get_if<core::AssociationUp>(&*e)) {
        ++associations;
        const std::string peer =
            up->peer_addresses.empty() ? std::string("?") : up->peer_addresses[0].to_string();
        if (o.json) {
          fmt::print("{{\"event\":\"up\",\"association\":{},\"peer\":\"{}\"}}\n", up->id, peer);
        } else {
          fmt::print("association {} up with {}\n", up->id, peer);
        }
      } else if (auto* down = std::get_if<core::AssociationDown>(&*e)) {
        if (o.json) {
          fmt::print("{{\"event\":\"down\",\"association\":{},\"reason\":\"{}\"}}\n", down->id,
                     core::to_string(down->reason));
        } else {
          fmt::print("association {} down: {}{}{}\n", down->id, core::to_string(down->reason),
                     down->detail.empty() ? "" : ": ", down->detail);
        }
      } else if (auto* m = std::get_if<core::MessageReceived>(&*e)) {
        ++messages;
        bytes += m->message.payload.size();
        interval_bytes += m->message.payload.size();
        if (o.echo) backlog.push_back(Echo{m->id, std::move(m->message)});
      }
      std::fflush(stdout);
    }
    while (!backlog.empty()) {
      Echo& echo = backlog.front();
      const auto status = rt.send(echo.id, echo.message.stream.value(), echo.message.ppid.value(),
                                  echo.message.payload, echo.message.unordered);
      if (status == core::SendStatus::kWouldBlock) break;
      backlog.pop_front();
    }
    const auto now = std::chrono::steady_clock::now();
    if (o.stats_interval > 0 &&
        std::chrono::duration<double>(now - last_stats).count() >= o.stats_interval) {
      const double secs = std::chrono::duration<double>(now - last_stats).count();
      if (o.json) {
        fmt::print("{{\"event\":\"stats\",\"messages\":{},\"bytes\":{},\"mbit_per_s\":{:.3f}}}\n",
                   messages, bytes, static_cast<double>(interval_bytes) * 8 / secs / 1e6);
      } else {
        fmt::print("{} messages, {} bytes, {:.3f} Mbit/s\n", messages, bytes,
                   static_cast<double>(interval_bytes) * 8 / secs / 1e6);
      }
      std::fflush(stdout);
      interval_bytes = 0;
      last_stats = now;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.json) {
    fmt::print(
        "{{\"event\":\"summary\",\"associations\":{},\"messages\":{},\"bytes\":{},\"seconds\":{:."
        "3f}}}\n",
        associations, messages, bytes, secs);
  } else {
    fmt::print("summary: {} associations, {} messages, {} bytes in {:.3f} s\n", associations,
               messages, bytes, secs);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

void add_server_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServerOptions>();
  CLI::App* cmd = app.add_subcommand("server", "Accept SCTP associations over UDP encapsulation");
  cmd->add_option("--listen", o->listen, "HOST:PORT: IP address to bind and SCTP port")->required();
  cmd->add_option("--udp-port", o->udp_port, "local UDP encapsulation port (0: ephemeral)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--streams", o->streams, "streams in each direction")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  auto* echo = cmd->add_flag("--echo", o->echo, "send every message back on its stream");
  auto* discard = cmd->add_flag("--discard", o->discard, "drop received messages (default)");
  echo->excludes(discard);
  cmd->add_option("--stats-interval", o->stats_interval, "print statistics every S seconds")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "print JSON lines instead of text");
  cmd->callback([o, &exit_code] { exit_code = run_server(*o); });
}

}  // namespace sctps::app
