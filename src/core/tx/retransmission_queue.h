// Retransmission queue: DATA chunks sent and not yet cumulatively acknowledged, by TSN
// (RFC 9260 §6.1, §6.2.1, §6.3.1 C5, §6.3.3, §7.2.4).
//
// Every TSN from cumulative_ack()+1 to highest_sent() has an entry, in one contiguous queue, each
// in one of three states: in flight (counted in outstanding_bytes()), acked by a gap block (kept
// until the cumulative ack passes it, since the receiver may still renege, §6.2.1), or marked for
// retransmission (by T3 expiry or fast retransmit; not in flight).
//
// SACKs are validated before anything changes: an older cumulative ack is a reordered SACK and is
// ignored; a cumulative ack or gap block beyond the highest TSN sent, or a gap block whose start
// lies after its end, rejects the whole SACK (reported as a reason string for the caller's
// counters; whether to ABORT is the caller's choice).
//
// Sizes are user data bytes (payload length) for flight, rwnd and acked-bytes accounting, as the
// receiver's a_rwnd counts them; packet space is 16 + payload rounded up to 4. The peer rwnd
// follows §6.2.1 A-D: less each (re)transmission, plus each chunk marked for retransmission, and
// a_rwnd minus the bytes in flight after each accepted SACK.
//
// Congestion control and RTO belong to the path layer: this queue reports newly acked bytes per
// path, RTT samples (one timed chunk per path at a time, never a retransmitted one: Karn, §6.3.1
// C5, and at most one measurement per round trip, C4), and fast recovery entry. Chunk payloads
// point into the shared message buffer; a wire::DataChunk returned here stays valid until the
// queue next changes (encode it into the datagram right away).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/ring_queue.h"
#include "core/sequence_number.h"
#include "core/time.h"
#include "core/tx/data_to_send.h"
#include "wire/data_chunk.h"
#include "wire/sack_chunk.h"
#include "wire/types.h"

namespace sctps::core {

class RetransmissionQueue {
 public:
  struct SackResult {
    bool accepted = false;                // false: nothing changed
    const char* reject_reason = nullptr;  // set when the SACK was invalid (not for a stale one)
    bool stale = false;                   // cum ack below ours: reordered SACK, silently ignored
    std::size_t bytes_newly_acked = 0;    // by the cum ack or gap blocks, not acked before
    std::vector<std::pair<std::size_t, std::size_t>> acked_bytes_per_path;  // (path, bytes)
    // (path, RTT). At most one per SACK: should one SACK complete the timed chunks of two paths,
    // the lower TSN's path gets the sample and the other path is timed again from its next chunk.
    std::optional<std::pair<std::size_t, Duration>> rtt_sample;
    bool cumulative_advanced = false;
    bool enter_fast_recovery = false;  // reduce ssthresh/cwnd of fast_recovery_path (§7.2.4 2)
    std::size_t fast_recovery_path = 0;
    // Gap-acked before, not any more (§6.2.1 D iii): back in flight with one miss indication; the
    // caller starts T3 on their paths if not running (see has_outstanding()).
    std::size_t bytes_reneged = 0;
    std::uint32_t peer_rwnd = 0;
    std::vector<std::uint64_t> completed_message_ids;  // last fragment passed by the cum ack
  };

  explicit RetransmissionQueue(Tsn initial_tsn);

  // Records a new chunk sent on `path` and returns the TSN it must carry (consecutive from
  // initial_tsn). Reduces the peer rwnd by its length (§6.2.1 B).
  Tsn add_sent(DataToSend data, std::size_t path, TimePoint now);

  SackResult handle_sack(const wire::SackChunk& sack, TimePoint now);
  // The Cumulative TSN Ack of a SHUTDOWN (§9.2): acknowledges up to `cum` and nothing else — no gap
  // information, so chunks acknowledged by earlier gap blocks stay acknowledged (no renege), and
  // the peer's window is left as it was.
  SackResult handle_cumulative_ack(Tsn cum, TimePoint now);

  // §6.3.3 E2: every chunk in flight on `path` is marked for retransmission and leaves the flight.
  // Returns how many were marked.
  std::size_t on_t3_expired(std::size_t path);

  bool has_retransmissions() const { return pending_ != 0; }
  bool has_fast_retransmissions() const { return fast_pending_ != 0; }
  bool in_fast_recovery() const { return in_fast_recovery_; }
  // True from entering fast recovery until its first packet of fast retransmissions was taken:
  // that one packet is sent whatever the cwnd (§7.2.4 3); everything else obeys the cwnd.
  bool fast_retransmit_ignores_cwnd() const { return ignore_cwnd_ && fast_pending_ != 0; }

  // Chunks to send again now, lowest TSN first, as many as fit `budget_bytes` of packet space
  // (each costs 16 + payload rounded to 4); stops at the first that does not fit. Chunks marked by
  // fast retransmit go first and alone (§7.2.4 3); once a packet of them was taken, the rest stay
  // marked like after a T3 expiry (§7.2.4 5). The chunks are marked sent on `path` at `now`.
  std::vector<wire::DataChunk> take_retransmissions(std::size_t budget_bytes, std::size_t path,
                                                    TimePoint now);

  // The DATA chunk for an unacked TSN (to encode after add_sent()); nullopt if not held.
  std::optional<wire::DataChunk> chunk_for(Tsn tsn) const;
  static wire::DataChunk make_chunk(const DataToSend& d, Tsn tsn);

  // In-flight user data bytes: sent, not acked, not marked for retransmission.
  std::size_t outstanding_bytes() const { return flight_bytes_; }
  std::size_t outstanding_bytes(std::size_t path) const;
  bool has_outstanding(std::size_t path) const;
  // No chunk waiting for its cumulative ack.
  bool empty() const { return entries_.empty(); }
  std::size_t unacked_chunks() const { return entries_.size(); }

  std::uint32_t peer_rwnd() const { return peer_rwnd_; }
  void set_peer_rwnd(std::uint32_t initial_a_rwnd) { peer_rwnd_ = initial_a_rwnd; }

  Tsn highest_sent() const { return Unwrapper<Tsn>::wrap(next_ - 1); }
  Tsn cumulative_ack() const { return Unwrapper<Tsn>::wrap(cum_); }
  Tsn next_tsn() const { return Unwrapper<Tsn>::wrap(next_); }

  // Removes everything; returns each message with an unacked fragment once (whole payload), in TSN
  // order. A message may also be reported by SendQueue::drain() if it was still being produced.
  std::vector<UnsentMessage> drain_unacked();

 private:
  std::int64_t apply_cumulative_ack(std::int64_t cum, TimePoint now, SackResult& r);
  enum class State : std::uint8_t { kInFlight, kGapAcked, kPendingRetransmit };
  struct Entry {
    DataToSend data;
    TimePoint sent_at;
    std::size_t path = 0;
    std::uint32_t transmissions = 1;
    std::uint8_t misses = 0;
    State state = State::kInFlight;
    bool fast_pending = false;        // marked by fast retransmit and not resent yet
    bool fast_retransmitted = false;  // §7.2.4 5: never fast-retransmitted twice
  };
  struct PathState {
    std::size_t bytes = 0;
    std::size_t chunks = 0;
    std::optional<std::int64_t> timed_tsn;  // the chunk whose ack gives this path's RTT sample
  };

  std::int64_t front_tsn() const { return next_ - static_cast<std::int64_t>(entries_.size()); }
  Entry* find(std::int64_t tsn);
  PathState& path_state(std::size_t path);
  void add_flight(Entry& e);
  void remove_flight(Entry& e);
  void mark_pending(Entry& e, std::int64_t tsn, bool fast);
  void resend(Entry& e, std::size_t path, TimePoint now);
  // Bookkeeping for a chunk acked for the first time (cum ack or gap block).
  void newly_acked(Entry& e, std::int64_t tsn, TimePoint now, SackResult& r);
  static const char* validate(const wire::SackChunk& sack, std::int64_t cum, std::int64_t highest);

  Unwrapper<Tsn> unwrapper_;
  std::int64_t cum_;          // unwrapped cumulative TSN ack point
  std::int64_t next_;         // unwrapped TSN of the next new chunk
  RingQueue<Entry> entries_;  // TSNs front_tsn() .. next_-1, contiguous
  std::vector<PathState> paths_;
  std::size_t flight_bytes_ = 0;
  std::size_t pending_ = 0;       // entries in kPendingRetransmit
  std::size_t fast_pending_ = 0;  // of which fast_pending
  std::uint32_t peer_rwnd_ = 0;
  bool in_fast_recovery_ = false;
  bool ignore_cwnd_ = false;
  std::int64_t fast_recovery_exit_ = 0;
  std::int64_t highest_gap_acked_ = 0;                       // end of the last SACK's gap blocks
  std::vector<std::pair<std::int64_t, std::int64_t>> gaps_;  // scratch: blocks as TSN ranges
  std::vector<std::int64_t> reneged_;                        // scratch: TSNs reneged by a SACK
};

}  // namespace sctps::core
