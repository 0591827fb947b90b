// UDP encapsulation of SCTP (RFC 6951): the SCTP packet, common header first, is the whole UDP
// payload. What it takes beyond a UDP socket:
//
//   - a local UDP port for the whole stack: 9899 by default, the IANA port for SCTP over UDP
//     (§5.1); 0 asks for an ephemeral one. Every local socket (IPv4, IPv6, specific addresses) uses
//     the same port, so that one value describes us to a peer;
//   - per remote IP address, the remote UDP port to send to (§5.3-5.4): learned from the source
//     port of packets that arrive, but only once the engine accepted the packet (the verification
//     tag checked), so that a spoofed datagram cannot redirect an association; until then the
//     configured default (9899);
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
  // Learned remote ports kept at most (one per remote IP of live associations); when full, new
  // addresses use the default until entries are forgotten.
  std::size_t max_remote_ports = 65536;
  // Socket options; udp_checksum is forced on.
  UdpSocketOptions socket;
};

// Remote IP -> remote UDP encapsulation port.
class RemotePortMap {
 public:
  RemotePortMap(std::uint16_t default_port, std::size_t capacity)
      : default_port_(default_port), capacity_(capacity) {}

  // The port to send to `remote` (its port ignored): learned or configured, else the default.
  std::uint16_t port_for(const SocketAddress& remote) const;
  // `remote` with that port.
  SocketAddress destination(const SocketAddress& remote) const {
    return remote.with_port(port_for(remote));
  }
  std::optional<std::uint16_t> learned(const SocketAddress& remote) const;

  // The source (IP and UDP port) of a packet the engine accepted. Returns true when the stored
  // port changed (a NAT rebinding, or the first packet). False, without change, for port 0 or when
  // the map is full and the address new.
  bool learn(const SocketAddress& source);
  // Set by configuration or the application (the SCTP_REMOTE_UDP_ENCAPS_PORT of RFC 6951 §6.1).
  bool set(const SocketAddress& remote, std::uint16_t port);
  void forget(const SocketAddress& remote);
  std::size_t size() const { return ports_.size(); }
  std::uint16_t default_port() const { return default_port_; }

 private:
  static SocketAddress key(const SocketAddress& remote) { return remote.with_port(0); }

  std::uint16_t default_port_;
  std::size_t capacity_;
  std::unordered_map<SocketAddress, std::uint16_t> ports_;
};

// Whether a received datagram can be an encapsulated SCTP packet: at least a common header, and a
// source port we could answer (a UDP source port of 0 means the sender expects no reply). Packets
// failing this are dropped before the engine sees them.
bool plausible_encapsulated_packet(std::span<const std::uint8_t> payload,
                                   const SocketAddress& source);

// Whether an ICMP error read from an encapsulation socket is about a datagram we sent to `ports`'
// current port for its destination (RFC 6951 §5.5). The verification tag check stays with the
// engine (RFC 9260 Appendix C).
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
