// sctps against usrsctp over UDP encapsulation (RFC 6951) on loopback, in both directions: the
// sctps side is an in-process api::Runtime (so its events and statistics can be asserted), the
// usrsctp side the usrsctp_peer program run as a child process (usrsctp keeps process-wide state
// and threads of its own). Covered: association set-up; 1 B, 1 KB, 64 KB and 1 MB messages on
// three streams, ordered and unordered, echoed and verified byte for byte on both sides; graceful
// shutdown started by either side; ABORT from either side, reported by the other; and an INIT
// carrying the DTLS Key Management parameter (loose mode), which usrsctp skips (RFC 9260 §3.2.1,
// upper bits 10), so the association runs unprotected.
//
// Ephemeral UDP ports only; every wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/runtime.h"
#include "net/monotonic_clock.h"

namespace sctps::interop {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kServerSctpPort = 5000;
constexpr std::uint16_t kClientSctpPort = 5001;

// The pattern the peer uses too (usrsctp_peer.cc): index in the first 4 bytes, then a sequence.
std::vector<std::uint8_t> pattern(std::size_t size, std::uint32_t index) {
  std::vector<std::uint8_t> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<std::uint8_t>(index * 31 + i * 7 + 1);
  for (std::size_t i = 0; i < 4 && i < size; ++i) {
    v[i] = static_cast<std::uint8_t>(index >> (24 - 8 * i));
  }
  return v;
}

// Field readers for the peer's one-line JSON objects (flat, no nesting, no escapes).
std::optional<std::string> json_string(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":\"";
  const auto at = line.find(k);
  if (at == std::string::npos) return std::nullopt;
  const auto end = line.find('"', at + k.size());
  if (end == std::string::npos) return std::nullopt;
  return line.substr(at + k.size(), end - at - k.size());
}
std::optional<long long> json_number(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const auto at = line.find(k);
  if (at == std::string::npos) return std::nullopt;
  return std::atoll(line.c_str() + at + k.size());
}
bool json_true(const std::string& line, const std::string& key) {
  return line.find("\"" + key + "\":true") != std::string::npos;
}

// The usrsctp peer as a child process; its stdout read line by line without blocking.
class Peer {
 public:
  explicit Peer(std::vector<std::string> args) {
    args.insert(args.begin(), SCTPS_USRSCTP_PEER_PATH);
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~Peer() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Reads what the child wrote so far into lines().
  void poll() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n <= 0) break;
      partial_.append(buffer, static_cast<std::size_t>(n));
      for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
        lines_.push_back(partial_.substr(0, nl));
        partial_.erase(0, nl + 1);
      }
    }
  }
  // The first line with "event":name, if it has arrived.
  std::optional<std::string> event(const std::string& name) const {
    for (const auto& l : lines_) {
      if (json_string(l, "event") == name) return l;
    }
    return std::nullopt;
  }
  // Waits (bounded) for the child to exit; its exit code or -1.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      poll();
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        poll();
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
  std::string transcript() const {
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all;
  }

 private:
  int pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string partial_;
  std::vector<std::string> lines_;
};

// A pass-through UDP tap between sctps and the peer that keeps a copy of every datagram, so the
// test can look at what went over the wire (the INIT, the INIT ACK, which chunks carried data).
class Tap {
 public:
  Tap(std::uint16_t peer_udp_port) : peer_port_(peer_udp_port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~Tap() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

  void poll() {
    std::uint8_t buffer[65536];
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      const ssize_t n =
          ::recvfrom(fd_, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) return;
      const bool from_peer = ntohs(from.sin_port) == peer_port_;
      std::vector<std::uint8_t> bytes(buffer, buffer + n);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (from_peer) {
        if (sctps_port_ == 0) continue;
        to.sin_port = htons(sctps_port_);
        from_peer_.push_back(bytes);
      } else {
        sctps_port_ = ntohs(from.sin_port);
        to.sin_port = htons(peer_port_);
        from_sctps_.push_back(bytes);
      }
      ::sendto(fd_, buffer, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&to),
               sizeof(to));
    }
  }
  const std::vector<std::vector<std::uint8_t>>& from_sctps() const { return from_sctps_; }
  const std::vector<std::vector<std::uint8_t>>& from_peer() const { return from_peer_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t peer_port_;
  std::uint16_t sctps_port_ = 0;
  std::vector<std::vector<std::uint8_t>> from_sctps_, from_peer_;
};

// Minimal independent reading of SCTP packets (RFC 9260 §3): chunk types, and the parameter types
// of an INIT / INIT ACK. Deliberately not the wire codec under test.
std::uint16_t be16(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
std::vector<std::uint8_t> chunk_types(const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint8_t> types;
  std::size_t at = 12;
  while (at + 4 <= packet.size()) {
    const std::size_t length = be16(packet, at + 2);
    if (length < 4) break;
    types.push_back(packet[at]);
    at += (length + 3) & ~std::size_t{3};
  }
  return types;
}
// Parameter types of the INIT or INIT ACK that is the packet's first chunk (§3.3.2-3.3.3).
std::vector<std::uint16_t> init_parameter_types(const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint16_t> types;
  if (packet.size() < 32) return types;
  const std::size_t chunk_end = std::min(packet.size(), 12 + std::size_t{be16(packet, 14)});
  std::size_t at = 12 + 4 + 16;
  while (at + 4 <= chunk_end) {
    const std::size_t length = be16(packet, at + 2);
    if (length < 4) break;
    types.push_back(be16(packet, at));
    at += (length + 3) & ~std::size_t{3};
  }
  return types;
}

constexpr std::uint8_t kChunkData = 0;
constexpr std::uint8_t kChunkInit = 1;
constexpr std::uint8_t kChunkInitAck = 2;
constexpr std::uint8_t kChunkDtls = 0x41;        // draft-ietf-tsvwg-sctp-dtls-chunk §4.2
constexpr std::uint16_t kParamDtlsKm = 0x8006;   // draft-ietf-tsvwg-sctp-dtls-chunk §4.1
constexpr std::uint16_t kParamUnrecognized = 8;  // RFC 9260 §3.3.3.1

// The sctps side: a Runtime with its events collected, and optionally a peer and a tap polled in
// the same loop.
struct Side {
  std::unique_ptr<api::Runtime> rt;
  std::vector<core::Event> events;
  Peer* peer = nullptr;
  Tap* tap = nullptr;

  static std::unique_ptr<api::Runtime> make(std::uint16_t sctp_port, std::uint16_t remote_udp,
                                            const core::AssociationOptions& association = {}) {
    api::RuntimeOptions o;
    o.local_addresses = {net::SocketAddress::loopback(net::SocketAddress::Family::kV4, 0)};
    o.udp_port = 0;
    o.remote_udp_port = remote_udp;
    o.sctp_port = sctp_port;
    o.association = association;
    auto r = api::Runtime::create(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
  }

  bool run(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      rt->run_once(tap != nullptr ? 200us : 1ms);
      while (auto e = rt->poll_event()) events.push_back(std::move(*e));
      if (peer != nullptr) peer->poll();
      if (tap != nullptr) tap->poll();
      if (done()) return true;
    }
    return done();
  }
  template <typename T>
  const T* find() const {
    for (const auto& e : events) {
      if (const auto* p = std::get_if<T>(&e)) return p;
    }
    return nullptr;
  }
};

// Waits for the peer's "ready" line and returns its UDP port (0 if it never came).
std::uint16_t ready_port(Peer& peer) {
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end) {
    peer.poll();
    if (auto l = peer.event("ready"))
      return static_cast<std::uint16_t>(*json_number(*l, "udp_port"));
    if (peer.event("result")) return 0;
    std::this_thread::sleep_for(2ms);
  }
  return 0;
}

// What a client sends: message i (PPID i) of size sizes[..] on a stream, ordered or not; the order
// matches usrsctp_peer's plan (order, then size, then stream, then repetition).
struct Planned {
  std::size_t size;
  std::uint16_t stream;
  bool unordered;
};
std::vector<Planned> make_plan(const std::vector<std::size_t>& sizes, int streams, int count) {
  std::vector<Planned> plan;
  for (bool unordered : {false, true}) {
    for (std::size_t size : sizes) {
      for (int s = 0; s < streams; ++s) {
        for (int k = 0; k < count; ++k) {
          plan.push_back(Planned{size, static_cast<std::uint16_t>(s), unordered});
        }
      }
    }
  }
  return plan;
}

const std::vector<std::size_t> kAllSizes = {1, 1024, 65536, 1 << 20};

// Checks one received message against the plan: payload byte for byte, stream, U flag, PPID, and
// for ordered messages the order on their stream. Returns a description of the first mismatch.
struct Verifier {
  explicit Verifier(const std::vector<Planned>& p) : plan(p), seen(p.size(), false) {}
  const std::vector<Planned>& plan;
  std::vector<bool> seen;
  std::map<std::uint16_t, long> last_ordered;
  std::size_t verified = 0;

  std::string check(const core::ReceivedMessage& m) {
    const auto i = m.ppid.value();
    if (i >= plan.size()) return "unknown ppid " + std::to_string(i);
    if (seen[i]) return "message " + std::to_string(i) + " twice";
    if (m.payload != pattern(plan[i].size, i)) {
      return "message " + std::to_string(i) + " differs (" + std::to_string(m.payload.size()) +
             " bytes, expected " + std::to_string(plan[i].size) + ")";
    }
    if (m.stream.value() != plan[i].stream) return "message " + std::to_string(i) + " stream";
    if (m.unordered != plan[i].unordered) return "message " + std::to_string(i) + " U flag";
    if (m.is_protected) return "message " + std::to_string(i) + " marked protected";
    if (!plan[i].unordered) {
      auto& last = last_ordered.try_emplace(plan[i].stream, -1).first->second;
      if (static_cast<long>(i) < last) return "ordered message " + std::to_string(i) + " late";
      last = static_cast<long>(i);
    }
    seen[i] = true;
    ++verified;
    return "";
  }
};

// sctps client → usrsctp server: sends the plan, verifies every echo. Returns false on failure
// (with gtest failures recorded).
bool send_and_verify(Side& c, core::AssocId id, const std::vector<Planned>& plan,
                     std::chrono::milliseconds timeout) {
  Verifier v(plan);
  std::size_t next = 0;
  std::string error;
  const bool done = c.run(
      [&] {
        while (next < plan.size()) {
          const auto status = c.rt->send(id, plan[next].stream, static_cast<std::uint32_t>(next),
                                         pattern(plan[next].size, static_cast<std::uint32_t>(next)),
                                         plan[next].unordered);
          if (status == core::SendStatus::kWouldBlock) break;
          if (status != core::SendStatus::kOk) {
            error = "send refused";
            return true;
          }
          ++next;
        }
        for (auto it = c.events.begin(); it != c.events.end();) {
          if (auto* m = std::get_if<core::MessageReceived>(&*it)) {
            if (auto e = v.check(m->message); !e.empty() && error.empty()) error = e;
            it = c.events.erase(it);
          } else {
            ++it;
          }
        }
        return !error.empty() || v.verified == plan.size() ||
               c.find<core::AssociationDown>() != nullptr;
      },
      timeout);
  EXPECT_TRUE(done) << "timed out: " << v.verified << " of " << plan.size() << " echoes verified";
  EXPECT_EQ(error, "");
  EXPECT_EQ(v.verified, plan.size());
  return done && error.empty() && v.verified == plan.size();
}

struct ClientToUsrsctp {
  Peer peer;
  std::uint16_t peer_udp = 0;
  Side c;
  core::AssocId id = 0;

  explicit ClientToUsrsctp(std::vector<std::string> server_args,
                           const core::AssociationOptions& association = {}, bool with_tap = false)
      : peer(with_args(std::move(server_args))) {
    peer_udp = ready_port(peer);
    if (peer_udp == 0) return;
    if (with_tap) tap = std::make_unique<Tap>(peer_udp);
    c.rt = Side::make(kClientSctpPort, tap ? tap->port() : peer_udp, association);
    c.peer = &peer;
    c.tap = tap.get();
    if (c.rt) {
      id = c.rt->connect(
          net::SocketAddress::loopback(net::SocketAddress::Family::kV4, kServerSctpPort));
    }
  }
  static std::vector<std::string> with_args(std::vector<std::string> extra) {
    std::vector<std::string> a = {"server", "--sctp-port", std::to_string(kServerSctpPort)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  bool up() {
    if (peer_udp == 0 || !c.rt) return false;
    return c.run([&] { return c.find<core::AssociationUp>() && peer.event("up"); }, 10s);
  }
  std::unique_ptr<Tap> tap;
};

TEST(UsrsctpInterop, SctpsClientEchoAllSizesOrderedAndUnordered) {
  ClientToUsrsctp t({});
  ASSERT_NE(t.peer_udp, 0) << t.peer.transcript();
  ASSERT_TRUE(t.up()) << t.peer.transcript();
  const auto* up = t.c.find<core::AssociationUp>();
  EXPECT_EQ(up->outbound_streams, 16);  // the peer offers 16 inbound streams
  EXPECT_EQ(up->protection, core::Protection::kOff);
  const auto plan = make_plan(kAllSizes, 3, 1);
  ASSERT_TRUE(send_and_verify(t.c, t.id, plan, 60s)) << t.peer.transcript();
  // Graceful shutdown started by sctps; both sides see it end that way.
  ASSERT_TRUE(t.c.rt->shutdown(t.id));
  ASSERT_TRUE(t.c.run([&] { return t.c.find<core::AssociationDown>() != nullptr; }, 10s));
  EXPECT_EQ(t.c.find<core::AssociationDown>()->reason, core::DownReason::kShutdown);
  EXPECT_EQ(t.peer.wait_exit(10s), 0) << t.peer.transcript();
  const auto result = t.peer.event("result");
  ASSERT_TRUE(result) << t.peer.transcript();
  EXPECT_EQ(json_string(*result, "end"), "peer_shutdown") << *result;
  EXPECT_EQ(json_number(*result, "messages_received"), static_cast<long long>(plan.size()));
  long long bytes = 0;
  for (const auto& p : plan) bytes += static_cast<long long>(p.size);
  EXPECT_EQ(json_number(*result, "bytes_received"), bytes);
}

TEST(UsrsctpInterop, UsrsctpServerStartsShutdown) {
  ClientToUsrsctp t({"--end-after", "6", "--end", "shutdown"});
  ASSERT_TRUE(t.up()) << t.peer.transcript();
  // The echoes of the 6 messages still arrive: SHUTDOWN waits for queued data (RFC 9260 §9.2).
  const auto plan = make_plan({1024}, 3, 1);
  ASSERT_TRUE(send_and_verify(t.c, t.id, plan, 20s)) << t.peer.transcript();
  ASSERT_TRUE(t.c.run([&] { return t.c.find<core::AssociationDown>() != nullptr; }, 10s));
  EXPECT_EQ(t.c.find<core::AssociationDown>()->reason, core::DownReason::kShutdown);
  EXPECT_EQ(t.peer.wait_exit(10s), 0) << t.peer.transcript();
  EXPECT_EQ(json_string(*t.peer.event("result"), "end"), "local_shutdown") << t.peer.transcript();
}

TEST(UsrsctpInterop, UsrsctpServerAborts) {
  ClientToUsrsctp t({"--end-after", "1", "--end", "abort", "--discard"});
  ASSERT_TRUE(t.up()) << t.peer.transcript();
  ASSERT_EQ(t.c.rt->send(t.id, 0, 7, pattern(100, 7)), core::SendStatus::kOk);
  ASSERT_TRUE(t.c.run([&] { return t.c.find<core::AssociationDown>() != nullptr; }, 10s))
      << t.peer.transcript();
  EXPECT_EQ(t.c.find<core::AssociationDown>()->reason, core::DownReason::kPeerAborted);
  EXPECT_EQ(t.peer.wait_exit(10s), 0) << t.peer.transcript();
  EXPECT_EQ(json_string(*t.peer.event("result"), "end"), "local_abort");
}

TEST(UsrsctpInterop, SctpsClientAborts) {
  ClientToUsrsctp t({});
  ASSERT_TRUE(t.up()) << t.peer.transcript();
  ASSERT_TRUE(t.c.rt->abort(t.id, "interop test"));
  EXPECT_EQ(t.peer.wait_exit(10s), 0) << t.peer.transcript();
  const auto result = t.peer.event("result");
  ASSERT_TRUE(result) << t.peer.transcript();
  EXPECT_EQ(json_string(*result, "end"), "peer_abort") << *result;
}

// usrsctp client → sctps server, which echoes what it receives and verifies it against the plan.
struct UsrsctpToServer {
  Side s;
  std::unique_ptr<Peer> peer;
  core::AssocId id = 0;
  std::vector<Planned> plan;
  std::deque<core::MessageReceived> backlog;
  std::string error;
  std::unique_ptr<Verifier> verifier;

  UsrsctpToServer(const std::vector<std::size_t>& sizes, int streams, const std::string& end) {
    s.rt = Side::make(kServerSctpPort, net::kSctpUdpTunnelingPort);
    if (!s.rt) return;
    plan = make_plan(sizes, streams, 1);
    verifier = std::make_unique<Verifier>(plan);
    std::string size_list;
    for (auto z : sizes) size_list += (size_list.empty() ? "" : ",") + std::to_string(z);
    peer = std::make_unique<Peer>(std::vector<std::string>{
        "client", "--sctp-port", std::to_string(kClientSctpPort), "--connect-port",
        std::to_string(kServerSctpPort), "--remote-udp-port", std::to_string(s.rt->udp_port()),
        "--sizes", size_list, "--streams", std::to_string(streams), "--order", "both", "--end",
        end});
    s.peer = peer.get();
  }
  // Echoes and verifies until `done` or the timeout.
  bool run(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    return s.run(
        [&] {
          for (auto it = s.events.begin(); it != s.events.end();) {
            if (auto* up = std::get_if<core::AssociationUp>(&*it)) id = up->id;
            if (auto* m = std::get_if<core::MessageReceived>(&*it)) {
              if (auto e = verifier->check(m->message); !e.empty() && error.empty()) error = e;
              backlog.push_back(std::move(*m));
              it = s.events.erase(it);
            } else {
              ++it;
            }
          }
          while (!backlog.empty()) {
            const auto& m = backlog.front();
            const auto status = s.rt->send(m.id, m.message.stream.value(), m.message.ppid.value(),
                                           m.message.payload, m.message.unordered);
            if (status == core::SendStatus::kWouldBlock) break;
            if (status != core::SendStatus::kOk && error.empty()) error = "echo refused";
            backlog.pop_front();
          }
          return done();
        },
        timeout);
  }
};

TEST(UsrsctpInterop, UsrsctpClientEchoAllSizesOrderedAndUnordered) {
  UsrsctpToServer t(kAllSizes, 3, "shutdown");
  ASSERT_TRUE(t.s.rt);
  ASSERT_TRUE(t.run([&] { return t.peer->event("result").has_value(); }, 60s))
      << t.peer->transcript();
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(t.verifier->verified, t.plan.size());
  const auto verified = t.peer->event("verified");
  ASSERT_TRUE(verified) << t.peer->transcript();
  EXPECT_EQ(json_number(*verified, "messages"), static_cast<long long>(t.plan.size()));
  const auto result = *t.peer->event("result");
  EXPECT_TRUE(json_true(result, "ok")) << result;
  EXPECT_EQ(json_string(result, "end"), "local_shutdown") << result;
  // The usrsctp client started the shutdown; sctps reports a graceful end.
  ASSERT_TRUE(t.run([&] { return t.s.find<core::AssociationDown>() != nullptr; }, 10s));
  EXPECT_EQ(t.s.find<core::AssociationDown>()->reason, core::DownReason::kShutdown);
  EXPECT_EQ(t.peer->wait_exit(10s), 0);
}

TEST(UsrsctpInterop, SctpsServerStartsShutdown) {
  UsrsctpToServer t({1, 1024}, 2, "wait");
  ASSERT_TRUE(t.s.rt);
  ASSERT_TRUE(t.run([&] { return t.peer->event("verified").has_value(); }, 20s))
      << t.peer->transcript();
  ASSERT_NE(t.id, 0u);
  ASSERT_TRUE(t.s.rt->shutdown(t.id));
  ASSERT_TRUE(
      t.run([&] { return t.peer->event("result") && t.s.find<core::AssociationDown>(); }, 10s))
      << t.peer->transcript();
  EXPECT_EQ(t.s.find<core::AssociationDown>()->reason, core::DownReason::kShutdown);
  const auto result = *t.peer->event("result");
  EXPECT_TRUE(json_true(result, "ok")) << result;
  EXPECT_EQ(json_string(result, "end"), "peer_shutdown") << result;
  EXPECT_EQ(t.peer->wait_exit(10s), 0);
}

TEST(UsrsctpInterop, SctpsServerAborts) {
  UsrsctpToServer t({1024}, 2, "wait");
  ASSERT_TRUE(t.s.rt);
  ASSERT_TRUE(t.run([&] { return t.peer->event("verified").has_value(); }, 20s))
      << t.peer->transcript();
  ASSERT_TRUE(t.s.rt->abort(t.id, "interop test"));
  ASSERT_TRUE(t.run([&] { return t.peer->event("result").has_value(); }, 10s))
      << t.peer->transcript();
  EXPECT_EQ(json_string(*t.peer->event("result"), "end"), "peer_abort") << t.peer->transcript();
  ASSERT_NE(t.s.find<core::AssociationDown>(), nullptr);
  EXPECT_EQ(t.s.find<core::AssociationDown>()->reason, core::DownReason::kLocalAbort);
}

TEST(UsrsctpInterop, UsrsctpClientAborts) {
  UsrsctpToServer t({1024}, 2, "abort");
  ASSERT_TRUE(t.s.rt);
  ASSERT_TRUE(t.run([&] { return t.s.find<core::AssociationDown>() != nullptr; }, 20s))
      << t.peer->transcript();
  EXPECT_EQ(t.s.find<core::AssociationDown>()->reason, core::DownReason::kPeerAborted);
  EXPECT_EQ(t.verifier->verified, t.plan.size());
  EXPECT_EQ(t.peer->wait_exit(10s), 0) << t.peer->transcript();
  EXPECT_EQ(json_string(*t.peer->event("result"), "end"), "local_abort");
}

// Loose mode (draft-ietf-tsvwg-sctp-dtls-chunk §5.1): sctps offers the DTLS chunk in its INIT;
// usrsctp does not know parameter 0x8006, whose upper bits 10 tell it to skip it without reporting
// (RFC 9260 §3.2.1); its INIT ACK carries no such parameter, so a loose endpoint continues
// unprotected. Checked on the wire through a tap: the INIT carried 0x8006, the INIT ACK carries
// neither 0x8006 nor an Unrecognized Parameter, no packet either way has a DTLS chunk, user data
// travels in plain DATA chunks, and sctps delivers the echoes as unprotected.
TEST(UsrsctpInterop, LooseModeInitWithDtlsParameterRunsUnprotected) {
  core::AssociationOptions association;
  association.dtls.enabled = true;
  association.dtls.mode = core::DtlsMode::kLoose;
  association.dtls.methods = {0};
  ClientToUsrsctp t({}, association, /*with_tap=*/true);
  ASSERT_NE(t.peer_udp, 0) << t.peer.transcript();
  ASSERT_TRUE(t.up()) << t.peer.transcript();
  // The engine's own verdict (draft §5.1): loose, unprotected, because the INIT ACK had no DTLS
  // Key Management parameter (the cause a strict endpoint would have aborted with: 100).
  const auto* up = t.c.find<core::AssociationUp>();
  EXPECT_EQ(up->protection, core::Protection::kUnprotectedLoose);
  EXPECT_EQ(up->dtls_cause, 100);
  const auto plan = make_plan({1, 1024, 65536}, 2, 2);
  ASSERT_TRUE(send_and_verify(t.c, t.id, plan, 30s)) << t.peer.transcript();

  const auto& out = t.tap->from_sctps();
  const auto& in = t.tap->from_peer();
  ASSERT_FALSE(out.empty());
  ASSERT_FALSE(in.empty());
  ASSERT_EQ(chunk_types(out.front()), std::vector<std::uint8_t>{kChunkInit});
  const auto init_params = init_parameter_types(out.front());
  const auto has = [](const std::vector<std::uint16_t>& v, std::uint16_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  EXPECT_TRUE(has(init_params, kParamDtlsKm)) << "the INIT does not offer the DTLS chunk";
  ASSERT_EQ(chunk_types(in.front()), std::vector<std::uint8_t>{kChunkInitAck});
  const auto ack_params = init_parameter_types(in.front());
  EXPECT_FALSE(has(ack_params, kParamDtlsKm));
  EXPECT_FALSE(has(ack_params, kParamUnrecognized)) << "usrsctp reported 0x8006 as unrecognized";
  std::size_t data_packets = 0;
  for (const auto* side : {&out, &in}) {
    for (const auto& packet : *side) {
      const auto types = chunk_types(packet);
      EXPECT_TRUE(std::find(types.begin(), types.end(), kChunkDtls) == types.end());
      if (std::find(types.begin(), types.end(), kChunkData) != types.end()) ++data_packets;
    }
  }
  EXPECT_GT(data_packets, 0u);
  ASSERT_TRUE(t.c.rt->shutdown(t.id));
  ASSERT_TRUE(t.c.run([&] { return t.c.find<core::AssociationDown>() != nullptr; }, 10s));
  EXPECT_EQ(t.c.find<core::AssociationDown>()->reason, core::DownReason::kShutdown);
}

}  // namespace
}  // namespace sctps::interop
