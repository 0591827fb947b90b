// Receiver-side TSN bookkeeping of one association: which of the peer's TSNs have arrived, what the
// next SACK says, and when it has to go out.
//
// RFC 9260 §6.2 (acknowledging DATA, delayed SACK, every second packet), §6.2.1 / §3.3.4 (SACK
// contents: cumulative TSN ack, gap ack blocks, duplicate TSNs), §6.7 (SACK at once while a gap
// exists, and on duplicates), RFC 7053 §4 (I bit: no delay), RFC 3758 §3.6 (FORWARD TSN on the
// receiver side).
//
// Received TSNs above the cumulative TSN ack are kept in a bit ring that exists only while a gap
// does: it is allocated when the first TSN arrives out of order, doubles (from 256 bits up to
// 65536, 8 KiB) when a TSN lands farther above the cumulative TSN ack than it covers, and is freed
// when the last gap closes, so an idle or loss-free association holds none (issue #6). Gap ack
// block offsets are 16 bits, so nothing beyond cum + 65535 can be reported and such TSNs are
// refused (kOutOfWindow). All ordering is done on unwrapped 64-bit TSNs.
//
// Usage by the association, per received packet:
//   for each DATA chunk:  r = observe(tsn, chunk.immediate_sack);  kNew -> hand to reassembly,
//                         kDuplicate -> discard, kOutOfWindow -> discard and count;
//   for a FORWARD TSN:    handle_forward_tsn(new_cum) (true -> also tell the reassembly queue);
//   then once:            on_packet_end(now);
//   then:                 if (sack_due()) send make_sack(a_rwnd, room) now;
//                         else arm the delayed-ack timer at ack_deadline().
// When the timer fires, on_timeout(now), then sack_due() is true. Whenever a packet goes to the
// peer anyway, the association may bundle make_sack() if sack_pending().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/sequence_number.h"
#include "core/time.h"
#include "wire/sack_chunk.h"
#include "wire/types.h"

namespace sctps::core {

class DataTracker {
 public:
  // Duplicates remembered between two SACKs; further ones are not reported (the SACK would only
  // grow, the sender learns enough from the first ones).
  static constexpr std::size_t kMaxDuplicates = 32;
  // Largest distance above the cumulative TSN ack that a gap ack block can express.
  static constexpr std::int64_t kMaxGapOffset = 0xFFFF;

  // peer_initial_tsn: the Initial TSN from the peer's INIT / INIT ACK; the cumulative TSN ack
  // starts one below it (§6.2: nothing received yet). packets_per_ack < 1 is treated as 1.
  DataTracker(Tsn peer_initial_tsn, Duration delayed_ack_timeout, int packets_per_ack);

  enum class Observe {
    kNew,          // first arrival: accept the chunk
    kDuplicate,    // at or below the cumulative TSN ack, or already held: discard, reported in SACK
    kOutOfWindow,  // more than 65535 above the cumulative TSN ack: cannot be tracked, discard
  };
  // One DATA chunk of the current packet. immediate_ack is the chunk's I bit (RFC 7053).
  Observe observe(Tsn tsn, bool immediate_ack);

  // After all chunks of a packet in which observe() or handle_forward_tsn() was called: applies the
  // acknowledgement rules to the packet as a whole (§6.2: count packets, not chunks). Does nothing
  // for a packet that had neither.
  void on_packet_end(TimePoint now);

  // A SACK should be sent now.
  bool sack_due() const { return due_; }
  // Something is received but not yet acknowledged (a SACK may be bundled with outgoing data).
  bool sack_pending() const { return due_ || deadline_ != kTimeInfinite || packets_unacked_ > 0; }
  // When the delayed-ack timer expires; kTimeInfinite when no SACK is being delayed.
  TimePoint ack_deadline() const { return deadline_; }
  // Delayed-ack timer: once now >= ack_deadline(), sack_due() becomes true.
  void on_timeout(TimePoint now);
  // Makes the next SACK due at once, e.g. to announce a reopened receive window (§6.2).
  void request_immediate_sack();

  // Builds the SACK and resets the acknowledgement state (due flag, timer, packet count, duplicate
  // list: each duplicate is reported once). max_bytes bounds the whole chunk (header included, no
  // padding): gap blocks, lowest first, take the room before duplicates; what does not fit is
  // left out. The result never exceeds wire::SackChunk::kMaxEntries entries.
  wire::SackChunk make_sack(std::uint32_t a_rwnd, std::size_t max_bytes);

  Tsn cumulative_tsn_ack() const { return Unwrapper<Tsn>::wrap(cum_); }
  // The highest TSN accepted so far (the cumulative TSN ack when nothing is above it).
  Tsn highest_received_tsn() const { return Unwrapper<Tsn>::wrap(highest_); }
  bool has_gaps() const { return highest_ > cum_; }
  // True for TSNs at or below the cumulative TSN ack.
  bool is_delivered_or_acked(Tsn tsn) const { return unwrapper_.peek(tsn) <= cum_; }
  // Number of duplicates waiting for the next SACK.
  std::size_t pending_duplicates() const { return duplicates_.size(); }
  // Bits of the gap ring now allocated: 0 while there is no gap (for tests and statistics).
  std::size_t ring_bits() const { return ring_.size() * 64; }

  // RFC 3758 §3.6: moves the cumulative TSN ack to new_cumulative_tsn (and further over TSNs
  // already held), forgetting everything at or below it. Returns true when it moved; the caller
  // then lets the reassembly queue drop the abandoned fragments. A stale value (at or below the
  // cumulative TSN ack) changes nothing, returns false and makes a SACK due at once, like a
  // duplicate. Otherwise the packet counts for the delayed-ack rules as if it carried DATA.
  bool handle_forward_tsn(Tsn new_cumulative_tsn);

 private:
  void begin_packet();
  std::size_t ring_index(std::int64_t u) const;
  bool test_bit(std::int64_t u) const;
  void set_bit(std::int64_t u);
  void clear_bit(std::int64_t u);
  // First unwrapped TSN in [from, to] whose bit equals want, or to + 1.
  std::int64_t scan(std::int64_t from, std::int64_t to, bool want) const;
  void advance_cum();
  // Makes the ring cover u (cum_ < u <= cum_ + kMaxGapOffset), keeping the bits held.
  void reserve_ring(std::int64_t u);
  // Frees the ring once no gap is left (all its bits are clear then).
  void release_ring_if_no_gaps();
  void add_duplicate(Tsn tsn);

  Duration delayed_ack_timeout_;
  int packets_per_ack_;

  Unwrapper<Tsn> unwrapper_;
  std::int64_t cum_ = 0;      // unwrapped cumulative TSN ack
  std::int64_t highest_ = 0;  // unwrapped highest TSN held, >= cum_
  // Bit (u mod ring_bits()) set <=> TSN u with cum_ < u <= highest_ has arrived. Empty while
  // cum_ == highest_; otherwise a power-of-two number of bits above highest_ - cum_, so the TSNs
  // that can be held never share a bit. Every bit outside (cum_, highest_] is clear.
  std::vector<std::uint64_t> ring_;
  std::vector<Tsn> duplicates_;

  bool due_ = false;
  TimePoint deadline_ = kTimeInfinite;
  int packets_unacked_ = 0;  // packets with DATA since the last SACK

  // State of the packet being processed.
  bool in_packet_ = false;
  bool packet_gaps_before_ = false;
  bool packet_wants_ack_now_ = false;
};

}  // namespace sctps::core
