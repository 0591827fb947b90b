// Reassembly and ordered delivery of received DATA: fragments in, whole user messages out.
//
// RFC 9260 §6.5 (stream identifier and stream sequence number; invalid stream), §6.6 (unordered
// delivery), §6.9 (reassembly: B/E bits, consecutive TSNs), RFC 3758 §3.6 (receiver side of
// FORWARD TSN: dropping abandoned fragments, skipping SSNs), draft-ietf-tsvwg-sctp-dtls-chunk §8.2
// (a message is protected only if all its fragments were).
//
// Without I-DATA a sender never interleaves the fragments of two messages, so one message occupies
// consecutive TSNs B..E. Received fragments are kept as "pieces": maximal runs of consecutive TSNs
// that belong to the same message, each with its payload in one buffer. A new fragment is appended
// to (or prepended to) a neighbouring piece; two pieces that meet are merged smaller into larger,
// so any arrival order costs O(bytes * log fragments) copying, and in-order arrival copies each
// byte once. A piece that has both B and E is a complete message: unordered ones are ready at once,
// ordered ones when their stream reaches their SSN.
//
// The queue trusts the caller to pass only TSNs that the DataTracker reported as new (kNew); it
// drops repeated TSNs it still holds, but cannot recognise TSNs of messages already delivered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/ring_queue.h"
#include "core/sequence_number.h"
#include "wire/data_chunk.h"
#include "wire/forward_tsn_chunk.h"
#include "wire/types.h"

namespace sctps::core {

struct ReceivedMessage {
  StreamId stream;
  Ppid ppid;  // from the first fragment (B)
  bool unordered = false;
  bool is_protected = false;
  std::vector<std::uint8_t> payload;
};

class ReassemblyQueue {
 public:
  static constexpr std::size_t kDefaultMaxMessageSize = std::size_t{64} << 20;

  // inbound_streams: the number of inbound streams agreed in INIT / INIT ACK (§5.1.1).
  explicit ReassemblyQueue(std::uint16_t inbound_streams,
                           std::size_t max_message_size = kDefaultMaxMessageSize);

  enum class AddResult {
    kOk,
    // Stream id >= inbound streams: nothing stored. §6.5: the caller still acknowledges the TSN
    // and sends an ERROR "Invalid Stream Identifier".
    kInvalidStream,
    // The message grew beyond max_message_size: its fragments held so far are dropped. The peer
    // will keep sending the rest, so the association should be aborted.
    kMessageTooLarge,
    // This TSN is already held: ignored (the DataTracker should have filtered it).
    kDuplicateTsn,
    // The message completed but its stream already delivered that SSN, or one with the same SSN
    // is waiting: dropped. Only a broken or hostile peer does this. SSNs more than 32767 ahead of
    // the next expected one count as already delivered.
    kStaleSsn,
  };
  // Takes one new DATA chunk (copies the payload). is_protected: it arrived inside a DTLS chunk.
  AddResult add(Tsn tsn, const wire::DataChunk& chunk, bool is_protected);

  // The next complete message in delivery order, or nothing.
  std::optional<ReceivedMessage> poll_message();
  bool has_message() const { return !ready_.empty(); }

  // All payload bytes held: fragments, complete messages waiting for an earlier SSN, and complete
  // messages not yet polled.
  std::size_t buffered_bytes() const { return buffered_bytes_; }

  // The bytes that reduce the advertised receive window (§6.2): buffered_bytes() except the
  // fragments, at or below cumulative_tsn_ack, of the one incomplete message being received in
  // order (its first fragments all arrived up to the cumulative TSN ack). Counting those would
  // close the window on any message larger than the window; they are bounded by max_message_size
  // instead. Fragments of that message received beyond a gap still count.
  std::size_t bytes_counting_against_window(Tsn cumulative_tsn_ack) const;

  // RFC 3758 §3.6, after DataTracker::handle_forward_tsn() returned true (never for a stale
  // FORWARD TSN): drops every partial message with a fragment at or below new_cumulative_tsn, then
  // for each listed ordered stream delivers waiting messages up to the skipped SSN and continues
  // after it. Entries whose SSN the stream already passed are ignored (normal: the sender may
  // abandon a message that did arrive). Entries naming an invalid stream are ignored too; their
  // number is returned so the caller can count them.
  std::size_t handle_forward_tsn(Tsn new_cumulative_tsn,
                                 std::span<const wire::ForwardTsnChunk::StreamEntry> streams);

  std::uint16_t inbound_streams() const { return static_cast<std::uint16_t>(next_ssn_.size()); }
  // Number of fragment runs held (for tests and statistics).
  std::size_t piece_count() const { return pieces_.size(); }

 private:
  // A byte buffer that grows at both ends in amortised constant time per byte.
  class Buffer {
   public:
    std::size_t size() const { return storage_.size() - head_; }
    const std::uint8_t* data() const { return storage_.data() + head_; }
    void append(std::span<const std::uint8_t> bytes);
    void prepend(std::span<const std::uint8_t> bytes);
    std::vector<std::uint8_t> take();

   private:
    std::vector<std::uint8_t> storage_;
    std::size_t head_ = 0;  // unused room in front
  };

  // Consecutive fragments of one message, keyed in pieces_ by the unwrapped TSN of the first.
  struct Piece {
    std::int64_t last = 0;  // unwrapped TSN of the last fragment
    bool has_begin = false;
    bool has_end = false;
    StreamId stream;
    Ssn ssn;
    Ppid ppid;
    bool unordered = false;
    bool is_protected = true;
    Buffer data;
  };
  using PieceMap = std::map<std::int64_t, Piece>;

  // L directly followed by R may be one message's fragments.
  static bool joinable(const Piece& l, const Piece& r);
  void merge_with_next(PieceMap::iterator left, PieceMap::iterator right);
  AddResult complete(PieceMap::iterator it);
  void deliver_ready_in_order(std::uint16_t stream);
  void drop_piece(PieceMap::iterator it);
  std::int64_t& next_ssn(std::uint16_t stream);

  std::size_t max_message_size_;
  Unwrapper<Tsn> tsn_unwrapper_;
  PieceMap pieces_;
  // Per inbound stream: the next SSN to deliver, counted without wrapping from 0.
  std::uint16_t inbound_streams_;
  std::vector<std::int64_t> next_ssn_;  // by stream; grown on first use (next_ssn())
  // Complete ordered messages whose SSN is not yet due, keyed by (stream, unwrapped SSN).
  std::map<std::pair<std::uint16_t, std::int64_t>, ReceivedMessage> waiting_;
  RingQueue<ReceivedMessage> ready_;
  std::size_t buffered_bytes_ = 0;
};

}  // namespace sctps::core
