// usrsctp set-up shared by the usrsctp baselines (plain and RFC 6083-style): a free UDP port for
// its encapsulation socket and a one-to-one socket configured the same way in both.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include <cstdint>

#include "e2e_args.h"

namespace e2e {

// usrsctp binds its UDP port at init and cannot report a port-0 bind: pick a free one first.
inline std::uint16_t pick_free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  socklen_t len = sizeof(a);
  std::uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

inline struct socket* make_usrsctp_socket() {
  struct socket* s =
      usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (s == nullptr) usage("usrsctp_socket failed");
  sctp_event ev{};
  ev.se_assoc_id = SCTP_FUTURE_ASSOC;
  ev.se_type = SCTP_ASSOC_CHANGE;
  ev.se_on = 1;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
  const int on = 1;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
  // No Nagle: sctps does not delay small messages either, and with it usrsctp holds each 1200 B
  // message (less than a full packet) until the previous one is acknowledged.
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
  const int snd = 4 << 20, rcv = 1 << 20;
  usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
  usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
  return s;
}

}  // namespace e2e
