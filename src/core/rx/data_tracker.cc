// Receiver-side TSN bookkeeping and SACK timing; see data_tracker.h.
#include "core/rx/data_tracker.h"

#include <algorithm>
#include <bit>

namespace sctps::core {
namespace {

// Smallest ring: one cache line of bits covers the reordering of most single-loss episodes.
constexpr std::size_t kMinRingBits = 256;
// Largest ring: every offset a gap ack block can express (kMaxGapOffset) has a bit of its own.
constexpr std::size_t kMaxRingBits = 65536;
static_assert(kMaxRingBits > static_cast<std::size_t>(DataTracker::kMaxGapOffset));

}  // namespace

DataTracker::DataTracker(Tsn peer_initial_tsn, Duration delayed_ack_timeout, int packets_per_ack)
    : delayed_ack_timeout_(std::max(delayed_ack_timeout, Duration::zero())),
      packets_per_ack_(std::max(packets_per_ack, 1)) {
  // §6.2: before anything arrived, the cumulative TSN ack is the TSN just below the initial one.
  cum_ = unwrapper_.unwrap(Tsn(peer_initial_tsn.value() - 1u));
  highest_ = cum_;
}

std::size_t DataTracker::ring_index(std::int64_t u) const {
  // ring_bits() is a power of two; only called while the ring exists.
  return static_cast<std::size_t>(u) & (ring_bits() - 1);
}

bool DataTracker::test_bit(std::int64_t u) const {
  if (ring_.empty()) return false;  // no gap: nothing above cum_ is held
  const std::size_t i = ring_index(u);
  return ((ring_[i / 64] >> (i % 64)) & 1u) != 0;
}

void DataTracker::set_bit(std::int64_t u) {
  const std::size_t i = ring_index(u);
  ring_[i / 64] |= std::uint64_t{1} << (i % 64);
}

void DataTracker::clear_bit(std::int64_t u) {
  const std::size_t i = ring_index(u);
  ring_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
}

std::int64_t DataTracker::scan(std::int64_t from, std::int64_t to, bool want) const {
  std::int64_t u = from;
  while (u <= to) {
    const std::size_t i = ring_index(u);
    std::uint64_t word = ring_[i / 64];
    if (!want) word = ~word;
    word >>= (i % 64);
    if (word != 0) {
      u += std::countr_zero(word);
      return std::min(u, to + 1);
    }
    u += static_cast<std::int64_t>(64 - i % 64);
  }
  return to + 1;
}

void DataTracker::advance_cum() {
  // Each TSN is passed over once, so this is amortised constant time per received TSN.
  while (cum_ < highest_ && test_bit(cum_ + 1)) {
    clear_bit(cum_ + 1);
    ++cum_;
  }
  release_ring_if_no_gaps();
}

void DataTracker::reserve_ring(std::int64_t u) {
  const auto needed = static_cast<std::size_t>(u - cum_) + 1;  // bits for cum_ + 1 .. u, and more
  std::size_t bits = std::max(ring_bits(), kMinRingBits);
  while (bits < needed) bits *= 2;
  bits = std::min(bits, kMaxRingBits);
  if (bits == ring_bits()) return;
  // Doubling bounds the copying: each growth copies fewer bits than the ring it replaces, and a
  // TSN at most kMaxGapOffset above cum_ is accepted, so at most 8 growths per gap episode.
  std::vector<std::uint64_t> grown(bits / 64, 0);
  if (!ring_.empty()) {
    const std::size_t old_mask = ring_bits() - 1;
    for (std::int64_t v = cum_ + 1; v <= highest_; ++v) {
      const std::size_t i = static_cast<std::size_t>(v) & old_mask;
      if (((ring_[i / 64] >> (i % 64)) & 1u) == 0) continue;
      const std::size_t j = static_cast<std::size_t>(v) & (bits - 1);
      grown[j / 64] |= std::uint64_t{1} << (j % 64);
    }
  }
  ring_ = std::move(grown);
}

void DataTracker::release_ring_if_no_gaps() {
  if (cum_ == highest_ && !ring_.empty()) std::vector<std::uint64_t>().swap(ring_);
}

void DataTracker::add_duplicate(Tsn tsn) {
  // §3.3.4: every duplicate arrival is listed, even of the same TSN; the list is capped.
  if (duplicates_.size() < kMaxDuplicates) duplicates_.push_back(tsn);
}

void DataTracker::begin_packet() {
  if (in_packet_) return;
  in_packet_ = true;
  packet_gaps_before_ = has_gaps();
  packet_wants_ack_now_ = false;
}

DataTracker::Observe DataTracker::observe(Tsn tsn, bool immediate_ack) {
  begin_packet();
  // RFC 7053 §4: the sender asks for a SACK of this packet without delay.
  if (immediate_ack) packet_wants_ack_now_ = true;

  const std::int64_t u = unwrapper_.peek(tsn);
  if (u <= cum_ || (u <= highest_ && test_bit(u))) {
    // §6.2: duplicates are reported and, at least when nothing new came, acknowledged at once;
    // this implementation always acknowledges at once (the MAY for mixed packets).
    add_duplicate(tsn);
    packet_wants_ack_now_ = true;
    return Observe::kDuplicate;
  }
  if (u - cum_ > kMaxGapOffset) {
    // Beyond what a gap block can express. A dropped chunk is answered by a SACK at once (§6.2),
    // showing only what was accepted.
    packet_wants_ack_now_ = true;
    return Observe::kOutOfWindow;
  }
  unwrapper_.unwrap(tsn);
  if (u == cum_ + 1) {
    if (u > highest_) highest_ = u;
    cum_ = u;
    advance_cum();
  } else {
    reserve_ring(u);  // before highest_ moves: the copy walks the TSNs held so far
    if (u > highest_) highest_ = u;
    set_bit(u);
  }
  return Observe::kNew;
}

void DataTracker::on_packet_end(TimePoint now) {
  if (!in_packet_) return;
  in_packet_ = false;
  ++packets_unacked_;
  const bool gaps_now = has_gaps();
  // §6.7: while TSNs are missing every packet is acknowledged at once, and so is the packet that
  // fills the last gap, so that the sender learns of it quickly.
  const bool gap_state = gaps_now || packet_gaps_before_;
  if (packet_wants_ack_now_ || gap_state || packets_unacked_ >= packets_per_ack_ ||
      delayed_ack_timeout_ == Duration::zero()) {
    request_immediate_sack();
    return;
  }
  // §6.2: otherwise delay, but never longer than the delayed-ack timeout after the first packet
  // not yet acknowledged.
  if (!due_ && deadline_ == kTimeInfinite) deadline_ = now + delayed_ack_timeout_;
}

void DataTracker::on_timeout(TimePoint now) {
  if (deadline_ != kTimeInfinite && now >= deadline_) request_immediate_sack();
}

void DataTracker::request_immediate_sack() {
  due_ = true;
  deadline_ = kTimeInfinite;
}

wire::SackChunk DataTracker::make_sack(std::uint32_t a_rwnd, std::size_t max_bytes) {
  wire::SackChunk sack;
  sack.cumulative_tsn_ack = cumulative_tsn_ack();
  sack.a_rwnd = a_rwnd;

  std::size_t room =
      max_bytes > wire::SackChunk::kHeaderSize ? (max_bytes - wire::SackChunk::kHeaderSize) / 4 : 0;
  room = std::min(room, wire::SackChunk::kMaxEntries);

  // Gap ack blocks (§3.3.4): runs of received TSNs above the cumulative TSN ack, as offsets from
  // it. Offsets fit 16 bits because nothing beyond cum + 65535 is accepted.
  std::int64_t u = cum_ + 1;
  while (u <= highest_ && sack.gap_ack_blocks.size() < room) {
    const std::int64_t start = scan(u, highest_, true);
    if (start > highest_) break;
    const std::int64_t end = scan(start, highest_, false) - 1;
    sack.gap_ack_blocks.push_back(wire::GapAckBlock{static_cast<std::uint16_t>(start - cum_),
                                                    static_cast<std::uint16_t>(end - cum_)});
    u = end + 1;
  }
  const std::size_t dup_room = room - sack.gap_ack_blocks.size();
  const std::size_t n_dups = std::min(dup_room, duplicates_.size());
  sack.duplicate_tsns.assign(duplicates_.begin(),
                             duplicates_.begin() + static_cast<std::ptrdiff_t>(n_dups));

  duplicates_.clear();
  due_ = false;
  deadline_ = kTimeInfinite;
  packets_unacked_ = 0;
  return sack;
}

bool DataTracker::handle_forward_tsn(Tsn new_cumulative_tsn) {
  begin_packet();
  const std::int64_t u = unwrapper_.peek(new_cumulative_tsn);
  if (u <= cum_) {
    // Stale (e.g. reordered or retransmitted FORWARD TSN): acknowledge at once, move nothing back.
    packet_wants_ack_now_ = true;
    return false;
  }
  // RFC 3758 §3.6: the skipped TSNs count as received; stop reporting anything at or below.
  if (u >= highest_) {
    // Everything held lies at or below u: the gaps are gone with it (the ring is freed below).
    std::fill(ring_.begin(), ring_.end(), 0);
  } else {
    // highest_ - cum_ < ring_bits(), so these TSNs do not share bits with the ones kept above u.
    for (std::int64_t v = cum_ + 1; v <= u; ++v) clear_bit(v);
  }
  unwrapper_.unwrap(new_cumulative_tsn);
  cum_ = u;
  if (highest_ < u) highest_ = u;
  advance_cum();
  return true;
}

}  // namespace sctps::core
