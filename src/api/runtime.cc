#include "api/runtime.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sctps::api {
namespace {

// The source address the kernel's routing picks towards `to` (a connected UDP socket learns it
// without sending anything); unspecified when there is no route. Runtime::source_for caches it.
net::SocketAddress route_source(const net::SocketAddress& to) {
  sockaddr_storage ss{};
  socklen_t length = 0;
  if (to.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(9);
    std::memcpy(&sin.sin_addr, to.ip_bytes().data(), 4);
    std::memcpy(&ss, &sin, sizeof(sin));
    length = sizeof(sin);
  } else if (to.is_v6()) {
    sockaddr_in6 sin{};
    sin.sin6_family = AF_INET6;
    sin.sin6_port = htons(9);
    std::memcpy(&sin.sin6_addr, to.ip_bytes().data(), 16);
    sin.sin6_scope_id = to.scope_id();
    std::memcpy(&ss, &sin, sizeof(sin));
    length = sizeof(sin);
  } else {
    return {};
  }
  const int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  net::SocketAddress out;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), length) == 0) {
    sockaddr_storage local{};
    socklen_t local_length = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) == 0) {
      if (auto a = net::SocketAddress::from_sockaddr(&local, local_length)) out = a->with_port(0);
    }
  }
  ::close(fd);
  return out;
}

std::optional<IpAddress> to_ip(const net::SocketAddress& a) {
  const auto b = a.ip_bytes();
  if (b.size() == 4) {
    std::array<std::uint8_t, 4> v{};
    std::copy(b.begin(), b.end(), v.begin());
    return IpAddress::v4(v);
  }
  if (b.size() == 16) {
    std::array<std::uint8_t, 16> v{};
    std::copy(b.begin(), b.end(), v.begin());
    return IpAddress::v6(v);
  }
  return std::nullopt;
}

std::uint64_t drops(const core::EndpointStats& s) {
  return s.dropped_bad_checksum + s.dropped_malformed + s.dropped_wrong_port +
         s.dropped_bundled_init + s.dropped_zero_tag + s.dropped_out_of_the_blue +
         s.dropped_bad_cookie + s.stale_cookies;
}

std::string_view refusal(core::SendStatus status) {
  switch (status) {
    case core::SendStatus::kOk: return "accepted";
    case core::SendStatus::kWouldBlock: return "send buffer full";
    case core::SendStatus::kInvalidStream: return "invalid stream (not below the outbound streams)";
    case core::SendStatus::kEmptyMessage: return "empty message (RFC 9260 §6.2)";
    case core::SendStatus::kShuttingDown: return "association shutting down (RFC 9260 §9.2)";
    case core::SendStatus::kClosed: return "association closed or unknown";
    case core::SendStatus::kReservedPpid:
      return "stream 0 with PPID 4242 is reserved for key management";
  }
  return "refused";
}

// RFC 9260 §3.2 chunk types the runtime looks at: the packets that may answer one whose tag could
// not be checked.
constexpr std::uint8_t kChunkInit = 1;
constexpr std::uint8_t kChunkInitAck = 2;
constexpr std::uint8_t kChunkAbort = 6;
constexpr std::uint8_t kChunkShutdownComplete = 14;

constexpr std::size_t kRecvSlotSize = 16384;
// A GSO buffer stays within one UDP datagram's payload (IPv4, the smaller), so that the socket
// sends it in one piece: a buffer it must cut in several sends loses its tail when the socket
// fills.
constexpr std::size_t kMaxGsoBytes = net::kMaxUdpPayloadV4;
constexpr int kMaxReadRounds = 16;

std::size_t recv_slot_size(const std::vector<TransportSocket>& sockets) {
  for (const auto& s : sockets) {
    if (s.gro_enabled()) return net::kGroSlotSize;  // one slot takes a whole coalesced run
  }
  return kRecvSlotSize;
}

}  // namespace

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::kUdpEncapsulation: return "udp";
    case Transport::kRawIp: return "raw-ip";
  }
  return "?";
}

std::string_view to_string(PostStatus status) {
  switch (status) {
    case PostStatus::kQueued: return "queued";
    case PostStatus::kFull: return "full";
  }
  return "?";
}

net::NetResult<std::unique_ptr<Runtime>> Runtime::create(const RuntimeOptions& options) {
  if (options.batch_size == 0) return net::NetError{EINVAL, "batch size must be at least 1"};
  auto protection = ProtectionSetup::create(options.protection);
  if (!protection.ok()) return protection.error();
  std::vector<net::SocketAddress> locals = options.local_addresses;
  if (locals.empty()) locals = {net::SocketAddress::any(net::SocketAddress::Family::kV4, 0)};
  auto loop = net::EventLoop::create();
  if (!loop.ok()) {
    return net::NetError{loop.error().code, "cannot create event loop: " + loop.error().message};
  }
  std::vector<TransportSocket> sockets;
  std::uint16_t udp_port = 0;
  if (options.transport == Transport::kUdpEncapsulation) {
    net::UdpEncapsulationConfig config;
    config.local_port = options.udp_port;
    config.default_remote_port = options.remote_udp_port;
    config.local_addresses = locals;
    config.socket.enable_gso = options.use_gso;
    config.socket.enable_gro = options.use_gro;
    auto opened = net::open_udp_encapsulation(config);
    if (!opened.ok()) {
      std::string message = opened.error().message;
      // "bind UDP 127.0.0.1:9899: ..." -> "cannot bind 127.0.0.1:9899: ...".
      if (const auto at = message.find("bind UDP "); at != std::string::npos) {
        message = "bind " + message.substr(at + 9);
      }
      return net::NetError{opened.error().code, "cannot " + message};
    }
    udp_port = opened->local_port;
    for (auto& s : opened->sockets) sockets.emplace_back(std::move(s));
  } else {
    for (const auto& local : locals) {
      auto opened = net::RawSocket::open(local);
      if (!opened.ok()) {
        const int code = opened.error().code;
        if (code == EPERM || code == EACCES) {
          return net::NetError{code,
                               "raw IP SCTP needs CAP_NET_RAW (run as root or setcap), or use UDP "
                               "encapsulation"};
        }
        return net::NetError{code, "cannot open " + opened.error().message};
      }
      sockets.emplace_back(std::move(opened).value());
    }
  }
  // Opened once the sockets are, so that a failed start does not leave an empty capture behind.
  std::unique_ptr<PcapWriter> pcap;
  if (!options.pcap_file.empty()) {
    auto opened = PcapWriter::open(options.pcap_file, options.pcap_limit_bytes);
    if (!opened.ok()) return opened.error();
    pcap = std::move(opened).value();
  }
  std::unique_ptr<Runtime> runtime(new Runtime(options, std::move(loop).value(), std::move(sockets),
                                               udp_port, std::move(protection).value()));
  Runtime* r = runtime.get();
  r->pcap_ = std::move(pcap);
  for (std::size_t i = 0; i < r->sockets_.size(); ++i) {
    auto status = r->loop_->add_fd(
        r->sockets_[i].fd(), [r, i] { r->on_readable(i); }, [r, i] { r->on_writable(i); });
    if (!status.ok()) {
      return net::NetError{status.error().code,
                           "cannot register socket: " + status.error().message};
    }
  }
  return runtime;
}

Runtime::Runtime(RuntimeOptions options, std::unique_ptr<net::EventLoop> loop,
                 std::vector<TransportSocket> sockets, std::uint16_t local_udp_port,
                 std::unique_ptr<ProtectionSetup> protection)
    : options_(std::move(options)),
      loop_(std::move(loop)),
      sockets_(std::move(sockets)),
      local_udp_port_(local_udp_port),
      ports_(options_.remote_udp_port, 65536),
      recv_batch_(options_.batch_size, recv_slot_size(sockets_)),
      icmp_scratch_(16) {
  protection_ = std::move(protection);
  core::EndpointConfig config;
  config.local_port = options_.sctp_port;
  config.association = options_.association;
  protection_->apply(config);
  for (const auto& a : options_.local_addresses) {
    if (a.is_any()) continue;
    if (auto ip = to_ip(a)) config.local_addresses.push_back(*ip);
  }
  engine_ = std::make_unique<core::Endpoint>(std::move(config), random_, now());
  // poll_transmit wants room for the largest packet; a GSO segment size must fit 16 bits.
  packet_capacity_ = std::clamp<std::size_t>(options_.association.mtu, 1500, 65535);
  arena_.assign(options_.batch_size * packet_capacity_, 0);
  pending_.reserve(options_.batch_size);
  pending_socket_.reserve(options_.batch_size);
}

Runtime::~Runtime() {
  if (timer_) loop_->cancel_timer(*timer_);
  for (auto& s : sockets_) loop_->remove_fd(s.fd());
}

bool Runtime::gso_active() const {
  return options_.use_gso && std::any_of(sockets_.begin(), sockets_.end(),
                                         [](const TransportSocket& s) { return s.gso_enabled(); });
}

bool Runtime::gro_active() const {
  return std::any_of(sockets_.begin(), sockets_.end(),
                     [](const TransportSocket& s) { return s.gro_enabled(); });
}

core::AssocId Runtime::connect(const net::SocketAddress& remote,
                               std::optional<std::uint16_t> remote_udp_port) {
  const auto ip = to_ip(remote);
  if (!ip) return 0;
  if (remote_udp_port) ports_.set(remote, remote.port(), *remote_udp_port);
  const core::AssocId id = engine_->connect({*ip}, remote.port(), now());
  if (id != 0) {
    PeerPorts& peer = peers_[id];
    peer.sctp_port = remote.port();
    peer.addresses.push_back(remote.with_port(0));
    port_owners_[net::RemotePortMap::key(remote, remote.port())] = id;
  }
  flush();
  return id;
}

core::SendStatus Runtime::send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                               std::vector<std::uint8_t> payload, bool unordered) {
  // Posted messages that wait for room go first.
  if (backlogs_.count(id) != 0) return core::SendStatus::kWouldBlock;
  core::SendOptions o;
  o.unordered = unordered;
  const auto status = engine_->send(id, StreamId(stream), Ppid(ppid), std::move(payload), o, now());
  flush();
  return status;
}

PostStatus Runtime::post_send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                              std::vector<std::uint8_t>&& payload, bool unordered,
                              std::chrono::microseconds wait) {
  const std::size_t size = payload.size();
  const std::size_t limit = options_.post_limit_bytes;
  {
    std::unique_lock lock(post_mutex_);
    const auto has_room = [&] {
      return posted_bytes_ == 0 || (posted_bytes_ <= limit && size <= limit - posted_bytes_);
    };
    if (!has_room()) {
      // Only the loop thread makes room: it must not wait for itself.
      if (wait.count() <= 0 || loop_thread_.load() == std::this_thread::get_id()) {
        return PostStatus::kFull;
      }
      if (!post_room_.wait_for(lock, wait, has_room)) return PostStatus::kFull;
    }
    posted_bytes_ += size;
    ++posted_messages_;
  }
  loop_->post([this, id, m = PostedMessage{stream, ppid, unordered, std::move(payload)}]() mutable {
    accept_posted(id, std::move(m));
  });
  return PostStatus::kQueued;
}

std::size_t Runtime::posted_bytes() const {
  std::lock_guard lock(post_mutex_);
  return posted_bytes_;
}

std::size_t Runtime::posted_messages() const {
  std::lock_guard lock(post_mutex_);
  return posted_messages_;
}

bool Runtime::wait_posted_below(std::size_t max_bytes, std::chrono::microseconds timeout) const {
  std::unique_lock lock(post_mutex_);
  return post_room_.wait_for(lock, timeout, [&] { return posted_bytes_ <= max_bytes; });
}

void Runtime::release_posted(std::size_t bytes, std::size_t messages) {
  std::lock_guard lock(post_mutex_);
  posted_bytes_ -= std::min(bytes, posted_bytes_);
  posted_messages_ -= std::min(messages, posted_messages_);
  post_room_.notify_all();
}

void Runtime::accept_posted(core::AssocId id, PostedMessage message) {
  note_loop_thread();
  Backlog& b = backlogs_[id];
  b.messages.push_back(std::move(message));
  if (b.messages.size() > 1) return;  // behind others that wait for room
  if (!drain_backlog(id) || flush_posted_) return;
  // One flush after all the messages posted for this loop iteration, so that small messages are
  // bundled into full packets (RFC 9260 §6.10) instead of leaving one by one.
  flush_posted_ = true;
  loop_->post([this] {
    flush_posted_ = false;
    flush();
  });
}

bool Runtime::engine_has_room(core::AssocId id, std::size_t size) const {
  // The send queue's rule (core/tx/send_queue.h): room for the whole message, or an empty queue.
  const std::size_t limit = options_.association.send_buffer_limit;
  const auto stats = engine_->stats(id);
  const std::size_t buffered = stats ? stats->send_buffer_bytes : 0;
  return buffered == 0 || (buffered <= limit && size <= limit - buffered);
}

bool Runtime::drain_backlog(core::AssocId id) {
  const auto it = backlogs_.find(id);
  if (it == backlogs_.end()) return false;
  Backlog& b = it->second;
  bool taken = false;
  while (!b.messages.empty()) {
    PostedMessage& m = b.messages.front();
    const std::size_t size = m.payload.size();
    // The engine consumes the payload even when it refuses it, so the refusals it would give are
    // checked here first, and the message handed back intact.
    core::SendStatus precheck = core::SendStatus::kOk;
    const auto state = engine_->state(id);
    if (!state || *state == core::AssociationState::kClosed) {
      precheck = core::SendStatus::kClosed;
    } else if (shutting_down_.count(id) != 0 || (*state != core::AssociationState::kCookieWait &&
                                                 *state != core::AssociationState::kCookieEchoed &&
                                                 *state != core::AssociationState::kEstablished)) {
      precheck = core::SendStatus::kShuttingDown;
    } else if (size == 0) {
      precheck = core::SendStatus::kEmptyMessage;
    } else if (engine_->config().association.dtls.enabled && m.stream == 0 &&
               m.ppid == core::kKeyManagementPpid) {
      precheck = core::SendStatus::kReservedPpid;
    } else if (const auto streams = outbound_streams_.find(id);
               m.stream >= (streams != outbound_streams_.end()
                                ? streams->second
                                : options_.association.outbound_streams)) {
      precheck = core::SendStatus::kInvalidStream;
    }
    if (precheck != core::SendStatus::kOk) {
      std::vector<PostedMessage> failed;
      failed.push_back(std::move(m));
      b.messages.pop_front();
      fail_posted(id, std::move(failed), std::string(refusal(precheck)));
      continue;
    }
    const bool fits = engine_has_room(id, size);
    if (!fits && b.engine_full) break;  // SendBufferAvailable will come
    core::SendOptions o;
    o.unordered = m.unordered;
    // A message that will not fit is offered as a copy, so that the engine notes a refused send
    // and reports room later (SendBufferAvailable); ours stays queued.
    const auto status =
        fits ? engine_->send(id, StreamId(m.stream), Ppid(m.ppid), std::move(m.payload), o, now())
             : engine_->send(id, StreamId(m.stream), Ppid(m.ppid), m.payload, o, now());
    if (status == core::SendStatus::kWouldBlock && !fits) {
      b.engine_full = true;
      b.was_full = true;
      break;
    }
    if (status == core::SendStatus::kOk) {
      if (b.was_full) ++counters_.posted_deferred;
      taken = true;
      b.messages.pop_front();
      release_posted(size, 1);
      continue;
    }
    // A refusal the checks above did not foresee: reported, with the payload when only a copy was
    // offered (the engine consumed a moved one).
    const bool kept = !fits;
    std::vector<PostedMessage> failed;
    failed.push_back(std::move(m));
    if (!kept) failed.back().payload.clear();
    b.messages.pop_front();
    fail_posted(id, std::move(failed),
                std::string(refusal(status)) + (kept ? "" : " (payload not kept)"));
    if (!kept) release_posted(size, 0);  // its bytes were counted when posted
  }
  if (b.messages.empty()) backlogs_.erase(it);
  return taken;
}

void Runtime::fail_posted(core::AssocId id, std::vector<PostedMessage> messages,
                          std::string reason) {
  if (messages.empty()) return;
  core::SendFailed failed;
  failed.id = id;
  failed.reason = std::move(reason);
  std::size_t bytes = 0;
  for (auto& m : messages) {
    bytes += m.payload.size();
    failed.messages.push_back(core::UnsentMessage{StreamId(m.stream), Ppid(m.ppid), m.unordered,
                                                  std::move(m.payload), 0});
  }
  counters_.posted_failed += messages.size();
  events_.push_back(std::move(failed));
  release_posted(bytes, messages.size());
}

bool Runtime::shutdown(core::AssocId id) {
  const bool ok = engine_->shutdown(id, now());
  // Before the handshake completes the engine's state does not show it yet (RFC 9260 §9.2).
  if (ok) shutting_down_.insert(id);
  flush();
  return ok;
}

bool Runtime::rekey(core::AssocId id) {
  const bool ok = engine_->rekey(id, now());
  flush();
  return ok;
}

bool Runtime::abort(core::AssocId id, std::string_view reason) {
  const bool ok = engine_->abort(id, reason, now());
  flush();
  return ok;
}

std::optional<core::Event> Runtime::poll_event() {
  if (events_.empty()) return std::nullopt;
  core::Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Runtime::run_once(std::chrono::microseconds max_wait) {
  note_loop_thread();
  loop_->run_once(max_wait);
}

bool Runtime::run_until(const std::function<bool()>& done, std::chrono::microseconds timeout) {
  note_loop_thread();
  return loop_->run_until(done, loop_->now() + timeout);
}

void Runtime::read_icmp_errors(std::size_t socket_index) {
  TransportSocket& socket = sockets_[socket_index];
  for (;;) {
    const std::size_t n = socket.read_errors(icmp_scratch_);
    for (std::size_t i = 0; i < n; ++i) {
      const net::IcmpError& error = icmp_scratch_[i];
      ++counters_.icmp_errors;
      if (error.kind == net::IcmpError::Kind::kPortUnreachable) ++counters_.icmp_port_unreachable;
      // The engine checks the quoted tag and acts (RFC 9260 Appendix C): lowers the path MTU,
      // or treats protocol unreachable (port unreachable with UDP encapsulation, RFC 6951
      // §5.5) as an ABORT.
      if (auto report = icmp_report(error, socket.raw())) {
        ++counters_.icmp_relevant;
        core::IcmpReport r;
        r.peer = report->peer;
        r.mtu = report->sctp_mtu.value_or(0);
        r.quoted = report->quoted();
        switch (report->kind) {
          case net::IcmpError::Kind::kFragmentationNeeded:
            r.kind = core::IcmpReport::Kind::kFragmentationNeeded;
            break;
          case net::IcmpError::Kind::kPortUnreachable:
          case net::IcmpError::Kind::kProtocolUnreachable:
            r.kind = core::IcmpReport::Kind::kProtocolUnreachable;
            break;
          default: r.kind = core::IcmpReport::Kind::kOther; break;
        }
        engine_->handle_icmp(r, now());
        last_icmp_report_ = std::move(report);
      }
    }
    if (n < icmp_scratch_.size()) break;
  }
}

std::optional<IcmpReport> Runtime::icmp_report(const net::IcmpError& error, bool raw) const {
  const auto peer = to_ip(error.destination);
  if (!peer) return std::nullopt;
  // RFC 6951 §5.5: only errors about datagrams to the port we use for that peer.
  if (!raw && !net::icmp_concerns_encapsulation(error, ports_)) return std::nullopt;
  // The quoted common header, when present, must be one of ours.
  if (error.sctp_source_port && *error.sctp_source_port != options_.sctp_port) return std::nullopt;
  IcmpReport report;
  report.peer = *peer;
  report.sctp_source_port = error.sctp_source_port;
  report.sctp_destination_port = error.sctp_destination_port;
  report.verification_tag = error.verification_tag;
  report.kind = error.kind;
  report.icmp_type = error.icmp_type;
  report.icmp_code = error.icmp_code;
  report.quote = error.quote;
  report.quoted_bytes = error.quoted_bytes;
  if (error.kind == net::IcmpError::Kind::kFragmentationNeeded && error.mtu != 0) {
    const std::size_t ip_header = error.destination.is_v6() ? 40 : 20;
    const std::size_t overhead =
        raw ? ip_header : net::encapsulation_overhead(error.destination.family());
    report.sctp_mtu = error.mtu > overhead ? error.mtu - overhead : 0;
  }
  return report;
}

void Runtime::on_readable(std::size_t socket_index) {
  note_loop_thread();
  read_icmp_errors(socket_index);
  TransportSocket& socket = sockets_[socket_index];
  const bool raw = socket.raw();
  const auto local = to_ip(socket.local_address());
  for (int round = 0; round < kMaxReadRounds; ++round) {
    const net::SocketStats before = socket.stats();
    auto received = socket.recv_batch(recv_batch_);
    counters_.recv_syscalls += socket.stats().receive_calls - before.receive_calls;
    counters_.gro_buffers_in += socket.stats().gro_buffers_received - before.gro_buffers_received;
    if (!received.ok() || *received == 0) break;
    const TimePoint t = now();
    for (const net::ReceivedDatagram d : recv_batch_) {
      ++counters_.datagrams_in;
      const bool plausible = raw ? d.data.size() >= net::kSctpCommonHeaderSize
                                 : net::plausible_encapsulated_packet(d.data, d.from);
      // A raw socket sees every SCTP packet of the host (other stacks' and, on loopback, our own
      // outgoing ones): skip those not for our port (RFC 9260 §3.1 destination port).
      const bool other_port =
          raw && plausible && (std::uint16_t{d.data[2]} << 8 | d.data[3]) != options_.sctp_port;
      // Captured before the engine sees it: it decrypts protected packets in place.
      if ((pcap_ || options_.packet_observer) && !other_port) capture_received(socket, d, t);
      if (!plausible) {
        ++counters_.implausible_dropped;
        continue;
      }
      if (other_port) {
        ++counters_.raw_other_port;
        continue;
      }
      const auto from = to_ip(d.from);
      auto to = d.to.is_unspecified() ? local : to_ip(d.to);
      if (!from || !to) {
        ++counters_.implausible_dropped;
        continue;
      }
      // Read before the engine decrypts in place: the peer's SCTP port and the first chunk.
      const auto peer_sctp_port = static_cast<std::uint16_t>(d.data[0] << 8 | d.data[1]);
      const bool init = d.data.size() > net::kSctpCommonHeaderSize &&
                        d.data[net::kSctpCommonHeaderSize] == kChunkInit;
      const core::EndpointStats& stats = engine_->endpoint_stats();
      const std::uint64_t before_drops = drops(stats);
      const std::uint64_t before_ootb = stats.dropped_out_of_the_blue;
      engine_->handle_packet_in_place(d.data, *from, *to, t);  // decrypted where it lies
      if (!raw) {
        const std::uint64_t dropped = drops(stats) - before_drops;
        if (dropped == 0 && !init) {
          // RFC 6951 §5.4: the tag was checked, so this port is the peer's (a NAT may have moved
          // it).
          ports_.learn(d.from, peer_sctp_port);
        } else if (init || (dropped == 1 && stats.dropped_out_of_the_blue == before_ootb + 1)) {
          // No tag to check: answer where it came from, store nothing (an INIT for an existing
          // association must not redirect it).
          ports_.answer_to(d.from, peer_sctp_port);
        }
      }
      stage_engine_events(peer_sctp_port);
    }
    flush();
    // A batch with free slots left the socket empty: another receive call would only find
    // nothing (epoll is level-triggered, so later datagrams wake us again).
    if (*received < recv_batch_.slots()) break;
  }
}

void Runtime::on_writable(std::size_t socket_index) {
  (void)loop_->set_write_interest(sockets_[socket_index].fd(), false);
  blocked_ = false;
  flush();
}

std::optional<std::size_t> Runtime::socket_for(net::SocketAddress::Family family,
                                               const net::SocketAddress& from) const {
  std::optional<std::size_t> wildcard;
  std::optional<std::size_t> any_of_family;
  for (std::size_t i = 0; i < sockets_.size(); ++i) {
    const net::SocketAddress& local = sockets_[i].local_address();
    if (local.family() != family) continue;
    if (!from.is_unspecified() && local.same_ip(from)) return i;
    if (local.is_any() && !wildcard) wildcard = i;
    if (!any_of_family) any_of_family = i;
  }
  if (!wildcard && from.is_unspecified()) return any_of_family;
  return wildcard;
}

bool Runtime::send_pending() {
  while (pending_sent_ < pending_.size()) {
    const std::size_t index = pending_socket_[pending_sent_];
    std::size_t end = pending_sent_;
    while (end < pending_.size() && pending_socket_[end] == index) ++end;
    TransportSocket& socket = sockets_[index];
    const net::SocketStats before = socket.stats();
    const auto result =
        socket.send_batch(std::span(pending_).subspan(pending_sent_, end - pending_sent_));
    const net::SocketStats& after = socket.stats();
    counters_.send_syscalls += after.send_calls - before.send_calls;
    counters_.datagrams_out += after.datagrams_sent - before.datagrams_sent;
    counters_.send_dropped += after.send_dropped - before.send_dropped;
    counters_.gso_buffers_out += after.gso_buffers_sent - before.gso_buffers_sent;
    if (pcap_ || options_.packet_observer) {
      for (std::size_t i = 0; i < result.consumed; ++i) {
        capture_sent(socket, pending_[pending_sent_ + i]);
      }
    }
    pending_sent_ += result.consumed;
    if (result.would_block) {
      blocked_ = true;
      (void)loop_->set_write_interest(socket.fd(), true);
      return false;
    }
    if (result.consumed == 0) {  // refused without blocking: give these up
      counters_.send_dropped += end - pending_sent_;
      pending_sent_ = end;
    }
  }
  return true;
}

void Runtime::transmit() {
  if (blocked_) return;
  const TimePoint t = now();
  for (;;) {
    if (!send_pending()) return;
    pending_.clear();
    pending_socket_.clear();
    pending_sent_ = 0;
    std::size_t used = 0;
    while (arena_.size() - used >= packet_capacity_) {
      auto tx = engine_->poll_transmit(std::span(arena_).subspan(used, packet_capacity_), t);
      if (!tx) break;
      const auto to = net::SocketAddress::from_ip_bytes(tx->to.bytes(), 0);
      if (!to) {
        ++counters_.send_dropped;
        continue;
      }
      net::SocketAddress from;
      if (tx->from) {
        if (auto f = net::SocketAddress::from_ip_bytes(tx->from->bytes(), 0)) from = *f;
      }
      // Several sockets bound to specific addresses: send from the one the route to `to` leaves
      // by, so that the answer comes back over the same path (multihoming).
      // (The kernel's choice may be none of ours, like 127.0.0.1 when bound to 127.0.0.3: then
      // any socket of the family.)
      if (from.is_unspecified() && sockets_.size() > 1) {
        const net::SocketAddress preferred = source_for(*to);
        if (!preferred.is_unspecified() && socket_for(to->family(), preferred)) from = preferred;
      }
      const auto index = socket_for(to->family(), from);
      if (!index) {
        ++counters_.send_dropped;
        continue;
      }
      const TransportSocket& socket = sockets_[*index];
      const std::span<const std::uint8_t> packet(arena_.data() + used, tx->size);
      used += tx->size;
      net::SocketAddress destination = *to;
      if (!socket.raw() && packet.size() >= net::kSctpCommonHeaderSize) {
        // The engine wrote the common header: the peer's SCTP port picks the association's port.
        const auto peer_port = static_cast<std::uint16_t>(packet[2] << 8 | packet[3]);
        const std::uint8_t first =
            packet.size() > net::kSctpCommonHeaderSize ? packet[net::kSctpCommonHeaderSize] : 0;
        const bool answer =
            first == kChunkInitAck || first == kChunkAbort || first == kChunkShutdownComplete;
        destination =
            answer ? ports_.answer_destination(*to, peer_port) : ports_.destination(*to, peer_port);
      }
      // A socket bound to one address sends from it anyway; a wildcard one uses `from`.
      if (!socket.local_address().is_any() || from.family() != destination.family()) {
        from = net::SocketAddress();
      }
      // UDP GSO (Linux udp(7) UDP_SEGMENT): a packet joins the previous buffer when it goes the
      // same way, the buffer's datagrams so far are all of one size, and it is not larger.
      if (options_.use_gso && socket.gso_enabled() && !pending_.empty() &&
          pending_socket_.back() == *index) {
        net::OutgoingDatagram& last = pending_.back();
        const std::size_t segment = last.segment_size != 0 ? last.segment_size : last.data.size();
        if (last.to == destination && last.from == from && last.data.size() % segment == 0 &&
            packet.size() <= segment && last.data.size() / segment < net::kMaxGsoSegments &&
            last.data.size() + packet.size() <= kMaxGsoBytes &&
            last.data.data() + last.data.size() == packet.data()) {
          last.segment_size = static_cast<std::uint16_t>(segment);
          last.data =
              std::span<const std::uint8_t>(last.data.data(), last.data.size() + packet.size());
          continue;
        }
      }
      pending_.push_back(net::OutgoingDatagram{packet, destination, from, 0});
      pending_socket_.push_back(*index);
    }
    if (pending_.empty()) return;
  }
}

net::SocketAddress Runtime::source_for(const net::SocketAddress& to) {
  // Routes change when links go down, so an answer older than a second is asked again; the
  // cache is small because only endpoints bound to several addresses use it.
  const TimePoint t = now();
  auto it = route_cache_.find(to);
  if (it != route_cache_.end() && t - it->second.probed < sec(1)) return it->second.source;
  if (route_cache_.size() >= 4096) route_cache_.clear();
  const net::SocketAddress source = route_source(to);
  route_cache_[to] = RouteEntry{source, t};
  return source;
}

void Runtime::flush() {
  // Events first: an AssociationUp decides ports the packets sent with it need.
  collect_events();
  do {
    transmit();
  } while (collect_events());
  // Answers and the ports of down associations served the packets sent above; while blocked, the
  // engine may still hold some.
  if (!blocked_) {
    ports_.clear_answers();
    forget_retired_ports();
  }
  rearm_timer();
  // Every capture happens in a round that ends here: the file is current when the loop waits.
  flush_capture();
}

void Runtime::capture_received(const TransportSocket& socket, const net::ReceivedDatagram& d,
                               TimePoint t) {
  // The destination: the address from pktinfo, else the one the socket is bound to; the port is
  // ours (raw IP has none).
  net::SocketAddress to = d.to.is_unspecified() ? socket.local_address() : d.to;
  to.set_port(local_udp_port_);
  if (pcap_) {
    pcap_->write(d.from, to, socket.raw() ? CaptureEncapsulation::kIp : CaptureEncapsulation::kUdp,
                 d.data);
  }
  if (options_.packet_observer) {
    options_.packet_observer(PacketTrace{PacketTrace::Direction::kReceived, t, d.from, to, d.data});
  }
}

void Runtime::capture_sent(const TransportSocket& socket, const net::OutgoingDatagram& d) {
  // The source the kernel used: the socket's own address, else the one asked for, else the one
  // its route leaves by (a wildcard socket).
  net::SocketAddress from = socket.local_address();
  if (from.is_any()) from = d.from.is_unspecified() ? source_for(d.to.with_port(0)) : d.from;
  from.set_port(local_udp_port_);
  const auto encapsulation = socket.raw() ? CaptureEncapsulation::kIp : CaptureEncapsulation::kUdp;
  // A GSO buffer is on the wire as separate datagrams of segment_size (the last may be shorter).
  const std::size_t segment = d.segment_size != 0 ? d.segment_size : d.data.size();
  const TimePoint t = now();
  for (std::size_t offset = 0; offset < d.data.size(); offset += segment) {
    const auto packet = d.data.subspan(offset, std::min(segment, d.data.size() - offset));
    if (pcap_) pcap_->write(from, d.to, encapsulation, packet);
    if (options_.packet_observer) {
      options_.packet_observer(PacketTrace{PacketTrace::Direction::kSent, t, from, d.to, packet});
    }
  }
}

void Runtime::flush_capture() {
  if (!pcap_) return;
  pcap_->flush();
  counters_.pcap_captured = pcap_->captured();
  counters_.pcap_not_captured = pcap_->not_captured();
}

bool Runtime::collect_events() {
  bool handed = false;
  while (auto e = next_engine_event()) {
    if (const auto* up = std::get_if<core::AssociationUp>(&*e)) {
      outbound_streams_[up->id] = up->outbound_streams;
      adopt_peer_addresses(*up);
      events_.push_back(std::move(*e));
    } else if (const auto* room = std::get_if<core::SendBufferAvailable>(&*e)) {
      const core::AssocId id = room->id;
      events_.push_back(std::move(*e));
      if (const auto it = backlogs_.find(id); it != backlogs_.end()) {
        it->second.engine_full = false;
        handed = drain_backlog(id) || handed;
      }
    } else if (const auto* down = std::get_if<core::AssociationDown>(&*e)) {
      const core::AssocId id = down->id;
      retire_peer(id);
      const std::string reason = "association down (" + std::string(core::to_string(down->reason)) +
                                 ") before the engine took the message";
      events_.push_back(std::move(*e));
      outbound_streams_.erase(id);
      shutting_down_.erase(id);
      if (const auto it = backlogs_.find(id); it != backlogs_.end()) {
        std::vector<PostedMessage> waiting(std::make_move_iterator(it->second.messages.begin()),
                                           std::make_move_iterator(it->second.messages.end()));
        backlogs_.erase(it);
        fail_posted(id, std::move(waiting), reason);
      }
    } else {
      events_.push_back(std::move(*e));
    }
  }
  // Backstop: the engine reports room only after a SACK, and below half its limit; hand over
  // what fits now.
  if (!backlogs_.empty()) {
    backlog_scratch_.clear();
    for (const auto& [id, b] : backlogs_) backlog_scratch_.push_back(id);
    for (const core::AssocId id : backlog_scratch_) {
      const auto it = backlogs_.find(id);
      if (it == backlogs_.end() || it->second.messages.empty()) continue;
      if (engine_has_room(id, it->second.messages.front().payload.size())) {
        it->second.engine_full = false;
        handed = drain_backlog(id) || handed;
      }
    }
  }
  return handed;
}

std::optional<core::Event> Runtime::next_engine_event() {
  if (!staged_.empty()) {
    core::Event e = std::move(staged_.front());
    staged_.pop_front();
    return e;
  }
  return engine_->poll_event();
}

void Runtime::stage_engine_events(std::uint16_t peer_sctp_port) {
  while (auto e = engine_->poll_event()) {
    // The packet just handled completed the handshake (COOKIE ECHO, COOKIE ACK): it came from the
    // association's peer port.
    if (const auto* up = std::get_if<core::AssociationUp>(&*e)) note_peer(up->id, peer_sctp_port);
    staged_.push_back(std::move(*e));
  }
}

void Runtime::note_peer(core::AssocId id, std::uint16_t peer_sctp_port) {
  peers_[id].sctp_port = peer_sctp_port;
}

void Runtime::adopt_peer_addresses(const core::AssociationUp& up) {
  const auto it = peers_.find(up.id);
  if (it == peers_.end()) return;
  PeerPorts& peer = it->second;
  const std::uint16_t sctp_port = peer.sctp_port;
  std::vector<net::SocketAddress> addresses;
  for (const auto& a : up.peer_addresses) {
    if (const auto sa = net::SocketAddress::from_ip_bytes(a.bytes(), 0)) addresses.push_back(*sa);
  }
  // The peer's addresses that nothing came from yet get the UDP port its handshake came from
  // (RFC 6951 §5.1 keeps one per destination address; the peer has one local port for all,
  // §5.1 too), not the configured default: the first HEARTBEAT to another address would hit a
  // closed port.
  std::optional<std::uint16_t> port;
  for (const auto& a : addresses) {
    if ((port = ports_.learned(a, sctp_port))) break;
  }
  for (const auto& a : addresses) {
    if (port && !ports_.learned(a, sctp_port)) ports_.set(a, sctp_port, *port);
    port_owners_[net::RemotePortMap::key(a, sctp_port)] = up.id;
    if (std::find(peer.addresses.begin(), peer.addresses.end(), a) == peer.addresses.end()) {
      peer.addresses.push_back(a);
    }
  }
}

void Runtime::retire_peer(core::AssocId id) {
  const auto it = peers_.find(id);
  if (it == peers_.end()) return;
  for (const auto& a : it->second.addresses) {
    retired_ports_.emplace_back(net::RemotePortMap::key(a, it->second.sctp_port), id);
  }
  peers_.erase(it);
}

void Runtime::forget_retired_ports() {
  for (const auto& [key, id] : retired_ports_) {
    const auto owner = port_owners_.find(key);
    // A newer association with the same peer (a reconnect) keeps the entry.
    if (owner == port_owners_.end() || owner->second != id) continue;
    port_owners_.erase(owner);
    ports_.forget(key, key.port());
  }
  retired_ports_.clear();
}

void Runtime::rearm_timer() {
  const TimePoint deadline = engine_->poll_timeout();
  if (timer_ && deadline == timer_deadline_) return;
  if (timer_) loop_->cancel_timer(*timer_);
  timer_.reset();
  timer_deadline_ = deadline;
  if (deadline == kTimeInfinite) return;
  timer_ = loop_->add_timer(deadline.time_since_epoch(), [this] {
    timer_.reset();
    timer_deadline_ = kTimeInfinite;
    engine_->advance_time(now());
    flush();
  });
}

}  // namespace sctps::api
