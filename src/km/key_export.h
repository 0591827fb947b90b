// Key derivation of method 192 (draft-porfiri-tsvwg-sctp-dtls-handshake §5): every DTLS key context
// value comes from the TLS exporter (RFC 8446 §7.5) with one label and a context naming the value:
//
//   label   = "EXPORTER_TLS_FOR_DTLS_IN_SCTP"                                  (§5.3)
//   context = direction (1) | key role (1) | key type (1) | down-grade data    (§5.2)
//     direction: 0x00 client (what the key-management client sends with), 0x01 server
//     key role:  0x00 primary (traffic), 0x01 restart
//     key type:  0x00 record key, 0x01 sequence-number key, 0x02 IV
//
// Down-grade data: the DTLS Key Management parameters of INIT and INIT ACK as on the wire (header
// included, padding excluded), the key-management client's first, then the server's (our reading
// #3 of shared/specs/README.md; the draft's "Initiator" and "Responder" agree with it whenever the
// SCTP initiator is the client). A parameter changed in flight gives the two sides different keys,
// so the association fails instead of running with what an attacker chose.
//
// 2 directions × 2 roles × 3 types = the 12 exports; lengths follow the negotiated suite (key 16 or
// 32, sequence-number key as long as the key, IV 12). Each direction and role becomes one
// protect::KeyMaterial, ready for ChunkProtector::establish_send_key / establish_receive_key: the
// client sends with kClient material and receives with kServer material, the server the reverse
// (§5.3; our reading #4 corrects §6.1 step 7).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "km/km_error.h"
#include "km/tls_session.h"
#include "protect/key_material.h"
#include "wire/byte_io.h"

namespace sctps::km {

inline constexpr std::string_view kExporterLabel = "EXPORTER_TLS_FOR_DTLS_IN_SCTP";

enum class KeyDirection : std::uint8_t { kClient = 0x00, kServer = 0x01 };
enum class KeyRole : std::uint8_t { kPrimary = 0x00, kRestart = 0x01 };
enum class KeyType : std::uint8_t { kKey = 0x00, kSnKey = 0x01, kIv = 0x02 };

// The down-grade data: client's parameter bytes, then the server's (see above).
std::vector<std::uint8_t> downgrade_data(wire::Bytes client_km_parameter,
                                         wire::Bytes server_km_parameter);

// The exporter context of one value (§5.2).
std::vector<std::uint8_t> exporter_context(KeyDirection direction, KeyRole role, KeyType type,
                                           wire::Bytes downgrade);

// Key, sequence-number key and IV of one direction and role, with the lengths of the session's
// negotiated suite. Fails unless the session has completed (or closed after completing).
KmResult<protect::KeyMaterial> export_key_material(const TlsSession& session,
                                                   KeyDirection direction, KeyRole role,
                                                   wire::Bytes downgrade);

// What one handshake yields (§5.4): the primary DKC, and the restart DKC when both sides announced
// restart support.
struct ExportedKeys {
  protect::KeyMaterial client_primary;
  protect::KeyMaterial server_primary;
  std::optional<protect::KeyMaterial> client_restart;
  std::optional<protect::KeyMaterial> server_restart;

  // From the point of view of `role` (the key-management role of this endpoint): what it sends
  // with and what it receives with.
  const protect::KeyMaterial& send_primary(TlsRole role) const {
    return role == TlsRole::kClient ? client_primary : server_primary;
  }
  const protect::KeyMaterial& receive_primary(TlsRole role) const {
    return role == TlsRole::kClient ? server_primary : client_primary;
  }
};

KmResult<ExportedKeys> export_keys(const TlsSession& session, wire::Bytes downgrade,
                                   bool with_restart);

}  // namespace sctps::km
