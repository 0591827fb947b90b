// The summary of `sctps demo`: per side, the messages it sent and verified, the engine's counters
// (core::AssociationStats, protect::ProtectionStats) and what the wire showed (DemoTrace), printed
// as a table or as one JSON line.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/association/association_stats.h"
#include "demo_trace.h"

namespace sctps::app {

struct DemoSideReport {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_verified = 0;  // came back intact
  std::uint64_t messages_bad = 0;
  std::uint64_t echoed_for_peer = 0;
  std::uint64_t user_bytes_sent = 0;  // messages and echoes
  std::uint64_t wire_bytes_sent = 0;  // SCTP packets, common header on
  std::uint64_t wire_bytes_received = 0;
  std::vector<std::uint64_t> epochs;  // from Protection Established and each KeysRotated
  std::vector<double> rekey_ms;
  std::uint64_t rekeys_initiated = 0;
  std::uint16_t cipher_suite = 0;
  core::AssociationStats stats;  // the last snapshot while the association lived
  DemoTrace::SideFacts wire;
};

struct DemoReport {
  std::string failure;  // empty: success
  double traffic_seconds = 0;
  int rekeys_requested = 0;
  int rekeys_completed = 0;
  std::set<std::uint64_t> wire_epochs;
  std::uint64_t unopened = 0;
  bool graceful = false;
  std::string pcap;
  std::string keylog;
  DemoSideReport client;
  DemoSideReport server;
};

// "TLS_AES_128_GCM_SHA256", "none" for 0, else the id in hex.
std::string cipher_suite_name(std::uint16_t id);
void print_demo_json(const DemoReport& r);
void print_demo_table(const DemoReport& r);

}  // namespace sctps::app
