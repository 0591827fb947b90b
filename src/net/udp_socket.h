// A non-blocking UDP socket bound to one local address and port, IPv4 or IPv6 (an IPv6 socket is
// IPv6 only: IPV6_V6ONLY, so a dual-stack endpoint opens one of each), with batched I/O:
//
//   recv_batch  recvmmsg into a caller's RecvBatch; each datagram with its sender and the local
//               address it was sent to (IP_PKTINFO / IPV6_RECVPKTINFO), so a socket bound to the
//               wildcard address still knows which of its addresses the peer used; with GRO on, the
//               kernel may hand over a coalesced run, split here by the UDP_GRO segment size
//   send_batch  sendmmsg from the caller's buffers, with a per-datagram source address and UDP GSO
//               (UDP_SEGMENT) where the kernel supports it; detected when the socket is opened,
//               and given up silently (falling back to single datagrams) if the kernel refuses
//   read_errors the error queue (IP_RECVERR / IPV6_RECVERR): ICMP errors about what we sent
//
// Readiness: the socket is for an event loop. EPOLLIN means datagrams, EPOLLERR means the error
// queue holds something (read_errors), EPOLLOUT after a send that would block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/datagram_batch.h"
#include "net/datagram_io.h"
#include "net/file_descriptor.h"
#include "net/icmp_error.h"
#include "net/net_error.h"
#include "net/socket_address.h"

namespace sctps::net {

struct UdpSocketOptions {
  // Try UDP GSO (Linux >= 4.18). Default on: it is detected and falls back silently.
  bool enable_gso = true;
  // UDP GRO (Linux >= 5.0). Default off: every RecvBatch used with the socket then needs slots of
  // kGroSlotSize bytes, since one slot receives a whole coalesced run.
  bool enable_gro = false;
  // Queue ICMP errors for read_errors (IP_RECVERR / IPV6_RECVERR). Default on: SCTP needs them for
  // path MTU and unreachable peers (RFC 6951 §5.5-5.6).
  bool receive_errors = true;
  // Set DF and never fragment locally (IP_PMTUDISC_DO): SCTP does its own path MTU discovery, and
  // fragments of encapsulated packets are fragile. Default on. Sends larger than the known path MTU
  // then fail (counted as dropped) and leave a kFragmentationNeeded error with the MTU.
  bool dont_fragment = true;
  // Compute the UDP checksum. Default on, and RFC 6951 wants it: the SCTP CRC32c covers the SCTP
  // packet, not the UDP and IP headers; IPv6 requires it anyway (this only affects IPv4).
  bool udp_checksum = true;
  // SO_RCVBUF / SO_SNDBUF in bytes; 0 keeps the system default. Capped by net.core.rmem_max /
  // wmem_max.
  int receive_buffer_bytes = 0;
  int send_buffer_bytes = 0;
  // SO_REUSEADDR.
  bool reuse_address = false;
};

class UdpSocket {
 public:
  // Binds to `local` (port 0: ephemeral; the wildcard address receives on every address of its
  // family). Errors say what failed: "bind 192.0.2.1:9899: Address already in use".
  static NetResult<UdpSocket> open(const SocketAddress& local,
                                   const UdpSocketOptions& options = {});

  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;

  int fd() const { return fd_.get(); }
  // The bound address, with the port the kernel chose for port 0.
  const SocketAddress& local_address() const { return local_; }
  SocketAddress::Family family() const { return local_.family(); }
  bool gso_enabled() const { return io_.gso_enabled(); }
  bool gro_enabled() const { return gro_; }

  // Receives what is queued (up to the batch's slots) without blocking; the batch then holds the
  // datagrams. Returns their number, 0 when nothing is queued.
  NetResult<std::size_t> recv_batch(RecvBatch& batch);
  // Sends as much as the socket buffer takes without blocking. See SendResult.
  SendResult send_batch(std::span<const OutgoingDatagram> datagrams);
  // Reads ICMP errors from the error queue into `out`; returns how many.
  std::size_t read_errors(std::span<IcmpError> out) { return read_error_queue(fd(), out); }

  const SocketStats& stats() const { return io_.stats(); }

 private:
  UdpSocket(FileDescriptor fd, SocketAddress local, bool gso, bool gro);

  FileDescriptor fd_;
  SocketAddress local_;
  bool gro_;
  DatagramIo io_;
};

}  // namespace sctps::net
