// Association establishment (RFC 9260 §5.1, §5.2): the active side's INIT / COOKIE ECHO with
// T1-init and T1-cookie, the passive side's creation from an authenticated State Cookie, and the
// collision and restart cases of §5.2.4.
#include <algorithm>

#include "core/association/association.h"
#include "wire/cookie_chunks.h"
#include "wire/init_chunk.h"

namespace sctps::core {

LocalInitParameters Association::local_init_parameters() const {
  LocalInitParameters local;
  local.addresses = ctx_.local_addresses;
  local.cookie_preservative_ms = cookie_preservative_ms_;
  local.dtls_km = dtls_sent_;  // draft §4.1; never with SCTP-AUTH parameters (§3.2): we send none
  return local;
}

void Association::ensure_path_slots() {
  t3_.resize(paths_.size());
  local_address_for_path_.resize(paths_.size());
}

std::unique_ptr<Association> Association::connect(AssocId id, EndpointContext& ctx,
                                                  const std::vector<IpAddress>& remote,
                                                  std::uint16_t remote_port, TimePoint now) {
  std::unique_ptr<Association> a(new Association(id, ctx, remote_port, now));
  a->local_tag_ = VerificationTag(ctx.random->next_nonzero_u32());
  a->local_initial_tsn_ = Tsn(ctx.random->next_u32());
  // §5.4 rule 1: addresses the application gave us are confirmed.
  for (const IpAddress& address : remote) a->paths_.add_path(address, true, now);
  a->ensure_path_slots();
  a->prepare_dtls_parameter();
  a->send_init(now);
  return a;
}

void Association::send_init(TimePoint now) {
  wire::InitChunk init;
  init.initiate_tag = local_tag_;
  init.a_rwnd = ctx_.options.receive_window;
  init.outbound_streams = ctx_.options.outbound_streams;
  init.inbound_streams = ctx_.options.max_inbound_streams;
  init.initial_tsn = local_initial_tsn_;
  const auto params =
      build_init_parameters(local_init_parameters()).value_or(std::vector<std::uint8_t>{});
  init.parameters = params;
  init_chunk_.assign(wire::padded4(init.encoded_size()), 0);
  wire::ByteWriter w(init_chunk_);
  init.encode(w);
  init_chunk_.resize(w.size());

  control_.clear();
  PendingControl pc;
  pc.bytes = init_chunk_;
  pc.path = paths_.primary();
  pc.with_zero_tag = true;  // §8.5.1: INIT carries tag 0
  control_.push_back(std::move(pc));
  set_state(AssociationState::kCookieWait, "INIT sent");
  t1_.stop();
  t1_.start(now, paths_.path(paths_.primary().value_or(PathId{0})).rto().rto());
}

void Association::on_t1_expired(TimePoint now) {
  t1_.fired();
  if (t1_.expirations() > ctx_.options.max_init_retransmits) {
    fail(DownReason::kCannotStart, state_ == AssociationState::kCookieWait
                                       ? "no INIT ACK after Max.Init.Retransmits"
                                       : "no COOKIE ACK after Max.Init.Retransmits");
    return;
  }
  // §5.1.6: retransmit and back off; try the peer's other confirmed addresses in turn (§5.4: never
  // an unconfirmed one).
  std::vector<PathId> confirmed;
  for (const Path& p : paths_.paths()) {
    if (p.is_confirmed()) confirmed.push_back(p.id());
  }
  const PathId to = confirmed.empty()
                        ? paths_.primary().value_or(PathId{0})
                        : confirmed[static_cast<std::size_t>(t1_.expirations()) % confirmed.size()];
  Path& path = paths_.path(to);
  path.rto().back_off();
  PendingControl pc;
  pc.path = to;
  if (state_ == AssociationState::kCookieWait) {
    pc.bytes = init_chunk_;
    pc.with_zero_tag = true;
  } else {
    pc.bytes = cookie_echo_chunk_;
  }
  control_.push_back(std::move(pc));
  t1_.start(now, path.rto().rto());
}

void Association::setup_data_state(Tsn peer_initial_tsn, std::uint32_t peer_a_rwnd,
                                   std::uint16_t outbound_streams, std::uint16_t inbound_streams) {
  peer_initial_tsn_ = peer_initial_tsn;
  outbound_streams_ = outbound_streams;
  inbound_streams_ = inbound_streams;
  tracker_.emplace(peer_initial_tsn, ctx_.options.delayed_ack_timeout,
                   ctx_.options.packets_per_ack);
  reassembly_.emplace(inbound_streams, ctx_.options.max_message_size);
  rtx_.emplace(local_initial_tsn_);
  rtx_->set_peer_rwnd(peer_a_rwnd);
  tsn_unwrapper_.reset();
  tsn_unwrapper_.unwrap(local_initial_tsn_);
  for (const Path& p : paths_.paths()) paths_.path(p.id()).congestion().reset(peer_a_rwnd);
  auto dropped = send_queue_.set_outbound_streams(outbound_streams);
  if (!dropped.empty()) {
    emit(SendFailed{id_, std::move(dropped), "stream id beyond the streams the peer accepts"});
  }
}

// §5.4: `from` is confirmed only when the caller says so (the address our INIT ACK went to, rule
// 2); an INIT ACK arriving from a new address does not confirm it.
void Association::adopt_peer(const InitParameterScan& scan, const IpAddress& from, bool confirmed,
                             TimePoint now) {
  paths_.add_path(from, confirmed, now);
  for (const IpAddress& address : scan.addresses) paths_.add_path(address, address == from, now);
  ensure_path_slots();
}

void Association::on_init_ack(const wire::ChunkView& chunk, const IpAddress& from, TimePoint now) {
  if (state_ != AssociationState::kCookieWait) return;  // §5.2.3: discard
  auto ack = wire::InitAckChunk::parse(chunk);
  if (!ack) {
    ++stats_.dropped_malformed_chunks;
    return;
  }
  if (ack->a_rwnd < kMinimumAdvertisedWindow) {  // §3.3.3: below 1500 the INIT ACK is discarded
    ++stats_.dropped_malformed_chunks;
    return;
  }
  if (ack->initiate_tag.value() == 0 || ack->outbound_streams == 0 || ack->inbound_streams == 0) {
    // §3.3.3: an INIT ACK with these values is an error; the association is closed with an ABORT.
    const wire::ErrorCause cause = wire::InvalidMandatoryParameterCause{};
    peer_tag_ = ack->initiate_tag;
    send_abort(std::span(&cause, 1));
    fail(DownReason::kCannotStart, "INIT ACK with a zero tag or stream count");
    return;
  }
  const InitParameterScan scan = scan_init_parameters(ack->parameter_block(), true);
  peer_tag_ = ack->initiate_tag;
  if (scan.error == InitScanError::kMissingStateCookie) {
    const wire::ErrorCause cause =
        wire::MissingMandatoryParameterCause{{wire::parameter_type::kStateCookie}};
    send_abort(std::span(&cause, 1));
    fail(DownReason::kCannotStart, "INIT ACK without a State Cookie");
    return;
  }
  if (!scan.ok()) {
    protocol_violation("malformed INIT ACK parameter", now);
    return;
  }
  if (scan.host_name_present()) {
    const wire::ErrorCause cause = wire::UnresolvableAddressCause{*scan.host_name_parameter};
    send_abort(std::span(&cause, 1));
    fail(DownReason::kCannotStart, "peer sent a Host Name Address");
    return;
  }
  adopt_peer(scan, from, false, now);
  caps_ = negotiate(local_init_parameters(), scan);
  setup_data_state(ack->initial_tsn, ack->a_rwnd,
                   std::min(ctx_.options.outbound_streams, ack->inbound_streams),
                   std::min(ack->outbound_streams, ctx_.options.max_inbound_streams));
  // Draft §5.1: the INIT ACK completes the DTLS chunk negotiation on the initiator's side.
  NegotiationResult dtls;
  if (dtls_sent_) {
    std::optional<wire::DtlsKeyManagementParameter> peer = scan.dtls_km;
    if (peer) peer->wire = scan.dtls_km_wire;
    dtls = negotiate_dtls(ctx_.options.dtls, *dtls_sent_, peer, true);
  }
  if (!apply_dtls(dtls, now)) return;

  control_.clear();
  wire::CookieEchoChunk echo;
  echo.cookie = *scan.state_cookie;
  cookie_echo_chunk_.assign(wire::padded4(echo.encoded_size()), 0);
  wire::ByteWriter w(cookie_echo_chunk_);
  echo.encode(w);
  cookie_echo_chunk_.resize(w.size());
  PendingControl pc;
  pc.bytes = cookie_echo_chunk_;
  pc.path = path_for(from);
  control_.push_back(std::move(pc));
  // §3.2.2: unrecognized parameters are reported in an ERROR bundled with the COOKIE ECHO, which
  // must be the first chunk of the packet (§5.1 C); the peer processes the ERROR once the cookie
  // has created the association.
  if (!scan.unrecognized.empty()) {
    const std::vector<std::uint8_t> value = scan.unrecognized_cause_value();
    const wire::ErrorCause cause = wire::UnrecognizedParametersCause{value};
    queue_error(std::span(&cause, 1), path_for(from));
  }
  new_tie_tags();
  set_state(AssociationState::kCookieEchoed, "INIT ACK received");
  t1_.stop();
  t1_.start(now, paths_.path(path_for(from)).rto().rto());
}

void Association::on_cookie_ack(TimePoint now) {
  if (state_ != AssociationState::kCookieEchoed) return;  // §5.2.5: discard
  t1_.stop();
  enter_established(now);
}

void Association::enter_established(TimePoint now) {
  if (local_tie_tag_ == 0) new_tie_tags();
  set_state(AssociationState::kEstablished, "handshake complete");
  stale_cookie_errors_ = 0;
  paths_.start_heartbeats(now);
  AssociationUp up{id_, outbound_streams_, inbound_streams_, peer_addresses()};
  switch (dtls_.outcome) {
    case DtlsOutcome::kProtected:
      up.protection = Protection::kPending;
      up.dtls_method = dtls_.method;
      break;
    case DtlsOutcome::kUnprotectedLoose:
      up.protection = Protection::kUnprotectedLoose;
      up.dtls_cause = dtls_.cause;
      break;
    case DtlsOutcome::kAbort:
    case DtlsOutcome::kDisabled: break;
  }
  emit(std::move(up));
  start_key_management(now);
  if (closed()) return;
  if (shutdown_requested_) shutdown(now);
}

std::unique_ptr<Association> Association::from_cookie(AssocId id, EndpointContext& ctx,
                                                      const StateCookie& cookie,
                                                      const IpAddress& from, const IpAddress& to,
                                                      const NegotiationResult& dtls,
                                                      TimePoint now) {
  std::unique_ptr<Association> a(new Association(id, ctx, cookie.peer_port, now));
  a->local_tag_ = cookie.local_tag;
  a->peer_tag_ = cookie.peer_tag;
  a->local_initial_tsn_ = cookie.local_initial_tsn;
  InitParameterScan scan;
  if (auto block = wire::TlvBlock::parse(cookie.peer_init_parameters)) {
    scan = scan_init_parameters(*block, false);
  }
  // §5.4 rule 2: only the address the INIT ACK went to is confirmed.
  a->adopt_peer(scan, cookie.peer_address.value_or(from), true, now);
  a->paths_.add_path(from, false, now);
  a->ensure_path_slots();
  a->caps_ = negotiate(a->local_init_parameters(), scan);
  a->setup_data_state(cookie.peer_initial_tsn, cookie.peer_a_rwnd, cookie.outbound_streams,
                      cookie.inbound_streams);
  const PathId path = a->path_for(from);
  a->local_address_for_path_[path.value] = to;
  // Not CLOSED while the DTLS agreement is applied, so that a refusal sends its ABORT and
  // reports the failure (the association never comes up).
  a->set_state(AssociationState::kCookieEchoed, "State Cookie accepted");
  if (!a->apply_dtls(dtls, now)) return a;  // aborted: closed, the ABORT queued
  a->queue_control(wire::CookieAckChunk{}, path);
  a->enter_established(now);
  return a;
}

void Association::new_tie_tags() {
  local_tie_tag_ = ctx_.random->next_nonzero_u32();
  peer_tie_tag_ = ctx_.random->next_nonzero_u32();
}

Association::InitAckTags Association::tags_for_init_ack(RandomSource& random) const {
  InitAckTags t;
  t.local_tie_tag = local_tie_tag_;  // 0 in COOKIE-WAIT (nothing to tie to yet)
  t.peer_tie_tag = peer_tie_tag_;
  if (state_ == AssociationState::kCookieWait || state_ == AssociationState::kCookieEchoed) {
    // §5.2.1: answer with the parameters of our own INIT.
    t.initiate_tag = local_tag_;
    t.initial_tsn = local_initial_tsn_;
  } else {
    // §5.2.2: fresh tag and TSN; the tie-tags let a later COOKIE ECHO be matched (§5.2.4).
    std::uint32_t tag;
    do {
      tag = random.next_nonzero_u32();
    } while (tag == local_tag_.value() || tag == peer_tag_.value());
    t.initiate_tag = VerificationTag(tag);
    t.initial_tsn = Tsn(random.next_u32());
  }
  return t;
}

// §5.2.4, Table 7: the four actions for a COOKIE ECHO that matches an existing association.
void Association::handle_cookie_echo(const StateCookie& cookie, const IpAddress& from,
                                     const NegotiationResult& dtls, TimePoint now) {
  const bool local_match = cookie.local_tag == local_tag_;
  const bool peer_match = cookie.peer_tag == peer_tag_;
  const bool tie_match = local_tie_tag_ != 0 && cookie.local_tie_tag == local_tie_tag_ &&
                         cookie.peer_tie_tag == peer_tie_tag_;
  const PathId path = path_for(from);
  if (!local_match && !peer_match && tie_match) {  // A: the peer restarted
    if (state_ == AssociationState::kShutdownAckSent) {
      send_shutdown_ack(now);
      const wire::ErrorCause cause = wire::CookieReceivedWhileShuttingDownCause{};
      queue_error(std::span(&cause, 1), path);
      return;
    }
    restart_from_cookie(cookie, dtls, now);
    return;
  }
  if (local_match && !peer_match) {  // B: setup collision
    peer_tag_ = cookie.peer_tag;
    if (state_ == AssociationState::kCookieWait || state_ == AssociationState::kCookieEchoed) {
      setup_data_state(cookie.peer_initial_tsn, cookie.peer_a_rwnd, cookie.outbound_streams,
                       cookie.inbound_streams);
      // The association now runs on the cookie's handshake, as the peer's does: its DTLS
      // negotiation replaces the one our INIT ACK gave (no keys exist before ESTABLISHED).
      protector_.reset();
      km_.reset();
      if (!apply_dtls(dtls, now)) return;
      t1_.stop();
      control_.clear();
      queue_control(wire::CookieAckChunk{}, path);
      enter_established(now);
    } else {
      queue_cookie_ack_first(path);
    }
    return;
  }
  if (!local_match && peer_match && cookie.local_tie_tag == 0 && cookie.peer_tie_tag == 0) {
    return;  // C: silently discard
  }
  if (local_match && peer_match) {  // D: our COOKIE ACK was lost, or a duplicate
    if (state_ == AssociationState::kCookieWait || state_ == AssociationState::kCookieEchoed) {
      if (!dtls_known_ && !apply_dtls(dtls, now)) return;
      t1_.stop();
      control_.clear();
      queue_control(wire::CookieAckChunk{}, path);
      enter_established(now);
    } else {
      queue_cookie_ack_first(path);
    }
  }
  // Any other combination: silently discard.
}

// §5.1 D: a COOKIE ACK goes first in its packet, ahead of anything already queued.
void Association::queue_cookie_ack_first(std::optional<PathId> path) {
  queue_control(wire::CookieAckChunk{}, path);
  std::rotate(control_.rbegin(), control_.rbegin() + 1, control_.rend());
}

void Association::restart_from_cookie(const StateCookie& cookie, const NegotiationResult& dtls,
                                      TimePoint now) {
  emit(AssociationRestarted{id_, take_undelivered()});
  new_tie_tags();
  local_tag_ = cookie.local_tag;
  peer_tag_ = cookie.peer_tag;
  local_initial_tsn_ = cookie.local_initial_tsn;
  send_queue_ = SendQueue(ctx_.options.send_buffer_limit, ctx_.options.outbound_streams);
  setup_data_state(cookie.peer_initial_tsn, cookie.peer_a_rwnd, cookie.outbound_streams,
                   cookie.inbound_streams);
  for (Timer& t : t3_) t.stop();
  t1_.stop();
  t2_.stop();
  t5_.stop();
  shutdown_requested_ = false;
  control_.clear();
  // The restarted association negotiates the DTLS chunk afresh (keys of the old one are gone;
  // a protected restart, draft §5.4, never reaches here: its COOKIE ECHO is protected).
  protector_.reset();
  km_.reset();
  protection_announced_ = false;
  protected_received_ = false;
  dtls_known_ = false;
  if (!apply_dtls(dtls, now)) return;
  queue_control(wire::CookieAckChunk{}, paths_.primary());
  set_state(AssociationState::kEstablished, "peer restarted");
  paths_.start_heartbeats(now);
  start_key_management(now);
}

// §5.2.6: our cookie was stale when it arrived. Ask for a longer lifetime and start again.
void Association::on_stale_cookie(std::uint32_t staleness_us, TimePoint now) {
  if (state_ != AssociationState::kCookieEchoed) return;
  if (++stale_cookie_errors_ > ctx_.options.max_init_retransmits) {
    fail(DownReason::kCannotStart, "State Cookie stale on every attempt");
    return;
  }
  const std::uint64_t doubled_ms = (std::uint64_t{staleness_us} * 2 + 999) / 1000;
  cookie_preservative_ms_ = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(std::max<std::uint64_t>(doubled_ms, 1), 0xFFFFFFFFu));
  local_tag_ = VerificationTag(ctx_.random->next_nonzero_u32());
  local_initial_tsn_ = Tsn(ctx_.random->next_u32());
  send_init(now);
}

}  // namespace sctps::core
