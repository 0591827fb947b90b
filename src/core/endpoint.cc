#include "core/endpoint.h"

#include <algorithm>

#include "wire/any_chunk.h"
#include "wire/chunk_type.h"
#include "wire/crc32c.h"

namespace sctps::core {

Endpoint::Endpoint(EndpointConfig config, RandomSource& random, TimePoint now)
    : config_(std::move(config)),
      random_(random),
      cookies_(random),
      next_rotation_(now + config_.cookie_secret_rotation) {
  // Clamp what the RFC does not allow us to announce (§3.3.2: streams at least 1, a_rwnd at least
  // 1500; §6.2: the delayed-SACK timer at most 500 ms).
  AssociationOptions& o = config_.association;
  o.outbound_streams = std::max<std::uint16_t>(o.outbound_streams, 1);
  o.max_inbound_streams = std::max<std::uint16_t>(o.max_inbound_streams, 1);
  o.receive_window = std::max(o.receive_window, kMinimumAdvertisedWindow);
  o.delayed_ack_timeout = std::min(o.delayed_ack_timeout, ms(500));
  ctx_.options = config_.association;
  ctx_.local_port = config_.local_port;
  ctx_.local_addresses = config_.local_addresses;
  ctx_.random = &random_;
  ctx_.cookies = &cookies_;
  ctx_.events = &events_;
  ctx_.key_managers = config_.key_managers;
  ctx_.key_log = &config_.key_log;
}

namespace {

// Our DTLS Key Management parameter travels in the cookie's extension (as on the wire), so that
// the COOKIE ECHO repeats the negotiation the INIT answer made (draft §5.1) without state.
std::optional<wire::DtlsKeyManagementParameter> dtls_parameter_from_cookie(
    const StateCookie& cookie) {
  if (cookie.extension.empty()) return std::nullopt;
  auto block = wire::TlvBlock::parse(cookie.extension);
  if (!block) return std::nullopt;
  for (const wire::TlvView& tlv : *block) {
    if (tlv.type != wire::DtlsKeyManagementParameter::kType) continue;
    if (auto p = wire::DtlsKeyManagementParameter::parse(tlv)) return *p;
  }
  return std::nullopt;
}

}  // namespace

NegotiationResult Endpoint::dtls_from_cookie(const StateCookie& cookie) const {
  const DtlsChunkConfig& config = config_.association.dtls;
  const auto ours = dtls_parameter_from_cookie(cookie);
  if (!config.enabled || !ours) return NegotiationResult{};
  InitParameterScan scan;
  if (auto block = wire::TlvBlock::parse(cookie.peer_init_parameters)) {
    scan = scan_init_parameters(*block, false);
  }
  std::optional<wire::DtlsKeyManagementParameter> peer = scan.dtls_km;
  if (peer) peer->wire = scan.dtls_km_wire;
  return negotiate_dtls(config, *ours, peer, false);
}

Association* Endpoint::find(const IpAddress& address, std::uint16_t port) {
  auto it = by_peer_.find({address, port});
  if (it == by_peer_.end()) return nullptr;
  auto a = associations_.find(it->second);
  // A closed association waiting to flush its last packet no longer takes part (§8.4).
  if (a == associations_.end() || a->second->closed()) return nullptr;
  return a->second.get();
}

void Endpoint::register_peer(Association& a) {
  for (const IpAddress& address : a.peer_addresses())
    by_peer_.try_emplace({address, a.peer_port()}, a.id());
}

void Endpoint::reap(AssocId id) {
  for (auto it = by_peer_.begin(); it != by_peer_.end();) {
    it = it->second == id ? by_peer_.erase(it) : std::next(it);
  }
  associations_.erase(id);
}

void Endpoint::handle_packet(wire::Bytes packet, const IpAddress& from, const IpAddress& to,
                             TimePoint now) {
  scratch_.assign(packet.begin(), packet.end());
  handle_packet_in_place(wire::MutableBytes(scratch_), from, to, now);
}

void Endpoint::handle_packet_in_place(wire::MutableBytes packet, const IpAddress& from,
                                      const IpAddress& to, TimePoint now) {
  ++stats_.packets_received;
  // §6.8: a packet with a wrong checksum is discarded silently.
  if (!wire::verify_sctp_checksum(packet)) {
    ++stats_.dropped_bad_checksum;
    return;
  }
  auto view = wire::PacketView::parse(packet);
  if (!view) {
    ++stats_.dropped_malformed;
    return;
  }
  if (view->header().source_port == 0) {  // §3.1: port 0 is never a valid source
    ++stats_.dropped_malformed;
    return;
  }
  if (view->header().destination_port != config_.local_port) {
    ++stats_.dropped_wrong_port;
    return;
  }
  // §6.10: INIT, INIT ACK and SHUTDOWN COMPLETE are never bundled.
  if (view->chunk_count() > 1) {
    for (const wire::ChunkView& c : *view) {
      if (c.type == wire::chunk_type::kInit) {
        ++stats_.dropped_bundled_init;
        return;
      }
    }
  }
  const std::uint8_t first = view->first_chunk().type;
  // §8.5.1 A: a packet with tag 0 must hold only an INIT; anything else is discarded silently.
  if (view->header().verification_tag.value() == 0 && first != wire::chunk_type::kInit) {
    ++stats_.dropped_zero_tag;
    return;
  }
  Association* a = find(from, view->header().source_port);
  // Draft §5.2: a DTLS chunk is opened by its association; bundled with anything it is discarded.
  switch (protect::ChunkProtector::classify(*view)) {
    case protect::PacketKind::kBundledDtls: ++stats_.dropped_bundled_dtls; return;
    case protect::PacketKind::kProtected:
      if (a == nullptr) {
        handle_out_of_the_blue(*view, from, to);
        return;
      }
      a->handle_protected_packet(packet, *view, from, to, now);
      register_peer(*a);
      return;
    case protect::PacketKind::kUnprotected: break;
  }
  if (a != nullptr && !a->accept_unprotected(*view)) {
    ++stats_.dropped_unprotected;
    return;
  }
  if (first == wire::chunk_type::kInit) {
    handle_init(*view, from, to, a, now);
    return;
  }
  if (first == wire::chunk_type::kCookieEcho) {
    handle_cookie_echo(*view, from, to, a, now);
    return;
  }
  if (a == nullptr && first == wire::chunk_type::kInitAck) {
    // §5.1.2 D: the INIT ACK may come from an address we did not send the INIT to; it is matched
    // by the tag of our INIT and the port.
    for (auto& [id, candidate] : associations_) {
      if (candidate->state() == AssociationState::kCookieWait &&
          candidate->local_tag() == view->header().verification_tag &&
          candidate->peer_port() == view->header().source_port) {
        a = candidate.get();
        break;
      }
    }
  }
  if (a == nullptr) {
    handle_out_of_the_blue(*view, from, to);
    return;
  }
  a->handle_packet(*view, from, to, false, now);
  register_peer(*a);
}

template <typename Chunk>
void Endpoint::send_alone(const Chunk& chunk, std::uint16_t dst_port, VerificationTag tag,
                          const IpAddress& to, const IpAddress& from) {
  OwnedPacket p;
  p.bytes.resize(wire::CommonHeader::kSize + wire::padded4(chunk.encoded_size()));
  wire::PacketBuilder builder(p.bytes, wire::CommonHeader{config_.local_port, dst_port, tag, 0});
  if (!builder.add(chunk)) return;
  p.bytes.resize(builder.finish().size());
  p.to = to;
  p.from = from;
  outbox_.push_back(std::move(p));
}

void Endpoint::send_abort(std::uint16_t dst_port, VerificationTag tag, bool reflected,
                          std::span<const wire::ErrorCause> causes, const IpAddress& to,
                          const IpAddress& from) {
  std::vector<std::uint8_t> buf(wire::error_causes_encoded_size(causes));
  wire::AbortChunk abort;
  abort.tag_reflected = reflected;
  if (auto block = wire::encode_error_causes(causes, buf)) abort.causes = *block;
  send_alone(abort, dst_port, tag, to, from);
}

// §5.1 B, §5.2.1, §5.2.2: an INIT is answered with an INIT ACK whose State Cookie carries all
// the state; nothing is kept here.
void Endpoint::handle_init(const wire::PacketView& packet, const IpAddress& from,
                           const IpAddress& to, Association* existing, TimePoint now) {
  const std::uint16_t peer_port = packet.header().source_port;
  if (packet.header().verification_tag.value() != 0) {  // §8.5.1 A
    ++stats_.dropped_malformed;
    return;
  }
  auto init = wire::InitChunk::parse(packet.first_chunk());
  if (!init) {
    ++stats_.dropped_malformed;
    return;
  }
  // §3.3.2: a zero Initiate Tag, or a window below 1500 bytes, and the INIT is discarded silently.
  if (init->initiate_tag.value() == 0 || init->a_rwnd < kMinimumAdvertisedWindow) {
    ++stats_.dropped_malformed;
    return;
  }
  const VerificationTag reply_tag = init->initiate_tag;
  if (init->outbound_streams == 0 || init->inbound_streams == 0) {  // §3.3.2: ABORT
    const wire::ErrorCause cause = wire::InvalidMandatoryParameterCause{};
    send_abort(peer_port, reply_tag, false, std::span(&cause, 1), from, to);
    return;
  }
  const InitParameterScan scan = scan_init_parameters(init->parameter_block(), false);
  if (!scan.ok()) {
    static constexpr std::string_view kWhy = "malformed INIT parameter";
    const std::vector<std::uint8_t> info(kWhy.begin(), kWhy.end());
    const wire::ErrorCause cause = wire::ProtocolViolationCause{info};
    send_abort(peer_port, reply_tag, false, std::span(&cause, 1), from, to);
    return;
  }
  if (scan.host_name_present()) {  // §5.1.2: host names are not supported
    const wire::ErrorCause cause = wire::UnresolvableAddressCause{*scan.host_name_parameter};
    send_abort(peer_port, reply_tag, false, std::span(&cause, 1), from, to);
    return;
  }
  if (existing == nullptr) {
    // §5.2.1/§5.2.2 also apply when the INIT lists an address of an existing association.
    for (const IpAddress& address : scan.addresses) {
      if ((existing = find(address, peer_port)) != nullptr) break;
    }
  }
  // §5.2.1 rule 1: in COOKIE-WAIT, answer only at an address the application gave us, so that an
  // INIT from elsewhere listing the peer's address cannot learn our tag.
  if (existing != nullptr && existing->state() == AssociationState::kCookieWait &&
      !existing->has_peer_address(from)) {
    ++stats_.dropped_out_of_the_blue;
    return;
  }
  if (existing != nullptr && existing->state() == AssociationState::kShutdownAckSent) {
    existing->on_init_while_shutting_down(now);  // §9.2
    return;
  }
  // §5.2.2 (and §5.2.1 in COOKIE-ECHOED): an INIT that adds addresses to an association is refused
  // with an ABORT tagged with its Initiate Tag, naming the new addresses; the association stays.
  if (existing != nullptr && existing->state() != AssociationState::kCookieWait) {
    const std::vector<IpAddress> known = existing->peer_addresses();
    std::vector<IpAddress> added;
    const auto consider = [&](const IpAddress& address) {
      if (std::find(known.begin(), known.end(), address) == known.end() &&
          std::find(added.begin(), added.end(), address) == added.end()) {
        added.push_back(address);
      }
    };
    consider(from);
    for (const IpAddress& address : scan.addresses) consider(address);
    if (!added.empty()) {
      LocalInitParameters listed;
      listed.addresses = added;
      const std::vector<std::uint8_t> value =
          build_init_parameters(listed).value_or(std::vector<std::uint8_t>{});
      const wire::ErrorCause cause = wire::RestartWithNewAddressesCause{value};
      send_abort(peer_port, reply_tag, false, std::span(&cause, 1), from, to);
      return;
    }
  }
  if (existing == nullptr && associations_.size() >= config_.max_associations) {
    const wire::ErrorCause cause = wire::OutOfResourceCause{};
    send_abort(peer_port, reply_tag, false, std::span(&cause, 1), from, to);
    return;
  }
  Association::InitAckTags tags;
  if (existing != nullptr) {
    tags = existing->tags_for_init_ack(random_);
  } else {
    tags.initiate_tag = VerificationTag(random_.next_nonzero_u32());
    tags.initial_tsn = Tsn(random_.next_u32());
  }
  const AssociationOptions& o = config_.association;
  StateCookie cookie;
  cookie.local_port = config_.local_port;
  cookie.peer_port = peer_port;
  cookie.local_tag = tags.initiate_tag;
  cookie.peer_tag = init->initiate_tag;
  cookie.local_initial_tsn = tags.initial_tsn;
  cookie.peer_initial_tsn = init->initial_tsn;
  cookie.peer_a_rwnd = init->a_rwnd;
  cookie.outbound_streams = std::min(o.outbound_streams, init->inbound_streams);
  cookie.inbound_streams = std::min(init->outbound_streams, o.max_inbound_streams);
  cookie.local_tie_tag = tags.local_tie_tag;
  cookie.peer_tie_tag = tags.peer_tie_tag;
  cookie.created = now;
  cookie.lifetime =
      cookie_lifetime(o.valid_cookie_life, scan.cookie_preservative_ms, o.valid_cookie_life * 2);
  cookie.peer_address = from;
  cookie.peer_init_parameters.assign(init->parameters.begin(), init->parameters.end());
  // Draft §5.1: our DTLS Key Management parameter answers the INIT's; a strict endpoint refuses
  // the association at once when the two cannot agree (causes 100, 101, 103, or 102).
  std::optional<wire::DtlsKeyManagementParameter> our_dtls;
  if (o.dtls.enabled && o.dtls.valid()) {
    // §5.2.1: while our own INIT is unanswered, the INIT ACK repeats what that INIT said —
    // here its DTLS parameter with its tie breaker, so both sides of an INIT collision decide
    // the roles on the same pair of parameters.
    const bool collision = existing != nullptr &&
                           (existing->state() == AssociationState::kCookieWait ||
                            existing->state() == AssociationState::kCookieEchoed) &&
                           existing->dtls_sent().has_value();
    our_dtls = collision ? *existing->dtls_sent() : make_local_parameter(o.dtls, random_);
    std::optional<wire::DtlsKeyManagementParameter> peer_dtls = scan.dtls_km;
    if (peer_dtls) peer_dtls->wire = scan.dtls_km_wire;
    const NegotiationResult r = negotiate_dtls(o.dtls, *our_dtls, peer_dtls, false);
    if (r.outcome == DtlsOutcome::kAbort) {
      const wire::ErrorCause cause = dtls_abort_cause(r.cause);
      send_abort(peer_port, reply_tag, false, std::span(&cause, 1), from, to);
      ++stats_.inits_aborted_dtls;
      return;
    }
    std::vector<std::uint8_t> ext(wire::padded4(our_dtls->encoded_size()));
    wire::ByteWriter w(ext);
    our_dtls->encode(w);
    cookie.extension = std::move(ext);
  }
  const std::vector<std::uint8_t> sealed = cookies_.seal(cookie);
  if (sealed.empty()) {
    ++stats_.dropped_malformed;  // an INIT too large to fit in a cookie
    return;
  }
  LocalInitParameters local;
  local.addresses = config_.local_addresses;
  local.state_cookie = sealed;
  local.unrecognized = scan.unrecognized;
  local.dtls_km = our_dtls;
  const auto params = build_init_parameters(local);
  if (!params) {
    ++stats_.dropped_malformed;
    return;
  }
  wire::InitAckChunk ack;
  ack.initiate_tag = tags.initiate_tag;
  ack.a_rwnd = o.receive_window;
  ack.outbound_streams = std::min(o.outbound_streams, init->inbound_streams);  // §3.3.3
  ack.inbound_streams = o.max_inbound_streams;
  ack.initial_tsn = tags.initial_tsn;
  ack.parameters = *params;
  send_alone(ack, peer_port, reply_tag, from, to);  // §5.1: to the INIT's source address
  ++stats_.inits_answered;
}

void Endpoint::handle_cookie_echo(const wire::PacketView& packet, const IpAddress& from,
                                  const IpAddress& to, Association* existing, TimePoint now) {
  auto echo = wire::CookieEchoChunk::parse(packet.first_chunk());
  if (!echo) {
    ++stats_.dropped_malformed;
    return;
  }
  const CookieCheck check = cookies_.open(echo->cookie, now);
  if (check.cookie() == nullptr) {
    ++stats_.dropped_bad_cookie;
    return;
  }
  const StateCookie& cookie = *check.cookie();
  // §5.1.5 step 2: ports and tag of the packet must be those the cookie was made for.
  if (packet.header().verification_tag != cookie.local_tag ||
      cookie.local_port != config_.local_port || cookie.peer_port != packet.header().source_port) {
    ++stats_.dropped_bad_cookie;
    return;
  }
  // §5.2.4: a COOKIE ECHO matching both tags of an existing association is a duplicate (action D)
  // whatever its age; only a cookie that would set something up can be stale.
  const bool duplicate = existing != nullptr && existing->local_tag() == cookie.local_tag &&
                         existing->peer_tag() == cookie.peer_tag;
  if (check.error() == CookieCheck::Error::kStale && !duplicate) {  // §5.1.5 step 3, §3.3.10.3
    ++stats_.stale_cookies;
    const wire::ErrorCause cause = wire::StaleCookieCause{check.staleness_us()};
    std::vector<std::uint8_t> buf(wire::error_causes_encoded_size(std::span(&cause, 1)));
    wire::ErrorChunk error;
    if (auto block = wire::encode_error_causes(std::span(&cause, 1), buf)) error.causes = *block;
    send_alone(error, cookie.peer_port, cookie.peer_tag, from, to);
    return;
  }
  const NegotiationResult dtls = dtls_from_cookie(cookie);
  if (existing != nullptr) {
    existing->handle_cookie_echo(cookie, from, dtls, now);
    const bool accepted =
        existing->local_tag() == cookie.local_tag && existing->peer_tag() == cookie.peer_tag;
    if (accepted && !existing->closed()) existing->handle_packet(packet, from, to, false, now, 1);
    register_peer(*existing);
    return;
  }
  if (associations_.size() >= config_.max_associations) {
    const wire::ErrorCause cause = wire::OutOfResourceCause{};
    send_abort(cookie.peer_port, cookie.peer_tag, false, std::span(&cause, 1), from, to);
    return;
  }
  const AssocId id = next_id_++;
  auto a = Association::from_cookie(id, ctx_, cookie, from, to, dtls, now);
  Association& ref = *a;
  associations_.emplace(id, std::move(a));
  register_peer(ref);
  ref.handle_packet(packet, from, to, false, now, 1);
}

// §8.4: packets that belong to no association.
void Endpoint::handle_out_of_the_blue(const wire::PacketView& packet, const IpAddress& from,
                                      const IpAddress& to) {
  ++stats_.dropped_out_of_the_blue;
  namespace ct = wire::chunk_type;
  for (const wire::ChunkView& c : packet) {
    switch (c.type) {
      case ct::kAbort:             // rule 2
      case ct::kShutdownComplete:  // rule 6
      case ct::kCookieAck:         // rule 7
        return;
      case ct::kError: {  // rule 7: a Stale Cookie error is not answered
        auto error = wire::ErrorChunk::parse(c);
        if (!error) return;
        if (auto block = wire::TlvBlock::parse(error->causes)) {
          for (const wire::TlvView& item : *block) {
            if (item.type == wire::cause_code::kStaleCookie) return;
          }
        }
        break;
      }
      case ct::kShutdownAck: {  // rule 5: SHUTDOWN COMPLETE with the T bit
        wire::ShutdownCompleteChunk complete;
        complete.tag_reflected = true;
        send_alone(complete, packet.header().source_port, packet.header().verification_tag, from,
                   to);
        return;
      }
      default: break;
    }
  }
  // Rule 8: ABORT with the T bit and the packet's own tag.
  send_abort(packet.header().source_port, packet.header().verification_tag, true, {}, from, to);
  ++stats_.aborts_sent_out_of_the_blue;
}

// RFC 9260 Appendix C: locate the association from the quoted packet (ICMP5), check its tag
// (ICMP6), then let the association act (ICMP7, ICMP8).
void Endpoint::handle_icmp(const IcmpReport& report, TimePoint now) {
  ++stats_.icmp_received;
  if (report.quoted.size() < 8) {  // ports and tag: the least an ICMP error quotes (RFC 792)
    ++stats_.icmp_ignored;
    return;
  }
  const std::uint16_t source_port = wire::load_be16(report.quoted.data());
  const std::uint16_t destination_port = wire::load_be16(report.quoted.data() + 2);
  const std::uint32_t tag = wire::load_be32(report.quoted.data() + 4);
  Association* a =
      source_port == config_.local_port ? find(report.peer, destination_port) : nullptr;
  if (a == nullptr) {
    ++stats_.icmp_ignored;
    return;
  }
  // ICMP6: the tag must be the peer's; tag 0 only for our INIT, whose Initiate Tag is ours.
  bool quotes_init = false;
  if (tag == 0) {
    constexpr std::size_t kInitiateTagEnd = wire::CommonHeader::kSize + 8;
    if (report.quoted.size() < kInitiateTagEnd ||
        report.quoted[wire::CommonHeader::kSize] != wire::chunk_type::kInit ||
        wire::load_be32(report.quoted.data() + wire::CommonHeader::kSize + 4) !=
            a->local_tag().value()) {
      ++stats_.icmp_ignored;
      return;
    }
    quotes_init = true;
  } else if (tag != a->peer_tag().value()) {
    ++stats_.icmp_ignored;
    return;
  }
  a->handle_icmp(report, quotes_init, now);
}

void Endpoint::advance_time(TimePoint now) {
  if (now >= next_rotation_) {
    cookies_.rotate();
    next_rotation_ = now + config_.cookie_secret_rotation;
  }
  std::vector<AssocId> done;
  for (auto& [id, a] : associations_) {
    a->advance_time(now);
    if (a->closed() && !a->has_pending_control()) done.push_back(id);
  }
  for (AssocId id : done) reap(id);
}

TimePoint Endpoint::poll_timeout() const {
  TimePoint t = next_rotation_;
  for (const auto& [id, a] : associations_) t = std::min(t, a->next_deadline());
  return t;
}

std::optional<Transmit> Endpoint::poll_transmit(wire::MutableBytes buffer, TimePoint now) {
  if (!outbox_.empty()) {
    OwnedPacket p = std::move(outbox_.front());
    outbox_.pop_front();
    if (p.bytes.size() > buffer.size()) return poll_transmit(buffer, now);  // cannot be sent
    std::copy(p.bytes.begin(), p.bytes.end(), buffer.begin());
    ++stats_.packets_sent;
    return Transmit{p.bytes.size(), p.to, p.from};
  }
  // Round robin over the associations so that one busy association does not starve the others.
  const std::size_t n = associations_.size();
  if (n == 0) return std::nullopt;
  auto it = associations_.lower_bound(static_cast<AssocId>(transmit_cursor_));
  std::vector<AssocId> done;
  std::optional<Transmit> out;
  for (std::size_t i = 0; i < n && !out; ++i) {
    if (it == associations_.end()) it = associations_.begin();
    Association& a = *it->second;
    out = a.poll_transmit(buffer, now);
    if (!out && a.closed()) done.push_back(a.id());
    if (out) transmit_cursor_ = static_cast<std::size_t>(a.id()) + 1;
    ++it;
  }
  for (AssocId id : done) reap(id);
  if (out) ++stats_.packets_sent;
  return out;
}

std::optional<Event> Endpoint::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

AssocId Endpoint::connect(const std::vector<IpAddress>& remote, std::uint16_t remote_port,
                          TimePoint now) {
  const AssocId id = next_id_++;
  auto a = Association::connect(id, ctx_, remote, remote_port, now);
  register_peer(*a);
  associations_.emplace(id, std::move(a));
  return id;
}

SendStatus Endpoint::send(AssocId id, StreamId stream, Ppid ppid, std::vector<std::uint8_t> payload,
                          const SendOptions& options, TimePoint now) {
  auto it = associations_.find(id);
  if (it == associations_.end()) return SendStatus::kClosed;
  return it->second->send(stream, ppid, std::move(payload), options, now);
}

bool Endpoint::shutdown(AssocId id, TimePoint now) {
  auto it = associations_.find(id);
  if (it == associations_.end()) return false;
  it->second->shutdown(now);
  return true;
}

bool Endpoint::abort(AssocId id, std::string_view reason, TimePoint now) {
  auto it = associations_.find(id);
  if (it == associations_.end()) return false;
  it->second->abort(reason, now);
  return true;
}

bool Endpoint::rekey(AssocId id, TimePoint now) {
  auto it = associations_.find(id);
  if (it == associations_.end()) return false;
  return it->second->rekey(now);
}

std::optional<NegotiationResult> Endpoint::dtls_agreement(AssocId id) const {
  auto it = associations_.find(id);
  if (it == associations_.end() || !it->second->dtls_negotiated()) return std::nullopt;
  return it->second->dtls();
}

const protect::ChunkProtector* Endpoint::protector(AssocId id) const {
  auto it = associations_.find(id);
  if (it == associations_.end()) return nullptr;
  return it->second->protector();
}

std::optional<AssociationStats> Endpoint::stats(AssocId id) const {
  auto it = associations_.find(id);
  if (it == associations_.end()) return std::nullopt;
  return it->second->stats();
}

std::optional<AssociationState> Endpoint::state(AssocId id) const {
  auto it = associations_.find(id);
  if (it == associations_.end()) return std::nullopt;
  return it->second->state();
}

}  // namespace sctps::core
