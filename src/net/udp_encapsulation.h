// UDP encapsulation of SCTP (RFC 6951): the SCTP packet, common header first, is the whole UDP
// payload. What it takes beyond a UDP socket:
//
//   - a local UDP port for the whole stack: 9899 by default, the IANA port for SCTP over UDP
//     (§5.1); 0 asks for an ephemeral one. Every local socket (IPv4, IPv6, specific addresses) uses
//     the same port, so that one value describes us to a peer;
//   - per peer transport address (IP and SCTP port, RFC 9260 §1.5.8: with our single SCTP port
//     that names one association and one of its destination addresses) the remote UDP port to
//     send to (§5.1, §5.4): learned from the source port of packets that arrive, but only once
//     the engine accepted the packet and checked its verification tag, so that a spoofed datagram
//     cannot redirect an association; until then the configured default (9899). Keyed by the
//     SCTP port too, not the IP alone: peers behind one NAT, or several on one host, share an IP
//     and differ in UDP and SCTP ports;
//   - for packets whose tag cannot be checked (an INIT, an out-of-the-blue packet), the answer
//     goes back to the UDP port they came from without storing it (the RFC 6951 update in
//     draft-tuexen-tsvwg-sctp-udp-encaps-cons);
//   - UDP checksums on (§5.3; mandatory for IPv6, and the SCTP CRC32c does not cover the headers);
//   - 8 bytes less room for the SCTP packet in every path MTU (§5.6);
//   - ICMP errors concern us only if they are about datagrams to the port we use for that peer
//     (§5.5); the kernel already matched our source port to the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "net/icmp_error.h"
#include "net/net_error.h"
#include "net/socket_address.h"
#include "net/udp_socket.h"

namespace sctps::net {

constexpr std::uint16_t kSctpUdpTunnelingPort = 9899;
constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::size_t kSctpCommonHeaderSize = 12;

// IP header plus UDP header: what encapsulation costs of every IP packet (no IP options).
constexpr std::size_t encapsulation_overhead(SocketAddress::Family family) {
  return (family == SocketAddress::Family::kV6 ? 40 : 20) + kUdpHeaderSize;
}
// The largest SCTP packet that fits a path of IP MTU `ip_mtu` when encapsulated; 0 if none fits.
constexpr std::size_t sctp_packet_limit(std::size_t ip_mtu, SocketAddress::Family family) {
  const std::size_t overhead = encapsulation_overhead(family);
  return ip_mtu > overhead ? ip_mtu - overhead : 0;
}

struct UdpEncapsulationConfig {
  // Our UDP port: 9899 (RFC 6951 §5.1). 0: an ephemeral port, useful for clients and for several
  // endpoints on one host.
  std::uint16_t local_port = kSctpUdpTunnelingPort;
  // Where to send to an address nothing has been learned for yet (for example the first INIT).
  std::uint16_t default_remote_port = kSctpUdpTunnelingPort;
  // The IPs to listen on, one socket each, all on `local_port` (ports given here are ignored).
  // Default: the IPv4 and the IPv6 wildcard; each datagram still says which address it reached.
  std::vector<SocketAddress> local_addresses = {SocketAddress::any(SocketAddress::Family::kV4, 0),
                                                SocketAddress::any(SocketAddress::Family::kV6, 0)};
  // Learned remote ports kept at most (one per peer address of live associations); when full, new
  // addresses use the default until entries are forgotten.
  std::size_t max_remote_ports = 65536;
  // Socket options; udp_checksum is forced on.
  UdpSocketOptions socket;
};

// Peer transport address (IP, remote SCTP port) -> remote UDP encapsulation port (RFC 6951 §5.1:
// one per destination address of an association; an endpoint has a single local SCTP port, so
// the peer's IP and SCTP port identify the association, RFC 9260 §1.5.8).
//
// Besides the stored ports it keeps answer ports: the UDP source port of a packet whose
// verification tag nobody could check (an INIT, an out-of-the-blue packet). An answer to it (INIT
// ACK, ABORT, SHUTDOWN COMPLETE) goes there, but the stored port is left alone, so that such a
// packet cannot redirect an existing association. They live until clear_answers().
class RemotePortMap {
 public:
  RemotePortMap(std::uint16_t default_port, std::size_t capacity)
      : default_port_(default_port), capacity_(capacity) {}

  // The port to send to `remote` (its port ignored) at SCTP port `sctp_port`: learned or
  // configured, else the default.
  std::uint16_t port_for(const SocketAddress& remote, std::uint16_t sctp_port) const;
  // `remote` with that port.
  SocketAddress destination(const SocketAddress& remote, std::uint16_t sctp_port) const {
    return remote.with_port(port_for(remote, sctp_port));
  }
  std::optional<std::uint16_t> learned(const SocketAddress& remote, std::uint16_t sctp_port) const;

  // The source (IP and UDP port) of a packet from SCTP port `sctp_port` that the engine accepted
  // after checking its tag (§5.4). Returns true when the stored port changed (a NAT rebinding, or
  // the first packet). False, without change, for port 0 or when the map is full and the address
  // new.
  bool learn(const SocketAddress& source, std::uint16_t sctp_port) {
    return set(source, sctp_port, source.port());
  }
  // Set by configuration or the application (the SCTP_REMOTE_UDP_ENCAPS_PORT of RFC 6951 §6.1).
  bool set(const SocketAddress& remote, std::uint16_t sctp_port, std::uint16_t udp_port);
  void forget(const SocketAddress& remote, std::uint16_t sctp_port);
  std::size_t size() const { return ports_.size(); }
  std::uint16_t default_port() const { return default_port_; }

  // Answer ports (see above). answer_to: the source of a packet whose tag was not checked; false
  // for port 0 or when `capacity` answers are pending already.
  bool answer_to(const SocketAddress& source, std::uint16_t sctp_port);
  // Where an answer to `remote`/`sctp_port` goes: the pending answer port, else port_for().
  SocketAddress answer_destination(const SocketAddress& remote, std::uint16_t sctp_port) const;
  void clear_answers() { answers_.clear(); }
  std::size_t answers() const { return answers_.size(); }

  // The key of a peer transport address: its IP bytes, with the SCTP port in the port field. The
  // IPv6 scope is left out, as the engine's addresses have none: a key learned from a received
  // datagram must match the one an engine packet's destination gives.
  static SocketAddress key(const SocketAddress& remote, std::uint16_t sctp_port) {
    return SocketAddress::from_ip_bytes(remote.ip_bytes(), sctp_port)
        .value_or(remote.with_port(sctp_port));
  }

 private:
  std::uint16_t default_port_;
  std::size_t capacity_;
  std::unordered_map<SocketAddress, std::uint16_t> ports_;
  std::unordered_map<SocketAddress, std::uint16_t> answers_;
};

// Whether a received datagram can be an encapsulated SCTP packet: at least a common header, and a
// source port we could answer (a UDP source port of 0 means the sender expects no reply). Packets
// failing this are dropped before the engine sees them.
bool plausible_encapsulated_packet(std::span<const std::uint8_t> payload,
                                   const SocketAddress& source);

// Whether an ICMP error read from an encapsulation socket is about a datagram we sent to `ports`'
// current port for its destination (RFC 6951 §5.5): the quoted SCTP destination port names the
// peer address; without it (a quote too short to hold the SCTP header) the error cannot be tied
// to an association and is not. The verification tag check stays with the engine (RFC 9260
// Appendix C).
bool icmp_concerns_encapsulation(const IcmpError& error, const RemotePortMap& ports);

// The sockets of one encapsulating endpoint: one per configured local address, all on one port.
struct UdpEncapsulationSockets {
  std::vector<UdpSocket> sockets;
  std::uint16_t local_port = 0;

  // The socket to send from `source` (unspecified: any of `family`): the one bound to exactly that
  // IP, else a wildcard of the family. Null when there is none.
  UdpSocket* socket_for(SocketAddress::Family family, const SocketAddress& source = {});
};

// Opens and binds every configured address on the configured port; with port 0, the first socket
// picks an ephemeral port and the others take the same one (retrying a few ephemeral ports when
// another family has it taken).
NetResult<UdpEncapsulationSockets> open_udp_encapsulation(const UdpEncapsulationConfig& config);

}  // namespace sctps::net
