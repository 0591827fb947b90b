// End-to-end benchmark peer for sctps: api::Runtime over UDP encapsulation on loopback, one
// association. bench/e2e/run.sh runs a server and a client of this program (and the same pair of
// usrsctp_e2e) and tabulates what they print.
//
//   sctps_e2e server [--echo] [--sctp-port P]           prints {"event":"ready","udp_port":U},
//                                                        then one result line when the peer leaves
//   sctps_e2e client --remote-udp-port U --test stream|rr [--size B] [--duration S]
//   either with --psk-file F: every packet after the handshake is protected by the DTLS chunk
//   (draft-ietf-tsvwg-sctp-dtls-chunk) with the pre-shared keys of F (method 0, docs/psk.md);
//   the file's suite picks the cipher. Strict: unprotected is refused, not fallen back to.
//
// stream: the client sends `size`-byte messages as fast as the send buffer takes them for
//   `duration` seconds, then shuts down; the server reports bytes and messages over the time from
//   its first to its last received message (the receiver's view, the same for both stacks).
// rr: one 100-byte request outstanding at a time; the server echoes; the client reports RTT
//   percentiles.
// Both print their RuntimeCounters, from which run.sh derives system calls per datagram.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "api/runtime.h"
#include "e2e_args.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using e2e::Args;
using e2e::parse;
using e2e::usage;

std::unique_ptr<sctps::api::Runtime> make_runtime(std::uint16_t sctp_port,
                                                  std::uint16_t remote_udp_port,
                                                  const std::string& psk_file) {
  sctps::api::RuntimeOptions o;
  o.local_addresses = {
      sctps::net::SocketAddress::loopback(sctps::net::SocketAddress::Family::kV4, 0)};
  o.udp_port = 0;
  o.remote_udp_port = remote_udp_port == 0 ? sctps::net::kSctpUdpTunnelingPort : remote_udp_port;
  o.sctp_port = sctp_port;
  if (!psk_file.empty()) {
    o.protection.mode = sctps::api::ProtectMode::kStrict;
    o.protection.km = sctps::api::KeyManagement::kPsk;
    o.protection.psk_file = psk_file;
  }
  auto r = sctps::api::Runtime::create(o);
  if (!r.ok()) usage(r.error().message);
  return std::move(r).value();
}

std::string counters_json(const sctps::api::Runtime& rt) {
  const auto& c = rt.counters();
  char b[256];
  std::snprintf(b, sizeof(b),
                "\"datagrams_in\":%llu,\"datagrams_out\":%llu,\"recv_syscalls\":%llu,"
                "\"send_syscalls\":%llu",
                static_cast<unsigned long long>(c.datagrams_in),
                static_cast<unsigned long long>(c.datagrams_out),
                static_cast<unsigned long long>(c.recv_syscalls),
                static_cast<unsigned long long>(c.send_syscalls));
  return b;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

int run_server(const Args& a) {
  auto rt = make_runtime(a.sctp_port, 0, a.psk_file);
  std::printf("{\"event\":\"ready\",\"udp_port\":%u}\n", rt->udp_port());
  std::fflush(stdout);
  std::uint64_t messages = 0, bytes = 0;
  Clock::time_point first{}, last{};
  std::deque<sctps::core::MessageReceived> backlog;
  const auto deadline = Clock::now() + 120s;
  bool down = false;
  while (!down && Clock::now() < deadline) {
    rt->run_once(1ms);
    while (auto e = rt->poll_event()) {
      if (auto* m = std::get_if<sctps::core::MessageReceived>(&*e)) {
        const auto now = Clock::now();
        if (messages == 0) first = now;
        last = now;
        ++messages;
        bytes += m->message.payload.size();
        if (a.echo) backlog.push_back(std::move(*m));
      } else if (std::holds_alternative<sctps::core::AssociationDown>(*e)) {
        down = true;
      }
    }
    while (!backlog.empty()) {
      auto& m = backlog.front();
      const auto status = rt->send(m.id, m.message.stream.value(), m.message.ppid.value(),
                                   std::move(m.message.payload), m.message.unordered);
      if (status == sctps::core::SendStatus::kWouldBlock) break;
      backlog.pop_front();
    }
  }
  std::printf(
      "{\"event\":\"result\",\"ok\":%s,\"messages\":%llu,\"bytes\":%llu,\"seconds\":%.6f,%s}\n",
      down ? "true" : "false", static_cast<unsigned long long>(messages),
      static_cast<unsigned long long>(bytes), seconds(last - first), counters_json(*rt).c_str());
  return down ? 0 : 1;
}

int run_client(const Args& a) {
  auto rt = make_runtime(a.sctp_port + 1, a.remote_udp_port, a.psk_file);
  const auto id = rt->connect(
      sctps::net::SocketAddress::loopback(sctps::net::SocketAddress::Family::kV4, a.sctp_port));
  bool up = false, down = false;
  rt->run_until(
      [&] {
        while (auto e = rt->poll_event()) {
          if (std::holds_alternative<sctps::core::AssociationUp>(*e)) up = true;
          if (std::holds_alternative<sctps::core::AssociationDown>(*e)) down = true;
        }
        return up || down;
      },
      5s);
  if (!up) usage("association did not come up");

  const std::vector<std::uint8_t> payload(a.size, 0x5a);
  std::uint64_t sent = 0;
  std::vector<double> rtts;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(a.duration));
  if (a.test == "stream") {
    while (Clock::now() < end && !down) {
      while (rt->send(id, static_cast<std::uint16_t>(sent % 4), 1, payload) ==
             sctps::core::SendStatus::kOk) {
        ++sent;
      }
      rt->run_once(1ms);
      while (auto e = rt->poll_event()) {
        if (std::holds_alternative<sctps::core::AssociationDown>(*e)) down = true;
      }
    }
  } else {
    rtts.reserve(1 << 20);
    while (Clock::now() < end && !down) {
      const auto t0 = Clock::now();
      if (rt->send(id, 0, 1, payload) != sctps::core::SendStatus::kOk) usage("request refused");
      ++sent;
      bool answered = false;
      while (!answered && !down && Clock::now() < end + 1s) {
        rt->run_once(1ms);
        while (auto e = rt->poll_event()) {
          if (std::holds_alternative<sctps::core::MessageReceived>(*e)) answered = true;
          if (std::holds_alternative<sctps::core::AssociationDown>(*e)) down = true;
        }
      }
      if (answered)
        rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
  }
  const double elapsed = seconds(Clock::now() - start);
  // What protected the data (TLS 1.3 suite id, 0: none), read before the association ends.
  // Retransmission timeouts stall the association for RTO.Min (1 s): they explain slow runs.
  unsigned cipher_suite = 0;
  unsigned long long sealed = 0, t3 = 0, retransmitted = 0;
  if (const auto st = rt->stats(id)) {
    cipher_suite = st->cipher_suite;
    sealed = st->protection.sent_protected;
    t3 = st->t3_expirations;
    retransmitted = st->retransmitted_chunks;
  }
  if (!down) rt->shutdown(id);
  rt->run_until(
      [&] {
        while (auto e = rt->poll_event()) {
          if (std::holds_alternative<sctps::core::AssociationDown>(*e)) down = true;
        }
        return down;
      },
      30s);
  double p50 = 0, p99 = 0;
  if (!rtts.empty()) {
    std::sort(rtts.begin(), rtts.end());
    p50 = rtts[rtts.size() / 2];
    p99 = rtts[std::min(rtts.size() - 1, rtts.size() * 99 / 100)];
  }
  std::printf(
      "{\"event\":\"result\",\"ok\":%s,\"messages_sent\":%llu,\"seconds\":%.6f,\"requests\":%zu,"
      "\"rtt_p50_us\":%.2f,\"rtt_p99_us\":%.2f,\"cipher_suite\":%u,\"sent_protected\":%llu,"
      "\"t3_timeouts\":%llu,\"retransmitted_chunks\":%llu,%s}\n",
      down ? "true" : "false", static_cast<unsigned long long>(sent), elapsed, rtts.size(), p50,
      p99, cipher_suite, sealed, t3, retransmitted, counters_json(*rt).c_str());
  return down ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  e2e::program = "sctps_e2e";
  const Args a = parse(argc, argv);
  if (a.mode == "server") return run_server(a);
  if (a.mode == "client") return run_client(a);
  usage("unknown mode " + a.mode);
}
