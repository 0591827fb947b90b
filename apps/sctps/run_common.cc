#include "run_common.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

namespace sctps::app {
namespace {

// The address family's wildcard given together with other addresses of the family.
bool wildcard_mixed(const std::vector<net::SocketAddress>& list, const net::SocketAddress& a) {
  if (!a.is_any()) return false;
  return std::count_if(list.begin(), list.end(),
                       [&](const net::SocketAddress& b) { return b.family() == a.family(); }) > 1;
}

}  // namespace

std::string_view family_name(net::SocketAddress::Family family) {
  switch (family) {
    case net::SocketAddress::Family::kV4: return "IPv4";
    case net::SocketAddress::Family::kV6: return "IPv6";
    case net::SocketAddress::Family::kUnspecified: break;
  }
  return "unspecified";
}

std::optional<net::SocketAddress> parse_host_port(std::string_view option, const std::string& text,
                                                  std::string& why) {
  auto a = net::SocketAddress::parse(text);
  if (!a) {
    why = fmt::format(
        "{}: expected HOST:PORT with an IP address (127.0.0.1:5000, [::1]:5000), got '{}'", option,
        text);
    return std::nullopt;
  }
  if (a->port() == 0) {
    why = fmt::format("{} {}: SCTP port must be 1-65535, got 0", option, text);
    return std::nullopt;
  }
  return a;
}

std::optional<std::vector<net::SocketAddress>> parse_listen_addresses(
    const std::vector<std::string>& texts, std::string& why) {
  std::vector<net::SocketAddress> out;
  for (const std::string& text : texts) {
    auto a = parse_host_port("--listen", text, why);
    if (!a) return std::nullopt;
    if (!out.empty() && a->port() != out.front().port()) {
      why = fmt::format(
          "--listen {} and --listen {}: every address must use the same SCTP port (one endpoint, "
          "one port), got {} and {}",
          texts.front(), text, out.front().port(), a->port());
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), *a) != out.end()) {
      why = fmt::format("--listen {} given twice", text);
      return std::nullopt;
    }
    out.push_back(*a);
  }
  for (const auto& a : out) {
    if (wildcard_mixed(out, a)) {
      why = fmt::format(
          "--listen {}: the {} wildcard cannot be combined with other {} addresses; list the "
          "addresses instead",
          a.to_string(), family_name(a.family()), family_name(a.family()));
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::vector<net::SocketAddress>> parse_bind_addresses(
    const std::vector<std::string>& texts, const net::SocketAddress& remote,
    const std::string& connect_text, std::string& why) {
  std::vector<net::SocketAddress> out;
  for (const std::string& text : texts) {
    auto a = net::SocketAddress::parse_ip(text, 0);
    if (!a) {
      why = fmt::format("--bind: expected an IP address without a port (10.0.0.1, ::1), got '{}'",
                        text);
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), *a) != out.end()) {
      why = fmt::format("--bind {} given twice", text);
      return std::nullopt;
    }
    out.push_back(*a);
  }
  for (const auto& a : out) {
    if (wildcard_mixed(out, a)) {
      why = fmt::format(
          "--bind {}: the {} wildcard cannot be combined with other {} addresses; list the "
          "addresses instead",
          a.ip_string(), family_name(a.family()), family_name(a.family()));
      return std::nullopt;
    }
  }
  const bool family_present = std::any_of(
      out.begin(), out.end(), [&](const auto& a) { return a.family() == remote.family(); });
  if (!out.empty() && !family_present) {
    if (out.size() == 1) {
      why = fmt::format("--bind {} and --connect {} are of different address families",
                        texts.front(), connect_text);
    } else {
      why = fmt::format("--bind: no address is {} like --connect {}", family_name(remote.family()),
                        connect_text);
    }
    return std::nullopt;
  }
  return out;
}

void add_tuning_options(CLI::App& cmd, TuningOptions& t) {
  const std::string group = "Protocol tuning (RFC 9260 §16; defaults in parentheses)";
  cmd.add_option("--rto-initial", t.rto_initial_ms, "RTO.Initial in milliseconds (1000)")
      ->check(CLI::Range(1, 3'600'000))
      ->group(group);
  cmd.add_option("--rto-min", t.rto_min_ms, "RTO.Min in milliseconds (1000)")
      ->check(CLI::Range(1, 3'600'000))
      ->group(group);
  cmd.add_option("--rto-max", t.rto_max_ms, "RTO.Max in milliseconds (60000)")
      ->check(CLI::Range(1, 3'600'000))
      ->group(group);
  cmd.add_option("--hb-interval", t.hb_interval_s,
                 "HB.interval in seconds; 0 turns heartbeats off (30)")
      ->check(CLI::Range(0.0, 86400.0))
      ->group(group);
  cmd.add_option("--path-max-retrans", t.path_max_retrans,
                 "Path.Max.Retrans: timeouts before a path is taken as down (5)")
      ->check(CLI::Range(0, 255))
      ->group(group);
  cmd.add_option("--assoc-max-retrans", t.assoc_max_retrans,
                 "Association.Max.Retrans: timeouts before the association fails (10)")
      ->check(CLI::Range(1, 255))
      ->group(group);
  cmd.add_option("--mtu", t.mtu, "SCTP packet size limit in bytes, UDP payload (1200)")
      ->check(CLI::Range(508, 9000))
      ->group(group);
}

std::string apply_tuning(const TuningOptions& t, core::AssociationOptions& a) {
  if (t.rto_initial_ms) a.rto_initial = ms(*t.rto_initial_ms);
  if (t.rto_min_ms) a.rto_min = ms(*t.rto_min_ms);
  if (t.rto_max_ms) a.rto_max = ms(*t.rto_max_ms);
  const auto millis = [](Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  if (a.rto_min > a.rto_max) {
    return fmt::format("RTO.Min {} ms (--rto-min) is above RTO.Max {} ms (--rto-max)",
                       millis(a.rto_min), millis(a.rto_max));
  }
  if (a.rto_initial < a.rto_min || a.rto_initial > a.rto_max) {
    return fmt::format(
        "RTO.Initial {} ms (--rto-initial) must lie between RTO.Min {} ms and RTO.Max {} ms "
        "(--rto-min, --rto-max)",
        millis(a.rto_initial), millis(a.rto_min), millis(a.rto_max));
  }
  if (t.hb_interval_s) {
    a.heartbeats_enabled = *t.hb_interval_s > 0;
    if (a.heartbeats_enabled) {
      a.heartbeat_interval =
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*t.hb_interval_s));
    }
  }
  if (t.path_max_retrans) a.max_path_retransmits = *t.path_max_retrans;
  if (t.assoc_max_retrans) a.max_association_retransmits = *t.assoc_max_retrans;
  if (t.mtu) a.mtu = static_cast<std::size_t>(*t.mtu);
  return {};
}

}  // namespace sctps::app
