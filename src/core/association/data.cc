// Data transfer (RFC 9260 §6, §7): receiving DATA and acknowledging it, SACK processing with
// congestion control per destination, building packets of retransmitted and new DATA, T3-rtx.
#include <algorithm>

#include "core/association/association.h"
#include "wire/data_chunk.h"
#include "wire/sack_chunk.h"

namespace sctps::core {

std::uint32_t Association::advertised_window() const {
  if (!reassembly_ || !tracker_) return ctx_.options.receive_window;
  const std::size_t held =
      reassembly_->bytes_counting_against_window(tracker_->cumulative_tsn_ack());
  const std::size_t window = ctx_.options.receive_window;
  return static_cast<std::uint32_t>(held >= window ? 0 : window - held);
}

void Association::on_data(const wire::ChunkView& chunk, const IpAddress& from, bool is_protected,
                          TimePoint now, bool& stop) {
  const bool accepting = state_ == AssociationState::kEstablished ||
                         state_ == AssociationState::kShutdownPending ||
                         state_ == AssociationState::kShutdownSent;
  if (!accepting || !tracker_ || !reassembly_) return;
  auto data = wire::DataChunk::parse(chunk);
  if (!data) {
    if (data.error().code == wire::ParseErrorCode::kNoUserData) {
      // §6.2: a DATA chunk without user data aborts the association with cause 9.
      auto tsn_reader = wire::FixedReader<8>::make(chunk.whole);
      const wire::ErrorCause cause =
          wire::NoUserDataCause{Tsn(tsn_reader ? tsn_reader->u32<4>() : 0)};
      send_abort(std::span(&cause, 1));
      fail(DownReason::kLocalAbort, "peer sent a DATA chunk without user data");
      stop = true;
      return;
    }
    ++stats_.dropped_malformed_chunks;
    return;
  }
  received_data_in_packet_ = true;
  last_data_from_ = path_for(from);
  // §6.2 (and its errata): with no window left, data beyond the highest TSN received is dropped
  // and answered at once, so the peer learns the window is closed; data filling a hole is kept.
  if (advertised_window() == 0) {
    const auto ahead =
        static_cast<std::int32_t>(data->tsn.value() - tracker_->highest_received_tsn().value());
    if (ahead > 0) {
      ++stats_.dropped_out_of_window;
      tracker_->request_immediate_sack();
      return;
    }
  }
  switch (tracker_->observe(data->tsn, data->immediate_sack)) {
    case DataTracker::Observe::kDuplicate: ++stats_.duplicate_tsns_received; return;
    case DataTracker::Observe::kOutOfWindow: ++stats_.dropped_out_of_window; return;
    case DataTracker::Observe::kNew: break;
  }
  ++stats_.data_chunks_received;
  switch (reassembly_->add(data->tsn, *data, is_protected)) {
    case ReassemblyQueue::AddResult::kInvalidStream: {
      // §6.5: report the stream in an ERROR; the TSN stays acknowledged.
      const wire::ErrorCause cause = wire::InvalidStreamIdentifierCause{data->stream_id};
      queue_error(std::span(&cause, 1), last_data_from_);
      break;
    }
    case ReassemblyQueue::AddResult::kMessageTooLarge: {
      const wire::ErrorCause cause = wire::OutOfResourceCause{};
      send_abort(std::span(&cause, 1));
      fail(DownReason::kLocalAbort, "peer sent a message larger than max_message_size");
      stop = true;
      return;
    }
    default: break;
  }
  // Hand complete messages over at once: held, they would count against the window for the rest of
  // this packet's chunks.
  deliver_messages(now);
}

void Association::deliver_messages(TimePoint now) {
  if (!reassembly_) return;
  while (auto m = reassembly_->poll_message()) {
    if (is_key_management_message(*m)) {  // porfiri §4: never for the application
      ++stats_.key_management_messages_received;
      km_->on_message(m->payload, m->is_protected, *protector_, now);
      continue;
    }
    if (!m->is_protected && protector_) {
      // The DTLS chunk is agreed: the peer holds its messages until protection is in place, so
      // user data in clear is someone else's (an on-path injector who read the tags) or a
      // broken peer's; never the application's (draft §5.2).
      ++stats_.dropped_unprotected_messages;
      continue;
    }
    ++stats_.messages_received;
    stats_.user_bytes_received += m->payload.size();
    emit(MessageReceived{id_, std::move(*m)});
  }
}

void Association::add_sack(wire::PacketBuilder& builder) {
  const std::size_t room = builder.bytes_remaining();
  if (room < 16) return;
  const wire::SackChunk sack = tracker_->make_sack(advertised_window(), room);
  if (builder.add(sack)) ++stats_.sacks_sent;
}

void Association::on_sack(const wire::ChunkView& chunk, const IpAddress& from, TimePoint now) {
  if (!rtx_) return;
  const bool active =
      state_ == AssociationState::kEstablished || state_ == AssociationState::kShutdownPending ||
      state_ == AssociationState::kShutdownReceived || state_ == AssociationState::kShutdownSent;
  if (!active) return;
  auto sack = wire::SackChunk::parse(chunk);
  if (!sack) {
    ++stats_.dropped_malformed_chunks;
    return;
  }
  ++stats_.sacks_received;
  std::vector<std::size_t> flight_before(paths_.size());
  for (std::size_t i = 0; i < paths_.size(); ++i) flight_before[i] = rtx_->outstanding_bytes(i);
  const auto r = rtx_->handle_sack(*sack, now);
  if (!r.accepted) {
    if (r.reject_reason) ++stats_.invalid_sacks;
    return;
  }
  apply_sack_result(r, flight_before, from, now);
}

void Association::apply_sack_result(const RetransmissionQueue::SackResult& r,
                                    const std::vector<std::size_t>& flight_before,
                                    std::optional<IpAddress> ack_from, TimePoint now) {
  const std::int64_t cum = tsn_unwrapper_.unwrap(rtx_->cumulative_ack());
  for (const auto& [path_index, bytes] : r.acked_bytes_per_path) {
    if (path_index >= paths_.size()) continue;
    const PathId id{static_cast<std::uint16_t>(path_index)};
    CongestionControl::SackInfo info;
    info.bytes_acked = bytes;
    info.flight_size_before = flight_before[path_index];
    info.flight_size_after = rtx_->outstanding_bytes(path_index);
    info.cumulative_tsn_advanced = r.cumulative_advanced;
    info.cumulative_tsn_ack = cum;
    paths_.path(id).congestion().on_sack(info);
    // §8.2: the path the data was last sent to is cleared of errors; an inactive one is revived
    // only by an acknowledgement from its own address (a late SACK arriving over another path
    // after a failover does not show that it works again).
    const bool revive = !ack_from || *ack_from == paths_.path(id).address();
    apply_path_update(paths_.on_data_acked(id, revive), now);
  }
  if (r.rtt_sample && r.rtt_sample->first < paths_.size()) {
    paths_.path(PathId{static_cast<std::uint16_t>(r.rtt_sample->first)})
        .rto()
        .on_rtt_sample(r.rtt_sample->second);
  }
  if (r.enter_fast_recovery && r.fast_recovery_path < paths_.size()) {
    ++stats_.fast_retransmissions;
    paths_.path(PathId{static_cast<std::uint16_t>(r.fast_recovery_path)})
        .congestion()
        .on_fast_retransmit(tsn_unwrapper_.peek(rtx_->highest_sent()));
  }
  // §6.3.2 R2/R3: restart T3 where data is still outstanding, stop it where none is left.
  for (std::size_t i = 0; i < t3_.size(); ++i) {
    const Duration rto = paths_.path(PathId{static_cast<std::uint16_t>(i)}).rto().rto();
    if (!rtx_->has_outstanding(i)) {
      t3_[i].stop();
    } else if (r.cumulative_advanced) {
      t3_[i].stop();
      t3_[i].start(now, rto);
    } else if (r.bytes_reneged > 0) {
      t3_[i].start_if_stopped(now, rto);
    }
  }
  if (send_blocked_ && send_queue_.buffered_bytes() < ctx_.options.send_buffer_limit / 2) {
    send_blocked_ = false;
    emit(SendBufferAvailable{id_});
  }
  maybe_progress_shutdown(now);
}

void Association::add_data(wire::PacketBuilder& builder, PathId path_id, TimePoint now) {
  Path& path = paths_.path(path_id);
  CongestionControl& cc = path.congestion();
  const std::size_t p = path_id.value;
  // A packet going elsewhere than the data path (a HEARTBEAT, or a SACK to where DATA came from)
  // carries no new data (§6.4: new data goes to the primary, or to the alternate failed over to),
  // and not even retransmissions when that destination is unconfirmed (§5.4) or inactive.
  const bool data_path = destination() == path_id;
  if (!data_path && !path.is_usable()) return;

  // Retransmissions first (§6.1 rule C... §7.2.4: fast retransmit may exceed cwnd once).
  if (rtx_->has_retransmissions()) {
    const std::size_t flight = rtx_->outstanding_bytes(p);
    std::size_t allowance = cc.send_allowance(flight);
    if (rtx_->fast_retransmit_ignores_cwnd()) allowance = builder.bytes_remaining();
    const std::size_t budget = std::min(builder.bytes_remaining(), allowance);
    if (budget > 0) {
      const Tsn first_outstanding(rtx_->cumulative_ack().value() + 1);
      bool resent_first = false;
      for (const wire::DataChunk& chunk : rtx_->take_retransmissions(budget, p, now)) {
        if (!builder.add(chunk)) break;
        ++stats_.retransmitted_chunks;
        resent_first = resent_first || chunk.tsn == first_outstanding;
      }
      // §7.2.4 step 4 / §6.3.2: T3 restarts when the first outstanding chunk is retransmitted.
      if (resent_first) t3_[p].stop();
      if (rtx_->has_outstanding(p)) t3_[p].start_if_stopped(now, path.rto().rto());
    }
    if (rtx_->has_retransmissions()) return;  // new data waits until retransmissions are out
    retransmit_to_.reset();
  }
  if (!data_path) return;
  if (state_ != AssociationState::kEstablished && state_ != AssociationState::kShutdownPending &&
      state_ != AssociationState::kShutdownReceived) {
    return;
  }
  path.apply_idle_decay(now);
  bool sent = false;
  // §7.2: new data may go while the flight is below cwnd; the packet that crosses it is sent
  // whole (cwnd may be exceeded by less than one MTU), so packets stay full.
  if (!cc.may_send(rtx_->outstanding_bytes(p))) return;
  while (!send_queue_.empty()) {
    const std::size_t room = builder.bytes_remaining();
    if (room < wire::DataChunk::kHeaderSize + 4) break;
    std::size_t max_payload = (room - wire::DataChunk::kHeaderSize) & ~std::size_t{3};
    const std::uint32_t rwnd = rtx_->peer_rwnd();
    if (rwnd == 0) {
      // §6.1 A: with a closed window, one chunk may probe it when nothing is in flight.
      if (rtx_->outstanding_bytes() > 0 || sent) break;
    } else if (rwnd < max_payload) {
      // Sender-side silly window avoidance (§6.1 and RFC 1122 §4.2.3.4): while data is in flight,
      // wait for the window to open by half a packet rather than send slivers of messages.
      if (rwnd < path.mtu() / 2 && rtx_->outstanding_bytes() > 0) break;
      max_payload = rwnd;
    }
    if (max_payload == 0) break;
    // §6.1: never more than 2^31 - 1 TSNs between the cumulative ack and the next TSN, so that the
    // peer can still tell new from old (serial arithmetic).
    const std::uint32_t span = rtx_->highest_sent().value() - rtx_->cumulative_ack().value();
    if (span >= 0x7FFFFFFFu) break;
    auto data = send_queue_.produce(now, max_payload);
    if (!data) break;
    const Tsn tsn = rtx_->add_sent(std::move(*data), p, now);
    tsn_unwrapper_.unwrap(tsn);
    const auto chunk = rtx_->chunk_for(tsn);
    if (!chunk || !builder.add(*chunk)) break;  // sized to fit: cannot happen
    ++stats_.data_chunks_sent;
    sent = true;
  }
  if (sent) {
    path.on_data_sent(now);
    t3_[p].start_if_stopped(now, path.rto().rto());
  }
}

void Association::on_t3_expired(PathId id, TimePoint now) {
  Timer& t3 = t3_[id.value];
  t3.fired();
  ++stats_.t3_expirations;
  if (!rtx_ || !rtx_->has_outstanding(id.value)) return;
  rtx_->on_t3_expired(id.value);
  apply_path_update(paths_.on_retransmission_timeout(id), now);
  if (closed()) return;
  // §6.4: retransmit what timed out to another active destination when the peer has one.
  const auto alternate = paths_.retransmission_path(id);
  retransmit_to_ = alternate && *alternate != id ? alternate : std::nullopt;
  // The retransmission goes out with the next packet; T3 restarts when it is sent.
}

void Association::expire_messages(TimePoint now) {
  auto expired = send_queue_.take_expired(now);
  if (!expired.empty()) emit(SendFailed{id_, std::move(expired), "message lifetime expired"});
}

bool Association::all_data_acked() const {
  return send_queue_.empty() && (!rtx_ || (rtx_->empty() && !rtx_->has_retransmissions()));
}

std::vector<UnsentMessage> Association::take_undelivered() {
  std::vector<UnsentMessage> out;
  if (rtx_) out = rtx_->drain_unacked();
  for (HeldMessage& m : held_) {
    out.push_back(UnsentMessage{m.stream, m.ppid, m.options.unordered, std::move(m.payload), 0});
  }
  held_.clear();
  held_bytes_ = 0;
  for (UnsentMessage& m : send_queue_.drain()) {
    const bool known = std::any_of(out.begin(), out.end(), [&m](const UnsentMessage& u) {
      return u.message_id == m.message_id;
    });
    if (!known) out.push_back(std::move(m));
  }
  // Key-management messages were never the application's (porfiri §4).
  if (km_) {
    std::erase_if(out, [](const UnsentMessage& m) {
      return m.stream.value() == 0 && m.ppid.value() == kKeyManagementPpid;
    });
  }
  return out;
}

}  // namespace sctps::core
