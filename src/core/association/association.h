// One SCTP association (RFC 9260): the state machine of §4 around the components that do the work —
// send and retransmission queues (tx/), TSN tracking and reassembly (rx/), paths with RTO,
// congestion control and heartbeats (path/). Sans-IO: packets and time in, packets, events and the
// next deadline out. The procedures live in separate files: establishment.cc (§5), data.cc (§6,
// §7), heartbeat.cc (§8.3), shutdown.cc (§9); this file holds the dispatch, timers and transmit.
//
// The seam for the DTLS chunk protector: every outgoing packet's chunks are assembled by
// build_packet() into the caller's buffer, and every incoming packet's chunks enter through
// handle_packet() with a flag saying whether they arrived protected.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/address.h"
#include "core/association/association_stats.h"
#include "core/events.h"
#include "core/handshake/capabilities.h"
#include "core/handshake/dtls_negotiation.h"
#include "core/handshake/init_parameters.h"
#include "core/handshake/state_cookie.h"
#include "core/icmp_report.h"
#include "core/key_management.h"
#include "core/options.h"
#include "core/path/path_manager.h"
#include "core/random.h"
#include "core/ring_queue.h"
#include "core/rx/data_tracker.h"
#include "core/rx/reassembly_queue.h"
#include "core/sequence_number.h"
#include "core/timer.h"
#include "core/tx/retransmission_queue.h"
#include "core/tx/send_queue.h"
#include "wire/abort_chunk.h"
#include "wire/chunk_type.h"
#include "wire/error_causes.h"
#include "wire/packet.h"
#include "wire/packet_builder.h"
#include "wire/shutdown_chunks.h"

namespace sctps::core {

// §3.3.2 / §3.3.3: an INIT or INIT ACK advertising less than this receive window is discarded.
inline constexpr std::uint32_t kMinimumAdvertisedWindow = 1500;

// Chunks that go in clear and alone even when a send key is set: INIT (never protected, draft
// §5.4) and the COOKIE ECHO / COOKIE ACK of the initial handshake (see protection.cc).
inline bool travels_in_clear(std::uint8_t first_chunk_type) {
  return first_chunk_type == wire::chunk_type::kInit ||
         first_chunk_type == wire::chunk_type::kCookieEcho ||
         first_chunk_type == wire::chunk_type::kCookieAck;
}

// What an association shares with its endpoint.
struct EndpointContext {
  AssociationOptions options;
  std::uint16_t local_port = 0;
  std::vector<IpAddress> local_addresses;
  RandomSource* random = nullptr;
  CookieAuthenticator* cookies = nullptr;
  std::deque<Event>* events = nullptr;
  KeyManagerFactory* key_managers = nullptr;
  const protect::KeyLogCallback* key_log = nullptr;  // set: a key log was asked for
};

// A packet the caller must send: `size` bytes at the start of the buffer it passed in.
struct Transmit {
  std::size_t size = 0;
  IpAddress to;
  std::optional<IpAddress> from;  // the local address the peer last reached us on, if known
};

enum class AssociationState : std::uint8_t {
  kCookieWait,
  kCookieEchoed,
  kEstablished,
  kShutdownPending,
  kShutdownSent,
  kShutdownReceived,
  kShutdownAckSent,
  kClosed,
};
std::string_view to_string(AssociationState state);

class Association {
 public:
  // Active open (§5.1 A): COOKIE-WAIT with an INIT queued to the first remote address.
  static std::unique_ptr<Association> connect(AssocId id, EndpointContext& ctx,
                                              const std::vector<IpAddress>& remote,
                                              std::uint16_t remote_port, TimePoint now);
  // Passive open from an authenticated COOKIE ECHO (§5.1 D): ESTABLISHED, COOKIE ACK queued.
  // `dtls`: the DTLS chunk negotiation the endpoint did for the INIT (from the cookie).
  static std::unique_ptr<Association> from_cookie(AssocId id, EndpointContext& ctx,
                                                  const StateCookie& cookie, const IpAddress& from,
                                                  const IpAddress& to,
                                                  const NegotiationResult& dtls, TimePoint now);

  Association(const Association&) = delete;
  Association& operator=(const Association&) = delete;

  AssocId id() const { return id_; }
  AssociationState state() const { return state_; }
  bool closed() const { return state_ == AssociationState::kClosed; }
  std::uint16_t peer_port() const { return peer_port_; }
  VerificationTag local_tag() const { return local_tag_; }
  VerificationTag peer_tag() const { return peer_tag_; }
  Tsn local_initial_tsn() const { return local_initial_tsn_; }
  std::vector<IpAddress> peer_addresses() const;
  const Capabilities& capabilities() const { return caps_; }
  AssociationStats stats() const;

  // A packet demultiplexed to this association, checksum verified. `first_chunk` skips chunks the
  // endpoint already handled (a COOKIE ECHO). §8.5 verification-tag rules are applied here.
  void handle_packet(const wire::PacketView& packet, const IpAddress& from, const IpAddress& to,
                     bool is_protected, TimePoint now, std::size_t first_chunk = 0);

  // A packet whose only chunk is a DTLS chunk (draft §5.2): opened with the association's keys
  // (in place) and its chunks dispatched as protected. Drops are counted.
  void handle_protected_packet(wire::MutableBytes packet, const wire::PacketView& view,
                               const IpAddress& from, const IpAddress& to, TimePoint now);
  // Whether an unprotected packet may be processed (draft §5.2, §7.9); counts it when not.
  bool accept_unprotected(const wire::PacketView& view);

  // An ICMP error whose quoted packet carried this association's tag (RFC 9260 Appendix C
  // ICMP7-ICMP9); `quotes_init`: the quoted packet was our INIT (tag 0).
  void handle_icmp(const IcmpReport& report, bool quotes_init, TimePoint now);

  // The state-cookie collision table of §5.2.4 for a COOKIE ECHO that matches this association.
  void handle_cookie_echo(const StateCookie& cookie, const IpAddress& from,
                          const NegotiationResult& dtls, TimePoint now);
  // §5.2.1 / §5.2.2: the tags an INIT ACK answering an INIT for this association must carry.
  struct InitAckTags {
    VerificationTag initiate_tag;
    Tsn initial_tsn;
    std::uint32_t local_tie_tag = 0;
    std::uint32_t peer_tie_tag = 0;
  };
  InitAckTags tags_for_init_ack(RandomSource& random) const;
  bool has_peer_address(const IpAddress& address) const { return paths_.find(address).has_value(); }
  // An INIT arrived in SHUTDOWN-ACK-SENT (§9.2): retransmit the SHUTDOWN ACK instead.
  void on_init_while_shutting_down(TimePoint now);

  void advance_time(TimePoint now);
  TimePoint next_deadline() const;
  // Builds the next packet into `buffer` (at least the path MTU); nullopt when nothing is to send.
  std::optional<Transmit> poll_transmit(wire::MutableBytes buffer, TimePoint now);

  SendStatus send(StreamId stream, Ppid ppid, std::vector<std::uint8_t> payload,
                  const SendOptions& options, TimePoint now);
  void shutdown(TimePoint now);
  void abort(std::string_view reason, TimePoint now);
  bool rekey(TimePoint now);
  // T_fail of this association's options (porfiri §6.2.3).
  Duration failure_time() const;
  // The DTLS chunk negotiation (kDisabled until known) and the protection operator (if agreed).
  const NegotiationResult& dtls() const { return dtls_; }
  bool dtls_negotiated() const { return dtls_known_; }
  // The DTLS Key Management parameter of our INIT (active side), if any.
  const std::optional<wire::DtlsKeyManagementParameter>& dtls_sent() const { return dtls_sent_; }
  const protect::ChunkProtector* protector() const { return protector_ ? &*protector_ : nullptr; }
  // Chunks still queued (an ABORT or SHUTDOWN COMPLETE after closing): poll_transmit() first.
  bool has_pending_control() const { return !control_.empty(); }

 private:
  Association(AssocId id, EndpointContext& ctx, std::uint16_t peer_port, TimePoint now);

  // A chunk waiting to be sent, already encoded; `path` none: any destination.
  struct PendingControl {
    std::vector<std::uint8_t> bytes;
    std::optional<PathId> path;
    bool with_zero_tag = false;  // INIT (§8.5.1)
    bool tag_reflected = false;  // ABORT / SHUTDOWN COMPLETE answering with the T bit (§8.5.1)
    bool alone = false;          // in a packet of its own: the parting DATA before an ABORT
  };

  // --- dispatch (association.cc) ---
  bool verification_tag_ok(const wire::PacketView& packet) const;
  void report_unrecognized_chunk(const wire::ChunkView& chunk);
  void protocol_violation(std::string_view what, TimePoint now);
  void set_state(AssociationState state, std::string_view reason);
  void emit(Event event);
  template <typename Chunk>
  void queue_control(const Chunk& chunk, std::optional<PathId> path = std::nullopt);
  void queue_error(std::span<const wire::ErrorCause> causes,
                   std::optional<PathId> path = std::nullopt);
  PathId path_for(const IpAddress& address) const;
  std::optional<PathId> destination() const;
  wire::CommonHeader header(bool zero_tag, bool reflected) const;

  // --- establishment (establishment.cc) ---
  void send_init(TimePoint now);
  void on_init_ack(const wire::ChunkView& chunk, const IpAddress& from, TimePoint now);
  void on_cookie_ack(TimePoint now);
  void on_t1_expired(TimePoint now);
  void enter_established(TimePoint now);
  void adopt_peer(const InitParameterScan& scan, const IpAddress& from, bool confirmed,
                  TimePoint now);
  void setup_data_state(Tsn peer_initial_tsn, std::uint32_t peer_a_rwnd,
                        std::uint16_t outbound_streams, std::uint16_t inbound_streams);
  void restart_from_cookie(const StateCookie& cookie, const NegotiationResult& dtls, TimePoint now);
  void on_stale_cookie(std::uint32_t staleness_us, TimePoint now);
  LocalInitParameters local_init_parameters() const;
  void ensure_path_slots();
  void new_tie_tags();
  void queue_cookie_ack_first(std::optional<PathId> path);

  // --- data (data.cc) ---
  void on_data(const wire::ChunkView& chunk, const IpAddress& from, bool is_protected,
               TimePoint now, bool& stop);
  void on_sack(const wire::ChunkView& chunk, const IpAddress& from, TimePoint now);
  // ack_from: the peer address the acknowledgement came from, when known.
  void apply_sack_result(const RetransmissionQueue::SackResult& r,
                         const std::vector<std::size_t>& flight_before,
                         std::optional<IpAddress> ack_from, TimePoint now);
  void deliver_messages(TimePoint now);
  std::uint32_t advertised_window() const;
  void add_sack(wire::PacketBuilder& builder);
  void add_data(wire::PacketBuilder& builder, PathId path, TimePoint now);
  void on_t3_expired(PathId path, TimePoint now);
  void expire_messages(TimePoint now);
  bool all_data_acked() const;
  std::vector<UnsentMessage> take_undelivered();

  // --- DTLS chunk protection and key management (protection.cc) ---
  // Our DTLS Key Management parameter for an INIT (client side), when enabled.
  void prepare_dtls_parameter();
  // Takes the negotiation result: creates the protector and key manager when agreed, aborts with
  // the cause when told to. False when the association was aborted.
  bool apply_dtls(const NegotiationResult& result, TimePoint now);
  void start_key_management(TimePoint now);
  // Moves messages between the key manager and the send queue, reacts to its state and to the
  // protector's limit events. Called after every input.
  void drive_key_management(TimePoint now);
  bool holding_messages() const;
  void release_held_messages(TimePoint now);
  bool is_key_management_message(const ReceivedMessage& m) const;
  // The key manager failed: aborts, sending first what it still had to say (the TLS alert).
  void fail_key_management(TimePoint now);
  // Seals the packet built in `buffer` when a send key is set; false: drop the packet.
  bool seal_packet(wire::MutableBytes buffer, std::size_t& size, std::size_t capacity,
                   TimePoint now);

  // --- heartbeats (heartbeat.cc) ---
  void on_heartbeat(const wire::ChunkView& chunk, const IpAddress& from);
  void on_heartbeat_ack(const wire::ChunkView& chunk, TimePoint now);
  void run_heartbeats(TimePoint now);
  void apply_path_update(const PathUpdate& update, TimePoint now);

  // --- shutdown and abort (shutdown.cc) ---
  void on_shutdown(const wire::ChunkView& chunk, TimePoint now);
  void on_shutdown_ack(TimePoint now);
  void on_shutdown_complete(TimePoint now);
  void on_abort(const wire::ChunkView& chunk);
  void on_error(const wire::ChunkView& chunk, TimePoint now);
  void maybe_progress_shutdown(TimePoint now);
  void send_shutdown(TimePoint now);
  void send_shutdown_ack(TimePoint now);
  void on_t2_expired(TimePoint now);
  void fail(DownReason reason, std::string detail);
  void send_abort(std::span<const wire::ErrorCause> causes);

  AssocId id_;
  EndpointContext& ctx_;
  AssociationState state_ = AssociationState::kClosed;
  std::uint16_t peer_port_;

  VerificationTag local_tag_{0};
  VerificationTag peer_tag_{0};
  Tsn local_initial_tsn_{0};
  Tsn peer_initial_tsn_{0};
  Capabilities caps_;
  // Tie-tags (§5.2.2): random values that stand for our tags in the cookies of INIT ACKs answering
  // unexpected INITs, so the unencrypted cookie never reveals the real tags. 0 in COOKIE-WAIT.
  std::uint32_t local_tie_tag_ = 0;
  std::uint32_t peer_tie_tag_ = 0;
  std::uint16_t outbound_streams_ = 0;
  std::uint16_t inbound_streams_ = 0;

  PathManager paths_;
  std::vector<Timer> t3_;  // per path, by PathId
  std::vector<std::optional<IpAddress>> local_address_for_path_;
  std::optional<PathId> last_data_from_;  // SACKs go where DATA came from (§6.4)
  std::optional<PathId> retransmit_to_;   // after T3-rtx: an alternate destination (§6.4)

  SendQueue send_queue_;
  std::optional<RetransmissionQueue> rtx_;
  std::optional<DataTracker> tracker_;
  std::optional<ReassemblyQueue> reassembly_;
  Unwrapper<Tsn> tsn_unwrapper_;
  std::uint64_t next_message_id_ = 1;
  bool send_blocked_ = false;

  RingQueue<PendingControl> control_;
  std::vector<std::uint8_t> init_chunk_;                 // INIT as sent, for T1 retransmission
  std::vector<std::uint8_t> cookie_echo_chunk_;          // COOKIE ECHO as sent
  std::optional<std::uint32_t> cookie_preservative_ms_;  // after a Stale Cookie error (§5.2.6)
  Timer t1_;                                             // T1-init or T1-cookie (§5.1.6)
  Timer t2_;                                             // T2-shutdown (§9.2)
  Timer t5_;                                             // T5-shutdown-guard (§9.2)
  int stale_cookie_errors_ = 0;
  bool shutdown_requested_ = false;
  bool received_data_in_packet_ = false;

  // DTLS chunk (draft-ietf-tsvwg-sctp-dtls-chunk).
  std::optional<wire::DtlsKeyManagementParameter> dtls_sent_;  // our INIT's parameter
  NegotiationResult dtls_;
  bool dtls_known_ = false;
  std::optional<protect::ChunkProtector> protector_;
  std::unique_ptr<KeyManager> km_;
  bool protection_announced_ = false;
  bool protected_received_ = false;  // a packet opened: the peer has keys (see accept_unprotected)
  struct HeldMessage {
    StreamId stream;
    Ppid ppid;
    std::vector<std::uint8_t> payload;
    SendOptions options;
  };
  RingQueue<HeldMessage> held_;  // application messages waiting for protection
  std::size_t held_bytes_ = 0;

  AssociationCounters stats_;  // the snapshot fields are assembled by stats()
};

template <typename Chunk>
inline void Association::queue_control(const Chunk& chunk, std::optional<PathId> path) {
  PendingControl pc;
  pc.bytes.resize(wire::padded4(chunk.encoded_size()));
  wire::ByteWriter w(pc.bytes);
  chunk.encode(w);
  if (w.overflowed()) return;  // an encoder refused (size limits): nothing sensible to send
  pc.bytes.resize(w.size());
  // §5.4: only HEARTBEATs go to an unconfirmed address; anything else takes the data path.
  if (path && paths_.contains(*path) && !paths_.path(*path).is_confirmed() &&
      Chunk::kType != wire::chunk_type::kHeartbeat) {
    path.reset();
  }
  pc.path = path;
  if constexpr (requires { chunk.tag_reflected; }) {
    pc.tag_reflected = chunk.tag_reflected;
  }
  control_.push_back(std::move(pc));
}

}  // namespace sctps::core
