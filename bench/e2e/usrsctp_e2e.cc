// End-to-end benchmark peer for usrsctp (the reference user-space stack), with the same command
// line and output as sctps_e2e.cc so that bench/e2e/run.sh measures both the same way: SCTP over
// UDP encapsulation (RFC 6951) on loopback, one association, blocking one-to-one sockets.
//
//   usrsctp_e2e server [--echo] [--sctp-port P]
//   usrsctp_e2e client --remote-udp-port U --test stream|rr [--size B] [--duration S]
//
// Buffers match sctps's defaults (1 MiB receive window, 4 MiB send buffer); Nagle is off. usrsctp's
// own threads do the socket I/O, so system calls per packet are not reported for it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "e2e_args.h"
#include "usrsctp_common.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using e2e::Args;
using e2e::parse;
using e2e::usage;

// Reads one whole message; false at the end of the association (EOF, abort, SHUTDOWN_COMP).
bool receive(struct socket* s, std::vector<std::uint8_t>& buffer, std::size_t& size,
             sctp_rcvinfo& info) {
  return e2e::receive_usrsctp_message(s, buffer, size, info);
}

bool send_message(struct socket* s, const std::uint8_t* data, std::size_t size, std::uint16_t sid,
                  std::uint32_t ppid) {
  sctp_sndinfo info{};
  info.snd_sid = sid;
  info.snd_ppid = ppid;
  return usrsctp_sendv(s, data, size, nullptr, 0, &info, sizeof(info), SCTP_SENDV_SNDINFO, 0) ==
         static_cast<ssize_t>(size);
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

int run_server(const Args& a) {
  const e2e::Accepted accepted = e2e::accept_usrsctp(a);
  struct socket* listener = accepted.listener;
  struct socket* s = accepted.association;
  std::vector<std::uint8_t> buffer(1 << 17);
  std::uint64_t messages = 0, bytes = 0;
  Clock::time_point first{}, last{};
  std::size_t size = 0;
  sctp_rcvinfo info{};
  while (receive(s, buffer, size, info)) {
    const auto now = Clock::now();
    if (messages == 0) first = now;
    last = now;
    ++messages;
    bytes += size;
    if (a.echo && !send_message(s, buffer.data(), size, info.rcv_sid, info.rcv_ppid)) break;
  }
  std::printf(
      "{\"event\":\"result\",\"ok\":true,\"messages\":%llu,\"bytes\":%llu,\"seconds\":%.6f}\n",
      static_cast<unsigned long long>(messages), static_cast<unsigned long long>(bytes),
      seconds(last - first));
  std::fflush(stdout);
  usrsctp_close(s);
  usrsctp_close(listener);
  return 0;
}

int run_client(const Args& a) {
  struct socket* s = e2e::connect_usrsctp(a);
  const std::vector<std::uint8_t> payload(a.size, 0x5a);
  std::vector<std::uint8_t> buffer(1 << 17);
  std::uint64_t sent = 0;
  std::vector<double> rtts;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(a.duration));
  bool ok = true;
  if (a.test == "stream") {
    while (Clock::now() < end) {
      if (!send_message(s, payload.data(), payload.size(), static_cast<std::uint16_t>(sent % 4),
                        htonl(1))) {
        ok = false;
        break;
      }
      ++sent;
    }
  } else {
    rtts.reserve(1 << 20);
    std::size_t size = 0;
    sctp_rcvinfo info{};
    while (Clock::now() < end) {
      const auto t0 = Clock::now();
      if (!send_message(s, payload.data(), payload.size(), 0, htonl(1))) {
        ok = false;
        break;
      }
      ++sent;
      if (!receive(s, buffer, size, info)) {
        ok = false;
        break;
      }
      rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
  }
  const double elapsed = seconds(Clock::now() - start);
  // Graceful shutdown; the server reports once SHUTDOWN has reached it (after all the data).
  usrsctp_shutdown(s, SHUT_WR);
  std::size_t size = 0;
  sctp_rcvinfo info{};
  while (receive(s, buffer, size, info)) {
  }
  double p50 = 0, p99 = 0;
  if (!rtts.empty()) {
    std::sort(rtts.begin(), rtts.end());
    p50 = rtts[rtts.size() / 2];
    p99 = rtts[std::min(rtts.size() - 1, rtts.size() * 99 / 100)];
  }
  std::printf(
      "{\"event\":\"result\",\"ok\":%s,\"messages_sent\":%llu,\"seconds\":%.6f,\"requests\":%zu,"
      "\"rtt_p50_us\":%.2f,\"rtt_p99_us\":%.2f}\n",
      ok ? "true" : "false", static_cast<unsigned long long>(sent), elapsed, rtts.size(), p50, p99);
  std::fflush(stdout);
  usrsctp_close(s);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  e2e::program = "usrsctp_e2e";
  const Args a = parse(argc, argv);
  e2e::run_usrsctp_program([&a] { return a.mode == "server" ? run_server(a) : run_client(a); });
}
