// Handshake benchmark for sctps (issues #6 and #7): what it costs to set associations up with TLS
// 1.3 key management (method 192, mutual certificate authentication, draft-porfiri) compared
// with plain SCTP, measured with api::Runtime over UDP encapsulation (RFC 6951) on loopback.
//
// Every Runtime runs on a thread of its own that blocks in its event loop, so that CPU time is
// the work done, not polling. Client and server Runtimes live in this one process; an association
// is one (client Runtime, server Runtime) pair, since two SCTP endpoints may have only one
// association between them (RFC 9260, key term "SCTP Association"). Many associations use a
// square grid of g clients x g servers.
//
// Phases (docs/benchmarks-handshake.md):
//   latency     connect() to ProtectionEstablished on the client, one association at a time
//               (each on a pair of its own), with a full TLS handshake and with a resumed TLS
//               session (the client met that server before), against connect() to AssociationUp
//               without protection.
//   throughput  handshakes completed per second with `concurrency` in flight, and CPU time of the
//               whole process (both endpoints) per handshake.
//   memory      heap in use per idle association at 1, 100 and 1000 associations: mallinfo2 and
//               RSS before and after, plus live bytes by side (client / server) and by allocator
//               (C++ / OpenSSL), counted by the replacement operator new below.
//
//   sctps_handshake_bench [--associations N] [--concurrency N] [--handshakes N]
//                         [--memory-counts 1,100,1000] [--phases latency,throughput,memory]
//                         [--kinds protected,plain] [--idle-ms MS] [--json]
#include <malloc.h>
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "api/runtime.h"
#include "km/cert_gen.h"

// ---------------------------------------------------------------------------------------------
// Allocation accounting. Live bytes (malloc_usable_size, what the allocator really holds for the
// block less its header) by the side of the thread that allocates or frees: runtime threads are
// tagged client or server, the coordinating thread main. Blocks are freed on the thread that
// made them in this program (each Runtime is created and destroyed under its side's tag), so the
// per-side totals hold. OpenSSL's allocations go through CRYPTO_set_mem_functions and are
// counted apart. Not under AddressSanitizer, whose own operator new must stay in charge.
#if defined(__SANITIZE_ADDRESS__)
#define SCTPS_BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCTPS_BENCH_SANITIZED 1
#endif
#endif
#ifndef SCTPS_BENCH_SANITIZED
#define SCTPS_BENCH_COUNT_ALLOCATIONS 1
#endif

namespace {

enum Side : int { kMain = 0, kClient = 1, kServer = 2 };
enum Allocator : int { kCxx = 0, kOpenSsl = 1 };

thread_local int t_side = kMain;

struct Tally {
  std::atomic<std::int64_t> bytes{0};
  std::atomic<std::int64_t> blocks{0};
};
// Padded to a cache line each, so that the client and server threads do not share one.
struct alignas(64) PaddedTally : Tally {};
PaddedTally g_tally[2][3];  // [allocator][side]; constant-initialised, usable before main
bool g_openssl_counted = false;
// Set once in main, before any thread starts, only when the memory phase runs: the accounting
// (malloc_usable_size and atomics on every allocation) would otherwise slow the latency and
// throughput phases it does not serve.
bool g_counting = false;

[[maybe_unused]] void note_alloc(void* p, int allocator) {
  if (!g_counting || p == nullptr) return;
  Tally& t = g_tally[allocator][t_side];
  t.bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  t.blocks.fetch_add(1, std::memory_order_relaxed);
}

[[maybe_unused]] void note_free(void* p, int allocator) {
  if (!g_counting || p == nullptr) return;
  Tally& t = g_tally[allocator][t_side];
  t.bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  t.blocks.fetch_sub(1, std::memory_order_relaxed);
}

// Allocations made while this lives count for `side` (work posted to a runtime thread).
class ScopedSide {
 public:
  explicit ScopedSide(int side) : saved_(t_side) { t_side = side; }
  ~ScopedSide() { t_side = saved_; }
  ScopedSide(const ScopedSide&) = delete;
  ScopedSide& operator=(const ScopedSide&) = delete;

 private:
  int saved_;
};

#ifdef SCTPS_BENCH_COUNT_ALLOCATIONS
void* ssl_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  note_alloc(p, kOpenSsl);
  return p;
}

void* ssl_realloc(void* p, std::size_t n, const char*, int) {
  if (n == 0) {
    note_free(p, kOpenSsl);
    std::free(p);
    return nullptr;
  }
  note_free(p, kOpenSsl);
  void* q = std::realloc(p, n);
  note_alloc(q != nullptr ? q : p, kOpenSsl);  // on failure the old block stays
  return q;
}

// GCC, inlining this into callers of the replaced operator delete, takes the free() for a
// mismatch with operator new; it is the allocator of that operator new.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void counted_free(void* p) {
  note_free(p, kCxx);
  std::free(p);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void ssl_free(void* p, const char*, int) {
  note_free(p, kOpenSsl);
  std::free(p);
}
#endif

}  // namespace

#ifdef SCTPS_BENCH_COUNT_ALLOCATIONS
// Replacements of the (unaligned) global allocation functions, for this binary only.
void* operator new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  note_alloc(p, kCxx);
  return p;
}
void* operator new[](std::size_t n) {
  return ::operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  void* p = std::malloc(n == 0 ? 1 : n);
  note_alloc(p, kCxx);
  return p;
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return ::operator new(n, t);
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
#endif

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace api = sctps::api;
namespace core = sctps::core;
namespace net = sctps::net;

// Leaves at once: runtime threads may still be running, so no destructors (usage errors: 2,
// a failed or timed-out measurement: 1).
// The certificate directory, removed on every way out.
std::filesystem::path g_cert_dir;

[[noreturn]] void die(const std::string& what, int code = 2) {
  std::fprintf(stderr, "sctps_handshake_bench: %s\n", what.c_str());
  if (!g_cert_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_cert_dir, ec);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

void progress(const std::string& what) {
  std::fprintf(stderr, "[handshake-bench] %s\n", what.c_str());
}

struct Args {
  std::size_t associations = 200;  // latency phase: sequential associations of each kind
  std::size_t concurrency = 64;    // handshakes in flight (throughput, memory)
  std::size_t handshakes = 1000;   // throughput phase
  std::vector<std::size_t> memory_counts{1, 100, 1000};
  bool latency = true, throughput = true, memory = true;
  std::vector<bool> kinds{true, false};  // protected, plain (throughput and memory)
  int idle_ms = 1000;                    // quiet time before the memory snapshot
  bool json = false;
};

std::size_t to_count(const std::string& option, const std::string& text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v == 0 || v > 100000) {
    die(option + " needs a number from 1 to 100000, not '" + text + "'");
  }
  return static_cast<std::size_t>(v);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) die(k + " needs a value");
      return argv[++i];
    };
    if (k == "--associations") {
      a.associations = to_count(k, v());
    } else if (k == "--concurrency") {
      a.concurrency = to_count(k, v());
    } else if (k == "--handshakes") {
      a.handshakes = to_count(k, v());
    } else if (k == "--memory-counts") {
      a.memory_counts.clear();
      for (const auto& c : split(v())) a.memory_counts.push_back(to_count(k, c));
    } else if (k == "--phases") {
      a.latency = a.throughput = a.memory = false;
      for (const auto& p : split(v())) {
        if (p == "latency") {
          a.latency = true;
        } else if (p == "throughput") {
          a.throughput = true;
        } else if (p == "memory") {
          a.memory = true;
        } else {
          die("unknown phase " + p + " (latency, throughput, memory)");
        }
      }
    } else if (k == "--kinds") {
      a.kinds.clear();
      for (const auto& p : split(v())) {
        if (p != "protected" && p != "plain") die("unknown kind " + p + " (protected, plain)");
        a.kinds.push_back(p == "protected");
      }
    } else if (k == "--idle-ms") {
      a.idle_ms = static_cast<int>(to_count(k, v()));
    } else if (k == "--json") {
      a.json = true;
    } else if (k == "--help" || k == "-h") {
      std::printf(
          "sctps_handshake_bench [--associations N] [--concurrency N] [--handshakes N]\n"
          "                      [--memory-counts 1,100,1000] [--phases "
          "latency,throughput,memory]\n"
          "                      [--kinds protected,plain] [--idle-ms MS] [--json]\n");
      std::exit(0);
    } else {
      die("unknown option " + k);
    }
  }
  return a;
}

// Test certificates (km/cert_gen.h) written to a private temporary directory for the Runtime's
// file options, removed at exit.
class CertDir {
 public:
  CertDir() {
    char tmpl[] = "/tmp/sctps-handshake-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) die("cannot create a temporary directory");
    dir_ = tmpl;
    g_cert_dir = dir_;
    sctps::km::TestCertificateOptions o;
    o.unix_time = static_cast<std::int64_t>(std::time(nullptr));
    auto certs = sctps::km::make_test_certificates(o);
    if (!certs.ok()) die("certificates: " + certs.error().message);
    const auto written = sctps::km::write_test_certificates(*certs, dir_, true);
    if (!written.ok()) die("certificates: " + written.error().message);
  }
  ~CertDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  CertDir(const CertDir&) = delete;
  CertDir& operator=(const CertDir&) = delete;
  std::string file(const char* name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// What the runtime threads report to the coordinator.
struct Hub {
  std::mutex m;
  std::condition_variable cv;
  std::size_t client_ready = 0;  // protected (or up, unprotected) on the client
  std::size_t server_ready = 0;
  std::size_t client_down = 0;
  std::size_t server_down = 0;
  std::size_t failed = 0;
  std::size_t resumed = 0;  // client: protected by a resumed TLS session
  std::string failure;
  std::vector<double> ready_us;  // connect() to ready, per association, on the client

  void reset() {
    std::lock_guard<std::mutex> lk(m);
    client_ready = server_ready = client_down = server_down = failed = resumed = 0;
    failure.clear();
    ready_us.clear();
  }
  void fail(std::string why) {
    std::lock_guard<std::mutex> lk(m);
    ++failed;
    if (failure.empty()) failure = std::move(why);
    cv.notify_all();
  }
  // Waits until `done` holds (under the lock), a failure, or `timeout`; returns done().
  bool wait(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lk(m);
    cv.wait_for(lk, timeout, [&] { return failed != 0 || done(); });
    return failed == 0 && done();
  }
};

// One Runtime and the thread that drives it.
class Node {
 public:
  Node(Side side, bool protect, bool resume, std::array<std::uint8_t, 4> ip,
       std::uint16_t sctp_port, const CertDir& certs, Hub& hub)
      : side_(side), protect_(protect), hub_(hub), ip_(ip), sctp_port_(sctp_port) {
    ScopedSide tag(side);
    api::RuntimeOptions o;
    o.local_addresses = {net::SocketAddress::v4(ip, 0)};
    o.udp_port = 0;
    o.sctp_port = sctp_port;
    if (protect) {
      o.protection.mode = api::ProtectMode::kStrict;
      o.protection.km = api::KeyManagement::kTls;
      const char* who = side == kServer ? "server" : "client";
      o.protection.cert_file = certs.file((std::string(who) + ".pem").c_str());
      o.protection.key_file = certs.file((std::string(who) + ".key").c_str());
      o.protection.ca_file = certs.file("ca.pem");
      // The test certificates carry one extended key usage each, so each side offers only the
      // TLS role its certificate is for (draft-ietf-tsvwg-sctp-dtls-chunk §4.1), as the CLI does.
      o.protection.roles = side == kServer ? core::DtlsRoles::kServer : core::DtlsRoles::kClient;
      // The server certificate names localhost and 127.0.0.1, not the 127.2.x.y we use.
      if (side == kClient) o.protection.peer_name = "localhost";
      o.protection.resumption = resume;
    }
    auto r = api::Runtime::create(o);
    if (!r.ok()) die("runtime: " + r.error().message);
    rt_ = std::move(r).value();
    udp_port_ = rt_->udp_port();
    thread_ = std::thread([this] { run(); });
  }
  ~Node() {
    {
      ScopedSide tag(side_);
      rt_->loop().post([this] { stop_ = true; });
    }
    thread_.join();
  }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  std::uint16_t udp_port() const { return udp_port_; }
  std::uint16_t sctp_port() const { return sctp_port_; }
  std::array<std::uint8_t, 4> ip() const { return ip_; }

  // Client: starts an association to `server` (on this node's thread).
  void connect(const Node& server) {
    const auto to = net::SocketAddress::v4(server.ip(), server.sctp_port());
    const std::uint16_t udp = server.udp_port();
    ScopedSide tag(side_);
    rt_->loop().post([this, to, udp] {
      const auto t0 = Clock::now();
      const core::AssocId id = rt_->connect(to, udp);
      if (id == 0) {
        hub_.fail("connect refused");
        return;
      }
      started_[id] = Started{t0, false};
    });
  }
  // Client: graceful shutdown of every association it has (RFC 9260 §9.2).
  void shutdown_all() {
    ScopedSide tag(side_);
    rt_->loop().post([this] {
      for (auto& [id, started] : started_) {
        if (started.closing) continue;
        started.closing = true;
        if (!rt_->shutdown(id)) hub_.fail("shutdown refused");
      }
    });
  }

 private:
  void run() {
    t_side = side_;
    while (!stop_) {
      rt_->run_once(500ms);
      while (auto e = rt_->poll_event()) on_event(*e);
    }
    rt_.reset();  // on this thread, so that its blocks are freed under its side's tag
  }

  void on_event(const core::Event& e) {
    if (const auto* up = std::get_if<core::AssociationUp>(&e)) {
      if (!protect_) {
        ready(up->id);
      } else if (up->protection != core::Protection::kPending) {
        hub_.fail("association up without protection pending");
      }
    } else if (const auto* pe = std::get_if<core::ProtectionEstablished>(&e)) {
      if (pe->resumed && side_ == kClient) {
        std::lock_guard<std::mutex> lk(hub_.m);
        ++hub_.resumed;
      }
      ready(pe->id);
    } else if (const auto* down = std::get_if<core::AssociationDown>(&e)) {
      const bool graceful = down->reason == core::DownReason::kShutdown;
      bool expected = graceful;
      if (side_ == kClient) {
        const auto it = started_.find(down->id);
        expected = graceful && it != started_.end() && it->second.closing;
        if (it != started_.end()) started_.erase(it);
      }
      if (!expected) {
        hub_.fail(std::string(side_ == kClient ? "client" : "server") + " association down: " +
                  std::string(core::to_string(down->reason)) + " " + down->detail);
      }
      std::lock_guard<std::mutex> lk(hub_.m);
      ++(side_ == kClient ? hub_.client_down : hub_.server_down);
      hub_.cv.notify_all();
    }
  }

  void ready(core::AssocId id) {
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lk(hub_.m);
    if (side_ == kClient) {
      const auto it = started_.find(id);
      if (it != started_.end()) {
        hub_.ready_us.push_back(
            std::chrono::duration<double, std::micro>(now - it->second.t0).count());
      }
      ++hub_.client_ready;
    } else {
      ++hub_.server_ready;
    }
    hub_.cv.notify_all();
  }

 private:
  Side side_;
  bool protect_;
  Hub& hub_;
  std::array<std::uint8_t, 4> ip_;
  std::uint16_t sctp_port_;
  std::unique_ptr<api::Runtime> rt_;
  std::uint16_t udp_port_ = 0;
  std::thread thread_;
  // Loop thread only.
  bool stop_ = false;
  struct Started {
    Clock::time_point t0;  // just before connect()
    bool closing = false;  // shutdown() called: a graceful AssociationDown is expected
  };
  std::unordered_map<core::AssocId, Started> started_;
};

// 127.<net>.x.y, a loopback address of its own for Runtime `index` (all of 127/8 is loopback on
// Linux), so that no two Runtimes share an address and port anywhere in the grid.
std::array<std::uint8_t, 4> loopback_ip(std::uint8_t net_byte, std::size_t index) {
  return {127, net_byte, static_cast<std::uint8_t>(index >> 8),
          static_cast<std::uint8_t>((index & 0xff) + 1)};
}

// g client Runtimes x g server Runtimes: pair i is client i % g with server (i / g + i) % g, so
// that the g * g pairs are distinct and consecutive pairs spread over all threads.
class Grid {
 public:
  Grid(std::size_t associations, bool protect, const CertDir& certs, Hub& hub,
       bool resume = false) {
    g_ = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(associations))));
    g_ = std::max<std::size_t>(g_, 1);
    for (std::size_t i = 0; i < g_; ++i) {
      // SCTP ports inside the encapsulation; each Runtime has its own UDP port.
      const auto server_port = static_cast<std::uint16_t>(20000 + i);
      const auto client_port = static_cast<std::uint16_t>(40000 + i);
      servers_.push_back(std::make_unique<Node>(kServer, protect, resume, loopback_ip(2, i),
                                                server_port, certs, hub));
      clients_.push_back(std::make_unique<Node>(kClient, protect, resume, loopback_ip(1, i),
                                                client_port, certs, hub));
    }
  }
  std::size_t capacity() const { return g_ * g_; }
  std::size_t side_count() const { return g_; }
  void connect(std::size_t pair) {
    clients_[pair % g_]->connect(*servers_[(pair / g_ + pair) % g_]);
  }
  void shutdown_all() {
    for (auto& c : clients_) c->shutdown_all();
  }

 private:
  std::size_t g_ = 1;
  std::vector<std::unique_ptr<Node>> servers_;
  std::vector<std::unique_ptr<Node>> clients_;
};

// Starts pairs [0, n) with at most `concurrency` handshakes in flight and waits until both sides
// of all are ready. The hub must be reset (nothing in flight).
bool connect_many(Grid& grid, Hub& hub, std::size_t n, std::size_t concurrency,
                  std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t started = 0;
  std::unique_lock<std::mutex> lk(hub.m);
  while (hub.failed == 0 && hub.client_ready < n) {
    while (started < n && started - hub.client_ready < concurrency) {
      lk.unlock();
      grid.connect(started++);
      lk.lock();
    }
    if (hub.cv.wait_until(lk, deadline) == std::cv_status::timeout) break;
  }
  const bool clients = hub.failed == 0 && hub.client_ready >= n;
  lk.unlock();
  if (!clients) return false;
  return hub.wait([&] { return hub.server_ready >= n; },
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::max(deadline - Clock::now(), Clock::duration(0))));
}

bool close_all(Grid& grid, Hub& hub, std::size_t n) {
  grid.shutdown_all();
  std::unique_lock<std::mutex> lk(hub.m);
  const bool ok =
      hub.cv.wait_for(lk, 30s, [&] { return hub.client_down >= n && hub.server_down >= n; });
  return ok && hub.failed == 0;
}

struct Percentiles {
  std::size_t count = 0;
  double median = 0, p99 = 0, mean = 0, min = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.count = v.size();
  p.median = v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(v.size())));
  p.p99 = v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  p.min = v.front();
  p.max = v.back();
  return p;
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct MemorySnapshot {
  std::int64_t heap = 0;  // mallinfo2().uordblks
  std::int64_t rss = 0;
  std::int64_t live[2][3] = {};  // counted bytes [allocator][side]
  std::int64_t blocks[2][3] = {};
};

MemorySnapshot snapshot() {
  MemorySnapshot s;
  const struct mallinfo2 mi = ::mallinfo2();
  s.heap = static_cast<std::int64_t>(mi.uordblks);
  std::ifstream statm("/proc/self/statm");
  long long pages = 0, resident = 0;
  if (statm >> pages >> resident) s.rss = resident * ::sysconf(_SC_PAGESIZE);
  for (int a = 0; a < 2; ++a) {
    for (int i = 0; i < 3; ++i) {
      s.live[a][i] = g_tally[a][i].bytes.load(std::memory_order_relaxed);
      s.blocks[a][i] = g_tally[a][i].blocks.load(std::memory_order_relaxed);
    }
  }
  return s;
}

struct LatencyResult {
  Percentiles protected_us, resumed_us, plain_us;
  std::size_t resumed = 0;  // of resumed_us.count: how many really resumed
};

struct ThroughputResult {
  bool is_protected = false;
  std::size_t handshakes = 0;
  double seconds = 0, per_second = 0, cpu_us_per_handshake = 0;
  Percentiles latency_us;
};

struct MemoryResult {
  bool is_protected = false;
  std::size_t associations = 0;
  double heap_per_assoc = 0;  // both endpoints, mallinfo2
  double rss_per_assoc = 0;
  double client_per_assoc = 0, server_per_assoc = 0;  // counted, C++ and OpenSSL
  double openssl_per_assoc = 0;                       // both endpoints
  double blocks_client = 0, blocks_server = 0;        // live allocations per association
  double residue_per_assoc = 0;          // heap left after closing, both endpoints (mallinfo2)
  double counted_residue_per_assoc = 0;  // the same, counted (all threads)
};

void require(bool ok, Hub& hub, const std::string& what) {
  if (ok) return;
  std::lock_guard<std::mutex> lk(hub.m);
  die(what + (hub.failure.empty() ? std::string(" (timeout)") : ": " + hub.failure), 1);
}

// Opens and closes one association per client and per server, so that what a Runtime allocates
// once (OpenSSL's per-thread state, hash-table buckets) is in place before measuring.
void warm_up(Grid& grid, Hub& hub, std::size_t concurrency) {
  hub.reset();
  const std::size_t n = grid.side_count();
  require(connect_many(grid, hub, n, concurrency, 60s), hub, "warm-up connect");
  require(close_all(grid, hub, n), hub, "warm-up close");
  hub.reset();
}

// Each association on a pair of its own, one at a time: protected with a full handshake, protected
// with TLS resumption, and plain in turn; all stay up (idle) until the end and are closed
// together, since a graceful shutdown waits for the peer's delayed acknowledgement (RFC 9260
// §6.2) and would dominate the run time. The resuming grid first connects (and closes) every
// pair once, so that each client holds a ticket of the server it meets again.
LatencyResult run_latency(const Args& a, const CertDir& certs) {
  LatencyResult r;
  Hub hub_p, hub_r, hub_u;
  Grid prot(a.associations, true, certs, hub_p);
  Grid resuming(a.associations, true, certs, hub_r, true);
  Grid plain(a.associations, false, certs, hub_u);
  warm_up(prot, hub_p, 1);
  warm_up(plain, hub_u, 1);
  hub_r.reset();
  require(connect_many(resuming, hub_r, a.associations, 1, 120s), hub_r, "ticket connect");
  require(close_all(resuming, hub_r, a.associations), hub_r, "ticket close");
  hub_r.reset();
  Hub* hubs[] = {&hub_p, &hub_r, &hub_u};
  Grid* grids[] = {&prot, &resuming, &plain};
  for (std::size_t i = 0; i < a.associations; ++i) {
    for (int kind = 0; kind < 3; ++kind) {
      Hub& hub = *hubs[kind];
      grids[kind]->connect(i);
      require(hub.wait([&] { return hub.client_ready > i && hub.server_ready > i; }, 30s), hub,
              "latency connect");
    }
  }
  {
    std::lock_guard<std::mutex> lk(hub_p.m);
    r.protected_us = percentiles(hub_p.ready_us);
  }
  {
    std::lock_guard<std::mutex> lk(hub_r.m);
    r.resumed_us = percentiles(hub_r.ready_us);
    r.resumed = hub_r.resumed;
  }
  {
    std::lock_guard<std::mutex> lk(hub_u.m);
    r.plain_us = percentiles(hub_u.ready_us);
  }
  require(close_all(prot, hub_p, a.associations), hub_p, "latency close");
  require(close_all(resuming, hub_r, a.associations), hub_r, "latency close");
  require(close_all(plain, hub_u, a.associations), hub_u, "latency close");
  return r;
}

ThroughputResult run_throughput(const Args& a, const CertDir& certs, bool protect) {
  ThroughputResult r;
  r.is_protected = protect;
  r.handshakes = a.handshakes;
  Hub hub;
  Grid grid(a.handshakes, protect, certs, hub);
  warm_up(grid, hub, a.concurrency);
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  require(connect_many(grid, hub, a.handshakes, a.concurrency, 300s), hub, "throughput connect");
  const auto t1 = Clock::now();
  const double cpu1 = cpu_seconds();
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.per_second = static_cast<double>(a.handshakes) / r.seconds;
  r.cpu_us_per_handshake = (cpu1 - cpu0) * 1e6 / static_cast<double>(a.handshakes);
  {
    std::lock_guard<std::mutex> lk(hub.m);
    r.latency_us = percentiles(hub.ready_us);
  }
  require(close_all(grid, hub, a.handshakes), hub, "throughput close");
  return r;
}

MemoryResult run_memory(const Args& a, const CertDir& certs, std::size_t n, bool protect) {
  MemoryResult r;
  r.is_protected = protect;
  r.associations = n;
  Hub hub;
  Grid grid(n, protect, certs, hub);
  warm_up(grid, hub, a.concurrency);
  std::this_thread::sleep_for(300ms);
  // Free pages back to the kernel, so that the RSS delta shows pages the associations touch
  // rather than reuse of what earlier phases left resident.
  ::malloc_trim(0);
  const MemorySnapshot before = snapshot();
  require(connect_many(grid, hub, n, a.concurrency, 300s), hub, "memory connect");
  // Idle: no data; delayed acknowledgements go out (200 ms), heartbeats are 30 s away.
  std::this_thread::sleep_for(std::chrono::milliseconds(a.idle_ms));
  const MemorySnapshot after = snapshot();
  require(close_all(grid, hub, n), hub, "memory close");
  std::this_thread::sleep_for(300ms);
  const MemorySnapshot closed = snapshot();
  const double d = static_cast<double>(n);
  r.heap_per_assoc = static_cast<double>(after.heap - before.heap) / d;
  r.rss_per_assoc = static_cast<double>(after.rss - before.rss) / d;
  auto side_bytes = [&](const MemorySnapshot& s, int side) {
    return s.live[kCxx][side] + s.live[kOpenSsl][side];
  };
  auto side_blocks = [&](const MemorySnapshot& s, int side) {
    return s.blocks[kCxx][side] + s.blocks[kOpenSsl][side];
  };
  r.client_per_assoc =
      static_cast<double>(side_bytes(after, kClient) - side_bytes(before, kClient)) / d;
  r.server_per_assoc =
      static_cast<double>(side_bytes(after, kServer) - side_bytes(before, kServer)) / d;
  std::int64_t ssl = 0;
  for (int side = 0; side < 3; ++side)
    ssl += after.live[kOpenSsl][side] - before.live[kOpenSsl][side];
  r.openssl_per_assoc = static_cast<double>(ssl) / d;
  r.blocks_client =
      static_cast<double>(side_blocks(after, kClient) - side_blocks(before, kClient)) / d;
  r.blocks_server =
      static_cast<double>(side_blocks(after, kServer) - side_blocks(before, kServer)) / d;
  r.residue_per_assoc = static_cast<double>(closed.heap - before.heap) / d;
  std::int64_t residue = 0;
  for (int al = 0; al < 2; ++al) {
    for (int side = 0; side < 3; ++side) residue += closed.live[al][side] - before.live[al][side];
  }
  r.counted_residue_per_assoc = static_cast<double>(residue) / d;
  return r;
}

bool counting() {
  return g_counting;
}

std::string fmt_json_percentiles(const Percentiles& p) {
  char b[256];
  std::snprintf(b, sizeof(b),
                "{\"count\":%zu,\"median_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f,"
                "\"min_us\":%.1f,\"max_us\":%.1f}",
                p.count, p.median, p.p99, p.mean, p.min, p.max);
  return b;
}

constexpr double kTargetPerSide = 8192;  // issue #7: <= 8 KiB per idle protected association

void print_json(const Args& a, const std::optional<LatencyResult>& lat,
                const std::vector<ThroughputResult>& thr, const std::vector<MemoryResult>& mem) {
  std::string o = "{\"benchmark\":\"sctps_handshake\",\"transport\":\"udp-loopback\",";
  o += "\"key_management\":\"tls13 (method 192), mutual certificates, EC P-256\",";
  char b[512];
  std::snprintf(b, sizeof(b),
                "\"config\":{\"associations\":%zu,\"concurrency\":%zu,\"handshakes\":%zu,"
                "\"idle_ms\":%d,\"allocations_counted\":%s,\"openssl_counted\":%s}",
                a.associations, a.concurrency, a.handshakes, a.idle_ms,
                counting() ? "true" : "false", g_openssl_counted ? "true" : "false");
  o += b;
  if (lat) {
    o += ",\"latency\":{\"protected\":" + fmt_json_percentiles(lat->protected_us) +
         ",\"protected_resumed\":" + fmt_json_percentiles(lat->resumed_us) +
         ",\"resumed\":" + std::to_string(lat->resumed) +
         ",\"unprotected\":" + fmt_json_percentiles(lat->plain_us) + "}";
  }
  if (!thr.empty()) {
    o += ",\"throughput\":{";
    for (std::size_t i = 0; i < thr.size(); ++i) {
      const auto& t = thr[i];
      std::snprintf(b, sizeof(b),
                    "%s\"%s\":{\"handshakes\":%zu,\"seconds\":%.3f,\"per_second\":%.1f,"
                    "\"cpu_us_per_handshake_both_endpoints\":%.1f,\"latency\":",
                    i == 0 ? "" : ",", t.is_protected ? "protected" : "unprotected", t.handshakes,
                    t.seconds, t.per_second, t.cpu_us_per_handshake);
      o += b + fmt_json_percentiles(t.latency_us) + "}";
    }
    o += "}";
  }
  if (!mem.empty()) {
    o += ",\"memory\":[";
    for (std::size_t i = 0; i < mem.size(); ++i) {
      const auto& m = mem[i];
      std::snprintf(b, sizeof(b),
                    "%s{\"protected\":%s,\"associations\":%zu,\"heap_bytes_per_assoc_both\":%.0f,"
                    "\"heap_bytes_per_assoc_per_side_est\":%.0f,\"rss_bytes_per_assoc_both\":%.0f,"
                    "\"client_bytes_per_assoc\":%.0f,\"server_bytes_per_assoc\":%.0f,"
                    "\"openssl_bytes_per_assoc_both\":%.0f,\"client_blocks_per_assoc\":%.1f,"
                    "\"server_blocks_per_assoc\":%.1f,\"heap_residue_per_assoc_after_close\":%.0f,"
                    "\"counted_residue_per_assoc_after_close\":%.0f}",
                    i == 0 ? "" : ",", m.is_protected ? "true" : "false", m.associations,
                    m.heap_per_assoc, m.heap_per_assoc / 2, m.rss_per_assoc, m.client_per_assoc,
                    m.server_per_assoc, m.openssl_per_assoc, m.blocks_client, m.blocks_server,
                    m.residue_per_assoc, m.counted_residue_per_assoc);
      o += b;
    }
    o += "],\"memory_target_bytes_per_side\":8192";
  }
  o += "}";
  std::printf("%s\n", o.c_str());
}

void print_table(const Args& a, const std::optional<LatencyResult>& lat,
                 const std::vector<ThroughputResult>& thr, const std::vector<MemoryResult>& mem) {
  std::printf("sctps handshake benchmark: UDP encapsulation on loopback, TLS 1.3 key management\n");
  std::printf("(method 192, mutual certificate authentication, EC P-256), one process\n\n");
  if (lat) {
    std::printf("Connect latency, %zu associations one after another (us)\n", a.associations);
    std::printf("  %-36s %10s %10s %10s\n", "", "median", "p99", "mean");
    std::printf("  %-36s %10.1f %10.1f %10.1f\n", "connect -> ProtectionEstablished",
                lat->protected_us.median, lat->protected_us.p99, lat->protected_us.mean);
    std::printf("  %-36s %10.1f %10.1f %10.1f   (%zu of %zu resumed)\n",
                "  ... with a resumed TLS session", lat->resumed_us.median, lat->resumed_us.p99,
                lat->resumed_us.mean, lat->resumed, lat->resumed_us.count);
    std::printf("  %-36s %10.1f %10.1f %10.1f\n\n", "connect -> AssociationUp (plain)",
                lat->plain_us.median, lat->plain_us.p99, lat->plain_us.mean);
  }
  if (!thr.empty()) {
    std::printf("Handshake rate, %zu in flight\n", a.concurrency);
    std::printf("  %-12s %10s %10s %12s %22s\n", "", "count", "per s", "CPU us/hs",
                "latency p50/p99 (us)");
    for (const auto& t : thr) {
      std::printf("  %-12s %10zu %10.1f %12.1f %12.0f/%-9.0f\n",
                  t.is_protected ? "protected" : "plain", t.handshakes, t.per_second,
                  t.cpu_us_per_handshake, t.latency_us.median, t.latency_us.p99);
    }
    std::printf("  (CPU: user+sys of the process, both endpoints, per handshake)\n\n");
  }
  if (!mem.empty()) {
    std::printf("Memory per idle association (bytes)\n");
    std::printf("  %-10s %6s %10s %10s %10s %10s %10s %10s %9s\n", "", "assocs", "heap both",
                "per side~", "client", "server", "openssl", "RSS both", "residue");
    for (const auto& m : mem) {
      std::printf("  %-10s %6zu %10.0f %10.0f %10.0f %10.0f %10.0f %10.0f %9.0f\n",
                  m.is_protected ? "protected" : "plain", m.associations, m.heap_per_assoc,
                  m.heap_per_assoc / 2, m.client_per_assoc, m.server_per_assoc, m.openssl_per_assoc,
                  m.rss_per_assoc, counting() ? m.counted_residue_per_assoc : m.residue_per_assoc);
    }
    std::printf(
        "  heap both: mallinfo2().uordblks after all are protected and idle %d ms, minus before,\n"
        "  per association (client and server in this process); per side~ = heap both / 2.\n"
        "  client/server: live bytes allocated on that side's threads (malloc_usable_size,\n"
        "  C++ and OpenSSL)%s; openssl: OpenSSL's part, both sides. residue: live bytes left\n"
        "  per association after all were closed (counted; mallinfo2 without counting).\n"
        "  mallinfo2 counts blocks in glibc's per-thread caches as in use, so at small counts\n"
        "  'heap both' can be below client + server. Target (issue #7): <= %.0f per side.\n",
        a.idle_ms, counting() ? "" : " [not counted in this build]", kTargetPerSide);
  }
}

}  // namespace

int main(int argc, char** argv) {
#ifdef SCTPS_BENCH_COUNT_ALLOCATIONS
  // Before anything reaches OpenSSL; it refuses once it has allocated.
  g_openssl_counted = CRYPTO_set_mem_functions(ssl_malloc, ssl_realloc, ssl_free) == 1;
#endif
  const Args a = parse(argc, argv);
#ifdef SCTPS_BENCH_COUNT_ALLOCATIONS
  g_counting = a.memory;
  if (a.memory && (a.latency || a.throughput)) {
    progress(
        "allocation counting is on for the memory phase and slows the others; run them apart "
        "(--phases latency,throughput and --phases memory) for undisturbed timings");
  }
#endif
  {
    CertDir certs;
    std::optional<LatencyResult> lat;
    std::vector<ThroughputResult> thr;
    std::vector<MemoryResult> mem;
    if (a.latency) {
      progress("latency: " + std::to_string(a.associations) + " sequential associations per kind");
      lat = run_latency(a, certs);
    }
    if (a.throughput) {
      for (bool protect : a.kinds) {
        progress(std::string("throughput: ") + (protect ? "protected" : "plain") + ", " +
                 std::to_string(a.handshakes) + " handshakes");
        thr.push_back(run_throughput(a, certs, protect));
      }
    }
    if (a.memory) {
      for (std::size_t n : a.memory_counts) {
        for (bool protect : a.kinds) {
          progress(std::string("memory: ") + (protect ? "protected" : "plain") + ", " +
                   std::to_string(n) + " associations");
          mem.push_back(run_memory(a, certs, n, protect));
        }
      }
    }
    if (a.json) {
      print_json(a, lat, thr, mem);
    } else {
      print_table(a, lat, thr, mem);
    }
  }
  return 0;
}
