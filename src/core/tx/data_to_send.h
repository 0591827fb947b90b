// One fragment of a user message, ready to become a DATA chunk (RFC 9260 §3.3.1, §6.9), and the
// message-level record handed back to the application when a message cannot be delivered (§10.2:
// the SEND FAILURE notification carries the undelivered data).
//
// A fragment does not own its bytes: it shares the message buffer with the other fragments of the
// same message, so producing, queueing and retransmitting a fragment never copies user data; the
// only copy is the encoding into the outgoing datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "wire/byte_io.h"
#include "wire/types.h"

namespace sctps::core {

struct DataToSend {
  StreamId stream;
  Ssn ssn;  // 0 for unordered fragments (§3.3.1: the SSN is ignored when U is set)
  Ppid ppid;
  bool unordered = false;
  bool beginning = false;                                    // B bit: first fragment of the message
  bool ending = false;                                       // E bit: last fragment of the message
  std::shared_ptr<const std::vector<std::uint8_t>> message;  // the whole user message
  std::size_t offset = 0;                                    // of this fragment in `message`
  std::size_t length = 0;                                    // user data bytes in this fragment
  std::uint64_t message_id = 0;  // the application's handle, reported back on completion/failure

  // The fragment's user data; empty if the fields are inconsistent (never reads out of bounds).
  wire::Bytes payload() const {
    if (!message || offset > message->size() || length > message->size() - offset) return {};
    return wire::Bytes(*message).subspan(offset, length);
  }
};

// A message that will not be (fully) delivered, handed back to the application with its payload.
struct UnsentMessage {
  StreamId stream;
  Ppid ppid;
  bool unordered = false;
  std::vector<std::uint8_t> payload;
  std::uint64_t message_id = 0;
};

}  // namespace sctps::core
