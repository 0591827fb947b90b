// An SCTP endpoint (RFC 9260 §1.3): one local port and set of addresses, and the associations to
// its peers. It demultiplexes packets by peer address, port and verification tag, answers
// out-of-the-blue packets (§8.4), and runs the stateless half of the handshake: an INIT is answered
// with an INIT ACK carrying a State Cookie and no state is kept until a valid COOKIE ECHO arrives
// (§5.1.3). Sans-IO, like the associations it owns.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/association/association.h"
#include "core/events.h"
#include "core/options.h"
#include "core/random.h"

namespace sctps::core {

struct EndpointConfig {
  std::uint16_t local_port = 0;
  // Our addresses, listed in INIT / INIT ACK (§5.1.2). Empty: the peer uses the source address.
  std::vector<IpAddress> local_addresses;
  AssociationOptions association;
  // The State Cookie secret changes this often; the previous one stays valid (so a cookie lives
  // through one rotation at least). Default: Valid.Cookie.Life.
  Duration cookie_secret_rotation = sec(60);
  // Upper bound on associations (a server's resource limit); INITs beyond it get an ABORT with
  // Out of Resource.
  std::size_t max_associations = 65536;
  // Key-management methods for associations that agree on the DTLS chunk (association.dtls):
  // not owned, must outlive the endpoint. Null: an agreed association is aborted ("no key
  // management configured").
  KeyManagerFactory* key_managers = nullptr;
  // Called with one key-log line per installed key direction (specs README reading #6); unset
  // (the default) means no key log. Never set it unless the user asked for a key log.
  protect::KeyLogCallback key_log;
};

struct EndpointStats {
  std::uint64_t packets_received = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t dropped_bad_checksum = 0;
  std::uint64_t dropped_malformed = 0;
  std::uint64_t dropped_wrong_port = 0;
  std::uint64_t dropped_bundled_init = 0;  // INIT with other chunks (§6.10)
  std::uint64_t dropped_zero_tag = 0;      // tag 0 on a packet that is not a lone INIT (§8.5.1 A)
  std::uint64_t dropped_out_of_the_blue = 0;
  std::uint64_t dropped_bad_cookie = 0;  // MAC or format wrong
  std::uint64_t stale_cookies = 0;
  std::uint64_t inits_answered = 0;
  std::uint64_t aborts_sent_out_of_the_blue = 0;
  std::uint64_t dropped_bundled_dtls = 0;  // DTLS chunk bundled with other chunks (draft §5.2)
  std::uint64_t dropped_unprotected = 0;   // unprotected packet for a protected association
  std::uint64_t inits_aborted_dtls = 0;    // INIT refused by the DTLS negotiation (causes 100-103)
  std::uint64_t icmp_received = 0;
  std::uint64_t icmp_ignored = 0;  // no association, wrong tag, too short (Appendix C ICMP5/6)
};

class Endpoint {
 public:
  Endpoint(EndpointConfig config, RandomSource& random, TimePoint now);
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Input. A protected packet is decrypted where it lies: handle_packet_in_place() may change the
  // caller's buffer and avoids a copy; handle_packet() copies into a scratch buffer first.
  void handle_packet(wire::Bytes packet, const IpAddress& from, const IpAddress& to, TimePoint now);
  void handle_packet_in_place(wire::MutableBytes packet, const IpAddress& from, const IpAddress& to,
                              TimePoint now);
  void advance_time(TimePoint now);
  void handle_icmp(const IcmpReport& report, TimePoint now);

  // Output: the next deadline, packets (into the caller's buffer; at least the largest MTU),
  // events.
  TimePoint poll_timeout() const;
  std::optional<Transmit> poll_transmit(wire::MutableBytes buffer, TimePoint now);
  std::optional<Event> poll_event();

  // Application requests.
  AssocId connect(const std::vector<IpAddress>& remote, std::uint16_t remote_port, TimePoint now);
  SendStatus send(AssocId id, StreamId stream, Ppid ppid, std::vector<std::uint8_t> payload,
                  const SendOptions& options, TimePoint now);
  bool shutdown(AssocId id, TimePoint now);
  bool abort(AssocId id, std::string_view reason, TimePoint now);
  // Fresh keys now (porfiri §6.2); false when the association has no key manager that can rekey.
  bool rekey(AssocId id, TimePoint now);

  // The DTLS chunk negotiation of an association (draft §7.2 "get agreed method and role", with
  // the down-grade data), nullopt for an unknown association or before the negotiation is done.
  std::optional<NegotiationResult> dtls_agreement(AssocId id) const;
  // The association's protection operator (nullptr when it has none), for inspection.
  const protect::ChunkProtector* protector(AssocId id) const;

  std::optional<AssociationStats> stats(AssocId id) const;
  std::optional<AssociationState> state(AssocId id) const;
  const EndpointStats& endpoint_stats() const { return stats_; }
  std::size_t association_count() const { return associations_.size(); }
  const EndpointConfig& config() const { return config_; }

 private:
  struct OwnedPacket {
    std::vector<std::uint8_t> bytes;
    IpAddress to;
    IpAddress from;
  };
  using PeerKey = std::pair<IpAddress, std::uint16_t>;

  Association* find(const IpAddress& address, std::uint16_t port);
  void register_peer(Association& a);
  void handle_init(const wire::PacketView& packet, const IpAddress& from, const IpAddress& to,
                   Association* existing, TimePoint now);
  void handle_cookie_echo(const wire::PacketView& packet, const IpAddress& from,
                          const IpAddress& to, Association* existing, TimePoint now);
  void handle_out_of_the_blue(const wire::PacketView& packet, const IpAddress& from,
                              const IpAddress& to);
  // Queues a packet of one chunk built by `encode`, with the given tag, to `to`.
  template <typename Chunk>
  void send_alone(const Chunk& chunk, std::uint16_t dst_port, VerificationTag tag,
                  const IpAddress& to, const IpAddress& from);
  void send_abort(std::uint16_t dst_port, VerificationTag tag, bool reflected,
                  std::span<const wire::ErrorCause> causes, const IpAddress& to,
                  const IpAddress& from);
  void reap(AssocId id);
  NegotiationResult dtls_from_cookie(const StateCookie& cookie) const;

  EndpointConfig config_;
  RandomSource& random_;
  CookieAuthenticator cookies_;
  std::deque<Event> events_;
  EndpointContext ctx_;
  std::map<AssocId, std::unique_ptr<Association>> associations_;
  std::map<PeerKey, AssocId> by_peer_;
  AssocId next_id_ = 1;
  std::deque<OwnedPacket> outbox_;
  TimePoint next_rotation_;
  std::size_t transmit_cursor_ = 0;
  std::vector<std::uint8_t> scratch_;  // the const handle_packet's copy
  EndpointStats stats_;
};

}  // namespace sctps::core
