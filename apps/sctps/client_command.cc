#include "client_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "api/runtime.h"
#include "protection_options.h"
#include "run_common.h"

namespace sctps::app {
namespace {

using Clock = std::chrono::steady_clock;

struct ClientOptions {
  std::string connect;
  std::vector<std::string> bind;
  int udp_port = 0;
  int remote_udp_port = 9899;
  bool raw = false;
  int local_port = 0;  // 0: an ephemeral one
  int streams = 16;
  std::size_t size = 1024;
  std::uint64_t count = 0;
  double duration = 0;
  bool unordered = false;
  double rate = 0;
  bool echo_check = false;
  bool json = false;
  double connect_timeout = 10;
  double stats_interval = 1;
  TuningOptions tuning;
  ProtectionCliOptions protection;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int fail(const std::string& reason, int code = kExitFailure) {
  fmt::print(stderr, "sctps client: {}\n", reason);
  return code;
}

// An SCTP port from the dynamic range (RFC 6335 §6: 49152-65535) for a client.
std::uint16_t ephemeral_port() {
  std::random_device random;
  return static_cast<std::uint16_t>(49152 + random() % 16384);
}

int usage(const std::string& reason) {
  return fail(reason, kExitUsage);
}

std::string down_reason(const core::AssociationDown& d) {
  std::string r;
  switch (d.reason) {
    case core::DownReason::kPeerAborted: r = "peer aborted"; break;
    case core::DownReason::kCannotStart: r = "association failed"; break;
    case core::DownReason::kCommunicationLost: r = "communication lost"; break;
    case core::DownReason::kLocalAbort: r = "association aborted"; break;
    case core::DownReason::kShutdown: r = "association shut down"; break;
  }
  if (!d.detail.empty()) r += ": " + d.detail;
  return r;
}

int run_client(const ClientOptions& o) {
  std::string why;
  const auto remote = parse_host_port("--connect", o.connect, why);
  if (!remote) return usage(why);
  if (remote->is_any()) {
    return usage("--connect " + o.connect + ": the wildcard address is not a peer address");
  }
  auto binds = parse_bind_addresses(o.bind, *remote, o.connect, why);
  if (!binds) return usage(why);
  if (binds->empty()) binds->push_back(net::SocketAddress::any(remote->family(), 0));
  if (o.echo_check && o.size < 8) {
    return usage("--echo-check needs --size of at least 8 bytes (the message index)");
  }
  const std::uint64_t count = (o.count == 0 && o.duration <= 0) ? 1000 : o.count;

  api::RuntimeOptions options;
  options.local_addresses = *binds;
  options.transport = o.raw ? api::Transport::kRawIp : api::Transport::kUdpEncapsulation;
  options.udp_port = static_cast<std::uint16_t>(o.udp_port);
  options.remote_udp_port = static_cast<std::uint16_t>(o.remote_udp_port);
  // An ephemeral SCTP port by default, over UDP too: the addresses and SCTP ports name an
  // association (RFC 9260 §1.5.8), so two clients on one host sharing a port would look to the
  // server like one peer restarting.
  options.sctp_port = static_cast<std::uint16_t>(o.local_port);
  if (o.local_port == 0) options.sctp_port = ephemeral_port();
  options.association.outbound_streams = static_cast<std::uint16_t>(o.streams);
  options.association.max_inbound_streams = static_cast<std::uint16_t>(o.streams);
  if (why = apply_tuning(o.tuning, options.association); !why.empty()) return usage(why);
  if (why = apply_protection(o.protection, false, options.protection); !why.empty())
    return usage(why);
  apply_capture(o.protection, options);
  auto created = api::Runtime::create(options);
  if (!created.ok()) return fail(created.error().message);
  api::Runtime& rt = **created;

  const core::AssocId id = rt.connect(*remote);
  std::optional<core::AssociationDown> down;
  std::uint16_t streams = 0;
  std::vector<IpAddress> peer_addresses;
  std::string protection = "off";
  KeySummary keys;
  const auto connect_start = Clock::now();
  while (streams == 0 && !down) {
    if (seconds_since(connect_start) > o.connect_timeout) {
      return fail(
          fmt::format("association failed: no answer from {} ({}) within {} s", remote->to_string(),
                      o.raw ? std::string("raw IP") : fmt::format("UDP port {}", o.remote_udp_port),
                      o.connect_timeout));
    }
    if (!o.raw && rt.counters().icmp_port_unreachable > 0) {
      return fail(
          fmt::format("association failed: ICMP port unreachable from {} (UDP port {}): "
                      "nothing listens there",
                      remote->ip_string(), o.remote_udp_port));
    }
    rt.run_once(std::chrono::milliseconds(20));
    while (auto e = rt.poll_event()) {
      if (auto* up = std::get_if<core::AssociationUp>(&*e)) {
        streams = up->outbound_streams;
        peer_addresses = up->peer_addresses;
        protection = std::string(core::to_string(up->protection));
      }
      keys.note(*e);
      if (std::get_if<core::ProtectionEstablished>(&*e) != nullptr) protection = "protected";
      if (auto* d = std::get_if<core::AssociationDown>(&*e)) down = std::move(*d);
    }
  }
  if (down) return fail(down_reason(*down));
  streams = std::min<std::uint16_t>(streams, static_cast<std::uint16_t>(o.streams));
  if (o.stats_interval > 0) {
    std::string peers;
    for (const auto& a : peer_addresses) {
      if (!peers.empty()) peers += o.json ? "," : ", ";
      peers += o.json ? '"' + json_escape(a.to_string()) + '"' : a.to_string();
    }
    if (o.json) {
      fmt::print(stderr, "{{\"event\":\"up\",\"peers\":[{}],\"streams\":{}}}\n", peers, streams);
    } else {
      fmt::print(stderr, "association up with {} ({} streams)\n", peers, streams);
    }
  }

  const auto start = Clock::now();
  std::vector<std::int64_t> send_us;  // per index: send time, for the RTT
  std::vector<std::int64_t> rtts;
  std::uint64_t sent = 0, received = 0, bytes_sent = 0, bytes_received = 0, bad = 0;
  std::uint64_t paths_down = 0, paths_up = 0;
  std::uint64_t received_protected = 0;
  std::vector<std::uint8_t> next;
  bool have_next = false, blocked = false;
  auto last_progress = start;
  bool sending_done = false;
  const auto elapsed_us = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  };
  for (;;) {
    if (!sending_done) {
      const double t = seconds_since(start);
      if ((count > 0 && sent >= count) || (o.duration > 0 && t >= o.duration)) {
        sending_done = true;
      }
    }
    int burst = 0;
    while (!sending_done && !blocked && burst < 64) {
      if (count > 0 && sent >= count) break;
      if (o.rate > 0 && static_cast<double>(sent) >= o.rate * seconds_since(start) + 1) break;
      if (!have_next) {
        fill_pattern(next, o.size, sent);
        have_next = true;
      }
      const auto stream = static_cast<std::uint16_t>(sent % streams);
      const auto status = rt.send(id, stream, 0, next, o.unordered);
      if (status == core::SendStatus::kWouldBlock) {
        blocked = true;
        break;
      }
      if (status != core::SendStatus::kOk) {
        return fail(fmt::format("send refused (status {})", static_cast<int>(status)));
      }
      have_next = false;
      send_us.push_back(elapsed_us());
      ++sent;
      bytes_sent += o.size;
      ++burst;
    }
    const bool busy = !sending_done && !blocked && (o.rate <= 0);
    rt.run_once(std::chrono::microseconds(busy ? 0 : (blocked ? 5000 : 1000)));
    if (blocked) blocked = false;  // retried; SendBufferAvailable also wakes us
    while (auto e = rt.poll_event()) {
      keys.note(*e);
      if (std::get_if<core::ProtectionEstablished>(&*e) != nullptr) protection = "protected";
      if (auto* m = std::get_if<core::MessageReceived>(&*e)) {
        ++received;
        if (m->message.is_protected) ++received_protected;
        bytes_received += m->message.payload.size();
        if (o.echo_check) {
          const auto& p = m->message.payload;
          const std::uint64_t index = pattern_index(p);
          if (!pattern_matches(p, o.size) || index >= sent) {
            ++bad;
          } else {
            rtts.push_back(elapsed_us() - send_us[index]);
          }
        }
      } else if (auto* d = std::get_if<core::AssociationDown>(&*e)) {
        return fail(down_reason(*d));
      } else if (auto* path = std::get_if<core::PathChanged>(&*e)) {
        ++(path->reachable ? paths_up : paths_down);
        if (o.json) {
          fmt::print(stderr, "{{\"event\":\"path\",\"address\":\"{}\",\"reachable\":{}}}\n",
                     json_escape(path->address.to_string()), path->reachable ? "true" : "false");
        } else {
          fmt::print(stderr, "path {} {}\n", path->address.to_string(),
                     path->reachable ? "reachable again" : "unreachable");
        }
      }
    }
    if (bad > 0) {
      rt.abort(id, "verification failed");
      return fail(
          fmt::format("verification failed: {} echoed message(s) differ from what was sent", bad));
    }
    if (o.stats_interval > 0 && seconds_since(last_progress) >= o.stats_interval) {
      last_progress = Clock::now();
      const double t = seconds_since(start);
      const double mbps = static_cast<double>(bytes_sent) * 8 / t / 1e6;
      const auto s = rt.stats(id);
      const std::uint64_t retransmitted = s ? s->retransmitted_chunks : 0;
      if (o.json) {
        fmt::print(stderr,
                   "{{\"event\":\"progress\",\"seconds\":{:.3f},\"messages_sent\":{},"
                   "\"messages_received\":{},\"mbit_per_s\":{:.3f},\"retransmissions\":{}}}\n",
                   t, sent, received, mbps, retransmitted);
      } else {
        fmt::print(stderr, "{:.1f} s: sent {}, received {}, {:.3f} Mbit/s, {} retransmissions\n", t,
                   sent, received, mbps, retransmitted);
      }
    }
    if (sending_done) {
      bool finished;
      if (o.echo_check) {
        finished = received >= sent;
      } else {
        const auto s = rt.stats(id);
        finished = !s || (s->outstanding_bytes == 0 && s->send_buffer_bytes == 0);
      }
      if (finished) break;
      if (seconds_since(start) > o.duration + 60 && (count == 0 || sent >= count)) {
        return fail("timed out waiting for the peer to acknowledge or echo");
      }
    }
  }
  const double secs = seconds_since(start);
  const auto stats = rt.stats(id);
  const std::uint64_t retransmissions = stats ? stats->retransmitted_chunks : 0;
  if (stats) keys.set_suite(stats->cipher_suite);
  rt.shutdown(id);
  bool closed = false;
  rt.run_until(
      [&] {
        while (auto e = rt.poll_event()) {
          if (std::holds_alternative<core::AssociationDown>(*e)) closed = true;
        }
        return closed;
      },
      std::chrono::seconds(10));

  std::sort(rtts.begin(), rtts.end());
  const auto percentile = [&](double p) -> double {
    if (rtts.empty()) return 0;
    const auto i = static_cast<std::size_t>(p * static_cast<double>(rtts.size() - 1));
    return static_cast<double>(rtts[i]);
  };
  const double mbps = secs > 0 ? static_cast<double>(bytes_sent) * 8 / secs / 1e6 : 0;
  const double mps = secs > 0 ? static_cast<double>(sent) / secs : 0;
  if (o.json) {
    fmt::print(
        "{{\"ok\":true,\"messages_sent\":{},\"messages_received\":{},\"bytes_sent\":{},"
        "\"bytes_received\":{},\"seconds\":{:.6f},\"mbit_per_s\":{:.3f},\"messages_per_s\":{:.1f},"
        "\"rtt_p50_us\":{:.0f},\"rtt_p99_us\":{:.0f},\"retransmissions\":{},\"verified\":{},"
        "\"shutdown_complete\":{},\"streams\":{},\"unordered\":{},\"paths_down\":{},"
        "\"paths_up\":{},\"protection\":\"{}\",\"messages_received_protected\":{}{}}}\n",
        sent, received, bytes_sent, bytes_received, secs, mbps, mps, percentile(0.5),
        percentile(0.99), retransmissions, o.echo_check ? "true" : "false",
        closed ? "true" : "false", streams, o.unordered ? "true" : "false", paths_down, paths_up,
        protection, received_protected, keys.json_fields());
  } else {
    fmt::print("sent {} messages ({} bytes), received {} ({} bytes) in {:.3f} s\n", sent,
               bytes_sent, received, bytes_received, secs);
    fmt::print("throughput {:.3f} Mbit/s, {:.1f} messages/s, {} retransmissions\n", mbps, mps,
               retransmissions);
    fmt::print("{} {} streams{}\n", streams, o.unordered ? "unordered" : "ordered",
               paths_down > 0
                   ? fmt::format(", {} path failure(s), {} recovered", paths_down, paths_up)
                   : std::string());
    if (!rtts.empty()) {
      fmt::print("RTT p50 {:.3f} ms, p99 {:.3f} ms\n", percentile(0.5) / 1000,
                 percentile(0.99) / 1000);
    }
    if (o.echo_check) fmt::print("all {} echoes verified\n", received);
    fmt::print("protection {}: {} of {} messages received protected\n", protection,
               received_protected, received);
    if (keys.has_keys()) fmt::print("keys: {}\n", keys.text());
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

void add_client_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ClientOptions>();
  CLI::App* cmd = app.add_subcommand(
      "client", "Connect over UDP encapsulation (RFC 6951), send messages, print a summary");
  cmd->add_option("--connect", o->connect, "HOST:PORT: peer IP address and SCTP port")->required();
  cmd->add_option("--bind", o->bind,
                  "HOST: local IP address to bind (no port); repeat for several addresses "
                  "(multihoming). Default: the wildcard of --connect's family")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* udp_port =
      cmd->add_option("--udp-port", o->udp_port, "local UDP encapsulation port (0: ephemeral)")
          ->check(CLI::Range(0, 65535))
          ->capture_default_str();
  auto* remote_udp_port =
      cmd->add_option("--remote-udp-port", o->remote_udp_port, "the peer's UDP encapsulation port")
          ->check(CLI::Range(1, 65535))
          ->capture_default_str();
  cmd->add_flag("--raw", o->raw,
                "SCTP directly over IP (protocol 132) instead of UDP encapsulation; needs "
                "CAP_NET_RAW and no kernel SCTP module")
      ->excludes(udp_port)
      ->excludes(remote_udp_port);
  cmd->add_option("--local-port", o->local_port,
                  "our SCTP port (default: an ephemeral one, 49152-65535)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--streams", o->streams, "streams to use")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--size", o->size, "message size in bytes")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64} << 20))
      ->capture_default_str();
  auto* count = cmd->add_option("--count", o->count, "messages to send (default 1000)")
                    ->check(CLI::PositiveNumber);
  auto* duration =
      cmd->add_option("--duration", o->duration, "send for S seconds")->check(CLI::PositiveNumber);
  count->excludes(duration);
  cmd->add_flag("--unordered", o->unordered, "send unordered messages");
  cmd->add_option("--rate", o->rate, "messages per second (default: as fast as possible)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--echo-check", o->echo_check,
                "expect every message back (server --echo) and verify it byte for byte");
  cmd->add_option("--connect-timeout", o->connect_timeout, "seconds to wait for the association")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--stats-interval", o->stats_interval,
                  "print progress to stderr every S seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", o->json,
                "print the summary as one JSON line (stdout) and progress as JSON lines (stderr)");
  add_tuning_options(*cmd, o->tuning);
  add_protection_options(*cmd, o->protection);
  cmd->footer(
      "The summary has messages, bytes, throughput, RTT percentiles (--echo-check) and\n"
      "retransmissions. Exit codes: 0 success (with --echo-check: every echo verified),\n"
      "1 failure (cannot bind, association failed, peer aborted, verification failed),\n"
      "2 bad options.");
  cmd->callback([o, &exit_code] { exit_code = run_client(*o); });
}

}  // namespace sctps::app
