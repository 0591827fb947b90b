#include "net/udp_socket.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace sctps::net {
namespace {

NetStatus set_int_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0) return os_error(errno, what);
  return {};
}

}  // namespace

UdpSocket::UdpSocket(FileDescriptor fd, SocketAddress local, bool gso, bool gro)
    : fd_(std::move(fd)),
      local_(local),
      gro_(gro),
      io_(fd_.get(), local.family(), DatagramIo::Kind::kUdp, local.port(), gso) {}

NetResult<UdpSocket> UdpSocket::open(const SocketAddress& local, const UdpSocketOptions& options) {
  if (local.is_unspecified()) return NetError{EINVAL, "UDP socket: no local address family given"};
  const bool v6 = local.is_v6();
  FileDescriptor fd(::socket(local.os_family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error(errno, "socket(UDP, " + local.to_string() + ")");
  const int s = fd.get();

  const auto fail = [&](const NetStatus& status) { return status.error(); };
  if (v6) {
    if (auto st = set_int_option(s, IPPROTO_IPV6, IPV6_V6ONLY, 1, "setsockopt IPV6_V6ONLY"); !st) {
      return fail(st);
    }
  }
  if (options.reuse_address) {
    if (auto st = set_int_option(s, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt SO_REUSEADDR"); !st) {
      return fail(st);
    }
  }
  if (options.receive_buffer_bytes > 0) {
    if (auto st = set_int_option(s, SOL_SOCKET, SO_RCVBUF, options.receive_buffer_bytes,
                                 "setsockopt SO_RCVBUF");
        !st) {
      return fail(st);
    }
  }
  if (options.send_buffer_bytes > 0) {
    if (auto st = set_int_option(s, SOL_SOCKET, SO_SNDBUF, options.send_buffer_bytes,
                                 "setsockopt SO_SNDBUF");
        !st) {
      return fail(st);
    }
  }
  // The local address of every datagram.
  if (auto st =
          v6 ? set_int_option(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "setsockopt IPV6_RECVPKTINFO")
             : set_int_option(s, IPPROTO_IP, IP_PKTINFO, 1, "setsockopt IP_PKTINFO");
      !st) {
    return fail(st);
  }
  if (options.receive_errors) {
    if (auto st = v6 ? set_int_option(s, IPPROTO_IPV6, IPV6_RECVERR, 1, "setsockopt IPV6_RECVERR")
                     : set_int_option(s, IPPROTO_IP, IP_RECVERR, 1, "setsockopt IP_RECVERR");
        !st) {
      return fail(st);
    }
  }
  if (options.dont_fragment) {
    if (auto st = v6 ? set_int_option(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO,
                                      "setsockopt IPV6_MTU_DISCOVER")
                     : set_int_option(s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO,
                                      "setsockopt IP_MTU_DISCOVER");
        !st) {
      return fail(st);
    }
  }
  if (!v6) {
    // IPv4 UDP checksums are optional on the wire; RFC 6951 wants them computed.
    if (auto st = set_int_option(s, SOL_SOCKET, SO_NO_CHECK, options.udp_checksum ? 0 : 1,
                                 "setsockopt SO_NO_CHECK");
        !st) {
      return fail(st);
    }
  }
  // GSO needs checksums (the kernel refuses it on a socket without them). Setting a socket-wide
  // segment size of 0 changes nothing and tells whether the kernel knows the option.
  bool gso = false;
  if (options.enable_gso && options.udp_checksum) {
    gso = set_int_option(s, SOL_UDP, UDP_SEGMENT, 0, "setsockopt UDP_SEGMENT").ok();
  }
  bool gro = false;
  if (options.enable_gro) {
    gro = set_int_option(s, SOL_UDP, UDP_GRO, 1, "setsockopt UDP_GRO").ok();
  }

  if (::bind(s, local.sockaddr_ptr(), local.sockaddr_length()) != 0) {
    const int e = errno;
    std::string what = "bind UDP " + local.to_string();
    if (e == EADDRINUSE) what += " (another socket has this port; choose another or 0)";
    if (e == EADDRNOTAVAIL) what += " (not an address of this host)";
    if (e == EACCES) what += " (ports below 1024 need CAP_NET_BIND_SERVICE)";
    return os_error(e, what);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    return os_error(errno, "getsockname");
  }
  const auto actual = SocketAddress::from_sockaddr(&bound, length);
  if (!actual) return NetError{EINVAL, "getsockname returned an address of another family"};
  return UdpSocket(std::move(fd), *actual, gso, gro);
}

NetResult<std::size_t> UdpSocket::recv_batch(RecvBatch& batch) {
  if (gro_ && batch.slot_size() < kGroSlotSize) {
    return NetError{EINVAL, "UDP socket with GRO needs receive slots of at least " +
                                std::to_string(kGroSlotSize) + " bytes (got " +
                                std::to_string(batch.slot_size()) + ")"};
  }
  return io_.receive(batch);
}

SendResult UdpSocket::send_batch(std::span<const OutgoingDatagram> datagrams) {
  return io_.send(datagrams);
}

}  // namespace sctps::net
