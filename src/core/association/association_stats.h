// Counters and a snapshot of the paths of one association (RFC 9260 §11.1 STATUS, and what the
// quality bar asks: everything dropped is counted).
#pragma once

#include <cstdint>
#include <vector>

#include "core/address.h"
#include "core/time.h"
#include "protect/protection_stats.h"

namespace sctps::core {

struct PathStats {
  IpAddress address;
  bool active = false;
  bool confirmed = false;
  bool primary = false;
  Duration srtt{0};
  Duration rto{0};
  std::size_t cwnd = 0;
  std::size_t ssthresh = 0;
  std::size_t flight_size = 0;
  std::size_t mtu = 0;
};

// The counters an association keeps up to date itself (RFC 9260 §11.1 STATUS, and a counter for
// everything dropped). Kept apart from the snapshot fields of AssociationStats so that an idle
// association does not carry the snapshot's protection statistics and path list (issue #6: memory
// per association); stats() assembles the snapshot on demand.
struct AssociationCounters {
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t data_chunks_sent = 0;      // first transmissions
  std::uint64_t data_chunks_received = 0;  // new TSNs
  std::uint64_t retransmitted_chunks = 0;  // T3 and fast retransmissions
  std::uint64_t fast_retransmissions = 0;  // times fast recovery was entered
  std::uint64_t t3_expirations = 0;
  std::uint64_t duplicate_tsns_received = 0;
  std::uint64_t sacks_sent = 0;
  std::uint64_t sacks_received = 0;
  std::uint64_t heartbeats_sent = 0;
  std::uint64_t messages_sent = 0;      // handed to send()
  std::uint64_t messages_received = 0;  // delivered to the application
  std::uint64_t user_bytes_received = 0;
  // Drops, by reason.
  std::uint64_t dropped_wrong_tag = 0;  // §8.5
  std::uint64_t dropped_malformed_chunks = 0;
  std::uint64_t dropped_out_of_window = 0;  // DATA too far ahead, or beyond a zero window
  std::uint64_t invalid_sacks = 0;
  std::uint64_t rejected_heartbeat_acks = 0;
  std::uint64_t unrecognized_chunks = 0;
  std::uint64_t oversized_packets = 0;         // a lone control chunk beyond the path MTU, sent
  std::uint64_t dropped_oversized_chunks = 0;  // ... beyond even the caller's buffer: dropped
  // DTLS chunk: ours around the operator (whose own counters are in AssociationStats::protection).
  std::uint64_t dropped_protected_without_keys = 0;  // DTLS chunk before negotiation agreed on it
  std::uint64_t key_management_messages_sent = 0;
  std::uint64_t key_management_messages_received = 0;
  std::uint64_t held_messages = 0;  // application messages that waited for protection
  // User messages that arrived in clear although the DTLS chunk was agreed (before protection was
  // in place; afterwards such packets are dropped whole): never delivered.
  std::uint64_t dropped_unprotected_messages = 0;
  std::uint64_t key_epoch = 0;         // epoch of the send keys (0: not protected)
  std::uint64_t rekeys = 0;            // KeysRotated events so far
  std::uint64_t icmp_mtu_updates = 0;  // path MTU lowered by Packet Too Big / Fragmentation Needed
  std::uint64_t icmp_unreachable = 0;  // other ICMP unreachable reports (counted only)
  std::uint16_t cipher_suite = 0;      // TLS 1.3 id of the suite in use (0: none)
};

// A snapshot: the counters, the protection operator's counters (draft §8.4.9 and one per drop
// reason) and the state of the send side and of each path at the time of the call.
struct AssociationStats : AssociationCounters {
  protect::ProtectionStats protection;
  std::uint32_t peer_rwnd = 0;
  std::size_t outstanding_bytes = 0;
  std::size_t send_buffer_bytes = 0;
  std::vector<PathStats> paths;
};

}  // namespace sctps::core
