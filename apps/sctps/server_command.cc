#include "server_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/runtime.h"
#include "protection_options.h"
#include "run_common.h"

namespace sctps::app {
namespace {

using Clock = std::chrono::steady_clock;

struct ServerOptions {
  std::vector<std::string> listen;
  int udp_port = 9899;
  bool raw = false;
  int streams = 16;
  bool echo = false;
  bool discard = false;
  double stats_interval = 0;
  bool json = false;
  TuningOptions tuning;
  ProtectionCliOptions protection;
};

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

struct Echo {
  core::AssocId id;
  core::ReceivedMessage message;
};

// What the server has seen, for the statistics lines and the summary.
struct Totals {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t unordered = 0;
  std::uint64_t associations = 0;
  std::uint64_t echoed = 0;
  std::vector<bool> streams_seen = std::vector<bool>(65536);
  std::uint64_t streams_used = 0;
  // Retransmissions of associations that ended, plus those of live ones when printed.
  std::uint64_t retransmissions_closed = 0;
  std::uint64_t rekeys = 0;
  std::map<core::AssocId, KeySummary> keys;  // of the associations that are or were protected
};

std::string address_list_json(const std::vector<net::SocketAddress>& addresses) {
  std::string out = "[";
  for (const auto& a : addresses) {
    if (out.size() > 1) out += ',';
    out += '"' + json_escape(a.ip_string()) + '"';
  }
  return out + "]";
}

std::string address_list_text(const std::vector<net::SocketAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses) {
    if (!out.empty()) out += ", ";
    out += a.ip_string();
  }
  return out;
}

int run_server(const ServerOptions& o) {
  std::string why;
  const auto listen = parse_listen_addresses(o.listen, why);
  if (!listen) {
    fmt::print(stderr, "sctps server: {}\n", why);
    return kExitUsage;
  }
  api::RuntimeOptions options;
  options.local_addresses = *listen;
  options.transport = o.raw ? api::Transport::kRawIp : api::Transport::kUdpEncapsulation;
  options.udp_port = static_cast<std::uint16_t>(o.udp_port);
  options.sctp_port = listen->front().port();
  options.association.outbound_streams = static_cast<std::uint16_t>(o.streams);
  options.association.max_inbound_streams = static_cast<std::uint16_t>(o.streams);
  if (why = apply_tuning(o.tuning, options.association); !why.empty()) {
    fmt::print(stderr, "sctps server: {}\n", why);
    return kExitUsage;
  }
  if (why = apply_protection(o.protection, true, options.protection); !why.empty()) {
    fmt::print(stderr, "sctps server: {}\n", why);
    return kExitUsage;
  }
  apply_capture(o.protection, options);
  auto runtime = api::Runtime::create(options);
  if (!runtime.ok()) {
    fmt::print(stderr, "sctps server: {}\n", runtime.error().message);
    return kExitFailure;
  }
  api::Runtime& rt = **runtime;
  if (o.json) {
    fmt::print(
        "{{\"event\":\"listening\",\"addresses\":{},\"sctp_port\":{},\"transport\":\"{}\","
        "\"udp_port\":{}}}\n",
        address_list_json(*listen), rt.sctp_port(), o.raw ? "raw" : "udp", rt.udp_port());
  } else if (o.raw) {
    fmt::print("listening on {} (SCTP port {}, raw IP), {}\n", address_list_text(*listen),
               rt.sctp_port(), o.echo ? "echo" : "discard");
  } else {
    fmt::print("listening on {} (SCTP port {}, UDP port {}), {}\n", address_list_text(*listen),
               rt.sctp_port(), rt.udp_port(), o.echo ? "echo" : "discard");
  }
  std::fflush(stdout);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  Totals totals;
  std::set<core::AssocId> live;
  std::uint64_t interval_bytes = 0;
  std::deque<Echo> backlog;
  const auto retransmissions = [&] {
    std::uint64_t r = totals.retransmissions_closed;
    for (const auto id : live) {
      if (auto s = rt.stats(id)) r += s->retransmitted_chunks;
    }
    return r;
  };
  const auto handle_events = [&] {
    while (auto e = rt.poll_event()) {
      if (auto* up = std::get_if<core::AssociationUp>(&*e)) {
        ++totals.associations;
        live.insert(up->id);
        std::string peers;
        for (const auto& a : up->peer_addresses) {
          if (!peers.empty()) peers += o.json ? "," : ", ";
          peers += o.json ? '"' + json_escape(a.to_string()) + '"' : a.to_string();
        }
        if (o.json) {
          fmt::print(
              "{{\"event\":\"up\",\"association\":{},\"peers\":[{}],\"streams_out\":{},"
              "\"streams_in\":{},\"protection\":\"{}\"}}\n",
              up->id, peers, up->outbound_streams, up->inbound_streams,
              core::to_string(up->protection));
        } else {
          fmt::print("association {} up with {} ({} streams out, {} in), protection {}\n", up->id,
                     peers, up->outbound_streams, up->inbound_streams,
                     core::to_string(up->protection));
        }
      } else if (auto* r = std::get_if<core::KeysRotated>(&*e)) {
        totals.keys[r->id].note(*e);
        ++totals.rekeys;
        const double ms =
            static_cast<double>(
                std::chrono::duration_cast<std::chrono::microseconds>(r->took).count()) /
            1000;
        if (o.json) {
          fmt::print(
              R"({{"event":"rekeyed","association":{},"epoch":{},"ms":{:.3f},"started_by":"{}"}})"
              "\n",
              r->id, r->epoch, ms, r->initiated_locally ? "server" : "client");
        } else {
          fmt::print("association {} rekeyed: epoch {} in {:.1f} ms (started by the {})\n", r->id,
                     r->epoch, ms, r->initiated_locally ? "server" : "client");
        }
      } else if (auto* p = std::get_if<core::ProtectionEstablished>(&*e)) {
        KeySummary& k = totals.keys[p->id];
        k.note(*e);
        if (const auto st = rt.stats(p->id)) k.set_suite(st->cipher_suite);
        if (o.json) {
          fmt::print(
              "{{\"event\":\"protected\",\"association\":{},\"method\":{},\"epoch\":{},"
              "\"resumed\":{}}}\n",
              p->id, p->method, p->epoch, p->resumed);
        } else {
          fmt::print(
              "association {} protected (DTLS chunk, key-management method {}, epoch {}{})\n",
              p->id, p->method, p->epoch, p->resumed ? ", resumed TLS session" : "");
        }
      } else if (auto* down = std::get_if<core::AssociationDown>(&*e)) {
        // The stats of an association are gone once it is down; count what is left as closed.
        live.erase(down->id);
        const auto k = totals.keys.find(down->id);
        const bool keyed = k != totals.keys.end() && k->second.has_keys();
        if (o.json) {
          fmt::print(
              "{{\"event\":\"down\",\"association\":{},\"reason\":\"{}\",\"detail\":\"{}\"{}}}\n",
              down->id, core::to_string(down->reason), json_escape(down->detail),
              keyed ? k->second.json_fields() : std::string());
        } else {
          fmt::print("association {} down: {}{}{}\n", down->id, core::to_string(down->reason),
                     down->detail.empty() ? "" : ": ", down->detail);
          if (keyed) fmt::print("association {} keys: {}\n", down->id, k->second.text());
        }
        if (k != totals.keys.end()) totals.keys.erase(k);
      } else if (auto* path = std::get_if<core::PathChanged>(&*e)) {
        if (o.json) {
          fmt::print(
              "{{\"event\":\"path\",\"association\":{},\"address\":\"{}\",\"reachable\":{}}}\n",
              path->id, json_escape(path->address.to_string()), path->reachable ? "true" : "false");
        } else {
          fmt::print("association {}: path {} {}\n", path->id, path->address.to_string(),
                     path->reachable ? "reachable" : "unreachable");
        }
      } else if (auto* m = std::get_if<core::MessageReceived>(&*e)) {
        ++totals.messages;
        totals.bytes += m->message.payload.size();
        interval_bytes += m->message.payload.size();
        if (m->message.unordered) ++totals.unordered;
        const std::uint16_t stream = m->message.stream.value();
        if (!totals.streams_seen[stream]) {
          totals.streams_seen[stream] = true;
          ++totals.streams_used;
        }
        if (o.echo) backlog.push_back(Echo{m->id, std::move(m->message)});
      }
      std::fflush(stdout);
    }
  };
  const auto send_echoes = [&] {
    while (!backlog.empty()) {
      Echo& echo = backlog.front();
      const auto status = rt.send(echo.id, echo.message.stream.value(), echo.message.ppid.value(),
                                  echo.message.payload, echo.message.unordered);
      if (status == core::SendStatus::kWouldBlock) break;
      // Anything else than kOk: the association is gone; its echoes go with it.
      if (status == core::SendStatus::kOk) ++totals.echoed;
      backlog.pop_front();
    }
  };

  const auto start = Clock::now();
  auto last_stats = start;
  while (!g_stop.load()) {
    rt.run_once(std::chrono::milliseconds(backlog.empty() ? 50 : 1));
    handle_events();
    send_echoes();
    const auto now = Clock::now();
    const double secs = std::chrono::duration<double>(now - last_stats).count();
    if (o.stats_interval > 0 && secs >= o.stats_interval) {
      const double mbps = static_cast<double>(interval_bytes) * 8 / secs / 1e6;
      if (o.json) {
        fmt::print(
            "{{\"event\":\"stats\",\"associations\":{},\"messages\":{},\"bytes\":{},"
            "\"mbit_per_s\":{:.3f},\"retransmissions\":{}}}\n",
            live.size(), totals.messages, totals.bytes, mbps, retransmissions());
      } else {
        fmt::print("{} associations, {} messages, {} bytes, {:.3f} Mbit/s, {} retransmissions\n",
                   live.size(), totals.messages, totals.bytes, mbps, retransmissions());
      }
      std::fflush(stdout);
      interval_bytes = 0;
      last_stats = now;
    }
  }
  // Stopped: end the live associations gracefully (bounded; the peers may be gone).
  for (const auto id : live) rt.shutdown(id);
  rt.run_until(
      [&] {
        handle_events();
        return live.empty();
      },
      std::chrono::seconds(2));
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (o.json) {
    fmt::print(
        "{{\"event\":\"summary\",\"associations\":{},\"messages\":{},\"bytes\":{},"
        "\"unordered\":{},\"streams_used\":{},\"echoed\":{},\"rekeys\":{},\"seconds\":{:.3f}}}\n",
        totals.associations, totals.messages, totals.bytes, totals.unordered, totals.streams_used,
        totals.echoed, totals.rekeys, secs);
  } else {
    fmt::print(
        "summary: {} associations, {} messages ({} unordered) on {} streams, {} bytes, {} echoed, "
        "{} rekeys, in {:.3f} s\n",
        totals.associations, totals.messages, totals.unordered, totals.streams_used, totals.bytes,
        totals.echoed, totals.rekeys, secs);
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void add_server_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServerOptions>();
  CLI::App* cmd = app.add_subcommand(
      "server", "Accept SCTP associations over UDP encapsulation (RFC 6951) until SIGINT/SIGTERM");
  cmd->add_option("--listen", o->listen,
                  "HOST:PORT: local IP address and SCTP port; repeat for several addresses "
                  "(multihoming), all with the same port")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* udp_port =
      cmd->add_option("--udp-port", o->udp_port, "local UDP encapsulation port (0: ephemeral)")
          ->check(CLI::Range(0, 65535))
          ->capture_default_str();
  cmd->add_flag("--raw", o->raw,
                "SCTP directly over IP (protocol 132) instead of UDP encapsulation; needs "
                "CAP_NET_RAW and no kernel SCTP module")
      ->excludes(udp_port);
  cmd->add_option("--streams", o->streams, "streams in each direction")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  auto* echo = cmd->add_flag("--echo", o->echo, "send every message back on its stream");
  auto* discard = cmd->add_flag("--discard", o->discard, "drop received messages (default)");
  echo->excludes(discard);
  cmd->add_option("--stats-interval", o->stats_interval,
                  "print a statistics line every S seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "print JSON lines instead of text");
  add_tuning_options(*cmd, o->tuning);
  add_protection_options(*cmd, o->protection);
  cmd->add_flag("--resume", o->protection.resume,
                "TLS: let clients resume their session on reconnect (a single-use ticket with "
                "each handshake; psk_dhe_ke, so keys stay ephemeral; rekeys authenticate in full)")
      ->group("Protection (DTLS chunk)");
  cmd->footer(
      "On SIGINT or SIGTERM the server shuts its associations down and prints a summary.\n"
      "Exit codes: 0 success, 1 failure (cannot bind, ...), 2 bad options.");
  cmd->callback([o, &exit_code] { exit_code = run_server(*o); });
}

}  // namespace sctps::app
