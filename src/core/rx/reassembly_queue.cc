// Reassembly and ordered delivery of received DATA; see reassembly_queue.h.
#include "core/rx/reassembly_queue.h"

#include <algorithm>
#include <iterator>

namespace sctps::core {
namespace {

// SSNs are 16-bit serial numbers (§6.5): up to half the space ahead of the next expected SSN is
// "ahead", the rest "already delivered".
constexpr std::uint16_t kSsnHalf = 0x8000;

std::uint16_t ssn_distance(Ssn ssn, std::int64_t next) {
  return static_cast<std::uint16_t>(ssn.value() - static_cast<std::uint16_t>(next));
}

}  // namespace

void ReassemblyQueue::Buffer::append(std::span<const std::uint8_t> bytes) {
  storage_.insert(storage_.end(), bytes.begin(), bytes.end());
}

void ReassemblyQueue::Buffer::prepend(std::span<const std::uint8_t> bytes) {
  const std::size_t n = bytes.size();
  if (n == 0) return;
  if (head_ < n) {
    // Leave as much room in front as the data will then occupy, so that repeated prepends cost
    // amortised constant time per byte, like appends.
    const std::size_t sz = size();
    const std::size_t new_head = n + sz;
    std::vector<std::uint8_t> grown(new_head + sz);
    std::copy(data(), data() + sz, grown.begin() + static_cast<std::ptrdiff_t>(new_head));
    storage_.swap(grown);
    head_ = new_head;
  }
  head_ -= n;
  std::copy(bytes.begin(), bytes.end(), storage_.begin() + static_cast<std::ptrdiff_t>(head_));
}

std::vector<std::uint8_t> ReassemblyQueue::Buffer::take() {
  if (head_ != 0) {
    storage_.erase(storage_.begin(), storage_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  std::vector<std::uint8_t> out = std::move(storage_);
  storage_ = {};
  return out;
}

ReassemblyQueue::ReassemblyQueue(std::uint16_t inbound_streams, std::size_t max_message_size)
    : max_message_size_(max_message_size), inbound_streams_(inbound_streams) {}

std::int64_t& ReassemblyQueue::next_ssn(std::uint16_t stream) {
  // Grown to the highest stream used so far: an association that uses one or two of its streams
  // (the key management's stream 0, say) keeps no table for the rest (issue #6). Every stream
  // starts at SSN 0 (§6.5).
  if (stream >= next_ssn_.size()) next_ssn_.resize(std::size_t{stream} + 1, 0);
  return next_ssn_[stream];
}

bool ReassemblyQueue::joinable(const Piece& l, const Piece& r) {
  // §6.9: fragments of one message sit between a B and an E fragment, on one stream, with one
  // U bit and, when ordered, one SSN (ignored for unordered data, §6.6). Anything else does not
  // belong together and is left unjoined; such a peer's message never completes.
  if (l.has_end || r.has_begin) return false;
  if (l.stream != r.stream || l.unordered != r.unordered) return false;
  return l.unordered || l.ssn == r.ssn;
}

void ReassemblyQueue::merge_with_next(PieceMap::iterator left, PieceMap::iterator right) {
  Piece& l = left->second;
  Piece& r = right->second;
  // Copy the smaller buffer into the larger one: each byte moves O(log n) times at most.
  if (l.data.size() >= r.data.size()) {
    l.data.append({r.data.data(), r.data.size()});
  } else {
    r.data.prepend({l.data.data(), l.data.size()});
    std::swap(l.data, r.data);
  }
  l.last = r.last;
  l.has_end = r.has_end;
  l.is_protected = l.is_protected && r.is_protected;
  pieces_.erase(right);
}

void ReassemblyQueue::drop_piece(PieceMap::iterator it) {
  buffered_bytes_ -= it->second.data.size();
  pieces_.erase(it);
}

ReassemblyQueue::AddResult ReassemblyQueue::add(Tsn tsn, const wire::DataChunk& chunk,
                                                bool is_protected) {
  // §6.5: a stream the peer may not use. Nothing is stored.
  if (chunk.stream_id.value() >= inbound_streams_) return AddResult::kInvalidStream;
  const wire::Bytes payload = chunk.payload;
  if (payload.size() > max_message_size_) return AddResult::kMessageTooLarge;

  const std::int64_t u = tsn_unwrapper_.peek(tsn);
  auto next = pieces_.upper_bound(u);
  auto prev = next == pieces_.begin() ? pieces_.end() : std::prev(next);
  if (prev != pieces_.end() && prev->second.last >= u) return AddResult::kDuplicateTsn;
  tsn_unwrapper_.unwrap(tsn);

  Piece frag;
  frag.last = u;
  frag.has_begin = chunk.beginning;
  frag.has_end = chunk.ending;
  frag.stream = chunk.stream_id;
  frag.ssn = chunk.ssn;
  frag.ppid = chunk.ppid;
  frag.unordered = chunk.unordered;
  frag.is_protected = is_protected;

  const bool to_prev =
      prev != pieces_.end() && prev->second.last == u - 1 && joinable(prev->second, frag);
  const bool to_next =
      next != pieces_.end() && next->first == u + 1 && joinable(frag, next->second);
  buffered_bytes_ += payload.size();

  PieceMap::iterator cur;
  if (to_prev) {
    // The common in-order case: append to the message being received.
    Piece& p = prev->second;
    p.data.append(payload);
    p.last = u;
    p.has_end = frag.has_end;
    p.is_protected = p.is_protected && is_protected;
    cur = prev;
    if (to_next) merge_with_next(cur, next);
  } else if (to_next) {
    // The fragment goes in front of the following piece, which then starts at u.
    Piece& n = next->second;
    n.data.prepend(payload);
    n.has_begin = frag.has_begin;
    n.ppid = frag.ppid;
    n.is_protected = n.is_protected && is_protected;
    auto node = pieces_.extract(next);
    node.key() = u;
    cur = pieces_.insert(std::move(node)).position;
  } else {
    frag.data.append(payload);
    cur = pieces_.emplace_hint(next, u, std::move(frag));
  }

  if (cur->second.data.size() > max_message_size_) {
    drop_piece(cur);
    return AddResult::kMessageTooLarge;
  }
  if (cur->second.has_begin && cur->second.has_end) return complete(cur);
  return AddResult::kOk;
}

ReassemblyQueue::AddResult ReassemblyQueue::complete(PieceMap::iterator it) {
  Piece& p = it->second;
  const Ssn ssn = p.ssn;
  ReceivedMessage m{p.stream, p.ppid, p.unordered, p.is_protected, p.data.take()};
  pieces_.erase(it);

  // §6.6: unordered messages bypass the stream order.
  if (m.unordered) {
    ready_.push_back(std::move(m));
    return AddResult::kOk;
  }
  const std::uint16_t s = m.stream.value();
  std::int64_t& next_ref = next_ssn(s);
  const std::int64_t next = next_ref;
  const std::uint16_t d = ssn_distance(ssn, next);
  if (d >= kSsnHalf) {
    buffered_bytes_ -= m.payload.size();
    return AddResult::kStaleSsn;
  }
  if (d == 0) {
    ready_.push_back(std::move(m));
    next_ref = next + 1;
    deliver_ready_in_order(s);
    return AddResult::kOk;
  }
  const std::size_t size = m.payload.size();
  // try_emplace leaves m untouched when the key exists.
  if (!waiting_.try_emplace({s, next + d}, std::move(m)).second) {
    buffered_bytes_ -= size;
    return AddResult::kStaleSsn;
  }
  return AddResult::kOk;
}

void ReassemblyQueue::deliver_ready_in_order(std::uint16_t stream) {
  for (;;) {
    auto it = waiting_.find({stream, next_ssn_[stream]});
    if (it == waiting_.end()) return;
    ready_.push_back(std::move(it->second));
    waiting_.erase(it);
    ++next_ssn_[stream];
  }
}

std::optional<ReceivedMessage> ReassemblyQueue::poll_message() {
  if (ready_.empty()) return std::nullopt;
  ReceivedMessage m = std::move(ready_.front());
  ready_.pop_front();
  buffered_bytes_ -= m.payload.size();
  return m;
}

std::size_t ReassemblyQueue::bytes_counting_against_window(Tsn cumulative_tsn_ack) const {
  if (pieces_.empty()) return buffered_bytes_;
  const std::int64_t c = tsn_unwrapper_.peek(cumulative_tsn_ack);
  auto it = pieces_.upper_bound(c);
  if (it == pieces_.begin()) return buffered_bytes_;
  --it;
  // Every TSN up to c has arrived, so the piece ending exactly at c holds the leading fragments of
  // the message now being received in order (pieces are never complete messages).
  if (it->second.last != c) return buffered_bytes_;
  return buffered_bytes_ - it->second.data.size();
}

std::size_t ReassemblyQueue::handle_forward_tsn(
    Tsn new_cumulative_tsn, std::span<const wire::ForwardTsnChunk::StreamEntry> streams) {
  // RFC 3758 §3.6: the sender abandoned every TSN up to the new cumulative TSN, so partial
  // messages with fragments there can never complete.
  const std::int64_t c = tsn_unwrapper_.peek(new_cumulative_tsn);
  tsn_unwrapper_.unwrap(new_cumulative_tsn);
  const auto stop = pieces_.upper_bound(c);
  for (auto it = pieces_.begin(); it != stop;) {
    buffered_bytes_ -= it->second.data.size();
    it = pieces_.erase(it);
  }

  std::size_t invalid = 0;
  for (const auto& entry : streams) {
    const std::uint16_t s = entry.stream.value();
    if (s >= inbound_streams_) {
      ++invalid;
      continue;
    }
    const std::int64_t next = next_ssn(s);
    const std::uint16_t d = ssn_distance(entry.ssn, next);
    // Already passed: e.g. the sender abandoned a message that had in fact arrived.
    if (d >= kSsnHalf) continue;
    const std::int64_t skipped = next + d;
    // Messages up to the skipped SSN that did arrive are delivered; the stream then goes on after
    // the skipped SSN.
    auto it = waiting_.lower_bound({s, next});
    while (it != waiting_.end() && it->first.first == s && it->first.second <= skipped) {
      ready_.push_back(std::move(it->second));
      it = waiting_.erase(it);
    }
    next_ssn_[s] = skipped + 1;
    deliver_ready_in_order(s);
  }
  return invalid;
}

}  // namespace sctps::core
