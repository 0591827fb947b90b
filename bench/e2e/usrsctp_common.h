// usrsctp set-up shared by the usrsctp baselines (plain and RFC 6083-style): a free UDP port for
// its encapsulation socket and a one-to-one socket configured the same way in both.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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

// Reads one whole message into `buffer` (grown as needed, `size` bytes of it used); false at the
// end of the association (EOF, abort, SHUTDOWN_COMP).
inline bool receive_usrsctp_message(struct socket* s, std::vector<std::uint8_t>& buffer,
                                    std::size_t& size, sctp_rcvinfo& info) {
  size = 0;
  for (;;) {
    socklen_t info_len = sizeof(info);
    unsigned int info_type = 0;
    int flags = 0;
    const ssize_t n = usrsctp_recvv(s, buffer.data() + size, buffer.size() - size, nullptr, nullptr,
                                    &info, &info_len, &info_type, &flags);
    if (n <= 0) return false;
    if ((flags & MSG_NOTIFICATION) != 0) {
      sctp_assoc_change change{};
      if (static_cast<std::size_t>(n) >= sizeof(change)) {
        std::memcpy(&change, buffer.data() + size, sizeof(change));
        if (change.sac_type == SCTP_ASSOC_CHANGE && change.sac_state != SCTP_COMM_UP) return false;
      }
      continue;
    }
    size += static_cast<std::size_t>(n);
    if ((flags & MSG_EOR) != 0) return true;
    if (size == buffer.size()) buffer.resize(buffer.size() * 2);
  }
}

// A listening socket on 127.0.0.1:a.sctp_port and the one association it accepts.
struct Accepted {
  struct socket* listener = nullptr;
  struct socket* association = nullptr;
};
inline Accepted accept_usrsctp(const Args& a) {
  Accepted r;
  r.listener = make_usrsctp_socket();
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(a.sctp_port);
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (usrsctp_bind(r.listener, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      usrsctp_listen(r.listener, 1) != 0) {
    usage("bind/listen failed");
  }
  r.association = usrsctp_accept(r.listener, nullptr, nullptr);
  if (r.association == nullptr) usage("accept failed");
  return r;
}

// An association to 127.0.0.1:a.sctp_port over UDP encapsulation to a.remote_udp_port.
inline struct socket* connect_usrsctp(const Args& a) {
  struct socket* s = make_usrsctp_socket();
  sctp_udpencaps encaps{};
  encaps.sue_address.ss_family = AF_INET;
  encaps.sue_port = htons(a.remote_udp_port);
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &encaps, sizeof(encaps)) !=
      0) {
    usage("SCTP_REMOTE_UDP_ENCAPS_PORT failed");
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(a.sctp_port);
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (usrsctp_connect(s, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    usage(std::string("connect failed: ") + std::strerror(errno));
  }
  return s;
}

// The common main(): a watchdog (whatever blocks inside usrsctp, the process ends), usrsctp on a
// free UDP port, the "ready" line run.sh waits for, then `run` and a quick exit.
template <typename Run>
[[noreturn]] void run_usrsctp_program(Run run) {
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(120));
    usage("timeout");
  }).detach();
  const std::uint16_t port = pick_free_udp_port();
  if (port == 0) usage("no free UDP port");
  usrsctp_init(port, nullptr, nullptr);
  usrsctp_sysctl_set_sctp_blackhole(2);  // no ABORTs to stray packets of a previous run
  std::printf("{\"event\":\"ready\",\"udp_port\":%u}\n", port);
  std::fflush(stdout);
  const int rc = run();
  // Let usrsctp's threads send the last control chunks, then leave without usrsctp_finish (which
  // waits for every timer).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::_Exit(rc);
}

}  // namespace e2e
