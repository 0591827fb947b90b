// Retransmission queue: SACK validation and processing (§6.2.1), renege handling, miss indications
// with HTNA and fast recovery (§7.2.4), T3 expiry marking (§6.3.3), Karn's rule (§6.3.1 C5).
#include "core/tx/retransmission_queue.h"

#include <algorithm>
#include <limits>

namespace sctps::core {
namespace {

std::uint32_t sat_sub(std::uint32_t a, std::size_t b) {
  return b >= a ? 0 : a - static_cast<std::uint32_t>(b);
}
std::uint32_t sat_add(std::uint32_t a, std::size_t b) {
  constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();
  return b >= kMax - a ? kMax : a + static_cast<std::uint32_t>(b);
}

// §7.2.4: three miss indications trigger fast retransmit.
constexpr std::uint8_t kFastRetransmitMisses = 3;

}  // namespace

RetransmissionQueue::RetransmissionQueue(Tsn initial_tsn)
    : cum_(unwrapper_.unwrap(Tsn(initial_tsn.value() - 1U))), next_(cum_ + 1) {
  highest_gap_acked_ = cum_;
}

RetransmissionQueue::Entry* RetransmissionQueue::find(std::int64_t tsn) {
  const std::int64_t front = front_tsn();
  if (tsn < front || tsn >= next_) return nullptr;
  return &entries_[static_cast<std::size_t>(tsn - front)];
}

RetransmissionQueue::PathState& RetransmissionQueue::path_state(std::size_t path) {
  if (path >= paths_.size()) paths_.resize(path + 1);
  return paths_[path];
}

std::size_t RetransmissionQueue::outstanding_bytes(std::size_t path) const {
  return path < paths_.size() ? paths_[path].bytes : 0;
}

bool RetransmissionQueue::has_outstanding(std::size_t path) const {
  return path < paths_.size() && paths_[path].chunks != 0;
}

void RetransmissionQueue::add_flight(Entry& e) {
  PathState& p = path_state(e.path);
  p.bytes += e.data.length;
  ++p.chunks;
  flight_bytes_ += e.data.length;
}

void RetransmissionQueue::remove_flight(Entry& e) {
  PathState& p = path_state(e.path);
  p.bytes -= e.data.length;
  --p.chunks;
  flight_bytes_ -= e.data.length;
}

Tsn RetransmissionQueue::add_sent(DataToSend data, std::size_t path, TimePoint now) {
  const std::int64_t u = next_++;
  const Tsn tsn = Unwrapper<Tsn>::wrap(u);
  unwrapper_.unwrap(tsn);  // keeps the unwrapper's reference at the highest TSN sent
  Entry& e = entries_.emplace_back();
  e.data = std::move(data);
  e.sent_at = now;
  e.path = path;
  add_flight(e);
  PathState& p = path_state(path);
  if (!p.timed_tsn) p.timed_tsn = u;  // §6.3.1 C4: one measurement per round trip and path
  peer_rwnd_ = sat_sub(peer_rwnd_, e.data.length);
  return tsn;
}

void RetransmissionQueue::mark_pending(Entry& e, std::int64_t tsn, bool fast) {
  if (e.state == State::kInFlight) remove_flight(e);
  e.state = State::kPendingRetransmit;
  ++pending_;
  if (fast) {
    e.fast_pending = true;
    e.fast_retransmitted = true;
    ++fast_pending_;
  }
  e.misses = 0;
  PathState& p = path_state(e.path);
  if (p.timed_tsn == tsn) p.timed_tsn.reset();      // Karn: its ack would be ambiguous
  peer_rwnd_ = sat_add(peer_rwnd_, e.data.length);  // §6.2.1 C
}

void RetransmissionQueue::resend(Entry& e, std::size_t path, TimePoint now) {
  --pending_;
  if (e.fast_pending) {
    e.fast_pending = false;
    --fast_pending_;
  }
  e.state = State::kInFlight;
  e.path = path;
  ++e.transmissions;
  e.sent_at = now;
  e.misses = 0;
  add_flight(e);
  peer_rwnd_ = sat_sub(peer_rwnd_, e.data.length);  // §6.2.1 B
}

void RetransmissionQueue::newly_acked(Entry& e, std::int64_t tsn, TimePoint now, SackResult& r) {
  if (e.state == State::kInFlight) {
    remove_flight(e);
  } else if (e.state == State::kPendingRetransmit) {
    --pending_;
    if (e.fast_pending) {
      e.fast_pending = false;
      --fast_pending_;
    }
  }
  e.state = State::kGapAcked;
  r.bytes_newly_acked += e.data.length;
  auto it = std::find_if(r.acked_bytes_per_path.begin(), r.acked_bytes_per_path.end(),
                         [&e](const auto& pb) { return pb.first == e.path; });
  if (it == r.acked_bytes_per_path.end()) {
    r.acked_bytes_per_path.emplace_back(e.path, e.data.length);
  } else {
    it->second += e.data.length;
  }
  PathState& p = path_state(e.path);
  if (p.timed_tsn == tsn) {
    p.timed_tsn.reset();
    // §6.3.1 C5 (Karn): only a chunk sent once gives a sample. Timing is cancelled whenever a
    // chunk is marked for retransmission, so this check is a second line of defence.
    if (e.transmissions == 1 && !r.rtt_sample) r.rtt_sample.emplace(e.path, now - e.sent_at);
  }
}

const char* RetransmissionQueue::validate(const wire::SackChunk& sack, std::int64_t cum,
                                          std::int64_t highest) {
  if (cum > highest) return "cumulative TSN ack beyond highest TSN sent";
  for (const wire::GapAckBlock& b : sack.gap_ack_blocks) {
    if (b.start > b.end) return "gap ack block start after its end";
    if (cum + b.end > highest) return "gap ack block beyond highest TSN sent";
  }
  return nullptr;
}

// Cumulative ack: everything up to `cum` leaves the queue. Returns the highest TSN newly acked
// (the old cum ack when none).
std::int64_t RetransmissionQueue::apply_cumulative_ack(std::int64_t cum, TimePoint now,
                                                       SackResult& r) {
  const std::int64_t old_cum = cum_;
  std::int64_t highest_newly_acked = old_cum;
  while (!entries_.empty() && front_tsn() <= cum) {
    const std::int64_t u = front_tsn();
    Entry& e = entries_.front();
    if (e.state != State::kGapAcked) {
      newly_acked(e, u, now, r);
      highest_newly_acked = u;
    }
    if (e.data.ending) r.completed_message_ids.push_back(e.data.message_id);
    entries_.pop_front();
  }
  cum_ = cum;
  r.cumulative_advanced = cum_ > old_cum;
  if (in_fast_recovery_ && cum_ >= fast_recovery_exit_) {  // §6.2.1 D iv
    in_fast_recovery_ = false;
    ignore_cwnd_ = false;
  }
  return highest_newly_acked;
}

RetransmissionQueue::SackResult RetransmissionQueue::handle_cumulative_ack(Tsn tsn, TimePoint now) {
  SackResult r;
  const std::int64_t cum = unwrapper_.peek(tsn);
  r.peer_rwnd = peer_rwnd_;
  if (cum <= cum_) {
    r.stale = cum < cum_;
    return r;
  }
  if (cum > next_ - 1) {
    r.reject_reason = "cumulative TSN ack beyond the highest TSN sent";
    return r;
  }
  r.accepted = true;
  apply_cumulative_ack(cum, now, r);
  r.peer_rwnd = peer_rwnd_;
  return r;
}

RetransmissionQueue::SackResult RetransmissionQueue::handle_sack(const wire::SackChunk& sack,
                                                                 TimePoint now) {
  SackResult r;
  const std::int64_t cum = unwrapper_.peek(sack.cumulative_tsn_ack);
  if (cum < cum_) {
    // §6.2.1 D i: the cum ack only grows, so this SACK was overtaken by a newer one.
    r.stale = true;
    r.peer_rwnd = peer_rwnd_;
    return r;
  }
  if (const char* reason = validate(sack, cum, next_ - 1)) {
    r.reject_reason = reason;
    r.peer_rwnd = peer_rwnd_;
    return r;
  }
  r.accepted = true;
  std::int64_t highest_newly_acked = apply_cumulative_ack(cum, now, r);

  // Gap blocks, as TSN ranges sorted by start (the peer may send them in any order or
  // overlapping; a block starting at offset 0 only repeats the cum ack).
  gaps_.clear();
  std::int64_t max_gap_end = cum_;
  for (const wire::GapAckBlock& b : sack.gap_ack_blocks) {
    const std::int64_t start = cum_ + std::max<std::int64_t>(b.start, 1);
    const std::int64_t end = cum_ + b.end;
    if (end < start) continue;
    gaps_.emplace_back(start, end);
    max_gap_end = std::max(max_gap_end, end);
  }
  std::sort(gaps_.begin(), gaps_.end());

  // Walk the entries the blocks cover, and those the previous SACK covered (to find reneges).
  // Bounded by the entries actually held: validation guarantees nothing beyond next_-1.
  reneged_.clear();
  const std::int64_t scan_end = std::min(std::max(max_gap_end, highest_gap_acked_), next_ - 1);
  std::size_t gi = 0;
  for (std::int64_t u = std::max(cum_ + 1, front_tsn()); u <= scan_end; ++u) {
    Entry* e = find(u);
    if (e == nullptr) break;
    while (gi < gaps_.size() && gaps_[gi].second < u) ++gi;
    const bool covered = gi < gaps_.size() && gaps_[gi].first <= u;
    if (covered) {
      if (e->state != State::kGapAcked) {
        newly_acked(*e, u, now, r);
        highest_newly_acked = std::max(highest_newly_acked, u);
      }
    } else if (e->state == State::kGapAcked) {
      // §6.2.1 D iii: the receiver dropped it; it is outstanding again.
      e->state = State::kInFlight;
      e->misses = 0;
      add_flight(*e);
      r.bytes_reneged += e->data.length;
      reneged_.push_back(u);
    }
  }
  highest_gap_acked_ = max_gap_end;

  // Miss indications (§7.2.4): HTNA counts only the holes below the highest TSN newly acked; in
  // fast recovery a SACK advancing the cum ack counts every hole it reports.
  const std::int64_t limit =
      (in_fast_recovery_ && r.cumulative_advanced) ? max_gap_end + 1 : highest_newly_acked;
  std::optional<std::size_t> marked_path;
  auto miss = [&](Entry& e, std::int64_t u) {
    if (e.state != State::kInFlight || e.fast_retransmitted) return;
    if (++e.misses >= kFastRetransmitMisses) {
      mark_pending(e, u, true);
      if (!marked_path) marked_path = e.path;
    }
  };
  for (std::int64_t u = std::max(cum_ + 1, front_tsn()); u < limit; ++u) {
    Entry* e = find(u);
    if (e == nullptr) break;
    miss(*e, u);
  }
  for (const std::int64_t u : reneged_) {  // §6.2.1 D iii: one miss each, counted once
    if (u < limit) continue;
    if (Entry* e = find(u)) miss(*e, u);
  }
  if (marked_path && !in_fast_recovery_) {
    in_fast_recovery_ = true;
    fast_recovery_exit_ = next_ - 1;  // the highest outstanding TSN
    ignore_cwnd_ = true;
    r.enter_fast_recovery = true;
    r.fast_recovery_path = *marked_path;
  }

  // §6.2.1 D ii.
  peer_rwnd_ =
      sack.a_rwnd > flight_bytes_ ? static_cast<std::uint32_t>(sack.a_rwnd - flight_bytes_) : 0;
  r.peer_rwnd = peer_rwnd_;
  return r;
}

std::size_t RetransmissionQueue::on_t3_expired(std::size_t path) {
  std::size_t marked = 0;
  const std::int64_t front = front_tsn();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    Entry& e = entries_[i];
    if (e.state != State::kInFlight || e.path != path) continue;
    mark_pending(e, front + static_cast<std::int64_t>(i), false);
    ++marked;
  }
  path_state(path).timed_tsn.reset();
  return marked;
}

std::vector<wire::DataChunk> RetransmissionQueue::take_retransmissions(std::size_t budget_bytes,
                                                                       std::size_t path,
                                                                       TimePoint now) {
  std::vector<wire::DataChunk> out;
  if (pending_ == 0) return out;
  const bool fast_phase = fast_pending_ != 0;
  const std::int64_t front = front_tsn();
  for (std::size_t i = 0; i < entries_.size() && pending_ != 0; ++i) {
    Entry& e = entries_[i];
    if (e.state != State::kPendingRetransmit || (fast_phase && !e.fast_pending)) continue;
    const std::size_t cost = wire::DataChunk::kHeaderSize + wire::padded4(e.data.length);
    if (cost > budget_bytes) break;
    budget_bytes -= cost;
    resend(e, path, now);
    out.push_back(make_chunk(e.data, Unwrapper<Tsn>::wrap(front + static_cast<std::int64_t>(i))));
    if (fast_phase && fast_pending_ == 0) break;
  }
  if (fast_phase && !out.empty()) {
    // §7.2.4 5: what did not fit the fast retransmission packet waits like after a T3 expiry.
    ignore_cwnd_ = false;
    if (fast_pending_ != 0) {
      for (Entry& e : entries_) e.fast_pending = false;
      fast_pending_ = 0;
    }
  }
  return out;
}

wire::DataChunk RetransmissionQueue::make_chunk(const DataToSend& d, Tsn tsn) {
  wire::DataChunk c;
  c.tsn = tsn;
  c.stream_id = d.stream;
  c.ssn = d.ssn;
  c.ppid = d.ppid;
  c.payload = d.payload();
  c.unordered = d.unordered;
  c.beginning = d.beginning;
  c.ending = d.ending;
  return c;
}

std::optional<wire::DataChunk> RetransmissionQueue::chunk_for(Tsn tsn) const {
  const std::int64_t u = unwrapper_.peek(tsn);
  const std::int64_t front = front_tsn();
  if (u < front || u >= next_) return std::nullopt;
  return make_chunk(entries_[static_cast<std::size_t>(u - front)].data, tsn);
}

std::vector<UnsentMessage> RetransmissionQueue::drain_unacked() {
  std::vector<UnsentMessage> out;
  std::optional<std::uint64_t> last;
  for (const Entry& e : entries_) {
    // Fragments of one message have consecutive TSNs (§6.9): one report per run.
    if (last == e.data.message_id) continue;
    last = e.data.message_id;
    UnsentMessage m;
    m.stream = e.data.stream;
    m.ppid = e.data.ppid;
    m.unordered = e.data.unordered;
    m.message_id = e.data.message_id;
    if (e.data.message) m.payload = *e.data.message;
    out.push_back(std::move(m));
  }
  entries_.clear();
  for (PathState& p : paths_) p = PathState{};
  flight_bytes_ = 0;
  pending_ = 0;
  fast_pending_ = 0;
  in_fast_recovery_ = false;
  ignore_cwnd_ = false;
  return out;
}

}  // namespace sctps::core
