// Send queue: per-stream FIFOs, round robin at message boundaries, fragmentation, SSN assignment,
// message lifetime and the send buffer limit (RFC 9260 §6.1, §6.5, §6.6, §6.9, §11.1).
#include "core/tx/send_queue.h"

#include <algorithm>
#include <utility>

namespace sctps::core {

SendQueue::SendQueue(std::size_t buffer_limit, std::uint16_t outbound_streams)
    : limit_(buffer_limit), outbound_streams_(outbound_streams) {}

SendQueue::Streams::iterator SendQueue::lower_bound(std::uint16_t id) {
  return std::lower_bound(streams_.begin(), streams_.end(), id,
                          [](const Stream& s, std::uint16_t v) { return s.id < v; });
}

SendQueue::Stream* SendQueue::find_stream(std::uint16_t id) {
  const auto it = lower_bound(id);
  return it != streams_.end() && it->id == id ? &*it : nullptr;
}

SendQueue::Stream& SendQueue::stream(std::uint16_t id) {
  auto it = lower_bound(id);
  if (it == streams_.end() || it->id != id) {
    it = streams_.insert(it, Stream{});
    it->id = id;
  }
  return *it;
}

SendStatus SendQueue::enqueue(StreamId stream, Ppid ppid, std::vector<std::uint8_t> payload,
                              const SendOptions& options, TimePoint now, std::uint64_t message_id) {
  if (payload.empty()) return SendStatus::kEmptyMessage;
  if (stream.value() >= outbound_streams_) return SendStatus::kInvalidStream;
  // Checked without overflow: buffered_ <= limit_ holds unless a single large message was queued.
  if (!options.ignore_limit && message_count_ != 0 &&
      (buffered_ > limit_ || payload.size() > limit_ - buffered_)) {
    return SendStatus::kWouldBlock;
  }
  Message m;
  m.ppid = ppid;
  m.unordered = options.unordered;
  m.id = message_id;
  if (options.lifetime) {
    // Saturate instead of overflowing for absurdly long lifetimes.
    m.expires_at =
        (*options.lifetime >= kTimeInfinite - now) ? kTimeInfinite : now + *options.lifetime;
    ++lifetime_count_;
  }
  buffered_ += payload.size();
  m.payload = std::make_shared<std::vector<std::uint8_t>>(std::move(payload));
  ++message_count_;

  Stream& s = this->stream(stream.value());
  if (!options.urgent) {
    s.queue.push_back(std::move(m));
    if (current_ != stream.value()) push_ring(stream.value(), s);
    return SendStatus::kOk;
  }
  m.urgent = true;
  auto at = s.queue.begin();
  if (current_ == stream.value() && at != s.queue.end()) ++at;  // finish what has started
  while (at != s.queue.end() && at->urgent) ++at;               // after earlier urgent ones
  s.queue.insert(at, std::move(m));
  if (current_ != stream.value()) push_ring_front(stream.value(), s);
  return SendStatus::kOk;
}

void SendQueue::push_ring_front(std::uint16_t stream_id, Stream& s) {
  if (s.in_ring) ring_.erase(std::find(ring_.begin(), ring_.end(), stream_id));
  s.in_ring = true;
  ring_.push_front(stream_id);
}

void SendQueue::push_ring(std::uint16_t stream_id, Stream& s) {
  if (s.in_ring) return;
  s.in_ring = true;
  ring_.push_back(stream_id);
}

void SendQueue::forget(const Message& m) {
  buffered_ -= m.payload->size() - m.produced;
  --message_count_;
  if (m.expires_at) --lifetime_count_;
}

UnsentMessage SendQueue::to_unsent(StreamId stream, Message&& m) {
  UnsentMessage u;
  u.stream = stream;
  u.ppid = m.ppid;
  u.unordered = m.unordered;
  u.message_id = m.id;
  // Fragments still held elsewhere (retransmission queue) share the buffer: copy then.
  if (m.payload.use_count() == 1) {
    u.payload = std::move(*m.payload);
  } else {
    u.payload = *m.payload;
  }
  return u;
}

bool SendQueue::select_next(TimePoint now) {
  while (!ring_.empty()) {
    const std::uint16_t id = ring_.front();
    ring_.pop_front();
    Stream* found = find_stream(id);
    if (found == nullptr) continue;  // stream removed by set_outbound_streams()
    Stream& s = *found;
    s.in_ring = false;
    while (!s.queue.empty() && expired(s.queue.front(), now)) {
      forget(s.queue.front());
      expired_.push_back(to_unsent(StreamId(id), std::move(s.queue.front())));
      s.queue.pop_front();
    }
    if (s.queue.empty()) continue;
    current_ = id;
    return true;
  }
  return false;
}

std::optional<DataToSend> SendQueue::produce(TimePoint now, std::size_t max_payload_bytes) {
  if (max_payload_bytes == 0) return std::nullopt;
  if (!current_ && !select_next(now)) return std::nullopt;

  const std::uint16_t id = *current_;
  Stream& s = stream(id);
  Message& m = s.queue.front();
  if (m.produced == 0 && !m.unordered) {
    // §6.5: the SSN is taken when the message is first put on the wire, so messages dropped before
    // (lifetime expiry) leave no gap the receiver would wait for.
    m.ssn = s.next_ssn;
    s.next_ssn = Ssn(static_cast<std::uint16_t>(s.next_ssn.value() + 1U));
  }
  const std::size_t size = m.payload->size();
  const std::size_t length = std::min(max_payload_bytes, size - m.produced);

  DataToSend d;
  d.stream = StreamId(id);
  d.ssn = m.unordered ? Ssn(0) : m.ssn;
  d.ppid = m.ppid;
  d.unordered = m.unordered;
  d.beginning = m.produced == 0;
  d.ending = m.produced + length == size;
  d.message = m.payload;
  d.offset = m.produced;
  d.length = length;
  d.message_id = m.id;

  m.produced += length;
  buffered_ -= length;
  if (d.ending) {
    if (m.expires_at) --lifetime_count_;
    --message_count_;
    s.queue.pop_front();
    current_.reset();
    if (!s.queue.empty()) {
      if (s.queue.front().urgent) {
        push_ring_front(id, s);
      } else {
        push_ring(id, s);  // to the back: the other streams go first
      }
    } else if (id >= outbound_streams_) {
      // Finished after its stream was removed by set_outbound_streams().
      streams_.erase(lower_bound(id));
    }
  }
  return d;
}

std::vector<UnsentMessage> SendQueue::take_expired(TimePoint now) {
  std::vector<UnsentMessage> out = std::move(expired_);
  expired_.clear();
  if (lifetime_count_ == 0) return out;
  for (Stream& s : streams_) {
    const std::uint16_t id = s.id;
    // A message already started (only ever the front one) is finished whatever its lifetime.
    auto keep = std::stable_partition(s.queue.begin(), s.queue.end(),
                                      [now](const Message& m) { return !expired(m, now); });
    for (auto it = keep; it != s.queue.end(); ++it) {
      forget(*it);
      out.push_back(to_unsent(StreamId(id), std::move(*it)));
    }
    s.queue.erase(keep, s.queue.end());
  }
  // Streams left empty stay in the ring; select_next() skips them.
  std::sort(out.begin(), out.end(), [](const UnsentMessage& a, const UnsentMessage& b) {
    return a.message_id < b.message_id;
  });
  return out;
}

std::optional<TimePoint> SendQueue::next_expiry() const {
  std::optional<TimePoint> next;
  if (lifetime_count_ == 0) return next;
  for (const Stream& s : streams_) {
    for (const Message& m : s.queue) {
      if (m.produced == 0 && m.expires_at && (!next || *m.expires_at < *next)) next = m.expires_at;
    }
  }
  return next;
}

std::vector<UnsentMessage> SendQueue::drain() {
  std::vector<UnsentMessage> out = std::move(expired_);
  expired_.clear();
  for (Stream& s : streams_) {
    for (Message& m : s.queue) out.push_back(to_unsent(StreamId(s.id), std::move(m)));
    s.queue.clear();
    s.in_ring = false;
  }
  ring_.clear();
  current_.reset();
  buffered_ = 0;
  message_count_ = 0;
  lifetime_count_ = 0;
  std::sort(out.begin(), out.end(), [](const UnsentMessage& a, const UnsentMessage& b) {
    return a.message_id < b.message_id;
  });
  return out;
}

std::vector<UnsentMessage> SendQueue::set_outbound_streams(std::uint16_t n) {
  outbound_streams_ = n;
  std::vector<UnsentMessage> out;
  for (auto it = streams_.begin(); it != streams_.end();) {
    const std::uint16_t id = it->id;
    Stream& s = *it;
    if (id < n) {
      ++it;
      continue;
    }
    // A message being produced must be completed (§6.9); everything behind it goes.
    const bool keep_front = current_ == id;
    const std::size_t first = keep_front ? 1 : 0;
    for (std::size_t i = first; i < s.queue.size(); ++i) {
      forget(s.queue[i]);
      out.push_back(to_unsent(StreamId(id), std::move(s.queue[i])));
    }
    if (keep_front) {
      s.queue.resize(1);
      ++it;
    } else {
      it = streams_.erase(it);  // new streams later added start again at SSN 0
    }
  }
  ring_.erase(std::remove_if(ring_.begin(), ring_.end(),
                             [this](std::uint16_t id) { return find_stream(id) == nullptr; }),
              ring_.end());
  std::sort(out.begin(), out.end(), [](const UnsentMessage& a, const UnsentMessage& b) {
    return a.message_id < b.message_id;
  });
  return out;
}

}  // namespace sctps::core
