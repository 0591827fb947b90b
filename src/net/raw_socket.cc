#include "net/raw_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace sctps::net {
namespace {

NetStatus set_int_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0) return os_error(errno, what);
  return {};
}

NetError open_error(int code, const SocketAddress& local) {
  const std::string family = local.is_v4() ? "IPv4" : "IPv6";
  if (code == EPERM || code == EACCES) {
    return os_error(code,
                    "raw SCTP socket (" + family +
                        ", IP protocol 132) needs CAP_NET_RAW: run as root, grant the capability "
                        "(setcap cap_net_raw+ep <program>), or use UDP encapsulation (RFC 6951), "
                        "which needs no privilege");
  }
  if (code == EAFNOSUPPORT || code == EPROTONOSUPPORT) {
    return os_error(code, "raw SCTP socket: this kernel does not support " + family);
  }
  return os_error(code, "raw SCTP socket (" + family + ")");
}

}  // namespace

RawSocket::RawSocket(FileDescriptor fd, SocketAddress local)
    : fd_(std::move(fd)),
      local_(local),
      io_(fd_.get(), local.family(),
          local.is_v4() ? DatagramIo::Kind::kRawV4 : DatagramIo::Kind::kRawV6, 0, false) {}

NetResult<RawSocket> RawSocket::open(const SocketAddress& given, const RawSocketOptions& options) {
  if (given.is_unspecified()) return NetError{EINVAL, "raw SCTP socket: no address family given"};
  const SocketAddress local = given.with_port(0);
  const bool v6 = local.is_v6();
  FileDescriptor fd(
      ::socket(local.os_family(), SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtocolSctp));
  if (!fd.valid()) return open_error(errno, local);
  const int s = fd.get();

  NetStatus st =
      v6 ? set_int_option(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "setsockopt IPV6_RECVPKTINFO")
         : set_int_option(s, IPPROTO_IP, IP_PKTINFO, 1, "setsockopt IP_PKTINFO");
  if (st && options.receive_errors) {
    st = v6 ? set_int_option(s, IPPROTO_IPV6, IPV6_RECVERR, 1, "setsockopt IPV6_RECVERR")
            : set_int_option(s, IPPROTO_IP, IP_RECVERR, 1, "setsockopt IP_RECVERR");
  }
  if (st && options.dont_fragment) {
    st = v6 ? set_int_option(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO,
                             "setsockopt IPV6_MTU_DISCOVER")
            : set_int_option(s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO,
                             "setsockopt IP_MTU_DISCOVER");
  }
  if (st && options.receive_buffer_bytes > 0) {
    st = set_int_option(s, SOL_SOCKET, SO_RCVBUF, options.receive_buffer_bytes,
                        "setsockopt SO_RCVBUF");
  }
  if (st && options.send_buffer_bytes > 0) {
    st =
        set_int_option(s, SOL_SOCKET, SO_SNDBUF, options.send_buffer_bytes, "setsockopt SO_SNDBUF");
  }
  if (!st) return st.error();
  if (!local.is_any() && ::bind(s, local.sockaddr_ptr(), local.sockaddr_length()) != 0) {
    const int e = errno;
    std::string what = "bind raw SCTP " + local.ip_string();
    if (e == EADDRNOTAVAIL) what += " (not an address of this host)";
    return os_error(e, what);
  }
  return RawSocket(std::move(fd), local);
}

}  // namespace sctps::net
