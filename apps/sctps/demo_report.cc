#include "demo_report.h"

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

#include "protect/cipher_suite.h"
#include "run_common.h"

namespace sctps::app {
namespace {

double to_ms(Duration d) {
  return static_cast<double>(d.count()) / 1000.0;
}

template <typename T>
std::string join(const T& values, std::string_view separator) {
  std::string out;
  for (const auto& v : values)
    out += (out.empty() ? "" : std::string(separator)) + fmt::format("{}", v);
  return out;
}

std::string ms_list(const std::vector<double>& values, std::string_view separator,
                    std::string_view unit) {
  std::string out;
  for (double v : values) {
    out += (out.empty() ? "" : std::string(separator)) + fmt::format("{:.3f}{}", v, unit);
  }
  return out;
}

double srtt_ms(const core::AssociationStats& s) {
  for (const core::PathStats& p : s.paths) {
    if (p.primary) return to_ms(p.srtt);
  }
  return s.paths.empty() ? 0 : to_ms(s.paths.front().srtt);
}

std::uint64_t replays(const protect::ProtectionStats& p) {
  return p.dropped_for(protect::DropReason::kReplayDuplicate) +
         p.dropped_for(protect::DropReason::kReplayTooOld);
}

// Every AEAD operation: one seal per protected packet sent, one open per DTLS chunk that reached
// the AEAD (the failed ones included).
std::uint64_t aead_invocations(const protect::ProtectionStats& p) {
  return p.sent_protected + p.recv_protected + p.aead_failures;
}

double mbit_per_s(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) * 8 / seconds / 1e6 : 0.0;
}

std::string side_json(const DemoSideReport& s, double seconds) {
  const core::AssociationStats& st = s.stats;
  const protect::ProtectionStats& p = st.protection;
  const auto opt = [](const std::optional<std::uint32_t>& v) {
    return v ? std::to_string(*v) : std::string("null");
  };
  return fmt::format(
      "{{\"messages_sent\":{},\"messages_verified\":{},\"messages_bad\":{},"
      "\"messages_echoed_for_peer\":{},\"user_bytes_sent\":{},\"packets_sent\":{},"
      "\"packets_received\":{},\"wire_bytes_sent\":{},\"wire_bytes_received\":{},"
      "\"protected_sent\":{},\"protected_received\":{},\"aead_invocations\":{},"
      "\"aead_failures\":{},\"replays_dropped\":{},\"protection_drops\":{},\"epochs\":[{}],"
      "\"rekeys\":{},\"rekeys_initiated\":{},\"rekey_ms\":[{}],\"cipher_suite\":\"{}\","
      "\"initial_tsn\":{},\"cum_tsn_acked_by_peer\":{},\"data_chunks_sent\":{},"
      "\"data_chunks_seen_on_wire\":{},\"retransmissions\":{},\"srtt_ms\":{:.3f},"
      "\"wire_mbit_per_s\":{:.3f}}}",
      s.messages_sent, s.messages_verified, s.messages_bad, s.echoed_for_peer, s.user_bytes_sent,
      st.packets_sent, st.packets_received, s.wire_bytes_sent, s.wire_bytes_received,
      p.sent_protected, p.recv_protected, aead_invocations(p), p.aead_failures, replays(p),
      p.dropped_total(), join(s.epochs, ","), st.rekeys, s.rekeys_initiated,
      ms_list(s.rekey_ms, ",", ""), cipher_suite_name(s.cipher_suite), opt(s.wire.initial_tsn),
      opt(s.wire.cum_acked_by_peer), st.data_chunks_sent, s.wire.data_chunks,
      st.retransmitted_chunks, srtt_ms(st), mbit_per_s(s.wire_bytes_sent, seconds));
}

}  // namespace

std::string cipher_suite_name(std::uint16_t id) {
  const protect::CipherSuite* s = protect::find_cipher_suite(id);
  if (s != nullptr) return std::string(s->name);
  return id == 0 ? std::string("none") : fmt::format("0x{:04x}", id);
}

void print_demo_json(const DemoReport& r) {
  const std::uint64_t total = r.client.messages_sent + r.server.messages_sent;
  const std::uint64_t verified = r.client.messages_verified + r.server.messages_verified;
  fmt::print(
      "{{\"ok\":{},\"failure\":\"{}\",\"traffic_seconds\":{:.3f},\"messages_sent\":{},"
      "\"messages_verified\":{},\"all_verified\":{},\"rekeys_requested\":{},"
      "\"rekeys_completed\":{},\"wire_epochs\":[{}],\"unopened_packets\":{},"
      "\"shutdown_graceful\":{},\"pcap\":\"{}\",\"keylog\":\"{}\",\"client\":{},"
      "\"server\":{}}}\n",
      r.failure.empty() ? "true" : "false", json_escape(r.failure), r.traffic_seconds, total,
      verified, total > 0 && verified == total ? "true" : "false", r.rekeys_requested,
      r.rekeys_completed, join(r.wire_epochs, ","), r.unopened, r.graceful ? "true" : "false",
      json_escape(r.pcap), json_escape(r.keylog), side_json(r.client, r.traffic_seconds),
      side_json(r.server, r.traffic_seconds));
  std::fflush(stdout);
}

void print_demo_table(const DemoReport& r) {
  const auto row = [](std::string_view label, const std::string& c, const std::string& s) {
    fmt::print("  {:<38} {:>24} {:>24}\n", label, c, s);
  };
  const auto both = [&](std::string_view label, auto value) {
    row(label, value(r.client), value(r.server));
  };
  using Side = DemoSideReport;
  fmt::print("\nsummary ({:.3f} s of traffic)\n", r.traffic_seconds);
  row("", "client", "server");
  both("messages sent / echoed intact",
       [](const Side& s) { return fmt::format("{} / {}", s.messages_sent, s.messages_verified); });
  both("messages echoed for the peer",
       [](const Side& s) { return std::to_string(s.echoed_for_peer); });
  both("message bytes sent (with echoes)",
       [](const Side& s) { return std::to_string(s.user_bytes_sent); });
  both("packets sent / received", [](const Side& s) {
    return fmt::format("{} / {}", s.stats.packets_sent, s.stats.packets_received);
  });
  both("bytes sent / received (SCTP)", [](const Side& s) {
    return fmt::format("{} / {}", s.wire_bytes_sent, s.wire_bytes_received);
  });
  both("protected packets sent / received", [](const Side& s) {
    return fmt::format("{} / {}", s.stats.protection.sent_protected,
                       s.stats.protection.recv_protected);
  });
  both("AEAD invocations (seal + open)",
       [](const Side& s) { return std::to_string(aead_invocations(s.stats.protection)); });
  both("replays dropped / AEAD failures", [](const Side& s) {
    const auto& p = s.stats.protection;
    return fmt::format("{} / {}", replays(p), p.aead_failures + p.seal_failures);
  });
  both("DATA chunks sent / retransmitted", [](const Side& s) {
    return fmt::format("{} / {}", s.stats.data_chunks_sent, s.stats.retransmitted_chunks);
  });
  both("initial TSN / cum. TSN acked by peer", [](const Side& s) {
    return fmt::format("{} / {}", s.wire.initial_tsn ? std::to_string(*s.wire.initial_tsn) : "?",
                       s.wire.cum_acked_by_peer ? std::to_string(*s.wire.cum_acked_by_peer) : "?");
  });
  both("key epochs", [](const Side& s) {
    return s.epochs.empty() ? std::string("none") : join(s.epochs, " -> ");
  });
  both("rekey durations", [](const Side& s) {
    return s.rekey_ms.empty() ? std::string("none") : ms_list(s.rekey_ms, ", ", " ms");
  });
  both("cipher suite", [](const Side& s) { return cipher_suite_name(s.cipher_suite); });
  both("throughput sent (SCTP bytes)", [&](const Side& s) {
    return fmt::format("{:.2f} Mbit/s", mbit_per_s(s.wire_bytes_sent, r.traffic_seconds));
  });
  both("RTT (smoothed)", [](const Side& s) { return fmt::format("{:.3f} ms", srtt_ms(s.stats)); });
  if (r.unopened > 0) {
    fmt::print("  ({} protected packets could not be opened for the timeline)\n", r.unopened);
  }
  if (r.failure.empty()) {
    fmt::print("\ndemo OK: {} messages echoed intact, {} rekey{}, graceful shutdown\n",
               r.client.messages_verified + r.server.messages_verified, r.rekeys_completed,
               r.rekeys_completed == 1 ? "" : "s");
  }
  std::fflush(stdout);
}

}  // namespace sctps::app
