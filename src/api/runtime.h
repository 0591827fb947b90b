// Runtime: one core::Endpoint (the sans-IO engine) driven over real sockets by one net::EventLoop:
// UDP-encapsulated (RFC 6951, the default) or SCTP directly over IP (protocol 132, raw sockets).
// It owns the loop, the sockets, the engine and the clock conversion.
//
// Driving: when a socket is readable, recv_batch → engine.handle_packet (with `to` from pktinfo)
// → the engine's packets are drained with poll_transmit into one send arena (allocated once;
// nothing per packet) and sent with send_batch. Consecutive packets of one size to one destination
// leave as one UDP GSO buffer where the kernel supports it (use_gso), and the receive side takes
// GRO-coalesced runs (use_gro). A single loop timer follows poll_timeout(). When a send would
// block, draining stops and resumes when the socket is writable.
//
// Events: poll style. Engine events (core::Event) are queued and taken with poll_event(); call it
// after run_once / run_until, or give run_until a predicate that polls. No callbacks re-enter the
// engine.
//
// Threads: every method runs on the thread that drives the loop (run_once / run_until), except
// post_send(), posted_bytes(), posted_messages(), wait_posted_below() and loop().post()/stop(),
// which are thread-safe.
//
// Sending from another thread (post_send), the contract:
//   - Nothing posted is dropped silently. A message reaches the engine, in the order posted per
//     association (per posting thread when several threads post to one association), or comes
//     back as a core::SendFailed event carrying it (stream, ppid, payload; message_id 0, since the
//     engine never numbered it) and the reason: a final refusal by the engine (invalid stream,
//     empty message, shutting down, closed, unknown association), or the association going down
//     while the message still waited here.
//   - A message the engine refuses for lack of room (kWouldBlock) waits on the loop thread and is
//     handed over when the engine reports room (core::SendBufferAvailable; the event is still
//     passed on to the application).
//   - Memory is bounded: posted_bytes() counts what was posted and not yet taken by the engine (or
//     failed). post_send refuses with PostStatus::kFull, leaving the payload with the caller,
//     when accepting it would exceed RuntimeOptions::post_limit_bytes (a single message larger than
//     the limit is taken when nothing waits). Give post_send a `wait` to block for room, or call
//     wait_posted_below(); neither may be called on the loop thread with a non-zero wait, since
//     only that thread makes room (post_send then does not wait).
//   - send() on the loop thread answers kWouldBlock for an association while posted messages for
//     it still wait, so that it does not overtake them.
//   - Messages still waiting when the Runtime is destroyed are discarded with it: run the loop
//     until posted_messages() is 0 before destroying it, and let no thread be inside post_send
//     or wait_posted_below then.
//
// Remote UDP ports (RFC 6951 §5.1, §5.4): one per peer transport address, i.e. per association
// and destination address (the engine has one SCTP port, so the peer's IP and SCTP port name the
// association), never per IP alone: peers behind one NAT or on one host share an IP. Learned from
// the source port of packets the engine accepted after checking their tag (its endpoint drop
// counters did not move; a NAT rebinding is followed at the next such packet), else given to
// connect(), else the configured default. An INIT or an out-of-the-blue packet is answered at the
// port it came from without storing it. A peer's addresses that nothing came from yet take the
// port of the one that did, at AssociationUp; an association's ports are forgotten once it is down
// and its last packets are out.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/openssl_random.h"
#include "api/pcap_writer.h"
#include "api/protection_setup.h"
#include "api/transport_socket.h"
#include "core/endpoint.h"
#include "core/events.h"
#include "core/options.h"
#include "net/event_loop.h"
#include "net/icmp_error.h"
#include "net/net_error.h"
#include "net/socket_address.h"
#include "net/udp_encapsulation.h"

namespace sctps::api {

enum class Transport : std::uint8_t {
  kUdpEncapsulation,  // SCTP in UDP (RFC 6951): no privilege needed, passes NATs
  kRawIp,             // SCTP as IP protocol 132 (RFC 9260): raw sockets, CAP_NET_RAW
};
std::string_view to_string(Transport transport);

// One packet as the Runtime sent or received it (RuntimeOptions::packet_observer).
struct PacketTrace {
  enum class Direction : std::uint8_t { kSent, kReceived };
  Direction direction = Direction::kSent;
  TimePoint time;           // the loop's clock (monotonic)
  net::SocketAddress from;  // IP and UDP port (port 0 over raw IP)
  net::SocketAddress to;
  // From the SCTP common header on, exactly as on the wire: protected packets still encrypted,
  // received ones not validated (an observer parses them as hostile input). Valid during the call.
  std::span<const std::uint8_t> sctp;
};

struct RuntimeOptions {
  // How packets travel. Default UDP encapsulation: it needs no privilege and works next to a
  // kernel SCTP stack. kRawIp speaks native SCTP to any peer, but needs CAP_NET_RAW and a host
  // where the kernel's sctp module is not loaded (it would answer our peers with ABORT, RFC 9260
  // §8.4); udp_port, remote_udp_port and use_gso / use_gro do not apply to it.
  Transport transport = Transport::kUdpEncapsulation;
  // IPs to bind (ports ignored). Empty: the IPv4 wildcard.
  std::vector<net::SocketAddress> local_addresses;
  // Our UDP encapsulation port: 9899 (RFC 6951 §5.1); 0: ephemeral.
  std::uint16_t udp_port = net::kSctpUdpTunnelingPort;
  // Where to send to a peer nothing was learned from yet.
  std::uint16_t remote_udp_port = net::kSctpUdpTunnelingPort;
  // Our SCTP port (0 is not allowed by SCTP for a listener; a client may pick any).
  std::uint16_t sctp_port = 5000;
  core::AssociationOptions association;
  // The DTLS chunk: mode, pre-shared key file (method 0), key log. Applied over association.dtls;
  // a key file or key log that cannot be used makes create() fail before anything starts.
  ProtectionOptions protection;
  // Receive batch slots; the send arena holds this many packets.
  std::size_t batch_size = 64;
  // UDP GSO: a run of equal-size packets to one destination (the last may be shorter) leaves in one
  // buffer that the kernel segments, saving system calls and stack traversals. Default on; the
  // kernel's support is detected, and without it each packet is its own datagram.
  bool use_gso = true;
  // UDP GRO: the kernel may hand over a run of datagrams from one sender in one receive slot.
  // Default on (detected, like GSO); receive slots are then 64 KiB each instead of 16 KiB.
  bool use_gro = true;
  // post_send back-pressure: bytes posted and not yet taken by the engine, at most. Default 8 MiB,
  // twice the default send buffer, so that the engine does not starve while a producer waits.
  std::size_t post_limit_bytes = std::size_t{8} << 20;
  // Capture (api/pcap_writer.h): every datagram sent and received, as the network carries it, to
  // this pcap file (created or truncated). Empty: none.
  std::string pcap_file;
  // The capture file never grows past this; once a packet does not fit, capturing stops and the
  // rest are counted in RuntimeCounters::pcap_not_captured. Default 1 GiB: hours of a busy
  // association, yet bounded on a machine left running.
  std::size_t pcap_limit_bytes = std::size_t{1} << 30;
  // Called for every datagram sent and received, where the capture takes it (a received one
  // before the engine sees it), on the loop thread; it must not call into the Runtime. For tools
  // that show traffic as it happens (`sctps demo`). Empty: none, and no cost.
  std::function<void(const PacketTrace&)> packet_observer;
};

struct RuntimeCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;  // on the wire: a GSO buffer counts its segments
  std::uint64_t implausible_dropped = 0;
  // Raw IP: SCTP packets of this host for other SCTP ports (every raw socket sees them all).
  std::uint64_t raw_other_port = 0;
  std::uint64_t send_dropped = 0;
  std::uint64_t icmp_errors = 0;
  std::uint64_t icmp_port_unreachable = 0;
  // ICMP errors about packets of ours to a current peer (transport port and SCTP ports match), the
  // ones handed towards the engine; the rest are counted in icmp_errors only.
  std::uint64_t icmp_relevant = 0;
  // System calls made: sendmmsg / sendmsg, and recvmmsg / recvmsg (including the ones that found
  // nothing), so that send_syscalls / datagrams_out and recv_syscalls / datagrams_in give the
  // system calls per packet.
  std::uint64_t send_syscalls = 0;
  std::uint64_t recv_syscalls = 0;
  std::uint64_t gso_buffers_out = 0;  // sends that carried several datagrams
  std::uint64_t gro_buffers_in = 0;   // receive slots that held several datagrams
  // post_send: messages taken by the engine after waiting for room, and messages reported back
  // with a SendFailed event.
  std::uint64_t posted_deferred = 0;
  std::uint64_t posted_failed = 0;
  // Capture: datagrams written to pcap_file, and those left out (size limit or write error).
  // Received ones are counted from datagrams_in, less raw_other_port (not ours); sent ones are
  // those handed to the kernel, including any it then refused (send_dropped).
  std::uint64_t pcap_captured = 0;
  std::uint64_t pcap_not_captured = 0;
};

// What an ICMP error says about one of our packets, in the engine's terms (RFC 9260 §10 and
// Appendix C, RFC 6951 §5.5): the engine checks the quoted verification tag against the
// association towards `peer` before acting.
struct IcmpReport {
  IpAddress peer;  // where the offending packet went
  std::optional<std::uint16_t> sctp_source_port;
  std::optional<std::uint16_t> sctp_destination_port;
  std::optional<std::uint32_t> verification_tag;  // as quoted; absent when the quote was short
  net::IcmpError::Kind kind = net::IcmpError::Kind::kOther;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  // kFragmentationNeeded: the largest SCTP packet the path carries (the reported IP MTU less the
  // IP and, when encapsulating, UDP headers); absent when no MTU was given.
  std::optional<std::size_t> sctp_mtu;
  // The quoted SCTP packet from its common header on, as far as quoted (up to 64 bytes): for a
  // quoted INIT the engine matches the Initiate Tag in it.
  std::array<std::uint8_t, net::kMaxIcmpQuote> quote{};
  std::size_t quoted_bytes = 0;
  std::span<const std::uint8_t> quoted() const {
    return std::span<const std::uint8_t>(quote.data(), quoted_bytes);
  }
};

enum class PostStatus : std::uint8_t {
  kQueued,  // taken: it reaches the engine or comes back in a SendFailed event
  kFull,    // post_limit_bytes reached: the payload stays with the caller
};
std::string_view to_string(PostStatus status);

class Runtime {
 public:
  // Errors name what failed: "cannot bind 127.0.0.1:9899: Address already in use", or for raw IP
  // without privilege "raw IP SCTP needs CAP_NET_RAW (run as root or setcap), or use UDP
  // encapsulation", or "cannot open pcap file X: Permission denied".
  static net::NetResult<std::unique_ptr<Runtime>> create(const RuntimeOptions& options);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  // The UDP port actually bound (useful with udp_port 0; 0 over raw IP) and the SCTP port.
  std::uint16_t udp_port() const { return local_udp_port_; }
  std::uint16_t sctp_port() const { return options_.sctp_port; }
  Transport transport() const { return options_.transport; }
  // Whether some socket sends with GSO / receives with GRO (kernel support and the options).
  bool gso_active() const;
  bool gro_active() const;

  // Starts an association to `remote` (IP and SCTP port). `remote_udp_port`: the peer's UDP port
  // if known (else the configured default). The AssociationUp / AssociationDown event tells how it
  // went.
  core::AssocId connect(const net::SocketAddress& remote,
                        std::optional<std::uint16_t> remote_udp_port = std::nullopt);
  core::SendStatus send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                        std::vector<std::uint8_t> payload, bool unordered = false);
  // Thread-safe send; see the contract at the top. The payload is moved from only when the result
  // is kQueued. `wait`: how long to block for room when the limit is reached (not on the loop
  // thread).
  PostStatus post_send(core::AssocId id, std::uint16_t stream, std::uint32_t ppid,
                       std::vector<std::uint8_t>&& payload, bool unordered = false,
                       std::chrono::microseconds wait = std::chrono::microseconds{0});
  // Thread-safe: bytes and messages posted and not yet taken by the engine nor reported failed.
  std::size_t posted_bytes() const;
  std::size_t posted_messages() const;
  // Thread-safe, not on the loop thread: blocks until posted_bytes() <= max_bytes or `timeout`
  // passed; returns whether it holds. wait_posted_below(0, t): everything posted was handed over.
  bool wait_posted_below(std::size_t max_bytes, std::chrono::microseconds timeout) const;

  bool shutdown(core::AssocId id);
  bool abort(core::AssocId id, std::string_view reason);
  // Fresh keys now (porfiri §6.2); false if the association's key management cannot start a
  // rekey now (none, method 0, a handshake already running). KeysRotated tells when it is done.
  bool rekey(core::AssocId id);

  std::optional<core::Event> poll_event();
  std::optional<core::AssociationStats> stats(core::AssocId id) const { return engine_->stats(id); }
  const core::EndpointStats& endpoint_stats() const { return engine_->endpoint_stats(); }
  const RuntimeCounters& counters() const { return counters_; }
  // The last ICMP error that concerned one of our peers (counters().icmp_relevant counts them).
  const std::optional<IcmpReport>& last_icmp_report() const { return last_icmp_report_; }
  core::Endpoint& engine() { return *engine_; }
  net::EventLoop& loop() { return *loop_; }

  // Runs the loop once, waiting at most `max_wait`.
  void run_once(std::chrono::microseconds max_wait);
  // Runs until `done()` holds or `timeout` has passed; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::microseconds timeout);

 private:
  struct PostedMessage {
    std::uint16_t stream = 0;
    std::uint32_t ppid = 0;
    bool unordered = false;
    std::vector<std::uint8_t> payload;
  };
  // Posted messages of one association that the engine has not taken yet, in order.
  struct Backlog {
    std::deque<PostedMessage> messages;
    // The engine refused the head for lack of room: wait for SendBufferAvailable.
    bool engine_full = false;
    bool was_full = false;  // refused once since the backlog formed (counters_.posted_deferred)
  };

  Runtime(RuntimeOptions options, std::unique_ptr<net::EventLoop> loop,
          std::vector<TransportSocket> sockets, std::uint16_t local_udp_port,
          std::unique_ptr<ProtectionSetup> protection);
  TimePoint now() const { return TimePoint{loop_->now()}; }
  void note_loop_thread() { loop_thread_.store(std::this_thread::get_id()); }
  void on_readable(std::size_t socket_index);
  void on_writable(std::size_t socket_index);
  // Drains the engine: packets to the sockets, events to the queue (handing waiting posted
  // messages over on the way), the timer to poll_timeout().
  void flush();
  // Packets from the engine to the sockets until it has none or a socket blocks.
  void transmit();
  bool send_pending();  // false: blocked
  // Index of the socket to send from `from` (unspecified: any) to `family`; nullopt if none.
  std::optional<std::size_t> socket_for(net::SocketAddress::Family family,
                                        const net::SocketAddress& from) const;
  void rearm_timer();
  // Returns whether posted messages were handed to the engine (so there may be packets to send).
  bool collect_events();

  // post_send on the loop thread.
  void accept_posted(core::AssocId id, PostedMessage message);
  bool engine_has_room(core::AssocId id, std::size_t size) const;
  // Hands the backlog of `id` to the engine while it has room; returns whether any was taken.
  bool drain_backlog(core::AssocId id);
  // Reports posted messages back to the application (SendFailed) and releases their bytes.
  // (Their bytes are those of the payloads given; the caller releases any others.)
  void fail_posted(core::AssocId id, std::vector<PostedMessage> messages, std::string reason);
  void release_posted(std::size_t bytes, std::size_t messages);

  // Capture (pcap_ or packet_observer set): a received datagram (at `t`), and the datagrams
  // send_pending handed to the kernel.
  void capture_received(const TransportSocket& socket, const net::ReceivedDatagram& d, TimePoint t);
  void capture_sent(const TransportSocket& socket, const net::OutgoingDatagram& d);
  void flush_capture();

  // Engine events, with the ones taken early (after each received packet) first.
  std::optional<core::Event> next_engine_event();
  // Moves the engine's events to staged_ right after it handled a packet from SCTP port
  // `peer_sctp_port`: an AssociationUp among them belongs to that peer port (the event does not
  // carry it).
  void stage_engine_events(std::uint16_t peer_sctp_port);
  // The peer port of an association, and its peer addresses keyed in ports_ (AssociationUp).
  void note_peer(core::AssocId id, std::uint16_t peer_sctp_port);
  void adopt_peer_addresses(const core::AssociationUp& up);
  // AssociationDown: its ports are forgotten at the end of the flush that sent its last packets.
  void retire_peer(core::AssocId id);
  void forget_retired_ports();

  void read_icmp_errors(std::size_t socket_index);
  // Gathers what the engine needs to act on `error` (RFC 9260 §10, RFC 6951 §5.5); nullopt when it
  // concerns no packet of ours to a current peer (wrong encapsulation port or SCTP port).
  std::optional<IcmpReport> icmp_report(const net::IcmpError& error, bool raw) const;

  RuntimeOptions options_;
  std::unique_ptr<net::EventLoop> loop_;
  std::vector<TransportSocket> sockets_;
  std::uint16_t local_udp_port_ = 0;
  net::RemotePortMap ports_;
  // Per association: the peer's SCTP port and the peer addresses ports_ holds entries for.
  struct PeerPorts {
    std::uint16_t sctp_port = 0;
    std::vector<net::SocketAddress> addresses;  // port 0
  };
  std::unordered_map<core::AssocId, PeerPorts> peers_;
  // (peer IP, peer SCTP port in the port field) -> the association that owns that ports_ entry, so
  // that a down association does not take the entry of a newer one with the same peer.
  std::unordered_map<net::SocketAddress, core::AssocId> port_owners_;
  // Keys (as in port_owners_) of down associations, with the association.
  std::vector<std::pair<net::SocketAddress, core::AssocId>> retired_ports_;
  std::deque<core::Event> staged_;
  // The source address the kernel's route to a destination leaves by (several bound addresses).
  net::SocketAddress source_for(const net::SocketAddress& to);
  struct RouteEntry {
    net::SocketAddress source;
    TimePoint probed;
  };
  std::unordered_map<net::SocketAddress, RouteEntry> route_cache_;

  OpenSslRandom random_;
  std::unique_ptr<ProtectionSetup> protection_;  // outlives the engine, which points into it
  std::unique_ptr<core::Endpoint> engine_;
  net::RecvBatch recv_batch_;
  // Send arena: packets are written back to back, so that a run for one destination is one
  // contiguous GSO buffer; pending_ holds views of it awaiting send_batch.
  std::vector<std::uint8_t> arena_;
  std::size_t packet_capacity_ = 0;
  std::vector<net::OutgoingDatagram> pending_;
  std::vector<std::size_t> pending_socket_;
  std::size_t pending_sent_ = 0;
  bool blocked_ = false;
  std::deque<core::Event> events_;
  std::optional<net::TimerId> timer_;
  TimePoint timer_deadline_ = kTimeInfinite;
  RuntimeCounters counters_;
  std::vector<net::IcmpError> icmp_scratch_;
  std::optional<IcmpReport> last_icmp_report_;
  std::unique_ptr<PcapWriter> pcap_;

  // Loop thread only. Backlogs hold messages; an emptied one is erased.
  std::unordered_map<core::AssocId, Backlog> backlogs_;
  // Outbound streams of each association, from AssociationUp (until then, the configured count).
  std::unordered_map<core::AssocId, std::uint16_t> outbound_streams_;
  std::vector<core::AssocId> backlog_scratch_;
  // Associations the application asked to shut down: they take no new data.
  std::unordered_set<core::AssocId> shutting_down_;
  bool flush_posted_ = false;  // a flush is posted for the messages of this iteration
  // Shared with posting threads.
  mutable std::mutex post_mutex_;
  mutable std::condition_variable post_room_;
  std::size_t posted_bytes_ = 0;
  std::size_t posted_messages_ = 0;
  std::atomic<std::thread::id> loop_thread_{};
};

}  // namespace sctps::api
