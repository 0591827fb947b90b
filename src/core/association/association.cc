#include "core/association/association.h"

#include <algorithm>

#include "wire/abort_chunk.h"
#include "wire/any_chunk.h"
#include "wire/chunk_type.h"
#include "wire/error_chunk.h"

namespace sctps::core {

std::string_view to_string(AssociationState state) {
  switch (state) {
    case AssociationState::kCookieWait: return "COOKIE-WAIT";
    case AssociationState::kCookieEchoed: return "COOKIE-ECHOED";
    case AssociationState::kEstablished: return "ESTABLISHED";
    case AssociationState::kShutdownPending: return "SHUTDOWN-PENDING";
    case AssociationState::kShutdownSent: return "SHUTDOWN-SENT";
    case AssociationState::kShutdownReceived: return "SHUTDOWN-RECEIVED";
    case AssociationState::kShutdownAckSent: return "SHUTDOWN-ACK-SENT";
    case AssociationState::kClosed: return "CLOSED";
  }
  return "?";
}

std::string_view to_string(DownReason reason) {
  switch (reason) {
    case DownReason::kShutdown: return "shutdown complete";
    case DownReason::kPeerAborted: return "aborted by peer";
    case DownReason::kLocalAbort: return "aborted locally";
    case DownReason::kCommunicationLost: return "communication lost";
    case DownReason::kCannotStart: return "association could not be established";
  }
  return "?";
}

namespace {

PathManagerConfig path_config(const AssociationOptions& o) {
  PathManagerConfig c;
  c.path.mtu = o.mtu;
  c.path.rto.initial = o.rto_initial;
  c.path.rto.min = o.rto_min;
  c.path.rto.max = o.rto_max;
  c.path.congestion.max_burst = static_cast<std::size_t>(std::max(o.max_burst, 0));
  c.path.max_retrans = o.max_path_retransmits;
  c.path.heartbeat_interval = o.heartbeat_interval;
  c.path.heartbeat_enabled = o.heartbeats_enabled;
  c.association_max_retrans = o.max_association_retransmits;
  return c;
}

}  // namespace

Association::Association(AssocId id, EndpointContext& ctx, std::uint16_t peer_port, TimePoint)
    : id_(id),
      ctx_(ctx),
      peer_port_(peer_port),
      paths_(path_config(ctx.options), *ctx.random),
      send_queue_(ctx.options.send_buffer_limit, ctx.options.outbound_streams) {}

std::vector<IpAddress> Association::peer_addresses() const {
  std::vector<IpAddress> out;
  for (const Path& p : paths_.paths()) out.push_back(p.address());
  return out;
}

void Association::set_state(AssociationState state, std::string_view) {
  state_ = state;
  if (state == AssociationState::kEstablished) {
    // The INIT and COOKIE ECHO as sent serve only T1 retransmission (§5.1.6), which ends here;
    // send_init() and on_init_ack() encode them afresh whenever T1 runs again. Their memory goes
    // back (issue #6: an idle association keeps no handshake buffers).
    std::vector<std::uint8_t>().swap(init_chunk_);
    std::vector<std::uint8_t>().swap(cookie_echo_chunk_);
  }
}

void Association::emit(Event event) {
  ctx_.events->push_back(std::move(event));
}

void Association::queue_error(std::span<const wire::ErrorCause> causes,
                              std::optional<PathId> path) {
  std::vector<std::uint8_t> buf(wire::error_causes_encoded_size(causes));
  wire::ErrorChunk error;
  const auto block = wire::encode_error_causes(causes, buf);
  if (!block) return;
  error.causes = *block;
  queue_control(error, path);
}

PathId Association::path_for(const IpAddress& address) const {
  if (auto p = paths_.find(address)) return *p;
  return paths_.primary().value_or(PathId{0});
}

std::optional<PathId> Association::destination() const {
  if (auto p = paths_.data_path()) return p;
  return paths_.primary();
}

// §8.5.1: INIT carries tag 0; a chunk with the T bit carries the tag the peer's packet had (ours).
wire::CommonHeader Association::header(bool zero_tag, bool reflected) const {
  wire::CommonHeader h;
  h.source_port = ctx_.local_port;
  h.destination_port = peer_port_;
  h.verification_tag = zero_tag ? VerificationTag(0) : reflected ? local_tag_ : peer_tag_;
  return h;
}

// §8.5 and §8.5.1: which verification tag a packet must carry.
bool Association::verification_tag_ok(const wire::PacketView& packet) const {
  const VerificationTag tag = packet.header().verification_tag;
  const wire::ChunkView& first = packet.first_chunk();
  const bool reflected_allowed =
      first.type == wire::chunk_type::kAbort || first.type == wire::chunk_type::kShutdownComplete;
  if (reflected_allowed && (first.flags & 0x01) != 0) return tag == peer_tag_;
  return tag == local_tag_;
}

void Association::handle_packet(const wire::PacketView& packet, const IpAddress& from,
                                const IpAddress& to, bool is_protected, TimePoint now,
                                std::size_t first_chunk) {
  if (closed()) return;
  if (first_chunk == 0 && !verification_tag_ok(packet)) {
    ++stats_.dropped_wrong_tag;
    return;
  }
  ++stats_.packets_received;
  const PathId from_path = path_for(from);
  if (from_path.value < local_address_for_path_.size())
    local_address_for_path_[from_path.value] = to;

  received_data_in_packet_ = false;
  std::size_t index = 0;
  bool stop = false;
  for (const wire::ChunkView& chunk : packet) {
    if (stop || closed()) break;
    if (index++ < first_chunk) continue;
    namespace ct = wire::chunk_type;
    switch (chunk.type) {
      case ct::kData: on_data(chunk, from, is_protected, now, stop); break;
      case ct::kSack: on_sack(chunk, from, now); break;
      case ct::kInitAck: on_init_ack(chunk, from, now); break;
      case ct::kCookieAck: on_cookie_ack(now); break;
      case ct::kHeartbeat: on_heartbeat(chunk, from); break;
      case ct::kHeartbeatAck: on_heartbeat_ack(chunk, now); break;
      case ct::kShutdown: on_shutdown(chunk, now); break;
      case ct::kShutdownAck: on_shutdown_ack(now); break;
      case ct::kShutdownComplete: on_shutdown_complete(now); break;
      case ct::kAbort: on_abort(chunk); break;
      case ct::kError: on_error(chunk, now); break;
      case ct::kPad: break;  // RFC 4820: ignored by the receiver
      case ct::kInit:        // handled by the endpoint; never bundled (§6.10)
      case ct::kCookieEcho:  // handled by the endpoint; only as the first chunk
        break;
      default: {
        // Chunks of extensions we did not negotiate are treated as unrecognized (§3.2).
        const wire::UnknownAction action = wire::unknown_chunk_action(chunk.type);
        ++stats_.unrecognized_chunks;
        if (wire::must_report(action)) report_unrecognized_chunk(chunk);
        if (wire::stops_processing(action)) stop = true;
        break;
      }
    }
  }
  if (received_data_in_packet_ && tracker_) {
    // §5.1 D: DATA bundled with a COOKIE ECHO is acknowledged at once.
    if (first_chunk > 0) tracker_->request_immediate_sack();
    tracker_->on_packet_end(now);
    deliver_messages(now);
    // §9.2: DATA arriving in SHUTDOWN-SENT is acknowledged at once and the SHUTDOWN repeated.
    if (state_ == AssociationState::kShutdownSent) {
      tracker_->request_immediate_sack();
      send_shutdown(now);
    }
  }
  drive_key_management(now);
}

void Association::report_unrecognized_chunk(const wire::ChunkView& chunk) {
  const wire::ErrorCause cause = wire::UnrecognizedChunkTypeCause{chunk.whole};
  queue_error(std::span(&cause, 1));
}

void Association::protocol_violation(std::string_view what, TimePoint) {
  const std::vector<std::uint8_t> info(what.begin(), what.end());
  const wire::ErrorCause cause = wire::ProtocolViolationCause{info};
  send_abort(std::span(&cause, 1));
  fail(DownReason::kLocalAbort, std::string("protocol violation: ") + std::string(what));
}

void Association::advance_time(TimePoint now) {
  if (closed()) return;
  if (km_ && protector_) {
    km_->advance_time(*protector_, now);
    drive_key_management(now);
    if (closed()) return;
  }
  if (t1_.due(now)) on_t1_expired(now);
  if (t2_.due(now)) on_t2_expired(now);
  if (t5_.due(now)) {
    t5_.fired();
    send_abort({});
    fail(DownReason::kLocalAbort, "T5-shutdown-guard expired");
    return;
  }
  for (std::size_t i = 0; i < t3_.size() && !closed(); ++i) {
    if (t3_[i].due(now)) on_t3_expired(PathId{static_cast<std::uint16_t>(i)}, now);
  }
  if (closed()) return;
  if (tracker_ && tracker_->ack_deadline() <= now) tracker_->on_timeout(now);
  run_heartbeats(now);
  expire_messages(now);
}

TimePoint Association::next_deadline() const {
  if (closed()) return kTimeInfinite;
  TimePoint t = std::min({t1_.deadline(), t2_.deadline(), t5_.deadline()});
  for (const Timer& timer : t3_) t = std::min(t, timer.deadline());
  if (tracker_) t = std::min(t, tracker_->ack_deadline());
  if (paths_.heartbeats_started()) t = std::min(t, paths_.next_heartbeat_deadline());
  if (auto e = send_queue_.next_expiry()) t = std::min(t, *e);
  if (km_) t = std::min(t, km_->next_deadline());
  return t;
}

std::optional<Transmit> Association::poll_transmit(wire::MutableBytes buffer, TimePoint now) {
  if (paths_.empty()) return std::nullopt;
  const bool data_state = state_ == AssociationState::kEstablished ||
                          state_ == AssociationState::kShutdownPending ||
                          state_ == AssociationState::kShutdownReceived;
  const bool sack_state = data_state || state_ == AssociationState::kShutdownSent;

  // Where this packet goes: the first queued control chunk decides, otherwise the data path, or
  // for a lone SACK the address the DATA came from (§6.4).
  std::optional<PathId> dest;
  if (!control_.empty()) {
    dest = control_.front().path ? control_.front().path : destination();
  } else if (sack_state && tracker_ && tracker_->sack_due() && last_data_from_) {
    // §6.4: a SACK goes where the DATA came from, unless that address is unconfirmed (§5.4).
    dest = paths_.path(*last_data_from_).is_confirmed() ? last_data_from_ : destination();
  } else if (retransmit_to_ && data_state && rtx_ && rtx_->has_retransmissions() &&
             paths_.path(*retransmit_to_).is_usable()) {
    dest = retransmit_to_;  // §6.4: what timed out goes to an alternate destination
  } else {
    dest = destination();
  }
  if (!dest) return std::nullopt;
  Path& path = paths_.path(*dest);
  const std::size_t capacity = std::min(buffer.size(), path.mtu());

  const bool zero_tag = !control_.empty() && control_.front().with_zero_tag;
  const bool reflected = !control_.empty() && control_.front().tag_reflected;
  // With a send key every packet is sealed into one DTLS chunk (draft §5.2), except the chunks
  // that travel in clear, which then go alone; the chunks leave room for the DTLS overhead.
  const bool sealing = protector_ && protector_->has_send_key();
  const bool clear_first = !control_.empty() && !control_.front().bytes.empty() &&
                           travels_in_clear(control_.front().bytes[0]);
  const bool seal = sealing && !clear_first;
  const bool alone = zero_tag || reflected || (sealing && clear_first) ||
                     (!control_.empty() && control_.front().alone);
  const std::size_t overhead = seal ? protector_->overhead() : 0;
  if (capacity <= overhead + wire::CommonHeader::kSize) return std::nullopt;
  wire::CommonHeader h = header(zero_tag, reflected);
  wire::PacketBuilder builder(buffer.first(capacity - overhead), h);
  bool oversized = false;

  // Control chunks first (§6.10); INIT goes alone, and so does a chunk with a reflected tag.
  while (!control_.empty()) {
    const PendingControl& pc = control_.front();
    if (pc.path && *pc.path != *dest) break;
    if (pc.with_zero_tag != zero_tag || pc.tag_reflected != reflected) break;
    if (!builder.empty() && (alone || pc.alone)) break;
    if (sealing && !pc.bytes.empty() && travels_in_clear(pc.bytes[0]) && !builder.empty()) break;
    // §6.5: an ERROR bundled with a SACK follows it (the SACK acknowledges the DATA reported).
    if (!pc.bytes.empty() && pc.bytes[0] == wire::chunk_type::kError && !zero_tag && !reflected &&
        sack_state && tracker_ && tracker_->sack_pending()) {
      add_sack(builder);
    }
    if (!builder.add_encoded(pc.bytes)) {
      if (builder.empty()) {
        // Larger than the path MTU even alone (a COOKIE ECHO at a tiny MTU, a large ERROR): sent
        // by itself in a larger packet, left to IP fragmentation, rather than never.
        if (wire::CommonHeader::kSize + pc.bytes.size() + overhead <= buffer.size()) {
          builder = wire::PacketBuilder(buffer.first(buffer.size() - overhead), h);
          oversized = builder.add_encoded(pc.bytes);
          ++stats_.oversized_packets;
        } else {
          ++stats_.dropped_oversized_chunks;
        }
        control_.pop_front();
      }
      break;
    }
    control_.pop_front();
  }
  if (!alone && !oversized) {
    // A SACK goes when due (§6.2), and rides along for free whenever the packet carries anything
    // else; it never goes alone just because something is unacknowledged (that is delayed ack).
    if (sack_state && tracker_ && tracker_->sack_pending()) {
      const bool data_ready = data_state && rtx_ &&
                              (rtx_->has_retransmissions() ||
                               (!send_queue_.empty() &&
                                path.congestion().may_send(rtx_->outstanding_bytes(dest->value))));
      if (tracker_->sack_due() || !builder.empty() || data_ready) add_sack(builder);
    }
    if (data_state && rtx_) add_data(builder, *dest, now);
  }
  if (builder.empty()) return std::nullopt;
  std::size_t size = (seal ? builder.finish_unchecksummed() : builder.finish()).size();
  if (seal && !seal_packet(buffer, size, oversized ? buffer.size() : capacity, now)) {
    return std::nullopt;
  }
  ++stats_.packets_sent;
  Transmit t;
  t.size = size;
  t.to = path.address();
  if (dest->value < local_address_for_path_.size()) t.from = local_address_for_path_[dest->value];
  return t;
}

SendStatus Association::send(StreamId stream, Ppid ppid, std::vector<std::uint8_t> payload,
                             const SendOptions& options, TimePoint now) {
  // §9.2: once shutdown has begun, no new data is accepted from the application.
  if (state_ == AssociationState::kClosed) return SendStatus::kClosed;
  if (shutdown_requested_ ||
      (state_ != AssociationState::kCookieWait && state_ != AssociationState::kCookieEchoed &&
       state_ != AssociationState::kEstablished)) {
    return SendStatus::kShuttingDown;
  }
  if (ctx_.options.dtls.enabled && stream.value() == 0 && ppid.value() == kKeyManagementPpid) {
    return SendStatus::kReservedPpid;  // the peer would hand it to key management
  }
  if (holding_messages()) {
    // Not sent in clear while the DTLS chunk may be (or is) agreed: held until protected.
    if (payload.empty()) return SendStatus::kEmptyMessage;
    if (stream.value() >= ctx_.options.outbound_streams) return SendStatus::kInvalidStream;
    const std::size_t queued = held_bytes_ + send_queue_.buffered_bytes();
    if (queued > 0 && queued + payload.size() > ctx_.options.send_buffer_limit) {
      send_blocked_ = true;
      return SendStatus::kWouldBlock;
    }
    held_bytes_ += payload.size();
    held_.push_back(HeldMessage{stream, ppid, std::move(payload), options});
    ++stats_.messages_sent;
    ++stats_.held_messages;
    return SendStatus::kOk;
  }
  const SendStatus s =
      send_queue_.enqueue(stream, ppid, std::move(payload), options, now, next_message_id_);
  if (s == SendStatus::kOk) {
    ++next_message_id_;
    ++stats_.messages_sent;
  } else if (s == SendStatus::kWouldBlock) {
    send_blocked_ = true;
  }
  return s;
}

AssociationStats Association::stats() const {
  AssociationStats s;
  static_cast<AssociationCounters&>(s) = stats_;
  if (rtx_) {
    s.peer_rwnd = rtx_->peer_rwnd();
    s.outstanding_bytes = rtx_->outstanding_bytes();
  }
  s.send_buffer_bytes = send_queue_.buffered_bytes() + held_bytes_;
  if (protector_) s.protection = protector_->stats();
  const auto primary = paths_.primary();
  for (const Path& p : paths_.paths()) {
    PathStats ps;
    ps.address = p.address();
    ps.active = p.is_active();
    ps.confirmed = p.is_confirmed();
    ps.primary = primary && *primary == p.id();
    ps.srtt = p.rto().srtt();
    ps.rto = p.rto().rto();
    ps.cwnd = p.congestion().cwnd();
    ps.ssthresh = p.congestion().ssthresh();
    ps.flight_size = rtx_ ? rtx_->outstanding_bytes(p.id().value) : 0;
    ps.mtu = p.mtu();
    s.paths.push_back(ps);
  }
  return s;
}

}  // namespace sctps::core
