// A test peer built on usrsctp (the user-space SCTP stack of browsers), speaking SCTP over UDP
// encapsulation (RFC 6951) on loopback, so that tests can run sctps against another
// implementation. Test code only; it links nothing of sctps.
//
//   usrsctp_peer server --sctp-port P [--discard] [--end-after N --end shutdown|abort]
//   usrsctp_peer client --connect-port P --remote-udp-port U [--sizes 1,1024] [--streams K]
//                       [--count N] [--order ordered|unordered|both] [--no-echo]
//                       [--end shutdown|abort|wait]
//   common: --timeout SECONDS (default 30; the process gives up after it)
//
// Output: one JSON object per line on stdout.
//   {"event":"ready","udp_port":U}     the UDP port usrsctp bound (picked free, ephemeral range)
//   {"event":"up"}                      the association is established
//   {"event":"verified","messages":N}   client: every echo arrived and matched byte for byte
//   {"event":"result","ok":B,...}       last line: counters, how the association ended, error
//
// Message i of the client carries PPID i (network byte order on the wire, as sctps reads it) and
// the pattern of tests/integration/net_test_util.h, so an echo is checked byte for byte whatever
// order unordered messages come back in; ordered echoes must also keep their order per stream.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex out_mutex;

void emit(const std::string& line) {
  std::lock_guard<std::mutex> lock(out_mutex);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::vector<std::uint8_t> pattern(std::size_t size, std::uint32_t index) {
  std::vector<std::uint8_t> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<std::uint8_t>(index * 31 + i * 7 + 1);
  for (std::size_t i = 0; i < 4 && i < size; ++i) {
    v[i] = static_cast<std::uint8_t>(index >> (24 - 8 * i));
  }
  return v;
}

struct Options {
  std::string mode;
  std::uint16_t sctp_port = 5001;  // our SCTP port (server: where we listen)
  std::uint16_t connect_port = 5000;
  std::uint16_t remote_udp_port = 0;
  std::vector<std::size_t> sizes{1, 1024};
  int streams = 3;
  int count = 1;  // per (order, size, stream)
  std::string order = "both";
  bool echo = true;
  std::string end = "shutdown";  // client: shutdown | abort | wait; server: with end_after
  long end_after = -1;           // server: after this many messages, start `end`
  int timeout = 30;
};

[[noreturn]] void fail_usage(const std::string& what) {
  std::fprintf(stderr, "usrsctp_peer: %s\n", what.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  if (argc < 2) fail_usage("mode missing (server | client)");
  o.mode = argv[1];
  if (o.mode != "server" && o.mode != "client") fail_usage("unknown mode " + o.mode);
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail_usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--sctp-port") {
      o.sctp_port = static_cast<std::uint16_t>(std::stoi(value()));
    } else if (a == "--connect-port") {
      o.connect_port = static_cast<std::uint16_t>(std::stoi(value()));
    } else if (a == "--remote-udp-port") {
      o.remote_udp_port = static_cast<std::uint16_t>(std::stoi(value()));
    } else if (a == "--sizes") {
      o.sizes.clear();
      std::string s = value();
      std::size_t at = 0;
      while (at <= s.size()) {
        const auto comma = s.find(',', at);
        const auto piece =
            s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        o.sizes.push_back(static_cast<std::size_t>(std::stoul(piece)));
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    } else if (a == "--streams") {
      o.streams = std::stoi(value());
    } else if (a == "--count") {
      o.count = std::stoi(value());
    } else if (a == "--order") {
      o.order = value();
    } else if (a == "--no-echo") {
      o.echo = false;
    } else if (a == "--discard") {
      o.echo = false;
    } else if (a == "--end") {
      o.end = value();
    } else if (a == "--end-after") {
      o.end_after = std::stol(value());
    } else if (a == "--timeout") {
      o.timeout = std::stoi(value());
    } else {
      fail_usage("unknown option " + a);
    }
  }
  return o;
}

// usrsctp binds its UDP socket at init and cannot report the port of a port-0 bind, so a free
// port is picked here (bound, then released) and handed to usrsctp_init; find_bound_udp_port()
// then confirms usrsctp holds it.
std::uint16_t pick_free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof(a);
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// Whether this process owns an IPv4 UDP socket bound to `port` (usrsctp's, after init).
bool own_udp_port(std::uint16_t port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int type = 0;
    socklen_t tl = sizeof(type);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
    if (ss.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port) == port) return true;
  }
  return false;
}

struct Result {
  bool ok = true;
  std::string error;
  std::string end = "none";
  std::atomic<std::uint64_t> messages_sent{0};
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t echo_verified = 0;
};

void print_result(const Result& r) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer),
                "{\"event\":\"result\",\"ok\":%s,\"end\":\"%s\",\"messages_sent\":%llu,"
                "\"messages_received\":%llu,\"bytes_received\":%llu,\"echo_verified\":%llu,"
                "\"error\":\"%s\"}",
                r.ok ? "true" : "false", r.end.c_str(),
                static_cast<unsigned long long>(r.messages_sent.load()),
                static_cast<unsigned long long>(r.messages_received),
                static_cast<unsigned long long>(r.bytes_received),
                static_cast<unsigned long long>(r.echo_verified), r.error.c_str());
  emit(buffer);
}

void configure(struct socket* s) {
  // Subscribe to association changes and peer SHUTDOWN, to tell graceful ends from aborts.
  for (std::uint16_t type :
       {std::uint16_t{SCTP_ASSOC_CHANGE}, std::uint16_t{SCTP_SHUTDOWN_EVENT}}) {
    sctp_event ev{};
    ev.se_assoc_id = SCTP_FUTURE_ASSOC;
    ev.se_type = type;
    ev.se_on = 1;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
  }
  const int on = 1;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
  const int buffer = 4 << 20;
  usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
  usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
  sctp_initmsg init{};
  init.sinit_num_ostreams = 16;
  init.sinit_max_instreams = 16;
  init.sinit_max_attempts = 4;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init));
}

// One whole message (or a notification) from a blocking one-to-one socket.
struct Received {
  enum Kind { kMessage, kPeerShutdown, kShutdownComplete, kAborted, kEof, kError } kind = kError;
  std::vector<std::uint8_t> data;
  sctp_rcvinfo info{};
  int error = 0;
};

Received receive(struct socket* s, std::vector<std::uint8_t>& buffer) {
  Received r;
  r.data.clear();
  for (;;) {
    sctp_rcvinfo info{};
    socklen_t info_len = sizeof(info);
    unsigned int info_type = 0;
    int flags = 0;
    sockaddr_in from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n =
        usrsctp_recvv(s, buffer.data(), buffer.size(), reinterpret_cast<sockaddr*>(&from),
                      &from_len, &info, &info_len, &info_type, &flags);
    if (n < 0) {
      r.error = errno;
      r.kind = (errno == ECONNRESET) ? Received::kAborted : Received::kError;
      return r;
    }
    if (n == 0) {
      r.kind = Received::kEof;
      return r;
    }
    if ((flags & MSG_NOTIFICATION) != 0) {
      using Header = decltype(sctp_notification::sn_header);
      if (static_cast<std::size_t>(n) < sizeof(Header)) continue;
      Header header{};
      std::memcpy(&header, buffer.data(), sizeof(header));
      if (std::getenv("USRSCTP_PEER_DEBUG") != nullptr) {
        std::fprintf(stderr, "notification type %u length %zd\n", header.sn_type, n);
      }
      if (header.sn_type == SCTP_SHUTDOWN_EVENT) {
        r.kind = Received::kPeerShutdown;
        return r;
      }
      if (header.sn_type == SCTP_ASSOC_CHANGE &&
          static_cast<std::size_t>(n) >= sizeof(sctp_assoc_change)) {
        sctp_assoc_change change{};
        std::memcpy(&change, buffer.data(), sizeof(change));
        if (change.sac_state == SCTP_COMM_LOST || change.sac_state == SCTP_CANT_STR_ASSOC) {
          r.kind = Received::kAborted;
          return r;
        }
        if (change.sac_state == SCTP_SHUTDOWN_COMP) {
          r.kind = Received::kShutdownComplete;
          return r;
        }
      }
      continue;  // COMM_UP and others
    }
    r.data.insert(r.data.end(), buffer.begin(), buffer.begin() + n);
    if (info_type == SCTP_RECVV_RCVINFO) r.info = info;
    if ((flags & MSG_EOR) != 0) {
      r.kind = Received::kMessage;
      return r;
    }
  }
}

bool send_message(struct socket* s, const std::uint8_t* data, std::size_t size, std::uint16_t sid,
                  std::uint32_t ppid_wire, bool unordered) {
  sctp_sndinfo info{};
  info.snd_sid = sid;
  info.snd_ppid = ppid_wire;
  info.snd_flags = unordered ? SCTP_UNORDERED : 0;
  const ssize_t n =
      usrsctp_sendv(s, data, size, nullptr, 0, &info, sizeof(info), SCTP_SENDV_SNDINFO, 0);
  return n == static_cast<ssize_t>(size);
}

void abort_association(struct socket* s) {
  // SO_LINGER with a zero timeout makes close() send ABORT (RFC 6458 §8.1.4).
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  usrsctp_setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  usrsctp_close(s);
}

// Waits for the end of a graceful shutdown we started: SHUTDOWN COMPLETE or EOF.
std::string wait_end(struct socket* s, std::vector<std::uint8_t>& buffer, Result& result) {
  for (;;) {
    Received r = receive(s, buffer);
    switch (r.kind) {
      case Received::kMessage:
        ++result.messages_received;
        result.bytes_received += r.data.size();
        continue;
      case Received::kPeerShutdown: continue;
      case Received::kShutdownComplete:
      case Received::kEof: return "ok";
      case Received::kAborted: return "aborted";
      case Received::kError: return "error " + std::to_string(r.error);
    }
  }
}

int run_server(const Options& o) {
  Result result;
  struct socket* listener =
      usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (listener == nullptr) {
    result.ok = false;
    result.error = "usrsctp_socket failed";
    print_result(result);
    return 1;
  }
  configure(listener);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(o.sctp_port);
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (usrsctp_bind(listener, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      usrsctp_listen(listener, 1) != 0) {
    result.ok = false;
    result.error = std::string("bind/listen failed: ") + std::strerror(errno);
    print_result(result);
    return 1;
  }
  emit("{\"event\":\"listening\"}");
  struct socket* s = usrsctp_accept(listener, nullptr, nullptr);
  if (s == nullptr) {
    result.ok = false;
    result.error = "accept failed";
    print_result(result);
    return 1;
  }
  emit("{\"event\":\"up\"}");
  std::vector<std::uint8_t> buffer(1 << 16);
  bool closed = false;
  for (;;) {
    if (o.end_after >= 0 && result.messages_received >= static_cast<std::uint64_t>(o.end_after)) {
      if (o.end == "abort") {
        abort_association(s);
        closed = true;
        result.end = "local_abort";
      } else {
        usrsctp_shutdown(s, SHUT_WR);
        const std::string how = wait_end(s, buffer, result);
        result.end = how == "ok" ? "local_shutdown" : "local_shutdown_" + how;
        if (how != "ok") {
          result.ok = false;
          result.error = how;
        }
      }
      break;
    }
    Received r = receive(s, buffer);
    if (r.kind == Received::kMessage) {
      ++result.messages_received;
      result.bytes_received += r.data.size();
      if (o.echo) {
        if (!send_message(s, r.data.data(), r.data.size(), r.info.rcv_sid, r.info.rcv_ppid,
                          (r.info.rcv_flags & SCTP_UNORDERED) != 0)) {
          result.ok = false;
          result.error = std::string("echo send failed: ") + std::strerror(errno);
          break;
        }
        result.messages_sent.fetch_add(1);
      }
      continue;
    }
    if (r.kind == Received::kPeerShutdown) {
      // The peer started a graceful shutdown; the stack answers SHUTDOWN ACK by itself. Keep
      // reading until SHUTDOWN COMPLETE has arrived (RFC 9260 §9.2).
      result.end = "peer_shutdown";
      continue;
    }
    if (r.kind == Received::kShutdownComplete || r.kind == Received::kEof) {
      result.end = "peer_shutdown";
      break;
    }
    if (r.kind == Received::kAborted) {
      result.end = "peer_abort";
      break;
    }
    result.ok = false;
    result.error = "receive error " + std::to_string(r.error);
    break;
  }
  if (!closed) usrsctp_close(s);
  usrsctp_close(listener);
  print_result(result);
  return result.ok ? 0 : 1;
}

struct Planned {
  std::size_t size;
  std::uint16_t stream;
  bool unordered;
};

int run_client(const Options& o) {
  Result result;
  struct socket* s =
      usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (s == nullptr) {
    result.ok = false;
    result.error = "usrsctp_socket failed";
    print_result(result);
    return 1;
  }
  configure(s);
  // RFC 6951 §5.3 / RFC 6458 §8.1.31: the peer's UDP port, for every address of the association.
  sctp_udpencaps encaps{};
  encaps.sue_address.ss_family = AF_INET;
  encaps.sue_port = htons(o.remote_udp_port);
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &encaps, sizeof(encaps)) !=
      0) {
    result.ok = false;
    result.error = std::string("SCTP_REMOTE_UDP_ENCAPS_PORT: ") + std::strerror(errno);
    print_result(result);
    return 1;
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(o.sctp_port);
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  usrsctp_bind(s, reinterpret_cast<sockaddr*>(&local), sizeof(local));
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(o.connect_port);
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (usrsctp_connect(s, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    result.ok = false;
    result.error = std::string("connect failed: ") + std::strerror(errno);
    print_result(result);
    return 1;
  }
  emit("{\"event\":\"up\"}");

  std::vector<Planned> plan;
  std::vector<bool> orders;
  if (o.order != "unordered") orders.push_back(false);
  if (o.order != "ordered") orders.push_back(true);
  for (bool unordered : orders) {
    for (std::size_t size : o.sizes) {
      for (int stream = 0; stream < o.streams; ++stream) {
        for (int k = 0; k < o.count; ++k) {
          plan.push_back(Planned{size, static_cast<std::uint16_t>(stream), unordered});
        }
      }
    }
  }

  std::atomic<bool> send_failed{false};
  std::thread sender([&] {
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const auto payload = pattern(plan[i].size, static_cast<std::uint32_t>(i));
      if (!send_message(s, payload.data(), payload.size(), plan[i].stream,
                        htonl(static_cast<std::uint32_t>(i)), plan[i].unordered)) {
        send_failed = true;
        return;
      }
      result.messages_sent.fetch_add(1);
    }
  });

  std::vector<std::uint8_t> buffer(1 << 16);
  std::vector<bool> seen(plan.size(), false);
  std::map<std::uint16_t, long> last_ordered;  // per stream: index of the last ordered echo
  std::string peer_end;
  if (o.echo) {
    while (result.echo_verified < plan.size()) {
      Received r = receive(s, buffer);
      if (r.kind != Received::kMessage) {
        peer_end = r.kind == Received::kAborted ? "peer_abort" : "peer_shutdown";
        break;
      }
      ++result.messages_received;
      result.bytes_received += r.data.size();
      const std::uint32_t i = ntohl(r.info.rcv_ppid);
      std::string bad;
      if (i >= plan.size()) {
        bad = "echo with unknown ppid " + std::to_string(i);
      } else if (seen[i]) {
        bad = "echo " + std::to_string(i) + " twice";
      } else if (r.data != pattern(plan[i].size, i)) {
        bad = "echo " + std::to_string(i) + " differs (" + std::to_string(r.data.size()) +
              " bytes, expected " + std::to_string(plan[i].size) + ")";
      } else if (r.info.rcv_sid != plan[i].stream) {
        bad = "echo " + std::to_string(i) + " on stream " + std::to_string(r.info.rcv_sid);
      } else if (((r.info.rcv_flags & SCTP_UNORDERED) != 0) != plan[i].unordered) {
        bad = "echo " + std::to_string(i) + " with the wrong U flag";
      } else if (!plan[i].unordered) {
        auto [it, fresh] = last_ordered.try_emplace(plan[i].stream, -1);
        if (static_cast<long>(i) < it->second) {
          bad = "ordered echo " + std::to_string(i) + " after " + std::to_string(it->second);
        }
        it->second = i;
        (void)fresh;
      }
      if (!bad.empty()) {
        result.ok = false;
        result.error = bad;
        break;
      }
      seen[i] = true;
      ++result.echo_verified;
    }
  }
  sender.join();
  if (send_failed) {
    result.ok = false;
    if (result.error.empty()) result.error = std::string("send failed: ") + std::strerror(errno);
  }
  if (result.ok && o.echo) {
    emit("{\"event\":\"verified\",\"messages\":" + std::to_string(result.echo_verified) + "}");
  }

  if (!peer_end.empty()) {
    result.end = peer_end;
    if (o.end != "wait" || result.echo_verified < plan.size()) {
      result.ok = false;
      if (result.error.empty()) result.error = "association ended early: " + peer_end;
    }
    usrsctp_close(s);
  } else if (o.end == "abort") {
    abort_association(s);
    result.end = "local_abort";
  } else if (o.end == "wait") {
    // The peer decides: graceful shutdown or ABORT.
    for (;;) {
      Received r = receive(s, buffer);
      if (r.kind == Received::kMessage) {
        ++result.messages_received;
        continue;
      }
      // A SHUTDOWN from the peer is answered by the stack; wait for SHUTDOWN COMPLETE.
      if (r.kind == Received::kPeerShutdown) continue;
      result.end = r.kind == Received::kAborted ? "peer_abort"
                   : r.kind == Received::kError ? "error " + std::to_string(r.error)
                                                : "peer_shutdown";
      break;
    }
    usrsctp_close(s);
  } else {
    usrsctp_shutdown(s, SHUT_WR);
    const std::string how = wait_end(s, buffer, result);
    result.end = how == "ok" ? "local_shutdown" : "local_shutdown_" + how;
    if (how != "ok") {
      result.ok = false;
      result.error = how;
    }
    usrsctp_close(s);
  }
  print_result(result);
  return result.ok ? 0 : 1;
}

void debug_print(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  // Bounded time: whatever blocks inside usrsctp, the process ends after the timeout.
  std::thread([t = o.timeout] {
    std::this_thread::sleep_for(std::chrono::seconds(t));
    emit("{\"event\":\"result\",\"ok\":false,\"end\":\"none\",\"error\":\"timeout\"}");
    std::_Exit(3);
  }).detach();

  const std::uint16_t udp_port = pick_free_udp_port();
  if (udp_port == 0) fail_usage("no free UDP port");
  usrsctp_init(udp_port, nullptr, std::getenv("USRSCTP_PEER_DEBUG") ? debug_print : nullptr);
  // Run as root, usrsctp also opens raw IP sockets for protocol 132 and would see the SCTP packets
  // of other tests on this host. Its blackhole setting keeps it from answering packets that are
  // not its own (the ABORT of RFC 9260 §8.4 step 8 is a SHOULD).
  usrsctp_sysctl_set_sctp_blackhole(2);
  if (!own_udp_port(udp_port)) {
    // Another process took the port between our probe and usrsctp's bind: start afresh (usrsctp
    // cannot be initialized twice in one process), a few times at most.
    const char* attempt = std::getenv("USRSCTP_PEER_ATTEMPT");
    const int n = attempt != nullptr ? std::atoi(attempt) : 0;
    if (n < 5) {
      ::setenv("USRSCTP_PEER_ATTEMPT", std::to_string(n + 1).c_str(), 1);
      ::execv("/proc/self/exe", argv);
    }
    emit("{\"event\":\"result\",\"ok\":false,\"end\":\"none\",\"error\":\"udp port taken\"}");
    std::_Exit(4);
  }
  emit("{\"event\":\"ready\",\"udp_port\":" + std::to_string(udp_port) + "}");
  const int rc = o.mode == "server" ? run_server(o) : run_client(o);
  // Let the stack's threads put the last control chunks (SHUTDOWN COMPLETE, ABORT) on the wire.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // usrsctp_finish() waits for associations to be freed, which can take the shutdown timers; the
  // result is already printed, so leave without it.
  std::_Exit(rc);
}
