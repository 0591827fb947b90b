// What the engine tells the application (the ULP notifications of RFC 9260 §11.2).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/address.h"
#include "core/rx/reassembly_queue.h"
#include "core/tx/send_queue.h"

namespace sctps::core {

using AssocId = std::uint32_t;

enum class DownReason : std::uint8_t {
  kShutdown,           // graceful shutdown completed (§9.2)
  kPeerAborted,        // ABORT received (§9.1)
  kLocalAbort,         // abort() called, or we aborted on a protocol error
  kCommunicationLost,  // Association.Max.Retrans exceeded (§8.1)
  kCannotStart,        // INIT or COOKIE ECHO retransmissions exhausted (§5.1.6)
};
std::string_view to_string(DownReason reason);

// Where an association stands with the DTLS chunk (draft-ietf-tsvwg-sctp-dtls-chunk §5.1).
enum class Protection : std::uint8_t {
  kOff,               // not enabled locally: plain SCTP
  kPending,           // agreed; key management is setting up keys (ProtectionEstablished follows)
  kUnprotectedLoose,  // loose mode and no agreement: plain SCTP, `dtls_cause` says why
};
std::string_view to_string(Protection protection);

struct AssociationUp {
  AssocId id = 0;
  std::uint16_t outbound_streams = 0;
  std::uint16_t inbound_streams = 0;
  std::vector<IpAddress> peer_addresses;
  Protection protection = Protection::kOff;
  // kPending: the agreed key-management method. kUnprotectedLoose: the error cause (100, 101, 103)
  // a strict endpoint would have aborted with.
  std::uint8_t dtls_method = 0;
  std::uint16_t dtls_cause = 0;
};

// Keys are installed in both directions and protection is required (draft §7.9): from here on
// every packet of the association but INIT and INIT ACK is a DTLS chunk. Messages the application
// sent before this were held and go out protected now.
struct ProtectionEstablished {
  AssocId id = 0;
  std::uint8_t method = 0;
  std::uint64_t epoch = 0;
  bool resumed = false;  // method 192: a TLS session resumed (psk_dhe_ke), no certificates sent
};

// Fresh keys are in use (porfiri §6.2): both sides switched to `epoch` (the previous one plus
// one); the old keys stay for a drain time for packets still in flight, then go.
struct KeysRotated {
  AssocId id = 0;
  std::uint64_t epoch = 0;
  Duration took{};  // from the first handshake message of the rekey to the switch
  bool initiated_locally = false;
};

// The peer restarted (§5.2.2 / §5.2.4 action A): new tags, streams reset; data in flight was lost.
struct AssociationRestarted {
  AssocId id = 0;
  std::vector<UnsentMessage> undelivered;
};

struct AssociationDown {
  AssocId id = 0;
  DownReason reason = DownReason::kShutdown;
  std::string detail;                      // human readable: the error causes, what timed out
  std::vector<UnsentMessage> undelivered;  // messages not (fully) acknowledged by the peer
};

struct MessageReceived {
  AssocId id = 0;
  ReceivedMessage message;
};

// Messages whose lifetime ran out before they were sent (§11.1 SEND failure notification).
struct SendFailed {
  AssocId id = 0;
  std::vector<UnsentMessage> messages;
  std::string reason;
};

struct PathChanged {
  AssocId id = 0;
  IpAddress address;
  bool reachable = false;
};

// The peer sent an ERROR chunk (§3.3.10).
struct PeerError {
  AssocId id = 0;
  std::string description;
};

// The send buffer drained below half of its limit after a send was refused.
struct SendBufferAvailable {
  AssocId id = 0;
};

using Event =
    std::variant<AssociationUp, AssociationRestarted, AssociationDown, MessageReceived, SendFailed,
                 PathChanged, PeerError, SendBufferAvailable, ProtectionEstablished, KeysRotated>;

}  // namespace sctps::core
