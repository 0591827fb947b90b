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

struct AssociationUp {
  AssocId id = 0;
  std::uint16_t outbound_streams = 0;
  std::uint16_t inbound_streams = 0;
  std::vector<IpAddress> peer_addresses;
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

using Event = std::variant<AssociationUp, AssociationRestarted, AssociationDown, MessageReceived,
                           SendFailed, PathChanged, PeerError, SendBufferAvailable>;

}  // namespace sctps::core
