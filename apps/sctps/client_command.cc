#include "client_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/runtime.h"
#include "run_common.h"

namespace sctps::app {
namespace {

using Clock = std::chrono::steady_clock;

struct ClientOptions {
  std::string connect;
  std::string bind;
  int udp_port = 0;
  int remote_udp_port = 9899;
  int streams = 16;
  std::size_t size = 1024;
  std::uint64_t count = 0;
  double duration = 0;
  bool unordered = false;
  double rate = 0;
  bool echo_check = false;
  bool json = false;
  double connect_timeout = 10;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int fail(const std::string& reason) {
  fmt::print(stderr, "sctps client: {}\n", reason);
  return 1;
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
  if (!remote) return fail(why) + 1;
  net::SocketAddress local = net::SocketAddress::any(remote->family(), 0);
  if (!o.bind.empty()) {
    auto b = net::SocketAddress::parse_ip(o.bind, 0);
    if (!b) return fail("--bind: not an IP address: '" + o.bind + "'") + 1;
    if (b->family() != remote->family()) {
      return fail("--bind " + o.bind + " and --connect " + o.connect +
                  " are of different address families") +
             1;
    }
    local = *b;
  }
  if (o.echo_check && o.size < 8) {
    return fail("--echo-check needs --size of at least 8 bytes (the message index)") + 1;
  }
  const std::uint64_t count = (o.count == 0 && o.duration <= 0) ? 1000 : o.count;

  api::RuntimeOptions options;
  options.local_addresses = {local};
  options.udp_port = static_cast<std::uint16_t>(o.udp_port);
  options.remote_udp_port = static_cast<std::uint16_t>(o.remote_udp_port);
  options.sctp_port = remote->port();
  options.association.outbound_streams = static_cast<std::uint16_t>(o.streams);
  options.association.max_inbound_streams = static_cast<std::uint16_t>(o.streams);
  auto created = api::Runtime::create(options);
  if (!created.ok()) return fail(created.error().message);
  api::Runtime& rt = **created;

  const core::AssocId id = rt.connect(*remote);
  std::optional<core::AssociationDown> down;
  std::uint16_t streams = 0;
  const auto connect_start = Clock::now();
  while (streams == 0 && !down) {
    if (seconds_since(connect_start) > o.connect_timeout) {
      return fail(fmt::format("association failed: no answer from {} (UDP port {}) within {} s",
                              remote->to_string(), o.remote_udp_port, o.connect_timeout));
    }
    if (rt.counters().icmp_port_unreachable > 0) {
      return fail(
          fmt::format("association failed: ICMP port unreachable from {} (UDP port {}): "
                      "nothing listens there",
                      remote->ip_string(), o.remote_udp_port));
    }
    rt.run_once(std::chrono::milliseconds(20));
    while (auto e = rt.poll_event()) {
      if (auto* up = std::get_if<core::AssociationUp>(&*e)) streams = up->outbound_streams;
      if (auto* d = std::get_if<core::AssociationDown>(&*e)) down = std::move(*d);
    }
  }
  if (down) return fail(down_reason(*down));
  streams = std::min<std::uint16_t>(streams, static_cast<std::uint16_t>(o.streams));

  const auto start = Clock::now();
  std::vector<std::int64_t> send_us;  // per index: send time, for the RTT
  std::vector<std::int64_t> rtts;
  std::uint64_t sent = 0, received = 0, bytes_sent = 0, bytes_received = 0, bad = 0;
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
      if (auto* m = std::get_if<core::MessageReceived>(&*e)) {
        ++received;
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
      }
    }
    if (bad > 0) {
      rt.abort(id, "verification failed");
      return fail(
          fmt::format("verification failed: {} echoed message(s) differ from what was sent", bad));
    }
    if (!o.json && seconds_since(last_progress) >= 1.0) {
      last_progress = Clock::now();
      fmt::print(stderr, "{:.1f} s: sent {}, received {}, {:.3f} Mbit/s\n", seconds_since(start),
                 sent, received, static_cast<double>(bytes_sent) * 8 / seconds_since(start) / 1e6);
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
        "\"shutdown_complete\":{}}}\n",
        sent, received, bytes_sent, bytes_received, secs, mbps, mps, percentile(0.5),
        percentile(0.99), retransmissions, o.echo_check ? "true" : "false",
        closed ? "true" : "false");
  } else {
    fmt::print("sent {} messages ({} bytes), received {} ({} bytes) in {:.3f} s\n", sent,
               bytes_sent, received, bytes_received, secs);
    fmt::print("throughput {:.3f} Mbit/s, {:.1f} messages/s, {} retransmissions\n", mbps, mps,
               retransmissions);
    if (!rtts.empty()) {
      fmt::print("RTT p50 {:.3f} ms, p99 {:.3f} ms\n", percentile(0.5) / 1000,
                 percentile(0.99) / 1000);
    }
    if (o.echo_check) fmt::print("all {} echoes verified\n", received);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

void add_client_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ClientOptions>();
  CLI::App* cmd = app.add_subcommand("client", "Connect over UDP encapsulation and send messages");
  cmd->add_option("--connect", o->connect, "HOST:PORT: peer IP address and SCTP port")->required();
  cmd->add_option("--bind", o->bind, "local IP address to bind");
  cmd->add_option("--udp-port", o->udp_port, "local UDP encapsulation port (0: ephemeral)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--remote-udp-port", o->remote_udp_port, "the peer's UDP encapsulation port")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
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
  cmd->add_flag("--json", o->json, "print the summary as JSON");
  cmd->callback([o, &exit_code] { exit_code = run_client(*o); });
}

}  // namespace sctps::app
