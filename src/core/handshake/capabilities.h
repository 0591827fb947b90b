// The extensions an association may use, decided once from what both INIT/INIT ACK parameter
// blocks advertised. A feature is on only when both sides offered it:
//   forward_tsn  RFC 3758 §3.1: Forward-TSN-Supported parameter (or 0xC0 in Supported Extensions)
//   reconfig     RFC 6525: RE-CONFIG (0x82) in Supported Extensions
//   i_data       RFC 8260 §2.2.1: I-DATA (0x40) in Supported Extensions. With I-DATA, PR-SCTP
//                needs I-FORWARD-TSN (0xC2) from both (RFC 8260 §3.1): without it forward_tsn
//                stays off rather than mixing FORWARD TSN with I-DATA.
//   asconf       RFC 5061 §4.2.7: ASCONF (0xC1) and ASCONF-ACK (0x80) in Supported Extensions.
//                RFC 5061 also demands AUTH (RFC 4895), which is not implemented: the
//                assembler must not act on asconf without an authenticated channel.
//   dtls_chunk   slot for the DTLS chunk negotiation (draft-ietf-tsvwg-sctp-dtls-chunk), filled
//                by that step later; negotiate() leaves it off.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/handshake/init_parameters.h"
#include "wire/chunk_type.h"

namespace sctps::core {

struct Capabilities {
  bool forward_tsn = false;
  bool reconfig = false;
  bool i_data = false;
  bool asconf = false;
  bool dtls_chunk = false;

  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

inline Capabilities negotiate(const LocalInitParameters& local, const InitParameterScan& peer) {
  namespace ct = wire::chunk_type;
  const auto local_lists = [&local](std::uint8_t type) {
    return std::find(local.supported_extensions.begin(), local.supported_extensions.end(), type) !=
           local.supported_extensions.end();
  };
  const auto both = [&](std::uint8_t type) {
    return local_lists(type) && peer.lists_extension(type);
  };
  Capabilities c;
  c.reconfig = both(ct::kReconfig);
  c.i_data = both(ct::kIData);
  c.asconf = both(ct::kAsconf) && both(ct::kAsconfAck);
  const bool local_fwd = local.forward_tsn || local_lists(ct::kForwardTsn);
  const bool peer_fwd = peer.forward_tsn_supported || peer.lists_extension(ct::kForwardTsn);
  c.forward_tsn = local_fwd && peer_fwd && (!c.i_data || both(ct::kIForwardTsn));
  return c;
}

}  // namespace sctps::core
