// The floor under "connect -> protected" (issue #6): one TLS 1.3 handshake with mutual EC P-256
// certificate authentication between two TlsSessions in memory (no SCTP, no sockets), alone and
// followed by the 12 exports of the porfiri draft (§5.3) on both sides. Compare with
// sctps_handshake_bench's connect -> ProtectionEstablished.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "km/cert_gen.h"
#include "km/key_export.h"
#include "km/tls_credentials.h"
#include "km/tls_session.h"

namespace {

using namespace sctps;

constexpr std::int64_t kUnixNow = 1'800'000'000;

struct Contexts {
  std::shared_ptr<const km::TlsContext> client;
  std::shared_ptr<const km::TlsContext> server;
};

Contexts make_contexts(bool resumption) {
  km::TlsContextOptions context_options;
  context_options.resumption = resumption;
  km::TestCertificateOptions options;
  options.unix_time = kUnixNow;
  auto pki = km::make_test_certificates(options);
  if (!pki.ok()) std::abort();
  auto client_creds =
      km::TlsCredentials::load_pem(pki->client_pem, pki->client_key_pem.text(), pki->ca_pem);
  auto server_creds =
      km::TlsCredentials::load_pem(pki->server_pem, pki->server_key_pem.text(), pki->ca_pem);
  if (!client_creds.ok() || !server_creds.ok()) std::abort();
  auto client = km::TlsContext::create(km::TlsRole::kClient, *client_creds, {}, context_options);
  auto server = km::TlsContext::create(km::TlsRole::kServer, *server_creds, {}, context_options);
  if (!client.ok() || !server.ok()) std::abort();
  return Contexts{*client, *server};
}

const Contexts& contexts() {
  static const Contexts c = make_contexts(false);
  return c;
}

// The client expects the server's name; with `resume`, it offers the ticket kept for "peer".
km::TlsSessionOptions client_options(bool resume) {
  km::TlsSessionOptions o;
  o.peer = km::PeerIdentityPolicy::expect_name("localhost");
  o.unix_time = kUnixNow;
  if (resume) o.resumption_key = "peer";
  return o;
}

km::TlsSessionOptions server_options() {
  km::TlsSessionOptions o;
  o.unix_time = kUnixNow;
  return o;
}

// Runs one handshake to completion; false if it did not complete.
bool handshake(km::TlsSession& client, km::TlsSession& server) {
  std::vector<std::uint8_t> buffer;
  for (int round = 0; round < 6 && !(client.complete() && server.complete()); ++round) {
    buffer.clear();
    client.append_output(buffer);
    if (!buffer.empty()) server.handle_input(buffer);
    buffer.clear();
    server.append_output(buffer);
    if (!buffer.empty()) client.handle_input(buffer);
  }
  return client.complete() && server.complete();
}

// A client and a server session of `c` that completed a handshake, or nullopt.
std::optional<std::pair<km::TlsSession, km::TlsSession>> handshake_pair(const Contexts& c,
                                                                        bool resume) {
  auto client = km::TlsSession::create(c.client, client_options(resume));
  auto server = km::TlsSession::create(c.server, server_options());
  if (!client.ok() || !server.ok() || !handshake(*client, *server)) return std::nullopt;
  return std::pair(std::move(client.value()), std::move(server.value()));
}

void run(benchmark::State& state, bool with_exports) {
  const Contexts& c = contexts();
  const std::vector<std::uint8_t> downgrade = {0x80, 0x06, 0x00, 0x09, 1, 2, 3, 4, 0x01,
                                               0x80, 0x06, 0x00, 0x09, 5, 6, 7, 8, 0x02};
  for (auto _ : state) {
    auto pair = handshake_pair(c, false);
    if (!pair) {
      state.SkipWithError("handshake failed");
      return;
    }
    auto& [client, server] = *pair;
    if (with_exports) {
      auto a = km::export_keys(client, downgrade, true);
      auto b = km::export_keys(server, downgrade, true);
      if (!a.ok() || !b.ok()) {
        state.SkipWithError("export failed");
        return;
      }
      benchmark::DoNotOptimize(a);
      benchmark::DoNotOptimize(b);
    }
  }
}

void BM_TlsHandshakeInMemory(benchmark::State& state) {
  run(state, false);
}
void BM_TlsHandshakeAndExportsInMemory(benchmark::State& state) {
  run(state, true);
}

// Each of the four handshake steps alone, the others run with the timer paused: where the CPU of
// connect -> protected goes, flight by flight (the steps are sequential on the wire).
enum class Step : std::int64_t { kClientHello, kServerFlight, kClientFlight, kServerFinish };

void BM_TlsHandshakeStep(benchmark::State& state) {
  static const Contexts resuming = make_contexts(true);
  const bool resume = state.range(1) != 0;
  const Contexts& c = resume ? resuming : contexts();
  const auto step = static_cast<Step>(state.range(0));
  std::vector<std::uint8_t> buffer;
  for (auto _ : state) {
    state.PauseTiming();
    const km::TlsSessionOptions co = client_options(resume);  // the previous iteration's ticket
    const km::TlsSessionOptions so = server_options();
    auto server = km::TlsSession::create(c.server, so);
    if (step == Step::kClientHello) state.ResumeTiming();
    auto client = km::TlsSession::create(c.client, co);  // writes the ClientHello
    if (step == Step::kClientHello) state.PauseTiming();
    if (!client.ok() || !server.ok()) {
      state.SkipWithError("session creation failed");
      return;
    }
    // Moves one flight from `from` to `to`, timed when it is this benchmark's step.
    auto flight = [&](km::TlsSession& from, km::TlsSession& to, Step timed) {
      buffer.clear();
      from.append_output(buffer);
      if (step == timed) state.ResumeTiming();
      to.handle_input(buffer);
      if (step == timed) state.PauseTiming();
    };
    flight(*client, *server, Step::kServerFlight);
    flight(*server, *client, Step::kClientFlight);
    flight(*client, *server, Step::kServerFinish);
    if (!client->complete() || !server->complete()) {
      state.SkipWithError("handshake failed");
      return;
    }
    if (resume) {
      buffer.clear();
      server->issue_ticket();
      server->append_output(buffer);  // the ticket
      client->handle_input(buffer);
      client->close();
    }
    state.ResumeTiming();
  }
}

// A resumed handshake (psk_dhe_ke: fresh ECDHE, no certificates sent, parsed or verified), each
// using the ticket the previous one left: what a reconnect to a known peer costs with
// TlsContextOptions::resumption.
void BM_TlsHandshakeResumedInMemory(benchmark::State& state) {
  static const Contexts c = make_contexts(true);
  std::int64_t resumed = 0;
  for (auto _ : state) {
    auto pair = handshake_pair(c, true);
    if (!pair) {
      state.SkipWithError("handshake failed");
      return;
    }
    auto& [client, server] = *pair;
    // The ticket comes after the handshake; then close, as the key manager does (a session freed
    // without close_notify is not resumable).
    std::vector<std::uint8_t> ticket;
    server.issue_ticket();
    server.append_output(ticket);
    client.handle_input(ticket);
    client.close();
    resumed += client.resumed() ? 1 : 0;
  }
  state.counters["resumed"] =
      benchmark::Counter(static_cast<double>(resumed), benchmark::Counter::kAvgIterations);
}

BENCHMARK(BM_TlsHandshakeInMemory)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TlsHandshakeResumedInMemory)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TlsHandshakeStep)
    ->ArgNames({"step", "resumed"})
    ->ArgsProduct({{static_cast<std::int64_t>(Step::kClientHello),
                    static_cast<std::int64_t>(Step::kServerFlight),
                    static_cast<std::int64_t>(Step::kClientFlight),
                    static_cast<std::int64_t>(Step::kServerFinish)},
                   {0, 1}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TlsHandshakeAndExportsInMemory)->Unit(benchmark::kMicrosecond);

}  // namespace
