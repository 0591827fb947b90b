// Protocol parameters of an endpoint and its associations. Every field says its default and why;
// defaults follow RFC 9260 §16 unless noted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/handshake/dtls_negotiation.h"
#include "core/time.h"
#include "protect/chunk_protector.h"

namespace sctps::core {

struct AssociationOptions {
  // Streams we ask for (OS) and accept (MIS) in INIT / INIT ACK (§5.1.1). Telecom stacks commonly
  // use a few dozen; 16 in each direction covers M3UA/S1AP/NGAP usage without waste.
  std::uint16_t outbound_streams = 16;
  std::uint16_t max_inbound_streams = 16;

  // Receive buffer: the a_rwnd we advertise (§6.2). 1 MiB lets one association fill a fast link at
  // loopback RTTs; large messages are reassembled beyond it (see ReassemblyQueue).
  std::uint32_t receive_window = 1 << 20;
  // Send buffer limit: a send that would exceed it is refused with "would block" (back-pressure,
  // nothing dropped). A single message larger than the limit is accepted when the buffer is empty.
  std::size_t send_buffer_limit = 4 << 20;

  // Largest user message we reassemble; a peer sending more is aborted (Out of Resource).
  std::size_t max_message_size = 64 << 20;

  // Path MTU for SCTP packets (common header onwards), per destination, set by configuration. 1200
  // fits IPv6 minimum MTU minus IP and UDP encapsulation headers.
  std::size_t mtu = 1200;

  // RTO.Initial, RTO.Min, RTO.Max (§16).
  Duration rto_initial = sec(1);
  Duration rto_min = sec(1);
  Duration rto_max = sec(60);
  // Valid.Cookie.Life (§16).
  Duration valid_cookie_life = sec(60);
  // Association.Max.Retrans, Path.Max.Retrans, Max.Init.Retransmits (§16).
  int max_association_retransmits = 10;
  int max_path_retransmits = 5;
  int max_init_retransmits = 8;
  // HB.interval (§16); heartbeats on idle destinations.
  Duration heartbeat_interval = sec(30);
  bool heartbeats_enabled = true;
  // Max.Burst (§16): packets sent at once in response to one event.
  int max_burst = 4;

  // Delayed SACK (§6.2): acknowledge at least every second packet and within 200 ms.
  Duration delayed_ack_timeout = ms(200);
  int packets_per_ack = 2;

  // T5-shutdown-guard (§9.2): 5 x RTO.Max by default.
  Duration shutdown_guard = sec(300);

  // The DTLS chunk (draft-ietf-tsvwg-sctp-dtls-chunk): off unless enabled; see DtlsChunkConfig.
  DtlsChunkConfig dtls;
  // The protection operator of each protected association: replay window (draft §7.13), AEAD
  // limits (RFC 9147 §4.5.3) and their enforcement.
  protect::ProtectorOptions protection;
};

}  // namespace sctps::core
