// The DTLS chunk in an association (draft-ietf-tsvwg-sctp-dtls-chunk): applying the negotiation of
// §5.1, the protection operator on every packet (§5.2), the key-management method behind it, and
// holding application messages until protection is in place.
//
// Readings the engine relies on (method 0 per specs README reading #5; TLS per the porfiri draft):
// - COOKIE ECHO and COOKIE ACK of the initial handshake travel in clear and alone, also once the
//   sender has keys: the peer has none before it is ESTABLISHED. For the same reason an
//   unprotected COOKIE ECHO that only repeats the handshake (tags match, §5.2.4 action D) is still
//   accepted after protection is required, until the first protected packet from the peer shows it
//   has its keys. Any other unprotected packet but INIT / INIT ACK is dropped then (§5.2, §7.9),
//   so a restart by plain COOKIE ECHO is impossible (§5.4 last paragraph).
// - Application messages sent while the DTLS chunk may still be agreed are held, not sent in
//   clear, and go out once the key manager reports protection (or at once when the negotiation ends
//   without protection in loose mode).
#include <fmt/format.h>

#include <algorithm>

#include "core/association/association.h"
#include "wire/chunk_type.h"
#include "wire/data_chunk.h"

namespace sctps::core {

namespace {

std::string_view dtls_cause_text(std::uint16_t code) {
  namespace cc = wire::cause_code;
  switch (code) {
    case cc::kMissingDtlsChunkSupport: return "peer does not support the DTLS chunk";
    case cc::kNoCommonDtlsKeyManagement: return "no common key-management method";
    case cc::kDtlsKeyManagementTieBreakerCollision: return "equal tie breakers";
    case cc::kIncompatibleDtlsKeyManagementRoles: return "incompatible key-management roles";
    default: return "DTLS chunk negotiation failed";
  }
}

}  // namespace

Duration Association::failure_time() const {
  // T_fail (porfiri §6.2.3): the retransmission timer doubling from RTO.Initial up to RTO.Max,
  // once per allowed retransmission plus the last one that gives up.
  Duration total{};
  Duration rto = ctx_.options.rto_initial;
  for (int i = 0; i <= ctx_.options.max_association_retransmits; ++i) {
    total += rto;
    rto = std::min(rto * 2, ctx_.options.rto_max);
  }
  return total;
}

std::string_view to_string(Protection protection) {
  switch (protection) {
    case Protection::kOff: return "off";
    case Protection::kPending: return "pending";
    case Protection::kUnprotectedLoose: return "unprotected (loose)";
  }
  return "?";
}

void Association::prepare_dtls_parameter() {
  const DtlsChunkConfig& config = ctx_.options.dtls;
  if (!config.enabled || !config.valid()) return;
  dtls_sent_ = make_local_parameter(config, *ctx_.random);
}

bool Association::apply_dtls(const NegotiationResult& result, TimePoint now) {
  dtls_ = result;
  dtls_known_ = true;
  switch (result.outcome) {
    case DtlsOutcome::kDisabled:
    case DtlsOutcome::kUnprotectedLoose: return true;
    case DtlsOutcome::kAbort: {
      const wire::ErrorCause cause = dtls_abort_cause(result.cause);
      send_abort(std::span(&cause, 1));
      fail(DownReason::kCannotStart, fmt::format("DTLS chunk negotiation: {} (cause {})",
                                                 dtls_cause_text(result.cause), result.cause));
      return false;
    }
    case DtlsOutcome::kProtected: break;
  }
  protector_.emplace(ctx_.options.protection);
  protector_->set_verification_tags(local_tag_.value(), peer_tag_.value());
  if (ctx_.key_log != nullptr && *ctx_.key_log) protector_->set_key_log(*ctx_.key_log);
  std::string error = "no key management configured";
  if (ctx_.key_managers != nullptr) {
    KeyManagementAgreement agreement;
    agreement.association = id_;
    agreement.method = result.method;
    agreement.role = result.role;
    agreement.restart = result.restart;
    agreement.downgrade_data = result.downgrade_data;
    agreement.peer_addresses = peer_addresses();
    agreement.peer_port = peer_port_;
    agreement.local_port = ctx_.local_port;
    agreement.failure_time = failure_time();
    km_ = ctx_.key_managers->create(agreement, error);
  }
  if (!km_) {
    abort(fmt::format("key management method {}: {}", result.method, error), now);
    return false;
  }
  return true;
}

void Association::start_key_management(TimePoint now) {
  if (km_ && protector_) km_->start(*protector_, now);
  drive_key_management(now);
}

bool Association::holding_messages() const {
  if (!ctx_.options.dtls.enabled || protection_announced_) return false;
  // Before the negotiation the DTLS chunk may still be agreed; after it, hold only if agreed.
  return !dtls_known_ || dtls_.is_protected();
}

void Association::drive_key_management(TimePoint now) {
  if (km_ && protector_ && !closed()) {
    while (auto event = protector_->poll_limit_event()) km_->on_limit(*event, *protector_, now);
    if (protection_announced_) km_->on_traffic(*protector_, now);
    if (km_->state() == KeyManagerState::kFailed) {
      fail_key_management(now);
      return;
    }
    while (auto message = km_->poll_message()) {
      SendOptions options;
      options.ignore_limit = true;
      options.urgent = true;
      const SendStatus s = send_queue_.enqueue(StreamId(0), Ppid(kKeyManagementPpid),
                                               std::move(*message), options, now, next_message_id_);
      if (s == SendStatus::kOk) {
        ++next_message_id_;
        ++stats_.key_management_messages_sent;
      }
    }
    switch (km_->state()) {
      case KeyManagerState::kPending: break;
      case KeyManagerState::kProtected:
        if (!protection_announced_) {
          protection_announced_ = true;
          if (const protect::CipherSuite* suite = km_->cipher_suite()) {
            stats_.cipher_suite = suite->id;
          }
          emit(ProtectionEstablished{id_, dtls_.method, km_->epoch(), km_->resumed()});
        }
        while (auto t = km_->poll_transition()) {
          ++stats_.rekeys;
          emit(KeysRotated{id_, t->epoch, t->took, t->initiated_locally});
        }
        stats_.key_epoch = km_->epoch();
        break;
      case KeyManagerState::kFailed: return;  // checked above
    }
  }
  if (!held_.empty() && !holding_messages()) release_held_messages(now);
}

// Porfiri §7: the TLS alert of a failed handshake reaches the peer in a key-management message, and
// the association is aborted. RFC 9260 §3.3.7 keeps DATA out of an ABORT's packet, so the messages
// the key manager still holds (the alert, after whatever else its last input produced) go as DATA
// in one packet of their own, queued ahead of the ABORT. It is the association's last packet: it
// ignores cwnd and rwnd and is never retransmitted. When it cannot go at once (no data state, more
// than one packet), the ABORT goes without it: the abort is never delayed.
void Association::fail_key_management(TimePoint now) {
  const bool data_state = state_ == AssociationState::kEstablished ||
                          state_ == AssociationState::kShutdownPending ||
                          state_ == AssociationState::kShutdownReceived;
  std::vector<std::vector<std::uint8_t>> parting;
  while (auto message = km_->poll_message()) parting.push_back(std::move(*message));
  // Closes the association: the send and retransmission queues are drained (their messages go
  // to the application as undelivered), so nothing else can follow the alert.
  abort(fmt::format("key management failed: {}", km_->failure()), now);
  const std::optional<PathId> dest = destination();
  if (parting.empty() || !data_state || !rtx_ || !dest || control_.empty()) return;

  const std::size_t overhead = protector_->has_send_key() ? protector_->overhead() : 0;
  const std::size_t mtu = paths_.path(*dest).mtu();
  if (mtu <= wire::CommonHeader::kSize + overhead) return;
  const std::size_t budget = mtu - wire::CommonHeader::kSize - overhead;
  PendingControl pc;
  pc.alone = true;
  Tsn tsn = rtx_->next_tsn();
  for (std::vector<std::uint8_t>& message : parting) {
    // Through the (now empty) send queue so that the ordered message takes stream 0's next SSN
    // (porfiri §4: in-order delivery on stream 0).
    if (send_queue_.enqueue(StreamId(0), Ppid(kKeyManagementPpid), std::move(message),
                            SendOptions{}, now, next_message_id_) != SendStatus::kOk) {
      return;
    }
    ++next_message_id_;
    const std::size_t used = pc.bytes.size() + wire::DataChunk::kHeaderSize;
    if (used >= budget) return;
    const auto data = send_queue_.produce(now, budget - used);
    if (!data || !data->beginning || !data->ending) return;  // does not fit: not sent at all
    const wire::DataChunk chunk = RetransmissionQueue::make_chunk(*data, tsn);
    const std::size_t start = pc.bytes.size();
    pc.bytes.resize(start + wire::padded4(chunk.encoded_size()));
    wire::ByteWriter w(std::span(pc.bytes).subspan(start));
    chunk.encode(w);
    if (w.overflowed()) return;
    tsn = Tsn(tsn.value() + 1);
  }
  if (pc.bytes.size() > budget) return;
  stats_.key_management_messages_sent += parting.size();
  stats_.data_chunks_sent += parting.size();
  control_.push_front(std::move(pc));
}

void Association::release_held_messages(TimePoint now) {
  const bool data_state =
      state_ == AssociationState::kEstablished || state_ == AssociationState::kShutdownPending;
  if (!data_state) return;
  std::vector<UnsentMessage> refused;
  while (!held_.empty()) {
    HeldMessage& m = held_.front();
    const std::size_t size = m.payload.size();
    if (m.stream.value() >= send_queue_.outbound_streams()) {
      // The peer accepted fewer streams than we asked for (§5.1.1): the message cannot be sent.
      refused.push_back(
          UnsentMessage{m.stream, m.ppid, m.options.unordered, std::move(m.payload), 0});
    } else {
      if (!send_queue_.empty() &&
          send_queue_.buffered_bytes() + size > ctx_.options.send_buffer_limit) {
        break;  // retried at the next input, once the queue drained
      }
      SendOptions options = m.options;
      options.ignore_limit = true;  // checked above
      if (send_queue_.enqueue(m.stream, m.ppid, std::move(m.payload), options, now,
                              next_message_id_) == SendStatus::kOk) {
        ++next_message_id_;
      }
    }
    held_bytes_ -= size;
    held_.pop_front();
  }
  if (!refused.empty()) {
    emit(SendFailed{id_, std::move(refused), "stream id beyond the streams the peer accepts"});
  }
}

bool Association::is_key_management_message(const ReceivedMessage& m) const {
  return km_ != nullptr && m.stream.value() == 0 && m.ppid.value() == kKeyManagementPpid;
}

bool Association::rekey(TimePoint now) {
  if (!km_ || !protector_ || closed()) return false;
  const bool started = km_->rekey(*protector_, now);
  drive_key_management(now);
  return started;
}

bool Association::accept_unprotected(const wire::PacketView& view) {
  if (!protector_ || !protector_->protection_required()) return true;
  const std::uint8_t first = view.first_chunk().type;
  if (protector_->accepts_unprotected(first)) return true;
  if (first == wire::chunk_type::kCookieEcho && !protected_received_ &&
      view.header().verification_tag == local_tag_) {
    return true;  // the peer may not have its keys yet (file comment); only action D can follow
  }
  protector_->count_unprotected_drop();
  return false;
}

void Association::handle_protected_packet(wire::MutableBytes packet, const wire::PacketView& view,
                                          const IpAddress& from, const IpAddress& to,
                                          TimePoint now) {
  if (closed()) return;
  if (view.header().verification_tag != local_tag_) {  // §8.5; no T bit on a DTLS chunk
    ++stats_.dropped_wrong_tag;
    return;
  }
  if (!protector_) {
    ++stats_.dropped_protected_without_keys;
    return;
  }
  // Work the method put off until its messages left (key installs) may be due, and this packet
  // may need its keys: the peer can answer before our timer runs.
  if (km_ && km_->next_deadline() <= now) {
    km_->advance_time(*protector_, now);
    drive_key_management(now);
    if (closed()) return;
  }
  const protect::OpenResult opened = protector_->open(packet);
  if (!opened.ok()) {
    drive_key_management(now);  // failures count towards the integrity limit
    return;
  }
  auto inner = wire::PacketView::with_chunks(view.header(), packet, opened.chunks);
  if (!inner) return;  // open() guarantees at least one chunk
  protected_received_ = true;
  handle_packet(*inner, from, to, true, now);
  drive_key_management(now);
}

bool Association::seal_packet(wire::MutableBytes buffer, std::size_t& size, std::size_t capacity,
                              TimePoint now) {
  const protect::SealResult r = protector_->seal(buffer, size, capacity);
  if (!r.ok()) {
    if (r.error == protect::SealError::kLimitReached ||
        r.error == protect::SealError::kSequenceExhausted) {
      // RFC 9147 §4.5.3: never past the limit. A method that could rekey was told at the
      // warning level (on_limit); with none left, the association cannot go on.
      fail(DownReason::kLocalAbort,
           fmt::format("send key exhausted ({}) and no new key installed", to_string(r.error)));
    }
    return false;
  }
  size = r.length;
  drive_key_management(now);  // a limit warning may have been raised
  return true;
}

}  // namespace sctps::core
