// Send queue: user messages waiting for their first transmission (RFC 9260 §6.1, §6.5, §6.6, §6.9).
//
// - One FIFO per outbound stream. Streams take turns at message boundaries (round robin in the
//   order they became ready). With DATA chunks the fragments of one message need consecutive TSNs
//   (§6.9), so once a message has started it is finished before any other message is produced.
// - The SSN of an ordered message is taken from its stream when its first fragment is produced and
//   wraps at 2^16 (§6.5); unordered messages carry SSN 0 and consume none (§6.6).
// - A message may carry a lifetime (the SEND primitive's optional "lifetime" argument, §11.1):
//   when it expires before its first fragment was produced, the message is dropped and handed back
//   through take_expired(). A message whose transmission has started is always finished.
// - Urgent messages (SendOptions::urgent) overtake the waiting messages of their stream, which is
//   served next; ordered ones still get their SSN when produced, so the stream stays in order.
// - Back-pressure: enqueue() refuses a message with kWouldBlock when the unsent bytes plus the new
//   message would exceed the buffer limit, except into an empty queue, so that a single message
//   larger than the limit can still be sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/ring_queue.h"
#include "core/time.h"
#include "core/tx/data_to_send.h"
#include "wire/types.h"

namespace sctps::core {

struct SendOptions {
  bool unordered = false;
  // Time from enqueue() within which the first fragment must be produced; none: wait forever.
  std::optional<Duration> lifetime;
  // Accepted even beyond the buffer limit: for the few, small key-management messages (porfiri
  // draft §4), which must never wait behind the application's data limit.
  bool ignore_limit = false;
  // Produced before every waiting message of its stream (after urgent ones queued earlier and a
  // message already started) and its stream served next: key-management messages, so that a
  // rekey (porfiri §6.2.2) does not wait behind the application's backlog.
  bool urgent = false;
};

enum class SendStatus {
  kOk,
  kWouldBlock,     // buffer limit reached; retry once buffered_bytes() has gone down
  kInvalidStream,  // stream id >= the number of outbound streams
  kEmptyMessage,   // §6.2: a DATA chunk needs at least one byte of user data
  kShuttingDown,   // the association is shutting down (§9.2): no new data (set by Association)
  kClosed,         // the association is closed (set by Association)
  kReservedPpid,   // stream 0 with PPID 4242 carries key management once the DTLS chunk is
                   // enabled (porfiri draft §4): not for the application (set by Association)
};

class SendQueue {
 public:
  SendQueue(std::size_t buffer_limit, std::uint16_t outbound_streams);

  // Queues a message (moved in). Checks, in this order: empty payload, stream id, buffer limit.
  SendStatus enqueue(StreamId stream, Ppid ppid, std::vector<std::uint8_t> payload,
                     const SendOptions& options, TimePoint now, std::uint64_t message_id);

  // The next fragment, with at most max_payload_bytes of user data; nullopt when nothing is ready
  // or max_payload_bytes is 0. Messages found expired on the way are kept for take_expired().
  std::optional<DataToSend> produce(TimePoint now, std::size_t max_payload_bytes);

  // Removes and returns the messages whose lifetime ran out before their first fragment was
  // produced (expiry is strict: a message is still sendable at exactly enqueue time + lifetime).
  std::vector<UnsentMessage> take_expired(TimePoint now);
  // The earliest lifetime deadline of a queued, unstarted message (for the caller's timer): a
  // message expires once now > deadline. O(queued messages); nullopt when none has a lifetime.
  std::optional<TimePoint> next_expiry() const;

  // Removes and returns everything not yet fully produced, including a message whose first
  // fragments were already produced (its earlier fragments are then also in the retransmission
  // queue: the caller reports each message id once) and messages found expired but not yet taken.
  std::vector<UnsentMessage> drain();

  // Sets the number of usable outbound streams, e.g. min(our OS, peer's MIS) after the handshake
  // (§5.1.1) or after streams were added (RFC 6525). Queued messages on streams that no longer
  // exist are removed and returned, except a message already being produced, which is finished.
  std::vector<UnsentMessage> set_outbound_streams(std::uint16_t n);
  std::uint16_t outbound_streams() const { return outbound_streams_; }

  // User data bytes queued and not yet produced.
  std::size_t buffered_bytes() const { return buffered_; }
  std::size_t buffer_limit() const { return limit_; }
  // No message waiting (expired messages waiting for take_expired() do not count).
  bool empty() const { return message_count_ == 0; }
  std::size_t message_count() const { return message_count_; }

 private:
  struct Message {
    std::shared_ptr<std::vector<std::uint8_t>> payload;
    Ppid ppid;
    bool unordered = false;
    std::optional<TimePoint> expires_at;
    std::uint64_t id = 0;
    std::size_t produced = 0;  // bytes already handed out by produce()
    Ssn ssn{0};                // assigned with the first fragment
    bool urgent = false;
  };
  struct Stream {
    RingQueue<Message> queue;
    std::uint16_t id = 0;
    Ssn next_ssn{0};
    bool in_ring = false;
  };
  using Streams = std::vector<Stream>;

  static bool expired(const Message& m, TimePoint now) {
    return m.produced == 0 && m.expires_at && now > *m.expires_at;
  }
  static UnsentMessage to_unsent(StreamId stream, Message&& m);
  // Picks the next stream that has a sendable message and makes it current; false if none.
  bool select_next(TimePoint now);
  void push_ring(std::uint16_t stream_id, Stream& s);
  void push_ring_front(std::uint16_t stream_id, Stream& s);
  void forget(const Message& m);  // bookkeeping when a message leaves the queue unsent
  Streams::iterator lower_bound(std::uint16_t id);
  Stream* find_stream(std::uint16_t id);
  Stream& stream(std::uint16_t id);  // created (at SSN 0) when absent

  std::size_t limit_;
  std::uint16_t outbound_streams_;
  // The streams used so far, sorted by id: a flat table, since an association uses few streams
  // and a hash table's buckets and nodes cost an idle association more (issue #6).
  Streams streams_;
  RingQueue<std::uint16_t> ring_;         // streams with queued messages, in turn
  std::optional<std::uint16_t> current_;  // stream whose front message is being produced
  std::size_t buffered_ = 0;
  std::size_t message_count_ = 0;
  std::size_t lifetime_count_ = 0;  // queued messages with a lifetime: take_expired() skips if 0
  std::vector<UnsentMessage> expired_;
};

}  // namespace sctps::core
