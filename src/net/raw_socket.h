// SCTP directly over IP (protocol 132) through a raw socket: the native transport, for peers that
// do not encapsulate. Needs CAP_NET_RAW; without it open() fails with a message that says so and
// points to UDP encapsulation. Same batch interface as UdpSocket (no GSO/GRO; ports are 0, since
// the SCTP ports live in the SCTP common header).
//
// What the caller must know:
//   - every SCTP packet for this host reaches every raw SCTP socket; the endpoint filters by the
//     SCTP destination port (the socket only filters by local IP, if bound to one);
//   - if the kernel's own SCTP module is loaded it also sees these packets and answers those for
//     ports it does not serve with ABORT (RFC 9260 §8.4), which would tear down our associations:
//     run raw SCTP only where the sctp module is not loaded (or its answers are filtered);
//   - IPv4 packets arrive with their IP header; it is checked and removed here.
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

constexpr int kIpProtocolSctp = 132;

struct RawSocketOptions {
  bool receive_errors = true;  // IP_RECVERR / IPV6_RECVERR, as for UDP
  bool dont_fragment = true;   // IP_PMTUDISC_DO: SCTP discovers the path MTU itself
  int receive_buffer_bytes = 0;
  int send_buffer_bytes = 0;
};

class RawSocket {
 public:
  // `local`: the IP to receive on (the wildcard address: all of this host's addresses of the
  // family); its port is ignored.
  static NetResult<RawSocket> open(const SocketAddress& local,
                                   const RawSocketOptions& options = {});

  RawSocket(RawSocket&&) noexcept = default;
  RawSocket& operator=(RawSocket&&) noexcept = default;

  int fd() const { return fd_.get(); }
  const SocketAddress& local_address() const { return local_; }
  SocketAddress::Family family() const { return local_.family(); }

  NetResult<std::size_t> recv_batch(RecvBatch& batch) { return io_.receive(batch); }
  SendResult send_batch(std::span<const OutgoingDatagram> packets) { return io_.send(packets); }
  std::size_t read_errors(std::span<IcmpError> out) { return read_error_queue(fd(), out); }
  const SocketStats& stats() const { return io_.stats(); }

 private:
  RawSocket(FileDescriptor fd, SocketAddress local);

  FileDescriptor fd_;
  SocketAddress local_;
  DatagramIo io_;
};

}  // namespace sctps::net
