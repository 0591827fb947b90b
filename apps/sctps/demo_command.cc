// `sctps demo`: two endpoints in one process on 127.0.0.1 (UDP encapsulation, RFC 6951, ephemeral
// ports), driven alternately from one thread (each Runtime's run_once), so that the run is simple
// to follow and needs no locking. The server and client certificates are made for the run
// (km/cert_gen.h) and handed over in a private temporary directory (0700, keys 0600), removed as
// soon as both endpoints have loaded them: api::ProtectionOptions takes PEM files.
//
// The run: association with the DTLS Key Management parameter (method 192, mutual
// authentication), TLS 1.3 handshake, Protection Established, then messages of 100 B (bursts on
// four streams, as paging would send them), 1200 B, 16 KB and 1 MB in both directions, each
// echoed back by the peer and compared byte for byte; --rekeys rekeys (porfiri §6.2) while that
// traffic flows, started alternately by client and server; graceful shutdown; a summary.
//
// The capture (--pcap) and the key log (--keylog) are the client's: on loopback the client's
// packets are the whole conversation, and its key log holds the keys of both directions.
#include "demo_command.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/runtime.h"
#include "demo_report.h"
#include "demo_trace.h"
#include "km/cert_gen.h"
#include "net/monotonic_clock.h"
#include "run_common.h"

namespace sctps::app {
namespace {

struct DemoOptions {
  double duration = 2;
  int rekeys = 1;
  std::string pcap;
  std::string keylog;
  bool json = false;
  bool quiet = false;
  bool no_bulk = false;  // leave out the 1 MB messages (small captures for slow dissectors)
};

// PPIDs of the demo's messages (any value but 4242 on stream 0 is the application's).
constexpr std::uint32_t kPpidOriginal = 0x53435031;  // "SCP1"
constexpr std::uint32_t kPpidEcho = 0x53435032;      // "SCP2"
constexpr std::uint16_t kStreams = 16;
constexpr std::uint16_t kServerSctpPort = 5000;
constexpr std::uint16_t kClientSctpPort = 5001;
// Originals sent and not yet echoed, per side, at most (a 1 MB message always goes).
constexpr std::size_t kInFlightLimit = std::size_t{4} << 20;

// The message mix. Periodic kinds send `per_burst` messages every `period`; the 1 MB messages go
// at 10 % and 60 % of the traffic phase.
struct Kind {
  std::string_view name;
  std::size_t size;
  std::uint16_t first_stream;
  std::uint16_t streams;
  int per_burst;
  Duration period;  // zero: the two 1 MB messages
};
constexpr std::array<Kind, 4> kKinds{{
    {"100 B", 100, 1, 4, 20, ms(10)},
    {"1200 B", 1200, 5, 2, 4, ms(10)},
    {"16 KB", 16384, 7, 1, 1, ms(50)},
    {"1 MB", std::size_t{1} << 20, 8, 1, 1, Duration{0}},
}};

std::uint64_t due(const Kind& k, Duration elapsed, Duration phase) {
  if (k.period == Duration{0}) {
    return (elapsed >= phase / 10 ? 1U : 0U) + (elapsed >= phase * 6 / 10 ? 1U : 0U);
  }
  return static_cast<std::uint64_t>(elapsed / k.period + 1) *
         static_cast<std::uint64_t>(k.per_burst);
}

double to_ms(Duration d) {
  return static_cast<double>(d.count()) / 1000.0;
}

TimePoint clock_now() {
  return TimePoint{net::monotonic_now()};
}

std::string down_text(const core::AssociationDown& d) {
  std::string r(core::to_string(d.reason));
  if (!d.detail.empty()) r += ": " + d.detail;
  return r;
}

// A private temporary directory for the run's certificates (and key log when none was asked for),
// removed with everything in it.
class TempDir {
 public:
  static std::unique_ptr<TempDir> make(std::string& why) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sctps-demo-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      why = "cannot create a temporary directory for the certificates: " + pattern;
      return nullptr;
    }
    return std::unique_ptr<TempDir>(new TempDir(pattern));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

struct Echo {
  std::uint16_t stream;
  std::vector<std::uint8_t> payload;
};

struct Endpoint {
  explicit Endpoint(DemoSide s) : side(s) {}
  DemoSide side;
  std::string name() const { return std::string(side_name(side)); }
  std::unique_ptr<api::Runtime> rt;
  core::AssocId id = 0;
  bool up = false;
  bool established = false;
  std::optional<core::AssociationDown> down;
  std::optional<core::AssociationStats> stats;  // the last snapshot while the association lived
  std::uint16_t cipher_suite = 0;

  struct Sent {
    std::size_t size;
    std::uint16_t stream;
    std::size_t kind;
    TimePoint at;
    bool echoed = false;
  };
  std::vector<Sent> sent;  // by message index
  std::array<std::uint64_t, kKinds.size()> sent_per_kind{};
  std::optional<std::vector<std::uint8_t>> next;  // refused for lack of room (kFull): retried
  std::size_t next_kind = 0;
  std::uint64_t verified = 0;
  std::uint64_t bad = 0;
  std::string bad_detail;
  std::uint64_t in_flight = 0;
  std::uint64_t user_bytes_sent = 0;  // messages and echoes
  std::uint64_t echoed_for_peer = 0;
  std::deque<Echo> echoes;

  std::vector<std::uint64_t> epochs;
  std::vector<double> rekey_ms;
  std::uint64_t rekeys_initiated = 0;
  std::uint64_t wire_packets_sent = 0;
  std::uint64_t wire_packets_received = 0;
  std::uint64_t wire_bytes_sent = 0;
  std::uint64_t wire_bytes_received = 0;

  std::uint64_t current_epoch() const { return epochs.empty() ? 0 : epochs.back(); }
  bool all_echoed() const { return verified + bad == sent.size(); }
  void count(const api::PacketTrace& p) {
    if (p.direction == api::PacketTrace::Direction::kSent) {
      ++wire_packets_sent;
      wire_bytes_sent += p.sctp.size();
    } else {
      ++wire_packets_received;
      wire_bytes_received += p.sctp.size();
    }
  }
};

class Demo {
 public:
  explicit Demo(const DemoOptions& o) : o_(o) {}
  int run();

 private:
  void say(const std::string& text) { say_at(clock_now(), text); }
  void say_at(TimePoint t, const std::string& text) {
    if (o_.quiet) return;
    fmt::print(out(), "[{:9.3f} ms] {}\n", to_ms(t - start_), text);
    std::fflush(out());
  }
  std::FILE* out() const { return o_.json ? stderr : stdout; }

  std::string setup();
  // One round: both endpoints run once, events are handled, traffic is pumped.
  void round(bool traffic);
  void handle_events(Endpoint& e);
  void on_message(Endpoint& e, core::ReceivedMessage& m);
  void pump(Endpoint& e, bool originals);
  void plan_rekeys();
  // Runs rounds until `done` or `timeout`; false when it timed out or failed.
  // `closing`: the associations are expected to go down.
  template <typename Done>
  bool run_until(Done done, Duration timeout, bool traffic, bool closing, const std::string& what);
  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = why;
  }
  void summary(double traffic_seconds);
  DemoSideReport side_report(const Endpoint& e) const;

  DemoOptions o_;
  TimePoint start_ = clock_now();
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<DemoTrace> trace_;  // before the endpoints: their observers call it
  Endpoint client_{DemoSide::kClient};
  Endpoint server_{DemoSide::kServer};
  std::string keylog_path_;
  std::string failure_;
  std::string rekey_failure_;  // reported at the end; the run goes on without more rekeys
  Duration phase_{};
  std::optional<TimePoint> traffic_start_;

  // Rekeys.
  int rekeys_started_ = 0;
  int rekeys_completed_ = 0;
  bool rekey_running_ = false;
  bool rekey_given_up_ = false;
  std::uint64_t rekey_target_ = 0;
  TimePoint rekey_started_at_{};
  std::optional<TimePoint> rekey_refused_since_;
};

std::string Demo::setup() {
  std::string why;
  dir_ = TempDir::make(why);
  if (!dir_) return why;
  km::TestCertificateOptions cert_options;
  cert_options.client_name = "sctps-demo-client";
  cert_options.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  cert_options.validity_days = 1;
  auto certs = km::make_test_certificates(cert_options);
  if (!certs.ok()) return "cannot make the certificates: " + certs.error().message;
  if (auto written = km::write_test_certificates(*certs, dir_->file("certs")); !written.ok()) {
    return "cannot write the certificates: " + written.error().message;
  }
  say("certificates made for this run: a CA, server.pem (CN localhost, SAN 127.0.0.1) and "
      "client.pem (CN sctps-demo-client), EC P-256");

  // The key log: the one asked for, else $SCTPS_KEYLOGFILE, else a private one the timeline reads
  // to open protected packets. Only the client writes it (it logs both directions); the variable
  // is cleared so that the server, which reads it too (api/protection_setup.h), does not append
  // the same keys again.
  keylog_path_ = o_.keylog;
  if (const char* env = std::getenv("SCTPS_KEYLOGFILE"); keylog_path_.empty() && env != nullptr) {
    keylog_path_ = env;
  }
  ::unsetenv("SCTPS_KEYLOGFILE");
  const bool own_keylog = keylog_path_.empty();
  if (own_keylog) keylog_path_ = dir_->file("keylog");
  std::uint64_t keylog_start = 0;
  struct stat st {};
  if (::stat(keylog_path_.c_str(), &st) == 0) keylog_start = static_cast<std::uint64_t>(st.st_size);

  const auto loopback = net::SocketAddress::loopback(net::SocketAddress::Family::kV4, 0);
  const auto base = [&](api::ProtectionOptions& p, bool server) {
    p.mode = api::ProtectMode::kStrict;
    p.km = api::KeyManagement::kTls;
    // Each side offers one key-management role, as `sctps server` and `sctps client` do, so that
    // the roles of the first handshake are known in advance.
    p.roles = server ? core::DtlsRoles::kServer : core::DtlsRoles::kClient;
    const std::string certs_dir = dir_->file("certs");
    p.cert_file = certs_dir + (server ? "/server.pem" : "/client.pem");
    p.key_file = certs_dir + (server ? "/server.key" : "/client.key");
    p.ca_file = certs_dir + "/ca.pem";
  };
  api::RuntimeOptions s;
  s.local_addresses = {loopback};
  s.udp_port = 0;
  s.sctp_port = kServerSctpPort;
  s.association.outbound_streams = kStreams;
  s.association.max_inbound_streams = kStreams;
  base(s.protection, true);
  s.packet_observer = [this](const api::PacketTrace& p) { server_.count(p); };
  auto server = api::Runtime::create(s);
  if (!server.ok()) return "server: " + server.error().message;
  server_.rt = std::move(server).value();

  api::RuntimeOptions c = s;
  c.sctp_port = kClientSctpPort;
  c.remote_udp_port = server_.rt->udp_port();
  base(c.protection, false);
  c.protection.keylog_file = keylog_path_;
  c.pcap_file = o_.pcap;
  c.packet_observer = [this](const api::PacketTrace& p) {
    client_.count(p);
    if (trace_) trace_->on_client_packet(p);
  };
  auto client = api::Runtime::create(c);
  if (!client.ok()) return "client: " + client.error().message;
  client_.rt = std::move(client).value();

  auto tail = KeyLogTail::open(keylog_path_, keylog_start);
  if (!tail) return "cannot read the key log " + keylog_path_;
  DemoTrace::Print print;
  if (!o_.quiet) print = [this](TimePoint t, const std::string& text) { say_at(t, text); };
  trace_ = std::make_unique<DemoTrace>(print, std::move(tail), ms(500));
  // The certificates are loaded and the key log is open: the temporary directory goes now, so
  // that even an interrupted run leaves no key behind.
  dir_.reset();

  say(
      fmt::format("server: 127.0.0.1 UDP port {}, SCTP port {}; protection strict, TLS 1.3 key "
                  "management (method 192), key-management role server",
                  server_.rt->udp_port(), kServerSctpPort));
  say(fmt::format(
      "client: 127.0.0.1 UDP port {}, SCTP port {}; protection strict, method 192, "
      "key-management role client{}{}",
      client_.rt->udp_port(), kClientSctpPort, o_.pcap.empty() ? "" : "; capture " + o_.pcap,
      own_keylog ? "" : "; key log " + keylog_path_));
  return {};
}

void Demo::handle_events(Endpoint& e) {
  const std::string who = e.name();
  while (auto event = e.rt->poll_event()) {
    if (auto* m = std::get_if<core::MessageReceived>(&*event)) {
      on_message(e, m->message);
    } else if (auto* up = std::get_if<core::AssociationUp>(&*event)) {
      e.id = up->id;
      e.up = true;
      say(fmt::format("{}: association up, {} outbound / {} inbound streams, protection {}", who,
                      up->outbound_streams, up->inbound_streams, core::to_string(up->protection)));
      if (const auto a = e.rt->engine().dtls_agreement(e.id); a && a->is_protected()) {
        say(
            fmt::format("{}: DTLS chunk agreed: method {}{}; this side (SCTP {}) is the "
                        "key-management {}; restart keys {}",
                        who, a->method, a->method == 192 ? " (TLS 1.3)" : "",
                        e.side == DemoSide::kClient ? "initiator" : "responder",
                        a->role == core::DtlsRole::kClient ? "client" : "server",
                        a->restart ? "agreed" : "not agreed"));
      }
    } else if (auto* pe = std::get_if<core::ProtectionEstablished>(&*event)) {
      e.established = true;
      e.epochs.push_back(pe->epoch);
      if (const auto st = e.rt->stats(e.id)) e.cipher_suite = st->cipher_suite;
      say(
          fmt::format("{}: Protection Established, epoch {}, {}: from here on every packet is a "
                      "DTLS chunk",
                      who, pe->epoch, cipher_suite_name(e.cipher_suite)));
    } else if (auto* kr = std::get_if<core::KeysRotated>(&*event)) {
      e.epochs.push_back(kr->epoch);
      e.rekey_ms.push_back(to_ms(kr->took));
      if (kr->initiated_locally) ++e.rekeys_initiated;
      say(fmt::format("{}: keys rotated to epoch {} in {:.3f} ms (rekey started by {})", who,
                      kr->epoch, to_ms(kr->took),
                      kr->initiated_locally ? "this side" : "the peer"));
    } else if (auto* d = std::get_if<core::AssociationDown>(&*event)) {
      say(fmt::format("{}: association down: {}", who, down_text(*d)));
      e.down = std::move(*d);
    } else if (auto* f = std::get_if<core::SendFailed>(&*event)) {
      fail(fmt::format("{}: {} message(s) could not be sent: {}", who, f->messages.size(),
                       f->reason));
    } else if (auto* pe2 = std::get_if<core::PeerError>(&*event)) {
      say(fmt::format("{}: ERROR from the peer: {}", who, pe2->description));
    }
  }
}

void Demo::on_message(Endpoint& e, core::ReceivedMessage& m) {
  const std::uint32_t ppid = m.ppid.value();
  if (ppid == kPpidOriginal) {
    ++e.echoed_for_peer;
    e.echoes.push_back(Echo{m.stream.value(), std::move(m.payload)});
    return;
  }
  const std::uint64_t index = pattern_index(m.payload);
  const char* problem = nullptr;
  if (ppid != kPpidEcho) {
    problem = "an unexpected PPID";
  } else if (!m.is_protected) {
    problem = "an echo that arrived unprotected";
  } else if (index >= e.sent.size()) {
    problem = "an echo of a message never sent";
  } else if (e.sent[index].echoed) {
    problem = "a second echo of one message";
  } else if (e.sent[index].stream != m.stream.value()) {
    problem = "an echo on another stream";
  } else if (!pattern_matches(m.payload, e.sent[index].size)) {
    problem = "an echo that differs from what was sent";
  }
  if (problem != nullptr) {
    ++e.bad;
    if (e.bad_detail.empty()) {
      e.bad_detail = fmt::format("{} received {} ({} B on stream {})", e.name(), problem,
                                 m.payload.size(), m.stream.value());
    }
    fail(e.bad_detail);
    return;
  }
  Endpoint::Sent& s = e.sent[index];
  s.echoed = true;
  ++e.verified;
  e.in_flight -= s.size;
  if (kKinds[s.kind].period == Duration{0}) {
    say(fmt::format("{}: its {} message #{} (stream {}) came back intact after {:.1f} ms", e.name(),
                    kKinds[s.kind].name, index, s.stream, to_ms(clock_now() - s.at)));
  }
}

void Demo::pump(Endpoint& e, bool originals) {
  if (!e.up || e.down) return;
  // Echoes first: the peer waits for them. post_send keeps a message it cannot take (kFull) with
  // us, and hands the ones it took to the engine as the send buffer makes room.
  while (!e.echoes.empty()) {
    Echo& echo = e.echoes.front();
    const std::size_t size = echo.payload.size();
    if (e.rt->post_send(e.id, echo.stream, kPpidEcho, std::move(echo.payload)) !=
        api::PostStatus::kQueued) {
      return;
    }
    e.user_bytes_sent += size;
    e.echoes.pop_front();
  }
  if (!originals || !traffic_start_) return;
  const Duration elapsed = clock_now() - *traffic_start_;
  for (;;) {
    if (!e.next) {
      std::size_t kind = kKinds.size();
      for (std::size_t k = 0; k < kKinds.size(); ++k) {
        if (o_.no_bulk && kKinds[k].period == Duration{0}) continue;
        if (e.sent_per_kind[k] < due(kKinds[k], elapsed, phase_)) {
          kind = k;
          break;
        }
      }
      if (kind == kKinds.size()) return;
      const Kind& k = kKinds[kind];
      if (e.in_flight > 0 && e.in_flight + k.size > kInFlightLimit) return;
      std::vector<std::uint8_t> payload;
      fill_pattern(payload, k.size, e.sent.size());
      e.next = std::move(payload);
      e.next_kind = kind;
    }
    const Kind& k = kKinds[e.next_kind];
    const std::uint64_t n = e.sent_per_kind[e.next_kind];
    const auto stream = static_cast<std::uint16_t>(k.first_stream + n % k.streams);
    const std::size_t size = e.next->size();
    if (e.rt->post_send(e.id, stream, kPpidOriginal, std::move(*e.next)) !=
        api::PostStatus::kQueued) {
      return;
    }
    e.next.reset();
    e.sent.push_back(Endpoint::Sent{size, stream, e.next_kind, clock_now()});
    ++e.sent_per_kind[e.next_kind];
    e.in_flight += size;
    e.user_bytes_sent += size;
    if (k.period == Duration{0}) {
      say(fmt::format("{}: sends {} message #{} on stream {}", e.name(), k.name, e.sent.size() - 1,
                      stream));
    }
  }
}

void Demo::plan_rekeys() {
  if (!traffic_start_ || rekey_given_up_) return;
  const TimePoint now = clock_now();
  if (rekey_running_) {
    if (client_.current_epoch() >= rekey_target_ && server_.current_epoch() >= rekey_target_) {
      rekey_running_ = false;
      ++rekeys_completed_;
    } else if (now - rekey_started_at_ > sec(15)) {
      rekey_failure_ = fmt::format("rekey {} (epoch {} -> {}) did not complete within 15 s",
                                   rekeys_started_, rekey_target_ - 1, rekey_target_);
      rekey_running_ = false;
      rekey_given_up_ = true;
    }
    return;
  }
  if (rekeys_started_ >= o_.rekeys) return;
  const Duration at = phase_ * (rekeys_started_ + 1) / (o_.rekeys + 1);
  if (now - *traffic_start_ < at) return;
  // Alternately from each side: the one that starts a rekey is the TLS client of its handshake
  // (porfiri §6.2, km/tls_key_manager.h), which the certificates allow either side to be
  // (km/cert_gen.h gives both serverAuth and clientAuth).
  Endpoint& e = rekeys_started_ % 2 == 0 ? client_ : server_;
  const std::uint64_t from = client_.current_epoch();
  if (!rekey_refused_since_) {
    say(fmt::format("{}: requests rekey {} of {} (epoch {} -> {}) while traffic flows", e.name(),
                    rekeys_started_ + 1, o_.rekeys, from, from + 1));
  }
  if (e.rt->rekey(e.id)) {
    ++rekeys_started_;
    rekey_running_ = true;
    rekey_target_ = from + 1;
    rekey_started_at_ = now;
    rekey_refused_since_.reset();
    return;
  }
  if (!rekey_refused_since_) {
    rekey_refused_since_ = now;
    say(
        fmt::format("{}: rekey {} of {} cannot start now: Runtime::rekey refused (key "
                    "management busy, or unable to rekey); retrying for 2 s",
                    e.name(), rekeys_started_ + 1, o_.rekeys));
  } else if (now - *rekey_refused_since_ > sec(2)) {
    rekey_failure_ = fmt::format(
        "rekey {} of {} (epoch {} -> {}) could not start: Runtime::rekey kept refusing on the {} "
        "for 2 s",
        rekeys_started_ + 1, o_.rekeys, from, from + 1, e.name());
    say("rekeys given up");
    rekey_given_up_ = true;
  }
}

void Demo::round(bool traffic) {
  const auto moved = [this] {
    return client_.wire_packets_sent + client_.wire_packets_received + server_.wire_packets_sent +
           server_.wire_packets_received;
  };
  const std::uint64_t before = moved();
  server_.rt->run_once(std::chrono::microseconds(0));
  client_.rt->run_once(std::chrono::microseconds(0));
  handle_events(server_);
  handle_events(client_);
  if (traffic) plan_rekeys();
  pump(client_, traffic);
  pump(server_, traffic);
  for (Endpoint* e : {&client_, &server_}) {
    if (e->up && !e->down) {
      if (auto st = e->rt->stats(e->id)) e->stats = std::move(st);
    }
  }
  trace_->tick(clock_now());
  if (moved() == before) {
    // Nothing travelled: wait a little for the other endpoint's packets or a timer, in turn.
    server_.rt->run_once(std::chrono::microseconds(200));
    client_.rt->run_once(std::chrono::microseconds(200));
  }
}

template <typename Done>
bool Demo::run_until(Done done, Duration timeout, bool traffic, bool closing,
                     const std::string& what) {
  const TimePoint begin = clock_now();
  while (!done()) {
    if (!failure_.empty()) return false;
    for (const Endpoint* e : {&client_, &server_}) {
      if (e->down && e->down->reason != core::DownReason::kShutdown) {
        fail(fmt::format("{}: association down: {}", e->name(), down_text(*e->down)));
        return false;
      }
      if (e->down && !closing) {
        fail(fmt::format("{}: association closed during {}", e->name(), what));
        return false;
      }
    }
    if (clock_now() - begin > timeout) {
      fail(fmt::format("{} did not finish within {:.0f} s", what, to_ms(timeout) / 1000));
      return false;
    }
    round(traffic);
  }
  return failure_.empty();
}

int Demo::run() {
  if (std::string why = setup(); !why.empty()) {
    fmt::print(stderr, "sctps demo: FAILED: {}\n", why);
    return kExitFailure;
  }
  phase_ = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o_.duration));
  const auto remote =
      net::SocketAddress::loopback(net::SocketAddress::Family::kV4, kServerSctpPort);
  say("the timeline: ms since start; packets as the client's socket sends and receives them "
      "(on loopback, the whole conversation), protected ones opened with the client's key log; "
      "application DATA and SACKs summed up every 500 ms");
  say("client: connects (INIT) to the server");
  client_.id = client_.rt->connect(remote, server_.rt->udp_port());
  bool ok = run_until([this] { return client_.established && server_.established; }, sec(15), false,
                      false, "the association and TLS handshake");
  double traffic_seconds = 0;
  if (ok) {
    traffic_start_ = clock_now();
    say(fmt::format(
        "traffic for {:.1f} s, both directions, every message echoed back: {} on "
        "streams 1-4 ({} every 10 ms), 1200 B on 5-6, 16 KB on 7 every 50 ms, two 1 MB "
        "on 8; {} rekey{}",
        o_.duration, kKinds[0].name, kKinds[0].per_burst, o_.rekeys, o_.rekeys == 1 ? "" : "s"));
    ok = run_until(
        [this] {
          return clock_now() - *traffic_start_ >= phase_ && !rekey_running_ &&
                 (rekeys_started_ >= o_.rekeys || rekey_given_up_);
        },
        phase_ + sec(30), true, false, "the traffic phase");
  }
  if (ok) {
    trace_->tick(clock_now(), true);
    say(
        fmt::format("sending stops ({} messages from the client, {} from the server); waiting "
                    "for the last echoes",
                    client_.sent.size(), server_.sent.size()));
    ok = run_until(
        [this] {
          return client_.all_echoed() && server_.all_echoed() && client_.echoes.empty() &&
                 server_.echoes.empty() && client_.rt->posted_messages() == 0 &&
                 server_.rt->posted_messages() == 0;
        },
        sec(30), false, false, "waiting for the echoes");
    traffic_seconds = to_ms(clock_now() - *traffic_start_) / 1000;
  }
  if (ok) {
    trace_->tick(clock_now(), true);
    say(fmt::format("all {} messages came back intact; client: SHUTDOWN",
                    client_.verified + server_.verified));
    client_.rt->shutdown(client_.id);
    ok = run_until([this] { return client_.down && server_.down; }, sec(10), false, true,
                   "shutdown");
  }
  trace_->tick(clock_now(), true);
  if (traffic_start_ && traffic_seconds == 0) {
    traffic_seconds = to_ms(clock_now() - *traffic_start_) / 1000;
  }
  // A rekey that failed ends the run with its reason, after the rest of it went as planned.
  if (!rekey_failure_.empty()) fail(rekey_failure_);
  if (ok && rekeys_completed_ < o_.rekeys) {
    fail(fmt::format("{} of {} rekeys completed", rekeys_completed_, o_.rekeys));
  }
  summary(traffic_seconds);
  if (!failure_.empty()) {
    fmt::print(stderr, "sctps demo: FAILED: {}\n", failure_);
    return kExitFailure;
  }
  return kExitOk;
}

DemoSideReport Demo::side_report(const Endpoint& e) const {
  DemoSideReport r;
  r.messages_sent = e.sent.size();
  r.messages_verified = e.verified;
  r.messages_bad = e.bad;
  r.echoed_for_peer = e.echoed_for_peer;
  r.user_bytes_sent = e.user_bytes_sent;
  r.wire_bytes_sent = e.wire_bytes_sent;
  r.wire_bytes_received = e.wire_bytes_received;
  r.epochs = e.epochs;
  r.rekey_ms = e.rekey_ms;
  r.rekeys_initiated = e.rekeys_initiated;
  r.cipher_suite = e.cipher_suite;
  r.stats = e.stats.value_or(core::AssociationStats{});
  r.wire = trace_->facts(e.side);
  return r;
}

void Demo::summary(double seconds) {
  DemoReport r;
  r.failure = failure_;
  r.traffic_seconds = seconds;
  r.rekeys_requested = o_.rekeys;
  r.rekeys_completed = rekeys_completed_;
  r.wire_epochs = trace_->wire_epochs();
  r.unopened = trace_->unopened();
  r.graceful = client_.down && server_.down &&
               client_.down->reason == core::DownReason::kShutdown &&
               server_.down->reason == core::DownReason::kShutdown;
  r.pcap = o_.pcap;
  r.keylog = o_.keylog;
  r.client = side_report(client_);
  r.server = side_report(server_);
  if (o_.json) {
    print_demo_json(r);
  } else {
    print_demo_table(r);
  }
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "A protected association between a server and a client in this process on loopback, with a "
      "timeline of the handshakes, traffic, rekeys and shutdown, and a summary");
  cmd->add_option("--duration", o->duration, "seconds of traffic")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->add_option("--rekeys", o->rekeys, "rekeys during the traffic (epoch 3 -> 4 -> ...)")
      ->check(CLI::Range(0, 50))
      ->capture_default_str();
  cmd->add_option("--pcap", o->pcap,
                  "write the client's packets (both directions) to this pcap file; protected "
                  "packets stay encrypted (see --keylog and decrypt-pcap)");
  cmd->add_option("--keylog", o->keylog,
                  "append the keys of both directions to this key-log file (for Wireshark and "
                  "decrypt-pcap); default $SCTPS_KEYLOGFILE if set");
  cmd->add_flag("--json", o->json,
                "print the summary as one JSON line on stdout (the timeline goes to stderr)");
  cmd->add_flag("--quiet", o->quiet, "no timeline, only the summary");
  cmd->add_flag("--no-bulk", o->no_bulk,
                "leave out the two 1 MB messages each way (a capture of a few hundred KB, for "
                "the Lua dissector, which decrypts slowly)");
  cmd->footer(
      "Exit codes: 0 every message came back intact, every rekey happened and the association\n"
      "shut down gracefully; 1 otherwise (the reason on stderr); 2 bad option.");
  cmd->callback([o, &exit_code] {
    Demo demo(*o);
    exit_code = demo.run();
  });
}

}  // namespace sctps::app
